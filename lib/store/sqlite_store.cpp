// The SQLite store. One SqliteStore (one connection) serves one thread at a time; every
// process opens its own, and writes take the database's write lock with BEGIN IMMEDIATE so
// that several mynaq processes can share one file.
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "audit_common.hpp"
#include "check_columns.hpp"
#include "migrations.hpp"
#include "mynaq/error.hpp"
#include "mynaq/jst.hpp"
#include "mynaq/store.hpp"
#include "sqlite.hpp"
#include "sqlite_audit.hpp"
#include "sqlite_charts.hpp"
#include "sqlite_fallback.hpp"
#include "sqlite_report.hpp"

namespace mynaq {

namespace {

using store::detail::append_audit;
using store::detail::Database;
using store::detail::Statement;
using store::detail::WriteTransaction;

using store::detail::kCheckColumns;

const std::string& select_check_sql() {
    static const std::string sql = [] {
        std::string columns = "id";
        for (const auto& [column, member] : kCheckColumns) {
            columns += ", ";
            columns += column;
        }
        return fmt::format("SELECT {} FROM checks", columns);
    }();
    return sql;
}

const std::string& insert_check_sql() {
    static const std::string sql = [] {
        std::string names;
        std::string params;
        for (const auto& [column, member] : kCheckColumns) {
            if (!names.empty()) {
                names += ", ";
                params += ", ";
            }
            names += column;
            params += '?';
        }
        // person_key is derived from the row (usage_person_key), never given by callers.
        return fmt::format("INSERT INTO checks ({}, person_key) VALUES ({}, ?)", names, params);
    }();
    return sql;
}

CheckRecord read_check(const Statement& stmt) {
    CheckRecord out;
    out.id = stmt.int64(0);
    int column = 1;
    for (const auto& [name, member] : kCheckColumns) out.*member = stmt.text(column++);
    return out;
}

// The check and the consents taken from it; the caller audits the check itself.
std::int64_t insert_check(const Database& db, const CheckRecord& record,
                          const std::string& operator_name) {
    auto stmt = db.prepare(insert_check_sql());
    int index = 1;
    for (const auto& [name, member] : kCheckColumns) stmt.bind(index++, record.*member);
    stmt.bind(index, usage_person_key(record));
    stmt.run("cannot record the check");
    const auto id = db.last_insert_rowid();
    for (ConsentRecord consent : record.consents) {
        consent.check_id = id;
        store::detail::insert_consent(db, consent, operator_name);
    }
    return id;
}

constexpr std::string_view kBulkColumns =
    "id, input_sha256, confirmation_date, facility, upload_suffix, upload_identifier, "
    "reception_number, download_round, download_suffix, state, created_at";

BulkJob read_bulk_job(const Statement& stmt) {
    BulkJob job;
    job.id = stmt.int64(0);
    job.input_sha256 = stmt.text(1);
    job.confirmation_date = stmt.text(2);
    job.facility = stmt.text(3);
    job.upload_suffix = stmt.text(4);
    job.upload_identifier = stmt.text(5);
    job.reception_number = stmt.text(6);
    job.download_round = static_cast<int>(stmt.int64(7));
    job.download_suffix = stmt.text(8);
    job.state = stmt.text(9);
    job.created_at = stmt.text(10);
    return job;
}

// Binds parameters 1..10 in kBulkColumns order, without the id.
void bind_bulk_job(Statement& stmt, const BulkJob& job) {
    stmt.bind(1, job.input_sha256)
        .bind(2, job.confirmation_date)
        .bind(3, job.facility)
        .bind(4, job.upload_suffix)
        .bind(5, job.upload_identifier)
        .bind(6, job.reception_number)
        .bind(7, job.download_round)
        .bind(8, job.download_suffix)
        .bind(9, job.state)
        .bind(10, job.created_at);
}

std::string like_pattern(std::string_view text) {
    std::string out = "%";
    for (char c : text) {
        if (c == '%' || c == '_' || c == '\\') out += '\\';
        out += c;
    }
    out += '%';
    return out;
}

std::string_view trim_spaces(std::string_view text) {
    // Full-width spaces are left alone: SQLite's trim() removes only ASCII spaces too.
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    return text;
}

class SqliteStore final : public Store {
public:
    SqliteStore(const std::filesystem::path& path, int busy_timeout_ms)
        : db_(path, busy_timeout_ms),
          busy_timeout_(busy_timeout_ms),
          operator_(store::detail::default_operator_name()) {}

