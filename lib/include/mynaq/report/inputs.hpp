// The figures staff bring in from outside: レセプト件数 from the レセコン and the rates 支払基金
// notifies, as CSV files the way offices keep them (Excel's UTF-8 with a BOM or Shift_JIS,
// a header row or none, 2026-10 / 2026/10 / 202610 / 2026年10月, 1,234 with a separator).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mynaq/store.hpp"

namespace mynaq::report {

// "2026-10", "2026/10", "202610", "2026年10月" (full-width digits too) → "2026-10".
std::optional<std::string> parse_month_loose(std::string_view text);

// Rows of "month,receipts" or "site,month,receipts"; `default_site` for the first form.
// A first row that is not data is taken as the header. Throws Error{DataInvalid} naming the
// line and what is wrong (nothing is half-read), Error{Usage} when the first form is used
// and no default site is known. Also accepts one `N` without a site ("set").
std::vector<ReceiptCount> parse_receipts_csv(std::string_view bytes,
                                             const std::string& default_site,
                                             const std::string& source);

// Rows of "month,rate[,users,receipts]" or "site,month,rate[,users,receipts]"; the rate in
// percent, "47.26" or "47.26%".
std::vector<NotifiedRate> parse_notified_csv(std::string_view bytes,
                                             const std::string& default_site,
                                             const std::string& source);

// A percent as staff type it ("47.26", "47.26%", "４７．２６％"); nullopt unless 0–100.
std::optional<double> parse_percent(std::string_view text);
// A count ("1234", "1,234", "１，２３４"); nullopt unless a whole number ≥ 0.
std::optional<std::int64_t> parse_count(std::string_view text);

}  // namespace mynaq::report
