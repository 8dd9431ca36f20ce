// Terminal width of UTF-8 text: full-width Japanese takes two columns, half-width kana one,
// so labels in Japanese line up in tables.
#pragma once

#include <string>
#include <string_view>

namespace mynaq::cli {

std::size_t display_width(std::string_view utf8);
std::string pad_right(std::string_view utf8, std::size_t width);
// Right-aligned: for a heading over a column of numbers.
std::string pad_left(std::string_view utf8, std::size_t width);

}  // namespace mynaq::cli
