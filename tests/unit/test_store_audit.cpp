// The audit chain, the consent ledger and retention on the SQLite store, checked against the
// real file: tampering is done with the sqlite3 C API as someone with the file would.
#include <pwd.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "../../lib/store/migrations.hpp"
#include "error_code_of.hpp"
#include "mynaq/error.hpp"
#include "mynaq/jst.hpp"
#include "mynaq/store.hpp"
#include "raw_sqlite.hpp"

using namespace mynaq;
namespace fs = std::filesystem;

namespace {

struct TempDir : test::StoreDir {
    TempDir() : StoreDir("mynaq-audit") {}
};

std::unique_ptr<Store> open_store(const fs::path& path) {
    return test::open_test_store(path);
}

// A direct connection, as someone with access to the file would use.
class RawDb : public test::RawDb {
public:
    using test::RawDb::RawDb;
    // The append-only triggers stop accidents; a tamperer drops them first.
    void drop_guards() {
        exec("DROP TRIGGER audit_no_update");
        exec("DROP TRIGGER audit_no_delete");
    }
};

CheckRecord a_check(std::string checked_at = "2026-11-30T09:15:00+09:00") {
    CheckRecord r;
    r.checked_at = std::move(checked_at);
    r.facility = "1312345678";
    r.source = "query";
    r.eligibility = "eligible";
    r.name = "山田　太郎";
    r.name_kana = "ヤマダ　タロウ";
    r.reference_number = "REF0001";
    return r;
}

ConsentRecord a_consent(std::string patient = "ref:REF0001",
                        std::string category = "PharmacistsInfo", std::string flag = "1") {
    ConsentRecord c;
    c.patient_key = std::move(patient);
    c.category = std::move(category);
    c.flag = std::move(flag);
    c.consented_at = "2026-11-30T09:15:00+09:00";
    c.expires_at = "2026-12-01T09:15:00+09:00";
    c.source = "reader";
    return c;
}

// Six audit records of several kinds.
void write_six(Store& store) {
    store.add_check(a_check());
    store.add_consent(a_consent());
    store.audit("info.view", "check:1", R"({"screen":"detail"})");
    store.add_consent(a_consent("ref:REF0002", "DiagnosisInfo"));
    store.add_check(a_check("2026-11-30T10:00:00+09:00"));
    store.audit("info.view", "check:2", "{}");
}

std::string os_user() {
    const auto* pw = ::getpwuid(::geteuid());
    return pw != nullptr ? pw->pw_name : "unknown";
}

std::vector<std::string> actions_of(const std::vector<AuditRecord>& records) {
    std::vector<std::string> out;
    for (const auto& r : records) out.push_back(r.action);
    return out;
}

bool write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

std::string read_all(int fd) {
    std::string out;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n > 0) {
            out.append(buffer, static_cast<std::size_t>(n));
        } else if (n == 0 || errno != EINTR) {
            break;
        }
    }
    return out;
}

std::vector<std::int64_t> parse_ids(const std::string& text) {
    std::vector<std::int64_t> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto end = text.find('\n', pos);
        // A line cut short by the kill has no newline: it was not reported.
        if (end == std::string::npos) break;
        out.push_back(std::stoll(text.substr(pos, end - pos)));
        pos = end + 1;
    }
    return out;
}

// Children that start together; no doctest macro runs in a child.
struct ChildResult {
    int status = -1;
    std::string output;
};

std::vector<ChildResult> run_children(int count, const std::function<int(int, int)>& body) {
    int gate[2];
    REQUIRE(::pipe(gate) == 0);
    std::vector<std::pair<pid_t, int>> children;
    for (int i = 0; i < count; ++i) {
        int out[2];
        REQUIRE(::pipe(out) == 0);
        const pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            ::close(gate[1]);
            ::close(out[0]);
            char c = 0;
            while (::read(gate[0], &c, 1) > 0) {
            }
            int status = 3;
            try {
                status = body(i, out[1]);
            } catch (const std::exception& e) {
                (void)write_all(out[1], std::string("exception: ") + e.what() + "\n");
                status = 2;
            } catch (...) {
                status = 2;
            }
            ::_exit(status);
        }
        ::close(out[1]);
        children.emplace_back(pid, out[0]);
    }
    ::close(gate[0]);
    ::close(gate[1]);
    std::vector<ChildResult> results;
    for (const auto& [pid, fd] : children) {
        ChildResult result;
        result.output = read_all(fd);
        ::close(fd);
        int wstatus = 0;
        REQUIRE(::waitpid(pid, &wstatus, 0) == pid);
        result.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
        results.push_back(std::move(result));
    }
    return results;
}

