// The emulator's 薬剤情報 (YZKsiquc01) and 特定健診情報 (TKKsiquc01) answers, built with the
// layout of oqs/medical_info so that what the emulator writes and what mynaq reads cannot
// drift apart. Like the real system it looks the patient up by the card's keys and answers
// only while the patient's consent for the category holds.
#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "answer_support.hpp"
#include "mynaq/oqs/medical_info.hpp"
#include "mynaq/sim/oqs_terminal.hpp"

namespace mynaq::sim {

using oqs::Node;
using SysClock = std::chrono::system_clock;

namespace {

using detail::insurer_key;
using detail::jst_stamp;
using detail::parse_stamp;
using detail::trimmed;

// ResultCode of a refusal; the real codes are not public, OQSDrug2 only tests for 1.
constexpr std::string_view kRefused = "0";

// The card's keys only: these requests carry no birthdate. A key left out on either side
// (記号, 枝番) does not prevent a match.
const Person* find_card_holder(const People& people, const oqs::MedicalInfoQuery& q) {
    const std::string insurer = insurer_key(q.insurer_number);
    const std::string number = trimmed(q.identification_number);
    const std::string symbol = trimmed(q.card_symbol);
    const std::string branch = trimmed(q.branch_number);
    if (insurer.empty() || number.empty()) return nullptr;
    for (const auto& p : people.people) {
        if (insurer_key(p.insurer_number) != insurer || trimmed(p.number) != number) continue;
        if (!symbol.empty() && !p.symbol.empty() && trimmed(p.symbol) != symbol) continue;
        if (!branch.empty() && !p.branch.empty() && p.branch != branch) continue;
        return &p;
    }
    return nullptr;
}

// Why the category may not be shown, or nullopt when the consent holds: flag 1, given less
// than 24 hours ago (an unset consent_time means "at the moment of asking", as in the face
// results).
std::optional<std::string> refusal(const Person& person, const std::string& stem,
                                   std::string_view what, SysClock::time_point now) {
    const auto it = person.consents.find(stem);
    const std::string flag = it == person.consents.end() ? "0" : it->second;
    if (flag == "2") {
        return fmt::format("{}の閲覧同意の有効期限が切れています（エミュレータ）", what);
    }
    if (flag != "1")
        return fmt::format("{}の閲覧について同意が得られていません（エミュレータ）", what);
    if (!person.consent_time.empty() &&
        parse_stamp(person.consent_time) + std::chrono::hours(24) < now) {
        return fmt::format("{}の閲覧同意の有効期限が切れています（同意日時 {}）（エミュレータ）",
                           what, person.consent_time);
    }
    return std::nullopt;
}

oqs::Fields result_header(const oqs::MedicalInfoQuery& q, const std::string& institution,
                          TextEncoding encoding, SysClock::time_point now) {
    oqs::Fields h;
    h.emplace_back("ProcessExecutionTime", jst_stamp(now));
    h.emplace_back("MedicalInstitutionCode",
                   q.institution_code.empty() ? institution : q.institution_code);
    if (!q.arbitrary_file_identifier.empty()) {
        h.emplace_back("ArbitraryFileIdentifier", q.arbitrary_file_identifier);
    }
    h.emplace_back("CharacterCodeIdentifier", encoding == TextEncoding::ShiftJis ? "1" : "0");
    return h;
}

oqs::MedicalPatient patient_of(const Person& p) {
    return {p.name, p.kana, p.birthdate, p.sex};
}

// What stops an answer before the history is looked at, or nullopt.
std::optional<std::string> cannot_answer(const Person* person, const std::string& stem,
                                         std::string_view what, SysClock::time_point now) {
    if (person == nullptr) return std::string("該当する被保険者が見つかりません（エミュレータ）");
    return refusal(*person, stem, what, now);
}

}  // namespace

Node OqsTerminal::answer_drugs(const Node& request, TextEncoding encoding) const {
    const auto now = SysClock::now();
    const oqs::MedicalRequest req = oqs::parse_medical_request(request);
    const Person* person = find_card_holder(options_.people, req.query);
    oqs::DrugHistory h;
    h.header = result_header(req.query, options_.institution_code, encoding, now);
    if (auto why = cannot_answer(person, "PharmacistsInfo", "薬剤情報", now)) {
        h.result_code = kRefused;
        h.message = *why;
        return oqs::build_drug_result(h);
    }
    h.result_code = "1";
    h.patient = patient_of(*person);
    const std::string from = trimmed(req.query.from_month);
    const std::string to = trimmed(req.query.to_month);
    for (const auto& d : person->drugs) {
        if (!from.empty() && d.month < from) continue;
        if (!to.empty() && d.month > to) continue;
        h.entries.push_back(d);
    }
    return oqs::build_drug_result(h);
}

Node OqsTerminal::answer_checkups(const Node& request, TextEncoding encoding) const {
    const auto now = SysClock::now();
    const oqs::MedicalRequest req = oqs::parse_medical_request(request);
    const Person* person = find_card_holder(options_.people, req.query);
    oqs::CheckupHistory h;
    h.header = result_header(req.query, options_.institution_code, encoding, now);
    if (auto why = cannot_answer(person, "SpecificHealthCheckupsInfo", "特定健診情報", now)) {
        h.result_code = kRefused;
        h.message = *why;
        return oqs::build_checkup_result(h);
    }
    h.result_code = "1";
    h.patient = patient_of(*person);
    h.checkups = person->checkups;
    return oqs::build_checkup_result(h);
}

}  // namespace mynaq::sim
