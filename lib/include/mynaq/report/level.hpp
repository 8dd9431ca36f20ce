// The 加算 level a site earns in a 算定 month, with the figures behind it and the margin: how
// many more マイナ保険証 users this month would reach the next level.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mynaq/report/rules.hpp"
#include "mynaq/report/usage.hpp"

namespace mynaq::report {

struct LevelMargin {
    Month current;                             // the month being counted now
    Month applies_to;                          // the first 算定 month its rate counts for
    std::int64_t users = 0;                    // so far this month
    std::optional<std::int64_t> receipts;      // this month's, else the latest entered
    std::optional<Month> receipts_month;       // where `receipts` came from
    std::optional<double> rate;                // users ÷ receipts, percent
    std::string level;                         // the level aimed for ("" when none is open)
    std::optional<double> threshold;           // its threshold in applies_to's period
    bool uncertain = false;                    // that period is marked uncertain
    std::optional<std::int64_t> users_needed;  // more users to reach it (0: reached)
};

struct LevelReport {
    Site site;
    LevelDecision decision;
    std::vector<UsageRow> considered;  // the months of the lag rule, oldest first
    std::optional<int> points;         // of the level reached, for the site's facility type
    bool points_known = false;         // false when no level or the table says null
    LevelMargin margin;
};

// Throws Error{NotFound} when the rules have no period for `month`.
LevelReport build_level(const Store& store, const Rules& rules, const Site& site,
                        const Month& month, const Month& current);

}  // namespace mynaq::report
