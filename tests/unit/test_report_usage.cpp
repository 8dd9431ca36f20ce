// The usage report and the level on a real SQLite store: persons counted once a month per
// site, receipts and notified rates, totals of a chain, the lag rule over stored figures, the
// margin, and the exports.
#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "error_code_of.hpp"
#include "mynaq/error.hpp"
#include "mynaq/files.hpp"
#include "mynaq/report/level.hpp"
#include "mynaq/report/usage.hpp"
#include "mynaq/report/usage_export.hpp"
#include "mynaq/store.hpp"

using namespace mynaq;
using namespace mynaq::report;
using mynaq::test::error_code_of;

namespace {

constexpr const char* kMain = "1312345678";
constexpr const char* kBranch = "1398765432";

struct Fixture {
    TemporaryDirectory dir{"mynaq-report-usage"};
    std::unique_ptr<Store> store = open_sqlite_store({dir.path() / "mynaq.db", 30'000});
    Rules rules = load_rules(MYNAQ_TEST_DATADIR "/rules/dx-kasan.yaml");

    // One check of person `n` at `site` on `day` (yyyy-mm-dd).
    void check(const std::string& site, const std::string& day, int n,
               const std::string& method = "card", const std::string& person_state = "ok") {
        CheckRecord c;
        c.checked_at = day + "T10:00:00+09:00";
        c.facility = site;
        c.method = method;
        c.source = "query";
        c.person_state = person_state;
        c.file_state = "ok";
        c.eligibility = "valid";
        c.insurer_number = "06130012";
        c.card_symbol = "記号";
        c.identification_number = std::to_string(1000 + n);
        c.branch_number = "00";
        c.birthdate = "19800101";
        store->add_check(c);
    }
    void people(const std::string& site, const std::string& month, int count) {
        for (int n = 0; n < count; ++n) check(site, month + "-15", n);
    }
    void receipts(const std::string& site, const std::string& month, std::int64_t n) {
        ReceiptCount r;
        r.site = site;
        r.month = month;
        r.receipts = n;
        r.source = "set";
        store->set_receipts({r});
    }
    void notified(const std::string& site, const std::string& month, double percent) {
        NotifiedRate r;
        r.site = site;
        r.month = month;
        r.percent = percent;
        r.source = "set";
        store->set_notified_rates({r});
    }
    [[nodiscard]] Site site(const std::string& code, const std::string& name = "") const {
        Site s;
        s.code = code;
        s.name = name;
        s.facility.flags = {"e_prescription"};
        return s;
    }
};

const UsageRow& row_of(const UsageReport& r, const std::string& site, const std::string& month) {
    for (const auto& row : r.rows) {
        if (row.site == site && row.month.text() == month) return row;
    }
    FAIL("no row for " << site << " " << month);
    return r.rows.front();
}

}  // namespace

TEST_CASE("report usage counts persons once a month and only マイナ保険証 checks") {
    Fixture f;
    f.check(kMain, "2026-10-01", 1);
    f.check(kMain, "2026-10-20", 1);  // the same person again: still one
    f.check(kMain, "2026-10-31", 2, "smartphone");
    f.check(kMain, "2026-10-05", 3, "certificate");    // 資格確認書: not counted
    f.check(kMain, "2026-10-06", 4, "card", "error");  // nobody identified: not counted
    f.check(kMain, "2026-11-01", 1);                   // next month counts again
    f.receipts(kMain, "2026-10", 8);
    const auto r =
        build_usage(*f.store, f.rules,
                    {*parse_month("2026-09"), *parse_month("2026-11"), {f.site(kMain)}, {}, {}});
    REQUIRE(r.sites.size() == 1);
    REQUIRE(r.rows.size() == 3);  // every month, even one without data
    CHECK(row_of(r, kMain, "2026-09").users == 0);
    const auto& october = row_of(r, kMain, "2026-10");
    CHECK(october.users == 2);
    CHECK(october.receipts == 8);
    REQUIRE(october.local_rate);
    CHECK(*october.local_rate == doctest::Approx(25.0));
    REQUIRE(october.rate());
    CHECK(october.rate()->kind == "local");
    CHECK(row_of(r, kMain, "2026-11").users == 1);
    CHECK_FALSE(row_of(r, kMain, "2026-11").local_rate);  // no receipts: no rate
}

TEST_CASE("report usage a notified rate takes precedence and says so") {
    Fixture f;
    f.people(kMain, "2026-08", 30);
    f.receipts(kMain, "2026-08", 100);
    f.notified(kMain, "2026-08", 41.5);
    const auto r =
        build_usage(*f.store, f.rules,
                    {*parse_month("2026-08"), *parse_month("2026-08"), {f.site(kMain)}, {}, {}});
    const auto& row = row_of(r, kMain, "2026-08");
    CHECK(*row.local_rate == doctest::Approx(30.0));
    CHECK(*row.notified_rate == doctest::Approx(41.5));
    CHECK(row.rate()->kind == "notified");
    CHECK(row.rate()->percent == doctest::Approx(41.5));
}

TEST_CASE("report usage a chain gets per-site rows and totals") {
    Fixture f;
    f.people(kMain, "2026-10", 40);
    f.people(kBranch, "2026-10", 10);  // the same insurer numbers: counted per site
    f.receipts(kMain, "2026-10", 100);
    f.receipts(kBranch, "2026-10", 50);
    auto r = build_usage(
        *f.store, f.rules,
        {*parse_month("2026-10"), *parse_month("2026-10"), {f.site(kMain, "本院")}, {}, {}});
    REQUIRE(r.sites.size() == 2);  // the branch is found in the data
    CHECK(r.sites[0].code == kMain);
    CHECK(r.sites[0].name == "本院");
    CHECK(r.sites[1].code == kBranch);
    const auto& total = row_of(r, "", "2026-10");
    CHECK(total.users == 50);
    CHECK(total.receipts == 150);
    CHECK(*total.local_rate == doctest::Approx(100.0 * 50 / 150));

    // --site picks one and leaves the totals out.
    r = build_usage(*f.store, f.rules,
                    {*parse_month("2026-10"), *parse_month("2026-10"), {}, {kBranch}, {}});
    REQUIRE(r.sites.size() == 1);
    REQUIRE(r.rows.size() == 1);
    CHECK(r.rows[0].users == 10);
    CHECK(*r.rows[0].local_rate == doctest::Approx(20.0));
}

TEST_CASE("report usage ranges that make no sense are refused") {
    Fixture f;
    CHECK(error_code_of([&] {
              build_usage(*f.store, f.rules,
                          {*parse_month("2026-10"), *parse_month("2026-09"), {}, {}, {}});
          }) == Errc::Usage);
    CHECK(error_code_of([&] {
              build_usage(*f.store, f.rules,
                          {*parse_month("2010-01"), *parse_month("2026-09"), {}, {}, {}});
          }) == Errc::Usage);
}

TEST_CASE("report usage thresholds follow the period of the 算定 month three months on") {
    Fixture f;
    const auto r =
        build_usage(*f.store, f.rules,
                    {*parse_month("2025-11"), *parse_month("2026-03"), {f.site(kMain)}, {}, {}});
    // 2025-11 counts first for 2026-02 (60%), 2025-12 for 2026-03 (70%), 2026-03 for 2026-06.
    auto threshold = [&](const std::string& month, const std::string& level) -> double {
        for (const auto& t : r.thresholds) {
            if (t.month.text() == month && t.level == level) return t.threshold;
        }
        return -1;
    };
    CHECK(threshold("2025-11", "1") == doctest::Approx(60));
    CHECK(threshold("2025-12", "1") == doctest::Approx(70));
    CHECK(threshold("2026-03", "3") == doctest::Approx(30));
    CHECK(r.uncertain);  // 2026-06 comes from the uncertain period
    for (const auto& t : r.thresholds) {
        CHECK(t.applies_to == t.month.plus(3));
        if (t.month.text() == "2026-03") CHECK(t.uncertain);
        if (t.month.text() == "2025-11") CHECK_FALSE(t.uncertain);
    }
}

TEST_CASE("report level from stored figures: best of three, points and the margin") {
    Fixture f;
    // 算定 2026-03 (70/50/30): Dec 49 (notified), Nov 52 (local), Oct 45 (local).
    f.people(kMain, "2025-10", 45);
    f.receipts(kMain, "2025-10", 100);
    f.people(kMain, "2025-11", 52);
    f.receipts(kMain, "2025-11", 100);
    f.notified(kMain, "2025-12", 49);
    // This month: 30 users so far, receipts as last entered (100).
    f.people(kMain, "2026-01", 30);
    const auto r = build_level(*f.store, f.rules, f.site(kMain), *parse_month("2026-03"),
                               *parse_month("2026-01"));
    REQUIRE(r.decision.level);
    CHECK(r.decision.level->level == "2");
    CHECK(*r.decision.threshold == doctest::Approx(50));
    CHECK(r.decision.rate_month->text() == "2025-11");
    CHECK(r.decision.rate->kind == "local");
    REQUIRE(r.considered.size() == 3);
    CHECK(r.points == 11);
    CHECK(r.points_known);
    REQUIRE(r.decision.next);
    CHECK(r.decision.next->level == "1");
    // The margin: 2026-01 first counts for 2026-04, still the 70 % period for 加算1.
    CHECK(r.margin.applies_to.text() == "2026-04");
    CHECK(r.margin.users == 30);
    CHECK(r.margin.receipts == 100);
    CHECK(r.margin.receipts_month->text() == "2025-11");
    CHECK(r.margin.level == "1");
    CHECK(*r.margin.threshold == doctest::Approx(70));
    CHECK(r.margin.users_needed == 40);
}

TEST_CASE("report level for 2026-06 uses the new rule, marked uncertain") {
    Fixture f;
    f.notified(kMain, "2026-03", 29.9);
    const auto low = build_level(*f.store, f.rules, f.site(kMain), *parse_month("2026-06"),
                                 *parse_month("2026-06"));
    CHECK(low.decision.period->uncertain);
    CHECK(low.decision.level == nullptr);  // < 30 %: nothing, even with e-prescription
    f.notified(kMain, "2026-02", 30.0);
    const auto ok = build_level(*f.store, f.rules, f.site(kMain), *parse_month("2026-06"),
                                *parse_month("2026-06"));
    REQUIRE(ok.decision.level);
    CHECK(ok.decision.level->level == "3");
    CHECK(ok.points == 4);
    CHECK(ok.decision.rate_month->text() == "2026-02");
    CHECK(error_code_of([&] {
              build_level(*f.store, f.rules, f.site(kMain), *parse_month("2024-01"),
                          *parse_month("2026-06"));
          }) == Errc::NotFound);
}

TEST_CASE("report usage exports: CSV for Excel and JSON for scripts") {
    Fixture f;
    f.people(kMain, "2026-10", 3);
    f.receipts(kMain, "2026-10", 7);
    f.notified(kMain, "2026-09", 44.4);
    const auto r = build_usage(
        *f.store, f.rules,
        {*parse_month("2026-09"), *parse_month("2026-10"), {f.site(kMain, "本院, 東京")}, {}, {}});
    const auto csv = usage_csv(r);
    CHECK(
        csv.starts_with("\xEF\xBB\xBFsite,site_name,month,users,receipts,local_rate,"
                        "notified_rate,rate,rate_kind\r\n"));
    CHECK(csv.find("1312345678,\"本院, 東京\",2026-09,0,,,44.40,44.40,notified\r\n") !=
          std::string::npos);
    CHECK(csv.find("1312345678,\"本院, 東京\",2026-10,3,7,42.86,,42.86,local\r\n") !=
          std::string::npos);
    const auto json = nlohmann::json::parse(usage_json(r));
    CHECK(json["from"] == "2026-09");
    REQUIRE(json["rows"].size() == 2);
    CHECK(json["rows"][0]["receipts"].is_null());
    CHECK(json["rows"][0]["rate_kind"] == "notified");
    CHECK(json["rows"][1]["users"] == 3);
    CHECK(json["rows"][1]["local_rate"] == doctest::Approx(42.86));
    CHECK(json["sites"][0]["name"] == "本院, 東京");
    CHECK(json["thresholds"].size() > 0);
}