std::string jst_date_years_ago(int years, int extra_days = 0) {
    using namespace std::chrono;
    const auto today = floor<days>(now_seconds() + kJstOffset);
    year_month_day ymd{today};
    ymd = ymd - std::chrono::years{years};
    if (!ymd.ok()) ymd = ymd.year() / ymd.month() / last;
    const auto day = sys_days{ymd} + days{extra_days};
    const year_month_day out{day};
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(out.year()),
                       static_cast<unsigned>(out.month()), static_cast<unsigned>(out.day()));
}

}  // namespace

TEST_CASE("store audit every write appends one chained record in its transaction") {
    TempDir dir;
    auto store = open_store(dir.db());
    CHECK(store->audit_head().seq == 0);
    CHECK(verify_audit_chain(*store).ok);
    CHECK(verify_audit_chain(*store).records == 0);

    const auto check_id = store->add_check(a_check());
    const auto intake = store->add_intake({"face_0001.xml", "abc123", 0, false}, a_check());
    REQUIRE(intake.has_value());
    // A file already taken in is no write, and leaves no record.
    CHECK_FALSE(store->add_intake({"face_0001.xml", "abc123", 0, false}, a_check()).has_value());
    store->mark_intake_done("face_0001.xml", "abc123");
    BulkJob job;
    job.input_sha256 = "input";
    job.upload_suffix = "202611300001";
    job.state = "uploading";
    job.id = store->save_bulk_job(job);
    job.state = "done";
    store->save_bulk_job(job);
    store->set_operator("受付 佐藤");
    const auto consent_id = store->add_consent(a_consent());
    store->audit("info.view", fmt::format("check:{}", check_id), "{}");
    // Bookkeeping, not a record: no audit entry.
    store->next_sequence("20261130");

    const auto records = store->list_audit({});
    REQUIRE(records.size() == 7);
    CHECK(actions_of(records) == std::vector<std::string>{"check.add", "intake.add", "intake.done",
                                                          "bulk.save", "bulk.save", "consent.add",
                                                          "info.view"});
    CHECK(records[0].object == fmt::format("check:{}", check_id));
    CHECK(records[1].object == "intake:face_0001.xml");
    CHECK(records[2].object == "intake:face_0001.xml");
    CHECK(records[3].object == "bulk:202611300001");
    CHECK(records[4].detail.find("\"done\"") != std::string::npos);
    CHECK(records[5].object == fmt::format("consent:{}", consent_id));
    CHECK(records[5].detail.find("PharmacistsInfo") != std::string::npos);
    CHECK(records[0].detail.find("eligible") != std::string::npos);
    CHECK(records[0].detail.find("1312345678") != std::string::npos);
    for (const auto& r : records) {
        // Names never go into the trail.
        CHECK(r.detail.find("山田") == std::string::npos);
        CHECK(r.detail.find("ヤマダ") == std::string::npos);
    }
    CHECK(records[0].operator_name == os_user());
    CHECK(records[4].operator_name == os_user());
    CHECK(records[5].operator_name == "受付 佐藤");
    CHECK(records[6].operator_name == "受付 佐藤");

    const std::regex iso_ms(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+09:00)");
    for (std::size_t i = 0; i < records.size(); ++i) {
        CHECK(records[i].seq == static_cast<std::int64_t>(i + 1));
        CHECK(std::regex_match(records[i].at, iso_ms));
        CHECK(records[i].hash == audit_hash(records[i]));
        CHECK(records[i].hash.size() == 64);
        CHECK(records[i].prev_hash == (i == 0 ? std::string(64, '0') : records[i - 1].hash));
    }
    const auto head = store->audit_head();
    CHECK(head.seq == 7);
    CHECK(head.hash == records.back().hash);

    const auto result = verify_audit_chain(*store);
    CHECK(result.ok);
    CHECK(result.records == 7);
    CHECK(result.first_bad_seq == 0);
    CHECK(result.reason.empty());

    // A write that fails leaves no audit record behind.
    CHECK(test::error_code_of([&] { store->mark_intake_done("missing.xml", "x"); }) ==
          Errc::NotFound);
    CHECK(store->audit_head().seq == 7);
}

