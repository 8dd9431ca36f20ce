// Reading the in-process benchmarks' command lines: options with values, integers in range.
#pragma once

#include <cstdlib>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "mynaq/error.hpp"

namespace mynaq::bench {

class ArgReader {
public:
    ArgReader(int argc, char** argv) : argc_(argc), argv_(argv) {}

    // Moves to the next option; false after the last.
    bool next() { return ++i_ < argc_; }
    [[nodiscard]] std::string_view option() const { return argv_[i_]; }

    // The word after the option.
    std::string value() {
        if (i_ + 1 >= argc_)
            throw Error(Errc::InvalidArgument, fmt::format("{} needs a value", option()));
        return argv_[++i_];
    }

    // The word after the option as an integer from lo to hi.
    long number(long lo, long hi) {
        const std::string_view name = option();
        const std::string text = value();
        char* end = nullptr;
        const long n = std::strtol(text.c_str(), &end, 10);
        if (end == text.c_str() || *end != '\0' || n < lo || n > hi) {
            throw Error(Errc::InvalidArgument,
                        fmt::format("{} wants an integer {}–{}", name, lo, hi));
        }
        return n;
    }

private:
    int argc_;
    char** argv_;
    int i_ = 0;
};

}  // namespace mynaq::bench
