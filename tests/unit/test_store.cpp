#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "error_code_of.hpp"
#include "mynaq/error.hpp"
#include "mynaq/store.hpp"
#include "raw_sqlite.hpp"

using namespace mynaq;
namespace fs = std::filesystem;

namespace {

using TempDir = test::StoreDir;
using test::RawDb;

std::unique_ptr<Store> open_store(const fs::path& path, int busy_timeout_ms = 10'000) {
    return test::open_test_store(path, busy_timeout_ms);
}

unsigned mode_of(const fs::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 0777;
}

// Every string field of CheckRecord, listed here independently of the store's own list.
const std::array<std::string CheckRecord::*, 29> kFields = {
    &CheckRecord::checked_at,
    &CheckRecord::facility,
    &CheckRecord::method,
    &CheckRecord::identity_method,
    &CheckRecord::source,
    &CheckRecord::source_file,
    &CheckRecord::request_id,
    &CheckRecord::confirmation_date,
    &CheckRecord::file_state,
    &CheckRecord::person_state,
    &CheckRecord::eligibility,
    &CheckRecord::processing_code,
    &CheckRecord::processing_message,
    &CheckRecord::insurer_number,
    &CheckRecord::card_symbol,
    &CheckRecord::identification_number,
    &CheckRecord::branch_number,
    &CheckRecord::birthdate,
    &CheckRecord::name,
    &CheckRecord::name_kana,
    &CheckRecord::ratio,
    &CheckRecord::valid_from,
    &CheckRecord::valid_to,
    &CheckRecord::limit_summary,
    &CheckRecord::specific_disease_summary,
    &CheckRecord::reference_number,
    &CheckRecord::consents_json,
    &CheckRecord::coverage_json,
    &CheckRecord::raw_xml,
};

CheckRecord full_record() {
    CheckRecord r;
    std::size_t i = 0;
    // Distinct per field, with leading and trailing spaces and Japanese text, so that a
    // swapped, trimmed or re-encoded column shows.
    for (auto field : kFields) r.*field = fmt::format("  値{} テスト ", i++);
    r.checked_at = "2026-11-30T09:15:00+09:00";
    r.insurer_number = "  123456";
    r.name = "山田　太郎";
    r.name_kana = "ヤマダ　タロウ";
    r.consents_json = R"([{"element":"1","flag":"1","cons_time":"20261130091500"}])";
    std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XmlMsg>";
    while (xml.size() < 50 * 1024) xml += "<Name>保険者　名称</Name>\n";
    r.raw_xml = xml + "</XmlMsg>";
    return r;
}

CheckRecord simple_record(std::string checked_at, std::string name, std::string kana,
                          std::string number, std::string reference, std::string eligibility,
                          std::string source) {
    CheckRecord r;
    r.checked_at = std::move(checked_at);
    r.name = std::move(name);
    r.name_kana = std::move(kana);
    r.identification_number = std::move(number);
    r.reference_number = std::move(reference);
    r.eligibility = std::move(eligibility);
    r.source = std::move(source);
    return r;
}

std::vector<std::string> names_of(const std::vector<CheckRecord>& records) {
    std::vector<std::string> out;
    for (const auto& r : records) out.push_back(r.name);
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

// Runs `body` in `count` forked children that start together; each child's exit status is 0
// on success. Returns what each child wrote to its pipe. No doctest macros run in a child.
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
            // Blocks until the parent closes the gate, so that all children start at once.
            while (::read(gate[0], &c, 1) > 0) {
            }
            int status = 3;
            try {
                status = body(i, out[1]);
            } catch (const std::exception& e) {
                // The parent shows this next to the failed status.
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
        char buffer[4096];
        for (;;) {
            const ssize_t n = ::read(fd, buffer, sizeof buffer);
            if (n > 0) {
                result.output.append(buffer, static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                break;
            }
        }
        ::close(fd);
        int wstatus = 0;
        REQUIRE(::waitpid(pid, &wstatus, 0) == pid);
        result.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
        results.push_back(std::move(result));
    }
    return results;
}

std::vector<int> parse_numbers(const std::string& text) {
    std::vector<int> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto end = text.find('\n', pos);
        out.push_back(std::stoi(text.substr(pos, end - pos)));
        pos = end == std::string::npos ? text.size() : end + 1;
    }
    return out;
}

// Sets PRAGMA max_page_count on every connection opened while it lives: the store's own
// connection then meets SQLITE_FULL as on a full disk.
int g_max_pages = 0;

int limit_pages(sqlite3* db, const char** /*error*/, const sqlite3_api_routines* /*api*/) {
    const auto sql = fmt::format("PRAGMA max_page_count = {}", g_max_pages);
    return sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
}

class PageLimit {
public:
    explicit PageLimit(int pages) {
        g_max_pages = pages;
        REQUIRE(sqlite3_auto_extension(entry()) == SQLITE_OK);
    }
    ~PageLimit() { sqlite3_cancel_auto_extension(entry()); }
    PageLimit(const PageLimit&) = delete;
    PageLimit& operator=(const PageLimit&) = delete;

private:
    static void (*entry())() { return reinterpret_cast<void (*)()>(&limit_pages); }
};

class EnvVar {
public:
    EnvVar(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value != nullptr) {
            ::setenv(name, value, 1);
        } else {
            ::unsetenv(name);
        }
    }
    ~EnvVar() {
        if (old_) {
            ::setenv(name_, old_->c_str(), 1);
        } else {
            ::unsetenv(name_);
        }
    }
    EnvVar(const EnvVar&) = delete;
    EnvVar& operator=(const EnvVar&) = delete;

private:
    const char* name_;
    std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("store round trip keeps every CheckRecord field") {
    TempDir dir;
    auto store = open_store(dir.path() / "mynaq.db");
    const CheckRecord original = full_record();
    const auto id = store->add_check(original);
    CHECK(id > 0);
    const auto back = store->check(id);
    REQUIRE(back.has_value());
    CHECK(back->id == id);
    for (std::size_t i = 0; i < kFields.size(); ++i) {
        INFO("field " << i);
        CHECK((*back).*kFields[i] == original.*kFields[i]);
    }
    CHECK(back->raw_xml.size() >= 50 * 1024);
    CHECK(back->insurer_number == "  123456");
    CHECK_FALSE(store->check(id + 1).has_value());
    CHECK(store->add_check(original) == id + 1);
    CHECK(store->location() == dir.path() / "mynaq.db");
}

TEST_CASE("store files are 0600 and new directories 0700 whatever the umask") {
    TempDir dir;
    const auto path = dir.path() / "a" / "b" / "mynaq.db";
    const mode_t old_mask = ::umask(0);
    std::unique_ptr<Store> store;
    try {
        store = open_store(path);
    } catch (...) {
        ::umask(old_mask);
        throw;
    }
    store->add_check(simple_record("2026-11-30T09:00:00+09:00", "A", "", "", "", "", ""));
    ::umask(old_mask);
    CHECK(mode_of(dir.path() / "a") == 0700);
    CHECK(mode_of(dir.path() / "a" / "b") == 0700);
    CHECK(mode_of(path) == 0600);
    // WAL mode keeps -wal and -shm beside the file while a connection is open.
    const fs::path wal = path.string() + "-wal";
    const fs::path shm = path.string() + "-shm";
    REQUIRE(fs::exists(wal));
    CHECK(mode_of(wal) == 0600);
    if (fs::exists(shm)) CHECK(mode_of(shm) == 0600);
}

TEST_CASE("store migrations are applied once and the version is recorded") {
    TempDir dir;
    const auto path = dir.path() / "mynaq.db";
    open_store(path).reset();
    open_store(path).reset();
    {
        RawDb raw(path);
        const auto rows = raw.number("SELECT count(*) FROM schema_migrations");
        CHECK(rows >= 1);
        // Each version once, numbered 1..n, each with a time.
        CHECK(raw.number("SELECT count(DISTINCT version) FROM schema_migrations") == rows);
        CHECK(raw.number("SELECT max(version) FROM schema_migrations") == rows);
        CHECK(raw.number("SELECT min(version) FROM schema_migrations") == 1);
        CHECK(raw.number("SELECT count(*) FROM schema_migrations WHERE applied_at LIKE "
                         "'____-__-__T__:__:__+09:00'") == rows);
        CHECK(raw.number("SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'") ==
              1);
        CHECK(raw.number("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                         "tbl_name = 'checks'") >= 3);
        raw.exec("INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 'later')");
    }
    try {
        open_store(path);
        FAIL("a store from a newer mynaq was opened");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::StoreError);
        CHECK(e.detail().find("newer mynaq") != std::string::npos);
        CHECK(e.fields().at("path") == path.string());
    }
}

TEST_CASE("store reopen keeps data") {
    TempDir dir;
    const auto path = dir.path() / "mynaq.db";
    std::int64_t id = 0;
    {
        auto store = open_store(path);
        id = store->add_check(full_record());
        REQUIRE(store->add_intake({"face1.xml", "abc", 0, false}, full_record()).has_value());
        BulkJob job;
        job.input_sha256 = "input";
        job.state = "waiting";
        store->save_bulk_job(job);
        CHECK(store->next_sequence("20261130") == 1);
    }
    auto store = open_store(path);
    const auto back = store->check(id);
    REQUIRE(back.has_value());
    CHECK(back->raw_xml == full_record().raw_xml);
    CHECK(store->intake("face1.xml", "abc").has_value());
    REQUIRE(store->find_bulk_job("input").has_value());
    CHECK(store->find_bulk_job("input")->state == "waiting");
    CHECK(store->next_sequence("20261130") == 2);
    CHECK(store->list_checks({}).size() == 2);
}

TEST_CASE("store add_intake records a file once") {
    TempDir dir;
    auto store = open_store(dir.path() / "mynaq.db");
    auto record = simple_record("2026-11-30T09:00:00+09:00", "山田", "", "", "", "", "face");
    const auto first = store->add_intake({"face.xml", "sha-1", 0, false}, record);
    REQUIRE(first.has_value());
    CHECK(first->check_id > 0);
    CHECK(first->file_name == "face.xml");
    CHECK_FALSE(first->done);
    REQUIRE(store->check(first->check_id).has_value());
    CHECK(store->check(first->check_id)->name == "山田");

    // The same file again: nothing recorded, not even the check.
    CHECK_FALSE(store->add_intake({"face.xml", "sha-1", 0, false}, record).has_value());
    CHECK(store->list_checks({}).size() == 1);

    // The same name with other content is another file.
    const auto other = store->add_intake({"face.xml", "sha-2", 0, true}, record);
    REQUIRE(other.has_value());
    CHECK(other->check_id != first->check_id);
    CHECK(store->intake("face.xml", "sha-2")->done);

    auto found = store->intake("face.xml", "sha-1");
    REQUIRE(found.has_value());
    CHECK(found->check_id == first->check_id);
    CHECK_FALSE(found->done);
    store->mark_intake_done("face.xml", "sha-1");
    CHECK(store->intake("face.xml", "sha-1")->done);
    CHECK_FALSE(store->intake("face.xml", "sha-3").has_value());
    CHECK(test::error_code_of([&] { store->mark_intake_done("none.xml", "x"); }) == Errc::NotFound);
}

TEST_CASE("store list_checks filters by date, patient, eligibility and source") {
    TempDir dir;
    auto store = open_store(dir.path() / "mynaq.db");
    store->add_check(simple_record("2026-11-29T23:59:59+09:00", "山田　太郎", "ヤマダ　タロウ",
                                   "  1234", "R-1", "eligible", "query"));
    store->add_check(simple_record("2026-11-30T00:00:00+09:00", "佐藤　花子", "サトウ　ハナコ",
                                   "5678", "R-2", "ineligible", "bulk"));
    store->add_check(simple_record("2026-11-30T09:15:00+09:00", "山田　次郎", "ヤマダ　ジロウ",
                                   "9999", "R-3", "eligible", "face"));
    store->add_check(simple_record("2026-11-30T10:00:00+09:00", "100%_name", "", "", "R-4",
                                   "unknown", "fallback"));

    // Newest first.
    CHECK(names_of(store->list_checks({})) ==
          std::vector<std::string>{"100%_name", "山田　次郎", "佐藤　花子", "山田　太郎"});

    CheckFilter f;
    f.date = "2026-11-30";
    CHECK(names_of(store->list_checks(f)) ==
          std::vector<std::string>{"100%_name", "山田　次郎", "佐藤　花子"});
    f.date = "2026-11-29";
    CHECK(names_of(store->list_checks(f)) == std::vector<std::string>{"山田　太郎"});
    f.date = "2026-12-01";
    CHECK(store->list_checks(f).empty());

    const auto by_patient = [&](const std::string& patient) {
        CheckFilter pf;
        pf.patient = patient;
        return names_of(store->list_checks(pf));
    };
    CHECK(by_patient("R-2") == std::vector<std::string>{"佐藤　花子"});
    CHECK(by_patient("山田") == std::vector<std::string>{"山田　次郎", "山田　太郎"});
    CHECK(by_patient("ハナコ") == std::vector<std::string>{"佐藤　花子"});
    CHECK(by_patient("1234") == std::vector<std::string>{"山田　太郎"});  // padding ignored
    CHECK(by_patient("123").empty());    // numbers match whole, not in part
    CHECK(by_patient("R-").empty());     // reference numbers too
    CHECK(by_patient("%").size() == 1);  // LIKE wildcards are taken literally
    CHECK(by_patient("_").size() == 1);

    CheckFilter ef;
    ef.eligibility = "eligible";
    CHECK(names_of(store->list_checks(ef)) == std::vector<std::string>{"山田　次郎", "山田　太郎"});
    ef.source = "face";
    CHECK(names_of(store->list_checks(ef)) == std::vector<std::string>{"山田　次郎"});
    ef.date = "2026-11-29";
    CHECK(store->list_checks(ef).empty());

    CheckFilter sf;
    sf.source = "bulk";
    CHECK(names_of(store->list_checks(sf)) == std::vector<std::string>{"佐藤　花子"});

    CheckFilter lf;
    lf.limit = 2;
    CHECK(names_of(store->list_checks(lf)) == std::vector<std::string>{"100%_name", "山田　次郎"});
    lf.limit = 0;
    CHECK(store->list_checks(lf).size() == 4);
}

TEST_CASE("store next_sequence counts up per day") {
    TempDir dir;
    const auto path = dir.path() / "mynaq.db";
    auto store = open_store(path);
    for (int i = 1; i <= 5; ++i) CHECK(store->next_sequence("20261130") == i);
    CHECK(store->next_sequence("20261201") == 1);
    CHECK(store->next_sequence("20261130") == 6);
    // A second store object on the same file continues the same counter.
    auto second = open_store(path);
    CHECK(second->next_sequence("20261130") == 7);
    CHECK(store->next_sequence("20261130") == 8);
}

TEST_CASE("store bulk jobs are inserted then updated by id") {
    TempDir dir;
    auto store = open_store(dir.path() / "mynaq.db");
    BulkJob job;
    job.input_sha256 = "sha-of-input";
    job.confirmation_date = "20261130";
    job.facility = "1312345678";
    job.upload_suffix = "20261130000001";
    job.state = "uploading";
    job.created_at = "2026-11-30T08:00:00+09:00";
    const auto id = store->save_bulk_job(job);
    CHECK(id > 0);
    CHECK_FALSE(store->find_bulk_job("other").has_value());
    auto found = store->find_bulk_job("sha-of-input");
    REQUIRE(found.has_value());
    CHECK(found->id == id);
    CHECK(found->facility == "1312345678");
    CHECK(found->state == "uploading");

    found->upload_identifier = "ID-1";
    found->reception_number = "R123";
    found->download_round = 3;
    found->download_suffix = "20261130000004";
    found->state = "waiting";
    CHECK(store->save_bulk_job(*found) == id);
    const auto updated = store->find_bulk_job("sha-of-input");
    REQUIRE(updated.has_value());
    CHECK(updated->upload_identifier == "ID-1");
    CHECK(updated->reception_number == "R123");
    CHECK(updated->download_round == 3);
    CHECK(updated->download_suffix == "20261130000004");
    CHECK(updated->state == "waiting");
    CHECK(updated->confirmation_date == "20261130");
    CHECK(updated->created_at == "2026-11-30T08:00:00+09:00");

    // A second job for the same input is refused: the input is the resume key.
    job.id = 0;
    CHECK(test::error_code_of([&] { store->save_bulk_job(job); }) == Errc::StoreError);
    job.id = id + 100;
    CHECK(test::error_code_of([&] { store->save_bulk_job(job); }) == Errc::NotFound);
}

TEST_CASE("store several processes share sequences and intake") {
    TempDir dir;
    const auto path = dir.path() / "mynaq.db";
    constexpr int kChildren = 4;
    constexpr int kSequences = 50;
    constexpr int kFiles = 20;
    // No connection is open in this process while it forks.
    const auto results = run_children(kChildren, [&](int child, int out) {
        auto store = open_store(path);
        std::string report;
        int recorded = 0;
        for (int i = 0; i < kSequences; ++i) {
            report += fmt::format("{}\n", store->next_sequence("20261130"));
            if (i < kFiles) {
                const auto name = fmt::format("face-{:02}.xml", i);
                auto record =
                    simple_record("2026-11-30T09:00:00+09:00", fmt::format("child {}", child), "",
                                  "", name, "", "face");
                if (store->add_intake({name, "sha-" + name, 0, false}, record)) ++recorded;
            }
        }
        report += fmt::format("{}\n", recorded);
        return write_all(out, report) ? 0 : 4;
    });

    std::vector<int> sequences;
    int recorded = 0;
    for (const auto& result : results) {
        INFO(result.output);
        REQUIRE(result.status == 0);
        auto numbers = parse_numbers(result.output);
        REQUIRE(numbers.size() == kSequences + 1);
        recorded += numbers.back();
        numbers.pop_back();
        // Each process sees its own values rise.
        CHECK(std::is_sorted(numbers.begin(), numbers.end()));
        sequences.insert(sequences.end(), numbers.begin(), numbers.end());
    }
    std::sort(sequences.begin(), sequences.end());
    std::vector<int> expected(kChildren * kSequences);
    for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<int>(i) + 1;
    CHECK(sequences == expected);
    CHECK(recorded == kFiles);

    RawDb raw(path);
    CHECK(raw.number("SELECT count(*) FROM intake") == kFiles);
    CHECK(raw.number("SELECT count(*) FROM checks") == kFiles);
    CHECK(raw.number("SELECT count(*) FROM intake JOIN checks ON checks.id = intake.check_id "
                     "WHERE checks.reference_number = intake.file_name") == kFiles);
}

TEST_CASE("store two processes creating a fresh store at once both succeed") {
    TempDir dir;
    // The race is short; several rounds give it a chance to show.
    for (int round = 0; round < 5; ++round) {
        const auto path = dir.path() / fmt::format("round{}", round) / "mynaq.db";
        const auto results = run_children(2, [&](int child, int) {
            auto store = open_store(path);
            store->add_check(simple_record("2026-11-30T09:00:00+09:00",
                                           fmt::format("child {}", child), "", "", "", "", ""));
            return 0;
        });
        for (const auto& result : results) {
            INFO(result.output);
            CHECK(result.status == 0);
        }
        RawDb raw(path);
        CHECK(raw.number("SELECT count(*) FROM checks") == 2);
        CHECK(raw.number("SELECT count(*) FROM schema_migrations") ==
              raw.number("SELECT max(version) FROM schema_migrations"));
        CHECK(mode_of(path) == 0600);
        CHECK(mode_of(path.parent_path()) == 0700);
    }
}

TEST_CASE("store a corrupt file is a StoreError naming the path") {
    TempDir dir;
    const auto path = dir.path() / "mynaq.db";
    {
        std::ofstream out(path, std::ios::binary);
        for (int i = 0; i < 512; ++i) out << "this is not an SQLite database ";
    }
    try {
        open_store(path);
        FAIL("a corrupt store was opened");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::StoreError);
        CHECK(e.detail().find(path.string()) != std::string::npos);
        CHECK(e.detail().find("not a database") != std::string::npos);
        CHECK(e.fields().at("path") == path.string());
    }
}

TEST_CASE("store an unwritable location is a StoreError") {
    TempDir dir;
    // A parent that is a regular file: refused for root as for anyone.
    const auto file = dir.path() / "plain";
    std::ofstream(file) << "x";
    try {
        open_store(file / "mynaq.db");
        FAIL("a store under a regular file was opened");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::StoreError);
        CHECK(e.fields().at("path") == (file / "mynaq.db").string());
    }

