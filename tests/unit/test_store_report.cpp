// The usage-rate inputs of the store (receipt counts, notified rates) and the monthly count of
// persons confirmed with a マイナ保険証, on SQLite files and on a private PostgreSQL server.
#include <sqlite3.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../../lib/store/migrations.hpp"
#include "error_code_of.hpp"
#include "mynaq/error.hpp"
#include "mynaq/store.hpp"
#include "pg_server.hpp"
#include "raw_sqlite.hpp"

using namespace mynaq;
namespace fs = std::filesystem;
using test::error_code_of;
using test::PgDatabase;

namespace {

using test::RawDb;

struct TempDir : test::StoreDir {
    TempDir() : StoreDir("mynaq-report") {}
};

std::unique_ptr<Store> open_sqlite(const fs::path& path) {
    return test::open_test_store(path);
}

// A check for one insured person, confirmed with the card unless told otherwise.
CheckRecord insured_check(std::string site, std::string at, std::string number,
                          std::string method = "card", std::string person_state = "ok") {
    CheckRecord r;
    r.checked_at = std::move(at);
    r.facility = std::move(site);
    r.method = std::move(method);
    r.source = "query";
    r.person_state = std::move(person_state);
    r.eligibility = "valid";
    r.insurer_number = "06130012";
    r.card_symbol = "  12";
    r.identification_number = std::move(number);
    r.branch_number = "00";
    r.birthdate = "19800101";
    r.name = "山田　太郎";
    r.name_kana = "ヤマダ　タロウ";
    return r;
}

// A check that names the person only by birthdate and kana (no 被保険者 number in the result).
CheckRecord kana_check(std::string site, std::string at, std::string kana) {
    auto r = insured_check(std::move(site), std::move(at), "");
    r.insurer_number.clear();
    r.card_symbol.clear();
    r.branch_number.clear();
    r.name_kana = std::move(kana);
    return r;
}

ReceiptCount receipts_of(std::string site, std::string month, std::int64_t receipts,
                         std::string source = "set") {
    ReceiptCount r;
    r.site = std::move(site);
    r.month = std::move(month);
    r.receipts = receipts;
    r.source = std::move(source);
    return r;
}

NotifiedRate notified_of(std::string site, std::string month, double percent,
                         std::int64_t users = -1, std::int64_t receipts = -1) {
    NotifiedRate r;
    r.site = std::move(site);
    r.month = std::move(month);
    r.percent = percent;
    r.users = users;
    r.receipts = receipts;
    r.source = "import:notice-2026-10.csv";
    return r;
}

std::string users_text(const std::vector<MonthlyUsers>& users) {
    std::string out;
    for (const auto& u : users) out += fmt::format("{} {} {}\n", u.site, u.month, u.users);
    return out;
}

std::vector<AuditRecord> report_audit(const Store& store) {
    AuditFilter filter;
    filter.action = "report.";
    filter.limit = 0;
    return store.list_audit(filter);
}

bool is_jst_iso(const std::string& text) {
    return text.size() == 25 && text[4] == '-' && text[10] == 'T' && text.ends_with("+09:00");
}

// --- The same behaviour on every backend -------------------------------------------------

void set_list_and_replace(Store& store) {
    store.set_operator("受付 鈴木");
    store.set_receipts({receipts_of("1312345678", "2026-10", 812),
                        receipts_of("1312345678", "2026-11", 790),
                        receipts_of("0112345678", "2026-10", 120, "import:receipts.csv")});
    store.set_notified_rates({notified_of("1312345678", "2026-10", 37.5, 301, 803),
                              notified_of("0112345678", "2026-09", 12.25)});

    const auto all = store.list_receipts("2026-01", "2026-12", {});
    REQUIRE(all.size() == 3);
    // By site, then month.
    CHECK(all[0].site == "0112345678");
    CHECK(all[0].month == "2026-10");
    CHECK(all[0].receipts == 120);
    CHECK(all[0].source == "import:receipts.csv");
    CHECK(all[1].site == "1312345678");
    CHECK(all[1].month == "2026-10");
    CHECK(all[1].receipts == 812);
    CHECK(all[2].month == "2026-11");
    for (const auto& row : all) {
        CHECK(row.updated_by == "受付 鈴木");
        CHECK(is_jst_iso(row.updated_at));
    }

    // Months inclusive; a site list narrows.
    CHECK(store.list_receipts("2026-11", "2026-11", {}).size() == 1);
    CHECK(store.list_receipts("2026-10", "2026-10", {}).size() == 2);
    const auto one_site = store.list_receipts("2026-10", "2026-11", {"1312345678"});
    REQUIRE(one_site.size() == 2);
    CHECK(one_site[0].site == "1312345678");
    CHECK(store.list_receipts("2026-10", "2026-11", {"1312345678", "0112345678"}).size() == 3);
    CHECK(store.list_receipts("2026-10", "2026-11", {"9999999999"}).empty());
    CHECK(store.list_receipts("2026-12", "2026-10", {}).empty());

    const auto rates = store.list_notified_rates("2026-09", "2026-10", {});
    REQUIRE(rates.size() == 2);
    CHECK(rates[0].site == "0112345678");
    CHECK(rates[0].percent == 12.25);
    CHECK(rates[0].users == -1);
    CHECK(rates[0].receipts == -1);
    CHECK(rates[1].percent == 37.5);
    CHECK(rates[1].users == 301);
    CHECK(rates[1].receipts == 803);
    CHECK(rates[1].source == "import:notice-2026-10.csv");
    CHECK(rates[1].updated_by == "受付 鈴木");
    CHECK(is_jst_iso(rates[1].updated_at));
    CHECK(store.list_notified_rates("2026-10", "2026-10", {"0112345678"}).empty());

    // Setting a month again replaces its figure, by whoever sets it now.
    store.set_operator("事務 佐藤");
    store.set_receipts({receipts_of("1312345678", "2026-10", 815, "import:fixed.csv")});
    // A value that only reads back the same if it is kept as a double, not as text of it.
    store.set_notified_rates({notified_of("1312345678", "2026-10", 100.0 / 3.0, 300, -1)});
    const auto replaced = store.list_receipts("2026-10", "2026-10", {"1312345678"});
    REQUIRE(replaced.size() == 1);
    CHECK(replaced[0].receipts == 815);
    CHECK(replaced[0].source == "import:fixed.csv");
    CHECK(replaced[0].updated_by == "事務 佐藤");
    CHECK(store.list_receipts("2026-01", "2026-12", {}).size() == 3);
    const auto rate = store.list_notified_rates("2026-10", "2026-10", {"1312345678"});
    REQUIRE(rate.size() == 1);
    CHECK(rate[0].percent == 100.0 / 3.0);
    CHECK(rate[0].users == 300);
    CHECK(rate[0].receipts == -1);
    CHECK(rate[0].updated_by == "事務 佐藤");
}

void refuse_invalid_figures(Store& store) {
    store.set_receipts({receipts_of("1312345678", "2026-10", 10)});
    const auto seq = store.audit_head().seq;
    const auto refused = [&](const std::function<void()>& action) {
        CHECK(error_code_of(action) == Errc::Usage);
    };
    // A bad row anywhere in the list writes nothing, the good rows before it included.
    const auto with_good_first = [](ReceiptCount bad) {
        return std::vector<ReceiptCount>{receipts_of("1312345678", "2026-11", 5), std::move(bad)};
    };
    refused([&] { store.set_receipts(with_good_first(receipts_of("", "2026-10", 1))); });
    for (const char* month :
         {"2026-13", "2026-00", "2026-1", "202610", "2026/10", "2026-10-01", "abcd-10", ""}) {
        INFO(month);
        refused([&] { store.set_receipts(with_good_first(receipts_of("1312345678", month, 1))); });
        refused([&] { store.set_notified_rates({notified_of("1312345678", month, 10)}); });
    }
    refused([&] { store.set_receipts(with_good_first(receipts_of("1312345678", "2026-10", -1))); });
    refused([&] { store.set_notified_rates({notified_of("", "2026-10", 10)}); });
    for (double percent : {-0.01, 100.01, std::nan("")}) {
        refused([&] {
            store.set_notified_rates({notified_of("1312345678", "2026-09", 50),
                                      notified_of("1312345678", "2026-10", percent)});
        });
    }
    refused([&] { store.set_notified_rates({notified_of("1312345678", "2026-10", 10, -2)}); });
    refused([&] { store.set_notified_rates({notified_of("1312345678", "2026-10", 10, 5, -7)}); });
    refused([&] { (void)store.list_receipts("2026-1", "2026-12", {}); });
    refused([&] { (void)store.list_notified_rates("2026-01", "2026-13", {}); });
    refused([&] { (void)store.monthly_users("2026", "2026-12", {}); });

    const auto kept = store.list_receipts("2026-01", "2026-12", {});
    REQUIRE(kept.size() == 1);
    CHECK(kept[0].receipts == 10);
    CHECK(store.list_notified_rates("2026-01", "2026-12", {}).empty());
    CHECK(store.audit_head().seq == seq);

    // The bounds themselves are accepted.
    store.set_notified_rates(
        {notified_of("1312345678", "2026-01", 0, 0, 0), notified_of("1312345678", "2026-12", 100)});
    store.set_receipts({receipts_of("1312345678", "2026-12", 0)});
    CHECK(store.list_notified_rates("2026-01", "2026-12", {}).size() == 2);
    CHECK(store.list_receipts("2026-01", "2026-12", {}).size() == 2);
    // Nothing to write is not a write.
    const auto before_empty = store.audit_head().seq;
    store.set_receipts({});
    store.set_notified_rates({});
    CHECK(store.audit_head().seq == before_empty);
}

void audit_every_figure(Store& store) {
    store.set_operator("受付 鈴木");
    store.set_receipts(
        {receipts_of("1312345678", "2026-10", 812), receipts_of("1312345678", "2026-11", 790)});
    store.set_notified_rates({notified_of("1312345678", "2026-10", 37.5, 301)});
    store.set_receipts({receipts_of("1312345678", "2026-10", 815, "import:fixed.csv")});

    const auto records = report_audit(store);
    REQUIRE(records.size() == 4);
    CHECK(records[0].action == "report.receipts");
    CHECK(records[0].object == "receipts:1312345678:2026-10");
    CHECK(records[0].operator_name == "受付 鈴木");
    const auto first = nlohmann::json::parse(records[0].detail);
    CHECK(first["receipts"] == 812);
    CHECK(first["source"] == "set");
    CHECK(records[1].object == "receipts:1312345678:2026-11");
    CHECK(records[2].action == "report.notified");
    CHECK(records[2].object == "notified:1312345678:2026-10");
    const auto notified = nlohmann::json::parse(records[2].detail);
    CHECK(notified["percent"] == 37.5);
    CHECK(notified["users"] == 301);
    CHECK_FALSE(notified.contains("receipts"));  // not given
    CHECK(notified["source"] == "import:notice-2026-10.csv");
    CHECK(nlohmann::json::parse(records[3].detail)["receipts"] == 815);
    // One chain with the rest of the trail.
    CHECK(records[3].seq == store.audit_head().seq);
    CHECK(verify_audit_chain(store).ok);
}

// Checks on two sites over three months; the expected counts are worked out by hand below.
void add_usage_checks(Store& store) {
    const std::string a = "1312345678";
    const std::string b = "0112345678";
    // Site A, October: person 1 twice (counts once), person 2 by smartphone, person 3 by
    // birthdate and kana only, and checks that never count.
    store.add_check(insured_check(a, "2026-10-01T09:00:00+09:00", "1001"));
    store.add_check(insured_check(a, "2026-10-15T10:00:00+09:00", "1001"));
    store.add_check(insured_check(a, "2026-10-02T09:00:00+09:00", "1002", "smartphone"));
    store.add_check(kana_check(a, "2026-10-03T09:00:00+09:00", "スズキ　イチロウ"));
    store.add_check(insured_check(a, "2026-10-04T09:00:00+09:00", "1004", "certificate"));
    store.add_check(insured_check(a, "2026-10-05T09:00:00+09:00", "1005", "fallback"));
    store.add_check(insured_check(a, "2026-10-06T09:00:00+09:00", "1006", "card", "error"));
    store.add_check(insured_check(a, "2026-10-06T09:30:00+09:00", "1007", "card", "unknown"));
    auto nobody = kana_check(a, "2026-10-07T09:00:00+09:00", "");
    store.add_check(nobody);  // no number and no kana: nobody to count
    // The same number under another branch is another person (a family member).
    auto family = insured_check(a, "2026-10-08T09:00:00+09:00", "1001");
    family.branch_number = "01";
    store.add_check(family);
    // Through the face-file intake too.
    REQUIRE(store
                .add_intake({"face-1.xml", "sha-1", 0, false},
                            insured_check(a, "2026-10-09T09:00:00+09:00", "1009"))
                .has_value());
    // The last second of October in JST is October; the first of November is November.
    store.add_check(insured_check(a, "2026-10-31T23:59:59+09:00", "1010"));
    store.add_check(insured_check(a, "2026-11-01T00:00:00+09:00", "1010"));
    // Site A, November: person 1 again counts in November too.
    store.add_check(insured_check(a, "2026-11-20T09:00:00+09:00", "1001"));
    // Site B, October: person 1 at the other site counts there separately.
    store.add_check(insured_check(b, "2026-10-10T09:00:00+09:00", "1001"));
    // Site B, December: only a certificate check, so no row at all.
    store.add_check(insured_check(b, "2026-12-01T09:00:00+09:00", "2001", "certificate"));
    // Site B, September: outside the months asked for below.
    store.add_check(insured_check(b, "2026-09-30T23:59:59+09:00", "2002"));
}

constexpr const char* kUsageAll =
    "0112345678 2026-09 1\n"
    "0112345678 2026-10 1\n"
    "1312345678 2026-10 6\n"
    "1312345678 2026-11 2\n";

void count_monthly_users(Store& store) {
    add_usage_checks(store);
    // Site A October: 1001/00, 1002, the kana person, 1001/01, 1009 and 1010.
    CHECK(users_text(store.monthly_users("2026-10", "2026-12", {})) ==
          "0112345678 2026-10 1\n"
          "1312345678 2026-10 6\n"
          "1312345678 2026-11 2\n");
    CHECK(users_text(store.monthly_users("2026-10", "2026-10", {"1312345678"})) ==
          "1312345678 2026-10 6\n");
    CHECK(users_text(store.monthly_users("2026-11", "2026-11", {"1312345678", "0112345678"})) ==
          "1312345678 2026-11 2\n");
    CHECK(users_text(store.monthly_users("2026-09", "2026-09", {})) == "0112345678 2026-09 1\n");
    CHECK(store.monthly_users("2026-12", "2026-12", {}).empty());
    CHECK(store.monthly_users("2026-10", "2026-11", {"9999999999"}).empty());
    CHECK(store.monthly_users("2027-01", "2026-01", {}).empty());
}

}  // namespace

