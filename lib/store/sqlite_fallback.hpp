// Internal to lib/store: fallback cases on an SQLite connection. The writers open their own
// WriteTransaction and audit each row in it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mynaq/store.hpp"
#include "sqlite.hpp"

namespace mynaq::store::detail {

std::int64_t insert_fallback_case(const Database& db, const FallbackCaseRow& row,
                                  const std::string& operator_name);
void update_fallback_cases(const Database& db, const std::vector<FallbackCaseRow>& rows,
                           const std::string& operator_name);
[[nodiscard]] std::optional<FallbackCaseRow> select_fallback_case(const Database& db,
                                                                  std::int64_t id);
[[nodiscard]] std::vector<FallbackCaseRow> select_fallback_cases(const Database& db,
                                                                 const FallbackCaseFilter& filter);

// One row in kFallbackColumns order (for the store copy too).
[[nodiscard]] FallbackCaseRow read_fallback_case(const Statement& stmt);

}  // namespace mynaq::store::detail