    // A directory without write permission: root ignores modes, so a root run checks it as
    // an unprivileged user in a child process.
    const auto locked = dir.path() / "locked";
    fs::create_directory(locked);
    fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                fs::perms::group_exec | fs::perms::others_read |
                                fs::perms::others_exec);
    fs::permissions(dir.path(),
                    fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    const auto attempt = [&](const fs::path& path) {
        const auto results = run_children(1, [&](int, int) {
            if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) return 5;
            try {
                open_store(path);
            } catch (const Error& e) {
                const bool named = e.fields().count("path") == 1 &&
                                   e.detail().find(path.string()) != std::string::npos;
                return e.code() == Errc::StoreError && named ? 0 : 6;
            }
            return 7;
        });
        return results.at(0).status;
    };
    CHECK(attempt(locked / "mynaq.db") == 0);          // the file cannot be created
    CHECK(attempt(locked / "sub" / "mynaq.db") == 0);  // nor the directory
    CHECK_FALSE(fs::exists(locked / "mynaq.db"));
}

TEST_CASE("store a busy store past the timeout is a StoreError") {
    TempDir dir;
    const auto path = dir.path() / "mynaq.db";
    auto store = open_store(path, 100);
    RawDb other(path);
    other.exec("BEGIN IMMEDIATE");
    try {
        store->add_check(simple_record("2026-11-30T09:00:00+09:00", "A", "", "", "", "", ""));
        FAIL("a write went through while another connection held the lock");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::StoreError);
        CHECK(e.detail().find("locked") != std::string::npos);
        CHECK(e.detail().find(path.string()) != std::string::npos);
    }
    other.exec("ROLLBACK");
    CHECK(store->add_check(simple_record("2026-11-30T09:00:00+09:00", "B", "", "", "", "", "")) >
          0);
}

