#include "mynaq/text.hpp"

#include <algorithm>

namespace mynaq {

namespace {

constexpr std::string_view kAsciiBlanks = " \t\r\n";
constexpr std::string_view kIdeographicSpace = "\u3000";

}  // namespace

std::string_view trim_ascii(std::string_view text) {
    const auto first = text.find_first_not_of(kAsciiBlanks);
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(kAsciiBlanks);
    return text.substr(first, last - first + 1);
}

std::string_view trim_blanks(std::string_view text) {
    for (;;) {
        const auto before = text.size();
        text = trim_ascii(text);
        while (text.starts_with(kIdeographicSpace)) text.remove_prefix(kIdeographicSpace.size());
        while (text.ends_with(kIdeographicSpace)) text.remove_suffix(kIdeographicSpace.size());
        if (text.size() == before) return text;
    }
}

bool all_digits(std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace mynaq
