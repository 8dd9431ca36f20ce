// The guided fallback flow as a state machine over questions. The flow asks why online
// confirmation failed, who the patient is, then walks the official ladder (policy.md §3.2):
// card + マイナポータル, card + 資格情報のお知らせ, 資格確認書, 口頭確認 for a returning patient,
// 被保険者資格申立書 — with the 災害時 lookup first when the reason is a disaster — and ends with
// the share to collect. The same questions serve the terminal prompt and answer files, so the
// two can never disagree; the case is rebuilt from the answers, which makes an interrupted
// flow resumable.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mynaq/fallback/case.hpp"
#include "mynaq/fallback/claim.hpp"
#include "mynaq/fallback/share.hpp"

namespace mynaq::fallback {

struct Question {
    std::string id;    // "reason", "portal.insurer_number", ... (the key in answer files)
    std::string kind;  // "choice" | "yesno" | "text" | "date" | "insurer" | "ratio" | "phone"
    std::vector<std::string> choices;  // ids, for "choice"
    std::string default_value;         // taken for an empty answer ("" none)
    bool optional = false;             // an empty answer is accepted
    std::string group;                 // "patient", "portal", ..., "share": a prompt heading
};

// The last coverage the store holds for the patient, for 口頭確認.
struct PreviousCoverage {
    CoverageSeen coverage;
    std::int64_t check_id = 0;
    std::string checked_at;
    std::string eligibility;
};

struct LadderContext {
    std::string today;  // yyyy-mm-dd (JST)
    std::string facility;
    std::string operator_name;
    std::string disaster_from;  // defaults for the 災害時 period (configuration)
    std::string disaster_to;
    std::string disaster_area;
    ClaimOptions claim;
    // Finds the patient's last recorded coverage (name, kana and birth date of the case).
    std::function<std::optional<PreviousCoverage>(const Case&)> previous;
    // The time answers are stamped with; now by default (tests fix it).
    std::function<std::string()> clock;
};

class Ladder {
public:
    // Replays start.answers: a resumed case continues where it stopped.
    Ladder(Case start, LadderContext context);

    // The next question, or nullopt when the case is complete.
    [[nodiscard]] std::optional<Question> next() const;

    // Answers the next question. Values are ids ("yes"/"no" for yesno) or text; dates in any
    // form parse_staff_date() takes. Throws Error{InvalidArgument} naming the question when
    // the value does not fit; nothing is recorded then.
    void answer(const std::string& value);

    // The case as answered so far (state "in_progress" until complete, then "queued").
    [[nodiscard]] const Case& current() const { return case_; }
    [[nodiscard]] bool complete() const { return !next().has_value(); }
    [[nodiscard]] const std::optional<PreviousCoverage>& previous() const { return previous_; }
    [[nodiscard]] ShareSuggestion suggestion() const;

private:
    void rebuild();
    Case start_;
    LadderContext context_;
    Case case_;
    std::optional<PreviousCoverage> previous_;
    bool previous_looked_up_ = false;
};

// Every question id the flow can ask, in order (answer files are checked against it).
const std::vector<std::string>& question_ids();

// Runs a complete answer set (an answers file, flattened: portal.number). Throws Error{Usage}
// naming the first question without an answer, Error{InvalidArgument} for a value that does
// not fit, Error{Usage} for a key that is not a question.
Case run_answers(Case start, const std::map<std::string, std::string>& answers,
                 const LadderContext& context);

}  // namespace mynaq::fallback
