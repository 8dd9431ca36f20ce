// Receipt counts and notified rates as offices keep them: Excel's UTF-8 with a BOM or
// Shift_JIS, with or without a header, months and numbers typed every which way.
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "error_code_of.hpp"
#include "mynaq/config.hpp"
#include "mynaq/error.hpp"
#include "mynaq/files.hpp"
#include "mynaq/report/inputs.hpp"
#include "mynaq/text_encoding.hpp"

using namespace mynaq;
using namespace mynaq::report;
using mynaq::test::error_code_of;

TEST_CASE("report inputs months typed every way staff type them") {
    CHECK(parse_month_loose("2026-10") == "2026-10");
    CHECK(parse_month_loose("2026/1") == "2026-01");
    CHECK(parse_month_loose("202610") == "2026-10");
    CHECK(parse_month_loose("2026年10月") == "2026-10");
    CHECK(parse_month_loose("２０２６年１０月") == "2026-10");
    CHECK(parse_month_loose(" 2026-10 ") == "2026-10");
    CHECK_FALSE(parse_month_loose("2026-13"));
    CHECK_FALSE(parse_month_loose("10月"));
    CHECK_FALSE(parse_month_loose("month"));
    CHECK_FALSE(parse_month_loose(""));
}

TEST_CASE("report inputs counts and percents with separators and full-width digits") {
    CHECK(parse_count("1234") == 1234);
    CHECK(parse_count("1,234") == 1234);
    CHECK(parse_count("１，２３４") == 1234);
    CHECK_FALSE(parse_count("-5"));
    CHECK_FALSE(parse_count("12.5"));
    CHECK_FALSE(parse_count(""));
    CHECK(parse_percent("47.26") == doctest::Approx(47.26));
    CHECK(parse_percent("47.26%") == doctest::Approx(47.26));
    CHECK(parse_percent("４７．２６％") == doctest::Approx(47.26));
    CHECK(parse_percent("100") == doctest::Approx(100));
    CHECK_FALSE(parse_percent("100.5"));
    CHECK_FALSE(parse_percent("-1"));
    CHECK_FALSE(parse_percent("abc"));
}

TEST_CASE("report inputs receipts with a Japanese header in Excel's UTF-8 with a BOM") {
    const std::string csv =
        "\xEF\xBB\xBF年月,レセプト件数\r\n2026-08,\"1,050\"\r\n2026/"
        "09,998\r\n\r\n202610,1012,,\r\n";
    const auto rows = parse_receipts_csv(csv, "1312345678", "rece.csv");
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].site == "1312345678");
    CHECK(rows[0].month == "2026-08");
    CHECK(rows[0].receipts == 1050);
    CHECK(rows[1].month == "2026-09");
    CHECK(rows[2].month == "2026-10");
    CHECK(rows[2].receipts == 1012);
    CHECK(rows[2].source == "import:rece.csv");
}

TEST_CASE("report inputs receipts of a chain in Shift_JIS with a site column") {
    const std::string csv = utf8_to_sjis(
        "医療機関コード,年月,件数\r\n1312345678,2026年10月,1012\r\n1398765432,2026年10月,640\r\n");
    const auto rows = parse_receipts_csv(csv, "", "chain.csv");
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].site == "1312345678");
    CHECK(rows[1].site == "1398765432");
    CHECK(rows[1].receipts == 640);
}

TEST_CASE("report inputs a bad row names its line and nothing is returned") {
    const std::string csv = "month,receipts\n2026-08,1050\n2026-09,many\n2026-10,1012\n";
    CHECK(error_code_of([&] { parse_receipts_csv(csv, "1312345678", "r.csv"); }) ==
          Errc::DataInvalid);
    try {
        parse_receipts_csv(csv, "1312345678", "r.csv");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("line 3") != std::string::npos);
        CHECK(std::string(e.what()).find("many") != std::string::npos);
    }
    CHECK(error_code_of([&] { parse_receipts_csv("month,receipts\n", "1312345678", "e.csv"); }) ==
          Errc::DataInvalid);
    CHECK(error_code_of([&] { parse_receipts_csv("2026-08,10\n", "", "nosite.csv"); }) ==
          Errc::Usage);
    CHECK(error_code_of([&] { parse_receipts_csv("12345,2026-08,10\n", "", "badsite.csv"); }) ==
          Errc::DataInvalid);
    CHECK(error_code_of([&] { parse_receipts_csv("2026-08\n", "1312345678", "short.csv"); }) ==
          Errc::DataInvalid);
    // Bytes that are neither UTF-8 nor Shift_JIS.
    CHECK(error_code_of([&] {
              parse_receipts_csv(std::string("2026-08,\x80\xFF\n"), "1312345678", "bin.csv");
          }) == Errc::MessageInvalid);
}

TEST_CASE("report inputs notified rates with optional users and receipts") {
    const std::string csv =
        "対象月,利用率,利用者数,レセプト件数\n2026-08,47.26%,496,1050\n2026-09,44.4\n";
    const auto rows = parse_notified_csv(csv, "1312345678", "kikin.csv");
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].percent == doctest::Approx(47.26));
    CHECK(rows[0].users == 496);
    CHECK(rows[0].receipts == 1050);
    CHECK(rows[1].percent == doctest::Approx(44.4));
    CHECK(rows[1].users == -1);
    CHECK(rows[1].receipts == -1);
    CHECK(error_code_of([&] { parse_notified_csv("2026-08,147\n", "1312345678", "x.csv"); }) ==
          Errc::DataInvalid);
    CHECK(error_code_of([&] { parse_notified_csv("2026-08,47,lots\n", "1312345678", "x.csv"); }) ==
          Errc::DataInvalid);
}

namespace {

Config config_from(const std::string& yaml) {
    const TemporaryDirectory dir("mynaq-report-config");
    const auto file = dir.path() / "config.yaml";
    std::ofstream(file) << yaml;
    return load_config(file);
}

}  // namespace

TEST_CASE("report inputs the report section of the configuration") {
    const auto c = config_from(R"(report:
  type: pharmacy
  flags: [e_prescription]
  rules: rules/mine.yaml
  sites:
    - {code: "1398765432", name: 分院, type: dental, paediatric_exception: true}
)");
    CHECK(c.report.facility.type == "pharmacy");
    CHECK(c.report.facility.flags == std::vector<std::string>{"e_prescription"});
    CHECK(c.report.rules.filename() == "mine.yaml");
    CHECK(c.report.rules.is_absolute());  // relative to the configuration file
    REQUIRE(c.report.sites.size() == 1);
    CHECK(c.report.sites[0].name == "分院");
    CHECK(c.report.sites[0].type == "dental");
    CHECK(c.report.sites[0].paediatric_exception);
    for (const char* bad : {"report: {type: hospital}\n", "report: {flags: [fast]}\n",
                            "report: {sites: [{name: x}]}\n", "report: {sites: [{code: '123'}]}\n",
                            "report: {colour: red}\n"}) {
        CAPTURE(bad);
        CHECK(error_code_of([&] { (void)config_from(bad); }) == Errc::ConfigInvalid);
    }
}
