#include "info_render.hpp"

#include <iostream>

#include <fmt/format.h>

#include "consent_support.hpp"
#include "text_width.hpp"

namespace mynaq::cli {

namespace {

// yyyyMM → yyyy-mm, yyyyMMdd → yyyy-mm-dd; anything else as sent.
std::string date_text(std::string_view v) {
    const bool digits = v.find_first_not_of("0123456789") == std::string_view::npos;
    if (digits && v.size() == 6) return fmt::format("{}-{}", v.substr(0, 4), v.substr(4, 2));
    if (digits && v.size() == 8) {
        return fmt::format("{}-{}-{}", v.substr(0, 4), v.substr(4, 2), v.substr(6, 2));
    }
    return std::string(v);
}

std::string age_text(const AppContext& context, std::chrono::seconds age) {
    const auto minutes = age.count() / 60;
    return fmt::format(fmt::runtime(std::string(context.t("info.age"))), minutes / 60,
                       minutes % 60);
}

void print_header(const AppContext& context, const oqs::MedicalRetrieval& r, std::string_view title,
                  const oqs::MedicalPatient& patient) {
    std::cout << title << "  " << r.result.patient_key << '\n';
    std::cout << "  "
              << (r.from_store
                      ? fmt::format(fmt::runtime(std::string(context.t("info.from_store"))),
                                    time_text(r.result.fetched_at), age_text(context, r.age))
                      : fmt::format(fmt::runtime(std::string(context.t("info.fetched"))),
                                    time_text(r.result.fetched_at)))
              << '\n';
    if (!patient.empty()) {
        std::cout << "  " << context.t("elig.name") << "  " << patient.name;
        if (!patient.kana.empty()) std::cout << " (" << patient.kana << ")";
        if (!patient.birthdate.empty()) {
            std::cout << "  " << context.t("elig.birthdate") << " " << date_text(patient.birthdate);
        }
        std::cout << '\n';
    }
    if (r.consent.latest) {
        std::cout << "  " << context.t("info.consent") << "  "
                  << time_text(r.consent.latest->consented_at);
        if (!r.consent.expires_at.empty()) {
            std::cout << " → " << time_text(r.consent.expires_at);
        }
        std::cout << '\n';
    }
}

std::string source_label(const AppContext& context, oqs::DrugSource source) {
    return std::string(context.t(fmt::format("info.source.{}", oqs::to_string(source))));
}

void print_drugs(const AppContext& context, const oqs::MedicalRetrieval& r) {
    const auto& h = *r.drugs;
    print_header(context, r, context.t("info.drugs_title"), h.patient);
    if (h.entries.empty()) {
        std::cout << '\n' << context.t("info.no_drugs") << '\n';
        return;
    }
    std::string group;
    for (const auto& e : h.entries) {
        const std::string key = fmt::format("{}|{}|{}|{}", e.month, oqs::to_string(e.source),
                                            e.date, e.institution_code());
        if (key != group) {
            group = key;
            std::cout << '\n'
                      << date_text(e.month) << "  "
                      << pad_right(source_label(context, e.source), 10) << "  "
                      << date_text(e.date.empty() ? e.month : e.date) << "  "
                      << e.institution_name();
            if (!e.institution_code().empty()) std::cout << " (" << e.institution_code() << ")";
            if (!e.prescriber_name.empty() && e.prescriber_name != e.institution_name()) {
                std::cout << "  " << context.t("info.prescribed_by") << " " << e.prescriber_name;
            }
            std::cout << '\n';
        }
        std::string amount = e.quantity + e.unit;
        std::string line = "    " + pad_right(e.drug_name.empty() ? e.drug_code : e.drug_name, 34) +
                           "  " + pad_right(amount, 8) + "  " + e.usage;
        if (!e.times.empty()) {
            line += fmt::format(fmt::runtime(std::string(context.t("info.times"))), e.times);
        }
        std::cout << line << '\n';
    }
    if (!h.treatments.empty()) {
        std::cout << '\n' << context.t("info.treatments") << '\n';
        for (const auto& t : h.treatments) {
            std::cout << "  " << date_text(t.date.empty() ? t.month : t.date) << "  "
                      << pad_right(t.name.empty() ? t.code : t.name, 34) << "  "
                      << t.institution_name << '\n';
        }
    }
}

void print_checkups(const AppContext& context, const oqs::MedicalRetrieval& r) {
    const auto& h = *r.checkups;
    print_header(context, r, context.t("info.checkups_title"), h.patient);
    if (h.checkups.empty()) {
        std::cout << '\n' << context.t("info.no_checkups") << '\n';
        return;
    }
    for (const auto& c : h.checkups) {
        std::cout << '\n' << date_text(c.date) << '\n';
        for (const auto& item : c.items) {
            std::string value = item.value;
            if (!item.unit.empty()) value += " " + item.unit;
            std::string line = "  " + pad_right(item.name.empty() ? item.code : item.name, 30) +
                               "  " + pad_right(value, 14) + "  " + item.value_name;
            while (!line.empty() && line.back() == ' ') line.pop_back();
            std::cout << line << '\n';
        }
    }
}

nlohmann::json extra_json(const std::map<std::string, std::string>& extra) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : extra) j[k] = v;
    return j;
}

