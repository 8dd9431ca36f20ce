#include "mynaq/fallback/export.hpp"

#include <nlohmann/json.hpp>

#include "mynaq/csv.hpp"

namespace mynaq::fallback {

std::string cases_to_csv(const std::vector<Case>& cases) {
    std::string out(kUtf8Bom);
    out += csv_row({"id",
                    "case_date",
                    "state",
                    "reason",
                    "visit",
                    "name",
                    "kana",
                    "birthdate",
                    "sex",
                    "identity_method",
                    "resolved_by",
                    "insurer_number",
                    "symbol",
                    "number",
                    "branch",
                    "ratio",
                    "share_suggested",
                    "share_basis",
                    "share_charged",
                    "share_override_note",
                    "claim_route",
                    "claim_insurer_number",
                    "claim_symbol",
                    "claim_number",
                    "claim_remarks",
                    "declaration_address",
                    "declaration_phone",
                    "declaration_insurance_kind",
                    "declaration_employer",
                    "disaster_period",
                    "disaster_consent",
                    "recheck_action",
                    "recheck_detail",
                    "recheck_check_id",
                    "recorded_by",
                    "note"});
    for (const auto& c : cases) {
        const Declaration d = c.declaration.value_or(Declaration{});
        out += csv_row({std::to_string(c.id),
                        c.case_date,
                        c.state,
                        c.reason,
                        c.visit,
                        c.name,
                        c.kana,
                        c.birthdate,
                        c.sex,
                        c.identity_method,
                        c.resolved_by,
                        c.coverage.insurer_number,
                        c.coverage.symbol,
                        c.coverage.number,
                        c.coverage.branch,
                        c.coverage.ratio,
                        std::to_string(c.share.suggested),
                        c.share.basis,
                        std::to_string(c.share.charged),
                        c.share.override_note,
                        c.claim.route,
                        c.claim.insurer_number,
                        c.claim.symbol,
                        c.claim.number,
                        c.claim.remarks,
                        d.address,
                        d.phone,
                        d.insurance_kind,
                        d.employer,
                        c.disaster ? c.disaster->period_from + "/" + c.disaster->period_to : "",
                        c.disaster ? c.disaster->consent : "",
                        c.recheck.action,
                        c.recheck.detail,
                        c.recheck.check_id != 0 ? std::to_string(c.recheck.check_id) : "",
                        c.recorded_by,
                        c.note});
    }
    return out;
}

std::string cases_to_json_text(const std::vector<Case>& cases) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& c : cases) {
        auto j = nlohmann::json::parse(to_json(c));
        j.erase("answers");
        j["revision"] = c.revision;
        list.push_back(std::move(j));
    }
    const nlohmann::json doc{{"cases", list}, {"count", cases.size()}};
    return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace mynaq::fallback
