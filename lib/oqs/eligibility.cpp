#include "mynaq/oqs/eligibility.hpp"

#include <cstdlib>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "mynaq/consent.hpp"
#include "mynaq/error.hpp"
#include "mynaq/jst.hpp"

namespace mynaq::oqs {

namespace {

std::filesystem::path state_home() {
    const char* xdg = std::getenv("XDG_STATE_HOME");
    if (xdg != nullptr && *xdg != '\0') return std::filesystem::path(xdg) / "mynaq";
    const char* home = std::getenv("HOME");
    return std::filesystem::path(home != nullptr ? home : "/tmp") / ".local" / "state" / "mynaq";
}

nlohmann::json fields_json(const Fields& fields) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [name, value] : fields) j[name] = value;
    return j;
}

std::string limit_summary(const Coverage& c) {
    if (!c.limit) return {};
    const auto cls = field(*c.limit, "LimitApplicationCertificateClassificationFlag");
    const auto to = field(*c.limit, "LimitApplicationCertificateValidEndDate");
    return fmt::format("{}{}", cls.value_or(""), to ? "~" + *to : "");
}

std::string disease_summary(const Coverage& c) {
    std::string out;
    for (const auto& d : c.specific_diseases) {
        if (!out.empty()) out += ",";
        out += field(d, "SpecificDiseasesDiseaseCategory").value_or("?");
        if (auto self = field(d, "SpecificDiseasesSelfPay")) out += ":" + *self;
    }
    return out;
}

void summarise(const std::vector<Coverage>& coverages, CheckRecord& r) {
    if (coverages.empty()) return;
    const Coverage& c = coverages.front();
    r.insurer_number = c.get("InsurerNumber");
    if (r.insurer_number.empty()) r.insurer_number = c.get("PublicExpenseNumber");
    r.card_symbol = c.get("InsuredCardSymbol");
    r.identification_number = c.get("InsuredIdentificationNumber");
    if (r.identification_number.empty()) r.identification_number = c.get("BeneficiaryNumber");
    r.branch_number = c.get("InsuredBranchNumber");
    r.birthdate = c.get("Birthdate");
    r.name = c.get("Name");
    r.name_kana = c.get("NameKana");
    r.ratio = c.get("InsuredPartialContributionRatio");
    r.valid_from = c.get("InsuredCardValidDate");
    r.valid_to = c.get("InsuredCardExpirationDate");
    r.limit_summary = limit_summary(c);
    r.specific_disease_summary = disease_summary(c);
    r.reference_number = c.get("ReferenceNumber");
    r.coverage_json = coverages_json(coverages);
    r.consents_json = consents_json(coverages);
}

// The consent flags of the result become ledger entries stored with the check. The 閲覧同意
// flags were given at a card reader (now or, for a query, earlier); the 限度額 flag of a query
// is the one the clinic asserted in its request. A result that names no patient well enough
// for a key (a failed file) gives none.
void attach_consents(const std::vector<Coverage>& coverages, bool from_query, CheckRecord& r) {
    if (coverages.empty() || coverages.front().consents.empty()) return;
    std::vector<ConsentFlag> from_reader;
    std::vector<ConsentFlag> asserted;
    for (const auto& e : coverages.front().consents) {
        const bool limit = e.element == "LimitApplicationCertificateRelated";
        (from_query && limit ? asserted : from_reader)
            .emplace_back(e.element, e.flag, e.cons_time, e.available_time);
    }
    std::string key;
    try {
        key = patient_key(r.reference_number, r.insurer_number, r.card_symbol,
                          r.identification_number, r.branch_number, r.birthdate);
    } catch (const Error&) {
        return;
    }
    r.consents = consents_from_flags(key, from_reader, "reader");
    for (auto& c : consents_from_flags(key, asserted, "query_flag")) {
        r.consents.push_back(std::move(c));
    }
}

