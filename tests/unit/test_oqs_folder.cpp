// The folder exchange against the emulated 資格確認端末, both on real folders on disk.
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "error_code_of.hpp"
#include "mynaq/error.hpp"
#include "mynaq/oqs/exchange.hpp"
#include "mynaq/oqs/message.hpp"
#include "mynaq/oqs/xml.hpp"
#include "mynaq/sim/oqs_terminal.hpp"
#include "mynaq/sim/people.hpp"

using namespace mynaq;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using oqs::Node;

namespace {

const fs::path kPeopleFile = fs::path(MYNAQ_TEST_DATADIR) / ".." / "examples" / "people.yaml";

fs::path unique_dir(const char* what) {
    static std::atomic<int> counter{0};
    const auto dir =
        fs::temp_directory_path() / fmt::format("mynaq-unit-{}-{}-{}", what, ::getpid(), counter++);
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
    const auto day = floor<days>(system_clock::now() + hours(9));
    const year_month_day ymd{day};
    return fmt::format("{:04}{:02}{:02}", static_cast<int>(ymd.year()),
                       static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

std::size_t files_in(const fs::path& dir) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) return 0;
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), {}));
}

struct Search {
    std::string insurer, symbol, number, branch, birthdate, limit_flag, arbitrary;
};

const Search kP01{"06139992", "1234", "5678", "01", "19800101", "", ""};
const Search kUnknown{"06139992", "1234", "9999", "01", "19800101", "", ""};
const Search kExpired{"06139976", "3333", "909", "01", "19851231", "", ""};
const Search kTwoRecords{"06139968", "2020", "55", "03", "20010327", "", ""};

Node search_node(const Search& s) {
    Node n("QualificationConfirmSearchInfo");
    n.add("InsurerNumber", s.insurer);
    n.add_if("InsuredCardSymbol", s.symbol);
    n.add("InsuredIdentificationNumber", s.number);
    n.add_if("InsuredBranchNumber", s.branch);
    n.add("Birthdate", s.birthdate);
    n.add_if("LimitApplicationCertificateRelatedConsFlg", s.limit_flag);
    n.add_if("ArbitraryIdentifier", s.arbitrary);
    return n;
}

Node single_query(const Search& s, const std::string& identifier) {
    Node msg("XmlMsg");
    Node& h = msg.add("MessageHeader");
    h.add("QualificationConfirmationDate", today_jst());
    h.add("MedicalInstitutionCode", "1312345678");
    h.add_if("ArbitraryFileIdentifier", identifier);
    msg.add("MessageBody").children.push_back(search_node(s));
    return msg;
}

std::string header(const oqs::Document& doc, std::string_view name) {
    const Node* h = doc.root.child("MessageHeader");
    REQUIRE(h != nullptr);
    return h->value_or_empty(name);
}

std::string body(const oqs::Document& doc, std::string_view name) {
    const Node* b = doc.root.child("MessageBody");
    REQUIRE(b != nullptr);
    return b->value_or_empty(name);
}

std::vector<const Node*> records(const oqs::Document& doc) {
    return doc.root.find_all("ResultOfQualificationConfirmation");
}

// An emulated 端末 on a fresh OQS folder, optionally answering on its own thread.
struct Rig {
    fs::path root = unique_dir("oqsfolder");
    std::mutex log_mutex;
    std::vector<std::string> log;
    sim::OqsTerminal terminal;
    std::jthread thread;

    explicit Rig(bool running = true, sim::TerminalFaults faults = {},
                 TextEncoding encoding = TextEncoding::Utf8)
        : terminal(options(faults, encoding)) {
        if (running) thread = std::jthread([this](std::stop_token st) { terminal.run(st); });
    }
    ~Rig() {
        if (thread.joinable()) {
            thread.request_stop();
            thread.join();
        }
        fs::remove_all(root);
    }
    Rig(const Rig&) = delete;
    Rig& operator=(const Rig&) = delete;

    sim::OqsTerminalOptions options(const sim::TerminalFaults& faults, TextEncoding encoding) {
        sim::OqsTerminalOptions o;
        o.root = root;
        o.people = sim::load_people(kPeopleFile);
        o.encoding = encoding;
        o.faults = faults;
        o.poll = 20ms;
        o.log = [this](std::string_view line) {
            std::lock_guard lock(log_mutex);
            log.emplace_back(line);
        };
        return o;
    }

