// Which chart a face-reader result belongs to. The 照会番号 (ReferenceNumber) the system
// returns is the clinic's own chart id and decides alone; without one, the kana name and birth
// date are compared, then the insurance numbers. A rule that finds several charts never picks
// one: the result is flagged for staff with its candidates.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mynaq/store.hpp"

namespace mynaq {

struct ChartMatchInput {
    std::optional<ChartRecord> by_reference;  // the chart whose id is the result's 照会番号
    std::vector<ChartRecord> by_kana_birthdate;
    std::vector<ChartRecord> by_insurance;  // same insurer and number (any symbol and branch)
};

struct ChartMatchResult {
    CheckMatch match;
    // The chart's insurance differs from the result's (a changed insurer or number): the
    // chart should be registered again with the new one.
    bool insurance_changed = false;
};

// The decision over the candidates the store found:
//   1. a 照会番号 naming a known chart → matched ("reference");
//   2. one chart with the kana and birth date → matched ("kana_birthdate"); several → those
//      whose insurance (insurer, symbol, number, branch) is the result's, if exactly one
//      ("kana_birthdate" too), else ambiguous with all of them;
//   3. none → charts with the insurer and number whose branch is the result's, or, where
//      either lacks a branch, whose birth date is the result's: one → matched ("insurance"),
//      several → ambiguous; a family member on the same insurance with nothing else agreeing
//      is a candidate, never a match;
//   4. nothing → unmatched.
ChartMatchResult decide_chart_match(const CheckRecord& result, const ChartMatchInput& input);

// Looks the candidates up in the store and decides; does not write.
ChartMatchResult match_chart(const CheckRecord& result, const Store& store);

// match_chart() for a stored check, recorded with set_check_match (audited "check.match").
ChartMatchResult match_and_record_chart(Store& store, const CheckRecord& stored_check);

}  // namespace mynaq