TEST_CASE("store report: usage_person_key names the insured person, else birthdate and kana") {
    auto r = insured_check("1312345678", "2026-10-01T09:00:00+09:00", "  1001");
    CHECK(usage_person_key(r) == "ins:06130012/  12/  1001/00");
    r.card_symbol.clear();
    r.branch_number.clear();
    CHECK(usage_person_key(r) == "ins:06130012//  1001/");
    const auto kana = kana_check("1312345678", "2026-10-01T09:00:00+09:00", "ヤマダ　ハナコ");
    CHECK(usage_person_key(kana) == "kana:19800101/ヤマダ　ハナコ");
    auto no_birthdate = kana;
    no_birthdate.birthdate.clear();
    CHECK(usage_person_key(no_birthdate).empty());
    CHECK(usage_person_key(kana_check("1312345678", "", "")).empty());
    for (const char* state : {"error", "unknown", ""}) {
        auto failed = insured_check("1312345678", "", "1001", "card", state);
        CHECK(usage_person_key(failed).empty());
    }
    // The method does not matter to the key, only to the count.
    CHECK(usage_person_key(insured_check("1", "", "7", "certificate")) == "ins:06130012/  12/7/00");
}

TEST_CASE("store report: receipts and notified rates are set, listed and replaced") {
    TempDir dir;
    auto store = open_sqlite(dir.db());
    set_list_and_replace(*store);
    // Kept in the file: another connection sees the same figures.
    RawDb raw(dir.db());
    CHECK(raw.rows("SELECT site, month, receipts FROM report_receipts ORDER BY site, month") ==
          "0112345678|2026-10|120\n1312345678|2026-10|815\n1312345678|2026-11|790");
    CHECK(raw.number("SELECT count(*) FROM report_notified") == 2);
    auto reopened = open_sqlite(dir.db());
    CHECK(reopened->list_receipts("2026-01", "2026-12", {}).size() == 3);
}