TEST_CASE("store a full disk is a StoreError and keeps what was committed") {
    TempDir dir;
    const auto path = dir.path() / "mynaq.db";
    std::int64_t pages = 0;
    {
        auto store = open_store(path);
        store->add_check(simple_record("2026-11-30T09:00:00+09:00", "kept", "", "", "", "", ""));
    }
    {
        RawDb raw(path);
        raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
        pages = raw.number("PRAGMA page_count");
    }
    {
        const PageLimit limit(static_cast<int>(pages) + 2);
        auto store = open_store(path);
        try {
            store->add_check(full_record());  // 50 kB: far more than two pages
            FAIL("a write went past the page limit");
        } catch (const Error& e) {
            CHECK(e.code() == Errc::StoreError);
            CHECK(e.detail().find("full") != std::string::npos);
            CHECK(e.fields().at("path") == path.string());
        }
        // The connection stays usable for what fits.
        CHECK(store->list_checks({}).size() == 1);
    }
    auto store = open_store(path);
    const auto rows = store->list_checks({});
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].name == "kept");
    CHECK(store->add_check(full_record()) > 0);
}

TEST_CASE("store default path follows XDG_DATA_HOME then HOME") {
    {
        const EnvVar xdg("XDG_DATA_HOME", "/srv/data");
        CHECK(default_store_path() == fs::path("/srv/data/mynaq/mynaq.db"));
    }
    {
        const EnvVar xdg("XDG_DATA_HOME", nullptr);
        const EnvVar home("HOME", "/home/clinic");
        CHECK(default_store_path() == fs::path("/home/clinic/.local/share/mynaq/mynaq.db"));
    }
    {
        // A relative XDG_DATA_HOME is invalid by the XDG spec and ignored.
        const EnvVar xdg("XDG_DATA_HOME", "relative");
        const EnvVar home("HOME", "/home/clinic");
        CHECK(default_store_path() == fs::path("/home/clinic/.local/share/mynaq/mynaq.db"));
    }
}
