// CSV as Excel in a Japanese office reads it: UTF-8 with a BOM, CRLF line ends, RFC 4180
// quoting.
#pragma once

#include <string>
#include <vector>

namespace mynaq {

inline constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// A field with a comma, quote or line break is quoted, quotes doubled.
std::string csv_field(const std::string& value);
// The fields joined by commas, ending in CRLF.
std::string csv_row(const std::vector<std::string>& fields);

}  // namespace mynaq
