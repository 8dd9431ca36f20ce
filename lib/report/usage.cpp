#include "mynaq/report/usage.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "mynaq/error.hpp"
#include "mynaq/store.hpp"

namespace mynaq::report {

namespace {

constexpr int kMaxMonths = 120;

int months_between(const Month& from, const Month& to) {
    return (to.year - from.year) * 12 + (to.month - from.month);
}

std::vector<Site> sites_of(const UsageQuery& q, const std::vector<MonthlyUsers>& users,
                           const std::vector<ReceiptCount>& receipts,
                           const std::vector<NotifiedRate>& notified) {
    std::set<std::string> codes(q.selected.begin(), q.selected.end());
    if (codes.empty()) {
        for (const auto& s : q.known) codes.insert(s.code);
        for (const auto& u : users) codes.insert(u.site);
        for (const auto& r : receipts) codes.insert(r.site);
        for (const auto& n : notified) codes.insert(n.site);
    }
    codes.erase("");
    std::vector<Site> out;
    for (const auto& code : codes) {
        const auto known = std::find_if(q.known.begin(), q.known.end(),
                                        [&](const Site& s) { return s.code == code; });
        if (known != q.known.end()) {
            out.push_back(*known);
        } else {
            Site site;
            site.code = code;
            site.facility = q.unlisted;
            out.push_back(std::move(site));
        }
    }
    return out;
}

std::optional<double> percent_of(std::int64_t users, std::optional<std::int64_t> receipts) {
    if (!receipts || *receipts <= 0) return std::nullopt;
    return static_cast<double>(users) * 100.0 / static_cast<double>(*receipts);
}

std::vector<ThresholdMark> thresholds_for(const Rules& rules, const Facility& facility,
                                          const Month& from, const Month& to, bool& uncertain) {
    std::vector<ThresholdMark> out;
    const int lag = first_lag(rules);
    const bool paediatric = facility.paediatric_exception && facility.type != "pharmacy";
    for (Month m = from; m <= to; m = m.plus(1)) {
        const Month applies = m.plus(lag);
        const auto period = std::find_if(rules.periods.begin(), rules.periods.end(), [&](auto& p) {
            return p.from <= applies && (!p.to || applies <= *p.to);
        });
        if (period == rules.periods.end() || !period->rate_required) continue;
        for (const auto& level : period->levels) {
            if (!level.points.contains(facility.type)) continue;
            ThresholdMark mark;
            mark.month = m;
            mark.applies_to = applies;
            mark.level = level.level;
            mark.threshold = paediatric && level.paediatric_threshold ? *level.paediatric_threshold
                                                                      : level.threshold;
            mark.uncertain = period->uncertain;
            uncertain = uncertain || period->uncertain;
            out.push_back(std::move(mark));
        }
    }
    return out;
}

}  // namespace

std::optional<MonthRate> UsageRow::rate() const {
    if (notified_rate) return MonthRate{*notified_rate, "notified"};
    if (local_rate) return MonthRate{*local_rate, "local"};
    return std::nullopt;
}

UsageReport build_usage(const Store& store, const Rules& rules, const UsageQuery& query) {
    if (query.to < query.from) {
        throw Error(Errc::Usage, fmt::format("the range ends ({}) before it starts ({})",
                                             query.to.text(), query.from.text()));
    }
    if (months_between(query.from, query.to) >= kMaxMonths) {
        throw Error(Errc::Usage, fmt::format("a report covers at most {} months", kMaxMonths));
    }
    const auto from = query.from.text();
    const auto to = query.to.text();
    const auto users = store.monthly_users(from, to, query.selected);
    const auto receipts = store.list_receipts(from, to, query.selected);
    const auto notified = store.list_notified_rates(from, to, query.selected);

    UsageReport report;
    report.from = query.from;
    report.to = query.to;
    report.sites = sites_of(query, users, receipts, notified);

    using Key = std::pair<std::string, std::string>;
    std::map<Key, std::int64_t> user_count;
    for (const auto& u : users) user_count[{u.site, u.month}] = u.users;
    std::map<Key, std::int64_t> receipt_count;
    for (const auto& r : receipts) receipt_count[{r.site, r.month}] = r.receipts;
    std::map<Key, double> notified_rate;
    for (const auto& n : notified) notified_rate[{n.site, n.month}] = n.percent;

    for (const auto& site : report.sites) {
        for (Month m = query.from; m <= query.to; m = m.plus(1)) {
            const Key key{site.code, m.text()};
            UsageRow row;
            row.site = site.code;
            row.month = m;
            if (const auto it = user_count.find(key); it != user_count.end())
                row.users = it->second;
            if (const auto it = receipt_count.find(key); it != receipt_count.end()) {
                row.receipts = it->second;
            }
            if (const auto it = notified_rate.find(key); it != notified_rate.end()) {
                row.notified_rate = it->second;
            }
            row.local_rate = percent_of(row.users, row.receipts);
            report.rows.push_back(row);
        }
    }
    if (report.sites.size() > 1) {
        // Totals of a chain: persons are counted per site, as 支払基金 counts them per
        // institution; the rate is only known when every site's receipts are.
        const auto months = months_between(query.from, query.to) + 1;
        for (int i = 0; i < months; ++i) {
            UsageRow total;
            total.month = query.from.plus(i);
            bool all_receipts = true;
            std::int64_t receipts_sum = 0;
            for (std::size_t s = 0; s < report.sites.size(); ++s) {
                const auto& row =
                    report.rows[s * static_cast<std::size_t>(months) + static_cast<std::size_t>(i)];
                total.users += row.users;
                if (row.receipts) {
                    receipts_sum += *row.receipts;
                } else {
                    all_receipts = false;
                }
            }
            if (all_receipts) total.receipts = receipts_sum;
            total.local_rate = percent_of(total.users, total.receipts);
            report.rows.push_back(total);
        }
    }
    const Facility facility = report.sites.empty() ? Facility{} : report.sites.front().facility;
    report.thresholds = thresholds_for(rules, facility, query.from, query.to, report.uncertain);
    return report;
}

std::map<Month, MonthRate> rates_of(const UsageReport& report, const std::string& site) {
    std::map<Month, MonthRate> out;
    for (const auto& row : report.rows) {
        if (row.site != site) continue;
        if (auto rate = row.rate()) out[row.month] = *rate;
    }
    return out;
}

}  // namespace mynaq::report