TEST_CASE("store audit hash covers every field and separates them unambiguously") {
    AuditRecord base{1,
                     "2026-11-30T09:00:00.000+09:00",
                     "op",
                     "check.add",
                     "check:1",
                     "{}",
                     std::string(64, '0'),
                     ""};
    const auto h = audit_hash(base);
    CHECK(h.size() == 64);
    CHECK(h.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(audit_hash(base) == h);  // deterministic
    // The stored hash itself is not an input.
    auto with_hash = base;
    with_hash.hash = "ffff";
    CHECK(audit_hash(with_hash) == h);

    const std::vector<std::function<void(AuditRecord&)>> edits = {
        [](AuditRecord& r) { r.seq = 2; },
        [](AuditRecord& r) { r.at += " "; },
        [](AuditRecord& r) { r.operator_name = "op2"; },
        [](AuditRecord& r) { r.action = "check.ad"; },
        [](AuditRecord& r) { r.object = "check:2"; },
        [](AuditRecord& r) { r.detail = "{ }"; },
        [](AuditRecord& r) { r.prev_hash[0] = '1'; },
        // Moving bytes from one field to the next must change the hash.
        [](AuditRecord& r) {
            r.operator_name = "opc";
            r.action = "heck.add";
        },
    };
    std::set<std::string> hashes{h};
    for (const auto& edit : edits) {
        auto changed = base;
        edit(changed);
        hashes.insert(audit_hash(changed));
    }
    CHECK(hashes.size() == edits.size() + 1);
}

TEST_CASE("store audit list filters by date, operator and action") {
    TempDir dir;
    auto store = open_store(dir.db());
    write_six(*store);
    store->set_operator("nurse");
    store->audit("info.view", "check:1", "{}");

    const auto today = format_jst_date(now_seconds());
    const auto tomorrow = format_jst_date(now_seconds() + std::chrono::hours{24});
    const auto yesterday = format_jst_date(now_seconds() - std::chrono::hours{24});

    CHECK(store->list_audit({}).size() == 7);
    CHECK(store->list_audit({today, today, {}, {}, 1000}).size() == 7);
    CHECK(store->list_audit({tomorrow, {}, {}, {}, 1000}).empty());
    CHECK(store->list_audit({{}, yesterday, {}, {}, 1000}).empty());
    CHECK(store->list_audit({{}, {}, "nurse", {}, 1000}).size() == 1);
    CHECK(store->list_audit({{}, {}, os_user(), {}, 1000}).size() == 6);
    CHECK(store->list_audit({{}, {}, {}, "info.view", 1000}).size() == 3);
    CHECK(store->list_audit({{}, {}, {}, "info.", 1000}).size() == 3);
    CHECK(store->list_audit({{}, {}, {}, "consent.", 1000}).size() == 2);
    CHECK(store->list_audit({{}, {}, {}, "check.", 1000}).size() == 2);
    // Without the dot the action must match exactly.
    CHECK(store->list_audit({{}, {}, {}, "consent", 1000}).empty());
    CHECK(store->list_audit({{}, {}, {}, "CONSENT.", 1000}).empty());
    const auto limited = store->list_audit({{}, {}, {}, {}, 2});
    REQUIRE(limited.size() == 2);
    CHECK(limited[0].seq == 1);  // oldest first
    CHECK(limited[1].seq == 2);

    // for_each_audit streams in seq order and stops when told.
    std::vector<std::int64_t> seen;
    store->for_each_audit([&seen](const AuditRecord& r) {
        seen.push_back(r.seq);
        return r.seq < 4;
    });
    CHECK(seen == std::vector<std::int64_t>{1, 2, 3, 4});
}

TEST_CASE("store audit records are append-only for ordinary SQL") {
    TempDir dir;
    open_store(dir.db())->audit("info.view", "check:1", "{}");
    RawDb raw(dir.db());
    CHECK(raw.try_exec("UPDATE audit SET detail = 'x' WHERE seq = 1") != SQLITE_OK);
    CHECK(raw.try_exec("DELETE FROM audit WHERE seq = 1") != SQLITE_OK);
    CHECK(raw.number("SELECT count(*) FROM audit") == 1);
    CHECK(raw.text("SELECT detail FROM audit") == "{}");
}

TEST_CASE("store audit an edited record fails verification at its seq with reason hash") {
    TempDir dir;
    write_six(*open_store(dir.db()));
    {
        RawDb raw(dir.db());
        raw.drop_guards();
        raw.exec(R"(UPDATE audit SET detail = '{"screen":"list"}' WHERE seq = 3)");
    }
    const auto result = verify_audit_chain(*open_store(dir.db()));
    CHECK_FALSE(result.ok);
    CHECK(result.reason == "hash");
    CHECK(result.first_bad_seq == 3);
    CHECK(result.records == 3);

    SUBCASE("and editing the operator or the time is caught as well") {
        RawDb raw(dir.db());
        raw.exec(R"(UPDATE audit SET detail = '{"screen":"detail"}' WHERE seq = 3)");
        CHECK(verify_audit_chain(*open_store(dir.db())).ok);
        raw.exec("UPDATE audit SET operator = 'someone' WHERE seq = 5");
        auto bad = verify_audit_chain(*open_store(dir.db()));
        CHECK(bad.reason == "hash");
        CHECK(bad.first_bad_seq == 5);
        raw.exec(fmt::format("UPDATE audit SET operator = '{}' WHERE seq = 5", os_user()));
        raw.exec("UPDATE audit SET at = replace(at, 'T', ' ') WHERE seq = 2");
        bad = verify_audit_chain(*open_store(dir.db()));
        CHECK(bad.reason == "hash");
        CHECK(bad.first_bad_seq == 2);
    }
}

TEST_CASE("store audit a deleted middle record is reported at its seq") {
    TempDir dir;
    write_six(*open_store(dir.db()));
    RawDb raw(dir.db());
    raw.drop_guards();
    raw.exec("DELETE FROM audit WHERE seq = 3");

    auto result = verify_audit_chain(*open_store(dir.db()));
    CHECK_FALSE(result.ok);
    CHECK(result.reason == "sequence");
    CHECK(result.first_bad_seq == 3);

    // Closing the gap by renumbering leaves the links broken at the same place.
    raw.exec("UPDATE audit SET seq = seq - 1 WHERE seq > 3");
    raw.exec("UPDATE audit_head SET seq = seq - 1");
    result = verify_audit_chain(*open_store(dir.db()));
    CHECK_FALSE(result.ok);
    CHECK(result.reason == "link");
    CHECK(result.first_bad_seq == 3);
}

TEST_CASE("store audit swapped records fail at the first of them") {
    TempDir dir;
    write_six(*open_store(dir.db()));
    RawDb raw(dir.db());
    raw.drop_guards();
    const std::string columns = "at, operator, action, object, detail, prev_hash, hash";
    raw.exec(fmt::format("CREATE TEMP TABLE saved AS SELECT seq, {} FROM audit WHERE seq IN (2, 4)",
                         columns));
    raw.exec(
        "UPDATE audit SET (at, operator, action, object, detail, prev_hash, hash) = "
        "(SELECT at, operator, action, object, detail, prev_hash, hash FROM saved "
        "WHERE saved.seq = 6 - audit.seq) WHERE seq IN (2, 4)");
    REQUIRE(raw.text("SELECT action FROM audit WHERE seq = 2") == "consent.add");
    REQUIRE(raw.text("SELECT object FROM audit WHERE seq = 2") == "consent:2");

    const auto result = verify_audit_chain(*open_store(dir.db()));
    CHECK_FALSE(result.ok);
    CHECK(result.first_bad_seq == 2);
    CHECK(result.reason == "link");
}

TEST_CASE("store audit a forged record inserted in the middle fails verification") {
    TempDir dir;
    write_six(*open_store(dir.db()));
    std::string hash_of_2;
    {
        auto store = open_store(dir.db());
        hash_of_2 = store->list_audit({})[1].hash;
    }
    RawDb raw(dir.db());
    raw.drop_guards();
    // Make room at seq 3 (two steps: the primary key forbids passing through a taken seq).
    raw.exec("UPDATE audit SET seq = seq + 1000 WHERE seq >= 3");
    raw.exec("UPDATE audit SET seq = seq - 999 WHERE seq >= 1000");
    raw.exec("UPDATE audit_head SET seq = seq + 1");
    // The forger knows the format and computes a hash that is right for the forged record.
    AuditRecord forged{
        3, "2026-11-30T09:20:00.000+09:00", "forger", "consent.add", "consent:9", "{}", hash_of_2,
        ""};
    forged.hash = audit_hash(forged);
    raw.exec(fmt::format(
        "INSERT INTO audit (seq, at, operator, action, object, detail, prev_hash, hash) "
        "VALUES (3, '{}', 'forger', 'consent.add', 'consent:9', '{{}}', '{}', '{}')",
        forged.at, forged.prev_hash, forged.hash));

    const auto result = verify_audit_chain(*open_store(dir.db()));
    CHECK_FALSE(result.ok);
    // Record 3 is self-consistent; the next one no longer links to what precedes it.
    CHECK(result.first_bad_seq == 4);
    CHECK(result.reason == "link");
}

TEST_CASE("store audit deleting the newest record is reported as head") {
    TempDir dir;
    write_six(*open_store(dir.db()));
    RawDb raw(dir.db());
    raw.drop_guards();

    SUBCASE("the newest record deleted") {
        raw.exec("DELETE FROM audit WHERE seq = 6");
        const auto result = verify_audit_chain(*open_store(dir.db()));
        CHECK_FALSE(result.ok);
        CHECK(result.reason == "head");
        CHECK(result.first_bad_seq == 6);
        CHECK(result.records == 5);
    }
    SUBCASE("a record appended past the head") {
        AuditRecord extra{7,
                          "2026-11-30T23:00:00.000+09:00",
                          "x",
                          "info.view",
                          "check:1",
                          "{}",
                          raw.text("SELECT hash FROM audit WHERE seq = 6"),
                          ""};
        extra.hash = audit_hash(extra);
        raw.exec(fmt::format(
            "INSERT INTO audit VALUES (7, '{}', 'x', 'info.view', 'check:1', '{{}}', '{}', '{}')",
            extra.at, extra.prev_hash, extra.hash));
        const auto result = verify_audit_chain(*open_store(dir.db()));
        CHECK_FALSE(result.ok);
        CHECK(result.reason == "head");
        CHECK(result.first_bad_seq == 7);
    }
    SUBCASE("the head pointing at another hash") {
        raw.exec("UPDATE audit_head SET hash = (SELECT hash FROM audit WHERE seq = 5)");
        const auto result = verify_audit_chain(*open_store(dir.db()));
        CHECK_FALSE(result.ok);
        CHECK(result.reason == "head");
        CHECK(result.first_bad_seq == 6);
    }
    SUBCASE("a missing head row stops further writes") {
        raw.exec("DELETE FROM audit_head");
        auto store = open_store(dir.db());
        CHECK(test::error_code_of([&] { store->audit("info.view", "x", "{}"); }) ==
              Errc::StoreError);
        CHECK(raw.number("SELECT count(*) FROM audit") == 6);
    }
}

TEST_CASE("store audit four processes appending at once keep one chain") {
    TempDir dir;
    open_store(dir.db()).reset();
    constexpr int kPerChild = 200;
    const auto results = run_children(4, [&dir](int child, int out) {
        auto store = open_store(dir.db());
        store->set_operator(fmt::format("terminal{}", child));
        for (int i = 0; i < kPerChild; ++i) {
            switch (i % 3) {
                case 0:
                    store->add_consent(a_consent(fmt::format("ref:P{}-{}", child, i)));
                    break;
                case 1:
                    store->audit("info.view", fmt::format("check:{}", i), "{}");
                    break;
                default:
                    store->save_bulk_job({0, fmt::format("in{}-{}", child, i), "", "", "", "", "",
                                          0, "", "waiting", ""});
                    break;
            }
        }
        (void)write_all(out, "ok\n");
        return 0;
    });
    for (const auto& r : results) {
        INFO(r.output);
        CHECK(r.status == 0);
    }
    RawDb raw(dir.db());
    CHECK(raw.number("SELECT count(*) FROM audit") == 4 * kPerChild);
    CHECK(raw.number("SELECT count(DISTINCT seq) FROM audit") == 4 * kPerChild);
    CHECK(raw.number("SELECT count(DISTINCT prev_hash) FROM audit") == 4 * kPerChild);
    CHECK(raw.number("SELECT max(seq) FROM audit") == 4 * kPerChild);
    for (int child = 0; child < 4; ++child) {
        CHECK(raw.number(fmt::format("SELECT count(*) FROM audit WHERE operator = 'terminal{}'",
                                     child)) == kPerChild);
    }
    auto store = open_store(dir.db());
    const auto result = verify_audit_chain(*store);
    CHECK(result.ok);
    CHECK(result.records == 4 * kPerChild);
    CHECK(store->audit_head().seq == 4 * kPerChild);
}

TEST_CASE("store audit kill -9 during a burst of writes loses nothing committed") {
    TempDir dir;
    open_store(dir.db()).reset();
    int ids[2];
    REQUIRE(::pipe(ids) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(ids[0]);
        try {
            auto store = open_store(dir.db());
            for (int i = 0;; ++i) {
                ConsentRecord c = a_consent(fmt::format("ref:K{}", i));
                CheckRecord check = a_check();
                check.consents = {c};
                const auto id = i % 2 == 0 ? store->add_consent(c) : store->add_check(check);
                // Reported only once the commit returned.
                if (!write_all(ids[1], fmt::format("{}\n", i % 2 == 0 ? id : -id))) ::_exit(3);
            }
        } catch (...) {
            ::_exit(2);
        }
    }
    ::close(ids[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    REQUIRE(::kill(pid, SIGKILL) == 0);
    const auto reported = parse_ids(read_all(ids[0]));
    ::close(ids[0]);
    int wstatus = 0;
    REQUIRE(::waitpid(pid, &wstatus, 0) == pid);
    CHECK(WIFSIGNALED(wstatus));
    CHECK(WTERMSIG(wstatus) == SIGKILL);
    REQUIRE(reported.size() > 4);

    auto store = open_store(dir.db());
    std::set<std::int64_t> consents;
    for (const auto& c : store->list_consents({{}, {}, 0})) consents.insert(c.id);
    std::size_t missing = 0;
    for (const auto id : reported) {
        if (id > 0 && consents.count(id) == 0) ++missing;
        if (id < 0 && !store->check(-id).has_value()) ++missing;
    }
    CHECK(missing == 0);
    const auto result = verify_audit_chain(*store);
    CHECK(result.ok);
    // Nothing half-written either: every record has its audit entries and no more.
    RawDb raw(dir.db());
    CHECK(result.records ==
          raw.number("SELECT count(*) FROM consents") + raw.number("SELECT count(*) FROM checks"));
    CHECK(result.records >= static_cast<std::int64_t>(reported.size()));
    // The store stays writable after the crash.
    store->audit("info.view", "check:1", "{}");
    CHECK(verify_audit_chain(*store).ok);
}

TEST_CASE("store audit a v1 store is upgraded in place and keeps its checks") {
    TempDir dir;
    {
        // As a mynaq before the audit trail left it.
        { std::ofstream create(dir.db()); }
        const store::detail::Database db(dir.db(), 1000);
        store::detail::migrate_to(db, 1);
        db.exec(
            "INSERT INTO checks (checked_at, name, eligibility) "
            "VALUES ('2026-11-01T09:00:00+09:00', 'old patient', 'eligible')",
            "seed a check");
    }
    {
        RawDb raw(dir.db());
        CHECK(raw.number("SELECT max(version) FROM schema_migrations") == 1);
        CHECK(raw.number("SELECT count(*) FROM sqlite_master WHERE name = 'audit'") == 0);
    }
    auto store = open_store(dir.db());
    const auto checks = store->list_checks({});
    REQUIRE(checks.size() == 1);
    CHECK(checks[0].name == "old patient");
    CHECK(store->audit_head().seq == 0);
    CHECK(verify_audit_chain(*store).ok);
    store->add_check(a_check());
    store->add_consent(a_consent());
    CHECK(store->list_checks({}).size() == 2);
    const auto result = verify_audit_chain(*store);
    CHECK(result.ok);
    CHECK(result.records == 2);
    RawDb raw(dir.db());
    const int latest = store::detail::latest_schema_version();
    CHECK(latest >= 2);
    CHECK(raw.number("SELECT max(version) FROM schema_migrations") == latest);
    CHECK(raw.number("SELECT count(*) FROM schema_migrations") == latest);
}

TEST_CASE("store consent entries from a check are stored with its id and audited") {
    TempDir dir;
    auto store = open_store(dir.db());
    store->set_operator("reception");
    CheckRecord check = a_check();
    check.consents = {a_consent("ref:REF0001", "PharmacistsInfo", "1"),
                      a_consent("ref:REF0001", "SpecificHealthCheckupsInfo", "0")};
    const auto check_id = store->add_check(check);

    const auto consents = store->list_consents({"ref:REF0001", {}, 100});
    REQUIRE(consents.size() == 2);
    for (const auto& c : consents) {
        CHECK(c.check_id == check_id);
        CHECK(c.recorded_by == "reception");
        CHECK(c.source == "reader");
        CHECK(c.expires_at == "2026-12-01T09:15:00+09:00");
        CHECK(c.recorded_at.size() == std::string("2026-11-30T09:15:00.000+09:00").size());
    }
    CHECK(consents[0].category == "SpecificHealthCheckupsInfo");  // newest first
    CHECK(consents[0].flag == "0");

    const auto audit = store->list_audit({});
    CHECK(actions_of(audit) == std::vector<std::string>{"consent.add", "consent.add", "check.add"});
    CHECK(audit[0].object == fmt::format("consent:{}", consents[1].id));
    CHECK(audit[1].object == fmt::format("consent:{}", consents[0].id));
    CHECK(audit[0].detail.find(fmt::format("\"check_id\":{}", check_id)) != std::string::npos);
    CHECK(audit[2].object == fmt::format("check:{}", check_id));

    // Face-file intake carries its result's consents the same way.
    CheckRecord face = a_check();
    face.consents = {a_consent("ref:REF0003", "DiagnosisInfo", "1")};
    const auto intake = store->add_intake({"face.xml", "h", 0, false}, face);
    REQUIRE(intake.has_value());
    const auto face_consents = store->list_consents({"ref:REF0003", {}, 100});
    REQUIRE(face_consents.size() == 1);
    CHECK(face_consents[0].check_id == intake->check_id);
    CHECK(verify_audit_chain(*store).ok);
    CHECK(store->audit_head().seq == 5);
}

TEST_CASE("store consent withdrawal is a new entry and filters select patient and category") {
    TempDir dir;
    auto store = open_store(dir.db());
    const auto given = store->add_consent(a_consent("ref:A", "PharmacistsInfo", "1"));
    store->add_consent(a_consent("ref:A", "DiagnosisInfo", "1"));
    store->add_consent(a_consent("ref:B", "PharmacistsInfo", "1"));
    ConsentRecord withdrawal = a_consent("ref:A", "PharmacistsInfo", "0");
    withdrawal.source = "oral";
    withdrawal.recorded_by = "Dr. Tanaka";
    withdrawal.note = "patient withdrew at the desk";
    const auto withdrawn = store->add_consent(withdrawal);
    CHECK(withdrawn > given);

    const auto history = store->list_consents({"ref:A", "PharmacistsInfo", 100});
    REQUIRE(history.size() == 2);
    CHECK(history[0].id == withdrawn);
    CHECK(history[0].flag == "0");
    CHECK(history[0].source == "oral");
    CHECK(history[0].recorded_by == "Dr. Tanaka");
    CHECK(history[0].note == "patient withdrew at the desk");
    CHECK(history[0].check_id == 0);
    CHECK(history[1].id == given);
    CHECK(history[1].flag == "1");  // the earlier entry is untouched

    CHECK(store->list_consents({"ref:A", {}, 100}).size() == 3);
    CHECK(store->list_consents({{}, "PharmacistsInfo", 100}).size() == 3);
    CHECK(store->list_consents({}).size() == 4);
    CHECK(store->list_consents({{}, {}, 1}).size() == 1);
    CHECK(store->list_consents({"ref:C", {}, 100}).empty());

    CHECK(test::error_code_of([&] { store->add_consent(a_consent("", "PharmacistsInfo")); }) ==
          Errc::InvalidArgument);
    CHECK(store->list_consents({}).size() == 4);
    CHECK(store->list_audit({{}, {}, {}, "consent.", 100}).size() == 4);
}

TEST_CASE("store purge refuses what a retention rule still keeps") {
    TempDir dir;
    auto store = open_store(dir.db());
    store->add_check(a_check(format_jst_iso(now_seconds())));
    const auto tomorrow = format_jst_date(now_seconds() + std::chrono::hours{24});

    try {
        store->purge(tomorrow, {});
        FAIL("purged a check of today");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::Forbidden);
        CHECK(e.detail().find("checks are kept 5 years") != std::string::npos);
        CHECK(e.fields().at("latest_before") == jst_date_years_ago(5));
        CHECK(e.detail().find(jst_date_years_ago(5)) != std::string::npos);
    }
    CHECK(store->list_checks({}).size() == 1);

    // Consents are kept 3 years: one recorded 2 years ago cannot go, with the default rules.
    {
        RawDb raw(dir.db());
        raw.exec(
            fmt::format("INSERT INTO consents (patient_key, category, recorded_at) "
                        "VALUES ('ref:OLD', 'PharmacistsInfo', '{}T10:00:00+09:00')",
                        jst_date_years_ago(2)));
    }
    const auto a_year_ago = jst_date_years_ago(1);
    const auto before_checks = jst_date_years_ago(6);
    CHECK(test::error_code_of([&] { store->purge(a_year_ago, {}); }) == Errc::Forbidden);
    // Nothing that old among the checks, but the consent is still within 3 years.
    try {
        store->purge(a_year_ago, {10, 3});
        FAIL("purged a consent within 3 years");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::Forbidden);
        CHECK(e.fields().at("kind") == "consents");
        CHECK(e.fields().at("latest_before") == jst_date_years_ago(3));
    }
    // The periods are configurable: with one year, it goes.
    const auto report = store->purge(a_year_ago, {1, 1});
    CHECK(report.consents == 1);
    CHECK(report.checks == 0);
    CHECK(store->list_checks({}).size() == 1);

    // A purge before anything is kept is allowed and deletes nothing.
    const auto none = store->purge(before_checks, {});
    CHECK(none.checks == 0);
    CHECK(none.consents == 0);

    CHECK(test::error_code_of([&] { store->purge("2020-13-01", {}); }) == Errc::InvalidArgument);
    CHECK(test::error_code_of([&] { store->purge("2020/01/01", {}); }) == Errc::InvalidArgument);
    // Refusals write nothing; the two purges are audited.
    CHECK(store->list_audit({{}, {}, {}, "store.purge", 100}).size() == 2);
    CHECK(verify_audit_chain(*store).ok);
}

TEST_CASE("store purge deletes old records in one audited step and keeps the audit trail") {
    TempDir dir;
    auto store = open_store(dir.db());
    // Current records, through the store (audited).
    const auto kept_check = store->add_check(a_check(format_jst_iso(now_seconds())));
    store->add_consent(a_consent("ref:NEW"));
    const auto kept_intake = store->add_intake({"new.xml", "n", 0, false}, a_check());
    REQUIRE(kept_intake.has_value());
    const auto audit_before = store->audit_head().seq;
    {
        // Old records as a store of 2014 would hold them.
        RawDb raw(dir.db());
        raw.exec(
            "INSERT INTO checks (id, checked_at, name) VALUES "
            "(1001, '2014-05-01T09:00:00+09:00', 'old1'), "
            "(1002, '2015-12-31T23:59:59+09:00', 'old2'), "
            "(1003, '2016-01-01T00:00:00+09:00', 'boundary')");
        raw.exec(
            "INSERT INTO intake (file_name, sha256, check_id, done, recorded_at) VALUES "
            "('old.xml', 'o', 1001, 1, '2014-05-01T09:00:01+09:00')");
        raw.exec(
            "INSERT INTO consents (patient_key, category, flag, recorded_at) VALUES "
            "('ref:OLD', 'PharmacistsInfo', '1', '2014-05-01T09:00:02.000+09:00'), "
            "('ref:OLD', 'PharmacistsInfo', '0', '2016-02-01T09:00:00.000+09:00')");
        raw.exec(
            "INSERT INTO bulk_jobs (input_sha256, state, created_at) VALUES "
            "('old-input', 'done', '2015-03-01T09:00:00+09:00')");
    }
    store->set_operator("admin");
    const auto report = store->purge("2016-01-01", {});
    CHECK(report.checks == 2);
    CHECK(report.intake == 1);
    CHECK(report.consents == 1);
    CHECK(report.bulk_jobs == 1);

    CHECK_FALSE(store->check(1001).has_value());
    CHECK_FALSE(store->check(1002).has_value());
    CHECK(store->check(1003).has_value());  // on the day itself: kept
    CHECK(store->check(kept_check).has_value());
    CHECK_FALSE(store->intake("old.xml", "o").has_value());
    CHECK(store->intake("new.xml", "n").has_value());
    CHECK(store->list_consents({"ref:OLD", {}, 100}).size() == 1);
    CHECK(store->list_consents({"ref:NEW", {}, 100}).size() == 1);
    CHECK_FALSE(store->find_bulk_job("old-input").has_value());

    // Every audit record survives, with one more for the purge.
    const auto audit = store->list_audit({});
    REQUIRE(audit.size() == static_cast<std::size_t>(audit_before + 1));
    const auto& purge = audit.back();
    CHECK(purge.action == "store.purge");
    CHECK(purge.operator_name == "admin");
    CHECK(purge.detail.find("\"before\":\"2016-01-01\"") != std::string::npos);
    CHECK(purge.detail.find("\"checks\":2") != std::string::npos);
    CHECK(purge.detail.find("\"consents\":1") != std::string::npos);
    CHECK(purge.detail.find(fmt::format("\"claims_cutoff\":\"{}\"", jst_date_years_ago(5))) !=
          std::string::npos);
    CHECK(verify_audit_chain(*store).ok);
    CHECK(verify_audit_chain(*store).records == audit_before + 1);
}