TEST_CASE("store report: invalid figures are refused with Usage and write nothing") {
    TempDir dir;
    auto store = open_sqlite(dir.db());
    refuse_invalid_figures(*store);
}

TEST_CASE("store report: every figure set is audited in the chain") {
    TempDir dir;
    auto store = open_sqlite(dir.db());
    store->add_check(insured_check("1312345678", "2026-10-01T09:00:00+09:00", "1001"));
    audit_every_figure(*store);
}

TEST_CASE("store report: monthly users counts distinct persons per site and month") {
    TempDir dir;
    auto store = open_sqlite(dir.db());
    count_monthly_users(*store);
    // The intake's check carries its key like add_check's do.
    RawDb raw(dir.db());
    CHECK(raw.rows("SELECT person_key FROM checks WHERE id = (SELECT check_id FROM intake)") ==
          "ins:06130012/  12/1009/00");
    // The error, the unknown and the check naming nobody.
    CHECK(raw.number("SELECT count(*) FROM checks WHERE person_key = ''") == 3);
}

TEST_CASE("store report: monthly users months are JST months of checked_at") {
    TempDir dir;
    auto store = open_sqlite(dir.db());
    store->add_check(insured_check("1312345678", "2026-10-31T23:59:59+09:00", "1"));
    store->add_check(insured_check("1312345678", "2026-11-01T00:00:00+09:00", "2"));
    store->add_check(insured_check("1312345678", "2026-11-30T23:59:59+09:00", "3"));
    store->add_check(insured_check("1312345678", "2026-12-01T00:00:00+09:00", "4"));
    CHECK(users_text(store->monthly_users("2026-10", "2026-12", {})) ==
          "1312345678 2026-10 1\n1312345678 2026-11 2\n1312345678 2026-12 1\n");
    CHECK(users_text(store->monthly_users("2026-11", "2026-11", {})) == "1312345678 2026-11 2\n");
}

