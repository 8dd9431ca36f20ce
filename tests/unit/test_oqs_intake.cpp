// Face-folder intake and the reservations CSV, against a real SQLite store on disk.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "error_code_of.hpp"
#include "mynaq/digest.hpp"
#include "mynaq/jst.hpp"
#include "mynaq/oqs/bulk.hpp"
#include "mynaq/oqs/face_intake.hpp"
#include "mynaq/store.hpp"
#include "mynaq/text_encoding.hpp"

using namespace mynaq;
using mynaq::test::error_code_of;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir(const char* tag) {
    std::string pattern =
        (fs::temp_directory_path() / fmt::format("mynaq-{}-XXXXXX", tag)).string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    return pattern;
}

struct TempDir {
    fs::path path;
    explicit TempDir(const char* tag) : path(temp_dir(tag)) {}
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

std::string today() {
    std::string d = format_jst_date(now_seconds());
    std::erase(d, '-');
    return d;
}

std::string face_xml(const std::string& name, const std::string& reference) {
    oqs::Node msg("XmlMsg");
    auto& header = msg.add("MessageHeader");
    header.add("ProcessExecutionTime", today() + "091530");
    header.add("QualificationConfirmationDate", today());
    header.add("MedicalInstitutionCode", "1312345678");
    header.add("ReferenceClassification", "1");
    header.add("SegmentOfResult", "1");
    header.add("CharacterCodeIdentifier", "0");
    auto& body = msg.add("MessageBody");
    auto& record = body.add("ResultList").add("ResultOfQualificationConfirmation");
    record.add("InsurerNumber", "  138057");
    record.add("InsuredIdentificationNumber", "0042");
    record.add("Name", name);
    record.add("Birthdate", "19800101");
    record.add("ReferenceNumber", reference);
    record.add("PharmacistsInfoConsFlg", "1");
    record.add("PharmacistsInfoConsTime", today() + "091530");
    record.add("PharmacistsInfoAvailableTime", today() + "235959");
    body.add("ProcessingResultStatus", "1");
    body.add("QualificationValidity", "1");
    return oqs::write_xml(msg);
}

void write_aged(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
    // Older than the settle time, as if written a while ago.
    fs::last_write_time(path, fs::file_time_type::clock::now() - std::chrono::seconds(5));
}

std::string face_name(int n, const std::string& day = today()) {
    return fmt::format("OQSsiquc01res_face_1312345678{:020x}_{}0915{:02d}.xml", n, day, n % 60);
}

struct IntakeFixture {
    TempDir dir{"intake"};
    fs::path face = dir.path / "face";
    std::unique_ptr<Store> store;
    IntakeFixture() {
        fs::create_directories(face);
        store = open_sqlite_store({dir.path / "store.db"});
    }
    oqs::FaceIntakeOptions options(bool move = false) const {
        oqs::FaceIntakeOptions o;
        o.face_dir = face;
        o.move = move;
        o.done_dir = dir.path / "done";
        o.settle = std::chrono::milliseconds(200);
        o.facility = "1312345678";
        return o;
    }
};

}  // namespace

TEST_CASE("oqs face file date comes from the 14-digit stamp in the name") {
    CHECK(oqs::face_file_date(
              "OQSsiquc01res_face_27142063864da5260a16de5a3d3ad7_20260929160112.xml") ==
          "20260929");
    CHECK(oqs::face_file_date("OQSsiquc01res_face_20251201093000.xml") == "20251201");
    CHECK_FALSE(oqs::face_file_date("OQSsiquc01res_face_abc.xml").has_value());
}

TEST_CASE("oqs face intake asked to stop leaves the rest of a backlog for the next scan") {
    IntakeFixture f;
    for (int i = 0; i < 5; ++i)
        write_aged(f.face / face_name(i),
                   face_xml(fmt::format("患者{}", i), fmt::format("R{}", i)));
    oqs::FaceIntake intake(f.options());
    std::vector<std::string> names;
    const auto record = [&](const oqs::IntakeEvent& e) { names.push_back(e.record->name); };
    // A stop that arrives after the second file: the third is never started.
    CHECK(intake.scan_once(*f.store, record, [&] { return names.size() >= 2; }) == 2);
    CHECK(f.store->list_checks({}).size() == 2);
    CHECK(intake.scan_once(*f.store, record) == 3);
    CHECK(names == std::vector<std::string>{"患者0", "患者1", "患者2", "患者3", "患者4"});
}

TEST_CASE("oqs face intake records each file once, also after a restart") {
    IntakeFixture f;
    for (int i = 0; i < 5; ++i)
        write_aged(f.face / face_name(i),
                   face_xml(fmt::format("患者{}", i), fmt::format("R{}", i)));
    std::vector<oqs::IntakeEvent> events;
    {
        oqs::FaceIntake intake(f.options());
        CHECK(intake.scan_once(*f.store, [&](const auto& e) { events.push_back(e); }) == 5);
        CHECK(intake.scan_once(*f.store, [&](const auto& e) { events.push_back(e); }) == 0);
    }
    REQUIRE(events.size() == 5);
    CHECK(events[0].kind == oqs::IntakeEvent::Kind::Recorded);
    CHECK(events[0].record->name == "患者0");
    CHECK(events[0].record->insurer_number == "  138057");
    CHECK(events[0].record->source == "face");
    CHECK(events[0].record->method == "card");
    CHECK(events[0].record->id > 0);
    // A new process (new FaceIntake) finds them committed: nothing twice.
    oqs::FaceIntake again(f.options());
    CHECK(again.scan_once(*f.store, [&](const auto& e) { events.push_back(e); }) == 0);
    CHECK(events.size() == 5);
    CHECK(f.store->list_checks({}).size() == 5);
    // Copy mode leaves every file for other consumers.
    CHECK(fs::exists(f.face / face_name(0)));
}

