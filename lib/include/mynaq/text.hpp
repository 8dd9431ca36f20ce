// Small text helpers the message, store and matching code share: values arrive space-padded
// (the 6-digit 国保 number), typed with stray blanks, or with line breaks from XML.
#pragma once

#include <string_view>

namespace mynaq {

// Without surrounding ASCII spaces, tabs, CR and LF.
std::string_view trim_ascii(std::string_view text);
// As trim_ascii, and ideographic spaces (U+3000) too: what staff type around a 照会番号.
std::string_view trim_blanks(std::string_view text);
// Non-empty and only 0-9.
bool all_digits(std::string_view text);

}  // namespace mynaq
