#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "error_code_of.hpp"
#include "mynaq/error.hpp"
#include "mynaq/oqs/codes.hpp"

using namespace mynaq;
using namespace mynaq::oqs;
using mynaq::test::error_code_of;

namespace {

const std::filesystem::path kCodes = std::filesystem::path(MYNAQ_TEST_DATADIR) / "oqs/codes.yaml";

// A scratch directory removed at the end of the test.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        static std::atomic<int> counter{0};
        path = std::filesystem::temp_directory_path() /
               ("mynaq-unit-codes-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::filesystem::path write(const std::string& name, const std::string& text) const {
        const auto file = path / name;
        std::ofstream(file) << text;
        return file;
    }
};

Error error_of(const auto& action) {
    try {
        action();
    } catch (const Error& e) {
        return e;
    }
    FAIL("no mynaq::Error thrown");
    return Error(Errc::Internal, "");
}

}  // namespace

TEST_CASE("oqs codes: the shipped tables load and label the common codes") {
    const auto tables = CodeTables::load(kCodes);
    CHECK(tables.size() >= 35);
    CHECK(tables.label("QualificationValidity", "1") == "有効");
    CHECK(tables.label("QualificationValidity", "3") == "無効（新しい資格あり）");
    CHECK(tables.label("QualificationValidity", "1", "en") == "valid");
    CHECK(tables.label("SegmentOfResult", "9") == "異常終了");
    CHECK(tables.label("SegmentOfResult", "9", "en") == "failed");
    CHECK(tables.label("ProcessingResultStatus", "2", "en") == "error");
    CHECK(tables.label("Sex2", "2") == "女");
    CHECK(tables.label("InsuredCardClassification", "A1") == "医療扶助");
    CHECK(tables.label("LimitApplicationCertificateClassificationFlag", "B10") == "一般Ⅰ");
    CHECK(tables.label("PrescriptionIssueSelect", "1", "en") == "electronic prescription");
    // English falls back to Japanese where the table has none.
    CHECK(tables.label("ReasonOfLoss", "01", "en") == "死亡");

    CHECK(tables.describe("QualificationValidity", "1") == "1 有効");
    CHECK(tables.describe("QualificationValidity", "4", "en") == "4 no coverage found");
    // Unknown codes and unknown elements are shown raw, never refused.
    CHECK(tables.label("QualificationValidity", "7") == std::nullopt);
    CHECK(tables.describe("QualificationValidity", "7") == "7");
    CHECK(tables.describe("NoSuchElement", "1") == "1");
    // Codes are strings: "1" is not "01".
    CHECK(tables.describe("InsuredCardClassification", "1") == "1");
    CHECK(tables.describe("InsuredCardClassification", "01") == "01 被保険者証（一般）");
}

TEST_CASE("oqs codes: tables by id, element lists and the ConsFlg rule") {
    const auto tables = CodeTables::load(kCodes);
    const CodeTable* t006 = tables.table("OQSCD006");
    REQUIRE(t006 != nullptr);
    CHECK(t006->name_ja == "資格有効性");
    CHECK(t006->element == "QualificationValidity");
    CHECK(t006->labels_ja.size() == 6);
    CHECK_FALSE(t006->uncertain);
    CHECK(tables.table("OQSCD999") == nullptr);
    CHECK(tables.table_for_element("Sex1") == tables.table("OQSCD007"));
    CHECK(tables.table_for_element("Sex2") == tables.table("OQSCD007"));

    // Every *ConsFlg is 同意区分 except the 限度額 flag, which has its own table.
    CHECK(tables.table_for_element("PharmacistsInfoConsFlg")->id == "OQSCD016");
    CHECK(tables.table_for_element("ContraindicationInfoConsFlg")->id == "OQSCD016");
    CHECK(tables.table_for_element("LimitApplicationCertificateRelatedConsFlg")->id == "OQSCD001");
    CHECK(tables.table_for_element("ConsFlg") == nullptr);
    CHECK(tables.table_for_element("PharmacistsInfoConsTime") == nullptr);
    CHECK(tables.describe("SpecificHealthCheckupsInfoConsFlg", "3") == "3 同意取得困難");
    CHECK(tables.describe("LimitApplicationCertificateRelatedConsFlg", "1", "en") == "1 agreed");

    // Single-source tables say so.
    CHECK(tables.table("OQSCD005")->uncertain);
    CHECK(tables.table("OQSCD036")->uncertain);
    CHECK(tables.label("CharacterCodeIdentifier", "1") == "Shift_JIS");

    // The common tables carry English for every value.
    for (const char* id : {"OQSCD002", "OQSCD003", "OQSCD004", "OQSCD005", "OQSCD006", "OQSCD007",
                           "OQSCD009", "OQSCD010", "OQSCD016", "OQSCD017"}) {
        CAPTURE(id);
        const CodeTable* t = tables.table(id);
        REQUIRE(t != nullptr);
        CHECK(!t->labels_ja.empty());
        CHECK(t->labels_en.size() == t->labels_ja.size());
    }
}