    oqs::FolderOptions folder(std::chrono::milliseconds timeout = 10s) const {
        oqs::FolderOptions o;
        o.root = root;
        o.work = root / "work";
        o.poll = 20ms;
        o.timeout = timeout;
        o.stable_read = 10ms;
        return o;
    }

    oqs::Document query(const Search& s, const std::string& suffix,
                        const std::string& identifier = "id-" + std::to_string(::getpid())) {
        oqs::FolderExchange ex(folder());
        return ex.exchange({"OQSsiquc01", suffix, single_query(s, identifier)});
    }

    std::vector<std::string> log_lines() {
        std::lock_guard lock(log_mutex);
        return log;
    }
};

}  // namespace

TEST_CASE("oqs folder: suffixes and file identifiers") {
    CHECK(oqs::make_suffix("20250401", 7) == "202504010007");
    CHECK(oqs::make_suffix("20250401", 9999) == "202504019999");
    CHECK(oqs::make_suffix("20250401", 10000) == "2025040110000");
    CHECK(oqs::make_suffix("20250401", 10000).size() == 13);
    CHECK(test::error_code_of([] { oqs::make_suffix("20250401", 100000); }) ==
          Errc::InvalidArgument);
    CHECK(test::error_code_of([] { oqs::make_suffix("2025-04-01", 1); }) == Errc::InvalidArgument);
    CHECK(test::error_code_of([] { oqs::make_suffix("20250401", -1); }) == Errc::InvalidArgument);

    const std::string a = oqs::make_file_identifier();
    const std::string b = oqs::make_file_identifier();
    const std::regex form(R"(\d{17}-[0-9a-f]{8})");
    CHECK(std::regex_match(a, form));
    CHECK(std::regex_match(b, form));
    CHECK(a != b);
    CHECK(a.substr(0, 8) == today_jst());
}