TEST_CASE("store report: monthly users is served by the partial index checks_usage") {
    TempDir dir;
    auto store = open_sqlite(dir.db());
    add_usage_checks(*store);
    RawDb raw(dir.db());
    // The statement as the store runs it, and as a benchmark runs it in the sqlite3 CLI.
    const std::string sql =
        "SELECT facility, substr(checked_at, 1, 7) AS month, count(DISTINCT person_key) FROM "
        "checks WHERE method IN ('card','smartphone') AND person_key <> '' AND "
        "substr(checked_at, 1, 7) BETWEEN '2026-09' AND '2026-12' GROUP BY facility, month "
        "ORDER BY facility, month";
    std::string expected;
    for (const auto& u : store->monthly_users("2026-09", "2026-12", {})) {
        if (!expected.empty()) expected += '\n';
        expected += fmt::format("{}|{}|{}", u.site, u.month, u.users);
    }
    CHECK(users_text(store->monthly_users("2026-09", "2026-12", {})) == kUsageAll);
    CHECK(raw.rows(sql) == expected);
    const auto plan = raw.rows("EXPLAIN QUERY PLAN " + sql);
    INFO(plan);
    CHECK(plan.find("USING INDEX checks_usage") != std::string::npos);
    CHECK(plan.find("TEMP B-TREE") == std::string::npos);  // grouped in index order
    const auto filtered = raw.rows(
        "EXPLAIN QUERY PLAN SELECT facility, substr(checked_at, 1, 7) AS month, "
        "count(DISTINCT person_key) FROM checks WHERE method IN ('card','smartphone') AND "
        "person_key <> '' AND substr(checked_at, 1, 7) BETWEEN '2026-09' AND '2026-12' AND "
        "facility IN ('1312345678', '0112345678') GROUP BY facility, month ORDER BY facility, "
        "month");
    INFO(filtered);
    CHECK(filtered.find("USING INDEX checks_usage (facility=?") != std::string::npos);
    CHECK(raw.number("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = "
                     "'checks_usage' AND sql LIKE '%WHERE%'") == 1);
}

