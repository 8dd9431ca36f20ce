// Fallback cases in the SQLite store: revisions that catch a second terminal's write, one
// transaction for a batch of updates, the audit trail, retention and the store copy — all on
// real files.
#include <sqlite3.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "error_code_of.hpp"
#include "mynaq/error.hpp"
#include "mynaq/files.hpp"
#include "mynaq/jst.hpp"
#include "mynaq/store.hpp"

using namespace mynaq;
namespace fs = std::filesystem;

namespace {

class TempDir : public TemporaryDirectory {
public:
    TempDir() : TemporaryDirectory("mynaq-fallback") {}
    [[nodiscard]] fs::path db(const std::string& name = "mynaq.db") const { return path() / name; }
};

std::unique_ptr<Store> open_store(const fs::path& path) {
    return open_sqlite_store({path, 30'000});
}

FallbackCaseRow a_case(std::string date, std::string state, std::string patient) {
    FallbackCaseRow row;
    row.case_date = std::move(date);
    row.state = std::move(state);
    row.patient = std::move(patient);
    row.document = fmt::format(R"({{"patient":"{}","reason":"network","steps":[]}})", row.patient);
    return row;
}

std::vector<AuditRecord> all_audit(const Store& store) {
    AuditFilter filter;
    filter.limit = 0;
    return store.list_audit(filter);
}

std::vector<std::string> patients_of(const std::vector<FallbackCaseRow>& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r.patient);
    return out;
}

bool is_jst_iso(const std::string& text) {
    static const std::regex pattern(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+09:00)");
    return std::regex_match(text, pattern);
}

std::string jst_date_days_ago(int days) {
    return format_jst_date(now_seconds() - std::chrono::days{days});
}

void check_same(const FallbackCaseRow& a, const FallbackCaseRow& b) {
    CHECK(a.id == b.id);
    CHECK(a.case_date == b.case_date);
    CHECK(a.state == b.state);
    CHECK(a.patient == b.patient);
    CHECK(a.created_at == b.created_at);
    CHECK(a.updated_at == b.updated_at);
    CHECK(a.revision == b.revision);
    CHECK(a.document == b.document);
}

void exec_sql(const fs::path& path, const std::string& sql) {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
    const std::unique_ptr<sqlite3, decltype(&sqlite3_close_v2)> db(raw, &sqlite3_close_v2);
    sqlite3_busy_timeout(raw, 10'000);
    INFO(sql);
    REQUIRE(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
}

}  // namespace

TEST_CASE("store fallback add sets id, times and revision 1 and is read back whole") {
    TempDir dir;
    auto store = open_store(dir.db());
    store->set_operator("受付 鈴木");
    auto row = a_case("2026-11-30", "in_progress", "山田　太郎 ヤマダ　タロウ");
    row.id = 999;  // ignored: the store chooses the id
    row.revision = 7;
    row.created_at = "2000-01-01T00:00:00+09:00";
    const auto id = store->add_fallback_case(row);
    CHECK(id > 0);
    CHECK(id != 999);
    const auto second = store->add_fallback_case(a_case("2026-11-30", "queued", "佐藤　花子"));
    CHECK(second > id);

    const auto back = store->fallback_case(id);
    REQUIRE(back.has_value());
    CHECK(back->id == id);
    CHECK(back->case_date == "2026-11-30");
    CHECK(back->state == "in_progress");
    CHECK(back->patient == row.patient);
    CHECK(back->document == row.document);
    CHECK(back->revision == 1);
    CHECK(is_jst_iso(back->created_at));
    CHECK(back->created_at.substr(0, 10) == format_jst_date(now_seconds()));
    CHECK(back->updated_at == back->created_at);
    CHECK_FALSE(store->fallback_case(second + 100).has_value());

    // Audited in the same transaction, without the patient or the document.
    const auto audit = all_audit(*store);
    REQUIRE(audit.size() == 2);
    CHECK(audit[0].action == "fallback.add");
    CHECK(audit[0].object == fmt::format("fallback:{}", id));
    CHECK(audit[0].operator_name == "受付 鈴木");
    CHECK(audit[0].detail.find(R"("state":"in_progress")") != std::string::npos);
    CHECK(audit[0].detail.find(R"("date":"2026-11-30")") != std::string::npos);
    CHECK(audit[0].detail.find("山田") == std::string::npos);
    CHECK(audit[1].object == fmt::format("fallback:{}", second));
    CHECK(verify_audit_chain(*store).ok);

    // A date the filters and the purge could not compare, or no state, is refused unwritten.
    CHECK(test::error_code_of([&] {
              store->add_fallback_case(a_case("20261130", "in_progress", "x"));
          }) == Errc::InvalidArgument);
    CHECK(test::error_code_of([&] {
              store->add_fallback_case(a_case("2026-02-30", "in_progress", "x"));
          }) == Errc::InvalidArgument);
    CHECK(test::error_code_of([&] { store->add_fallback_case(a_case("2026-11-30", "", "x")); }) ==
          Errc::InvalidArgument);
    CHECK(store->audit_head().seq == 2);

    // Kept across a reopen.
    store.reset();
    auto again = open_store(dir.db());
    REQUIRE(again->fallback_case(id).has_value());
    check_same(*again->fallback_case(id), *back);
}

TEST_CASE("store fallback list filters by dates, state and patient, oldest first, with a limit") {
    TempDir dir;
    auto store = open_store(dir.db());
    store->add_fallback_case(a_case("2026-11-29", "confirmed", "山田　太郎"));
    store->add_fallback_case(a_case("2026-11-30", "in_progress", "佐藤　花子 サトウ"));
    store->add_fallback_case(a_case("2026-12-01", "queued", "Yamada Jiro"));
    store->add_fallback_case(a_case("2026-11-30", "queued", "100%_name"));
    store->add_fallback_case(a_case("2026-11-28", "queued", "10 percent"));

    FallbackCaseFilter all;
    CHECK(patients_of(store->list_fallback_cases(all)) ==
          std::vector<std::string>{"山田　太郎", "佐藤　花子 サトウ", "Yamada Jiro", "100%_name",
                                   "10 percent"});

    FallbackCaseFilter day;
    day.from = "2026-11-30";
    day.to = "2026-11-30";
    CHECK(patients_of(store->list_fallback_cases(day)) ==
          std::vector<std::string>{"佐藤　花子 サトウ", "100%_name"});

    FallbackCaseFilter from;
    from.from = "2026-11-30";
    CHECK(store->list_fallback_cases(from).size() == 3);
    FallbackCaseFilter to;
    to.to = "2026-11-29";
    CHECK(patients_of(store->list_fallback_cases(to)) ==
          std::vector<std::string>{"山田　太郎", "10 percent"});

    FallbackCaseFilter queued;
    queued.state = "queued";
    CHECK(store->list_fallback_cases(queued).size() == 3);
    queued.from = "2026-11-29";
    CHECK(patients_of(store->list_fallback_cases(queued)) ==
          std::vector<std::string>{"Yamada Jiro", "100%_name"});
    FallbackCaseFilter prefix;
    prefix.state = "queue";  // exact, not a prefix
    CHECK(store->list_fallback_cases(prefix).empty());

    FallbackCaseFilter kana;
    kana.patient = "サトウ";
    CHECK(patients_of(store->list_fallback_cases(kana)) ==
          std::vector<std::string>{"佐藤　花子 サトウ"});
    FallbackCaseFilter name;
    name.patient = "山田";
    CHECK(store->list_fallback_cases(name).size() == 1);
    FallbackCaseFilter latin;
    latin.patient = "yamada";  // ASCII case is ignored, as in the check list
    CHECK(patients_of(store->list_fallback_cases(latin)) ==
          std::vector<std::string>{"Yamada Jiro"});
    // % and _ are matched as themselves, not as wildcards.
    FallbackCaseFilter percent;
    percent.patient = "0%_";
    CHECK(patients_of(store->list_fallback_cases(percent)) ==
          std::vector<std::string>{"100%_name"});
    FallbackCaseFilter underscore;
    underscore.patient = "1_";
    CHECK(store->list_fallback_cases(underscore).empty());

    FallbackCaseFilter limited;
    limited.limit = 2;
    CHECK(patients_of(store->list_fallback_cases(limited)) ==
          std::vector<std::string>{"山田　太郎", "佐藤　花子 サトウ"});
    limited.limit = 0;  // no limit
    CHECK(store->list_fallback_cases(limited).size() == 5);
}

TEST_CASE("store fallback update writes every row, bumps revisions and audits each") {
    TempDir dir;
    auto store = open_store(dir.db());
    store->set_operator("reception");
    const auto a = store->add_fallback_case(a_case("2026-11-30", "in_progress", "A"));
    const auto b = store->add_fallback_case(a_case("2026-11-30", "in_progress", "B"));
    const auto c = store->add_fallback_case(a_case("2026-11-30", "in_progress", "C"));
    const auto before_c = store->fallback_case(c);
    REQUIRE(before_c.has_value());

    auto row_a = *store->fallback_case(a);
    auto row_b = *store->fallback_case(b);
    const auto created_b = row_b.created_at;
    row_a.state = "queued";
    row_a.document = R"({"step":"declaration"})";
    row_b.state = "confirmed";
    row_b.case_date = "2026-12-01";
    row_b.patient = "B 訂正";
    row_b.created_at = "1999-01-01T00:00:00+09:00";  // not the caller's to change
    store->update_fallback_cases({row_a, row_b});

    const auto new_a = store->fallback_case(a);
    const auto new_b = store->fallback_case(b);
    REQUIRE(new_a.has_value());
    REQUIRE(new_b.has_value());
    CHECK(new_a->revision == 2);
    CHECK(new_a->state == "queued");
    CHECK(new_a->document == R"({"step":"declaration"})");
    CHECK(new_b->revision == 2);
    CHECK(new_b->state == "confirmed");
    CHECK(new_b->case_date == "2026-12-01");
    CHECK(new_b->patient == "B 訂正");
    CHECK(new_b->created_at == created_b);
    CHECK(is_jst_iso(new_b->updated_at));
    CHECK(new_b->updated_at >= new_b->created_at);
    check_same(*store->fallback_case(c), *before_c);  // not named: untouched

    // A second update names the revision it read.
    auto again = *new_a;
    again.state = "rechecked";
    store->update_fallback_cases({again});
    CHECK(store->fallback_case(a)->revision == 3);
    CHECK(store->fallback_case(a)->state == "rechecked");
    store->update_fallback_cases({});  // nothing to write, nothing audited

    const auto updates = store->list_audit({{}, {}, {}, "fallback.update", 100});
    REQUIRE(updates.size() == 3);
    CHECK(updates[0].object == fmt::format("fallback:{}", a));
    CHECK(updates[0].detail.find(R"("state":"queued")") != std::string::npos);
    CHECK(updates[0].detail.find(R"("revision":2)") != std::string::npos);
    CHECK(updates[1].object == fmt::format("fallback:{}", b));
    CHECK(updates[1].detail.find(R"("state":"confirmed")") != std::string::npos);
    CHECK(updates[2].detail.find(R"("revision":3)") != std::string::npos);
    CHECK(updates[2].operator_name == "reception");
    CHECK(store->list_audit({{}, {}, {}, "fallback.", 100}).size() == 6);
    const auto verification = verify_audit_chain(*store);
    CHECK(verification.ok);
    CHECK(verification.records == 6);
}

TEST_CASE("store fallback a stale revision rolls back every row of the update") {
    TempDir dir;
    auto terminal1 = open_store(dir.db());
    auto terminal2 = open_store(dir.db());
    const auto a = terminal1->add_fallback_case(a_case("2026-11-30", "in_progress", "A"));
    const auto b = terminal1->add_fallback_case(a_case("2026-11-30", "in_progress", "B"));

    // Both terminals read case B; terminal 2 saves first.
    const auto read_by_1_a = *terminal1->fallback_case(a);
    const auto read_by_1_b = *terminal1->fallback_case(b);
    auto by_2 = *terminal2->fallback_case(b);
    by_2.state = "cancelled";
    terminal2->update_fallback_cases({by_2});
    const auto head = terminal1->audit_head();

    auto change_a = read_by_1_a;
    change_a.state = "queued";
    auto change_b = read_by_1_b;
    change_b.state = "confirmed";
    try {
        terminal1->update_fallback_cases({change_a, change_b});
        FAIL("a stale revision was written");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::StoreError);
        CHECK(e.detail() == fmt::format("fallback case {} was changed by another terminal since it "
                                        "was read; show it again and retry",
                                        b));
        CHECK(e.fields().at("id") == std::to_string(b));
        CHECK(e.fields().at("path") == dir.db().string());
    }
    // The first row, valid on its own, was rolled back with the rest; nothing was audited.
    check_same(*terminal1->fallback_case(a), read_by_1_a);
    CHECK(terminal1->fallback_case(b)->state == "cancelled");
    CHECK(terminal1->fallback_case(b)->revision == 2);
    CHECK(terminal1->audit_head().seq == head.seq);
    CHECK(terminal1->audit_head().hash == head.hash);

    // A revision ahead of the stored one is just as stale.
    auto ahead = *terminal1->fallback_case(a);
    ahead.revision = 5;
    CHECK(test::error_code_of([&] { terminal1->update_fallback_cases({ahead}); }) ==
          Errc::StoreError);

    // Read again, the same change goes through, and the store is still usable.
    auto fresh = *terminal1->fallback_case(b);
    fresh.state = "confirmed";
    terminal1->update_fallback_cases({change_a, fresh});
    CHECK(terminal1->fallback_case(a)->state == "queued");
    CHECK(terminal1->fallback_case(b)->revision == 3);
    CHECK(verify_audit_chain(*terminal1).ok);
}

TEST_CASE("store fallback an unknown id is NotFound and rolls back the rows before it") {
    TempDir dir;
    auto store = open_store(dir.db());
    const auto a = store->add_fallback_case(a_case("2026-11-30", "in_progress", "A"));
    const auto before = *store->fallback_case(a);
    auto change = before;
    change.state = "queued";
    auto missing = a_case("2026-11-30", "queued", "nobody");
    missing.id = a + 41;
    missing.revision = 1;
    try {
        store->update_fallback_cases({change, missing});
        FAIL("an unknown case was updated");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::NotFound);
        CHECK(e.fields().at("id") == std::to_string(a + 41));
        CHECK(e.detail().find(std::to_string(a + 41)) != std::string::npos);
    }
    check_same(*store->fallback_case(a), before);
    CHECK(store->audit_head().seq == 1);
    CHECK_FALSE(store->fallback_case(a + 41).has_value());
    CHECK(verify_audit_chain(*store).ok);
}

TEST_CASE("store fallback purge keeps cases for claims_years and counts what it deletes") {
    TempDir dir;
    auto store = open_store(dir.db());
    const auto old_id = store->add_fallback_case(a_case("2014-05-01", "rechecked", "old"));
    const auto mid_id =
        store->add_fallback_case(a_case(jst_date_days_ago(800), "rechecked", "two years"));
    const auto new_id =
        store->add_fallback_case(a_case(format_jst_date(now_seconds()), "queued", "today"));
    const auto on_day = store->add_fallback_case(a_case("2016-01-01", "rechecked", "on the day"));

    const auto report = store->purge("2016-01-01", {});
    CHECK(report.fallback_cases == 1);
    CHECK(report.checks == 0);
    CHECK_FALSE(store->fallback_case(old_id).has_value());
    CHECK(store->fallback_case(on_day).has_value());  // on the day itself: kept
    const auto purge = all_audit(*store).back();
    CHECK(purge.action == "store.purge");
    CHECK(purge.detail.find(R"("fallback_cases":1)") != std::string::npos);

    // Claim-related: a case of two years ago is still kept 5 years.
    const auto seq = store->audit_head().seq;
    const auto before = jst_date_days_ago(400);
    try {
        store->purge(before, {});
        FAIL("purged a fallback case within claims_years");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::Forbidden);
        CHECK(e.fields().at("kind") == "fallback cases");
        CHECK(e.fields().at("years") == "5");
        CHECK(e.fields().at("count") == "1");  // the 2016 case is past the rule already
        CHECK(e.detail().find("claims-related") != std::string::npos);
    }
    // other_years does not apply to them.
    CHECK(test::error_code_of([&] { store->purge(before, {5, 1}); }) == Errc::Forbidden);
    CHECK(store->audit_head().seq == seq);
    CHECK(store->fallback_case(mid_id).has_value());

