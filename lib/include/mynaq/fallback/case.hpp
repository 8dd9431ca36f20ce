// An outage fallback case: what staff saw and decided at the counter when the マイナ保険証
// could not be confirmed online (policy.md §3, oqs-interface.md §10), kept until it is
// rechecked after recovery and claimed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mynaq/store.hpp"

namespace mynaq::fallback {

// Why online confirmation failed. Ids are stable: they are stored and used in answer files.
// "power" 停電, "network" 通信障害, "terminal" 端末不具合, "reader" カードリーダー故障,
// "chip" ICチップ破損, "certificate" 電子証明書失効, "identity" 顔認証・暗証番号とも不可,
// "no_card" カード不携帯, "disaster" 災害, "other" その他.
const std::vector<std::string>& reason_ids();

// The official ladder (policy.md §3.2) in order, then the disaster lookup (§3.6) and the
// online confirmation that made a case unnecessary after all.
// "portal" card + マイナポータル 資格情報画面, "notice" card + 資格情報のお知らせ,
// "certificate" 資格確認書, "oral" 口頭確認 (再診), "declaration" 被保険者資格申立書,
// "disaster" 災害時 lookup, "online" confirmed online (資格確認書 queried at once, or recheck).
const std::vector<std::string>& step_ids();

// Coverage as staff read it from a document or the store. Values as written; the insurer
// number is kept unpadded as entered.
struct CoverageSeen {
    std::string insurer_number;
    std::string symbol;
    std::string number;
    std::string branch;
    std::string ratio;  // 負担割合 in 割: "1", "2", "3" ("" unknown)
    std::string insurer_name;
    std::string valid_to;  // yyyy-mm-dd, 資格確認書 only
    [[nodiscard]] bool has_numbers() const { return !insurer_number.empty() && !number.empty(); }
};

// 被保険者資格申立書 (policy.md §3.3). Fields marked 要確認 there are collected too: leaving a
// field out of the printed form costs more than asking for it.
struct Declaration {
    std::string name;
    std::string kana;
    std::string birthdate;  // yyyy-mm-dd
    std::string sex;        // "1" male, "2" female, "" not given
    std::string postcode;
    std::string address;
    std::string phone;
    std::string insurance_kind;  // "employee" 被用者保険, "national" 国民健康保険,
                                 // "elderly" 後期高齢者医療, "other", "unknown" わからない
    std::string relation;  // "insured" 被保険者, "dependent" 被扶養者, "" not given
    std::string employer;  // 勤務先・事業所名
    std::string employer_address;
    std::string insurer_name;
    std::string symbol;            // 記号, if known
    std::string number;            // 番号, if known
    std::string declared_ratio;    // 一部負担金の割合 as declared: "1", "2", "3", ""
    std::string declared_on;       // 申立日 yyyy-mm-dd
    bool signed_on_paper = false;  // the patient signed the printed form (署名欄)
};

// The 災害時 special measure (緊急時医療情報・資格確認機能, policy.md §3.6).
struct DisasterUse {
    std::string period_from;  // yyyy-mm-dd the function was enabled for the area
    std::string period_to;
    std::string area;
    std::string lookup_name;  // 氏名・生年月日・性別 used for the lookup
    std::string lookup_birthdate;
    std::string lookup_sex;
    std::string lookup_address;
    std::string consent;  // "oral" the patient agreed orally, "unable" could not express
                          // consent and viewing protects life or body
    bool found = false;   // the lookup found the patient
    std::vector<std::int64_t> consent_ids;  // ledger entries recorded for the oral consent
};

struct StepRecord {
    std::string step;     // step_ids()
    std::string outcome;  // "used" | "unavailable" | "changed" (oral: something changed)
    std::string at;       // JST ISO 8601
    std::string note;
};

struct ShareDecision {
    int suggested = 30;  // percent: 10, 20, 30 (100 = 10割)
    std::string basis;   // share_basis ids (share.hpp)
    int charged = 30;
    std::string override_note;  // why staff charged another share
};

// The claim route (policy.md §3.5) and the 不詳 markers.
struct Claim {
    std::string route;  // "normal" 通常請求, "former" 旧資格請求, "unknown" 不詳請求
    std::string insurer_number;
    std::string symbol;
    std::string number;
    std::string remarks;  // 摘要欄
};

// What the recheck after recovery found, and what staff and claims must do about it.
// action: "as_recorded", "different_share", "different_insurer", "ineligible" (不当利得
// follow-up), "still_unknown" (不詳請求).
struct Recheck {
    std::string state;  // "" not yet, "pending" (request sent), "done"
    std::string via;    // "bulk" | "single"
    std::string key;    // the bulk job key or the single request suffix, for resuming
    std::int64_t check_id = 0;
    std::string at;
    std::string action;
    std::string detail;  // what differed, in English ids and values ("ratio 3→2")
    CoverageSeen found;  // the coverage the system returned
};

struct Case {
    std::int64_t id = 0;
    int revision = 0;
    std::string created_at;
    std::string updated_at;
    std::string state = "in_progress";  // "in_progress", "queued", "confirmed", "rechecked",
                                        // "cancelled"
    std::string case_date;              // yyyy-mm-dd
    std::string facility;
    std::string recorded_by;
    std::string reason;  // reason_ids()
    std::string reason_note;
    std::string visit;  // "first" 初診 | "return" 再診
    std::string name;
    std::string kana;
    std::string birthdate;  // yyyy-mm-dd
    std::string sex;
    std::string identity_method;  // how staff confirmed who the patient is: "card_photo"
                                  // (目視 with the card's photo), "document", "known", "none"
    std::vector<StepRecord> steps;
    std::string resolved_by;             // step_ids(); "" while open
    CoverageSeen coverage;               // what was shown or last recorded
    std::int64_t previous_check_id = 0;  // oral: the check the coverage came from
    std::int64_t online_check_id = 0;    // 資格確認書 queried at once
    std::optional<Declaration> declaration;
    std::optional<DisasterUse> disaster;
    ShareDecision share;
    Claim claim;
    Recheck recheck;
    std::string note;
    // The answers given so far, by question id (ladder.hpp): the case is rebuilt from them, so
    // a flow that was interrupted resumes where it stopped.
    std::map<std::string, std::string> answers;
};

// A case needs the recheck when it was not confirmed online.
bool needs_recheck(const Case& c);

// JSON round trip; unknown keys are kept out, missing keys default. Throws
// Error{DataInvalid} for a document that is not a case.
std::string to_json(const Case& c);
Case case_from_json(const std::string& json);

FallbackCaseRow to_row(const Case& c);
Case from_row(const FallbackCaseRow& row);

}  // namespace mynaq::fallback