TEST_CASE("store report: migration 4 fills the person keys of an old store") {
    TempDir dir;
    {
        // As a mynaq before usage reports left it.
        { std::ofstream create(dir.db()); }
        const store::detail::Database db(dir.db(), 1000);
        store::detail::migrate_to(db, 3);
        db.exec(
            "INSERT INTO checks (checked_at, facility, method, person_state, insurer_number,"
            " card_symbol, identification_number, branch_number, birthdate, name_kana) VALUES"
            " ('2026-10-01T09:00:00+09:00', 'S1', 'card', 'ok', '06130012', '  12', '1001', '00',"
            "  '19800101', 'ヤマダ　タロウ'),"
            " ('2026-10-20T09:00:00+09:00', 'S1', 'card', 'ok', '06130012', '  12', '1001', '00',"
            "  '19800101', 'ヤマダ　タロウ'),"
            " ('2026-10-02T09:00:00+09:00', 'S1', 'smartphone', 'ok', '', '', '', '',"
            "  '19900202', 'スズキ　ハナコ'),"
            " ('2026-10-03T09:00:00+09:00', 'S1', 'card', 'error', '06130012', '', '1003', '',"
            "  '', ''),"
            " ('2026-10-04T09:00:00+09:00', 'S1', 'certificate', 'ok', '06130012', '', '1004',"
            "  '', '', ''),"
            " ('2026-10-05T09:00:00+09:00', 'S1', 'card', 'ok', '', '', '', '', '19700101', ''),"
            " ('2026-11-01T09:00:00+09:00', 'S2', 'card', 'ok', '06130012', '  12', '1001', '00',"
            "  '', '')",
            "seed old checks");
    }
    {
        RawDb raw(dir.db());
        CHECK(raw.number("SELECT max(version) FROM schema_migrations") == 3);
        CHECK(raw.number("SELECT count(*) FROM pragma_table_info('checks') WHERE name = "
                         "'person_key'") == 0);
    }
    auto store = open_sqlite(dir.db());
    CHECK(store->schema_version() == store::detail::latest_schema_version());
    CHECK(store->schema_version() >= 4);
    CHECK(users_text(store->monthly_users("2026-01", "2026-12", {})) ==
          "S1 2026-10 2\nS2 2026-11 1\n");
    // The SQL backfill and usage_person_key() agree on every old row.
    CheckFilter all;
    all.limit = 0;
    RawDb raw(dir.db());
    for (const auto& check : store->list_checks(all)) {
        INFO(check.id);
        CHECK(raw.rows(fmt::format("SELECT person_key FROM checks WHERE id = {}", check.id)) ==
              usage_person_key(check));
    }
    CHECK(raw.number("SELECT count(*) FROM checks WHERE person_key <> ''") == 5);
    // New checks after the upgrade count with the old ones.
    store->add_check(insured_check("S1", "2026-10-30T09:00:00+09:00", "1001"));
    store->add_check(insured_check("S1", "2026-10-30T10:00:00+09:00", "5005"));
    CHECK(users_text(store->monthly_users("2026-10", "2026-10", {"S1"})) == "S1 2026-10 3\n");
}

