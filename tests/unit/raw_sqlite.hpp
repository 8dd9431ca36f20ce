// What the SQLite store tests share: a temporary directory for the database, the store opened
// on it, and a direct connection to look at what the store wrote or to tamper with it the way
// someone with the file (or the sqlite3 CLI) could.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include <doctest/doctest.h>

#include "mynaq/files.hpp"
#include "mynaq/store.hpp"

namespace mynaq::test {

class StoreDir : public TemporaryDirectory {
public:
    explicit StoreDir(const std::string& prefix = "mynaq-store") : TemporaryDirectory(prefix) {}
    // Tests that take permissions away must not leave an undeletable directory behind.
    ~StoreDir() {
        std::error_code ec;
        std::filesystem::permissions(path(), std::filesystem::perms::owner_all, ec);
    }
    StoreDir(const StoreDir&) = delete;
    StoreDir& operator=(const StoreDir&) = delete;

    [[nodiscard]] std::filesystem::path db(const std::string& name = "mynaq.db") const {
        return path() / name;
    }
};

inline std::unique_ptr<Store> open_test_store(const std::filesystem::path& path,
                                              int busy_timeout_ms = 30'000) {
    return open_sqlite_store({path, busy_timeout_ms});
}

class RawDb {
public:
    explicit RawDb(const std::filesystem::path& path) {
        sqlite3* raw = nullptr;
        const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
        db_.reset(raw);
        REQUIRE(rc == SQLITE_OK);
        sqlite3_busy_timeout(raw, 10'000);
    }

    // The SQLite result code, for statements the store's triggers are meant to refuse.
    int try_exec(const std::string& sql) {
        return sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, nullptr);
    }

    void exec(const std::string& sql) {
        const int rc = try_exec(sql);
        INFO(sql << ": " << sqlite3_errmsg(db_.get()));
        REQUIRE(rc == SQLITE_OK);
    }

    // Every row, columns joined by '|', rows by '\n'.
    std::string rows(const std::string& sql) {
        const auto stmt = prepare(sql);
        std::string out;
        while (sqlite3_step(stmt.get()) == SQLITE_ROW) {
            if (!out.empty()) out += '\n';
            for (int column = 0; column < sqlite3_column_count(stmt.get()); ++column) {
                if (column > 0) out += '|';
                const auto* text = sqlite3_column_text(stmt.get(), column);
                if (text != nullptr) out += reinterpret_cast<const char*>(text);
            }
        }
        return out;
    }

    // The first column of the only row.
    std::string text(const std::string& sql) {
        const auto stmt = only_row(sql);
        const auto* value = sqlite3_column_text(stmt.get(), 0);
        return value != nullptr ? reinterpret_cast<const char*>(value) : "";
    }

    // The first column of the only row as a number (NULL is 0).
    std::int64_t number(const std::string& sql) {
        return sqlite3_column_int64(only_row(sql).get(), 0);
    }

private:
    using Statement = std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)>;

    Statement prepare(const std::string& sql) {
        sqlite3_stmt* raw = nullptr;
        INFO(sql);
        REQUIRE(sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &raw, nullptr) == SQLITE_OK);
        return {raw, &sqlite3_finalize};
    }

    Statement only_row(const std::string& sql) {
        auto stmt = prepare(sql);
        INFO(sql);
        REQUIRE(sqlite3_step(stmt.get()) == SQLITE_ROW);
        return stmt;
    }

    std::unique_ptr<sqlite3, decltype(&sqlite3_close_v2)> db_{nullptr, &sqlite3_close_v2};
};

}  // namespace mynaq::test
