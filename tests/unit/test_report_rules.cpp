// The 加算 table of data/rules/dx-kasan.yaml against policy.md §1.3–§2.4: the lag rule, every
// period boundary, the paediatric exception, pharmacies, the 2026-06 rule, and the checks made
// on load.
#include <fstream>

#include <doctest/doctest.h>

#include "mynaq/error.hpp"
#include "mynaq/files.hpp"
#include "mynaq/report/rules.hpp"

using namespace mynaq;
using namespace mynaq::report;

namespace {

const Rules& rules() {
    static const Rules loaded =
        load_rules(std::filesystem::path(MYNAQ_TEST_DATADIR) / "rules" / "dx-kasan.yaml");
    return loaded;
}

Month m(const char* text) {
    return *parse_month(text);
}

Facility clinic(bool e_prescription = true) {
    Facility f;
    if (e_prescription) f.flags.insert("e_prescription");
    return f;
}

// The same notified rate in all three months considered for `month`.
std::map<Month, MonthRate> flat(const char* month, double percent) {
    std::map<Month, MonthRate> out;
    for (int before : {3, 4, 5}) out[m(month).plus(-before)] = {percent, "notified"};
    return out;
}

std::string level_of(const char* month, double percent, const Facility& f = clinic()) {
    const auto d = decide_level(rules(), m(month), f, flat(month, percent));
    return d.level ? d.level->level : "-";
}

int points_of(const char* month, double percent, const Facility& f = clinic()) {
    const auto d = decide_level(rules(), m(month), f, flat(month, percent));
    REQUIRE(d.level != nullptr);
    return d.level->points.at(f.type).value_or(-1);
}

void write(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path) << text;
}

}  // namespace

TEST_CASE("report rules the shipped table loads with its periods in order") {
    REQUIRE(rules().periods.size() == 7);
    CHECK(rules().months_before == std::vector<int>{3, 4, 5});
    CHECK(rules().periods.front().from == m("2024-06"));
    CHECK_FALSE(rules().periods.back().to.has_value());
    CHECK(rules().periods.back().uncertain);
    CHECK_FALSE(rules().periods.front().rate_required);
}

TEST_CASE("report rules the level for 2025-04 takes the best of 2024-11 to 2025-01") {
    std::map<Month, MonthRate> rates = {{m("2024-11"), {20.0, "notified"}},
                                        {m("2024-12"), {31.0, "notified"}},
                                        {m("2025-01"), {25.0, "notified"}},
                                        {m("2025-02"), {90.0, "notified"}}};  // too late to count
    const auto d = decide_level(rules(), m("2025-04"), clinic(), rates);
    CHECK(d.considered == std::vector<Month>{m("2025-01"), m("2024-12"), m("2024-11")});
    REQUIRE(d.rate_month.has_value());
    CHECK(*d.rate_month == m("2024-12"));
    REQUIRE(d.level != nullptr);
    CHECK(d.level->level == "2");
    CHECK(d.level->points.at("medical") == 11);
    REQUIRE(d.next != nullptr);
    CHECK(d.next->level == "1");
    CHECK(d.next_threshold == doctest::Approx(45));
}

TEST_CASE("report rules every period boundary of the table") {
    // 経過措置: the requirement is deemed met whatever the rate.
    CHECK(level_of("2024-09", 0) == "1");
    CHECK(points_of("2024-09", 0) == 8);
    // 2024-10: 15/10/5.
    CHECK(level_of("2024-10", 4.9) == "-");
    CHECK(level_of("2024-10", 5) == "3");
    CHECK(level_of("2024-12", 16) == "1");
    CHECK(points_of("2024-12", 16) == 11);
    // 2025-01: 30/20/10.
    CHECK(level_of("2025-01", 16) == "3");
    CHECK(level_of("2025-03", 30) == "1");
    // 2025-04: 45/30/15 with 電子処方箋, 12/11/10 points; 4/5/6 without.
    CHECK(level_of("2025-04", 30) == "2");
    CHECK(points_of("2025-04", 45) == 12);
    CHECK(level_of("2025-04", 45, clinic(false)) == "4");
    CHECK(points_of("2025-04", 15, clinic(false)) == 8);
    CHECK(level_of("2025-09", 44.9) == "2");
    // 2025-10: 60/40/25.
    CHECK(level_of("2025-10", 44.9) == "2");
    CHECK(level_of("2025-10", 39.9) == "3");
    CHECK(level_of("2026-02", 60) == "1");
    // 2026-03: 70/50/30.
    CHECK(level_of("2026-03", 60) == "2");
    CHECK(level_of("2026-05", 29.9) == "-");
    // 2026-06: the new 加算, 30% for every level, levels by requirements.
    CHECK(level_of("2026-06", 29.9) == "-");
    CHECK(level_of("2026-06", 30) == "3");
    CHECK(points_of("2026-06", 30) == 4);
    Facility all = clinic();
    all.flags.insert("dx_items_all");
    CHECK(level_of("2026-06", 30, all) == "1");
    CHECK(points_of("2026-06", 30, all) == 15);
    CHECK_THROWS_AS(decide_level(rules(), m("2024-05"), clinic(), {}), Error);
}

