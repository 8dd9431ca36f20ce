#include "elig_render.hpp"

#include <algorithm>
#include <iostream>

#include <fmt/format.h>

#include "mynaq/oqs/codes.hpp"
#include "text_width.hpp"

namespace mynaq::cli {

namespace {

constexpr std::size_t kLabelWidth = 20;

// Label padded to the column, and never touching its value.
std::string label_cell(std::string_view label, std::size_t width) {
    return pad_right(label, std::max(width, display_width(label) + 1));
}

void row(std::string_view label, std::string_view value) {
    if (value.empty()) return;
    std::cout << "  " << label_cell(label, kLabelWidth) << value << '\n';
}

std::string lang_code(const AppContext& context) {
    return context.lang == Lang::Ja ? "ja" : "en";
}

std::string code(const AppContext& context, std::string_view element, std::string_view value) {
    if (value.empty()) return {};
    return oqs::CodeTables::builtin().describe(element, value, lang_code(context));
}

// yyyyMMdd → yyyy-mm-dd; yyyyMMddHHmmss → yyyy-mm-dd HH:MM; anything else as sent.
std::string date_text(std::string_view v) {
    const auto digits = v.find_first_not_of("0123456789") == std::string_view::npos;
    if (digits && v.size() == 8) {
        return fmt::format("{}-{}-{}", v.substr(0, 4), v.substr(4, 2), v.substr(6, 2));
    }
    if (digits && v.size() == 14) {
        return fmt::format("{}-{}-{} {}:{}", v.substr(0, 4), v.substr(4, 2), v.substr(6, 2),
                           v.substr(8, 2), v.substr(10, 2));
    }
    return std::string(v);
}

// "030" → 3割 / 30%: the 3-digit form of InsuredPartialContributionRatio.
std::string ratio_text(const AppContext& context, std::string_view v) {
    if (v.size() != 3 || v.find_first_not_of("0123456789") != std::string_view::npos) {
        return std::string(v);
    }
    const int tenths = std::stoi(std::string(v));
    if (context.lang == Lang::Ja) {
        return tenths % 10 == 0 ? fmt::format("{}割", tenths / 10)
                                : fmt::format("{}.{}割", tenths / 10, tenths % 10);
    }
    return fmt::format("{}%", tenths);
}

std::string str(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string trimmed(std::string s) {
    const auto b = s.find_first_not_of(' ');
    return b == std::string::npos ? std::string() : s.substr(b);
}

void print_coverage(const AppContext& context, const nlohmann::json& c) {
    const auto t = [&](std::string_view key) { return context.t(key); };
    std::string name = str(c, "Name");
    if (!str(c, "NameKana").empty()) name += fmt::format(" ({})", str(c, "NameKana"));
    row(t("elig.name"), name);
    row(t("elig.birthdate"), date_text(str(c, "Birthdate")));
    row(t("elig.sex"), code(context, "Sex1", str(c, "Sex1")));
    row(t("elig.card_class"),
        code(context, "InsuredCardClassification", str(c, "InsuredCardClassification")));
    std::string insurer = str(c, "InsurerNumber");
    if (insurer.empty()) insurer = str(c, "PublicExpenseNumber");
    if (!str(c, "InsurerName").empty()) insurer += "  " + str(c, "InsurerName");
    row(t("elig.insurer"), insurer);
    std::string number = str(c, "InsuredCardSymbol");
    const std::string id = str(c, "InsuredIdentificationNumber").empty()
                               ? str(c, "BeneficiaryNumber")
                               : str(c, "InsuredIdentificationNumber");
    number += (number.empty() ? "" : "・") + id;
    if (!str(c, "InsuredBranchNumber").empty()) {
        number += fmt::format(" ({} {})", t("elig.branch"), str(c, "InsuredBranchNumber"));
    }
    row(t("elig.symbol_number"), number);
    row(t("elig.family"),
        code(context, "PersonalFamilyClassification", str(c, "PersonalFamilyClassification")));
    row(t("elig.ratio"), ratio_text(context, str(c, "InsuredPartialContributionRatio")));
    const std::string from = date_text(str(c, "InsuredCardValidDate"));
    const std::string to = date_text(str(c, "InsuredCardExpirationDate"));
    if (!from.empty() || !to.empty()) row(t("elig.valid"), fmt::format("{} 〜 {}", from, to));
    if (!str(c, "DisqualificationDate").empty()) {
        row(t("elig.disqualified"), date_text(str(c, "DisqualificationDate")));
    }
    row(t("elig.preschool"),
        code(context, "PreschoolClassification", str(c, "PreschoolClassification")));
    if (const auto e = c.find("ElderlyRecipientCertificateInfo"); e != c.end()) {
        row(t("elig.elderly"),
            fmt::format("{} ({} 〜 {})",
                        ratio_text(context, str(*e, "ElderlyRecipientContributionRatio")),
                        date_text(str(*e, "ElderlyRecipientValidStartDate")),
                        date_text(str(*e, "ElderlyRecipientValidEndDate"))));
    }
    if (const auto l = c.find("LimitApplicationCertificateRelatedInfo"); l != c.end()) {
        row(t("elig.limit"),
            fmt::format("{} / {} ({} 〜 {})",
                        code(context, "LimitApplicationCertificateClassification",
                             str(*l, "LimitApplicationCertificateClassification")),
                        code(context, "LimitApplicationCertificateClassificationFlag",
                             str(*l, "LimitApplicationCertificateClassificationFlag")),
                        date_text(str(*l, "LimitApplicationCertificateValidStartDate")),
                        date_text(str(*l, "LimitApplicationCertificateValidEndDate"))));
    }
    if (const auto d = c.find("SpecificDiseasesCertificateInfo"); d != c.end()) {
        for (const auto& disease : *d) {
            std::string text = code(context, "SpecificDiseasesDiseaseCategory",
                                    str(disease, "SpecificDiseasesDiseaseCategory"));
            if (!str(disease, "SpecificDiseasesSelfPay").empty()) {
                text += fmt::format(" ({} {})", t("elig.self_pay"),
                                    str(disease, "SpecificDiseasesSelfPay"));
            }
            row(t("elig.specific_disease"), text);
        }
    }
    if (const auto m = c.find("MedicalTicketInfo"); m != c.end()) {
        for (const auto& ticket : *m) {
            row(t("elig.medical_ticket"),
                fmt::format("{} {} ({} 〜 {})",
                            code(context, "TicketType", str(ticket, "TicketType")),
                            str(ticket, "MedicalTreatmentMonth"),
                            date_text(str(ticket, "MedicalTicketValidDate")),
                            date_text(str(ticket, "MedicalTicketExpirationDate"))));
        }
    }
    row(t("elig.reference_number"), str(c, "ReferenceNumber"));
}

void print_consents(const AppContext& context, const std::string& consents_json) {
    if (consents_json.empty()) return;
    const auto consents = nlohmann::json::parse(consents_json, nullptr, false);
    if (!consents.is_array() || consents.empty()) return;
    std::cout << "  " << context.t("elig.consents") << '\n';
    for (const auto& c : consents) {
        const std::string element = str(c, "element");
        const std::string label_key = "consent." + element;
        std::string_view label = context.t(label_key);
        if (label == label_key) label = element;  // a category this version does not name
        std::string value = code(context, element + "ConsFlg", str(c, "flag"));
        if (!str(c, "available_time").empty()) {
            value += fmt::format(" ({} {})", context.t("elig.until"),
                                 date_text(str(c, "available_time")));
        }
        std::cout << "    " << label_cell(label, kLabelWidth - 2) << value << '\n';
    }
}

}  // namespace

std::string eligibility_text(const AppContext& context, std::string_view eligibility) {
    const std::string key = fmt::format("eligibility.{}", eligibility);
    return std::string(context.t(key));
}

nlohmann::json check_json(const CheckRecord& r, bool with_raw) {
    nlohmann::json j{
        {"id", r.id},
        {"checked_at", r.checked_at},
        {"facility", r.facility},
        {"method", r.method},
        {"identity_method",
         r.identity_method.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.identity_method)},
        {"source", r.source},
        {"source_file", r.source_file},
        {"request_id", r.request_id},
        {"confirmation_date", r.confirmation_date},
        {"file_state", r.file_state},
        {"person_state", r.person_state},
        {"eligibility", r.eligibility},
        {"valid", r.person_state == "ok" && r.eligibility == "valid"},
        {"processing_result_code", r.processing_code},
        {"processing_result_message", r.processing_message},
        {"insurer_number", r.insurer_number},
        {"card_symbol", r.card_symbol},
        {"identification_number", r.identification_number},
        {"branch_number", r.branch_number},
        {"birthdate", r.birthdate},
        {"name", r.name},
        {"name_kana", r.name_kana},
        {"ratio", r.ratio},
        {"valid_from", r.valid_from},
        {"valid_to", r.valid_to},
        {"limit", r.limit_summary},
        {"specific_diseases", r.specific_disease_summary},
        {"reference_number", r.reference_number}};
    j["coverage"] =
        nlohmann::json::parse(r.coverage_json.empty() ? "[]" : r.coverage_json, nullptr, false);
    j["consents"] =
        nlohmann::json::parse(r.consents_json.empty() ? "[]" : r.consents_json, nullptr, false);
    if (!r.match_state.empty()) {
        j["chart"] = {
            {"id", r.chart_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.chart_id)},
            {"state", r.match_state},
            {"rule", r.match_rule},
            {"candidates",
             nlohmann::json::parse(r.match_candidates.empty() ? "[]" : r.match_candidates, nullptr,
                                   false)}};
    }
    if (with_raw) j["raw"] = r.raw_xml;
    return j;
}

