// Eligibility results the way reception staff read them, and the same facts as JSON.
#pragma once

#include <nlohmann/json.hpp>

#include "context.hpp"
#include "mynaq/oqs/message.hpp"
#include "mynaq/store.hpp"

namespace mynaq::cli {

nlohmann::json check_json(const CheckRecord& record, bool with_raw = false);
void print_check(const AppContext& context, const CheckRecord& record);
// One line: id, time, state, name, insurer/number — for list, watch and batch rows.
std::string check_line(const AppContext& context, const CheckRecord& record);
// check_line() followed by chart_match_text(), without trailing blanks.
std::string check_line_with_chart(const AppContext& context, const CheckRecord& record);
// Which chart the check was tied to: "→ K-0042 (照会番号)", "要確認: K-1, K-2", "カルテ未特定".
std::string chart_match_text(const AppContext& context, const CheckRecord& record);
std::string eligibility_text(const AppContext& context, std::string_view eligibility);
nlohmann::json findings_json(const std::vector<oqs::InputFinding>& findings);

}  // namespace mynaq::cli
