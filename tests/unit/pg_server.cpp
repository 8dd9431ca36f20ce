#include "pg_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

namespace mynaq::test {

namespace fs = std::filesystem;

namespace {

const fs::path kScript = fs::path(MYNAQ_TEST_DATADIR) / ".." / "scripts" / "pg-test-server.sh";

// A port nobody listens on right now; the server start retries if another process takes it
// in between.
int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("cannot create a socket to find a free port");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t length = sizeof addr;
    const bool ok = ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0 &&
                    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) == 0;
    ::close(fd);
    if (!ok) throw std::runtime_error("cannot find a free port");
    return ntohs(addr.sin_port);
}

// psql of the newest installed PostgreSQL, else the one in PATH.
std::string find_psql() {
    std::string best;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
        const auto candidate = entry.path() / "bin" / "psql";
        if (::access(candidate.c_str(), X_OK) == 0 && candidate.string() > best) {
            best = candidate.string();
        }
    }
    return best.empty() ? "psql" : best;
}

std::string random_suffix() {
    static std::mt19937_64 engine{std::random_device{}() ^ static_cast<std::uint64_t>(::getpid())
                                                               << 32};
    return fmt::format("{:016x}", engine());
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::dup2(out[1], STDOUT_FILENO);
        ::dup2(out[1], STDERR_FILENO);
        std::vector<char*> args;
        for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
        args.push_back(nullptr);
        ::execvp(args[0], args.data());
        const auto message = fmt::format("cannot run {}: {}\n", argv[0], std::strerror(errno));
        (void)::write(STDERR_FILENO, message.data(), message.size());
        ::_exit(127);
    }
    ::close(out[1]);
    ProcessResult result;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(out[0], buffer, sizeof buffer);
        if (n > 0) {
            result.output.append(buffer, static_cast<std::size_t>(n));
        } else if (n == 0 || errno != EINTR) {
            break;
        }
    }
    ::close(out[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

PgServer& PgServer::instance() {
    // A failed start is not retried by every later test case: each reports the same reason.
    static std::string failure;
    if (!failure.empty()) throw std::runtime_error(failure);
    try {
        static PgServer server;
        return server;
    } catch (const std::exception& e) {
        failure = e.what();
        throw;
    }
}

PgServer::PgServer() : owner_pid_(::getpid()), psql_(find_psql()) {
    std::string pattern = (fs::temp_directory_path() / "mynaq-pg-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("cannot create a directory for the PostgreSQL test server");
    }
    dir_ = pattern;
    std::string last;
    for (int attempt = 0; attempt < 3; ++attempt) {
        port_ = free_port();
        const auto result =
            run_process({"bash", kScript.string(), "start", dir_, std::to_string(port_)});
        if (result.status == 0) {
            // pg_ctl -w waited for the server; one query proves it answers on TCP.
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
            for (;;) {
                const auto probe =
                    run_process({psql_, "-X", "-q", "-At", "-d", url(), "-c", "SELECT 1"});
                if (probe.status == 0) return;
                if (std::chrono::steady_clock::now() > deadline) {
                    last = "the server does not accept connections: " + probe.output;
                    break;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
        } else {
            last = result.output;
        }
        (void)run_process({"bash", kScript.string(), "stop", dir_});
        // The binaries are missing: trying other ports will not help.
        if (result.status == 3) break;
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
    throw std::runtime_error(
        fmt::format("cannot start the PostgreSQL test server ({} start): {}\nThe PostgreSQL "
                    "tests need the Debian packages postgresql and libpq-dev "
                    "(scripts/install-deps.sh).",
                    kScript.string(), last));
}

PgServer::~PgServer() {
    // Forked children leave with _exit; this only guards against one that does not.
    if (::getpid() != owner_pid_) return;
    (void)run_process({"bash", kScript.string(), "stop", dir_});
    std::error_code ec;
    fs::remove_all(dir_, ec);
}

std::string PgServer::url(const std::string& database) const {
    return fmt::format("postgresql://postgres@127.0.0.1:{}/{}", port_, database);
}

std::string PgServer::psql(const std::string& database, const std::string& sql) const {
    const auto result = run_process(
        {psql_, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", url(database), "-c", sql});
    if (result.status != 0) {
        throw std::runtime_error(fmt::format("psql failed ({}): {}", sql, result.output));
    }
    return result.output;
}

PgDatabase::PgDatabase() : name_("t_" + random_suffix()) {
    PgServer::instance().psql("postgres", fmt::format("CREATE DATABASE {}", name_));
}

PgDatabase::~PgDatabase() {
    try {
        PgServer::instance().psql("postgres",
                                  fmt::format("DROP DATABASE IF EXISTS {} WITH (FORCE)", name_));
    } catch (const std::exception&) {
        // The server goes away with the process anyway.
    }
}

std::string PgDatabase::url() const {
    return PgServer::instance().url(name_);
}

std::string PgDatabase::exec(const std::string& sql) const {
    auto out = PgServer::instance().psql(name_, sql);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

std::int64_t PgDatabase::number(const std::string& sql) const {
    const auto text = exec(sql);
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) {
        throw std::runtime_error(fmt::format("not a number from ({}): {}", sql, text));
    }
    return value;
}

}  // namespace mynaq::test