TEST_CASE("oqs face intake in move mode moves only after the commit") {
    IntakeFixture f;
    write_aged(f.face / face_name(1), face_xml("移動　太郎", "M1"));
    oqs::FaceIntake intake(f.options(true));
    CHECK(intake.scan_once(*f.store, [](const auto&) {}) == 1);
    CHECK_FALSE(fs::exists(f.face / face_name(1)));
    CHECK(fs::exists(f.dir.path / "done" / face_name(1)));
    const auto intake_row = f.store->intake(face_name(1), [&] {
        std::ifstream in(f.dir.path / "done" / face_name(1), std::ios::binary);
        std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        return sha256_hex(s);
    }());
    REQUIRE(intake_row.has_value());
    CHECK(intake_row->done);
}

TEST_CASE("oqs face intake completes the move of a file committed before a crash") {
    IntakeFixture f;
    const std::string text = face_xml("再開　花子", "C1");
    write_aged(f.face / face_name(2), text);
    {
        // First run in copy mode stands for a run killed after its commit, before the move.
        oqs::FaceIntake intake(f.options(false));
        CHECK(intake.scan_once(*f.store, [](const auto&) {}) == 1);
    }
    oqs::FaceIntake restarted(f.options(true));
    int events = 0;
    CHECK(restarted.scan_once(*f.store, [&](const auto&) { ++events; }) == 0);
    CHECK(events == 0);
    CHECK_FALSE(fs::exists(f.face / face_name(2)));
    CHECK(fs::exists(f.dir.path / "done" / face_name(2)));
    CHECK(f.store->list_checks({}).size() == 1);
}

TEST_CASE("oqs face intake reports an unreadable file once and leaves it in place") {
    IntakeFixture f;
    write_aged(f.face / face_name(3), "<XmlMsg><MessageHeader>");
    std::vector<oqs::IntakeEvent> events;
    oqs::FaceIntake intake(f.options(true));
    CHECK(intake.scan_once(*f.store, [&](const auto& e) { events.push_back(e); }) == 0);
    CHECK(intake.scan_once(*f.store, [&](const auto& e) { events.push_back(e); }) == 0);
    REQUIRE(events.size() == 1);
    CHECK(events[0].kind == oqs::IntakeEvent::Kind::Invalid);
    CHECK_FALSE(events[0].detail.empty());
    CHECK(fs::exists(f.face / face_name(3)));
}

TEST_CASE("oqs face intake skips files of other days and files still being written") {
    IntakeFixture f;
    write_aged(f.face / face_name(4, "20200101"), face_xml("過去", "P"));
    { std::ofstream(f.face / face_name(5), std::ios::binary) << face_xml("書込中", "W"); }
    std::vector<oqs::IntakeEvent> events;
    oqs::FaceIntake intake(f.options());
    CHECK(intake.scan_once(*f.store, [&](const auto& e) { events.push_back(e); }) == 0);
    REQUIRE(events.size() == 1);
    CHECK(events[0].kind == oqs::IntakeEvent::Kind::NotToday);
    ::usleep(300'000);
    CHECK(intake.scan_once(*f.store, [&](const auto& e) { events.push_back(e); }) == 1);
    CHECK(events.back().record->name == "書込中");
}

TEST_CASE("oqs reservations csv accepts a BOM, any column order and quotes") {
    TempDir dir("csv");
    const fs::path csv = dir.path / "r.csv";
    std::ofstream(csv, std::ios::binary) << "\xEF\xBB\xBF"
                                            "birthdate,number,insurer_number,chart_id,branch\r\n"
                                         << "19800101,\"0042\",138057,A-1,01\r\n"
                                         << "\r\n"
                                         << "1975-05-12,99,06139999,\"B,2\",\r\n";
    const auto rows = oqs::read_reservations(csv);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].chart_id == "A-1");
    CHECK(rows[0].search.insurer_number == "  138057");
    CHECK(rows[0].search.identification_number == "0042");
    CHECK(rows[0].search.arbitrary_identifier == "A-1");
    CHECK(rows[1].chart_id == "B,2");
    CHECK(rows[1].line == 4);
}

TEST_CASE("oqs reservations csv in Shift_JIS is read") {
    TempDir dir("csv");
    const fs::path csv = dir.path / "sjis.csv";
    std::ofstream(csv, std::ios::binary)
        << utf8_to_sjis("chart_id,insurer_number,number,birthdate\n患者1,06139999,12,19800101\n");
    const auto rows = oqs::read_reservations(csv);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].chart_id == "患者1");
}

TEST_CASE("oqs reservations csv errors name the line") {
    TempDir dir("csv");
    const fs::path csv = dir.path / "bad.csv";
    std::ofstream(csv) << "chart_id,insurer_number,number,birthdate\nA,06139999,1,19800101\nB,"
                          "06139999,2,1980-13-45\n";
    try {
        (void)oqs::read_reservations(csv);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::DataInvalid);
        CHECK(e.detail().find(":3:") != std::string::npos);
    }
    const fs::path missing = dir.path / "missing.csv";
    std::ofstream(missing) << "chart_id,number\nA,1\n";
    CHECK(error_code_of([&] { (void)oqs::read_reservations(missing); }) == Errc::DataInvalid);
}