TEST_CASE("oqs codes: builtin loads once and is shared between threads") {
    std::vector<const CodeTables*> seen(4, nullptr);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < seen.size(); ++i) {
        threads.emplace_back([&seen, i] { seen[i] = &CodeTables::builtin(); });
    }
    for (auto& t : threads) t.join();
    for (const auto* p : seen) CHECK(p == seen.front());
    CHECK(seen.front()->label("QualificationValidity", "2") == "無効");
}

TEST_CASE("oqs codes: malformed tables are CONFIG_INVALID naming file and line") {
    const TempDir dir;
    const auto dup_id = dir.write("dup_id.yaml", R"(tables:
  - id: OQSCD001
    name_ja: a
    values: [{value: "0", ja: x}]
  - id: OQSCD001
    name_ja: b
    values: [{value: "0", ja: y}]
)");
    const auto e1 = error_of([&] { (void)CodeTables::load(dup_id); });
    CHECK(e1.code() == Errc::ConfigInvalid);
    CHECK(e1.detail().find(dup_id.string() + ":5:") != std::string::npos);
    CHECK(e1.detail().find("twice") != std::string::npos);

    const auto dup_value = dir.write("dup_value.yaml", R"(tables:
  - id: OQSCD003
    name_ja: 処理結果区分
    values:
      - {value: "1", ja: 正常終了}
      - {value: "9", ja: 異常終了}
      - {value: "1", ja: もう一度}
)");
    const auto e2 = error_of([&] { (void)CodeTables::load(dup_value); });
    CHECK(e2.code() == Errc::ConfigInvalid);
    CHECK(e2.detail().find(dup_value.string() + ":7:") != std::string::npos);

    const auto dup_element = dir.write("dup_element.yaml", R"(tables:
  - id: OQSCD006
    name_ja: a
    elements: [QualificationValidity]
    values: []
  - id: OQSCD099
    name_ja: b
    elements: [QualificationValidity]
    values: []
)");
    CHECK(error_code_of([&] { (void)CodeTables::load(dup_element); }) == Errc::ConfigInvalid);

    const auto broken = dir.write("broken.yaml", "tables:\n  - id: [unclosed\n");
    const auto e3 = error_of([&] { (void)CodeTables::load(broken); });
    CHECK(e3.code() == Errc::ConfigInvalid);
    CHECK(e3.detail().find(broken.string() + ":") != std::string::npos);

    const auto no_values =
        dir.write("no_values.yaml", "tables:\n  - id: OQSCD001\n    name_ja: a\n");
    CHECK(error_code_of([&] { (void)CodeTables::load(no_values); }) == Errc::ConfigInvalid);
    const auto no_tables = dir.write("no_tables.yaml", "other: 1\n");
    CHECK(error_code_of([&] { (void)CodeTables::load(no_tables); }) == Errc::ConfigInvalid);

    CHECK(error_code_of([&] { (void)CodeTables::load(dir.path / "missing.yaml"); }) ==
          Errc::FileNotFound);
}

TEST_CASE("oqs codes: a new code is a data change") {
    const TempDir dir;
    const auto file = dir.write("codes.yaml", R"(tables:
  - id: OQSCD006
    name_ja: 資格有効性
    elements: [QualificationValidity]
    values:
      - {value: "1", ja: 有効, en: valid}
      - {value: "7", ja: 新しい区分}
)");
    const auto tables = CodeTables::load(file);
    CHECK(tables.size() == 1);
    CHECK(tables.describe("QualificationValidity", "7") == "7 新しい区分");
    CHECK(tables.describe("QualificationValidity", "7", "en") == "7 新しい区分");
}
