// A private PostgreSQL server for the tests of this process (scripts/pg-test-server.sh on a
// free port in a temporary directory), started on first use and stopped when the process
// exits, and a fresh database per test case.
//
// When the PostgreSQL server binaries are missing, using the server throws with a message
// saying so: the PostgreSQL tests fail, they are never skipped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mynaq::test {

struct ProcessResult {
    int status = -1;     // exit status; 128 + signal when killed
    std::string output;  // stdout and stderr
};

// Runs argv[0] (looked up in PATH) without a shell and waits for it.
ProcessResult run_process(const std::vector<std::string>& argv);

class PgServer {
public:
    // Starts the server on first call; throws std::runtime_error when it cannot.
    static PgServer& instance();

    // postgresql://postgres@127.0.0.1:PORT/<database>
    [[nodiscard]] std::string url(const std::string& database = "postgres") const;

    // Runs SQL with psql against `database`; throws std::runtime_error with psql's message on
    // failure. Returns the output unaligned, without headers (one row per line).
    std::string psql(const std::string& database, const std::string& sql) const;

    PgServer(const PgServer&) = delete;
    PgServer& operator=(const PgServer&) = delete;
    ~PgServer();

private:
    PgServer();
    std::string dir_;
    int port_ = 0;
    int owner_pid_ = 0;
    std::string psql_;
};

// CREATE DATABASE t_<random> on the shared server; dropped again by the destructor.
class PgDatabase {
public:
    PgDatabase();
    ~PgDatabase();
    PgDatabase(const PgDatabase&) = delete;
    PgDatabase& operator=(const PgDatabase&) = delete;

    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    [[nodiscard]] std::string url() const;

    // Runs SQL directly (to look at what the store wrote, or to tamper with it).
    std::string exec(const std::string& sql) const;
    std::int64_t number(const std::string& sql) const;

private:
    std::string name_;
};

}  // namespace mynaq::test