TEST_CASE("oqs terminal: a valid person is answered with the header echoed") {
    Rig rig;
    const auto doc = rig.query(kP01, "202504010001", "clinic_000123");
    CHECK(header(doc, "SegmentOfResult") == "1");
    CHECK(header(doc, "ReferenceClassification") == "2");
    CHECK(header(doc, "ArbitraryFileIdentifier") == "clinic_000123");
    CHECK(header(doc, "CharacterCodeIdentifier") == "0");
    CHECK(header(doc, "MedicalInstitutionCode") == "1312345678");
    CHECK(header(doc, "ProcessExecutionTime").size() == 14);
    CHECK(body(doc, "ProcessingResultStatus") == "1");
    CHECK(body(doc, "QualificationValidity") == "1");
    const Node* echo = doc.root.find("QualificationConfirmSearchInfo");
    REQUIRE(echo != nullptr);
    CHECK(echo->value_or_empty("InsuredIdentificationNumber") == "5678");

    const auto recs = records(doc);
    REQUIRE(recs.size() == 1);
    const Node& r = *recs.front();
    CHECK(r.value_or_empty("InsurerNumber") == "06139992");
    CHECK(r.value_or_empty("Name") == "模擬　太郎");
    CHECK(r.value_or_empty("NameKana") == "ﾓｷﾞ ﾀﾛｳ");
    CHECK(r.value_or_empty("ReferenceNumber") == "K000101");
    CHECK(r.value_or_empty("PharmacistsInfoConsFlg") == "1");
    CHECK(r.value_or_empty("DiagnosisInfoConsFlg") == "0");
    CHECK(r.child("DiagnosisInfoConsTime") == nullptr);
    // Asked without the 限度額 flag: no 限度額 consent in the answer.
    CHECK(r.value_or_empty("LimitApplicationCertificateRelatedConsFlg") == "0");

    // The typed parser reads it the same way.
    const auto typed = oqs::parse_qualification_result(doc);
    CHECK(typed.valid());
    REQUIRE(typed.coverages.size() == 1);
    CHECK(typed.coverages.front().get("InsurerName") == "模擬健康保険組合");

    // Request taken away, result left in res/, the work folder private.
    CHECK(files_in(rig.root / "req") == 0);
    CHECK(fs::exists(rig.root / "res" / "OQSsiquc01res_202504010001.xml"));
    struct stat st {};
    REQUIRE(::stat((rig.root / "work").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    CHECK(files_in(rig.root / "work") == 0);
}

TEST_CASE("oqs terminal: consent times, 国保 padding and the 限度額 gate") {
    Rig rig;
    // 国保: 6 digits sent space-padded, answered space-padded.
    const auto kokuho =
        rig.query({"  139998", "模擬01", "223344", "", "19920715", "", ""}, "202504010002");
    CHECK(body(kokuho, "QualificationValidity") == "1");
    REQUIRE(records(kokuho).size() == 1);
    CHECK(records(kokuho).front()->value_or_empty("InsurerNumber") == "  139998");
    CHECK(records(kokuho).front()->value_or_empty("NameKana") == "ｼｹﾝ ﾊﾅｺ");

    // Fixed consent time in the file: AvailableTime 24 hours later.
    const auto p10 =
        rig.query({"34139998", "4646", "17", "04", "20210808", "", ""}, "202504010003");
    REQUIRE(records(p10).size() == 1);
    const Node& r10 = *records(p10).front();
    CHECK(r10.value_or_empty("PharmacistsInfoConsTime") == "20250401091530");
    CHECK(r10.value_or_empty("PharmacistsInfoAvailableTime") == "20250402091530");
    CHECK(r10.value_or_empty("OperationInfoAvailableTime") == "20250402091530");
    CHECK(r10.value_or_empty("PreschoolClassification") == "1");

    // 限度額: only with LimitApplicationCertificateRelatedConsFlg 1.
    const Search p05{"06139984", "5555", "101", "02", "19751122", "0", ""};
    const auto without = rig.query(p05, "202504010004");
    CHECK(without.root.find("LimitApplicationCertificateRelatedInfo") == nullptr);
    Search with = p05;
    with.limit_flag = "1";
    const auto granted = rig.query(with, "202504010005");
    const Node* limit = granted.root.find("LimitApplicationCertificateRelatedInfo");
    REQUIRE(limit != nullptr);
    CHECK(limit->value_or_empty("LimitApplicationCertificateClassificationFlag") == "A03");
    CHECK(records(granted).front()->value_or_empty("LimitApplicationCertificateRelatedConsFlg") ==
          "1");
    CHECK(records(granted)
              .front()
              ->value_or_empty("LimitApplicationCertificateRelatedConsTime")
              .size() == 14);
}

TEST_CASE("oqs terminal: unknown, expired and duplicated people") {
    Rig rig;
    const auto unknown = rig.query(kUnknown, "202504010011");
    CHECK(header(unknown, "SegmentOfResult") == "1");
    CHECK(body(unknown, "ProcessingResultStatus") == "2");
    CHECK(body(unknown, "QualificationValidity") == "4");
    CHECK(body(unknown, "ProcessingResultCode") == "EMU0004");
    CHECK(body(unknown, "ProcessingResultMessage").find("エミュレータ") != std::string::npos);
    CHECK(records(unknown).empty());

    const auto expired = rig.query(kExpired, "202504010012");
    CHECK(body(expired, "ProcessingResultStatus") == "1");
    CHECK(body(expired, "QualificationValidity") == "2");
    REQUIRE(records(expired).size() == 1);
    CHECK(records(expired).front()->value_or_empty("DisqualificationDate") == "20240401");

    const auto twice = rig.query(kTwoRecords, "202504010013");
    CHECK(body(twice, "QualificationValidity") == "5");
    const auto recs = records(twice);
    REQUIRE(recs.size() == 2);
    CHECK(recs[0]->value_or_empty("InsurerNumber") == "06139968");
    CHECK(recs[1]->value_or_empty("InsurerNumber") == "06139950");
    CHECK(oqs::parse_qualification_result(twice).eligibility == oqs::Eligibility::Multiple);
}

namespace {

Node bulk_upload(const std::vector<Search>& people) {
    Node msg("XmlMsg");
    Node& h = msg.add("MessageHeader");
    h.add("QualificationConfirmationDate", today_jst());
    h.add("MedicalInstitutionCode", "1312345678");
    h.add("ArbitraryFileIdentifier", "bulk-upload-1");
    Node& b = msg.add("MessageBody");
    for (const auto& p : people) b.children.push_back(search_node(p));
    return msg;
}

Node bulk_download(const std::string& reception, const std::string& identifier) {
    Node msg("XmlMsg");
    Node& h = msg.add("MessageHeader");
    h.add("MedicalInstitutionCode", "1312345678");
    h.add("ArbitraryFileIdentifier", identifier);
    msg.add("MessageBody").add("ReceptionNumber", reception);
    return msg;
}

void run_bulk(Rig& rig, bool zipped) {
    oqs::FolderExchange ex(rig.folder());
    Search a = kP01;
    a.arbitrary = "chart-1_0";
    Search b = kUnknown;
    b.arbitrary = "chart-2_0";
    Search c = kExpired;
    c.arbitrary = "chart-3_0";
    const auto upload = oqs::parse_bulk_upload_result(
        ex.exchange({"OQSmuquc01", "202504010100", bulk_upload({a, b, c})}));
    REQUIRE(!upload.reception_number.empty());
    CHECK(upload.reception_date_time.size() == 14);
    CHECK(upload.header.get("ArbitraryFileIdentifier") == "bulk-upload-1");

    const auto first =
        ex.exchange({"OQSmuquc02", "202504010101", bulk_download(upload.reception_number, "dl-1")});
    CHECK(header(first, "SegmentOfResult") == "2");
    CHECK(header(first, "ReceptionNumber") == upload.reception_number);
    CHECK(first.root.find("BulkConfirmUnit") == nullptr);

    const auto second =
        ex.exchange({"OQSmuquc02", "202504010102", bulk_download(upload.reception_number, "dl-2")});
    CHECK(fs::exists(rig.root / "res" / "OQSmuquc02res_202504010102.zip") == zipped);
    CHECK(fs::exists(rig.root / "res" / "OQSmuquc02res_202504010102.xml") == !zipped);
    const auto result = oqs::parse_bulk_result(second);
    CHECK(result.header.state == oqs::FileState::Completed);
    CHECK(result.reception_number == upload.reception_number);
    CHECK(result.header.get("ArbitraryFileIdentifier") == "dl-2");
    CHECK(result.number_of_results == "3");
    CHECK(result.number_of_normal == "2");
    CHECK(result.number_of_errors == "1");
    REQUIRE(result.units.size() == 3);
    std::map<std::string, const oqs::BulkUnit*> by_id;
    for (const auto& u : result.units) by_id[u.echo.arbitrary_identifier] = &u;
    REQUIRE(by_id.size() == 3);
    CHECK(by_id.at("chart-1_0")->eligibility == oqs::Eligibility::Valid);
    CHECK(by_id.at("chart-1_0")->reference_number == "K000101");
    REQUIRE(by_id.at("chart-1_0")->coverages.size() == 1);
    // The reduced bulk record: no consent blocks, a 限度額 change flag instead.
    CHECK(by_id.at("chart-1_0")->coverages.front().get("PharmacistsInfoConsFlg").empty());
    CHECK(by_id.at("chart-1_0")->coverages.front().get("LimitApplicationCertificateChanged") ==
          "0");
    CHECK(by_id.at("chart-2_0")->eligibility == oqs::Eligibility::NoQualification);
    CHECK(by_id.at("chart-2_0")->person == oqs::PersonState::Error);
    CHECK(by_id.at("chart-3_0")->eligibility == oqs::Eligibility::Invalid);
}

}  // namespace

TEST_CASE("oqs terminal: bulk query in three exchanges") {
    Rig rig;
    run_bulk(rig, false);
}

TEST_CASE("oqs terminal: a zipped bulk result is unpacked") {
    sim::TerminalFaults faults;
    faults.zip_bulk = true;
    Rig rig(true, faults);
    run_bulk(rig, true);
}

TEST_CASE("oqs terminal: an .err answer is OQS_FAILED with its message") {
    sim::TerminalFaults faults;
    faults.err = true;
    Rig rig(true, faults);
    try {
        rig.query(kP01, "202504010021");
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::OqsFailed);
        // The CP932 .err text comes back as UTF-8.
        CHECK(e.detail().find("要求ファイルの処理でエラーが発生しました") != std::string::npos);
        CHECK(e.fields().at("request") == "OQSsiquc01req_202504010021.xml");
    }
    CHECK(fs::exists(rig.root / "res" / "OQSsiquc01req_202504010021.xml"));
    CHECK(fs::exists(rig.root / "res" / "OQSsiquc01req_202504010021.err"));
    CHECK(!is_valid_utf8(slurp(rig.root / "res" / "OQSsiquc01req_202504010021.err")));
}

TEST_CASE("oqs terminal: segment 9 and a delay, set while running") {
    Rig rig;
    sim::TerminalFaults faults;
    faults.segment9 = true;
    rig.terminal.set_faults(faults);
    const auto doc = rig.query(kP01, "202504010031");
    CHECK(header(doc, "SegmentOfResult") == "9");
    CHECK(!header(doc, "ErrorCode").empty());
    CHECK(!header(doc, "ErrorMessage").empty());
    CHECK(oqs::parse_qualification_result(doc).header.state == oqs::FileState::Failed);

    sim::TerminalFaults slow;
    slow.delay = 200ms;
    rig.terminal.set_faults(slow);
    const auto start = std::chrono::steady_clock::now();
    CHECK(header(rig.query(kP01, "202504010032"), "SegmentOfResult") == "1");
    CHECK(std::chrono::steady_clock::now() - start >= 200ms);
    CHECK(rig.terminal.faults().delay == 200ms);
}

TEST_CASE("oqs terminal: no answer is OQS_TIMEOUT pointing at the fallback") {
    sim::TerminalFaults faults;
    faults.never_answer = true;
    Rig rig(true, faults);
    oqs::FolderExchange ex(rig.folder(300ms));
    const auto start = std::chrono::steady_clock::now();
    try {
        ex.exchange({"OQSsiquc01", "202504010041", single_query(kP01, "x")});
        FAIL("expected a timeout");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::OqsTimeout);
        CHECK(e.detail().find("mynaq fallback start") != std::string::npos);
        CHECK(e.fields().at("request") == "OQSsiquc01req_202504010041.xml");
        CHECK(e.fields().at("folder") == rig.root.string());
    }
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(took >= 300ms);
    CHECK(took < 3s);
    // The request stays for the 端末 (and for a resumed run).
    CHECK(fs::exists(rig.root / "req" / "OQSsiquc01req_202504010041.xml"));
}

