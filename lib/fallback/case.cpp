#include "mynaq/fallback/case.hpp"

#include <nlohmann/json.hpp>

#include "mynaq/error.hpp"

namespace mynaq::fallback {

namespace {

using nlohmann::json;

std::string str(const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

std::int64_t integer(const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

json coverage_json(const CoverageSeen& c) {
    return {{"insurer_number", c.insurer_number},
            {"symbol", c.symbol},
            {"number", c.number},
            {"branch", c.branch},
            {"ratio", c.ratio},
            {"insurer_name", c.insurer_name},
            {"valid_to", c.valid_to}};
}

CoverageSeen coverage_from(const json& j) {
    return {str(j, "insurer_number"), str(j, "symbol"),       str(j, "number"),  str(j, "branch"),
            str(j, "ratio"),          str(j, "insurer_name"), str(j, "valid_to")};
}

json declaration_json(const Declaration& d) {
    return {{"name", d.name},
            {"kana", d.kana},
            {"birthdate", d.birthdate},
            {"sex", d.sex},
            {"postcode", d.postcode},
            {"address", d.address},
            {"phone", d.phone},
            {"insurance_kind", d.insurance_kind},
            {"relation", d.relation},
            {"employer", d.employer},
            {"employer_address", d.employer_address},
            {"insurer_name", d.insurer_name},
            {"symbol", d.symbol},
            {"number", d.number},
            {"declared_ratio", d.declared_ratio},
            {"declared_on", d.declared_on},
            {"signed_on_paper", d.signed_on_paper}};
}

Declaration declaration_from(const json& j) {
    Declaration d;
    d.name = str(j, "name");
    d.kana = str(j, "kana");
    d.birthdate = str(j, "birthdate");
    d.sex = str(j, "sex");
    d.postcode = str(j, "postcode");
    d.address = str(j, "address");
    d.phone = str(j, "phone");
    d.insurance_kind = str(j, "insurance_kind");
    d.relation = str(j, "relation");
    d.employer = str(j, "employer");
    d.employer_address = str(j, "employer_address");
    d.insurer_name = str(j, "insurer_name");
    d.symbol = str(j, "symbol");
    d.number = str(j, "number");
    d.declared_ratio = str(j, "declared_ratio");
    d.declared_on = str(j, "declared_on");
    d.signed_on_paper = j.value("signed_on_paper", false);
    return d;
}

json disaster_json(const DisasterUse& d) {
    return {{"period_from", d.period_from},
            {"period_to", d.period_to},
            {"area", d.area},
            {"lookup_name", d.lookup_name},
            {"lookup_birthdate", d.lookup_birthdate},
            {"lookup_sex", d.lookup_sex},
            {"lookup_address", d.lookup_address},
            {"consent", d.consent},
            {"found", d.found},
            {"consent_ids", d.consent_ids}};
}

DisasterUse disaster_from(const json& j) {
    DisasterUse d;
    d.period_from = str(j, "period_from");
    d.period_to = str(j, "period_to");
    d.area = str(j, "area");
    d.lookup_name = str(j, "lookup_name");
    d.lookup_birthdate = str(j, "lookup_birthdate");
    d.lookup_sex = str(j, "lookup_sex");
    d.lookup_address = str(j, "lookup_address");
    d.consent = str(j, "consent");
    d.found = j.value("found", false);
    if (const auto it = j.find("consent_ids"); it != j.end() && it->is_array()) {
        for (const auto& id : *it) {
            if (id.is_number_integer()) d.consent_ids.push_back(id.get<std::int64_t>());
        }
    }
    return d;
}

}  // namespace

const std::vector<std::string>& reason_ids() {
    static const std::vector<std::string> ids = {"power",    "network",     "terminal", "reader",
                                                 "chip",     "certificate", "identity", "no_card",
                                                 "disaster", "other"};
    return ids;
}

const std::vector<std::string>& step_ids() {
    static const std::vector<std::string> ids = {"portal",      "notice",   "certificate", "oral",
                                                 "declaration", "disaster", "online"};
    return ids;
}

bool needs_recheck(const Case& c) {
    return c.state != "cancelled" && c.online_check_id == 0 && c.recheck.state != "done";
}

std::string to_json(const Case& c) {
    json steps = json::array();
    for (const auto& s : c.steps) {
        steps.push_back({{"step", s.step}, {"outcome", s.outcome}, {"at", s.at}, {"note", s.note}});
    }
    json j = {{"id", c.id},
              {"created_at", c.created_at},
              {"updated_at", c.updated_at},
              {"state", c.state},
              {"case_date", c.case_date},
              {"facility", c.facility},
              {"recorded_by", c.recorded_by},
              {"reason", c.reason},
              {"reason_note", c.reason_note},
              {"visit", c.visit},
              {"name", c.name},
              {"kana", c.kana},
              {"birthdate", c.birthdate},
              {"sex", c.sex},
              {"identity_method", c.identity_method},
              {"steps", steps},
              {"resolved_by", c.resolved_by},
              {"coverage", coverage_json(c.coverage)},
              {"previous_check_id", c.previous_check_id},
              {"online_check_id", c.online_check_id},
              {"share",
               {{"suggested", c.share.suggested},
                {"basis", c.share.basis},
                {"charged", c.share.charged},
                {"override_note", c.share.override_note}}},
              {"claim",
               {{"route", c.claim.route},
                {"insurer_number", c.claim.insurer_number},
                {"symbol", c.claim.symbol},
                {"number", c.claim.number},
                {"remarks", c.claim.remarks}}},
              {"recheck",
               {{"state", c.recheck.state},
                {"via", c.recheck.via},
                {"key", c.recheck.key},
                {"check_id", c.recheck.check_id},
                {"at", c.recheck.at},
                {"action", c.recheck.action},
                {"detail", c.recheck.detail},
                {"found", coverage_json(c.recheck.found)}}},
              {"note", c.note},
              {"answers", c.answers}};
    j["declaration"] = c.declaration ? declaration_json(*c.declaration) : json(nullptr);
    j["disaster"] = c.disaster ? disaster_json(*c.disaster) : json(nullptr);
    return j.dump();
}

Case case_from_json(const std::string& text) {
    const json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("state")) {
        throw Error(Errc::DataInvalid, "a stored fallback case is not valid JSON");
    }
    Case c;
    c.id = integer(j, "id");
    c.created_at = str(j, "created_at");
    c.updated_at = str(j, "updated_at");
    c.state = str(j, "state");
    c.case_date = str(j, "case_date");
    c.facility = str(j, "facility");
    c.recorded_by = str(j, "recorded_by");
    c.reason = str(j, "reason");
    c.reason_note = str(j, "reason_note");
    c.visit = str(j, "visit");
    c.name = str(j, "name");
    c.kana = str(j, "kana");
    c.birthdate = str(j, "birthdate");
    c.sex = str(j, "sex");
    c.identity_method = str(j, "identity_method");
    if (const auto it = j.find("steps"); it != j.end() && it->is_array()) {
        for (const auto& s : *it) {
            c.steps.push_back({str(s, "step"), str(s, "outcome"), str(s, "at"), str(s, "note")});
        }
    }
    c.resolved_by = str(j, "resolved_by");
    if (const auto it = j.find("coverage"); it != j.end() && it->is_object()) {
        c.coverage = coverage_from(*it);
    }
    c.previous_check_id = integer(j, "previous_check_id");
    c.online_check_id = integer(j, "online_check_id");
    if (const auto it = j.find("share"); it != j.end() && it->is_object()) {
        c.share.suggested = static_cast<int>(integer(*it, "suggested"));
        c.share.basis = str(*it, "basis");
        c.share.charged = static_cast<int>(integer(*it, "charged"));
        c.share.override_note = str(*it, "override_note");
    }
    if (const auto it = j.find("claim"); it != j.end() && it->is_object()) {
        c.claim = {str(*it, "route"), str(*it, "insurer_number"), str(*it, "symbol"),
                   str(*it, "number"), str(*it, "remarks")};
    }
    if (const auto it = j.find("recheck"); it != j.end() && it->is_object()) {
        c.recheck.state = str(*it, "state");
        c.recheck.via = str(*it, "via");
        c.recheck.key = str(*it, "key");
        c.recheck.check_id = integer(*it, "check_id");
        c.recheck.at = str(*it, "at");
        c.recheck.action = str(*it, "action");
        c.recheck.detail = str(*it, "detail");
        if (const auto f = it->find("found"); f != it->end() && f->is_object()) {
            c.recheck.found = coverage_from(*f);
        }
    }
    if (const auto it = j.find("declaration"); it != j.end() && it->is_object()) {
        c.declaration = declaration_from(*it);
    }
    if (const auto it = j.find("disaster"); it != j.end() && it->is_object()) {
        c.disaster = disaster_from(*it);
    }
    c.note = str(j, "note");
    if (const auto it = j.find("answers"); it != j.end() && it->is_object()) {
        for (const auto& [key, value] : it->items()) {
            if (value.is_string()) c.answers[key] = value.get<std::string>();
        }
    }
    return c;
}

FallbackCaseRow to_row(const Case& c) {
    FallbackCaseRow row;
    row.id = c.id;
    row.case_date = c.case_date;
    row.state = c.state;
    row.patient = c.kana.empty() ? c.name : c.name + " " + c.kana;
    row.created_at = c.created_at;
    row.updated_at = c.updated_at;
    row.revision = c.revision;
    row.document = to_json(c);
    return row;
}

Case from_row(const FallbackCaseRow& row) {
    Case c = case_from_json(row.document);
    // The row's columns are the store's truth: the document was written before the id and
    // times were known.
    c.id = row.id;
    c.revision = row.revision;
    c.state = row.state;
    c.case_date = row.case_date;
    c.created_at = row.created_at;
    c.updated_at = row.updated_at;
    return c;
}

}  // namespace mynaq::fallback
