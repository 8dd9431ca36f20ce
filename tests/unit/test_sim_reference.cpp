// 照会番号 registration against the emulated 資格確認端末: single, bulk with 処理中 rounds,
// unknown people, and the registered number in later face and query results.
#include <unistd.h>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "mynaq/error.hpp"
#include "mynaq/oqs/exchange.hpp"
#include "mynaq/oqs/message.hpp"
#include "mynaq/oqs/reference_number.hpp"
#include "mynaq/oqs/xml.hpp"
#include "mynaq/sim/oqs_terminal.hpp"
#include "mynaq/sim/people.hpp"

using namespace mynaq;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using oqs::Node;

namespace {

// A person with a ReferenceNumber of the file's own, a family of two sharing one number,
// a 国保 member (6-digit insurer) and someone with no coverage at all.
constexpr std::string_view kPeople = R"(people:
  - id: a1
    insurer_number: "06139992"
    symbol: "1234"
    number: "5678"
    branch: "01"
    birthdate: "19800101"
    name: 模擬　太郎
    kana: ﾓｷﾞ ﾀﾛｳ
    sex: "1"
    records:
      - InsuredCardClassification: "01"
        QualificationDate: "20100401"
        ReferenceNumber: FILE-1
  - id: f1
    insurer_number: "06139984"
    symbol: "5555"
    number: "101"
    branch: "01"
    birthdate: "19751122"
    name: 仮名　次郎
    kana: ｶﾒｲ ｼﾞﾛｳ
    sex: "1"
    records:
      - InsuredCardClassification: "01"
  - id: f2
    insurer_number: "06139984"
    symbol: "5555"
    number: "101"
    branch: "02"
    birthdate: "19780203"
    name: 仮名　花子
    kana: ｶﾒｲ ﾊﾅｺ
    sex: "2"
    records:
      - InsuredCardClassification: "01"
  - id: k1
    insurer_number: "139998"
    symbol: 模擬01
    number: "223344"
    birthdate: "19920715"
    name: 試験　花子
    kana: ｼｹﾝ ﾊﾅｺ
    sex: "2"
    records:
      - InsuredCardClassification: "01"
        QualificationDate: "20150401"
  - id: n1
    insurer_number: "06139976"
    number: "909"
    birthdate: "19851231"
    name: 無資格　三郎
    kana: ﾑｼｶｸ ｻﾌﾞﾛｳ
    sex: "1"
)";

constexpr const char* kInstitution = "1312345678";