TEST_CASE("oqs terminal: Shift_JIS both ways") {
    Rig rig(true, {}, TextEncoding::ShiftJis);
    auto options = rig.folder();
    options.encoding = TextEncoding::ShiftJis;
    oqs::FolderExchange ex(options);
    const auto doc = ex.exchange({"OQSsiquc01", "202504010051", single_query(kP01, "sj")});
    CHECK(doc.encoding == TextEncoding::ShiftJis);
    CHECK(doc.raw.find("encoding=\"Shift_JIS\"") != std::string::npos);
    CHECK(!is_valid_utf8(doc.raw));
    CHECK(header(doc, "CharacterCodeIdentifier") == "1");
    REQUIRE(records(doc).size() == 1);
    CHECK(records(doc).front()->value_or_empty("Name") == "模擬　太郎");
    CHECK(records(doc).front()->value_or_empty("NameKana") == "ﾓｷﾞ ﾀﾛｳ");
    CHECK(records(doc).front()->value_or_empty("InsurerName") == "模擬健康保険組合");
}

namespace {

// (name, text) of every leaf, times left out: they differ between two answers.
std::multiset<std::pair<std::string, std::string>> leaves(const Node& n) {
    std::multiset<std::pair<std::string, std::string>> out;
    if (n.children.empty()) {
        if (!n.name.ends_with("Time")) out.emplace(n.name, n.text);
        return out;
    }
    for (const auto& c : n.children) out.merge(leaves(c));
    return out;
}

}  // namespace