TEST_CASE("store report: copy_store carries receipts, notified rates and person keys") {
    TempDir dir;
    auto source = open_sqlite(dir.db("from.db"));
    source->set_operator("受付 鈴木");
    add_usage_checks(*source);
    source->set_receipts(
        {receipts_of("1312345678", "2026-10", 812), receipts_of("0112345678", "2026-10", 120)});
    source->set_notified_rates({notified_of("1312345678", "2026-10", 100.0 / 3.0, 301, 803)});

    auto target = open_sqlite(dir.db("to.db"));
    const auto report = copy_store(*source, *target);
    CHECK(report.receipts == 2);
    CHECK(report.notified == 1);
    CHECK(report.checks == 17);
    CHECK(verify_audit_chain(*target).ok);

    CHECK(users_text(target->monthly_users("2026-01", "2026-12", {})) == kUsageAll);
    CHECK(users_text(target->monthly_users("2026-01", "2026-12", {})) ==
          users_text(source->monthly_users("2026-01", "2026-12", {})));
    const auto receipts = target->list_receipts("2026-01", "2026-12", {});
    const auto original = source->list_receipts("2026-01", "2026-12", {});
    REQUIRE(receipts.size() == original.size());
    for (std::size_t i = 0; i < receipts.size(); ++i) {
        CHECK(receipts[i].site == original[i].site);
        CHECK(receipts[i].month == original[i].month);
        CHECK(receipts[i].receipts == original[i].receipts);
        CHECK(receipts[i].source == original[i].source);
        CHECK(receipts[i].updated_at == original[i].updated_at);
        CHECK(receipts[i].updated_by == "受付 鈴木");
    }
    const auto rates = target->list_notified_rates("2026-01", "2026-12", {});
    REQUIRE(rates.size() == 1);
    CHECK(rates[0].percent == 100.0 / 3.0);
    CHECK(rates[0].users == 301);
    CHECK(rates[0].receipts == 803);
    CHECK(rates[0].updated_at ==
          source->list_notified_rates("2026-01", "2026-12", {})[0].updated_at);
    RawDb from(dir.db("from.db"));
    RawDb to(dir.db("to.db"));
    const std::string keys = "SELECT id, person_key FROM checks ORDER BY id";
    CHECK(to.rows(keys) == from.rows(keys));

    // A store holding only figures is not empty: a copy into it is refused.
    auto figures_only = open_sqlite(dir.db("figures.db"));
    figures_only->set_receipts({receipts_of("1312345678", "2026-10", 1)});
    CHECK(error_code_of([&] { copy_store(*source, *figures_only); }) == Errc::Forbidden);
}