    void initialise() {
        // Reading the schema first makes a file that is not a database say so plainly.
        db_.exec("SELECT count(*) FROM sqlite_master", "cannot read the database");
        // WAL lets readers continue while another process writes; FULL syncs the WAL on each
        // commit, so a check is on disk before the command reports it.
        enable_wal();
        db_.exec("PRAGMA synchronous = FULL", "cannot set synchronous mode");
        db_.exec("PRAGMA foreign_keys = ON", "cannot enable foreign keys");
        store::detail::migrate(db_);
    }

    std::int64_t add_check(const CheckRecord& record) override {
        WriteTransaction tx(db_);
        const auto id = insert_check(db_, record, operator_);
        // Audited after its consents so that the check's record closes the group.
        append_audit(db_, operator_, "check.add", fmt::format("check:{}", id),
                     store::detail::check_detail(record));
        tx.commit();
        return id;
    }

    [[nodiscard]] std::optional<CheckRecord> check(std::int64_t id) const override {
        auto stmt = db_.prepare(select_check_sql() + " WHERE id = ?");
        stmt.bind(1, id);
        if (!stmt.step("cannot read a check")) return std::nullopt;
        return read_check(stmt);
    }

    [[nodiscard]] std::vector<CheckRecord> list_checks(const CheckFilter& filter) const override {
        std::string sql = select_check_sql() + " WHERE 1";
        if (filter.date) sql += " AND substr(checked_at, 1, 10) = :date";
        if (filter.patient) {
            sql +=
                " AND (reference_number = :patient OR name LIKE :like ESCAPE '\\'"
                " OR name_kana LIKE :like ESCAPE '\\' OR trim(identification_number) = :number)";
        }
        if (filter.eligibility) sql += " AND eligibility = :eligibility";
        if (filter.source) sql += " AND source = :source";
        if (!filter.match_states.empty()) {
            sql += " AND match_state IN (";
            for (std::size_t i = 0; i < filter.match_states.size(); ++i) {
                sql += fmt::format("{}:state{}", i == 0 ? "" : ", ", i);
            }
            sql += ")";
        }
        // A limit of 0 or less means no limit (SQLite reads a negative LIMIT that way).
        sql += " ORDER BY checked_at DESC, id DESC LIMIT :limit";

        auto stmt = db_.prepare(sql);
        const auto at = [&stmt](const char* name) { return stmt.parameter_index(name); };
        if (filter.date) stmt.bind(at(":date"), *filter.date);
        if (filter.patient) {
            stmt.bind(at(":patient"), *filter.patient);
            stmt.bind(at(":like"), like_pattern(*filter.patient));
            stmt.bind(at(":number"), trim_spaces(*filter.patient));
        }
        if (filter.eligibility) stmt.bind(at(":eligibility"), *filter.eligibility);
        if (filter.source) stmt.bind(at(":source"), *filter.source);
        for (std::size_t i = 0; i < filter.match_states.size(); ++i) {
            stmt.bind(stmt.parameter_index(fmt::format(":state{}", i).c_str()),
                      filter.match_states[i]);
        }
        stmt.bind(at(":limit"), filter.limit > 0 ? filter.limit : -1);

        std::vector<CheckRecord> out;
        while (stmt.step("cannot list checks")) out.push_back(read_check(stmt));
        return out;
    }

    std::optional<IntakeRecord> add_intake(const IntakeRecord& intake,
                                           const CheckRecord& record) override {
        WriteTransaction tx(db_);
        if (find_intake(intake.file_name, intake.sha256)) return std::nullopt;  // rolls back
        IntakeRecord out = intake;
        out.check_id = insert_check(db_, record, operator_);
        db_.prepare(
               "INSERT INTO intake (file_name, sha256, check_id, done, recorded_at)"
               " VALUES (?, ?, ?, ?, ?)")
            .bind(1, out.file_name)
            .bind(2, out.sha256)
            .bind(3, out.check_id)
            .bind(4, out.done)
            .bind(5, format_jst_iso(now_seconds()))
            .run("cannot record the intake");
        append_audit(db_, operator_, "intake.add", "intake:" + out.file_name,
                     store::detail::intake_detail(out, record));
        tx.commit();
        return out;
    }