    // With claims_years 1, both go; today's case stays.
    const auto later = store->purge(before, {1, 1});
    CHECK(later.fallback_cases == 2);
    CHECK_FALSE(store->fallback_case(mid_id).has_value());
    CHECK_FALSE(store->fallback_case(on_day).has_value());
    CHECK(store->fallback_case(new_id).has_value());
    CHECK(all_audit(*store).back().detail.find(R"("fallback_cases":2)") != std::string::npos);
    CHECK(verify_audit_chain(*store).ok);
}

TEST_CASE("store fallback copy_store between SQLite files keeps ids, times and revisions") {
    TempDir dir;
    auto source = open_store(dir.db());
    source->set_operator("reception-1");
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 5; ++i) {
        ids.push_back(source->add_fallback_case(
            a_case(fmt::format("2026-11-2{}", i), "in_progress", fmt::format("患者{}", i))));
    }
    auto first = *source->fallback_case(ids[0]);
    first.state = "queued";
    source->update_fallback_cases({first});
    first = *source->fallback_case(ids[0]);
    first.state = "confirmed";
    source->update_fallback_cases({first});
    // A gap in the ids must survive the copy too.
    exec_sql(dir.db(), fmt::format("DELETE FROM fallback_cases WHERE id = {}", ids[2]));
    source->add_check(CheckRecord{});

    auto target = open_store(dir.db("copy.db"));
    const auto report = copy_store(*source, *target);
    CHECK(report.fallback_cases == 4);
    CHECK(report.checks == 1);
    CHECK(report.audit == 8);

    FallbackCaseFilter all;
    all.limit = 0;
    const auto rows_a = source->list_fallback_cases(all);
    const auto rows_b = target->list_fallback_cases(all);
    REQUIRE(rows_a.size() == 4);
    REQUIRE(rows_b.size() == rows_a.size());
    for (std::size_t i = 0; i < rows_a.size(); ++i) check_same(rows_a[i], rows_b[i]);
    CHECK(target->fallback_case(ids[0])->revision == 3);
    CHECK_FALSE(target->fallback_case(ids[2]).has_value());
    const auto verification = verify_audit_chain(*target);
    CHECK(verification.ok);
    CHECK(verification.records == 8);

    // The copy goes on from where the source was: a stale revision is still stale there.
    auto stale = rows_b[0];
    stale.revision = 2;
    CHECK(test::error_code_of([&] { target->update_fallback_cases({stale}); }) == Errc::StoreError);
    const auto next = target->add_fallback_case(a_case("2026-12-01", "in_progress", "new"));
    CHECK(next > ids.back());
    CHECK(verify_audit_chain(*target).ok);

    // A target holding nothing but a fallback case is not empty.
    auto other = open_store(dir.db("other.db"));
    exec_sql(dir.db("other.db"),
             "INSERT INTO fallback_cases (case_date, state, created_at, updated_at) VALUES "
             "('2026-11-30', 'queued', '2026-11-30T09:00:00+09:00', '2026-11-30T09:00:00+09:00')");
    CHECK(test::error_code_of([&] { copy_store(*source, *other); }) == Errc::Forbidden);
    CHECK(other->list_fallback_cases(all).size() == 1);
}
