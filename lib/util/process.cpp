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
#include <map>

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

// KEY=VALUE strings of our environment with `extra` added or replacing; built before fork
// because the child may only make async-signal-safe calls.
std::vector<std::string> merged_environment(const std::map<std::string, std::string>& extra) {
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) {
        std::string entry(*e);
        const auto name = entry.substr(0, entry.find('='));
        if (extra.count(name) == 0) env_strings.push_back(std::move(entry));
    }
    for (const auto& [k, v] : extra) env_strings.push_back(k + "=" + v);
    return env_strings;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

int exit_code_of(int status) {
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv,
                                     const std::map<std::string, std::string>& env,
                                     const std::string& stdout_file,
                                     const std::string& stderr_file) {
    if (argv.empty()) throw Error(Errc::Internal, "BackgroundProcess without a program");
    std::vector<std::string> arg_strings = argv;
    auto args = pointers(arg_strings);
    auto env_strings = merged_environment(env);
    auto envp = pointers(env_strings);
    const int out = ::open(stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const int err = ::open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const int null_in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out < 0 || err < 0 || null_in < 0) {
        for (int fd : {out, err, null_in}) {
            if (fd >= 0) ::close(fd);
        }
        throw Error(Errc::IoError, "cannot open the output files of " + argv[0]);
    }
    pid_ = ::fork();
    if (pid_ == 0) {
        ::dup2(null_in, STDIN_FILENO);
        ::dup2(out, STDOUT_FILENO);
        ::dup2(err, STDERR_FILENO);
        ::execvpe(args[0], args.data(), envp.data());
        _exit(127);
    }
    ::close(out);
    ::close(err);
    ::close(null_in);
    if (pid_ < 0) throw Error(Errc::IoError, "fork failed");
}

BackgroundProcess::~BackgroundProcess() {
    if (pid_ <= 0 || exit_code_) return;
    ::kill(pid_, SIGTERM);
    if (!wait(std::chrono::milliseconds(2000))) {
        ::kill(pid_, SIGKILL);
        (void)wait(std::chrono::milliseconds(5000));
    }
}

void BackgroundProcess::signal(int signal_number) const {
    if (pid_ > 0 && !exit_code_) ::kill(pid_, signal_number);
}

std::optional<int> BackgroundProcess::wait(std::chrono::milliseconds timeout) {
    if (exit_code_) return exit_code_;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        const pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            exit_code_ = exit_code_of(status);
            return exit_code_;
        }
        if (r < 0 && errno != EINTR) return std::nullopt;
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        ::usleep(5'000);
    }
}

std::string self_executable() {
    return std::filesystem::read_symlink("/proc/self/exe").string();
}

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
    if (argv.empty()) throw Error(Errc::Internal, "run_process without a program");
    Pipe in, out, err;

    // Build argv and envp before fork: only async-signal-safe calls are allowed after it.
    std::vector<std::string> arg_strings = argv;
    auto args = pointers(arg_strings);
    auto env_strings = merged_environment(options.env);
    auto envp = pointers(env_strings);

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
    result.exit_code = exit_code_of(status);
    return result;
}

}  // namespace mynaq
