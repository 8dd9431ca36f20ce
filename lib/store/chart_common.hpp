// Internal to lib/store: what both backends share about charts, check matches and stored
// medical results — columns, the checks on a row before it is written, audit details and
// errors — so that SQLite and PostgreSQL behave alike.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "mynaq/store.hpp"

namespace mynaq::store::detail {

// In this order in every SELECT, INSERT and the copy. kana_key is derived from name_kana
// (chart_kana_key) and written after these.
inline constexpr std::string_view kChartColumns =
    "chart_id, name_kana, birthdate, insurer_number, card_symbol, identification_number, "
    "branch_number, ref_state, ref_code, ref_message, reception_number, updated_at, updated_by";
inline constexpr int kChartColumnCount = 13;

inline constexpr std::string_view kMedicalResultColumns =
    "id, patient_key, kind, fetched_at, from_month, to_month, format, request_id, document, "
    "fetched_by";

// The chart's fields in kChartColumns order.
std::array<const std::string*, kChartColumnCount> chart_fields(const ChartRecord& chart);
std::array<std::string*, kChartColumnCount> chart_fields(ChartRecord& chart);

// Throws Error{InvalidArgument} for an empty or over-long chart id or an unknown ref_state,
// Error{Forbidden} for a chart id that looks like a 個人番号.
void require_chart(const ChartRecord& chart);
// Throws Error{InvalidArgument} for an unknown state or rule, or "matched" without a chart.
void require_check_match(const CheckMatch& match);
// Throws Error{InvalidArgument} for an unknown kind or format or an empty patient key.
void require_medical_result(const MedicalResultRecord& result);

std::string chart_object(const ChartRecord& chart);  // "chart:<id>"
std::string chart_detail(const ChartRecord& chart);  // state, never the name
std::string match_detail(const CheckMatch& match);
std::string candidates_json(const CheckMatch& match);  // "" unless there are candidates
std::string medical_result_detail(const MedicalResultRecord& result);

// Error{NotFound} for a check the store does not hold.
[[noreturn]] void check_not_found(std::int64_t id, std::string_view location);

}  // namespace mynaq::store::detail
