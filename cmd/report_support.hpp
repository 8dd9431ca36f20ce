// What the report commands share: the sites of this installation, the 加算 table, months as
// typed, and writing a report to a file or stdout.
#pragma once

#include <string>
#include <vector>

#include "context.hpp"
#include "mynaq/report/rules.hpp"
#include "mynaq/report/usage.hpp"

namespace mynaq::cli {

// facility.code first (with report.type/flags), then report.sites.
std::vector<report::Site> configured_sites(const AppContext& context);

// report.type/flags/paediatric_exception: for sites the configuration does not list.
report::Facility default_facility(const AppContext& context);

// --site values (codes or configured names) as codes; Error{Usage} for a name no site has.
std::vector<std::string> site_codes(const AppContext& context,
                                    const std::vector<std::string>& wanted);

// The site to record a figure for: --site, else facility.code; Error{Usage} when neither.
std::string single_site(const AppContext& context, const std::string& wanted);

// --rules, else report.rules, else the table shipped with mynaq.
report::Rules load_report_rules(const AppContext& context, const std::string& rules_option);

// "2026-10" etc.; Error{InvalidArgument} naming the option otherwise.
report::Month month_option(const std::string& text, const char* option);
report::Month current_month();  // in JST

std::string site_label(const report::Site& site);
std::string site_label(const std::vector<report::Site>& sites, const std::string& code);

// "12.34%" or "—".
std::string percent_text(const std::optional<double>& value);
// A threshold as the rules state it: "30%", "27.5%", "—".
std::string threshold_text(const std::optional<double>& value);
// "1,234".
std::string count_text(std::int64_t value);
// What kind of figure a rate is: 通知/推計, notified/local.
std::string_view rate_kind_text(const AppContext& context, const std::string& kind);
// "加算2" / "level 2".
std::string level_text(const AppContext& context, const std::string& level);

// Writes `text` to `out` (atomic, 0600) or stdout when out is empty.
void deliver(const std::string& text, const std::string& out);

}  // namespace mynaq::cli