// --- PostgreSQL -------------------------------------------------------------------------

TEST_CASE("store report: postgres receipts and notified rates are set, listed and replaced") {
    const PgDatabase db;
    auto store = open_postgres_store(db.url());
    set_list_and_replace(*store);
    CHECK(db.number("SELECT receipts FROM report_receipts WHERE site = '1312345678' AND month = "
                    "'2026-10'") == 815);
}

TEST_CASE("store report: postgres invalid figures are refused with Usage and write nothing") {
    const PgDatabase db;
    auto store = open_postgres_store(db.url());
    refuse_invalid_figures(*store);
}

TEST_CASE("store report: postgres every figure set is audited in the chain") {
    const PgDatabase db;
    auto store = open_postgres_store(db.url());
    store->add_check(insured_check("1312345678", "2026-10-01T09:00:00+09:00", "1001"));
    audit_every_figure(*store);
}

TEST_CASE("store report: postgres monthly users counts distinct persons per site and month") {
    const PgDatabase db;
    auto store = open_postgres_store(db.url());
    count_monthly_users(*store);
    CHECK(db.number("SELECT count(*) FROM checks WHERE person_key = ''") == 3);
    CHECK(db.number("SELECT count(*) FROM pg_indexes WHERE indexname = 'checks_usage'") == 1);
    // The query's WHERE implies the partial index's, so the planner can use it (on a table this
    // small it would rather scan, hence seqscan off).
    const auto plan = db.exec(
        "SET enable_seqscan = off; EXPLAIN SELECT facility, substr(checked_at, 1, 7) AS month,"
        " count(DISTINCT person_key) FROM checks WHERE method IN ('card','smartphone') AND"
        " person_key <> '' AND substr(checked_at, 1, 7) BETWEEN '2026-10' AND '2026-12'"
        " GROUP BY facility, month ORDER BY facility, month");
    INFO(plan);
    CHECK(plan.find("checks_usage") != std::string::npos);
}