    [[nodiscard]] std::optional<IntakeRecord> intake(const std::string& file_name,
                                                     const std::string& sha256) const override {
        return find_intake(file_name, sha256);
    }

    void mark_intake_done(const std::string& file_name, const std::string& sha256) override {
        WriteTransaction tx(db_);
        db_.prepare("UPDATE intake SET done = 1 WHERE file_name = ? AND sha256 = ?")
            .bind(1, file_name)
            .bind(2, sha256)
            .run("cannot mark the intake done");
        if (db_.changes() == 0) {
            throw Error(Errc::NotFound,
                        fmt::format("no intake of {} (sha256 {}) in the store {}", file_name,
                                    sha256, db_.path().string()),
                        {{"path", db_.path().string()}, {"file", file_name}});
        }
        append_audit(db_, operator_, "intake.done", "intake:" + file_name,
                     nlohmann::json{{"sha256", sha256}}.dump());
        tx.commit();
    }

    [[nodiscard]] std::optional<BulkJob> find_bulk_job(
        const std::string& input_sha256) const override {
        auto stmt = db_.prepare(
            fmt::format("SELECT {} FROM bulk_jobs WHERE input_sha256 = ?", kBulkColumns));
        stmt.bind(1, input_sha256);
        if (!stmt.step("cannot read a bulk job")) return std::nullopt;
        return read_bulk_job(stmt);
    }

