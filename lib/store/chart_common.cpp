#include "chart_common.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "mynaq/consent.hpp"
#include "mynaq/error.hpp"
#include "mynaq/text.hpp"

namespace mynaq::store::detail {

namespace {

// 照会番号: MynaReception's spec allows up to 50 characters; bytes bound it here (UTF-8).
constexpr std::size_t kMaxChartIdBytes = 200;

bool one_of(std::string_view value, std::initializer_list<std::string_view> allowed) {
    return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

}  // namespace

std::array<const std::string*, kChartColumnCount> chart_fields(const ChartRecord& c) {
    return {&c.chart_id,       &c.name_kana,        &c.birthdate,
            &c.insurer_number, &c.card_symbol,      &c.identification_number,
            &c.branch_number,  &c.ref_state,        &c.ref_code,
            &c.ref_message,    &c.reception_number, &c.updated_at,
            &c.updated_by};
}

std::array<std::string*, kChartColumnCount> chart_fields(ChartRecord& c) {
    return {&c.chart_id,       &c.name_kana,        &c.birthdate,
            &c.insurer_number, &c.card_symbol,      &c.identification_number,
            &c.branch_number,  &c.ref_state,        &c.ref_code,
            &c.ref_message,    &c.reception_number, &c.updated_at,
            &c.updated_by};
}

void require_chart(const ChartRecord& chart) {
    if (chart.chart_id.empty()) throw Error(Errc::InvalidArgument, "a chart needs its id");
    if (chart.chart_id.size() > kMaxChartIdBytes) {
        // The start of the id, cut before a UTF-8 continuation byte, not inside a character.
        std::size_t cut = 20;
        while (cut > 0 && (static_cast<unsigned char>(chart.chart_id[cut]) & 0xC0U) == 0x80U) {
            --cut;
        }
        throw Error(Errc::InvalidArgument,
                    fmt::format("the chart id {}… is too long for a 照会番号",
                                chart.chart_id.substr(0, cut)));
    }
    if (looks_like_individual_number(trim_blanks(chart.chart_id))) {
        throw Error(Errc::Forbidden,
                    "a chart id that looks like a 個人番号 (12 digits with a valid check digit) "
                    "is refused: the 個人番号 must never be stored");
    }
    if (!one_of(chart.ref_state, {"", "pending", "registered", "failed"})) {
        throw Error(Errc::InvalidArgument,
                    fmt::format("unknown registration state \"{}\"", chart.ref_state));
    }
}

void require_check_match(const CheckMatch& match) {
    if (!one_of(match.state, {"matched", "ambiguous", "unmatched"})) {
        throw Error(Errc::InvalidArgument, fmt::format("unknown match state \"{}\"", match.state));
    }
    if (!one_of(match.rule, {"", "reference", "kana_birthdate", "insurance", "staff"})) {
        throw Error(Errc::InvalidArgument, fmt::format("unknown match rule \"{}\"", match.rule));
    }
    if (match.state == "matched" && match.chart_id.empty()) {
        throw Error(Errc::InvalidArgument, "a matched check needs its chart");
    }
}

void require_medical_result(const MedicalResultRecord& result) {
    if (!one_of(result.kind, {"drugs", "checkups"})) {
        throw Error(Errc::InvalidArgument,
                    fmt::format("unknown medical information kind \"{}\"", result.kind));
    }
    if (!one_of(result.format, {"xml", "pdf"})) {
        throw Error(Errc::InvalidArgument, fmt::format("unknown format \"{}\"", result.format));
    }
    if (result.patient_key.empty()) {
        throw Error(Errc::InvalidArgument, "a medical result needs its patient");
    }
}

std::string chart_object(const ChartRecord& chart) {
    return "chart:" + chart.chart_id;
}

std::string chart_detail(const ChartRecord& chart) {
    nlohmann::json j{{"ref_state", chart.ref_state}};
    if (!chart.ref_code.empty()) j["ref_code"] = chart.ref_code;
    if (!chart.reception_number.empty()) j["reception_number"] = chart.reception_number;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string match_detail(const CheckMatch& match) {
    nlohmann::json j{{"state", match.state}, {"rule", match.rule}, {"chart", match.chart_id}};
    if (!match.candidates.empty()) j["candidates"] = match.candidates;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string candidates_json(const CheckMatch& match) {
    if (match.candidates.empty()) return {};
    return nlohmann::json(match.candidates)
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string medical_result_detail(const MedicalResultRecord& result) {
    nlohmann::json j{
        {"kind", result.kind}, {"patient", result.patient_key}, {"format", result.format}};
    if (!result.from_month.empty()) j["from"] = result.from_month;
    if (!result.to_month.empty()) j["to"] = result.to_month;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void check_not_found(std::int64_t id, std::string_view location) {
    throw Error(Errc::NotFound, fmt::format("no check {} in the store {}", id, location),
                {{"path", std::string(location)}, {"id", std::to_string(id)}});
}

}  // namespace mynaq::store::detail
