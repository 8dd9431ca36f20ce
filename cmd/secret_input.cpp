#include "secret_input.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

namespace mynaq::cli {

namespace {

// Reads one line from fd without echo; the buffer is wiped on the way out.
std::string read_line_fd(int fd) {
    std::string line;
    char c = 0;
    while (::read(fd, &c, 1) == 1 && c != '\n') {
        if (c != '\r') line.push_back(c);
        if (line.size() > 64) break;  // no PIN is that long; stop reading a runaway stream
    }
    c = 0;
    return line;
}

class EchoOff {
public:
    explicit EchoOff(int fd) : fd_(fd) {
        if (::tcgetattr(fd_, &saved_) == 0) {
            termios quiet = saved_;
            quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
            active_ = ::tcsetattr(fd_, TCSAFLUSH, &quiet) == 0;
        }
    }
    ~EchoOff() {
        if (active_) ::tcsetattr(fd_, TCSAFLUSH, &saved_);
    }
    EchoOff(const EchoOff&) = delete;
    EchoOff& operator=(const EchoOff&) = delete;

private:
    int fd_;
    termios saved_{};
    bool active_ = false;
};

}  // namespace

SecretString read_secret(const AppContext& context, std::string_view prompt_key,
                         const SecretSource& source) {
    if (!source.env_var.empty()) {
        const char* value = std::getenv(source.env_var.c_str());
        if (value == nullptr || *value == '\0') {
            throw Error(Errc::NoInput, "environment variable " + source.env_var + " is not set",
                        {{"variable", source.env_var}});
        }
        SecretString secret{std::string(value)};
        // Children started later must not inherit it.
        ::unsetenv(source.env_var.c_str());
        return secret;
    }
    if (::isatty(STDIN_FILENO) == 1) {
        std::cerr << context.t(prompt_key) << std::flush;
        std::string line;
        {
            EchoOff quiet(STDIN_FILENO);
            line = read_line_fd(STDIN_FILENO);
        }
        std::cerr << '\n';
        SecretString secret{std::move(line)};
        if (secret.empty()) throw Error(Errc::NoInput, "nothing was entered");
        return secret;
    }
    SecretString secret{read_line_fd(STDIN_FILENO)};
    if (secret.empty()) {
        throw Error(Errc::NoInput, "stdin is not a terminal and gave no PIN");
    }
    return secret;
}

}  // namespace mynaq::cli
