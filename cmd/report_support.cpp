#include "report_support.hpp"

#include <algorithm>
#include <iostream>

#include <fmt/format.h>

#include "mynaq/files.hpp"
#include "mynaq/jst.hpp"

namespace mynaq::cli {

namespace {

report::Site site_of(const ReportSiteConfig& c, const std::string& code, const std::string& name) {
    report::Site site;
    site.code = code;
    site.name = name;
    site.facility.type = c.type;
    site.facility.flags = {c.flags.begin(), c.flags.end()};
    site.facility.paediatric_exception = c.paediatric_exception;
    return site;
}

}  // namespace

std::vector<report::Site> configured_sites(const AppContext& context) {
    std::vector<report::Site> out;
    const auto& config = context.config;
    if (!config.facility.code.empty()) {
        out.push_back(site_of(config.report.facility, config.facility.code, config.facility.name));
    }
    for (const auto& s : config.report.sites) {
        if (std::none_of(out.begin(), out.end(),
                         [&](const report::Site& o) { return o.code == s.code; })) {
            out.push_back(site_of(s, s.code, s.name));
        }
    }
    return out;
}

report::Facility default_facility(const AppContext& context) {
    return site_of(context.config.report.facility, "", "").facility;
}

std::vector<std::string> site_codes(const AppContext& context,
                                    const std::vector<std::string>& wanted) {
    const auto sites = configured_sites(context);
    std::vector<std::string> out;
    for (const auto& w : wanted) {
        const auto named = std::find_if(sites.begin(), sites.end(), [&](const report::Site& s) {
            return s.code == w || (!s.name.empty() && s.name == w);
        });
        if (named != sites.end()) {
            out.push_back(named->code);
        } else if (w.size() == 10 && w.find_first_not_of("0123456789") == std::string::npos) {
            out.push_back(w);
        } else {
            throw Error(Errc::Usage,
                        fmt::format("--site {}: not a 10-digit 医療機関コード nor the name of a "
                                    "site in report.sites",
                                    w));
        }
    }
    return out;
}

std::string single_site(const AppContext& context, const std::string& wanted) {
    if (!wanted.empty()) return site_codes(context, {wanted}).front();
    if (!context.config.facility.code.empty()) return context.config.facility.code;
    throw Error(Errc::Usage,
                "which facility? give --site 医療機関コード or set facility.code in the "
                "configuration");
}

report::Rules load_report_rules(const AppContext& context, const std::string& rules_option) {
    if (!rules_option.empty()) return report::load_rules(rules_option);
    if (!context.config.report.rules.empty())
        return report::load_rules(context.config.report.rules);
    return report::load_rules(report::default_rules_file());
}

report::Month month_option(const std::string& text, const char* option) {
    const auto m = report::parse_month(text);
    if (!m) {
        throw Error(Errc::InvalidArgument,
                    fmt::format("{} {}: give a month like 2026-10", option, text));
    }
    return *m;
}

report::Month current_month() {
    return *report::parse_month(format_jst_date(now_seconds()).substr(0, 7));
}

std::string site_label(const report::Site& site) {
    return site.name.empty() ? site.code : fmt::format("{} ({})", site.name, site.code);
}

std::string site_label(const std::vector<report::Site>& sites, const std::string& code) {
    for (const auto& s : sites) {
        if (s.code == code) return site_label(s);
    }
    return code;
}

std::string percent_text(const std::optional<double>& value) {
    return value ? fmt::format("{:.2f}%", *value) : "—";
}

std::string threshold_text(const std::optional<double>& value) {
    return value ? fmt::format("{:g}%", *value) : "—";
}

std::string count_text(std::int64_t value) {
    const std::string digits = std::to_string(value < 0 ? -value : value);
    std::string out = value < 0 ? "-" : "";
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

std::string_view rate_kind_text(const AppContext& context, const std::string& kind) {
    return kind == "notified" ? context.t("rp.kind.notified") : context.t("rp.kind.local");
}

std::string level_text(const AppContext& context, const std::string& level) {
    return fmt::format(fmt::runtime(std::string(context.t("rp.level"))), level);
}

void deliver(const std::string& text, const std::string& out) {
    if (out.empty()) {
        std::cout << text;
        std::cout.flush();
        return;
    }
    write_file_atomic(out, std::string_view(text));
}

}  // namespace mynaq::cli