void fill_from_search(const SearchInfo& s, CheckRecord& r) {
    if (r.insurer_number.empty()) r.insurer_number = s.insurer_number;
    if (r.card_symbol.empty()) r.card_symbol = s.card_symbol;
    if (r.identification_number.empty()) r.identification_number = s.identification_number;
    if (r.branch_number.empty()) r.branch_number = s.branch_number;
    if (r.birthdate.empty()) r.birthdate = s.birthdate;
}

std::string compact_date(std::string iso_date) {
    std::erase(iso_date, '-');
    return iso_date;
}

std::string raw_utf8(const Document& doc) {
    return doc.encoding == TextEncoding::ShiftJis ? sjis_to_utf8(doc.raw) : doc.raw;
}

}  // namespace

XmlLimits message_limits(const Config& config) {
    XmlLimits limits;
    limits.max_bytes = config.oqs.max_message_bytes;
    return limits;
}

FolderOptions folder_options(const Config& config) {
    const auto& f = config.oqs.folder;
    if (f.root.empty()) {
        throw Error(Errc::ConfigInvalid,
                    "oqs.folder.root is not set: name the 資格確認端末's shared folder",
                    {{"key", "oqs.folder.root"}});
    }
    FolderOptions o;
    o.root = f.root;
    o.work = f.work.empty() ? f.root / "mynaq-work" : f.work;
    o.encoding = f.encoding == "shift_jis" ? TextEncoding::ShiftJis : TextEncoding::Utf8;
    o.poll = f.poll;
    o.timeout = f.timeout;
    o.stable_read = f.stable_read;
    o.limits = message_limits(config);
    return o;
}

WebApiOptions webapi_options(const Config& config) {
    const auto& w = config.oqs.webapi;
    for (const auto& [key, value] :
         {std::pair<const char*, bool>{"oqs.webapi.login_url", w.login_url.empty()},
          {"oqs.webapi.search_url", w.search_url.empty()},
          {"oqs.webapi.client_cert", w.client_cert.empty()},
          {"oqs.webapi.client_key", w.client_key.empty()},
          {"oqs.webapi.ca_file", w.ca_file.empty()},
          {"oqs.webapi.login_body", w.login_body.empty()}}) {
        if (value) {
            throw Error(Errc::ConfigInvalid, fmt::format("{} is not set", key), {{"key", key}});
        }
    }
    WebApiOptions o;
    o.login_url = w.login_url;
    o.search_url = w.search_url;
    o.bulk_upload_url = w.bulk_upload_url;
    o.bulk_download_url = w.bulk_download_url;
    o.urls = w.urls;
    o.client_cert = w.client_cert;
    o.client_key = w.client_key;
    o.ca_file = w.ca_file;
    o.login_body = w.login_body;
    o.token_cache = w.token_cache.empty() ? state_home() / "webapi-token.json" : w.token_cache;
    o.timeout = w.timeout;
    o.retries = w.retries;
    o.resolve = w.resolve;
    o.limits = message_limits(config);
    return o;
}

std::unique_ptr<Exchange> make_exchange(const Config& config) {
    if (config.oqs.transport == "webapi") {
        return std::make_unique<WebApiExchange>(webapi_options(config));
    }
    return std::make_unique<FolderExchange>(folder_options(config));
}

std::string coverages_json(const std::vector<Coverage>& coverages) {
    nlohmann::json all = nlohmann::json::array();
    for (const auto& c : coverages) {
        nlohmann::json j = fields_json(c.fields);
        if (c.elderly) j["ElderlyRecipientCertificateInfo"] = fields_json(*c.elderly);
        if (c.limit) j["LimitApplicationCertificateRelatedInfo"] = fields_json(*c.limit);
        for (const auto& d : c.specific_diseases) {
            j["SpecificDiseasesCertificateInfo"].push_back(fields_json(d));
        }
        for (const auto& t : c.medical_tickets) j["MedicalTicketInfo"].push_back(fields_json(t));
        all.push_back(std::move(j));
    }
    return all.dump();
}

