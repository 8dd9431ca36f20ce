#include "sqlite.hpp"

#include <fmt/format.h>

#include "mynaq/error.hpp"

namespace mynaq::store::detail {

namespace {

[[noreturn]] void throw_store_error(const std::filesystem::path& path, std::string_view action,
                                    std::string_view reason) {
    throw Error(Errc::StoreError,
                fmt::format("{} in the store {}: {}", action, path.string(), reason),
                {{"path", path.string()}});
}

std::string reason_of(sqlite3* db, int rc) {
    const std::string generic = sqlite3_errstr(rc);
    if (db == nullptr) return generic;
    const std::string specific = sqlite3_errmsg(db);
    // errmsg is often the generic text itself; repeat it only when it says something more.
    if (specific.empty() || specific == generic) return generic;
    return fmt::format("{} ({})", specific, generic);
}

}  // namespace

Database::Database(const std::filesystem::path& path, int busy_timeout_ms) : path_(path) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
    // sqlite3_open_v2 hands out a handle even on failure; it carries the message.
    db_.reset(raw);
    if (rc != SQLITE_OK) {
        throw_store_error(path_, "cannot open the database", reason_of(raw, rc));
    }
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, busy_timeout_ms);
    // SQLite quietly falls back to read-only when the file cannot be opened for writing;
    // every later write would fail, so refuse at once.
    if (sqlite3_db_readonly(raw, "main") == 1) {
        throw_store_error(path_, "cannot open the database for writing",
                          sqlite3_errstr(SQLITE_READONLY));
    }
}

void Database::exec(const char* sql, std::string_view action) const {
    const int rc = try_exec(sql);
    if (rc != SQLITE_OK) fail(rc, action);
}

int Database::try_exec(const char* sql) const noexcept {
    return sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
}

Statement Database::prepare(std::string_view sql) const {
    sqlite3_stmt* stmt = nullptr;
    const int rc =
        sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
    Statement out(*this, stmt);
    if (rc != SQLITE_OK) fail(rc, "cannot prepare a statement");
    return out;
}

std::int64_t Database::last_insert_rowid() const {
    return sqlite3_last_insert_rowid(db_.get());
}

int Database::changes() const {
    return sqlite3_changes(db_.get());
}

void Database::fail(int rc, std::string_view action) const {
    throw_store_error(path_, action, reason_of(db_.get(), rc));
}

Statement& Statement::bind(int index, std::string_view text) {
    const int rc = sqlite3_bind_text64(stmt_.get(), index, text.data(), text.size(),
                                       SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK) db_->fail(rc, "cannot bind a value");
    return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
    const int rc = sqlite3_bind_int64(stmt_.get(), index, value);
    if (rc != SQLITE_OK) db_->fail(rc, "cannot bind a value");
    return *this;
}

Statement& Statement::bind(int index, double value) {
    const int rc = sqlite3_bind_double(stmt_.get(), index, value);
    if (rc != SQLITE_OK) db_->fail(rc, "cannot bind a value");
    return *this;
}

int Statement::parameter_index(const char* name) const {
    return sqlite3_bind_parameter_index(stmt_.get(), name);
}

bool Statement::step(std::string_view action) {
    const int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    db_->fail(rc, action);
}

void Statement::run(std::string_view action) {
    while (step(action)) {
    }
}

std::string Statement::text(int column) const {
    const auto* data = sqlite3_column_text(stmt_.get(), column);
    const int size = sqlite3_column_bytes(stmt_.get(), column);
    if (data == nullptr) return {};
    return {reinterpret_cast<const char*>(data), static_cast<std::size_t>(size)};
}

void Statement::text_into(int column, std::string& out) const {
    const auto* data = sqlite3_column_text(stmt_.get(), column);
    const int size = sqlite3_column_bytes(stmt_.get(), column);
    if (data == nullptr) {
        out.clear();
        return;
    }
    out.assign(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
}

std::int64_t Statement::int64(int column) const {
    return sqlite3_column_int64(stmt_.get(), column);
}

double Statement::real(int column) const {
    return sqlite3_column_double(stmt_.get(), column);
}

WriteTransaction::WriteTransaction(const Database& db) : db_(db) {
    db_.exec("BEGIN IMMEDIATE", "cannot start a write (another mynaq may hold the store)");
}

WriteTransaction::~WriteTransaction() {
    if (open_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void WriteTransaction::commit() {
    db_.exec("COMMIT", "cannot commit");
    open_ = false;
}

}  // namespace mynaq::store::detail
