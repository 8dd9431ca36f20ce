// マイナ保険証利用率 per site and month (policy.md §1.1): persons confirmed with a マイナ保険証
// over レセプト件数, the local estimate beside the rate notified by 支払基金, which takes
// precedence wherever it is known.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mynaq/report/rules.hpp"

namespace mynaq {
class Store;
}

namespace mynaq::report {

// A facility of the store as the reports name it.
struct Site {
    std::string code;  // 医療機関コード
    std::string name;  // "" when not configured
    Facility facility;
};

struct UsageRow {
    std::string site;  // 医療機関コード; "" on the rows that add up every site
    Month month;
    std::int64_t users = 0;                // local count of マイナ保険証 users
    std::optional<std::int64_t> receipts;  // レセプト件数 when entered
    std::optional<double> local_rate;      // users ÷ receipts, percent
    std::optional<double> notified_rate;   // 支払基金, percent
    // The figure that counts: notified when known, else local; nullopt when neither is.
    [[nodiscard]] std::optional<MonthRate> rate() const;
};

// A threshold drawn on the chart: what a month's rate has to reach for a level in the 算定
// month it first counts for (the month plus the rules' smallest lag).
struct ThresholdMark {
    Month month;        // the month whose rate is measured
    Month applies_to;   // the 算定 month
    std::string level;  // "1" … "6"
    double threshold = 0;
    bool uncertain = false;  // the period is marked uncertain in the rules
};

struct UsageReport {
    Month from;
    Month to;
    std::vector<Site> sites;                // the sites reported, by code
    std::vector<UsageRow> rows;             // every month of every site, by site then month; when
                                            // there are several sites, then the totals (site "")
    std::vector<ThresholdMark> thresholds;  // for the first site's facility type
    bool uncertain = false;                 // some threshold comes from an uncertain period
};

struct UsageQuery {
    Month from;
    Month to;
    std::vector<Site> known;            // the configured sites: names and facility types
    std::vector<std::string> selected;  // codes asked for; empty = every configured site and
                                        // every site the store has data for in the range
    Facility unlisted;                  // the facility type of sites `known` does not name
};

// Every month from `from` to `to` for each site; a site known only from the store's data
// (checks, receipts, notified rates) is reported by its code as an `unlisted` facility.
// Throws Error{Usage} when `to` is before `from` or the range is longer than 120 months.
UsageReport build_usage(const Store& store, const Rules& rules, const UsageQuery& query);

// The rates a site's level is decided on: notified where known, else local.
std::map<Month, MonthRate> rates_of(const UsageReport& report, const std::string& site);

}  // namespace mynaq::report