std::string consents_json(const std::vector<Coverage>& coverages) {
    nlohmann::json all = nlohmann::json::array();
    if (!coverages.empty()) {
        for (const auto& e : coverages.front().consents) {
            all.push_back({{"element", e.element},
                           {"flag", e.flag},
                           {"cons_time", e.cons_time},
                           {"available_time", e.available_time}});
        }
    }
    return all.dump();
}

CheckRecord to_check_record(const QualificationResult& result, const CheckContext& context) {
    CheckRecord r;
    r.checked_at = format_jst_iso(now_seconds());
    r.facility =
        context.facility.empty() ? result.header.get("MedicalInstitutionCode") : context.facility;
    r.method = context.method;
    r.source = context.source;
    r.source_file = context.source_file;
    r.request_id = context.request_id.empty() ? result.header.get("ArbitraryFileIdentifier")
                                              : context.request_id;
    r.confirmation_date = result.header.get("QualificationConfirmationDate");
    r.file_state = std::string(to_string(result.header.state));
    r.person_state = std::string(to_string(result.person));
    r.eligibility = std::string(to_string(result.eligibility));
    r.processing_code = result.processing_result_code;
    r.processing_message = result.processing_result_message;
    if (r.processing_code.empty() && result.header.state == FileState::Failed) {
        r.processing_code = result.header.error_code;
        r.processing_message = result.header.error_message;
    }
    summarise(result.coverages, r);
    if (result.echo) fill_from_search(*result.echo, r);
    attach_consents(result.coverages, context.source != "face", r);
    r.raw_xml = raw_utf8(result.document);
    return r;
}

CheckRecord to_check_record(const BulkUnit& unit, const BulkResult& result,
                            const CheckContext& context) {
    CheckRecord r;
    r.checked_at = format_jst_iso(now_seconds());
    r.facility = context.facility;
    r.method = context.method;
    r.source = context.source;
    r.source_file = context.source_file;
    r.request_id = unit.echo.arbitrary_identifier;
    r.confirmation_date = result.header.get("QualificationConfirmationDate");
    r.file_state = std::string(to_string(result.header.state));
    r.person_state = std::string(to_string(unit.person));
    r.eligibility = std::string(to_string(unit.eligibility));
    r.processing_code = unit.processing_result_code;
    r.processing_message = unit.processing_result_message;
    summarise(unit.coverages, r);
    if (r.reference_number.empty()) r.reference_number = unit.reference_number;
    fill_from_search(unit.echo, r);
    // The bulk file holds everyone; each row keeps only its own part as JSON.
    nlohmann::json raw{
        {"ReceptionNumber", result.reception_number},
        {"ProcessingResultStatus", std::string(to_string(unit.person))},
        {"coverage",
         nlohmann::json::parse(r.coverage_json.empty() ? std::string("[]") : r.coverage_json)}};
    r.raw_xml = raw.dump();
    return r;
}

QueryOutcome query_eligibility(Exchange& exchange, Store& store, const SingleQuery& query) {
    ExchangeRequest request;
    request.prefix = std::string(kSingleQuery);
    const std::string today = compact_date(format_jst_date(now_seconds()));
    request.suffix = make_suffix(today, store.next_sequence(today));
    request.message = build_single_query(query);
    Document doc = exchange.exchange(request);
    QueryOutcome out{parse_qualification_result(std::move(doc)), {}};
    CheckContext context{query.institution_code, "certificate", "query",
                         std::string(kSingleQuery) + "res_" + request.suffix + ".xml",
                         query.arbitrary_file_identifier};
    if (exchange.kind() == "webapi") context.source_file.clear();
    out.record = to_check_record(out.result, context);
    out.record.id = store.add_check(out.record);
    if (out.result.header.state == FileState::Failed) {
        throw Error(Errc::OqsFailed,
                    fmt::format("the eligibility system ended the request with an error: {} {}",
                                out.result.header.error_code, out.result.header.error_message),
                    {{"error_code", out.result.header.error_code},
                     {"error_message", out.result.header.error_message},
                     {"check_id", std::to_string(out.record.id)}});
    }
    return out;
}

}  // namespace mynaq::oqs
