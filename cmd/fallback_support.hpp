// What the fallback commands share: the ladder's context from the configuration and the
// store, labels for questions and choices, and the case views.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "context.hpp"
#include "mynaq/fallback/case.hpp"
#include "mynaq/fallback/ladder.hpp"
#include "mynaq/store.hpp"

namespace mynaq::cli {

fallback::ClaimOptions claim_options(const AppContext& context);
// Today, the facility, the operator, the disaster defaults, and the store lookup of the
// patient's last recorded coverage (name and birth date must match).
fallback::LadderContext ladder_context(const AppContext& context, const Store& store);

// Adds the case (id 0) or updates it; the case comes back as saved (id, revision, times).
void save_case(Store& store, fallback::Case& c);
fallback::Case load_case(const Store& store, std::int64_t id);  // Error{NotFound}

std::string question_text(const AppContext& context, const std::string& id);
std::string choice_text(const AppContext& context, const std::string& choice);
std::string group_text(const AppContext& context, const std::string& group);
std::string state_text(const AppContext& context, const std::string& state);
std::string action_text(const AppContext& context, const std::string& action);
std::string route_text(const AppContext& context, const std::string& route);
std::string basis_text(const AppContext& context, const std::string& basis);
std::string share_text(const AppContext& context, int percent);
std::string coverage_text(const fallback::CoverageSeen& coverage);

nlohmann::json case_json(const fallback::Case& c);
std::string case_view(const AppContext& context, const fallback::Case& c);
std::string case_table(const AppContext& context, const std::vector<fallback::Case>& cases);
// Grouped by recheck action, in the order of fallback::recheck_actions().
std::string action_list(const AppContext& context, const std::vector<fallback::Case>& cases);

// forms/fallback-<id>.html beside the SQLite store ($XDG_DATA_HOME/mynaq by default; 0700).
std::filesystem::path default_form_path(const AppContext& context, std::int64_t id);
// Writes the 申立書 of the case (or a blank one) as HTML, or PDF when the path ends in .pdf.
void write_form(const AppContext& context, const std::optional<fallback::Declaration>& filled,
                const std::filesystem::path& out);

}  // namespace mynaq::cli