TEST_CASE("oqs terminal: shuffled element order reads the same") {
    Rig rig;
    const auto plain = rig.query(kP01, "202504010061", "same-id");
    sim::TerminalFaults faults;
    faults.shuffle = true;
    rig.terminal.set_faults(faults);
    const auto shuffled = rig.query(kP01, "202504010062", "same-id");
    CHECK(plain.root.children.front().name != shuffled.root.children.front().name);
    CHECK(plain.root.child("MessageHeader")->children.front().name !=
          shuffled.root.child("MessageHeader")->children.front().name);
    CHECK(leaves(plain.root) == leaves(shuffled.root));
    const auto a = oqs::parse_qualification_result(plain);
    const auto b = oqs::parse_qualification_result(shuffled);
    CHECK(b.valid());
    REQUIRE(b.coverages.size() == 1);
    CHECK(a.coverages.front().get("Name") == b.coverages.front().get("Name"));
    CHECK(a.coverages.front().get("ReferenceNumber") == b.coverages.front().get("ReferenceNumber"));
}

TEST_CASE("oqs folder: resuming neither rewrites a pending request nor resends an answered one") {
    Rig rig(false);
    const auto pending = rig.root / "req" / "OQSsiquc01req_202504010071.xml";
    { std::ofstream(pending, std::ios::binary) << oqs::write_xml(single_query(kP01, "first-run")); }
    struct stat before {};
    REQUIRE(::stat(pending.c_str(), &before) == 0);
    oqs::FolderExchange ex(rig.folder(5s));
    // A new identifier, as a restarted client would make; the one on disk is the one answered.
    auto future = std::async(std::launch::async, [&] {
        return ex.exchange({"OQSsiquc01", "202504010071", single_query(kP01, "second-run")});
    });
    std::this_thread::sleep_for(300ms);
    struct stat after {};
    REQUIRE(::stat(pending.c_str(), &after) == 0);
    CHECK(after.st_ino == before.st_ino);
    CHECK(after.st_mtim.tv_sec == before.st_mtim.tv_sec);
    CHECK(after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
    CHECK(files_in(rig.root / "work") == 0);
    CHECK(rig.terminal.serve_once() == 1);
    const auto doc = future.get();
    CHECK(header(doc, "ArbitraryFileIdentifier") == "first-run");
    CHECK(body(doc, "QualificationValidity") == "1");

    // Result already there: read without writing anything.
    const auto res = rig.root / "res" / "OQSsiquc01res_202504010072.xml";
    {
        std::ofstream(res, std::ios::binary)
            << oqs::write_xml(rig.terminal.answer(single_query(kExpired, "kept"), "OQSsiquc01"));
    }
    const auto again = ex.exchange({"OQSsiquc01", "202504010072", single_query(kExpired, "kept")});
    CHECK(body(again, "QualificationValidity") == "2");
    CHECK(files_in(rig.root / "req") == 0);
    CHECK(files_in(rig.root / "work") == 0);
}

TEST_CASE("oqs folder: a result for another request is MESSAGE_INVALID") {
    Rig rig(false);
    const auto res = rig.root / "res" / "OQSsiquc01res_202504010081.xml";
    {
        std::ofstream(res, std::ios::binary)
            << oqs::write_xml(rig.terminal.answer(single_query(kP01, "other"), "OQSsiquc01"));
    }
    oqs::FolderExchange ex(rig.folder(2s));
    try {
        ex.exchange({"OQSsiquc01", "202504010081", single_query(kP01, "mine")});
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::MessageInvalid);
        CHECK(e.detail().find("belongs to another request") != std::string::npos);
    }
    // Without an identifier on either side, name correlation is enough.
    CHECK(body(ex.exchange({"OQSsiquc01", "202504010081", single_query(kP01, "")}),
               "QualificationValidity") == "1");
}

