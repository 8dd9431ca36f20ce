// Internal to lib/store: what both backends share about fallback cases — the columns, the
// checks on a row before it is written, the audit details and the errors — so that SQLite and
// PostgreSQL stores behave alike.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "mynaq/store.hpp"

namespace mynaq::store::detail {

// In this order in every SELECT and in the copy.
inline constexpr std::string_view kFallbackColumns =
    "id, case_date, state, patient, created_at, updated_at, revision, document";

// Throws Error{InvalidArgument} unless case_date is a real yyyy-mm-dd date and state is set:
// purge and the date filters compare case_date as text.
void require_fallback_row(const FallbackCaseRow& row);

// "%text%" with %, _ and \ escaped, for LIKE ... ESCAPE '\'.
std::string substring_like_pattern(std::string_view text);

std::string fallback_object(std::int64_t id);  // "fallback:<id>"
// Short JSON; never the patient or the document.
std::string fallback_add_detail(const FallbackCaseRow& row);
std::string fallback_update_detail(const FallbackCaseRow& row, int new_revision);

// Error{NotFound} for an id the store does not hold.
[[noreturn]] void fallback_not_found(std::int64_t id, std::string_view location);
// Error{StoreError}: the case was written by someone else after `row` was read.
[[noreturn]] void fallback_conflict(const FallbackCaseRow& row, int stored_revision,
                                    std::string_view location);

}  // namespace mynaq::store::detail
