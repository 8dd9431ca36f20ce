// Internal to lib/store: what both backends share about the usage-rate inputs — the checks
// on a row before it is written, the audit objects and details, and the monthly-users query —
// so that SQLite and PostgreSQL stores behave alike.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mynaq/store.hpp"

namespace mynaq::store::detail {

// In this order in every SELECT and INSERT, and in the copy.
inline constexpr std::string_view kReceiptColumns =
    "site, month, receipts, source, updated_at, updated_by";
inline constexpr std::string_view kNotifiedColumns =
    "site, month, percent, users, receipts, source, updated_at, updated_by";

// Throws Error{Usage} unless `month` is yyyy-mm with a month 01..12.
void require_month(std::string_view month, std::string_view what);
// Both bounds of a list; `from` after `to` is allowed (nothing matches).
void require_month_range(std::string_view from_month, std::string_view to_month);

// Throw Error{Usage} for an empty site, a malformed month, negative receipts, a percent
// outside 0..100, or users/receipts of a notified rate below -1 (-1: not given).
void require_receipt_row(const ReceiptCount& row);
void require_notified_row(const NotifiedRate& row);

std::string receipts_object(const ReceiptCount& row);  // "receipts:<site>:<month>"
std::string notified_object(const NotifiedRate& row);  // "notified:<site>:<month>"
// Short JSON: the figure and its source.
std::string receipts_detail(const ReceiptCount& row);
std::string notified_detail(const NotifiedRate& row);

// The monthly-users statement: months are parameters 1 and 2, the sites 3, 4, ... (no site
// filter at all when there are none). `marker` is '?' (SQLite: "?1") or '$' (PostgreSQL).
// Written so that the partial index checks_usage serves it: the method and person_key terms
// repeat the index's WHERE exactly.
std::string monthly_users_sql(std::size_t site_count, char marker);

}  // namespace mynaq::store::detail
