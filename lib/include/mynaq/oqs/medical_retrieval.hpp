// Retrieving 薬剤情報 / 特定健診情報 for one patient: the consent gate first (nothing is written
// to the terminal without a valid consent), then the throttle (a result fetched within the
// interval is served from the store), then the request, and the result kept in the store.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "mynaq/consent.hpp"
#include "mynaq/oqs/exchange.hpp"
#include "mynaq/oqs/medical_info.hpp"
#include "mynaq/store.hpp"

namespace mynaq::oqs {

// Who the request is for: the key staff named, every ledger key the same person's consent may
// be recorded under (a face result with a 照会番号 records "ref:…", a query "ins:…"), and the
// insurance the request is sent with.
struct MedicalPatientRef {
    std::string key;
    std::vector<std::string> consent_keys;
    std::string insurer_number;
    std::string card_symbol;
    std::string identification_number;
    std::string branch_number;
};

// From a checked patient key: "ins:…" carries the insurance itself; "ref:…" takes it from the
// chart, else from the newest check with that 照会番号. Error{NotFound} when a 照会番号 has
// neither.
MedicalPatientRef resolve_medical_patient(const Store& store, const std::string& key);

struct MedicalRetrievalOptions {
    std::string facility;
    MedicalInfoKind kind = MedicalInfoKind::Drugs;
    std::string from_month;  // yyyyMM, drugs only
    std::string to_month;
    bool with_treatments = false;
    // Pdf asks for the system's printable form; it is kept as received (format "pdf").
    MedicalFileFormat format = MedicalFileFormat::Xml;
    std::chrono::minutes throttle{360};  // 0: always ask
};

struct MedicalRetrieval {
    ConsentStatus consent;
    MedicalResultRecord result;        // the stored result served
    bool from_store = false;           // within the throttle interval: not asked again
    std::chrono::seconds age{0};       // since result.fetched_at
    std::optional<DrugHistory> drugs;  // an XML result
    std::optional<CheckupHistory> checkups;
    std::string pdf;  // a PDF result's bytes
};

// "drugs" | "checkups"
std::string_view kind_name(MedicalInfoKind kind);
// PharmacistsInfo | SpecificHealthCheckupsInfo
std::string_view consent_stem(MedicalInfoKind kind);

// The consent over every key of the patient, as consent_status() decides it.
ConsentStatus medical_consent(const Store& store, const MedicalPatientRef& patient,
                              MedicalInfoKind kind, std::chrono::sys_seconds now);

// medical_consent(), or Error{ConsentMissing} naming the patient, category and reason.
ConsentStatus require_medical_consent(const Store& store, const MedicalPatientRef& patient,
                                      MedicalInfoKind kind, std::chrono::sys_seconds now);

// Error{ConsentMissing} (with the reason) before anything is sent or stored when the consent
// is not valid now. A stored result is reused only for the same kind, months and format. A
// PDF request answered with XML (a refusal, or a system that sends XML anyway) is parsed as
// XML: a refusal is thrown, a history is returned and kept as XML.
// `open_exchange` is called only when the terminal must be asked: without consent, or with a
// result within the throttle interval, the terminal is never touched (a view from the store
// works while the 端末 is down).
using ExchangeOpener = std::function<Exchange&()>;
MedicalRetrieval retrieve_medical_info(const ExchangeOpener& open_exchange, Store& store,
                                       const MedicalPatientRef& patient,
                                       const MedicalRetrievalOptions& options,
                                       std::chrono::sys_seconds now);
inline MedicalRetrieval retrieve_medical_info(Exchange& exchange, Store& store,
                                              const MedicalPatientRef& patient,
                                              const MedicalRetrievalOptions& options,
                                              std::chrono::sys_seconds now) {
    return retrieve_medical_info([&exchange]() -> Exchange& { return exchange; }, store, patient,
                                 options, now);
}

}  // namespace mynaq::oqs
