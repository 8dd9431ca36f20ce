// Internal to lib/store: ownership of libpq connections and results, parameterised queries
// only, and one way of turning a PostgreSQL failure into Error{StoreError} that names the
// server (its URL without the password) and PostgreSQL's reason.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mynaq::store::detail::pg {

// "postgresql://user:secret@host/db?password=x" → "postgresql://user@host/db": safe to show
// and to log.
std::string redact_url(std::string_view url);

// Query parameters, all sent as text (PostgreSQL casts them to the column types).
class Params {
public:
    Params& add(std::string_view text);
    Params& add(std::int64_t value);
    Params& add(int value) { return add(std::int64_t{value}); }
    Params& add(bool value) { return add(std::string_view(value ? "true" : "false")); }
    Params& add_null();

    [[nodiscard]] int size() const noexcept { return static_cast<int>(values_.size()); }
    // Pointers into values_, valid until the next add().
    [[nodiscard]] std::vector<const char*> pointers() const;

private:
    std::vector<std::optional<std::string>> values_;
};

class Result {
public:
    explicit Result(PGresult* result) : result_(result) {}

    [[nodiscard]] int rows() const noexcept { return PQntuples(result_.get()); }
    [[nodiscard]] std::string text(int row, int column) const;
    [[nodiscard]] std::int64_t int64(int row, int column) const;
    [[nodiscard]] bool boolean(int row, int column) const;
    // The number of rows an INSERT, UPDATE or DELETE touched.
    [[nodiscard]] std::int64_t affected() const;

private:
    struct Clearer {
        void operator()(PGresult* result) const noexcept { PQclear(result); }
    };
    std::unique_ptr<PGresult, Clearer> result_;
};

// One connection. Not thread-safe: a connection is used by one thread at a time.
class Connection {
public:
    // Waits for locks (rows, tables) at most busy_timeout_ms, like SQLite's busy timeout.
    Connection(const std::string& url, int busy_timeout_ms);
    Connection(Connection&&) = delete;
    Connection& operator=(Connection&&) = delete;

    // The URL without its password.
    [[nodiscard]] const std::string& display_url() const noexcept { return display_url_; }
    [[nodiscard]] PGconn* handle() const noexcept { return conn_.get(); }

    // Runs one statement with $1, $2, ... parameters; throws on any failure.
    Result query(std::string_view sql, const Params& params, std::string_view action) const;
    Result query(std::string_view sql, std::string_view action) const {
        return query(sql, Params{}, action);
    }
    // Several statements without parameters (schema migrations).
    void exec_script(const char* sql, std::string_view action) const;

    // Throws Error{StoreError}: "<action> in the store <url>: <reason>".
    [[noreturn]] void fail(std::string_view action, std::string_view reason) const;

private:
    struct Finisher {
        void operator()(PGconn* conn) const noexcept { PQfinish(conn); }
    };
    [[nodiscard]] Result check(PGresult* result, std::string_view action) const;

    std::string display_url_;
    std::unique_ptr<PGconn, Finisher> conn_;
};

// BEGIN ... COMMIT; rolls back unless committed.
class Transaction {
public:
    explicit Transaction(const Connection& conn);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    void commit();

private:
    const Connection& conn_;
    bool open_ = true;
};

}  // namespace mynaq::store::detail::pg
