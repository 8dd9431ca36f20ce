// Internal to lib/store: ownership of sqlite3 handles and statements, and one way of turning
// an SQLite failure into Error{StoreError} that names the store's path and SQLite's reason.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mynaq::store::detail {

class Statement;

// One connection. Not thread-safe: a connection is used by one thread at a time.
class Database {
public:
    // Opens an existing file read-write; never creates it (the caller creates it 0600 first).
    Database(const std::filesystem::path& path, int busy_timeout_ms);
    // Statements point back at their connection, so it stays where it was made.
    Database(Database&&) = delete;
    Database& operator=(Database&&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
    [[nodiscard]] sqlite3* handle() const noexcept { return db_.get(); }

    void exec(const char* sql, std::string_view action) const;
    // The SQLite result code, for callers that handle some failures themselves.
    [[nodiscard]] int try_exec(const char* sql) const noexcept;
    [[nodiscard]] Statement prepare(std::string_view sql) const;
    [[nodiscard]] std::int64_t last_insert_rowid() const;
    [[nodiscard]] int changes() const;

    // Throws Error{StoreError}: "<action> in the store <path>: <reason>".
    [[noreturn]] void fail(int rc, std::string_view action) const;

private:
    struct Closer {
        void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
    };
    std::filesystem::path path_;
    std::unique_ptr<sqlite3, Closer> db_;
};

class Statement {
public:
    Statement(const Database& db, sqlite3_stmt* stmt) : db_(&db), stmt_(stmt) {}

    // Parameters are 1-based, as in SQLite.
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, int value) { return bind(index, std::int64_t{value}); }
    Statement& bind(int index, bool value) { return bind(index, std::int64_t{value ? 1 : 0}); }
    Statement& bind(int index, double value);

    // The index of a named parameter (":name"); 0 when the statement has none by that name.
    [[nodiscard]] int parameter_index(const char* name) const;

    // True while a row is available; false when done. Throws on any error.
    bool step(std::string_view action);
    void run(std::string_view action);  // steps a statement that returns no rows

    [[nodiscard]] std::string text(int column) const;
    // Into an existing string, reusing its capacity: for loops over many rows.
    void text_into(int column, std::string& out) const;
    [[nodiscard]] std::int64_t int64(int column) const;
    [[nodiscard]] double real(int column) const;

private:
    struct Finalizer {
        void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
    };
    const Database* db_;
    std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
};

// BEGIN IMMEDIATE: takes the write lock up front (waiting up to the busy timeout), so that
// read-then-write sequences of different processes never interleave. Rolls back unless
// committed.
class WriteTransaction {
public:
    explicit WriteTransaction(const Database& db);
    ~WriteTransaction();
    WriteTransaction(const WriteTransaction&) = delete;
    WriteTransaction& operator=(const WriteTransaction&) = delete;

    void commit();

private:
    const Database& db_;
    bool open_ = true;
};

}  // namespace mynaq::store::detail
