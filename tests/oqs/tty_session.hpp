// Drives an interactive program through a real pseudo-terminal: a private tmux server (its own
// socket in a temporary directory, so tests run in parallel and never touch a user's tmux) with
// one detached session running the program. Tests read the screen and type answers as a person
// would. To watch a running test: tmux -S <socket_path()> attach -r
#pragma once

#include <signal.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ttyrig {

using namespace std::chrono_literals;

struct TtyOptions {
    int width = 100;
    int height = 40;
    // Set for the program only (tmux itself runs with LANG=C.UTF-8), after `unset_env`.
    std::map<std::string, std::string> env;
    std::vector<std::string> unset_env;  // removed from the environment the program inherits
    std::filesystem::path cwd;           // empty: ours
};

class TtySession {
public:
    // Starts the program (argv[0] looked up in PATH) on a width x height terminal.
    explicit TtySession(const std::vector<std::string>& argv, const TtyOptions& options = {});
    // Ends the program (SIGHUP, as a closing terminal would, then SIGKILL) and the tmux server.
    ~TtySession();
    TtySession(const TtySession&) = delete;
    TtySession& operator=(const TtySession&) = delete;

    // The scrollback history and the visible pane, wrapped lines joined, trailing blank lines
    // dropped. After the program ends, tmux adds a "Pane is dead (...)" line.
    [[nodiscard]] std::string screen() const;
    // How often `text` occurs in screen() (non-overlapping).
    [[nodiscard]] std::size_t count(const std::string& text) const;
    // Polls the screen until `text` occurs at least `occurrences` times; false on timeout, or
    // as soon as the program has ended without showing it.
    [[nodiscard]] bool wait_for(const std::string& text, std::chrono::milliseconds timeout = 10s,
                                std::size_t occurrences = 1) const;
    // wait_for, or throws std::runtime_error whose message holds the screen.
    void expect(const std::string& text, std::chrono::milliseconds timeout = 10s,
                std::size_t occurrences = 1) const;

    // Types `text` literally (any UTF-8), without Enter.
    void send_text(const std::string& text) const;
    // Types `text` literally, then Enter.
    void send_line(const std::string& text) const;
    // tmux key names: "Enter", "C-c", "C-d", "Escape", "Up", "BSpace", "Tab", ...
    void send_keys(const std::vector<std::string>& keys) const;

    // The exit status once the program has ended and its output is on the screen (128+signal
    // when killed), or nullopt if it still runs after `timeout`.
    [[nodiscard]] std::optional<int> wait_exit(std::chrono::milliseconds timeout = 10s) const;
    [[nodiscard]] bool running() const;
    // The program's own process: tmux executes it directly, no shell in between.
    [[nodiscard]] int program_pid() const { return program_pid_; }
    // Sends `signal_number` to the program itself (not to the tmux server); no-op once ended.
    void kill_program(int signal_number = SIGKILL) const;

    [[nodiscard]] std::filesystem::path socket_path() const { return dir_ / "tmux.sock"; }

private:
    struct PaneState {
        bool drained = false;       // the terminal is closed: all output is on the screen
        std::optional<int> status;  // set once tmux has reaped the program
    };
    [[nodiscard]] std::string tmux(const std::vector<std::string>& args) const;
    [[nodiscard]] PaneState pane_state() const;
    void start(const std::vector<std::string>& argv, const TtyOptions& options);
    void stop() noexcept;

    std::filesystem::path dir_;
    std::string pane_;  // tmux pane id, "%0"
    int program_pid_ = -1;
    int server_pid_ = -1;
};

}  // namespace ttyrig