void print_check(const AppContext& context, const CheckRecord& r) {
    const auto t = [&](std::string_view key) { return context.t(key); };
    std::string state = eligibility_text(context, r.eligibility);
    if (r.person_state == "error") state += fmt::format(" / {}", t("elig.person_error"));
    if (r.file_state == "failed") state = std::string(t("elig.file_failed"));
    std::cout << label_cell(t("elig.result"), kLabelWidth + 2) << state << '\n';
    const auto coverages =
        nlohmann::json::parse(r.coverage_json.empty() ? "[]" : r.coverage_json, nullptr, false);
    if (coverages.is_array() && coverages.size() > 1) {
        std::cout << "  "
                  << fmt::format(fmt::runtime(std::string(t("elig.several_records"))),
                                 coverages.size())
                  << '\n';
    }
    if (coverages.is_array() && !coverages.empty()) {
        std::size_t n = 0;
        for (const auto& c : coverages) {
            if (coverages.size() > 1) std::cout << fmt::format("  [{}]\n", ++n);
            print_coverage(context, c);
        }
    } else {
        row(t("elig.insurer"), r.insurer_number);
        row(t("elig.symbol_number"), r.card_symbol.empty()
                                         ? r.identification_number
                                         : r.card_symbol + "・" + r.identification_number);
        row(t("elig.birthdate"), date_text(r.birthdate));
    }
    if (!r.processing_code.empty() || !r.processing_message.empty()) {
        row(t("elig.processing"), trimmed(r.processing_code + " " + r.processing_message));
    }
    print_consents(context, r.consents_json);
    row(t("elig.record"),
        fmt::format("#{}  {}  ({})", r.id, r.checked_at, context.t("source." + r.source)));
}

