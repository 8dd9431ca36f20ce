#include "mynaq/chart_match.hpp"

#include "mynaq/text.hpp"

#include <string_view>

namespace mynaq {

namespace {

bool same(std::string_view a, std::string_view b) {
    return trim_ascii(a) == trim_ascii(b);
}

bool both_known(std::string_view a, std::string_view b) {
    return !trim_ascii(a).empty() && !trim_ascii(b).empty();
}

bool same_insured(const ChartRecord& chart, const CheckRecord& result) {
    return same(chart.insurer_number, result.insurer_number) &&
           same(chart.card_symbol, result.card_symbol) &&
           same(chart.identification_number, result.identification_number) &&
           same(chart.branch_number, result.branch_number);
}

bool same_family_other_member(const ChartRecord& chart, const CheckRecord& result) {
    return same(chart.insurer_number, result.insurer_number) &&
           same(chart.identification_number, result.identification_number) &&
           both_known(chart.branch_number, result.branch_number) &&
           !same(chart.branch_number, result.branch_number);
}

bool insurance_differs(const ChartRecord& chart, const CheckRecord& result) {
    if (!both_known(chart.identification_number, result.identification_number)) return false;
    return !same(chart.insurer_number, result.insurer_number) ||
           !same(chart.card_symbol, result.card_symbol) ||
           !same(chart.identification_number, result.identification_number) ||
           (both_known(chart.branch_number, result.branch_number) &&
            !same(chart.branch_number, result.branch_number));
}

std::vector<std::string> ids_of(const std::vector<const ChartRecord*>& charts) {
    std::vector<std::string> ids;
    ids.reserve(charts.size());
    for (const auto* chart : charts) ids.push_back(chart->chart_id);
    return ids;
}

ChartMatchResult matched(const ChartRecord& chart, const CheckRecord& result, std::string rule) {
    ChartMatchResult out;
    out.match.chart_id = chart.chart_id;
    out.match.state = "matched";
    out.match.rule = std::move(rule);
    out.insurance_changed = insurance_differs(chart, result);
    return out;
}

ChartMatchResult ambiguous(const std::vector<const ChartRecord*>& charts, std::string rule) {
    ChartMatchResult out;
    out.match.state = "ambiguous";
    out.match.rule = std::move(rule);
    out.match.candidates = ids_of(charts);
    return out;
}

}  // namespace

ChartMatchResult decide_chart_match(const CheckRecord& result, const ChartMatchInput& input) {
    if (input.by_reference) return matched(*input.by_reference, result, "reference");

    if (input.by_kana_birthdate.size() == 1) {
        const auto& chart = input.by_kana_birthdate.front();
        // Same insurance, another branch number: a twin whose own chart is not here yet.
        if (same_family_other_member(chart, result)) return ambiguous({&chart}, "kana_birthdate");
        return matched(chart, result, "kana_birthdate");
    }
    if (input.by_kana_birthdate.size() > 1) {
        // Twins, or two charts for one person: the insurance may tell them apart.
        std::vector<const ChartRecord*> all;
        std::vector<const ChartRecord*> insured;
        for (const auto& chart : input.by_kana_birthdate) {
            all.push_back(&chart);
            if (same_insured(chart, result)) insured.push_back(&chart);
        }
        if (insured.size() == 1) return matched(*insured.front(), result, "kana_birthdate");
        return ambiguous(insured.empty() ? all : insured, "kana_birthdate");
    }

    std::vector<const ChartRecord*> certain;
    std::vector<const ChartRecord*> possible;
    for (const auto& chart : input.by_insurance) {
        if (!same(chart.insurer_number, result.insurer_number) ||
            !same(chart.identification_number, result.identification_number)) {
            continue;
        }
        if (both_known(chart.card_symbol, result.card_symbol) &&
            !same(chart.card_symbol, result.card_symbol)) {
            continue;
        }
        if (both_known(chart.branch_number, result.branch_number)) {
            // On one insurance a family differs by branch number only.
            if (same(chart.branch_number, result.branch_number)) certain.push_back(&chart);
            continue;
        }
        if (both_known(chart.birthdate, result.birthdate)) {
            if (chart.birthdate == result.birthdate) certain.push_back(&chart);
            continue;
        }
        possible.push_back(&chart);
    }
    if (certain.size() == 1) return matched(*certain.front(), result, "insurance");
    if (certain.size() > 1) return ambiguous(certain, "insurance");
    if (!possible.empty()) return ambiguous(possible, "insurance");

    ChartMatchResult out;
    out.match.state = "unmatched";
    return out;
}

ChartMatchResult match_chart(const CheckRecord& result, const Store& store) {
    ChartMatchInput input;
    const auto reference = std::string(trim_ascii(result.reference_number));
    if (!reference.empty()) input.by_reference = store.chart(reference);
    if (!input.by_reference) {
        if (!trim_ascii(result.name_kana).empty() && !result.birthdate.empty()) {
            ChartFilter filter;
            filter.name_kana = result.name_kana;
            filter.birthdate = result.birthdate;
            input.by_kana_birthdate = store.list_charts(filter);
        }
        if (input.by_kana_birthdate.empty() && !trim_ascii(result.identification_number).empty()) {
            ChartFilter filter;
            filter.insurer_number = result.insurer_number;
            filter.identification_number = result.identification_number;
            input.by_insurance = store.list_charts(filter);
        }
    }
    return decide_chart_match(result, input);
}

ChartMatchResult match_and_record_chart(Store& store, const CheckRecord& stored_check) {
    auto result = match_chart(stored_check, store);
    store.set_check_match(stored_check.id, result.match);
    return result;
}

}  // namespace mynaq
