#include "mynaq/fallback/claim.hpp"

#include <vector>

#include <fmt/format.h>

namespace mynaq::fallback {

namespace {

std::string kind_text(const std::string& kind) {
    if (kind == "employee") return "被用者保険";
    if (kind == "national") return "国民健康保険";
    if (kind == "elderly") return "後期高齢者医療";
    if (kind == "other") return "その他";
    return "不明";
}

Claim with_numbers(std::string route, const CoverageSeen& coverage) {
    return {std::move(route), coverage.insurer_number, coverage.symbol, coverage.number, ""};
}

}  // namespace

std::string remarks_from(const Declaration& d) {
    std::vector<std::string> parts = {"被保険者資格申立書による"};
    if (!d.address.empty()) {
        parts.push_back(
            fmt::format("住所:{}{}", d.postcode.empty() ? "" : "〒" + d.postcode + " ", d.address));
    }
    if (!d.phone.empty()) parts.push_back("連絡先:" + d.phone);
    if (!d.employer.empty()) parts.push_back("事業所名:" + d.employer);
    if (!d.employer_address.empty()) parts.push_back("事業所所在地:" + d.employer_address);
    parts.push_back("保険種別:" + kind_text(d.insurance_kind));
    if (d.relation == "insured") parts.emplace_back("被保険者");
    if (d.relation == "dependent") parts.emplace_back("被扶養者");
    if (!d.insurer_name.empty()) parts.push_back("保険者名:" + d.insurer_name);
    if (!d.declared_on.empty()) parts.push_back("申立日:" + d.declared_on);
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : "、") + p;
    return out;
}

Claim plan_claim(const Case& c, const ClaimOptions& options) {
    if (c.recheck.state == "done" && c.recheck.found.has_numbers() &&
        c.recheck.action != "ineligible") {
        return with_numbers("normal", c.recheck.found);
    }
    // 口頭確認 claims on what the clinic held: the former coverage until a recheck confirms it.
    if (c.resolved_by == "oral" && c.coverage.has_numbers()) {
        return with_numbers("former", c.coverage);
    }
    // Numbers from a document, a disaster lookup, or told by the patient after the visit.
    if (c.coverage.has_numbers()) return with_numbers("normal", c.coverage);
    return {"unknown", options.unknown_insurer_number, "", options.unknown_number,
            c.declaration ? remarks_from(*c.declaration) : ""};
}

}  // namespace mynaq::fallback