TEST_CASE("store report: postgres migration 4 fills the person keys of an old store") {
    const PgDatabase db;
    open_postgres_store(db.url()).reset();
    // A later migration must be undone here too.
    REQUIRE(store::detail::latest_schema_version() == 5);
    // Back to version 3, as a mynaq before usage reports left the database: 5 undone, then 4.
    db.exec(
        "DROP TABLE charts; DROP TABLE medical_results; ALTER TABLE checks DROP COLUMN chart_id,"
        " DROP COLUMN match_state, DROP COLUMN match_rule, DROP COLUMN match_candidates");
    db.exec(
        "DROP TABLE report_receipts; DROP TABLE report_notified; DROP INDEX checks_usage;"
        " ALTER TABLE checks DROP COLUMN person_key; DELETE FROM schema_migrations WHERE "
        "version >= 4");
    db.exec(
        "INSERT INTO checks (checked_at, facility, method, person_state, insurer_number,"
        " card_symbol, identification_number, branch_number, birthdate, name_kana) VALUES"
        " ('2026-10-01T09:00:00+09:00', 'S1', 'card', 'ok', '06130012', '  12', '1001', '00',"
        "  '19800101', 'ヤマダ　タロウ'),"
        " ('2026-10-20T09:00:00+09:00', 'S1', 'card', 'ok', '06130012', '  12', '1001', '00',"
        "  '19800101', 'ヤマダ　タロウ'),"
        " ('2026-10-02T09:00:00+09:00', 'S1', 'smartphone', 'ok', '', '', '', '',"
        "  '19900202', 'スズキ　ハナコ'),"
        " ('2026-10-03T09:00:00+09:00', 'S1', 'card', 'error', '06130012', '', '1003', '',"
        "  '', ''),"
        " ('2026-10-05T09:00:00+09:00', 'S1', 'card', 'ok', '', '', '', '', '19700101', ''),"
        " ('2026-11-01T09:00:00+09:00', 'S2', 'card', 'ok', '06130012', '  12', '1001', '00',"
        "  '', '')");
    auto store = open_postgres_store(db.url());
    CHECK(store->schema_version() == 5);
    CHECK(users_text(store->monthly_users("2026-01", "2026-12", {})) ==
          "S1 2026-10 2\nS2 2026-11 1\n");
    CheckFilter all;
    all.limit = 0;
    for (const auto& check : store->list_checks(all)) {
        INFO(check.id);
        const auto stored =
            db.exec(fmt::format("SELECT person_key FROM checks WHERE id = {}", check.id));
        // psql ends its output with a newline.
        CHECK(stored.substr(0, stored.find_last_not_of('\n') + 1) == usage_person_key(check));
    }
    store->set_receipts({receipts_of("S1", "2026-10", 3)});
    CHECK(store->list_receipts("2026-10", "2026-10", {}).size() == 1);
}

TEST_CASE("store report: postgres copy from and back to SQLite keeps figures and counts") {
    TempDir dir;
    auto source = open_sqlite(dir.db("from.db"));
    source->set_operator("受付 鈴木");
    add_usage_checks(*source);
    source->set_receipts(
        {receipts_of("1312345678", "2026-10", 812), receipts_of("0112345678", "2026-10", 120)});
    source->set_notified_rates({notified_of("1312345678", "2026-10", 100.0 / 3.0, 301, 803),
                                notified_of("0112345678", "2026-10", 0.1)});

    const PgDatabase db;
    auto pg = open_postgres_store(db.url());
    const auto report = copy_store(*source, *pg);
    CHECK(report.receipts == 2);
    CHECK(report.notified == 2);
    CHECK(verify_audit_chain(*pg).ok);
    CHECK(users_text(pg->monthly_users("2026-01", "2026-12", {})) == kUsageAll);
    CHECK(users_text(pg->monthly_users("2026-10", "2026-10", {"0112345678"})) ==
          "0112345678 2026-10 1\n");

    auto back = open_sqlite(dir.db("back.db"));
    const auto again = copy_store(*pg, *back);
    CHECK(again.receipts == 2);
    CHECK(again.notified == 2);
    CHECK(users_text(back->monthly_users("2026-01", "2026-12", {})) == kUsageAll);
    const auto a = source->list_notified_rates("2026-01", "2026-12", {});
    const auto b = back->list_notified_rates("2026-01", "2026-12", {});
    REQUIRE(a.size() == 2);
    REQUIRE(b.size() == 2);
    for (std::size_t i = 0; i < a.size(); ++i) {
        CHECK(b[i].site == a[i].site);
        CHECK(b[i].percent == a[i].percent);  // exactly, through PostgreSQL's text
        CHECK(b[i].users == a[i].users);
        CHECK(b[i].receipts == a[i].receipts);
        CHECK(b[i].source == a[i].source);
        CHECK(b[i].updated_at == a[i].updated_at);
        CHECK(b[i].updated_by == a[i].updated_by);
    }
    CHECK(back->list_receipts("2026-01", "2026-12", {}).size() == 2);
    RawDb from(dir.db("from.db"));
    RawDb to(dir.db("back.db"));
    const std::string keys = "SELECT id, person_key FROM checks ORDER BY id";
    CHECK(to.rows(keys) == from.rows(keys));
}
