// The consent ledger (閲覧同意 and the 限度額 / 特定疾病 disclosure flags): which categories
// exist, how a patient is keyed, how OQS flags become ledger entries, whether a consent holds
// now, and the export formats. The entries themselves live in the Store (store.hpp).
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "mynaq/store.hpp"

namespace mynaq {

struct ConsentCategory {
    std::string_view stem;      // OQS element stem: <stem>ConsFlg, <stem>ConsTime, ...
    std::string_view cli_name;  // drugs, diagnosis, ...
    std::string_view label_ja;  // as on the reader's screen
    std::string_view label_en;
    std::string_view oqs_group;  // OQSCD036 閲覧同意情報種別 (TSR, TKK, YZK, SRJ, SHJ; "" none)
    bool viewing = true;  // 閲覧同意: the reader's consent lasts 24 hours (policy.md §4)
};

// Every category this version knows, in the order the reader shows them.
std::span<const ConsentCategory> consent_categories();
// By stem ("PharmacistsInfo") or CLI name ("drugs"); nullptr when unknown.
const ConsentCategory* find_consent_category(std::string_view name);
// As find_consent_category, or Error{InvalidArgument} listing the CLI names.
const ConsentCategory& consent_category(std::string_view name);

// How long a consent given at the face-auth reader lasts (policy.md §4).
inline constexpr std::chrono::hours kReaderConsentLifetime{24};

// True for 12 digits whose last digit is the 個人番号 check digit (weights 6,5,4,3,2,7,6,5,4,
// 3,2 over the first 11 digits; r = sum mod 11; check = r <= 1 ? 0 : 11 - r), also when typed
// with blanks, hyphens or dashes between them or in full-width digits.
bool looks_like_individual_number(std::string_view text);

// The ledger's patient key, never the 個人番号:
//   "ref:<reference number>"  when a 照会番号 (ReferenceNumber) is given, surrounding spaces
//                             trimmed;
//   "ins:<insurer>/<symbol>/<number>/<branch>/<birthdate>"  otherwise, each part trimmed of
//                             surrounding spaces (so the space-padded 6-digit 国保 number is
//                             "139998"), birthdate as yyyyMMdd (yyyy-mm-dd is accepted).
// Throws Error{Forbidden} for a reference number that looks like a 個人番号 and
// Error{InvalidArgument} when neither a reference number nor insurer, number and birthdate are
// given.
std::string patient_key(const std::string& reference_number, const std::string& insurer_number,
                        const std::string& symbol, const std::string& number,
                        const std::string& branch, const std::string& birthdate);
// Checks a key given as text (--patient): the form above, and the 個人番号 rule.
std::string checked_patient_key(const std::string& key);

// One category block of a result: stem, flag, ConsTime and AvailableTime (yyyyMMddHHmmss).
using ConsentFlag = std::tuple<std::string, std::string, std::string, std::string>;

// Ledger entries for the flags of one result. Times are JST; they become ISO 8601. The expiry
// is AvailableTime when sent; otherwise, for source "reader", the consent time + 24 hours for
// 閲覧同意 categories and none for 限度額 / 特定疾病. A time that cannot be read is left empty and
// kept as sent in the note.
std::vector<ConsentRecord> consents_from_flags(const std::string& patient_key,
                                               const std::vector<ConsentFlag>& flags,
                                               const std::string& source);

// "20261201093000" (or yyyyMMddHHmm, yyyyMMdd) → "2026-12-01T09:30:00+09:00"; "" otherwise.
std::string oqs_time_to_iso(std::string_view oqs_time);
// "2026-12-01T09:30:00+09:00" (fractional seconds allowed and dropped; any ±hh:mm offset or
// Z) → the instant; nullopt otherwise.
std::optional<std::chrono::sys_seconds> parse_iso_time(std::string_view iso);

struct ConsentStatus {
    bool valid = false;
    std::optional<ConsentRecord> latest;
    std::string reason;      // "consented", "withdrawn", "expired", "none"
    std::string expires_at;  // the effective expiry of `latest` ("" none)
};

// The newest entry (by consented_at, then recorded_at, then id) decides: valid when its flag is
// "1" and it has no expiry or `now` is before it. A reader entry with no expiry and no known
// time counts 24 hours from when it was recorded, so it never lasts forever.
ConsentStatus consent_status(const std::vector<ConsentRecord>& entries_for_patient_and_category,
                             std::chrono::sys_seconds now);

// The entries as one JSON object each (every field of ConsentRecord).
nlohmann::json consent_to_json(const ConsentRecord& record);
// CSV in UTF-8 with a BOM (for Excel), a header row, CRLF line ends and RFC 4180 quoting.
std::string consents_to_csv(const std::vector<ConsentRecord>& records);
// {"consents": [...], "count": n}
std::string consents_to_json_text(const std::vector<ConsentRecord>& records);

}  // namespace mynaq
