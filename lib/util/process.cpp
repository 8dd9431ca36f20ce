#include "mynaq/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "mynaq/error.hpp"

extern char** environ;

namespace mynaq {

namespace {

struct Pipe {
    int read = -1, write = -1;
    Pipe() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) throw Error(Errc::IoError, "pipe failed");
        read = fds[0];
        write = fds[1];
    }
    ~Pipe() { close_both(); }
    Pipe(const Pipe&) = delete;
    Pipe& operator=(const Pipe&) = delete;
    void close_read() {
        if (read >= 0) ::close(read);
        read = -1;
    }
    void close_write() {
        if (write >= 0) ::close(write);
        write = -1;
    }
    void close_both() {
        close_read();
        close_write();
    }
};

}  // namespace

std::string self_executable() {
    return std::filesystem::read_symlink("/proc/self/exe").string();
}

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
    if (argv.empty()) throw Error(Errc::Internal, "run_process without a program");
    Pipe in, out, err;

    // Build argv and envp before fork: only async-signal-safe calls are allowed after it.
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) {
        std::string entry(*e);
        const auto name = entry.substr(0, entry.find('='));
        if (options.env.count(name) == 0) env_strings.push_back(std::move(entry));
    }
    for (const auto& [k, v] : options.env) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);

    // Prepared before fork: after it, the child may only make async-signal-safe calls.
    const std::string exec_failed = "mynaq: cannot execute " + argv[0] + "\n";

    const pid_t pid = ::fork();
    if (pid < 0) throw Error(Errc::IoError, "fork failed");
    if (pid == 0) {
        if (!options.inherit_stdin) ::dup2(in.read, STDIN_FILENO);
        if (options.capture_output) {
            ::dup2(out.write, STDOUT_FILENO);
            ::dup2(err.write, STDERR_FILENO);
        }
        // execvpe looks the program up in PATH, as a shell would.
        ::execvpe(args[0], args.data(), envp.data());
        [[maybe_unused]] auto n = ::write(STDERR_FILENO, exec_failed.data(), exec_failed.size());
        _exit(127);
    }
    in.close_read();
    out.close_write();
    err.close_write();
    if (options.stdin_data) {
        const std::string& data = *options.stdin_data;
        // Small inputs (a PIN line) fit the pipe buffer; no need to interleave with reads.
        [[maybe_unused]] auto n = ::write(in.write, data.data(), data.size());
    }
    in.close_write();

    ProcessResult result;
    const auto deadline = std::chrono::steady_clock::now() + options.timeout;
    if (options.capture_output) {
        std::array<pollfd, 2> fds{{{out.read, POLLIN, 0}, {err.read, POLLIN, 0}}};
        int open_count = 2;
        std::array<char, 4096> buffer{};
        while (open_count > 0) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                result.timed_out = true;
                ::kill(pid, SIGKILL);
                break;
            }
            if (::poll(fds.data(), fds.size(), static_cast<int>(left.count())) < 0) {
                if (errno == EINTR) continue;
                break;
            }
            for (std::size_t i = 0; i < fds.size(); ++i) {
                if (fds[i].fd < 0 || fds[i].revents == 0) continue;
                const ssize_t n = ::read(fds[i].fd, buffer.data(), buffer.size());
                if (n <= 0) {
                    fds[i].fd = -1;
                    --open_count;
                } else {
                    (i == 0 ? result.out : result.err)
                        .append(buffer.data(), static_cast<std::size_t>(n));
                }
            }
        }
    }
    int status = 0;
    while (true) {
        const pid_t r = ::waitpid(pid, &status, options.capture_output ? 0 : WNOHANG);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) break;
        if (!options.capture_output) {
            if (std::chrono::steady_clock::now() > deadline) {
                result.timed_out = true;
                ::kill(pid, SIGKILL);
            }
            ::usleep(10'000);
        }
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

}  // namespace mynaq
