// Which 一部負担金の割合 to collect when eligibility cannot be confirmed (policy.md §3.4):
// 3割, 未就学児 2割, 70歳以上等 1〜3割 by the known or declared bracket.
#pragma once

#include <optional>
#include <string>

namespace mynaq::fallback {

struct ShareSuggestion {
    int percent = 30;  // 10, 20, 30
    // "document" the ratio shown on a document or last recorded, "declared" as the patient
    // declared, "preschool" 未就学児, "age70" 70〜74 (2割 unless 現役並み所得 3割), "age75"
    // 75歳以上 (1割 unless declared 2割/3割), "default" 3割, "no_card" 10割: neither the card
    // nor any insurance document, and no coverage held (policy.md §3.2 step 6).
    std::string basis;
};

// "3", "3割", "30", "030" → 3 (割); nullopt when the text is not a share of 1–3割 (or 10割).
std::optional<int> parse_ratio(const std::string& text);

// Whole years on `on` (yyyy-mm-dd); nullopt when either date is not a date.
std::optional<int> age_on(const std::string& birthdate, const std::string& on);

// 未就学児: until the first 31 March after the day the child reaches 6 (the day before the
// 6th birthday).
bool preschool_on(const std::string& birthdate, const std::string& on);

// 高齢受給者 from the first of the month after the day the patient reaches 70 (the day before
// the birthday: the birthday month itself when born on the 1st); 後期高齢者 from the 75th
// birthday.
bool elderly_70_on(const std::string& birthdate, const std::string& on);
bool elderly_75_on(const std::string& birthdate, const std::string& on);

// known_ratio: from a document or the last recorded coverage; declared_ratio: as the patient
// declared. Either may be "".
ShareSuggestion suggest_share(const std::string& birthdate, const std::string& on,
                              const std::string& known_ratio, const std::string& declared_ratio);

}  // namespace mynaq::fallback
