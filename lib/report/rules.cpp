#include "mynaq/report/rules.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "mynaq/config.hpp"
#include "mynaq/error.hpp"

namespace mynaq::report {

namespace {

const std::set<std::string> kTypes = {"medical", "dental", "pharmacy"};
const std::set<std::string> kFlags = {"e_prescription", "dx_items_all", "dx_items_any"};

[[noreturn]] void bad(const std::filesystem::path& file, const YAML::Node& at,
                      const std::string& what) {
    const auto line = at.Mark().line >= 0 ? at.Mark().line + 1 : 0;
    throw Error(Errc::ConfigInvalid, fmt::format("{}: line {}: {}", file.string(), line, what),
                {{"file", file.string()}, {"line", std::to_string(line)}});
}

Month month_at(const std::filesystem::path& file, const YAML::Node& node, const char* key) {
    const auto parsed = node.IsScalar() ? parse_month(node.Scalar()) : std::nullopt;
    if (!parsed) bad(file, node, fmt::format("'{}' must be a month like 2026-06", key));
    return *parsed;
}

double percent_at(const std::filesystem::path& file, const YAML::Node& node, const char* key) {
    double value = -1;
    try {
        value = node.as<double>();
    } catch (const YAML::Exception&) {
        bad(file, node, fmt::format("'{}' must be a number of percent", key));
    }
    if (!(value >= 0 && value <= 100)) bad(file, node, fmt::format("'{}' must be 0 to 100", key));
    return value;
}

Level level_at(const std::filesystem::path& file, const YAML::Node& node) {
    if (!node.IsMap()) bad(file, node, "a level must be a map");
    Level level;
    if (!node["level"]) bad(file, node, "a level needs 'level'");
    level.level = node["level"].as<std::string>();
    if (!node["threshold"]) bad(file, node, fmt::format("level {} needs 'threshold'", level.level));
    level.threshold = percent_at(file, node["threshold"], "threshold");
    if (node["paediatric_threshold"]) {
        level.paediatric_threshold =
            percent_at(file, node["paediatric_threshold"], "paediatric_threshold");
    }
    if (const auto flags = node["requires"]) {
        if (!flags.IsSequence()) bad(file, flags, "'requires' must be a list");
        for (const auto& f : flags) {
            const auto flag = f.as<std::string>();
            if (!kFlags.contains(flag)) {
                bad(file, f,
                    fmt::format("unknown facility flag '{}' (e_prescription, "
                                "dx_items_all, dx_items_any)",
                                flag));
            }
            level.requires_flags.push_back(flag);
        }
    }
    const auto points = node["points"];
    if (!points || !points.IsMap() || points.size() == 0) {
        bad(file, node, fmt::format("level {} needs 'points' per facility type", level.level));
    }
    for (const auto& p : points) {
        const auto type = p.first.as<std::string>();
        if (!kTypes.contains(type)) {
            bad(file, p.first,
                fmt::format("unknown facility type '{}' (medical, dental, pharmacy)", type));
        }
        if (p.second.IsNull()) {
            level.points[type] = std::nullopt;
        } else {
            try {
                level.points[type] = p.second.as<int>();
            } catch (const YAML::Exception&) {
                bad(file, p.second, "points must be a whole number or null");
            }
        }
    }
    return level;
}

bool covers(const Period& p, const Month& m) {
    return p.from <= m && (!p.to || m <= *p.to);
}

}  // namespace

Month Month::plus(int months) const {
    const int index = year * 12 + (month - 1) + months;
    return {index / 12, index % 12 + 1};
}

std::string Month::text() const {
    return fmt::format("{:04}-{:02}", year, month);
}

std::optional<Month> parse_month(const std::string& text) {
    const auto sep = text.find_first_of("-/");
    if (sep != 4 || text.size() < 6 || text.size() > 7) return std::nullopt;
    const auto y = text.substr(0, 4);
    const auto m = text.substr(5);
    if (y.find_first_not_of("0123456789") != std::string::npos || m.empty() ||
        m.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
    }
    const int month = std::stoi(m);
    if (month < 1 || month > 12) return std::nullopt;
    return Month{std::stoi(y), month};
}

Rules load_rules(const std::filesystem::path& file) {
    YAML::Node root;
    try {
        root = YAML::LoadFile(file.string());
    } catch (const YAML::BadFile&) {
        throw Error(Errc::FileNotFound, fmt::format("{} does not exist", file.string()),
                    {{"file", file.string()}});
    } catch (const YAML::Exception& e) {
        throw Error(Errc::ConfigInvalid,
                    fmt::format("{}: line {}: {}", file.string(), e.mark.line + 1, e.msg),
                    {{"file", file.string()}});
    }
    Rules rules;
    rules.source = file;
    if (!root.IsMap()) bad(file, root, "the rules must be a map with 'lag' and 'periods'");
    const auto lag = root["lag"] ? root["lag"]["months_before"] : YAML::Node();
    if (!lag || !lag.IsSequence() || lag.size() == 0) {
        bad(file, root, "'lag.months_before' must list the months before the 算定 month");
    }
    for (const auto& n : lag) {
        const int before = n.as<int>();
        if (before < 0 || before > 24) bad(file, n, "'lag.months_before' must be 0 to 24");
        rules.months_before.push_back(before);
    }
    const auto periods = root["periods"];
    if (!periods || !periods.IsSequence() || periods.size() == 0) {
        bad(file, root, "'periods' must list the periods of the table");
    }
    for (const auto& node : periods) {
        Period p;
        p.name = node["name"] ? node["name"].as<std::string>() : "";
        if (!node["from"]) bad(file, node, "a period needs 'from'");
        p.from = month_at(file, node["from"], "from");
        if (node["to"]) p.to = month_at(file, node["to"], "to");
        if (p.to && *p.to < p.from)
            bad(file, node, fmt::format("{} ends before it starts", p.from.text()));
        p.uncertain = node["uncertain"] && node["uncertain"].as<bool>();
        p.rate_required = !node["rate_required"] || node["rate_required"].as<bool>();
        const auto levels = node["levels"];
        if (!levels || !levels.IsSequence() || levels.size() == 0) {
            bad(file, node, fmt::format("the period from {} has no levels", p.from.text()));
        }
        for (const auto& l : levels) p.levels.push_back(level_at(file, l));
        if (!rules.periods.empty()) {
            const auto& before = rules.periods.back();
            if (!before.to || !(*before.to < p.from)) {
                bad(file, node,
                    fmt::format("the period from {} overlaps the one from {} (or is out of order)",
                                p.from.text(), before.from.text()));
            }
        }
        rules.periods.push_back(std::move(p));
    }
    return rules;
}

std::filesystem::path default_rules_file() {
    return data_dir() / "rules" / "dx-kasan.yaml";
}

LevelDecision decide_level(const Rules& rules, const Month& month, const Facility& facility,
                           const std::map<Month, MonthRate>& rates) {
    LevelDecision out;
    out.month = month;
    for (const auto& p : rules.periods) {
        if (covers(p, month)) out.period = &p;
    }
    if (!out.period) {
        throw Error(
            Errc::NotFound,
            fmt::format("{} has no period covering {}", rules.source.string(), month.text()),
            {{"month", month.text()}});
    }
    for (const int before : rules.months_before) {
        const Month m = month.plus(-before);
        out.considered.push_back(m);
        const auto it = rates.find(m);
        if (it == rates.end()) continue;
        // The best rate wins; between equal rates a notified figure beats a local estimate.
        if (!out.rate || it->second.percent > out.rate->percent ||
            (it->second.percent == out.rate->percent && it->second.kind == "notified" &&
             out.rate->kind != "notified")) {
            out.rate = it->second;
            out.rate_month = m;
        }
    }
    const bool paediatric = facility.paediatric_exception && facility.type != "pharmacy";
    std::vector<std::pair<const Level*, double>> open;  // levels this facility can claim
    for (const auto& level : out.period->levels) {
        if (!level.points.contains(facility.type)) continue;
        const bool has_flags =
            std::all_of(level.requires_flags.begin(), level.requires_flags.end(),
                        [&](const std::string& f) { return facility.flags.contains(f); });
        if (!has_flags) continue;
        const double threshold = paediatric && level.paediatric_threshold
                                     ? *level.paediatric_threshold
                                     : level.threshold;
        open.emplace_back(&level, threshold);
    }
    for (std::size_t i = 0; i < open.size(); ++i) {
        const auto [level, threshold] = open[i];
        const bool reached =
            !out.period->rate_required || (out.rate && out.rate->percent >= threshold);
        if (!reached) continue;
        out.level = level;
        out.threshold = threshold;
        // The next better level is the nearest one above with a higher threshold.
        for (std::size_t j = i; j-- > 0;) {
            if (open[j].second > threshold) {
                out.next = open[j].first;
                out.next_threshold = open[j].second;
                break;
            }
        }
        return out;
    }
    if (!open.empty()) {
        // Nothing reached: the easiest level is the one to aim for.
        const auto easiest =
            std::min_element(open.begin(), open.end(),
                             [](const auto& a, const auto& b) { return a.second < b.second; });
        out.next = easiest->first;
        out.next_threshold = easiest->second;
    }
    return out;
}

int first_lag(const Rules& rules) {
    const auto& m = rules.months_before;
    return m.empty() ? 0 : *std::min_element(m.begin(), m.end());
}

long users_needed(double threshold, long users, long receipts) {
    if (receipts <= 0) return 0;
    // The smallest n with (users + n) / receipts ≥ threshold%, in whole persons.
    const long required =
        static_cast<long>(std::ceil(threshold * static_cast<double>(receipts) / 100.0 - 1e-9));
    return std::max(0L, required - users);
}

}  // namespace mynaq::report
