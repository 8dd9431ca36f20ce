#include "mynaq/report/level.hpp"

#include <algorithm>

#include "mynaq/error.hpp"
#include "mynaq/store.hpp"

namespace mynaq::report {

namespace {

const Period* period_of(const Rules& rules, const Month& month) {
    for (const auto& p : rules.periods) {
        if (p.from <= month && (!p.to || month <= *p.to)) return &p;
    }
    return nullptr;
}

// The threshold of `name` in `period` for this facility; nullopt when the facility cannot
// claim that level there.
std::optional<double> threshold_in(const Period& period, const std::string& name,
                                   const Facility& facility) {
    for (const auto& level : period.levels) {
        if (level.level != name || !level.points.contains(facility.type)) continue;
        const bool has_flags =
            std::all_of(level.requires_flags.begin(), level.requires_flags.end(),
                        [&](const std::string& f) { return facility.flags.contains(f); });
        if (!has_flags) return std::nullopt;
        const bool paediatric = facility.paediatric_exception && facility.type != "pharmacy";
        return paediatric && level.paediatric_threshold ? *level.paediatric_threshold
                                                        : level.threshold;
    }
    return std::nullopt;
}

LevelMargin margin_for(const Store& store, const Rules& rules, const Site& site,
                       const LevelDecision& decision, const Month& current) {
    LevelMargin m;
    m.current = current;
    const int lag = first_lag(rules);
    m.applies_to = current.plus(lag);
    // This month's users; receipts are rarely known before the month is billed, so the
    // latest month entered in the year before stands in for them.
    const UsageReport now =
        build_usage(store, rules, {current.plus(-12), current, {site}, {site.code}, site.facility});
    for (auto it = now.rows.rbegin(); it != now.rows.rend(); ++it) {
        if (it->site != site.code) continue;
        if (it->month == current) m.users = it->users;
        if (it->receipts) {
            m.receipts = it->receipts;
            m.receipts_month = it->month;
            break;
        }
    }
    if (m.receipts && *m.receipts > 0) {
        m.rate = static_cast<double>(m.users) * 100.0 / static_cast<double>(*m.receipts);
    }
    const Period* target = period_of(rules, m.applies_to);
    if (target == nullptr || !target->rate_required) return m;
    m.uncertain = target->uncertain;
    // Aim for the level above the one earned (or keep the top one), as the later period
    // names it; when it has no such level, the best one this month's rate does not reach yet.
    std::vector<std::string> wanted;
    if (decision.next) wanted.push_back(decision.next->level);
    if (decision.level) wanted.push_back(decision.level->level);
    for (const auto& name : wanted) {
        if (auto t = threshold_in(*target, name, site.facility)) {
            m.level = name;
            m.threshold = t;
            break;
        }
    }
    if (!m.threshold) {
        std::map<Month, MonthRate> only;
        if (m.rate) only[current] = {*m.rate, "local"};
        const auto d = decide_level(rules, m.applies_to, site.facility, only);
        const Level* aim = d.next != nullptr ? d.next : d.level;
        if (aim != nullptr) {
            m.level = aim->level;
            m.threshold = d.next != nullptr ? d.next_threshold : d.threshold;
        }
    }
    if (m.threshold && m.receipts) {
        m.users_needed =
            users_needed(*m.threshold, static_cast<long>(m.users), static_cast<long>(*m.receipts));
    }
    return m;
}

}  // namespace

LevelReport build_level(const Store& store, const Rules& rules, const Site& site,
                        const Month& month, const Month& current) {
    if (period_of(rules, month) == nullptr) {
        throw Error(
            Errc::NotFound,
            "the 加算 table " + rules.source.string() + " has no period covering " + month.text(),
            {{"month", month.text()}});
    }
    LevelReport out;
    out.site = site;
    const auto [fewest, most] =
        std::minmax_element(rules.months_before.begin(), rules.months_before.end());
    const Month oldest = month.plus(-*most);
    const Month newest = month.plus(-*fewest);
    const UsageReport usage =
        build_usage(store, rules, {oldest, newest, {site}, {site.code}, site.facility});
    out.decision = decide_level(rules, month, site.facility, rates_of(usage, site.code));
    for (const auto& row : usage.rows) {
        const auto& c = out.decision.considered;
        if (row.site == site.code && std::find(c.begin(), c.end(), row.month) != c.end()) {
            out.considered.push_back(row);
        }
    }
    if (out.decision.level != nullptr) {
        const auto it = out.decision.level->points.find(site.facility.type);
        if (it != out.decision.level->points.end() && it->second) {
            out.points = *it->second;
            out.points_known = true;
        }
    }
    out.margin = margin_for(store, rules, site, out.decision, current);
    return out;
}

}  // namespace mynaq::report
