// Dates as reception staff type them: 2026-12-01, 20261201, 2026/12/1, and 和暦 such as
// S55.1.1, H2/4/1, R1-5-1 or 昭和55年1月1日 (birth dates are often written that way).
#pragma once

#include <optional>
#include <string>

namespace mynaq::fallback {

// yyyy-mm-dd, or nullopt when the text is not a valid date.
std::optional<std::string> parse_staff_date(const std::string& text);

// yyyy-mm-dd plus `days` (negative allowed); the input must be yyyy-mm-dd.
std::string add_days(const std::string& date, int days);

}  // namespace mynaq::fallback