nlohmann::json patient_json(const oqs::MedicalPatient& p) {
    return {{"name", p.name}, {"kana", p.kana}, {"birthdate", p.birthdate}, {"sex", p.sex}};
}

}  // namespace

void print_medical_retrieval(const AppContext& context, const oqs::MedicalRetrieval& r) {
    if (!r.pdf.empty()) {
        const auto title = r.result.kind == "drugs" ? context.t("info.drugs_title")
                                                    : context.t("info.checkups_title");
        print_header(context, r, title, {});
    }
    if (r.drugs) print_drugs(context, r);
    if (r.checkups) print_checkups(context, r);
}

nlohmann::json medical_retrieval_json(const oqs::MedicalRetrieval& r) {
    nlohmann::json j{{"patient", r.result.patient_key},
                     {"kind", r.result.kind},
                     {"result_id", r.result.id},
                     {"fetched_at", r.result.fetched_at},
                     {"from_store", r.from_store},
                     {"format", r.result.format},
                     {"age_seconds", r.age.count()},
                     {"consent",
                      {{"valid", r.consent.valid},
                       {"reason", r.consent.reason},
                       {"expires_at", r.consent.expires_at}}}};
    if (r.drugs) {
        j["person"] = patient_json(r.drugs->patient);
        nlohmann::json entries = nlohmann::json::array();
        for (const auto& e : r.drugs->entries) {
            entries.push_back({{"source", oqs::to_string(e.source)},
                               {"month", e.month},
                               {"date", e.date},
                               {"prescription_date", e.prescription_date},
                               {"institution_code", e.institution_code()},
                               {"institution_name", e.institution_name()},
                               {"prescriber_code", e.prescriber_code},
                               {"prescriber_name", e.prescriber_name},
                               {"drug_code", e.drug_code},
                               {"drug_name", e.drug_name},
                               {"ingredient", e.ingredient},
                               {"quantity", e.quantity},
                               {"unit", e.unit},
                               {"usage", e.usage},
                               {"times", e.times},
                               {"extra", extra_json(e.extra)}});
        }
        j["entries"] = std::move(entries);
        nlohmann::json treatments = nlohmann::json::array();
        for (const auto& t : r.drugs->treatments) {
            treatments.push_back({{"month", t.month},
                                  {"date", t.date},
                                  {"institution_code", t.institution_code},
                                  {"institution_name", t.institution_name},
                                  {"code", t.code},
                                  {"name", t.name},
                                  {"quantity", t.quantity},
                                  {"times", t.times},
                                  {"unit", t.unit}});
        }
        j["treatments"] = std::move(treatments);
    }
    if (r.checkups) {
        j["person"] = patient_json(r.checkups->patient);
        nlohmann::json list = nlohmann::json::array();
        for (const auto& c : r.checkups->checkups) {
            nlohmann::json items = nlohmann::json::array();
            for (const auto& i : c.items) {
                items.push_back({{"code", i.code},
                                 {"name", i.name},
                                 {"data_type", i.data_type},
                                 {"value", i.value},
                                 {"unit", i.unit},
                                 {"judgement", i.value_name},
                                 {"oid", i.oid}});
            }
            list.push_back({{"date", c.date}, {"items", std::move(items)}});
        }
        j["checkups"] = std::move(list);
    }
    return j;
}

}  // namespace mynaq::cli
