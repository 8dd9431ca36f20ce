// mynaq report level: the 加算 level a 算定 month earns, the figures behind it and how many
// more マイナ保険証 users this month would reach the next one.
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "elig_support.hpp"
#include "mynaq/report/level.hpp"
#include "report_support.hpp"

namespace mynaq::cli {

namespace {

struct LevelOptions {
    std::string month;
    std::string current;
    std::vector<std::string> sites;
    std::string rules;
};

nlohmann::json optional_json(const std::optional<double>& v) {
    return v ? nlohmann::json(std::round(*v * 100.0) / 100.0) : nlohmann::json();
}

template <typename T>
nlohmann::json optional_json(const std::optional<T>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json();
}

nlohmann::json level_json(const report::LevelReport& r) {
    const auto& d = r.decision;
    nlohmann::json considered = nlohmann::json::array();
    for (const auto& row : r.considered) {
        const auto rate = row.rate();
        considered.push_back(
            {{"month", row.month.text()},
             {"users", row.users},
             {"receipts", optional_json(row.receipts)},
             {"local_rate", optional_json(row.local_rate)},
             {"notified_rate", optional_json(row.notified_rate)},
             {"rate", rate ? optional_json(std::optional(rate->percent)) : nlohmann::json()},
             {"rate_kind", rate ? nlohmann::json(rate->kind) : nlohmann::json()}});
    }
    const auto& m = r.margin;
    return {{"site",
             {{"code", r.site.code},
              {"name", r.site.name},
              {"type", r.site.facility.type},
              {"flags", r.site.facility.flags},
              {"paediatric_exception", r.site.facility.paediatric_exception}}},
            {"month", d.month.text()},
            {"period",
             {{"name", d.period->name},
              {"from", d.period->from.text()},
              {"to", d.period->to ? nlohmann::json(d.period->to->text()) : nlohmann::json()},
              {"uncertain", d.period->uncertain},
              {"rate_required", d.period->rate_required}}},
            {"considered", considered},
            {"rate_month", d.rate_month ? nlohmann::json(d.rate_month->text()) : nlohmann::json()},
            {"rate", d.rate ? optional_json(std::optional(d.rate->percent)) : nlohmann::json()},
            {"rate_kind", d.rate ? nlohmann::json(d.rate->kind) : nlohmann::json()},
            {"level", d.level ? nlohmann::json(d.level->level) : nlohmann::json()},
            {"threshold", optional_json(d.threshold)},
            {"points", optional_json(r.points)},
            {"points_known", r.points_known},
            {"next_level", d.next ? nlohmann::json(d.next->level) : nlohmann::json()},
            {"next_threshold", optional_json(d.next_threshold)},
            {"margin",
             {{"current", m.current.text()},
              {"applies_to", m.applies_to.text()},
              {"users", m.users},
              {"receipts", optional_json(m.receipts)},
              {"receipts_month",
               m.receipts_month ? nlohmann::json(m.receipts_month->text()) : nlohmann::json()},
              {"rate", optional_json(m.rate)},
              {"level", m.level.empty() ? nlohmann::json() : nlohmann::json(m.level)},
              {"threshold", optional_json(m.threshold)},
              {"uncertain", m.uncertain},
              {"users_needed", optional_json(m.users_needed)}}}};
}

std::string rate_with_kind(const AppContext& context, const report::UsageRow& row) {
    const auto rate = row.rate();
    if (!rate) return std::string(context.t("rp.unknown"));
    return fmt::format("{} ({})", percent_text(rate->percent), rate_kind_text(context, rate->kind));
}

std::string level_text_block(const AppContext& context, const report::LevelReport& r) {
    const auto& d = r.decision;
    auto tf = [&](std::string_view key) { return std::string(context.t(key)); };
    std::string out =
        fmt::format("{}  {}\n", site_label(r.site), context.t("rp.type." + r.site.facility.type));
    out += fmt::format("  {} {}  {}\n", tf("rp.month"), d.month.text(), d.period->name);
    if (d.period->uncertain) out += "  " + tf("rp.uncertain_note") + "\n";
    if (!d.period->rate_required) {
        out += fmt::format("  {}: {}  ({})\n", tf("rp.result"),
                           d.level ? level_text(context, d.level->level) : tf("rp.no_level"),
                           tf("rp.no_rate_required"));
    } else {
        std::vector<std::string> parts;
        for (const auto& row : r.considered) {
            parts.push_back(row.month.text() + " " + rate_with_kind(context, row));
        }
        out += fmt::format("  {}: {}\n", tf("rp.considered"), fmt::join(parts, ", "));
        if (d.rate) {
            out +=
                fmt::format("  {}: {} {} ({})\n", tf("rp.used"), d.rate_month->text(),
                            percent_text(d.rate->percent), rate_kind_text(context, d.rate->kind));
        } else {
            out += fmt::format("  {}: {}\n", tf("rp.used"), tf("rp.no_rate"));
        }
        if (d.level) {
            out += fmt::format("  {}: {} ({} {})", tf("rp.result"),
                               level_text(context, d.level->level), tf("rp.threshold"),
                               threshold_text(d.threshold));
        } else {
            out += fmt::format("  {}: {}", tf("rp.result"), tf("rp.no_level"));
        }
        out += "\n";
    }
    if (d.level) {
        out += fmt::format("  {}: {}\n", tf("rp.points"),
                           r.points_known ? fmt::format(fmt::runtime(tf("rp.points_n")), *r.points)
                                          : tf("rp.points_unknown"));
    }
    if (d.next) {
        out += fmt::format("  {}: {} ({} {})\n", tf("rp.next"), level_text(context, d.next->level),
                           tf("rp.threshold"), threshold_text(d.next_threshold));
    }
    const auto& m = r.margin;
    if (m.receipts) {
        out += fmt::format(
            fmt::runtime(tf(m.receipts_month == m.current ? "rp.now" : "rp.now_estimated")),
            m.current.text(), count_text(m.users), count_text(*m.receipts), percent_text(m.rate),
            m.receipts_month ? m.receipts_month->text() : "");
        out += "\n";
    } else {
        out += fmt::format(fmt::runtime(tf("rp.now_no_receipts")), m.current.text(),
                           count_text(m.users));
        out += "\n";
    }
    if (m.users_needed && !m.level.empty()) {
        const auto key = *m.users_needed == 0 ? "rp.margin_reached" : "rp.margin";
        out += "  " +
               fmt::format(fmt::runtime(tf(key)), m.applies_to.text(), level_text(context, m.level),
                           threshold_text(m.threshold), count_text(*m.users_needed)) +
               (m.uncertain ? " " + tf("rp.uncertain_mark") : "") + "\n";
    }
    return out;
}

int run_level(AppContext& context, const LevelOptions& o) {
    const auto rules = load_report_rules(context, o.rules);
    const auto now = current_month();
    const auto month = o.month.empty() ? now : month_option(o.month, "--month");
    const auto current = o.current.empty() ? now : month_option(o.current, "--current");
    auto sites = configured_sites(context);
    if (!o.sites.empty()) {
        const auto codes = site_codes(context, o.sites);
        std::vector<report::Site> chosen;
        for (const auto& code : codes) {
            const auto known = std::find_if(sites.begin(), sites.end(),
                                            [&](const report::Site& s) { return s.code == code; });
            if (known != sites.end()) {
                chosen.push_back(*known);
            } else {
                report::Site s;
                s.code = code;
                s.facility = default_facility(context);
                chosen.push_back(s);
            }
        }
        sites = chosen;
    }
    if (sites.empty()) {
        throw Error(Errc::Usage,
                    "which facility? set facility.code (and report.sites for a chain) in the "
                    "configuration, or give --site 医療機関コード");
    }
    auto store = open_store(context);
    std::vector<report::LevelReport> reports;
    for (const auto& site : sites) {
        reports.push_back(report::build_level(*store, rules, site, month, current));
    }
    if (context.json()) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& r : reports) list.push_back(level_json(r));
        context.emit_json(
            {{"month", month.text()}, {"rules", rules.source.string()}, {"sites", list}});
        return 0;
    }
    for (std::size_t i = 0; i < reports.size(); ++i) {
        if (i != 0) std::cout << '\n';
        std::cout << level_text_block(context, reports[i]);
    }
    return 0;
}

}  // namespace

void add_report_level_command(Registry registry, CLI::App& report) {
    auto& context = registry.context;
    auto& action = registry.action;
    auto o = std::make_shared<LevelOptions>();
    CLI::App* level = report.add_subcommand(
        "level", "The 加算 level a 算定 month earns, the rate behind it and the margin");
    level->add_option("--month", o->month, "The 算定 month (default: this month)")
        ->type_name("YYYY-MM");
    level
        ->add_option("--current", o->current,
                     "The month being counted now, for the margin (default: this month)")
        ->type_name("YYYY-MM");
    level->add_option("--site", o->sites, "Only this site (code or configured name); repeatable")
        ->type_name("SITE");
    level
        ->add_option("--rules", o->rules,
                     "The 加算 table (default: report.rules or the shipped one)")
        ->type_name("FILE");
    level->callback(
        [&context, &action, o] { action = [&context, o] { return run_level(context, *o); }; });
}

}  // namespace mynaq::cli