    std::int64_t save_bulk_job(const BulkJob& job) override {
        WriteTransaction tx(db_);
        std::int64_t id = job.id;
        if (id == 0) {
            auto stmt = db_.prepare(
                "INSERT INTO bulk_jobs (input_sha256, confirmation_date, facility, upload_suffix,"
                " upload_identifier, reception_number, download_round, download_suffix, state,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
            bind_bulk_job(stmt, job);
            stmt.run("cannot record the bulk job");
            id = db_.last_insert_rowid();
        } else {
            auto stmt = db_.prepare(
                "UPDATE bulk_jobs SET input_sha256 = ?, confirmation_date = ?, facility = ?,"
                " upload_suffix = ?, upload_identifier = ?, reception_number = ?,"
                " download_round = ?, download_suffix = ?, state = ?, created_at = ?"
                " WHERE id = ?");
            bind_bulk_job(stmt, job);
            stmt.bind(11, id);
            stmt.run("cannot update the bulk job");
            if (db_.changes() == 0) {
                throw Error(Errc::NotFound,
                            fmt::format("no bulk job {} in the store {}", id, db_.path().string()),
                            {{"path", db_.path().string()}});
            }
        }
        append_audit(db_, operator_, "bulk.save", store::detail::bulk_object(job, id),
                     store::detail::bulk_detail(job, id));
        tx.commit();
        return id;
    }

    int next_sequence(const std::string& yyyymmdd) override {
        WriteTransaction tx(db_);
        auto stmt = db_.prepare(
            "INSERT INTO sequences (day, value) VALUES (?, 1)"
            " ON CONFLICT (day) DO UPDATE SET value = value + 1 RETURNING value");
        stmt.bind(1, yyyymmdd);
        if (!stmt.step("cannot advance the sequence")) {
            db_.fail(SQLITE_INTERNAL, "the sequence returned no value");
        }
        const auto value = static_cast<int>(stmt.int64(0));
        stmt.run("cannot advance the sequence");
        tx.commit();
        return value;
    }

    [[nodiscard]] std::filesystem::path location() const override { return db_.path(); }

    [[nodiscard]] int schema_version() const override {
        auto stmt = db_.prepare("SELECT coalesce(max(version), 0) FROM schema_migrations");
        return stmt.step("read the schema version") ? static_cast<int>(stmt.int64(0)) : 0;
    }

    void set_operator(std::string operator_name) override {
        if (operator_name.empty()) throw Error(Errc::InvalidArgument, "the operator is empty");
        operator_ = std::move(operator_name);
    }

    std::int64_t add_consent(const ConsentRecord& consent) override {
        WriteTransaction tx(db_);
        const auto id = store::detail::insert_consent(db_, consent, operator_);
        tx.commit();
        return id;
    }

    [[nodiscard]] std::vector<ConsentRecord> list_consents(
        const ConsentFilter& filter) const override {
        return store::detail::select_consents(db_, filter);
    }

    std::int64_t add_fallback_case(const FallbackCaseRow& row) override {
        return store::detail::insert_fallback_case(db_, row, operator_);
    }

    void update_fallback_cases(const std::vector<FallbackCaseRow>& rows) override {
        store::detail::update_fallback_cases(db_, rows, operator_);
    }

    [[nodiscard]] std::optional<FallbackCaseRow> fallback_case(std::int64_t id) const override {
        return store::detail::select_fallback_case(db_, id);
    }

    [[nodiscard]] std::vector<FallbackCaseRow> list_fallback_cases(
        const FallbackCaseFilter& filter) const override {
        return store::detail::select_fallback_cases(db_, filter);
    }

    void set_receipts(const std::vector<ReceiptCount>& rows) override {
        store::detail::upsert_receipts(db_, rows, operator_);
    }

    [[nodiscard]] std::vector<ReceiptCount> list_receipts(
        const std::string& from_month, const std::string& to_month,
        const std::vector<std::string>& sites) const override {
        return store::detail::select_receipts(db_, from_month, to_month, sites);
    }

    void set_notified_rates(const std::vector<NotifiedRate>& rows) override {
        store::detail::upsert_notified_rates(db_, rows, operator_);
    }

    [[nodiscard]] std::vector<NotifiedRate> list_notified_rates(
        const std::string& from_month, const std::string& to_month,
        const std::vector<std::string>& sites) const override {
        return store::detail::select_notified_rates(db_, from_month, to_month, sites);
    }

    [[nodiscard]] std::vector<MonthlyUsers> monthly_users(
        const std::string& from_month, const std::string& to_month,
        const std::vector<std::string>& sites) const override {
        return store::detail::select_monthly_users(db_, from_month, to_month, sites);
    }

    void save_charts(const std::vector<ChartRecord>& charts) override {
        store::detail::upsert_charts(db_, charts, operator_);
    }

    [[nodiscard]] std::optional<ChartRecord> chart(const std::string& chart_id) const override {
        auto rows = store::detail::select_charts(db_, ChartFilter{}, &chart_id);
        if (rows.empty()) return std::nullopt;
        return std::move(rows.front());
    }

    [[nodiscard]] std::vector<ChartRecord> list_charts(const ChartFilter& filter) const override {
        return store::detail::select_charts(db_, filter);
    }

    void set_check_match(std::int64_t check_id, const CheckMatch& match) override {
        store::detail::update_check_match(db_, check_id, match, operator_);
    }

    std::int64_t add_medical_result(const MedicalResultRecord& result) override {
        return store::detail::insert_medical_result(db_, result, operator_);
    }

    using Store::latest_medical_result;
    [[nodiscard]] std::optional<MedicalResultRecord> latest_medical_result(
        const std::string& patient_key, const std::string& kind,
        const std::string& format) const override {
        return store::detail::select_latest_medical_result(db_, patient_key, kind, format);
    }

    void audit(const std::string& action, const std::string& object,
               const std::string& detail) override {
        if (action.empty()) throw Error(Errc::InvalidArgument, "an audit record needs an action");
        WriteTransaction tx(db_);
        append_audit(db_, operator_, action, object, detail);
        tx.commit();
    }

    [[nodiscard]] std::vector<AuditRecord> list_audit(const AuditFilter& filter) const override {
        return store::detail::select_audit(db_, filter);
    }

    void for_each_audit(const std::function<bool(const AuditRecord&)>& visit) const override {
        store::detail::each_audit(db_, visit);
    }

    [[nodiscard]] AuditRecord audit_head() const override {
        return store::detail::read_audit_head(db_);
    }

    PurgeReport purge(const std::string& before, const RetentionRules& rules) override {
        return store::detail::purge_records(db_, before, rules, operator_);
    }

private:
    void enable_wal() {
        // The switch needs an exclusive lock, and SQLite does not wait for one while holding a
        // shared lock (that could deadlock): when two processes create the store at once, one
        // is told "locked" at once. It retries here within the busy timeout.
        const auto deadline = std::chrono::steady_clock::now() + busy_timeout_;
        for (;;) {
            const int rc = db_.try_exec("PRAGMA journal_mode = WAL");
            if (rc == SQLITE_OK) return;
            if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= deadline) {
                db_.fail(rc, "cannot switch to WAL");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }

    [[nodiscard]] std::optional<IntakeRecord> find_intake(const std::string& file_name,
                                                          const std::string& sha256) const {
        auto stmt = db_.prepare(
            "SELECT file_name, sha256, check_id, done FROM intake"
            " WHERE file_name = ? AND sha256 = ?");
        stmt.bind(1, file_name).bind(2, sha256);
        if (!stmt.step("cannot read an intake")) return std::nullopt;
        return IntakeRecord{stmt.text(0), stmt.text(1), stmt.int64(2), stmt.int64(3) != 0};
    }

    Database db_;
    std::chrono::milliseconds busy_timeout_;
    std::string operator_;
};

[[noreturn]] void os_error(const std::filesystem::path& path, std::string_view action, int err) {
    throw Error(Errc::StoreError,
                fmt::format("{} for the store {}: {}", action, path.string(), std::strerror(err)),
                {{"path", path.string()}});
}

// Missing directories are made 0700: the store holds patients' data.
void create_private_directories(const std::filesystem::path& store_path) {
    const auto dir = store_path.parent_path();
    std::filesystem::path prefix;
    for (const auto& part : dir) {
        prefix /= part;
        if (::mkdir(prefix.c_str(), 0700) == 0) {
            // The umask may have removed more than group and other bits.
            if (::chmod(prefix.c_str(), 0700) != 0) {
                os_error(store_path, "cannot set the mode of " + prefix.string(), errno);
            }
        } else if (errno != EEXIST) {
            os_error(store_path, "cannot create the directory " + prefix.string(), errno);
        }
    }
}

// SQLite would create the file with 0644 less the umask; creating it first makes it 0600 from
// the first byte. An existing file keeps the mode its owner gave it.
void create_private_file(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST) return;
        os_error(path, "cannot create the database file", errno);
    }
    const int rc = ::fchmod(fd, 0600);
    const int err = errno;
    ::close(fd);
    if (rc != 0) os_error(path, "cannot set the mode of the database file", err);
}

// SQLite gives -wal and -shm the database file's mode; this holds even if that ever changes.
void restrict_sidecars(const std::filesystem::path& path) {
    struct stat db {};
    if (::stat(path.c_str(), &db) != 0) return;
    for (const char* suffix : {"-wal", "-shm"}) {
        const auto sidecar = path.string() + suffix;
        struct stat st {};
        if (::stat(sidecar.c_str(), &st) == 0 && (st.st_mode & 0777) != (db.st_mode & 0777)) {
            ::chmod(sidecar.c_str(), db.st_mode & 0777);
        }
    }
}

}  // namespace

std::filesystem::path default_store_path() {
    const char* xdg = std::getenv("XDG_DATA_HOME");
    // The XDG spec says a relative value is invalid and to be ignored.
    if (xdg != nullptr && *xdg == '/') return std::filesystem::path(xdg) / "mynaq" / "mynaq.db";
    std::filesystem::path home;
    if (const char* env = std::getenv("HOME"); env != nullptr && *env != '\0') {
        home = env;
    } else if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr && pw->pw_dir != nullptr) {
        home = pw->pw_dir;
    }
    if (home.empty()) {
        throw Error(Errc::StoreError,
                    "cannot place the store: neither XDG_DATA_HOME nor HOME is set");
    }
    return home / ".local" / "share" / "mynaq" / "mynaq.db";
}

std::unique_ptr<Store> open_sqlite_store(const StoreOptions& options) {
    if (options.path.empty()) throw Error(Errc::Usage, "the store path is empty");
    create_private_directories(options.path);
    create_private_file(options.path);
    auto store = std::make_unique<SqliteStore>(options.path, options.busy_timeout_ms);
    store->initialise();
    restrict_sidecars(options.path);
    return store;
}

}  // namespace mynaq