fs::path unique_dir() {
    static std::atomic<int> counter{0};
    const auto dir =
        fs::temp_directory_path() / fmt::format("mynaq-unit-simref-{}-{}", ::getpid(), counter++);
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string today_jst() {
    using namespace std::chrono;
    const year_month_day ymd{floor<days>(system_clock::now() + hours(9))};
    return fmt::format("{:04}{:02}{:02}", static_cast<int>(ymd.year()),
                       static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

struct Terminal {
    fs::path root = unique_dir();
    sim::OqsTerminal terminal;

    explicit Terminal(int processing_rounds = 1, TextEncoding encoding = TextEncoding::Utf8)
        : terminal(options(processing_rounds, encoding)) {}
    ~Terminal() { fs::remove_all(root); }
    Terminal(const Terminal&) = delete;
    Terminal& operator=(const Terminal&) = delete;

    sim::OqsTerminalOptions options(int processing_rounds, TextEncoding encoding) const {
        sim::OqsTerminalOptions o;
        o.root = root;
        o.people = sim::parse_people(kPeople, "people.yaml");
        o.processing_rounds = processing_rounds;
        o.encoding = encoding;
        o.poll = 20ms;
        return o;
    }

    // Through bytes and back, as a client would read the result file.
    oqs::Document answer(const Node& request, std::string_view prefix) {
        return oqs::parse_xml(oqs::write_xml(terminal.answer(request, prefix)));
    }

    oqs::ReferenceRegistrationResult register_one(const oqs::ReferenceRegistration& r,
                                                  const std::string& institution = kInstitution) {
        return oqs::parse_reference_registration_result(
            answer(oqs::build_reference_registration(institution, "afi-single", r),
                   oqs::kReferenceSingle));
    }

    // The ReferenceNumber of the first record of a fresh face result for the person.
    std::string face_reference(std::string_view id) {
        const auto face =
            oqs::parse_qualification_result(oqs::parse_xml(slurp(terminal.write_face_result(id))));
        REQUIRE(face.coverages.size() == 1);
        return face.coverages.front().get("ReferenceNumber");
    }
};

const oqs::ReferenceRegistration kA1{"C-0001", "06139992", "1234", "5678", "01"};
const oqs::ReferenceRegistration kK1{"C-0004", "139998", "模擬01", "223344", ""};
const oqs::ReferenceRegistration kNobody{"C-0099", "06139992", "1234", "9999", "01"};
const oqs::ReferenceRegistration kFamily{"C-0002", "06139984", "5555", "101", ""};

}  // namespace

TEST_CASE("sim reference: a single registration is answered and kept") {
    Terminal t;
    CHECK(t.terminal.registered_reference("a1").empty());
    const auto r = t.register_one(kA1);
    CHECK(r.header.state == oqs::FileState::Completed);
    CHECK(r.header.get("MedicalInstitutionCode") == kInstitution);
    CHECK(r.header.get("ArbitraryFileIdentifier") == "afi-single");
    CHECK(r.header.get("CharacterCodeIdentifier") == "0");
    CHECK(r.header.get("ProcessExecutionTime").size() == 14);
    CHECK(r.person == oqs::PersonState::Ok);
    CHECK(r.processing_result_code.empty());
    CHECK(r.registered());
    REQUIRE(r.echo.has_value());
    CHECK(r.echo->reference_number == "C-0001");
    CHECK(r.echo->insurer_number == "06139992");
    CHECK(t.terminal.registered_reference("a1") == "C-0001");

    // 国保: the space-padded number finds the person; a new number replaces the old one.
    CHECK(t.register_one(kK1).registered());
    CHECK(t.terminal.registered_reference("k1") == "C-0004");
    auto again = kK1;
    again.reference_number = "C-0005";
    CHECK(t.register_one(again).registered());
    CHECK(t.terminal.registered_reference("k1") == "C-0005");
}

TEST_CASE("sim reference: unknown, ambiguous and uncovered people are unit errors") {
    Terminal t;
    const auto nobody = t.register_one(kNobody);
    CHECK(nobody.header.state == oqs::FileState::Completed);
    CHECK(nobody.person == oqs::PersonState::Error);
    CHECK_FALSE(nobody.registered());
    CHECK(nobody.processing_result_code == "EMU0102");
    CHECK(nobody.processing_result_message.find("エミュレータ") != std::string::npos);

    // Two family members share symbol and number: without the branch it could be either.
    const auto family = t.register_one(kFamily);
    CHECK(family.person == oqs::PersonState::Error);
    CHECK(family.processing_result_code == "EMU0103");
    auto second = kFamily;
    second.branch = "02";
    CHECK(t.register_one(second).registered());
    CHECK(t.terminal.registered_reference("f2") == "C-0002");
    CHECK(t.terminal.registered_reference("f1").empty());

    // A person without any coverage record has no insurance to register against.
    const auto uncovered = t.register_one({"C-0003", "06139976", "", "909", ""});
    CHECK(uncovered.processing_result_code == "EMU0102");

    // A request the builder would refuse, written by hand: an over-long number.
    Node raw = oqs::build_reference_registration(kInstitution, "raw", kA1);
    for (auto& c : raw.child("MessageBody")->children.front().children) {
        if (c.name == "ReferenceNumber") c.text = std::string(51, '1');
    }
    const auto too_long =
        oqs::parse_reference_registration_result(t.answer(raw, oqs::kReferenceSingle));
    CHECK(too_long.processing_result_code == "EMU0101");
    CHECK(t.terminal.registered_reference("a1").empty());

    // No registration at all is the file's failure.
    Node empty("XmlMsg");
    empty.add("MessageHeader").add("MedicalInstitutionCode", kInstitution);
    empty.add("MessageBody");
    const auto none =
        oqs::parse_reference_registration_result(t.answer(empty, oqs::kReferenceSingle));
    CHECK(none.header.state == oqs::FileState::Failed);
    CHECK(none.header.error_code == "EMU9006");
    CHECK(oqs::parse_bulk_reference_upload_result(t.answer(empty, oqs::kReferenceBulkUpload))
              .header.state == oqs::FileState::Failed);
    CHECK(
        oqs::parse_reference_registration_result(t.answer(empty, "OQSsiimm09")).header.error_code ==
        "EMU9003");
}

TEST_CASE("sim reference: bulk upload, 処理中 rounds, then the units") {
    Terminal t(2);
    const auto up = oqs::parse_bulk_reference_upload_result(
        t.answer(oqs::build_bulk_reference_upload(kInstitution, "bulk-1", {kA1, kNobody, kK1}),
                 oqs::kReferenceBulkUpload));
    CHECK(up.header.state == oqs::FileState::Completed);
    CHECK(up.header.get("ArbitraryFileIdentifier") == "bulk-1");
    REQUIRE_FALSE(up.reception_number.empty());
    CHECK(up.reception_date_time.size() == 14);

    const Node download =
        oqs::build_bulk_reference_download(kInstitution, "bulk-1", up.reception_number);
    for (int round = 1; round <= 2; ++round) {
        CAPTURE(round);
        const auto waiting =
            oqs::parse_bulk_reference_result(t.answer(download, oqs::kReferenceBulkDownload));
        CHECK(waiting.header.state == oqs::FileState::Processing);
        CHECK(waiting.reception_number == up.reception_number);
        CHECK(waiting.units.empty());
        CHECK(waiting.number_of_results.empty());
        // Not registered while still being processed.
        CHECK(t.terminal.registered_reference("a1").empty());
    }

    const auto done =
        oqs::parse_bulk_reference_result(t.answer(download, oqs::kReferenceBulkDownload));
    CHECK(done.header.state == oqs::FileState::Completed);
    CHECK(done.reception_number == up.reception_number);
    CHECK(done.header.get("ArbitraryFileIdentifier") == "bulk-1");
    CHECK(done.number_of_results == "3");
    CHECK(done.number_of_normal == "2");
    CHECK(done.number_of_errors == "1");
    REQUIRE(done.units.size() == 3);
    CHECK(done.units[0].info.reference_number == "C-0001");
    CHECK(done.units[0].person == oqs::PersonState::Ok);
    CHECK(done.units[1].info.reference_number == "C-0099");
    CHECK(done.units[1].person == oqs::PersonState::Error);
    CHECK(done.units[1].processing_result_code == "EMU0102");
    CHECK(done.units[2].info.insurer_number == "  139998");
    CHECK(done.units[2].person == oqs::PersonState::Ok);
    CHECK(t.terminal.registered_reference("a1") == "C-0001");
    CHECK(t.terminal.registered_reference("k1") == "C-0004");

    // Asked again, the same answer: nothing is registered twice or differently.
    const auto repeat =
        oqs::parse_bulk_reference_result(t.answer(download, oqs::kReferenceBulkDownload));
    CHECK(repeat.header.state == oqs::FileState::Completed);
    CHECK(repeat.number_of_normal == "2");
    CHECK(repeat.units.size() == 3);

    // An unknown reception number, and the 一括照会's numbers are not this interface's.
    const auto unknown = oqs::parse_bulk_reference_result(t.answer(
        oqs::build_bulk_reference_download(kInstitution, "", "000"), oqs::kReferenceBulkDownload));
    CHECK(unknown.header.state == oqs::FileState::Failed);
    CHECK(unknown.header.error_code == "EMU9005");
}

TEST_CASE("sim reference: later face and query results carry the registered number") {
    Terminal t(0);
    // Before: the people file's own number.
    CHECK(t.face_reference("a1") == "FILE-1");
    CHECK(t.face_reference("k1").empty());

    CHECK(t.register_one(kA1).registered());
    CHECK(t.face_reference("a1") == "C-0001");

    // Bulk registration too (no 処理中 rounds configured here).
    const auto up = oqs::parse_bulk_reference_upload_result(t.answer(
        oqs::build_bulk_reference_upload(kInstitution, "b", {kK1}), oqs::kReferenceBulkUpload));
    CHECK(oqs::parse_bulk_reference_result(
              t.answer(oqs::build_bulk_reference_download(kInstitution, "b", up.reception_number),
                       oqs::kReferenceBulkDownload))
              .header.state == oqs::FileState::Completed);
    CHECK(t.face_reference("k1") == "C-0004");

    // The face file's ReferenceNumber is the record's last element, once.
    const auto face = oqs::parse_xml(slurp(t.terminal.write_face_result("a1")));
    const Node* record = face.root.find("ResultOfQualificationConfirmation");
    REQUIRE(record != nullptr);
    CHECK(record->children.back().name == "ReferenceNumber");
    CHECK(record->children_named("ReferenceNumber").size() == 1);

    // A 保険証 query and a 一括照会 answer carry it as well.
    oqs::SingleQuery q{today_jst(), kInstitution, "q", {}};
    q.search.insurer_number = "06139992";
    q.search.card_symbol = "1234";
    q.search.identification_number = "5678";
    q.search.branch_number = "01";
    q.search.birthdate = "19800101";
    const auto single =
        oqs::parse_qualification_result(t.answer(oqs::build_single_query(q), "OQSsiquc01"));
    REQUIRE(single.coverages.size() == 1);
    CHECK(single.coverages.front().get("ReferenceNumber") == "C-0001");
    q.search.arbitrary_identifier = "row-1";
    const auto bulk_up = oqs::parse_bulk_upload_result(t.answer(
        oqs::build_bulk_upload({today_jst(), kInstitution, "bq", {q.search}}), "OQSmuquc01"));
    const auto bulk = oqs::parse_bulk_result(t.answer(
        oqs::build_bulk_download(kInstitution, bulk_up.reception_number, "bq"), "OQSmuquc02"));
    REQUIRE(bulk.units.size() == 1);
    CHECK(bulk.units.front().reference_number == "C-0001");
}

TEST_CASE("sim reference: a registration belongs to the institution that made it") {
    Terminal t;
    CHECK(t.register_one(kA1, "2714206386").registered());
    // This terminal's face results are for 1312345678.
    CHECK(t.terminal.registered_reference("a1").empty());
    CHECK(t.face_reference("a1") == "FILE-1");
    CHECK(t.register_one(kA1).registered());
    CHECK(t.face_reference("a1") == "C-0001");
}

TEST_CASE("sim reference: faults apply to registration answers too") {
    Terminal t(1, TextEncoding::ShiftJis);
    const auto sj = t.register_one(kK1);
    CHECK(sj.header.get("CharacterCodeIdentifier") == "1");
    CHECK(sj.registered());

    sim::TerminalFaults faults;
    faults.segment9 = true;
    t.terminal.set_faults(faults);
    const auto failed = t.register_one(kA1);
    CHECK(failed.header.state == oqs::FileState::Failed);
    CHECK_FALSE(failed.registered());
    CHECK(t.terminal.registered_reference("a1").empty());

    faults.segment9 = false;
    faults.shuffle = true;
    t.terminal.set_faults(faults);
    const auto shuffled = t.register_one(kA1);
    CHECK(shuffled.registered());
    CHECK(shuffled.echo->reference_number == "C-0001");
}

TEST_CASE("sim reference: single registration through the OQS folder") {
    Terminal t;
    std::jthread runner([&](std::stop_token st) { t.terminal.run(st); });
    oqs::FolderOptions o;
    o.root = t.root;
    o.work = t.root / "work";
    o.poll = 20ms;
    o.timeout = 10s;
    o.stable_read = 10ms;
    oqs::FolderExchange ex(o);
    const auto r = oqs::parse_reference_registration_result(
        ex.exchange({std::string(oqs::kReferenceSingle), "202609300001",
                     oqs::build_reference_registration(kInstitution, "folder-1", kA1)}));
    CHECK(r.registered());
    CHECK(r.header.get("ArbitraryFileIdentifier") == "folder-1");
    CHECK(fs::exists(t.root / "res" / "OQSsiimm01res_202609300001.xml"));
    CHECK(t.terminal.registered_reference("a1") == "C-0001");
    runner.request_stop();
    runner.join();
}
