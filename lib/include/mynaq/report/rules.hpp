// The 加算 table as data (data/rules/dx-kasan.yaml): which level a マイナ保険証利用率 earns in a
// 算定 month, for a facility type, under the lag rule. Editable without recompiling; checked
// on load so that a mistake is a clear error, never a wrong level.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace mynaq::report {

// A calendar month, compared and stepped as months.
struct Month {
    int year = 0;
    int month = 0;  // 1..12
    auto operator<=>(const Month&) const = default;
    [[nodiscard]] Month plus(int months) const;
    [[nodiscard]] std::string text() const;  // "2026-06"
};
// "2026-06" (or "2026/6"); nullopt otherwise.
std::optional<Month> parse_month(const std::string& text);

struct Level {
    std::string level;     // "1" … "6"
    double threshold = 0;  // percent
    std::optional<double> paediatric_threshold;
    std::vector<std::string> requires_flags;  // facility flags this level needs
    // Points per facility type ("medical", "dental", "pharmacy"); a type absent from the map
    // cannot claim the level; nullopt = claimable but the points are not known.
    std::map<std::string, std::optional<int>> points;
};

struct Period {
    std::string name;
    Month from;
    std::optional<Month> to;  // inclusive; none = open-ended
    bool uncertain = false;
    bool rate_required = true;
    std::vector<Level> levels;  // best first
};

struct Rules {
    std::vector<int> months_before;  // the lag rule: {3, 4, 5}
    std::vector<Period> periods;     // in time order, not overlapping
    std::filesystem::path source;
};

// The smallest of the lag rule's months: the first 算定 month a month's rate counts for is
// that many months later (0 for an empty rule).
int first_lag(const Rules& rules);

// Throws Error{ConfigInvalid} naming the file, the period and what is wrong: overlapping or
// unordered periods, a period without levels, a threshold outside 0–100, an unknown facility
// type or flag, an empty lag rule.
Rules load_rules(const std::filesystem::path& file);
// share/mynaq/rules/dx-kasan.yaml (the source tree's data/ when run from the build tree).
std::filesystem::path default_rules_file();

struct Facility {
    std::string type = "medical";       // "medical" | "dental" | "pharmacy"
    std::set<std::string> flags;        // "e_prescription", "dx_items_all", "dx_items_any"
    bool paediatric_exception = false;  // 小児科特例 (not for pharmacies)
};

// A month's rate and where it came from.
struct MonthRate {
    double percent = 0;
    std::string kind;  // "notified" (支払基金) | "local" (estimated from the store)
};

struct LevelDecision {
    Month month;  // the 算定 month
    const Period* period = nullptr;
    std::vector<Month> considered;    // N-3, N-4, N-5 (as the rules say)
    std::optional<Month> rate_month;  // the month whose rate was used
    std::optional<MonthRate> rate;    // the best rate among those known
    const Level* level = nullptr;     // nullptr: no level reached
    std::optional<double> threshold;  // of the level reached (paediatric when it applied)
    const Level* next = nullptr;      // the next better level this facility could reach
    std::optional<double> next_threshold;
};

// Throws Error{NotFound} when no period covers the month.
LevelDecision decide_level(const Rules& rules, const Month& month, const Facility& facility,
                           const std::map<Month, MonthRate>& rates);

// How many more マイナ保険証 users in a month of `receipts` receipts and `users` users reach
// `threshold` percent (0 when already reached).
long users_needed(double threshold, long users, long receipts);

}  // namespace mynaq::report
