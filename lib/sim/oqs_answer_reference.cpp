// The emulator's 照会番号 registration: OQSsiimm01 answered at once, OQSmuimm01/02 with a
// ReceptionNumber and 処理中 rounds like 一括照会. A registration is found by the insurance
// it names (the request has no birthdate) and kept per institution and person, so that
// later face and query results carry the number.
#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "answer_support.hpp"
#include "mynaq/sim/oqs_terminal.hpp"

namespace mynaq::sim {

using oqs::Node;
using SysClock = std::chrono::system_clock;

namespace {

using detail::character_code;
using detail::insurer_key;
using detail::jst_stamp;
using detail::trimmed;

constexpr std::string_view kSingle = "OQSsiimm01";
constexpr std::string_view kUpload = "OQSmuimm01";
constexpr std::string_view kDownload = "OQSmuimm02";
constexpr std::string_view kInfo = "ReferenceNumberRegistrationInfo";
constexpr std::size_t kMaxReferenceChars = 50;

std::size_t utf8_length(std::string_view s) {
    return static_cast<std::size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// The header every answer here starts with; the institution and file identifier echoed.
Node& result_header(Node& msg, const Node& request, const std::string& default_institution,
                    SysClock::time_point now) {
    const Node* rh = request.child("MessageHeader");
    Node& h = msg.add("MessageHeader");
    h.add("ProcessExecutionTime", jst_stamp(now));
    const std::string code = rh != nullptr ? rh->value_or_empty("MedicalInstitutionCode") : "";
    h.add("MedicalInstitutionCode", code.empty() ? default_institution : code);
    if (rh != nullptr) {
        h.add_if("ArbitraryFileIdentifier", rh->value_or_empty("ArbitraryFileIdentifier"));
    }
    return h;
}

Node segment9(const Node& request, const std::string& institution, TextEncoding encoding,
              const std::string& code, const std::string& message) {
    Node msg("XmlMsg");
    Node& h = result_header(msg, request, institution, SysClock::now());
    h.add("SegmentOfResult", "9");
    h.add("ErrorCode", code);
    h.add("ErrorMessage", message);
    h.add("CharacterCodeIdentifier", character_code(encoding));
    msg.add("MessageBody");
    return msg;
}

// The people a registration can mean: same insurer and number, and symbol and branch where
// both sides have one (a family shares the number and differs in the branch).
std::vector<const Person*> people_for(const People& people, const Node& info) {
    const std::string insurer = insurer_key(info.value_or_empty("InsurerNumber"));
    const std::string number = trimmed(info.value_or_empty("InsuredIdentificationNumber"));
    const std::string symbol = trimmed(info.value_or_empty("InsuredCardSymbol"));
    const std::string branch = trimmed(info.value_or_empty("InsuredBranchNumber"));
    std::vector<const Person*> out;
    if (insurer.empty() || number.empty()) return out;
    for (const auto& p : people.people) {
        if (p.records.empty() || insurer_key(p.insurer_number) != insurer ||
            trimmed(p.number) != number) {
            continue;
        }
        if (!symbol.empty() && !p.symbol.empty() && trimmed(p.symbol) != symbol) continue;
        if (!branch.empty() && !p.branch.empty() && trimmed(p.branch) != branch) continue;
        out.push_back(&p);
    }
    return out;
}

std::string institution_of(const Node& request) {
    const Node* rh = request.child("MessageHeader");
    return rh != nullptr ? trimmed(rh->value_or_empty("MedicalInstitutionCode")) : "";
}

}  // namespace

std::string OqsTerminal::registered_reference(std::string_view person_id) const {
    std::lock_guard lock(mutex_);
    const auto it = references_.find(std::pair(options_.institution_code, std::string(person_id)));
    return it == references_.end() ? std::string() : it->second.reference_number;
}

std::optional<OqsTerminal::Registration> OqsTerminal::registration_of(
    const std::string& institution, const Person& person) const {
    const std::string code = institution.empty() ? options_.institution_code : trimmed(institution);
    std::lock_guard lock(mutex_);
    const auto it = references_.find(std::pair(code, person.id));
    if (it == references_.end()) return std::nullopt;
    return it->second;
}

void OqsTerminal::apply_registered_reference(const std::string& institution, const Person& person,
                                             Node& list) const {
    const auto reg = registration_of(institution, person);
    if (!reg) return;
    for (Node& record : list.children) {
        if (record.name != "ResultOfQualificationConfirmation") continue;
        // Registered to one insurance: a 医療扶助 record or another insurer's keeps its own.
        if (insurer_key(record.value_or_empty("InsurerNumber")) !=
                insurer_key(reg->insurer_number) ||
            trimmed(record.value_or_empty("InsuredIdentificationNumber")) != trimmed(reg->number)) {
            continue;
        }
        std::erase_if(record.children, [](const Node& c) { return c.name == "ReferenceNumber"; });
        record.add("ReferenceNumber", reg->reference_number);
    }
}

bool OqsTerminal::register_reference(const std::string& institution, const Node& info, Node& out) {
    auto refuse = [&](const char* code, const std::string& message) {
        out.add("ProcessingResultStatus", "2");
        out.add("ProcessingResultCode", code);
        out.add("ProcessingResultMessage", message);
        return false;
    };
    const std::string reference = info.value_or_empty("ReferenceNumber");
    if (trimmed(reference).empty() || trimmed(reference) != reference ||
        utf8_length(reference) > kMaxReferenceChars) {
        return refuse("EMU0101", fmt::format("照会番号が不正です（空、前後の空白または{}文字超）"
                                             "（エミュレータ）",
                                             kMaxReferenceChars));
    }
    const auto found = people_for(options_.people, info);
    if (found.empty()) {
        return refuse("EMU0102", "登録対象の資格が見つかりません（エミュレータ）");
    }
    if (found.size() > 1) {
        return refuse("EMU0103",
                      "複数の資格が該当します。記号・枝番を確認してください（エミュレータ）");
    }
    const std::string code = institution.empty() ? options_.institution_code : institution;
    {
        std::lock_guard lock(mutex_);
        references_[std::pair(code, found.front()->id)] =
            Registration{reference, info.value_or_empty("InsurerNumber"),
                         info.value_or_empty("InsuredIdentificationNumber")};
    }
    out.add("ProcessingResultStatus", "1");
    return true;
}

Node OqsTerminal::answer_reference(const Node& request, std::string_view prefix,
                                   TextEncoding encoding) {
    if (prefix == kSingle) return answer_reference_single(request, encoding);
    if (prefix == kUpload) return answer_reference_upload(request, encoding);
    if (prefix == kDownload) return answer_reference_download(request, encoding);
    return segment9(request, options_.institution_code, encoding, "EMU9003",
                    fmt::format("未対応のインターフェースです: {}（エミュレータ）", prefix));
}

Node OqsTerminal::answer_reference_single(const Node& request, TextEncoding encoding) {
    const auto infos = request.find_all(kInfo);
    if (infos.size() != 1) {
        return segment9(request, options_.institution_code, encoding, "EMU9006",
                        infos.empty() ? "登録対象がありません（エミュレータ）"
                                      : "単件登録に複数の登録対象があります（エミュレータ）");
    }
    Node msg("XmlMsg");
    Node& h = result_header(msg, request, options_.institution_code, SysClock::now());
    h.add("SegmentOfResult", "1");
    h.add("CharacterCodeIdentifier", character_code(encoding));
    // As the real result reported in MynaReception's tests: the registration echoed, then
    // the status (code and message only on error).
    Node& body = msg.add("MessageBody");
    body.children.push_back(*infos.front());
    register_reference(institution_of(request), *infos.front(), body);
    return msg;
}

Node OqsTerminal::answer_reference_upload(const Node& request, TextEncoding encoding) {
    if (request.find(kInfo) == nullptr) {
        return segment9(request, options_.institution_code, encoding, "EMU9004",
                        "登録対象者がありません（エミュレータ）");
    }
    const auto now = SysClock::now();
    ReferenceUpload upload;
    upload.request = request;
    upload.reception_time = jst_stamp(now);
    {
        std::lock_guard lock(mutex_);
        upload.reception_number =
            fmt::format("{}{:04}", upload.reception_time, ++reception_counter_);
        reference_uploads_[upload.reception_number] = upload;
    }
    Node msg("XmlMsg");
    Node& h = result_header(msg, request, options_.institution_code, now);
    h.add("SegmentOfResult", "1");
    h.add("CharacterCodeIdentifier", character_code(encoding));
    Node& body = msg.add("MessageBody");
    body.add("ReceptionNumber", upload.reception_number);
    body.add("ReceptionDateTime", upload.reception_time);
    return msg;
}

Node OqsTerminal::answer_reference_download(const Node& request, TextEncoding encoding) {
    const Node* number_node = request.find("ReceptionNumber");
    const std::string number = number_node != nullptr ? trimmed(number_node->text) : "";
    ReferenceUpload upload;
    {
        std::lock_guard lock(mutex_);
        const auto it = reference_uploads_.find(number);
        if (it == reference_uploads_.end()) {
            return segment9(request, options_.institution_code, encoding, "EMU9005",
                            fmt::format("受付番号 {} が見つかりません（エミュレータ）", number));
        }
        ++it->second.downloads;
        upload = it->second;
    }
    const bool processing = upload.downloads <= options_.processing_rounds;
    if (!processing && !upload.units) {
        // Registered when processing ends, once: later downloads repeat the same answer.
        Node units("MessageBody");
        const std::string institution = institution_of(upload.request);
        for (const Node* info : upload.request.find_all(kInfo)) {
            Node& unit = units.add("BulkRegistrationUnit");
            unit.children.push_back(*info);
            ++(register_reference(institution, *info, unit) ? upload.normal : upload.errors);
        }
        upload.units = std::move(units);
        std::lock_guard lock(mutex_);
        auto& stored = reference_uploads_[number];
        if (!stored.units) {
            stored.units = upload.units;
            stored.normal = upload.normal;
            stored.errors = upload.errors;
        }
    }

    Node msg("XmlMsg");
    Node& h = result_header(msg, request, options_.institution_code, SysClock::now());
    h.add("ReceptionNumber", number);
    h.add("SegmentOfResult", processing ? "2" : "1");
    if (!processing) {
        h.add("NumberOfProcessingResult", std::to_string(upload.normal + upload.errors));
        h.add("NumberOfNormalProcessing", std::to_string(upload.normal));
        h.add("NumberOfError", std::to_string(upload.errors));
    }
    h.add("CharacterCodeIdentifier", character_code(encoding));
    msg.children.push_back(processing ? Node("MessageBody") : *upload.units);
    return msg;
}

}  // namespace mynaq::sim