namespace {

// A zip holding one entry, written with libzip as a 資格確認端末 would.
void write_zip(const fs::path& file, const std::string& entry, const std::string& data) {
    int error = 0;
    zip_t* z = zip_open(file.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
    REQUIRE(z != nullptr);
    zip_source_t* src = zip_source_buffer(z, data.data(), data.size(), 0);
    REQUIRE(src != nullptr);
    REQUIRE(zip_file_add(z, entry.c_str(), src, ZIP_FL_ENC_UTF_8) >= 0);
    REQUIRE(zip_close(z) == 0);
}

}  // namespace

TEST_CASE("oqs folder: zipped results and a request sent back without its .err") {
    Rig rig(false);
    const std::string xml =
        oqs::write_xml(rig.terminal.answer(single_query(kP01, "zip-id"), "OQSsiquc01"));
    // The only XML in the archive is taken even under another name.
    write_zip(rig.root / "res" / "OQSsiquc01res_202504010091.zip", "result.xml", xml);
    auto options = rig.folder(2s);
    oqs::FolderExchange ex(options);
    const auto doc = ex.exchange({"OQSsiquc01", "202504010091", single_query(kP01, "zip-id")});
    CHECK(body(doc, "QualificationValidity") == "1");
    CHECK(doc.raw == xml);

    // A small archive that unpacks beyond the limit is refused before it is unpacked.
    const std::string padded = xml + std::string(60'000, ' ');
    write_zip(rig.root / "res" / "OQSsiquc01res_202504010092.zip", "OQSsiquc01res_202504010092.xml",
              padded);
    REQUIRE(fs::file_size(rig.root / "res" / "OQSsiquc01res_202504010092.zip") < 10'000);
    options.limits.max_bytes = 10'000;
    oqs::FolderExchange small(options);
    try {
        small.exchange({"OQSsiquc01", "202504010092", single_query(kP01, "zip-id")});
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::MessageInvalid);
        CHECK(e.detail().find("more than the allowed") != std::string::npos);
    }

    // The request moved back into res/ with no .err: OQS_FAILED after a short grace.
    {
        std::ofstream(rig.root / "res" / "OQSsiquc01req_202504010093.xml")
            << oqs::write_xml(single_query(kP01, "moved"));
    }
    const auto start = std::chrono::steady_clock::now();
    try {
        ex.exchange({"OQSsiquc01", "202504010093", single_query(kP01, "moved")});
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::OqsFailed);
        CHECK(e.detail().find("without an .err") != std::string::npos);
    }
    CHECK(std::chrono::steady_clock::now() - start < 2s);
    CHECK(files_in(rig.root / "req") == 0);
}

TEST_CASE("oqs folder: 200 requests and the terminal never reads a half-written one") {
    Rig rig;
    constexpr int kThreads = 4;
    constexpr int kEach = 50;
    std::vector<std::future<int>> workers;
    for (int t = 0; t < kThreads; ++t) {
        workers.push_back(std::async(std::launch::async, [&rig, t] {
            oqs::FolderExchange ex(rig.folder(20s));
            int valid = 0;
            for (int i = 0; i < kEach; ++i) {
                const std::string id = fmt::format("stress-{}-{}", t, i);
                const auto doc = ex.exchange({"OQSsiquc01", fmt::format("2025040{}{:04}", t + 2, i),
                                              single_query(i % 2 == 0 ? kP01 : kExpired, id)});
                if (header(doc, "ArbitraryFileIdentifier") == id &&
                    body(doc, "QualificationValidity") == (i % 2 == 0 ? "1" : "2")) {
                    ++valid;
                }
            }
            return valid;
        }));
    }
    int valid = 0;
    for (auto& w : workers) valid += w.get();
    CHECK(valid == kThreads * kEach);
    const auto stats = rig.terminal.stats();
    CHECK(stats.answered == kThreads * kEach);
    CHECK(stats.parse_errors == 0);
    for (const auto& line : rig.log_lines()) CHECK(line.find("parse error") == std::string::npos);
}

TEST_CASE("oqs terminal: face results") {
    Rig rig(false);
    const std::regex name_form(R"(OQSsiquc01res_face_(\d{10})[0-9a-f]{20}_(\d{14})\.xml)");
    std::set<std::string> names;
    for (int i = 0; i < 20; ++i)
        names.insert(rig.terminal.write_face_result(0).filename().string());
    CHECK(names.size() == 20);  // unique within the same second
    for (const auto& n : names) {
        std::smatch m;
        REQUIRE(std::regex_match(n, m, std::regex(R"(OQSsiquc01res_face_.+_(\d{14})\.xml)")));
        CHECK(m[1].str().substr(0, 8) == today_jst());
        CHECK(std::regex_match(n, name_form));
    }
    const auto file = rig.terminal.write_face_result(
        "K000110", {{{"PharmacistsInfo", "0"}, {"SpecificHealthCheckupsInfo", "1"}}, "1"});
    const auto doc = oqs::parse_xml(slurp(file));
    CHECK(header(doc, "ReferenceClassification") == "1");
    CHECK(header(doc, "MedicalInstitutionCode") == "1312345678");
    CHECK(doc.root.find("QualificationConfirmSearchInfo") == nullptr);
    CHECK(body(doc, "PrescriptionIssueSelect") == "1");
    const auto typed = oqs::parse_qualification_result(doc);
    CHECK(typed.valid());
    REQUIRE(typed.coverages.size() == 1);
    CHECK(typed.coverages.front().get("PharmacistsInfoConsFlg") == "0");
    CHECK(typed.coverages.front().get("SpecificHealthCheckupsInfoConsFlg") == "1");
    CHECK(typed.coverages.front().get("DiagnosisInfoConsFlg") == "1");
    CHECK(typed.coverages.front().get("ReferenceNumber") == "K000110");
    CHECK(test::error_code_of([&] { rig.terminal.write_face_result("nobody"); }) == Errc::NotFound);

    // The rate-driven writer in run() cycles through the people.
    const auto before = files_in(rig.root / "face");
    rig.terminal.set_faces_per_second(50);
    {
        std::jthread runner([&](std::stop_token st) { rig.terminal.run(st); });
        std::this_thread::sleep_for(400ms);
    }
    const auto written = files_in(rig.root / "face") - before;
    CHECK(written >= 5);
    CHECK(written <= 40);
    std::set<std::string> kana;
    for (const auto& e : fs::directory_iterator(rig.root / "face")) {
        CHECK(std::regex_match(e.path().filename().string(), name_form));
        const auto d = oqs::parse_xml(slurp(e.path()));
        if (const Node* r = d.root.find("ResultOfQualificationConfirmation")) {
            kana.insert(r->value_or_empty("NameKana"));
        }
    }
    CHECK(kana.size() >= 3);
    CHECK(files_in(rig.root / ".oqs-terminal") == 0);
}

TEST_CASE("oqs terminal: the people file is checked with line numbers") {
    const auto people = sim::load_people(kPeopleFile);
    CHECK(people.people.size() >= 8);
    REQUIRE(people.find("p07") != nullptr);
    CHECK(people.find("p07")->records.front().find("MedicalTicketInfo") != nullptr);
    CHECK(people.find("K000101") == people.find("p01"));
    CHECK(sim::padded_insurer_number("139998") == "  139998");

    const std::string bad =
        "people:\n"
        "  - id: a\n"
        "    insurer_number: \"06139992\"\n"
        "    number: \"1\"\n"
        "    birthdate: \"19800101\"\n"
        "    name: 名前\n"
        "    kana: ﾅﾏｴ\n"
        "    sex: \"1\"\n"
        "    records:\n"
        "      - InsuredCardClassification: \"01\"\n"
        "        Qualification Date: \"20200101\"\n";
    try {
        sim::parse_people(bad, "bad.yaml");
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::ConfigInvalid);
        CHECK(e.detail().starts_with("bad.yaml:11:"));
    }
    const std::string bad_date =
        "people:\n"
        "  - insurer_number: \"06139992\"\n"
        "    number: \"1\"\n"
        "    birthdate: \"1980-01-01\"\n";
    try {
        sim::parse_people(bad_date, "date.yaml");
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::ConfigInvalid);
        CHECK(e.detail().starts_with("date.yaml:4:"));
    }
    const auto dir = unique_dir("people");
    std::ofstream(dir / "typo.yaml") << "people:\n  - id: x\n    insurer_numbr: \"06139992\"\n";
    try {
        sim::load_people(dir / "typo.yaml");
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::ConfigInvalid);
        CHECK(e.detail().find("typo.yaml:3:") != std::string::npos);
        CHECK(e.detail().find("insurer_numbr") != std::string::npos);
    }
    fs::remove_all(dir);
}
