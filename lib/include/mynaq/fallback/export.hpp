// Fallback cases for claims staff and the レセコン: one row per case with the claim route, the
// 不詳 markers, the 摘要欄 text and what the recheck found.
#pragma once

#include <string>
#include <vector>

#include "mynaq/fallback/case.hpp"

namespace mynaq::fallback {

// UTF-8 with a BOM, CRLF, a header row of stable column names.
std::string cases_to_csv(const std::vector<Case>& cases);
// {"cases": [...], "count": n}; each case whole (answers left out).
std::string cases_to_json_text(const std::vector<Case>& cases);

}  // namespace mynaq::fallback
