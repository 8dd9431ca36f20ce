#include "tty_session.hpp"

#include <signal.h>
#include <sys/un.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <thread>

#include "mynaq/process.hpp"

namespace ttyrig {

namespace fs = std::filesystem;

namespace {

constexpr auto kPoll = 50ms;
constexpr auto kTmuxTimeout = 10s;

// tmux's argument parser treats an argument ending in ';' as a command separator; a backslash
// before that ';' makes it literal (and is removed).
std::string tmux_literal(const std::string& arg) {
    if (arg.empty() || arg.back() != ';') return arg;
    return arg.substr(0, arg.size() - 1) + "\\;";
}

std::string sh_quote(const std::string& text) {
    std::string out = "'";
    for (const char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::optional<int> parse_int(const std::string& text) {
    if (text.empty()) return std::nullopt;
    try {
        std::size_t used = 0;
        const int value = std::stoi(text, &used);
        if (used == text.size()) return value;
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

std::string without_newline(std::string text) {
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
}

std::string trim_trailing_blank_lines(std::string text) {
    const auto last = text.find_last_not_of(" \n");
    if (last == std::string::npos) return {};
    const auto end = text.find('\n', last);
    // Trailing spaces on the last written line stay: a prompt such as "名前? " ends in one.
    if (end != std::string::npos) text.erase(end);
    return text + "\n";
}

}  // namespace

TtySession::TtySession(const std::vector<std::string>& argv, const TtyOptions& options) {
    if (argv.empty()) throw std::invalid_argument("TtySession without a program");
    if (options.width <= 0 || options.height <= 0) {
        throw std::invalid_argument("TtySession needs a positive terminal size");
    }
    std::string pattern = (fs::temp_directory_path() / "mynaq-tty-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    try {
        start(argv, options);
    } catch (...) {
        stop();
        throw;
    }
}

TtySession::~TtySession() {
    stop();
}

void TtySession::start(const std::vector<std::string>& argv, const TtyOptions& options) {
    if (socket_path().string().size() >= sizeof(sockaddr_un::sun_path)) {
        throw std::runtime_error("socket path too long for tmux: " + socket_path().string());
    }
    {
        // Read when the server starts, so it holds before the program can end: a dead pane
        // stays (its exit status readable), the pane is the whole terminal, no user
        // configuration applies.
        std::ofstream conf(dir_ / "tmux.conf");
        conf << "set -g remain-on-exit on\n"
                "set -g status off\n"
                "set -g default-terminal tmux-256color\n"
                "set -g history-limit 50000\n";
        if (!conf) throw std::runtime_error("cannot write " + (dir_ / "tmux.conf").string());
    }

    std::vector<std::string> args{"new-session",
                                  "-d",
                                  "-s",
                                  "mynaq",
                                  "-x",
                                  std::to_string(options.width),
                                  "-y",
                                  std::to_string(options.height),
                                  "-P",
                                  "-F",
                                  "#{pane_id} #{pane_pid}"};
    if (!options.cwd.empty()) {
        args.emplace_back("-c");
        args.push_back(options.cwd.string());
    }
    // env(1) then execs the program, so the pane's process is the program itself. Passing
    // more than one argument also makes tmux execute them directly, not through a shell.
    args.emplace_back("--");
    args.emplace_back("env");
    for (const auto& name : options.unset_env) {
        args.emplace_back("-u");
        args.push_back(name);
    }
    for (const auto& [name, value] : options.env) {
        if (name.empty() || name.find('=') != std::string::npos) {
            throw std::invalid_argument("bad environment variable name: " + name);
        }
        args.push_back(name + "=" + value);
    }
    args.insert(args.end(), argv.begin(), argv.end());

    const std::string ids = without_newline(tmux(args));
    const auto space = ids.find(' ');
    const auto pid = space == std::string::npos ? std::nullopt : parse_int(ids.substr(space + 1));
    if (!pid) throw std::runtime_error("unexpected answer from tmux new-session: " + ids);
    pane_ = ids.substr(0, space);
    program_pid_ = *pid;

    const auto server = without_newline(tmux({"display-message", "-p", "#{pid}"}));
    const auto server_pid = parse_int(server);
    if (!server_pid) throw std::runtime_error("unexpected tmux server pid: " + server);
    server_pid_ = *server_pid;

    // Should this test process die without running the destructor (a ctest timeout), the
    // server and the program must not outlive it.
    const std::string watchdog = "while kill -0 " + std::to_string(::getpid()) +
                                 " 2>/dev/null; do sleep 1; done; rm -rf " +
                                 sh_quote(dir_.string()) + "; kill " + std::to_string(server_pid_);
    (void)tmux({"run-shell", "-b", watchdog});
}

void TtySession::stop() noexcept {
    try {
        if (!pane_.empty() && running()) {
            kill_program(SIGHUP);
            if (!wait_exit(2s)) {
                kill_program(SIGKILL);
                (void)wait_exit(2s);
            }
        }
    } catch (const std::exception&) {
        // The server may be gone already; killing it below is what matters.
    }
    try {
        if (fs::exists(socket_path())) (void)tmux({"kill-server"});
    } catch (const std::exception&) {
        if (server_pid_ > 0) ::kill(server_pid_, SIGKILL);
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
}

std::string TtySession::tmux(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{
        "tmux", "-u", "-f", (dir_ / "tmux.conf").string(), "-S", socket_path().string()};
    for (const auto& a : args) argv.push_back(tmux_literal(a));
    mynaq::ProcessOptions options;
    // The server inherits this on start; C.UTF-8 exists everywhere. LC_ALL stays as it is so
    // that a test's LANG for the program is not overridden.
    options.env["LANG"] = "C.UTF-8";
    options.timeout = kTmuxTimeout;
    const auto r = mynaq::run_process(argv, options);
    if (r.exit_code != 0 || r.timed_out) {
        throw std::runtime_error("tmux " + (args.empty() ? std::string() : args.front()) +
                                 " failed (exit " + std::to_string(r.exit_code) + "): " + r.err);
    }
    return r.out;
}

TtySession::PaneState TtySession::pane_state() const {
    // tmux built with libutempter (Debian's) can miss the program's SIGCHLD and leave it an
    // unreaped zombie with no status (tmux issue #311); under parallel tests that happens
    // often. A spare SIGCHLD makes the server collect it; otherwise it is harmless.
    if (server_pid_ > 0) ::kill(server_pid_, SIGCHLD);
    const auto line =
        without_newline(tmux({"display-message", "-p", "-t", pane_,
                              "#{pane_dead}|#{pane_dead_status}|#{pane_dead_signal}"}));
    const auto first = line.find('|');
    const auto second = line.find('|', first + 1);
    if (first == std::string::npos || second == std::string::npos) {
        throw std::runtime_error("unexpected pane state from tmux: " + line);
    }
    PaneState state;
    state.drained = line.substr(0, first) == "1";
    if (const auto sig = parse_int(line.substr(second + 1))) {
        state.status = 128 + *sig;
    } else {
        state.status = parse_int(line.substr(first + 1, second - first - 1));
    }
    return state;
}

std::string TtySession::screen() const {
    return trim_trailing_blank_lines(tmux({"capture-pane", "-p", "-J", "-S", "-", "-t", pane_}));
}

std::size_t TtySession::count(const std::string& text) const {
    if (text.empty()) throw std::invalid_argument("count of an empty text");
    const auto s = screen();
    std::size_t n = 0;
    for (auto at = s.find(text); at != std::string::npos; at = s.find(text, at + text.size())) {
        ++n;
    }
    return n;
}

bool TtySession::wait_for(const std::string& text, std::chrono::milliseconds timeout,
                          std::size_t occurrences) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        // The state first: once drained, the screen read after it is final.
        const bool drained = pane_state().drained;
        if (count(text) >= occurrences) return true;
        if (drained || std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(kPoll);
    }
}

void TtySession::expect(const std::string& text, std::chrono::milliseconds timeout,
                        std::size_t occurrences) const {
    if (wait_for(text, timeout, occurrences)) return;
    const auto state = pane_state();
    std::string message = "expected \"" + text + "\"";
    if (occurrences > 1) message += " " + std::to_string(occurrences) + " times";
    message += " on the terminal within " + std::to_string(timeout.count()) + " ms, found it " +
               std::to_string(count(text)) + " times; the program ";
    message += state.status ? "ended with status " + std::to_string(*state.status)
                            : std::string("is still running");
    message += "; screen:\n--------\n" + screen() + "--------";
    throw std::runtime_error(message);
}

void TtySession::send_text(const std::string& text) const {
    if (text.empty()) return;
    (void)tmux({"send-keys", "-t", pane_, "-l", "--", text});
}

void TtySession::send_line(const std::string& text) const {
    send_text(text);
    send_keys({"Enter"});
}

void TtySession::send_keys(const std::vector<std::string>& keys) const {
    if (keys.empty()) return;
    std::vector<std::string> args{"send-keys", "-t", pane_, "--"};
    args.insert(args.end(), keys.begin(), keys.end());
    (void)tmux(args);
}

std::optional<int> TtySession::wait_exit(std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    // A child that inherited the terminal may keep it open after the program ended; then the
    // status is returned without waiting for the rest of its output for long.
    std::optional<std::chrono::steady_clock::time_point> reaped_at;
    for (;;) {
        const auto state = pane_state();
        const auto now = std::chrono::steady_clock::now();
        if (state.status) {
            if (!reaped_at) reaped_at = now;
            if (state.drained || now - *reaped_at >= 500ms) return state.status;
        } else if (now >= deadline) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(kPoll);
    }
}

bool TtySession::running() const {
    return !pane_state().status.has_value();
}

void TtySession::kill_program(int signal_number) const {
    // tmux reaps the program, so until it reports a status the pid cannot have been reused.
    if (program_pid_ > 0 && running()) ::kill(program_pid_, signal_number);
}

}  // namespace ttyrig
