#include "mynaq/consent.hpp"

#include "mynaq/csv.hpp"

namespace mynaq {

namespace {

std::string label_ja(const std::string& stem) {
    const auto* c = find_consent_category(stem);
    return c == nullptr ? std::string() : std::string(c->label_ja);
}

}  // namespace

nlohmann::json consent_to_json(const ConsentRecord& r) {
    return {{"id", r.id},
            {"patient_key", r.patient_key},
            {"category", r.category},
            {"label", label_ja(r.category)},
            {"flag", r.flag},
            {"consented_at", r.consented_at},
            {"expires_at", r.expires_at},
            {"source", r.source},
            {"recorded_by", r.recorded_by},
            {"check_id", r.check_id},
            {"note", r.note},
            {"recorded_at", r.recorded_at}};
}

std::string consents_to_csv(const std::vector<ConsentRecord>& records) {
    // The BOM makes Excel read the file as UTF-8 rather than Shift_JIS.
    std::string out(kUtf8Bom);
    out +=
        "id,patient_key,category,label,flag,consented_at,expires_at,source,recorded_by,"
        "check_id,note,recorded_at\r\n";
    for (const auto& r : records) {
        out += csv_row({std::to_string(r.id), r.patient_key, r.category, label_ja(r.category),
                        r.flag, r.consented_at, r.expires_at, r.source, r.recorded_by,
                        std::to_string(r.check_id), r.note, r.recorded_at});
    }
    return out;
}

std::string consents_to_json_text(const std::vector<ConsentRecord>& records) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : records) list.push_back(consent_to_json(r));
    const nlohmann::json doc{{"consents", list}, {"count", records.size()}};
    return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace mynaq
