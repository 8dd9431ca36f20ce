#include "mynaq/fallback/ladder.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "mynaq/error.hpp"
#include "mynaq/fallback/dates.hpp"
#include "mynaq/jst.hpp"
#include "mynaq/oqs/message.hpp"

namespace mynaq::fallback {

namespace {

using Answers = std::map<std::string, std::string>;

struct State {
    const Answers& answers;
    const LadderContext& context;
    const std::optional<PreviousCoverage>& previous;
    [[nodiscard]] std::string a(const std::string& id) const {
        const auto it = answers.find(id);
        return it == answers.end() ? std::string{} : it->second;
    }
    [[nodiscard]] bool has(const std::string& id) const { return answers.contains(id); }
};

struct Spec {
    Question question;
    bool (*applies)(const State&);
    std::string (*default_of)(const State&) = nullptr;
};

bool always(const State&) {
    return true;
}
bool has_card(const State& s) {
    return s.a("reason") != "no_card";
}

// Which ladder step settled the coverage, "" while none has.
std::string resolved_by(const State& s) {
    if (s.a("disaster.found") == "yes") return "disaster";
    if (s.a("portal") == "yes") return "portal";
    if (s.a("notice") == "yes") return "notice";
    if (s.a("certificate") == "yes") return "certificate";
    if (s.a("oral") == "no_change") return "oral";
    if (s.has("declaration.signed")) return "declaration";
    return "";
}

bool is_disaster(const State& s) {
    return s.a("reason") == "disaster";
}

// The known or declared share decides without asking; only a patient of 70 and over whose
// bracket is unknown is asked for it.
std::string known_ratio(const State& s);

bool ask_elderly_bracket(const State& s) {
    const std::string day = s.context.today;
    if (!elderly_70_on(s.a("birthdate"), day)) return false;
    if (parse_ratio(known_ratio(s))) return false;
    return !parse_ratio(s.a("declaration.ratio"));
}

std::string default_disaster_from(const State& s) {
    return s.context.disaster_from.empty() ? s.context.today : s.context.disaster_from;
}
std::string default_disaster_to(const State& s) {
    return s.context.disaster_to.empty() ? add_days(s.context.today, 6) : s.context.disaster_to;
}
std::string default_disaster_area(const State& s) {
    return s.context.disaster_area;
}
std::string default_identity(const State& s) {
    return has_card(s) ? "card_photo" : "known";
}

ShareSuggestion suggestion_of(const State& s) {
    // No card, no document and nothing held: 10割 is the baseline, settled after the visit.
    const auto by = resolved_by(s);
    if (s.a("reason") == "no_card" && (by.empty() || by == "declaration")) {
        return {100, "no_card"};
    }
    std::string declared = s.a("declaration.ratio");
    if (declared.empty() || declared == "unknown") declared = s.a("share.declared");
    return suggest_share(s.a("birthdate"), s.context.today, known_ratio(s), declared);
}

std::string default_charged(const State& s) {
    return std::to_string(suggestion_of(s).percent);
}

bool charged_differs(const State& s) {
    return s.a("share.charged") != default_charged(s);
}

Question q(std::string id, std::string kind, std::string group, bool optional = false,
           std::vector<std::string> choices = {}) {
    return {std::move(id), std::move(kind), std::move(choices), "", optional, std::move(group)};
}

// The five numbers read off a document; the resolving step's own prefix.
template <bool (*Applies)(const State&)>
void add_numbers(std::vector<Spec>& specs, const std::string& step) {
    specs.push_back({q(step + ".insurer_number", "insurer", step), Applies});
    specs.push_back({q(step + ".symbol", "text", step, true), Applies});
    specs.push_back({q(step + ".number", "text", step), Applies});
    specs.push_back({q(step + ".branch", "digits", step, true), Applies});
    specs.push_back({q(step + ".ratio", "ratio", step, true), Applies});
}

bool disaster_consent_given(const State& s) {
    return is_disaster(s) && s.has("disaster.consent") && s.a("disaster.consent") != "refused";
}
bool disaster_found(const State& s) {
    return s.a("disaster.found") == "yes";
}
bool ask_portal(const State& s) {
    return has_card(s) && (resolved_by(s).empty() || resolved_by(s) == "portal") &&
           !disaster_found(s);
}
bool portal_yes(const State& s) {
    return s.a("portal") == "yes";
}
bool ask_notice(const State& s) {
    return has_card(s) && !disaster_found(s) && s.a("portal") != "yes";
}
bool notice_yes(const State& s) {
    return s.a("notice") == "yes";
}
bool ask_certificate(const State& s) {
    return !disaster_found(s) && s.a("portal") != "yes" && s.a("notice") != "yes";
}
bool certificate_yes(const State& s) {
    return s.a("certificate") == "yes";
}
bool ask_oral(const State& s) {
    return ask_certificate(s) && s.a("certificate") != "yes" && s.a("visit") == "return" &&
           s.previous.has_value();
}
bool ask_declaration(const State& s) {
    return ask_certificate(s) && s.a("certificate") != "yes" && s.a("oral") != "no_change";
}
bool declaration_employer(const State& s) {
    const auto kind = s.a("declaration.insurance_kind");
    return ask_declaration(s) && kind != "national" && kind != "elderly";
}
bool declaration_employer_address(const State& s) {
    return declaration_employer(s) && !s.a("declaration.employer").empty();
}

std::string known_ratio(const State& s) {
    const auto by = resolved_by(s);
    if (by == "oral" && s.previous) return s.previous->coverage.ratio;
    if (by == "disaster" || by == "portal" || by == "notice" || by == "certificate") {
        return s.a(by + ".ratio");
    }
    return "";
}

const std::vector<Spec>& specs() {
    static const std::vector<Spec> all = [] {
        std::vector<Spec> s;
        s.push_back({q("reason", "choice", "reason", false, reason_ids()), always});
        s.push_back({q("reason_note", "text", "reason", true),
                     [](const State& st) { return st.a("reason") == "other"; }});
        s.push_back({q("visit", "choice", "patient", false, {"first", "return"}), always});
        s.push_back({q("name", "text", "patient"), always});
        s.push_back({q("kana", "text", "patient", true), always});
        s.push_back({q("birthdate", "date", "patient", true), always});
        s.push_back({q("sex", "choice", "patient", true, {"male", "female", "unknown"}), always});
        s.push_back(
            {q("identity", "choice", "patient", false, {"card_photo", "document", "known", "none"}),
             always, default_identity});
        // 災害時: the special measure comes first (policy.md §3.6).
        s.push_back({q("disaster.from", "date", "disaster"), is_disaster, default_disaster_from});
        s.push_back({q("disaster.to", "date", "disaster"), is_disaster, default_disaster_to});
        s.push_back(
            {q("disaster.area", "text", "disaster", true), is_disaster, default_disaster_area});
        s.push_back({q("disaster.address", "text", "disaster", true), is_disaster});
        s.push_back(
            {q("disaster.consent", "choice", "disaster", false, {"oral", "unable", "refused"}),
             is_disaster});
        s.push_back({q("disaster.found", "yesno", "disaster"), disaster_consent_given});
        add_numbers<disaster_found>(s, "disaster");
        s.push_back({q("portal", "yesno", "portal"), ask_portal});
        add_numbers<portal_yes>(s, "portal");
        s.push_back({q("notice", "yesno", "notice"), ask_notice});
        add_numbers<notice_yes>(s, "notice");
        s.push_back({q("certificate", "yesno", "certificate"), ask_certificate});
        add_numbers<certificate_yes>(s, "certificate");
        s.push_back({q("certificate.valid_to", "date", "certificate", true), certificate_yes});
        s.push_back({q("oral", "choice", "oral", false, {"no_change", "changed"}), ask_oral});
        s.push_back({q("declaration.postcode", "text", "declaration", true), ask_declaration});
        s.push_back({q("declaration.address", "text", "declaration"), ask_declaration});
        s.push_back({q("declaration.phone", "phone", "declaration", true), ask_declaration});
        s.push_back({q("declaration.insurance_kind", "choice", "declaration", false,
                       {"employee", "national", "elderly", "other", "unknown"}),
                     ask_declaration});
        s.push_back({q("declaration.relation", "choice", "declaration", true,
                       {"insured", "dependent", "unknown"}),
                     ask_declaration});
        s.push_back({q("declaration.employer", "text", "declaration", true), declaration_employer});
        s.push_back({q("declaration.employer_address", "text", "declaration", true),
                     declaration_employer_address});
        s.push_back({q("declaration.insurer_name", "text", "declaration", true), ask_declaration});
        s.push_back({q("declaration.symbol", "text", "declaration", true), ask_declaration});
        s.push_back({q("declaration.number", "text", "declaration", true), ask_declaration});
        s.push_back(
            {q("declaration.ratio", "choice", "declaration", true, {"1", "2", "3", "unknown"}),
             ask_declaration});
        s.push_back({q("declaration.signed", "yesno", "declaration"), ask_declaration});
        s.push_back({q("share.declared", "choice", "share", false, {"1", "2", "3", "unknown"}),
                     ask_elderly_bracket});
        s.push_back({q("share.charged", "choice", "share", false, {"10", "20", "30", "100"}),
                     always, default_charged});
        s.push_back({q("share.note", "text", "share"), charged_differs});
        s.push_back({q("note", "text", "note", true), always});
        return s;
    }();
    return all;
}

const Spec* find_spec(const std::string& id) {
    for (const auto& spec : specs()) {
        if (spec.question.id == id) return &spec;
    }
    return nullptr;
}

std::string trim(std::string text) {
    // Full-width spaces count as spaces at the counter.
    const std::string ideographic = "\u3000";
    for (;;) {
        if (text.starts_with(' ')) {
            text.erase(0, 1);
        } else if (text.starts_with(ideographic)) {
            text.erase(0, ideographic.size());
        } else if (text.ends_with(' ') || text.ends_with('\r')) {
            text.pop_back();
        } else if (text.ends_with(ideographic)) {
            text.erase(text.size() - ideographic.size());
        } else {
            return text;
        }
    }
}

[[noreturn]] void bad(const Question& question, const std::string& why) {
    throw Error(Errc::InvalidArgument, fmt::format("{}: {}", question.id, why),
                {{"question", question.id}});
}

// The value as it is kept, or throws.
std::string normalise(const Question& question, const std::string& raw) {
    std::string value = trim(raw);
    if (value.empty()) {
        if (!question.default_value.empty()) return question.default_value;
        if (question.optional) return "";
        bad(question, "an answer is needed");
    }
    if (question.kind == "choice") {
        if (std::find(question.choices.begin(), question.choices.end(), value) ==
            question.choices.end()) {
            bad(question,
                fmt::format("'{}' is not one of: {}", value, fmt::join(question.choices, ", ")));
        }
        return value;
    }
    if (question.kind == "yesno") {
        if (value != "yes" && value != "no") bad(question, "answer yes or no");
        return value;
    }
    if (question.kind == "date") {
        const auto date = parse_staff_date(value);
        if (!date) bad(question, fmt::format("'{}' is not a date (2026-12-01, S55.1.1)", value));
        return *date;
    }
    if (question.kind == "ratio") {
        const auto ratio = parse_ratio(value);
        if (!ratio || *ratio > 3) bad(question, fmt::format("'{}' is not 1, 2 or 3 (割)", value));
        return std::to_string(*ratio);
    }
    if (question.kind == "insurer") {
        // A trailing '!' keeps a number whose check digit does not match, as shown.
        const bool forced = value.ends_with('!');
        if (forced) value.pop_back();
        if (value.size() != 6 && value.size() != 8) bad(question, "保険者番号 has 6 or 8 digits");
        if (value.find_first_not_of("0123456789") != std::string::npos) {
            bad(question, "保険者番号 has digits only");
        }
        if (!forced && !oqs::insurer_check_digit_ok(value)) {
            bad(question,
                fmt::format("the check digit of {} does not match: type it again, or end it with "
                            "! to keep it as shown",
                            value));
        }
        return value;
    }
    if (question.kind == "digits") {
        if (value.find_first_not_of("0123456789") != std::string::npos || value.size() > 2) {
            bad(question, "枝番 has at most 2 digits");
        }
        return value.size() == 1 ? "0" + value : value;
    }
    if (question.kind == "phone") {
        if (value.find_first_not_of("0123456789-+() ") != std::string::npos) {
            bad(question, "a phone number has digits and hyphens only");
        }
        return value;
    }
    if (value.size() > 400) bad(question, "the text is too long (at most 400 bytes)");
    if (value.find_first_of("\n\t") != std::string::npos) bad(question, "one line, please");
    return value;
}

CoverageSeen numbers_of(const State& s, const std::string& step) {
    CoverageSeen c;
    c.insurer_number = s.a(step + ".insurer_number");
    c.symbol = s.a(step + ".symbol");
    c.number = s.a(step + ".number");
    c.branch = s.a(step + ".branch");
    c.ratio = s.a(step + ".ratio");
    if (step == "certificate") c.valid_to = s.a("certificate.valid_to");
    return c;
}

std::string sex_code(const std::string& answer) {
    if (answer == "male") return "1";
    if (answer == "female") return "2";
    return "";
}

std::string default_clock() {
    return format_jst_iso(now_seconds());
}

// The steps answered and their outcome, in ladder order.
std::vector<StepRecord> steps_of(const State& s) {
    std::vector<StepRecord> out;
    auto stamp = [&](const std::string& id) { return s.a("@" + id); };
    if (s.has("disaster.found")) {
        out.push_back({"disaster", s.a("disaster.found") == "yes" ? "used" : "unavailable",
                       stamp("disaster.found"), ""});
    } else if (s.a("disaster.consent") == "refused") {
        out.push_back({"disaster", "unavailable", stamp("disaster.consent"), "consent_refused"});
    }
    for (const char* step : {"portal", "notice", "certificate"}) {
        if (s.has(step)) {
            out.push_back({step, s.a(step) == "yes" ? "used" : "unavailable", stamp(step), ""});
        }
    }
    if (s.has("oral")) {
        out.push_back(
            {"oral", s.a("oral") == "no_change" ? "used" : "changed", stamp("oral"),
             s.previous
                 ? fmt::format("{} {} (check {})",
                               s.a("oral") == "no_change" ? "no change since" : "changed since",
                               s.previous->checked_at.substr(0, 10), s.previous->check_id)
                 : ""});
    }
    if (s.has("declaration.signed")) {
        out.push_back({"declaration", "used", stamp("declaration.signed"),
                       s.a("declaration.signed") == "yes" ? "signed" : "not_signed"});
    }
    return out;
}

}  // namespace

const std::vector<std::string>& question_ids() {
    static const std::vector<std::string> ids = [] {
        std::vector<std::string> out;
        for (const auto& spec : specs()) out.push_back(spec.question.id);
        return out;
    }();
    return ids;
}

Ladder::Ladder(Case start, LadderContext context)
    : start_(std::move(start)), context_(std::move(context)) {
    if (!context_.clock) context_.clock = default_clock;
    if (start_.case_date.empty()) start_.case_date = context_.today;
    if (start_.facility.empty()) start_.facility = context_.facility;
    if (start_.recorded_by.empty()) start_.recorded_by = context_.operator_name;
    rebuild();
}

std::optional<Question> Ladder::next() const {
    const State s{case_.answers, context_, previous_};
    for (const auto& spec : specs()) {
        if (s.has(spec.question.id) || !spec.applies(s)) continue;
        Question out = spec.question;
        if (spec.default_of) out.default_value = spec.default_of(s);
        return out;
    }
    return std::nullopt;
}

void Ladder::answer(const std::string& value) {
    const auto question = next();
    if (!question) throw Error(Errc::Usage, "the case is complete; there is nothing to answer");
    const std::string kept = normalise(*question, value);
    case_.answers[question->id] = kept;
    if (question->kind == "yesno" || question->id == "oral" || question->id == "disaster.consent") {
        case_.answers["@" + question->id] = context_.clock();
    }
    rebuild();
}

ShareSuggestion Ladder::suggestion() const {
    return suggestion_of(State{case_.answers, context_, previous_});
}

void Ladder::rebuild() {
    Case c = start_;
    c.answers = case_.answers.empty() ? start_.answers : case_.answers;
    const State s{c.answers, context_, previous_};
    c.reason = s.a("reason");
    c.reason_note = s.a("reason_note");
    c.visit = s.a("visit");
    c.name = s.a("name");
    c.kana = s.a("kana");
    c.birthdate = s.a("birthdate");
    c.sex = sex_code(s.a("sex"));
    c.identity_method = s.a("identity");

    // The store is asked once the patient is known, and only for a returning patient.
    if (!previous_looked_up_ && s.has("identity") && c.visit == "return" && context_.previous) {
        previous_looked_up_ = true;
        previous_ = context_.previous(c);
    }

    c.steps = steps_of(s);
    c.resolved_by = resolved_by(s);
    c.coverage = {};
    c.previous_check_id = 0;
    if (c.resolved_by == "oral" && previous_) {
        c.coverage = previous_->coverage;
        c.previous_check_id = previous_->check_id;
    } else if (!c.resolved_by.empty() && c.resolved_by != "declaration") {
        c.coverage = numbers_of(s, c.resolved_by);
    }
    if (is_disaster(s)) {
        DisasterUse d;
        d.period_from = s.a("disaster.from");
        d.period_to = s.a("disaster.to");
        d.area = s.a("disaster.area");
        d.lookup_name = c.name;
        d.lookup_birthdate = c.birthdate;
        d.lookup_sex = c.sex;
        d.lookup_address = s.a("disaster.address");
        d.consent = s.a("disaster.consent");
        d.found = s.a("disaster.found") == "yes";
        if (start_.disaster) d.consent_ids = start_.disaster->consent_ids;
        c.disaster = d;
    } else {
        c.disaster.reset();
    }
    if (s.has("declaration.signed") || s.has("declaration.address")) {
        Declaration d;
        d.name = c.name;
        d.kana = c.kana;
        d.birthdate = c.birthdate;
        d.sex = c.sex;
        d.postcode = s.a("declaration.postcode");
        d.address = s.a("declaration.address");
        d.phone = s.a("declaration.phone");
        d.insurance_kind = s.a("declaration.insurance_kind");
        d.relation = s.a("declaration.relation") == "unknown" ? "" : s.a("declaration.relation");
        d.employer = s.a("declaration.employer");
        d.employer_address = s.a("declaration.employer_address");
        d.insurer_name = s.a("declaration.insurer_name");
        d.symbol = s.a("declaration.symbol");
        d.number = s.a("declaration.number");
        d.declared_ratio = s.a("declaration.ratio") == "unknown" ? "" : s.a("declaration.ratio");
        d.declared_on = c.case_date;
        d.signed_on_paper = s.a("declaration.signed") == "yes";
        c.declaration = d;
    } else {
        c.declaration.reset();
    }
    const auto suggestion = suggestion_of(s);
    c.share.suggested = suggestion.percent;
    c.share.basis = suggestion.basis;
    c.share.charged = s.has("share.charged") ? std::stoi(s.a("share.charged")) : suggestion.percent;
    c.share.override_note = s.a("share.note");
    c.note = s.a("note");
    case_ = std::move(c);
    const bool done = !next().has_value();
    if (case_.state == "in_progress" || case_.state.empty()) {
        case_.state = done ? "queued" : "in_progress";
    }
    case_.claim = plan_claim(case_, context_.claim);
}

Case run_answers(Case start, const std::map<std::string, std::string>& answers,
                 const LadderContext& context) {
    for (const auto& [key, value] : answers) {
        if (!find_spec(key)) {
            throw Error(Errc::Usage,
                        fmt::format("'{}' is not a question of the fallback flow", key),
                        {{"question", key}});
        }
    }
    Ladder ladder(std::move(start), context);
    while (const auto question = ladder.next()) {
        const auto it = answers.find(question->id);
        if (it == answers.end()) {
            if (!question->default_value.empty() || question->optional) {
                ladder.answer("");
                continue;
            }
            throw Error(Errc::Usage,
                        fmt::format("the answers give nothing for '{}', which this case needs",
                                    question->id),
                        {{"question", question->id}});
        }
        ladder.answer(it->second);
    }
    return ladder.current();
}

}  // namespace mynaq::fallback
