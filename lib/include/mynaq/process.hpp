// Runs a child process with extra environment variables, optionally feeding stdin and
// capturing stdout/stderr. Used by the demo (which runs mynaq's own commands) and by tests.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mynaq {

struct ProcessResult {
    int exit_code = -1;  // 128+signal when killed
    std::string out;     // captured stdout (when capture_output)
    std::string err;     // captured stderr (when capture_output)
    bool timed_out = false;
};

struct ProcessOptions {
    std::map<std::string, std::string> env;     // added to (or replacing in) the environment
    std::optional<std::string> stdin_data;      // nullopt: empty (or ours, with inherit_stdin)
    bool inherit_stdin = false;                 // the child reads our stdin (sim run)
    bool capture_output = true;                 // false: inherit stdout/stderr
    std::chrono::milliseconds timeout{60'000};  // killed with SIGKILL after this
};

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

// A child that runs beside us (an emulator, a long-running watch), its output going to files so
// it never blocks on a full pipe. The destructor ends it: SIGTERM, then SIGKILL after 2 s.
class BackgroundProcess {
public:
    BackgroundProcess(const std::vector<std::string>& argv,
                      const std::map<std::string, std::string>& env, const std::string& stdout_file,
                      const std::string& stderr_file);
    ~BackgroundProcess();
    BackgroundProcess(const BackgroundProcess&) = delete;
    BackgroundProcess& operator=(const BackgroundProcess&) = delete;

    [[nodiscard]] int pid() const { return pid_; }
    void signal(int signal_number) const;
    // The exit code (128+signal when killed), or nullopt if still running after `timeout`.
    std::optional<int> wait(std::chrono::milliseconds timeout);

private:
    int pid_ = -1;
    std::optional<int> exit_code_;
};

// The path of the running executable (/proc/self/exe).
std::string self_executable();

}  // namespace mynaq
