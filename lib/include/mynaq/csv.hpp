// CSV as Excel in a Japanese office reads it: UTF-8 with a BOM, CRLF line ends, RFC 4180
// quoting.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mynaq {

inline constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// A field with a comma, quote or line break is quoted, quotes doubled.
std::string csv_field(const std::string& value);
// The fields joined by commas, ending in CRLF.
std::string csv_row(const std::vector<std::string>& fields);

// One line's cells: quotes removed, doubled quotes undone, a trailing CR dropped. (Quoted
// line breaks are not supported: the files read here never have them.)
std::vector<std::string> csv_split_line(std::string_view line);

// A file as an office saves it, as UTF-8: the BOM dropped, Shift_JIS (CP932, what Excel on
// Windows writes) converted when the bytes are not UTF-8. Throws Error{MessageInvalid} for
// bytes that are neither.
std::string office_text_to_utf8(std::string_view bytes);

}  // namespace mynaq