std::string check_line(const AppContext& context, const CheckRecord& r) {
    std::string who =
        r.name.empty() ? trimmed(r.insurer_number) + " " + r.identification_number : r.name;
    std::string state = r.file_state == "failed" ? std::string(context.t("elig.file_failed"))
                                                 : eligibility_text(context, r.eligibility);
    return fmt::format("#{:<5} {}  {}  {}  {}", r.id, r.checked_at.substr(0, 16),
                       pad_right(state, 14), pad_right(who, 20),
                       r.reference_number.empty() ? "" : "[" + r.reference_number + "]");
}

std::string chart_match_text(const AppContext& context, const CheckRecord& r) {
    if (r.match_state.empty()) return {};
    if (r.match_state == "ambiguous") {
        const auto candidates = nlohmann::json::parse(
            r.match_candidates.empty() ? "[]" : r.match_candidates, nullptr, false);
        std::string ids;
        if (candidates.is_array()) {
            for (const auto& id : candidates) {
                if (!ids.empty()) ids += ", ";
                ids += id.is_string() ? id.get<std::string>() : id.dump();
            }
        }
        return fmt::format(fmt::runtime(std::string(context.t("chart.match.ambiguous"))), ids);
    }
    if (r.match_state == "matched") {
        return fmt::format(fmt::runtime(std::string(context.t("chart.match.matched"))), r.chart_id,
                           context.t(fmt::format("chart.rule.{}", r.match_rule)));
    }
    return std::string(context.t("chart.match.unmatched"));
}

std::string check_line_with_chart(const AppContext& context, const CheckRecord& record) {
    std::string line = check_line(context, record);
    const std::string chart = chart_match_text(context, record);
    if (!chart.empty()) line += "  " + chart;
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return line;
}

nlohmann::json findings_json(const std::vector<oqs::InputFinding>& findings) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& f : findings) {
        out.push_back(
            {{"field", f.field}, {"code", f.code}, {"detail", f.detail}, {"blocking", f.blocking}});
    }
    return out;
}

}  // namespace mynaq::cli