TEST_CASE("report rules the paediatric exception lowers only the 加算3 and 6 threshold") {
    Facility kids = clinic();
    kids.paediatric_exception = true;
    CHECK(level_of("2025-04", 13) == "-");
    CHECK(level_of("2025-04", 13, kids) == "3");
    CHECK(level_of("2025-10", 23, kids) == "3");
    CHECK(level_of("2026-03", 27, kids) == "3");
    CHECK(level_of("2026-03", 26.9, kids) == "-");
    // Not for 加算1/2, and not before 2025-04.
    CHECK(level_of("2025-04", 29, kids) == "3");
    CHECK(level_of("2025-01", 9, kids) == "-");
}

TEST_CASE("report rules pharmacies have 加算1 to 3 only and no paediatric exception") {
    Facility pharmacy = clinic();
    pharmacy.type = "pharmacy";
    CHECK(points_of("2025-04", 45, pharmacy) == 10);
    CHECK(points_of("2024-10", 5, pharmacy) == 4);
    Facility without = pharmacy;
    without.flags.clear();
    CHECK(level_of("2025-04", 80, without) == "-");
    pharmacy.paediatric_exception = true;
    CHECK(level_of("2025-04", 13, pharmacy) == "-");
    CHECK(points_of("2026-06", 30, pharmacy) == 8);
}

TEST_CASE("report rules a notified rate wins over a local estimate of the same value") {
    std::map<Month, MonthRate> rates = {{m("2025-01"), {31.0, "local"}},
                                        {m("2024-12"), {31.0, "notified"}}};
    const auto d = decide_level(rules(), m("2025-04"), clinic(), rates);
    REQUIRE(d.rate.has_value());
    CHECK(d.rate->kind == "notified");
    CHECK(*d.rate_month == m("2024-12"));
    const auto none = decide_level(rules(), m("2025-04"), clinic(), {});
    CHECK_FALSE(none.rate.has_value());
    CHECK(none.level == nullptr);
    REQUIRE(none.next != nullptr);
    CHECK(none.next_threshold == doctest::Approx(15));
}

TEST_CASE("report rules users needed to reach a threshold in whole persons") {
    CHECK(users_needed(30, 250, 1000) == 50);
    CHECK(users_needed(30, 300, 1000) == 0);
    CHECK(users_needed(30, 0, 333) == 100);
    CHECK(users_needed(45, 10, 0) == 0);
}

TEST_CASE("report rules months parse and step across years") {
    CHECK(parse_month("2026/6") == Month{2026, 6});
    CHECK_FALSE(parse_month("2026-13").has_value());
    CHECK_FALSE(parse_month("June").has_value());
    CHECK(m("2025-01").plus(-3) == m("2024-10"));
    CHECK(m("2024-11").plus(14).text() == "2026-01");
}

TEST_CASE("report rules a broken table is a clear error naming what is wrong") {
    const TemporaryDirectory dir("mynaq-rules");
    const auto file = dir.path() / "rules.yaml";
    auto error_of = [&](const std::string& text) {
        write(file, text);
        try {
            (void)load_rules(file);
        } catch (const Error& e) {
            CHECK(e.code() == Errc::ConfigInvalid);
            return std::string(e.what());
        }
        return std::string("loaded");
    };
    const std::string lag = "lag: {months_before: [3]}\n";
    const std::string level = "      - {level: \"1\", threshold: 10, points: {medical: 1}}\n";
    CHECK(error_of(lag + "periods:\n  - {from: 2025-01, to: 2025-06, levels: []}\n")
              .find("has no levels") != std::string::npos);
    CHECK(error_of(lag + "periods:\n  - from: 2025-01\n    to: 2025-06\n    levels:\n" + level +
                   "  - from: 2025-06\n    levels:\n" + level)
              .find("overlaps") != std::string::npos);
    CHECK(error_of(lag + "periods:\n  - from: 2025-01\n    levels:\n" +
                   "      - {level: \"1\", threshold: 120, points: {medical: 1}}\n")
              .find("0 to 100") != std::string::npos);
    CHECK(error_of(lag + "periods:\n  - from: 2025-01\n    levels:\n" +
                   "      - {level: \"1\", threshold: 10, points: {hospital: 1}}\n")
              .find("unknown facility type") != std::string::npos);
    CHECK(error_of("periods:\n  - from: 2025-01\n    levels:\n" + level).find("months_before") !=
          std::string::npos);
    CHECK(error_of(lag + "periods:\n  - from: 2025-14\n    levels:\n" + level).find("month like") !=
          std::string::npos);
}
