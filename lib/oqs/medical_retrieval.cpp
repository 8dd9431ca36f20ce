#include "mynaq/oqs/medical_retrieval.hpp"

#include <fmt/format.h>

#include "bulk_rounds.hpp"
#include "mynaq/base64.hpp"
#include "mynaq/error.hpp"
#include "mynaq/jst.hpp"
#include "mynaq/oqs/message.hpp"
#include "mynaq/text.hpp"

namespace mynaq::oqs {

namespace {

std::vector<std::string> split_key(std::string_view text) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        const auto slash = text.find('/', start);
        parts.emplace_back(text.substr(start, slash - start));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return parts;
}

void add_key(MedicalPatientRef& patient, std::string key) {
    if (key.empty()) return;
    for (const auto& k : patient.consent_keys) {
        if (k == key) return;
    }
    patient.consent_keys.push_back(std::move(key));
}

// The "ins:" ledger key of a record, or "" when it lacks what the key needs.
std::string insurance_key(const std::string& insurer, const std::string& symbol,
                          const std::string& number, const std::string& branch,
                          const std::string& birthdate) {
    if (trim_ascii(insurer).empty() || trim_ascii(number).empty() || birthdate.empty()) return {};
    try {
        return patient_key("", insurer, symbol, number, branch, birthdate);
    } catch (const Error&) {
        return {};  // a stored value the key cannot hold: that key is simply not searched
    }
}

void take_insurance(MedicalPatientRef& patient, const std::string& insurer,
                    const std::string& symbol, const std::string& number,
                    const std::string& branch) {
    patient.insurer_number = trim_ascii(insurer);
    patient.card_symbol = trim_ascii(symbol);
    patient.identification_number = trim_ascii(number);
    patient.branch_number = trim_ascii(branch);
}

std::optional<CheckRecord> newest_check_with_reference(const Store& store,
                                                       const std::string& reference) {
    CheckFilter filter;
    filter.patient = reference;
    filter.limit = 20;
    for (auto& check : store.list_checks(filter)) {
        if (trim_ascii(check.reference_number) == reference) return std::move(check);
    }
    return std::nullopt;
}

std::int64_t seconds_between(const std::string& iso, std::chrono::sys_seconds now) {
    const auto at = parse_iso_time(iso);
    if (!at) return 0;
    return (now - *at).count();
}

}  // namespace

std::string_view kind_name(MedicalInfoKind kind) {
    return kind == MedicalInfoKind::Drugs ? "drugs" : "checkups";
}

std::string_view consent_stem(MedicalInfoKind kind) {
    return kind == MedicalInfoKind::Drugs ? "PharmacistsInfo" : "SpecificHealthCheckupsInfo";
}

MedicalPatientRef resolve_medical_patient(const Store& store, const std::string& key) {
    MedicalPatientRef patient;
    patient.key = checked_patient_key(key);
    add_key(patient, patient.key);
    if (patient.key.starts_with("ref:")) {
        const std::string reference = patient.key.substr(4);
        if (const auto chart = store.chart(reference)) {
            take_insurance(patient, chart->insurer_number, chart->card_symbol,
                           chart->identification_number, chart->branch_number);
            add_key(patient, insurance_key(chart->insurer_number, chart->card_symbol,
                                           chart->identification_number, chart->branch_number,
                                           chart->birthdate));
        }
        if (const auto check = newest_check_with_reference(store, reference)) {
            if (patient.identification_number.empty()) {
                take_insurance(patient, check->insurer_number, check->card_symbol,
                               check->identification_number, check->branch_number);
            }
            add_key(patient, insurance_key(check->insurer_number, check->card_symbol,
                                           check->identification_number, check->branch_number,
                                           check->birthdate));
        }
        if (patient.identification_number.empty()) {
            throw Error(Errc::NotFound,
                        fmt::format("no insurance is known for 照会番号 {}: register the chart "
                                    "(mynaq elig ref register) or name the patient by insurance",
                                    reference),
                        {{"reference", reference}});
        }
        return patient;
    }
    // ins:<insurer>/<symbol>/<number>/<branch>/<birthdate>
    const auto parts = split_key(std::string_view(patient.key).substr(4));
    take_insurance(patient, parts.at(0), parts.at(1), parts.at(2), parts.at(3));
    const std::string& birthdate = parts.at(4);
    // The same person's consent may be keyed by their 照会番号: a registered chart, or a
    // face result that carried one.
    ChartFilter filter;
    filter.insurer_number = patient.insurer_number;
    filter.identification_number = patient.identification_number;
    for (const auto& chart : store.list_charts(filter)) {
        if (trim_ascii(chart.branch_number) == patient.branch_number &&
            (chart.birthdate.empty() || chart.birthdate == birthdate)) {
            add_key(patient, "ref:" + chart.chart_id);
        }
    }
    CheckFilter checks;
    checks.patient = patient.identification_number;
    checks.limit = 50;
    for (const auto& check : store.list_checks(checks)) {
        if (!trim_ascii(check.reference_number).empty() &&
            trim_ascii(check.insurer_number) == patient.insurer_number &&
            trim_ascii(check.branch_number) == patient.branch_number &&
            check.birthdate == birthdate) {
            add_key(patient, "ref:" + std::string(trim_ascii(check.reference_number)));
        }
    }
    return patient;
}

