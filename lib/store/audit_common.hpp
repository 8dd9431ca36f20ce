// Internal to lib/store: what every backend writes into the audit trail and how it applies
// the retention rules, so that SQLite and PostgreSQL stores record the same things.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "mynaq/store.hpp"

namespace mynaq::store::detail {

// prev_hash of the first record.
inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// "2026-12-01T09:15:00.123+09:00": milliseconds keep records of one second apart in order
// for a reader, and the text still sorts and slices (substr 1..10) like the other times.
std::string now_jst_iso_ms();

// The OS user name of the effective uid, else "unknown".
std::string default_operator_name();

// The canonical hash into a caller's buffer (no allocation once the thread's buffer grew).
void audit_hash_into(const AuditRecord& record, std::array<char, 64>& out);

// Audit details: short JSON, never a name, a PIN or a 個人番号.
std::string check_detail(const CheckRecord& record);
std::string intake_detail(const IntakeRecord& intake, const CheckRecord& record);
std::string consent_detail(const ConsentRecord& consent);
std::string bulk_detail(const BulkJob& job, std::int64_t id);
std::string bulk_object(const BulkJob& job, std::int64_t id);

// Throws Error{InvalidArgument} unless `date` is a real yyyy-mm-dd date.
void require_iso_date(std::string_view date, std::string_view what);

// `today` (yyyy-mm-dd) minus `years` years; 29 February becomes 28 February.
std::string years_before(std::string_view today, int years);

struct PurgeCutoffs {
    std::string today;
    std::string claims;  // records dated on or after this are kept (claims_years)
    std::string other;   // the same for other_years
};
PurgeCutoffs purge_cutoffs(const RetentionRules& rules);

// Error{Forbidden} for `count` records of `kind` that the rule still keeps.
[[noreturn]] void refuse_purge(std::string_view kind, int years, std::string_view rule,
                               std::int64_t count, std::string_view cutoff,
                               std::string_view before);

std::string purge_detail(std::string_view before, const PurgeCutoffs& cutoffs,
                         const PurgeReport& report);

}  // namespace mynaq::store::detail
