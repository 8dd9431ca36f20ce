// The emulator's answers: result messages built from the people file. No files here; the
// folder side is in oqs_terminal.cpp.
#include <algorithm>
#include <initializer_list>
#include <mutex>

#include <fmt/format.h>

#include "answer_support.hpp"
#include "mynaq/oqs/exchange.hpp"
#include "mynaq/oqs/medical_info.hpp"
#include "mynaq/sim/oqs_terminal.hpp"

namespace mynaq::sim {

using oqs::Node;
using SysClock = std::chrono::system_clock;

namespace {

using detail::character_code;
using detail::insurer_key;
using detail::jst_stamp;
using detail::parse_stamp;
using detail::trimmed;

constexpr std::string_view kSingle = "OQSsiquc01";
constexpr std::string_view kUpload = "OQSmuquc01";
constexpr std::string_view kDownload = "OQSmuquc02";

void reverse_all(Node& node) {
    std::reverse(node.children.begin(), node.children.end());
    for (auto& c : node.children) reverse_all(c);
}

bool is_consent_element(std::string_view name) {
    return name.ends_with("ConsFlg") || name.ends_with("ConsTime") ||
           name.ends_with("AvailableTime");
}

void remove_named(Node& node, std::initializer_list<std::string_view> names) {
    std::erase_if(node.children, [&](const Node& c) {
        return std::find(names.begin(), names.end(), c.name) != names.end();
    });
}

// Is the record in force on `date` (yyyyMMdd)?
bool record_valid_on(const Node& record, const std::string& date) {
    const std::string from = record.value_or_empty("QualificationDate");
    const std::string lost = record.value_or_empty("DisqualificationDate");
    const std::string card_end = record.value_or_empty("InsuredCardExpirationDate");
    if (!from.empty() && from > date) return false;
    if (!lost.empty() && lost <= date) return false;
    if (!card_end.empty() && card_end < date) return false;
    return true;
}

struct Evaluation {
    const Person* person = nullptr;
    std::string status;    // ProcessingResultStatus
    std::string code;      // ProcessingResultCode
    std::string message;   // ProcessingResultMessage
    std::string validity;  // QualificationValidity
};

struct RecordContext {
    std::string limit_flag;     // LimitApplicationCertificateRelatedConsFlg ("" = none asked)
    std::string specific_flag;  // SpecificDiseasesCertificateRelatedConsFlg
    std::map<std::string, std::string> consents;
    SysClock::time_point now;
    std::string consent_time;  // yyyyMMddHHmmss from the file, or "" for `now`
    bool bulk = false;         // the reduced record of BulkConfirmUnit
};

// A record as sent: the person's identity filled in where the file leaves it out,
// consent-gated parts kept only with consent, the consent blocks of the moment added.
Node build_record(const Person& person, const Node& stored, const RecordContext& ctx) {
    Node r(stored.name);
    const bool welfare = stored.value_or_empty("InsuredCardClassification") == "A1";
    if (const Node* c = stored.child("InsuredCardClassification")) r.children.push_back(*c);
    auto fill = [&](const char* name, const std::string& value) {
        if (!value.empty() && stored.child(name) == nullptr) r.add(name, value);
    };
    if (!welfare) {
        fill("InsurerNumber", padded_insurer_number(person.insurer_number));
        fill("InsuredCardSymbol", person.symbol);
        fill("InsuredIdentificationNumber", person.number);
        fill("InsuredBranchNumber", person.branch);
    }
    fill("Name", person.name);
    fill("NameKana", person.kana);
    fill("Sex1", person.sex);
    fill("Birthdate", person.birthdate);
    for (const auto& c : stored.children) {
        if (c.name != "InsuredCardClassification") r.children.push_back(c);
    }

    if (ctx.bulk) {
        std::erase_if(r.children, [](const Node& c) { return is_consent_element(c.name); });
        remove_named(r,
                     {"LimitApplicationCertificateRelatedInfo", "SpecificDiseasesCertificateInfo",
                      "SpecificDiseasesCertificateList", "ReferenceNumber"});
        r.add("LimitApplicationCertificateChanged", "0");
        return r;
    }
    if (ctx.limit_flag != "1") remove_named(r, {"LimitApplicationCertificateRelatedInfo"});
    if (ctx.specific_flag != "1") {
        remove_named(r, {"SpecificDiseasesCertificateInfo", "SpecificDiseasesCertificateList"});
    }
    const auto cons_time = ctx.consent_time.empty() ? ctx.now : parse_stamp(ctx.consent_time);
    auto add_flag = [&](const std::string& stem, const std::string& flag, bool available) {
        if (flag.empty() || r.child(stem + "ConsFlg") != nullptr) return;
        r.add(stem + "ConsFlg", flag);
        if (flag != "1") return;
        r.add(stem + "ConsTime", jst_stamp(cons_time));
        // Outpatient consent is good for 24 hours (reference §4).
        if (available) r.add(stem + "AvailableTime", jst_stamp(cons_time + std::chrono::hours(24)));
    };
    add_flag("LimitApplicationCertificateRelated", ctx.limit_flag, false);
    add_flag("SpecificDiseasesCertificateRelated", ctx.specific_flag, false);
    for (const auto& [stem, flag] : ctx.consents) {
        if (stem.ends_with("Related")) continue;
        add_flag(stem, flag, true);
    }
    // ReferenceNumber last, where the samples have it.
    if (const Node* ref = r.child("ReferenceNumber")) {
        Node copy = *ref;
        remove_named(r, {"ReferenceNumber"});
        r.children.push_back(std::move(copy));
    }
    return r;
}

const Person* find_person(const People& people, const Node& search) {
    const std::string insurer = insurer_key(search.value_or_empty("InsurerNumber"));
    const std::string number = trimmed(search.value_or_empty("InsuredIdentificationNumber"));
    const std::string birth = trimmed(search.value_or_empty("Birthdate"));
    const std::string branch = trimmed(search.value_or_empty("InsuredBranchNumber"));
    for (const auto& p : people.people) {
        if (insurer_key(p.insurer_number) != insurer || trimmed(p.number) != number ||
            p.birthdate != birth) {
            continue;
        }
        if (!branch.empty() && !p.branch.empty() && p.branch != branch) continue;
        return &p;
    }
    return nullptr;
}

Evaluation evaluate(const Person* person, const std::string& date) {
    Evaluation e;
    e.person = person;
    if (person == nullptr || person->records.empty()) {
        e.person = nullptr;
        e.status = "2";
        e.code = "EMU0004";
        e.message = "該当する資格が見つかりません（エミュレータ）";
        e.validity = "4";
        return e;
    }
    e.status = "1";
    if (!person->validity.empty()) {
        e.validity = person->validity;
        return e;
    }
    int insurance = 0;
    int welfare = 0;
    for (const auto& r : person->records) {
        if (!record_valid_on(r, date)) continue;
        ++(r.value_or_empty("InsuredCardClassification") == "A1" ? welfare : insurance);
    }
    e.validity = insurance > 1 ? "5" : (insurance + welfare > 0 ? "1" : "2");
    return e;
}

Node segment9(const Node& request, const std::string& institution, TextEncoding encoding,
              const std::string& code, const std::string& message) {
    Node msg("XmlMsg");
    Node& h = msg.add("MessageHeader");
    const Node* rh = request.child("MessageHeader");
    h.add("ProcessExecutionTime", jst_stamp(SysClock::now()));
    h.add("MedicalInstitutionCode", rh != nullptr && rh->child("MedicalInstitutionCode") != nullptr
                                        ? rh->value_or_empty("MedicalInstitutionCode")
                                        : institution);
    if (rh != nullptr)
        h.add_if("ArbitraryFileIdentifier", rh->value_or_empty("ArbitraryFileIdentifier"));
    h.add("SegmentOfResult", "9");
    h.add("ErrorCode", code);
    h.add("ErrorMessage", message);
    h.add("CharacterCodeIdentifier", character_code(encoding));
    msg.add("MessageBody");
    return msg;
}

}  // namespace

Node OqsTerminal::answer(const Node& request_message, std::string_view prefix) {
    const TextEncoding encoding = faults().shift_jis ? TextEncoding::ShiftJis : options_.encoding;
    return answer_with(request_message, prefix, encoding);
}

Node OqsTerminal::answer_with(const Node& request, std::string_view prefix, TextEncoding encoding) {
    const TerminalFaults f = faults();
    Node result;
    if (f.segment9) {
        result = segment9(request, options_.institution_code, encoding, "EMU9001",
                          "異常終了（エミュレータの故障注入）");
    } else if (request.name != "XmlMsg" || request.child("MessageHeader") == nullptr) {
        result = segment9(request, options_.institution_code, encoding, "EMU9002",
                          "要求電文の形式が不正です（エミュレータ）");
    } else if (prefix == kSingle) {
        result = answer_single(request, encoding);
    } else if (prefix == kUpload) {
        result = answer_upload(request, encoding);
    } else if (prefix == kDownload) {
        result = answer_download(request, encoding);
    } else if (prefix.starts_with("OQSsiimm") || prefix.starts_with("OQSmuimm")) {
        result = answer_reference(request, prefix, encoding);
    } else if (prefix == oqs::prefix_of(oqs::MedicalInfoKind::Drugs)) {
        result = answer_drugs(request, encoding);
    } else if (prefix == oqs::prefix_of(oqs::MedicalInfoKind::Checkups)) {
        result = answer_checkups(request, encoding);
    } else {
        result = segment9(request, options_.institution_code, encoding, "EMU9003",
                          fmt::format("未対応のインターフェースです: {}（エミュレータ）", prefix));
    }
    if (f.shuffle) reverse_all(result);
    return result;
}

Node OqsTerminal::answer_single(const Node& request, TextEncoding encoding) const {
    const Node& rh = *request.child("MessageHeader");
    const Node* search = request.find("QualificationConfirmSearchInfo");
    const auto now = SysClock::now();
    std::string date = rh.value_or_empty("QualificationConfirmationDate");
    if (date.empty()) date = jst_stamp(now, false);

    Node msg("XmlMsg");
    Node& h = msg.add("MessageHeader");
    h.add("ProcessExecutionTime", jst_stamp(now));
    h.add("QualificationConfirmationDate", date);
    const std::string code = rh.value_or_empty("MedicalInstitutionCode");
    h.add("MedicalInstitutionCode", code.empty() ? options_.institution_code : code);
    h.add_if("ArbitraryFileIdentifier", rh.value_or_empty("ArbitraryFileIdentifier"));
    h.add("ReferenceClassification", "2");
    h.add("SegmentOfResult", "1");
    h.add("CharacterCodeIdentifier", character_code(encoding));

    Node& body = msg.add("MessageBody");
    const Evaluation e =
        evaluate(search != nullptr ? find_person(options_.people, *search) : nullptr, date);
    if (e.person != nullptr) {
        RecordContext ctx;
        ctx.limit_flag = search->value_or_empty("LimitApplicationCertificateRelatedConsFlg");
        if (ctx.limit_flag.empty()) ctx.limit_flag = "0";
        // Asked by 保険証, the one flag covers the 限度額 and 特定疾病 parts alike.
        ctx.specific_flag = ctx.limit_flag;
        ctx.consents = e.person->consents;
        ctx.now = now;
        ctx.consent_time = e.person->consent_time;
        Node& list = body.add("ResultList");
        for (const auto& r : e.person->records) {
            list.children.push_back(build_record(*e.person, r, ctx));
        }
        apply_registered_reference(code, *e.person, list);
    }
    body.add("ProcessingResultStatus", e.status);
    body.add_if("ProcessingResultCode", e.code);
    body.add_if("ProcessingResultMessage", e.message);
    body.add("QualificationValidity", e.validity);
    if (search != nullptr) body.children.push_back(*search);
    return msg;
}

Node OqsTerminal::answer_upload(const Node& request, TextEncoding encoding) {
    const Node& rh = *request.child("MessageHeader");
    const auto searches = request.find_all("QualificationConfirmSearchInfo");
    if (searches.empty()) {
        return segment9(request, options_.institution_code, encoding, "EMU9004",
                        "照会対象者がありません（エミュレータ）");
    }
    const auto now = SysClock::now();
    Upload upload;
    upload.request = request;
    upload.reception_time = jst_stamp(now);
    {
        std::lock_guard lock(mutex_);
        upload.reception_number =
            fmt::format("{}{:04}", upload.reception_time, ++reception_counter_);
        uploads_[upload.reception_number] = upload;
    }
    Node msg("XmlMsg");
    Node& h = msg.add("MessageHeader");
    h.add("ProcessExecutionTime", jst_stamp(now));
    const std::string code = rh.value_or_empty("MedicalInstitutionCode");
    h.add("MedicalInstitutionCode", code.empty() ? options_.institution_code : code);
    h.add_if("ArbitraryFileIdentifier", rh.value_or_empty("ArbitraryFileIdentifier"));
    h.add("SegmentOfResult", "1");
    h.add("CharacterCodeIdentifier", character_code(encoding));
    Node& body = msg.add("MessageBody");
    body.add("ReceptionNumber", upload.reception_number);
    body.add("ReceptionDateTime", upload.reception_time);
    return msg;
}

Node OqsTerminal::answer_download(const Node& request, TextEncoding encoding) {
    const Node& rh = *request.child("MessageHeader");
    const Node* number_node = request.find("ReceptionNumber");
    const std::string number = number_node != nullptr ? trimmed(number_node->text) : "";
    Upload upload;
    {
        std::lock_guard lock(mutex_);
        const auto it = uploads_.find(number);
        if (it == uploads_.end()) {
            return segment9(request, options_.institution_code, encoding, "EMU9005",
                            fmt::format("受付番号 {} が見つかりません（エミュレータ）", number));
        }
        ++it->second.downloads;
        upload = it->second;
    }
    const auto now = SysClock::now();
    const Node& uh = *upload.request.child("MessageHeader");
    std::string date = uh.value_or_empty("QualificationConfirmationDate");
    if (date.empty()) date = jst_stamp(now, false);
    const bool processing = upload.downloads <= options_.processing_rounds;

    Node msg("XmlMsg");
    Node& h = msg.add("MessageHeader");
    h.add("ProcessExecutionTime", jst_stamp(now));
    h.add("QualificationConfirmationDate", date);
    const std::string code = rh.value_or_empty("MedicalInstitutionCode");
    h.add("MedicalInstitutionCode", code.empty() ? options_.institution_code : code);
    h.add_if("ArbitraryFileIdentifier", rh.value_or_empty("ArbitraryFileIdentifier"));
    h.add("ReceptionNumber", number);
    h.add("SegmentOfResult", processing ? "2" : "1");
    // The header's counts are known only after the units: both are built before joining.
    Node body("MessageBody");
    int normal = 0;
    int errors = 0;
    for (const Node* search : upload.request.find_all("QualificationConfirmSearchInfo")) {
        if (processing) break;
        const Evaluation e = evaluate(find_person(options_.people, *search), date);
        ++(e.status == "1" ? normal : errors);
        Node& unit = body.add("BulkConfirmUnit");
        unit.children.push_back(*search);
        unit.add("ProcessingResultStatus", e.status);
        unit.add_if("ProcessingResultCode", e.code);
        unit.add_if("ProcessingResultMessage", e.message);
        unit.add("QualificationValidity", e.validity);
        if (e.person == nullptr) continue;
        RecordContext ctx;
        ctx.bulk = true;
        std::string reference;
        for (const auto& r : e.person->records) {
            if (reference.empty()) reference = r.value_or_empty("ReferenceNumber");
            unit.children.push_back(build_record(*e.person, r, ctx));
        }
        if (const auto reg = registration_of(code, *e.person)) reference = reg->reference_number;
        unit.add_if("ReferenceNumber", reference);
    }
    if (!processing) {
        h.add("NumberOfProcessingResult", std::to_string(normal + errors));
        h.add("NumberOfNormalProcessing", std::to_string(normal));
        h.add("NumberOfError", std::to_string(errors));
    }
    h.add("CharacterCodeIdentifier", character_code(encoding));
    msg.children.push_back(std::move(body));
    return msg;
}

Node OqsTerminal::face_message(const Person& person, const FaceChoices& choices,
                               TextEncoding encoding) const {
    const auto now = SysClock::now();
    const std::string date = jst_stamp(now, false);
    Node msg("XmlMsg");
    Node& h = msg.add("MessageHeader");
    h.add("ProcessExecutionTime", jst_stamp(now));
    h.add("QualificationConfirmationDate", date);
    h.add("MedicalInstitutionCode", options_.institution_code);
    h.add("ArbitraryFileIdentifier", oqs::make_file_identifier());
    h.add("ReferenceClassification", "1");
    h.add("SegmentOfResult", "1");
    h.add("CharacterCodeIdentifier", character_code(encoding));

    RecordContext ctx;
    ctx.consents = person.consents;
    for (const auto& [stem, flag] : choices.consents) ctx.consents[stem] = flag;
    auto take = [&](const std::string& stem) {
        const auto it = ctx.consents.find(stem);
        return it == ctx.consents.end() ? std::string("0") : it->second;
    };
    ctx.limit_flag = take("LimitApplicationCertificateRelated");
    ctx.specific_flag = take("SpecificDiseasesCertificateRelated");
    ctx.now = now;
    ctx.consent_time = person.consent_time;
    const Evaluation e = evaluate(&person, date);
    Node& body = msg.add("MessageBody");
    Node& list = body.add("ResultList");
    for (const auto& r : person.records) list.children.push_back(build_record(person, r, ctx));
    apply_registered_reference(options_.institution_code, person, list);
    body.add("ProcessingResultStatus", e.status);
    body.add_if("ProcessingResultCode", e.code);
    body.add_if("ProcessingResultMessage", e.message);
    body.add("QualificationValidity", e.validity);
    body.add_if("PrescriptionIssueSelect", choices.prescription_issue_select);
    if (faults().shuffle) reverse_all(msg);
    return msg;
}

}  // namespace mynaq::sim