ConsentStatus medical_consent(const Store& store, const MedicalPatientRef& patient,
                              MedicalInfoKind kind, std::chrono::sys_seconds now) {
    std::vector<ConsentRecord> entries;
    for (const auto& key : patient.consent_keys) {
        ConsentFilter filter;
        filter.patient_key = key;
        filter.category = std::string(consent_stem(kind));
        auto part = store.list_consents(filter);
        entries.insert(entries.end(), std::make_move_iterator(part.begin()),
                       std::make_move_iterator(part.end()));
    }
    return consent_status(entries, now);
}

ConsentStatus require_medical_consent(const Store& store, const MedicalPatientRef& patient,
                                      MedicalInfoKind kind, std::chrono::sys_seconds now) {
    auto status = medical_consent(store, patient, kind, now);
    if (!status.valid) {
        throw Error(Errc::ConsentMissing,
                    fmt::format("no valid consent to view {} for {} ({}); nothing was sent",
                                kind_name(kind), patient.key, status.reason),
                    {{"patient", patient.key},
                     {"category", std::string(consent_stem(kind))},
                     {"reason", status.reason}});
    }
    return status;
}

MedicalRetrieval retrieve_medical_info(const ExchangeOpener& open_exchange, Store& store,
                                       const MedicalPatientRef& patient,
                                       const MedicalRetrievalOptions& options,
                                       std::chrono::sys_seconds now) {
    MedicalRetrieval out;
    out.consent = require_medical_consent(store, patient, options.kind, now);
    const bool drugs = options.kind == MedicalInfoKind::Drugs;
    const std::string kind(kind_name(options.kind));

    const std::string format = options.format == MedicalFileFormat::Pdf ? "pdf" : "xml";
    // Per format: a PDF view does not make the next XML view ask again, nor the reverse.
    auto latest = store.latest_medical_result(patient.key, kind, format);
    if (latest && options.throttle.count() > 0 && latest->format == format &&
        latest->from_month == options.from_month && latest->to_month == options.to_month) {
        const auto age = seconds_between(latest->fetched_at, now);
        if (age >= 0 &&
            age < std::chrono::duration_cast<std::chrono::seconds>(options.throttle).count()) {
            out.result = std::move(*latest);
            out.from_store = true;
            out.age = std::chrono::seconds(age);
        }
    }
    if (!out.from_store) {
        MedicalInfoQuery query;
        query.institution_code = options.facility;
        query.insurer_number = patient.insurer_number;
        query.card_symbol = patient.card_symbol;
        query.identification_number = patient.identification_number;
        query.branch_number = patient.branch_number;
        query.arbitrary_file_identifier = make_file_identifier();
        query.from_month = options.from_month;
        query.to_month = options.to_month;
        query.with_treatments = options.with_treatments;
        query.format = options.format;
        const Node request = drugs ? build_drug_request(query) : build_checkup_request(query);
        const std::string today = detail::today_compact();
        const Document doc =
            open_exchange().exchange({std::string(prefix_of(options.kind)),
                                      make_suffix(today, store.next_sequence(today)), request});
        MedicalResultRecord record;
        record.patient_key = patient.key;
        record.kind = kind;
        record.from_month = options.from_month;
        record.to_month = options.to_month;
        record.request_id = query.arbitrary_file_identifier;
        if (doc.media_type == "application/pdf") {
            out.pdf = doc.raw;
            record.format = "pdf";
            record.document = base64_encode(doc.raw);
            record.id = store.add_medical_result(record);
            out.result = store.latest_medical_result(patient.key, kind).value_or(record);
            return out;
        }
        // Parsed before it is kept: a refusal (ResultCode ≠ 1) is thrown, never stored.
        if (drugs) {
            out.drugs = parse_drug_result(doc);
        } else {
            out.checkups = parse_checkup_result(doc);
        }
        record.format = "xml";
        record.document = write_xml(doc.root, TextEncoding::Utf8);
        record.id = store.add_medical_result(record);
        out.result = store.latest_medical_result(patient.key, kind).value_or(record);
        return out;
    }
    if (out.result.format == "pdf") {
        out.pdf = base64_decode(out.result.document);
        return out;
    }
    const Document stored = parse_xml(out.result.document);
    if (drugs) {
        out.drugs = parse_drug_result(stored);
    } else {
        out.checkups = parse_checkup_result(stored);
    }
    return out;
}

}  // namespace mynaq::oqs
