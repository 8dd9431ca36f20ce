// The synthetic patients the 資格確認端末 emulator answers for, from a YAML file. Coverage
// records are written with the OQS element names themselves, so a new element needs no code:
//
//   people:
//     - id: p01
//       insurer_number: "06139999"      # 8 digits, or 6 (国保, space-padded when sent)
//       symbol: "1234"                  # optional
//       number: "5678"
//       branch: "01"                    # optional (後期高齢)
//       birthdate: "19800101"
//       name: 診療　太郎
//       kana: ｼﾝﾘｮｳ ﾀﾛｳ
//       sex: "1"
//       consents: {PharmacistsInfo: "1", DiagnosisInfo: "0"}   # optional, as chosen at a reader
//       consent_time: "20250401091530"  # optional; default: when the answer is made
//       validity: "3"                   # optional: force QualificationValidity
//       records:                        # ResultOfQualificationConfirmation, one map each
//         - InsuredCardClassification: "01"
//           InsurerName: 模擬健康保険組合
//           ElderlyRecipientCertificateInfo: {ElderlyRecipientContributionRatio: "020"}
//           SpecificDiseasesCertificateList:
//             SpecificDiseasesCertificateInfo: [{...}, {...}]   # a list repeats the element
//       drugs:                          # optional: the 薬剤情報 history (YZKsiquc01)
//         - source: receipt             # receipt, prescription or dispensing (調剤結果)
//           month: "202611"             # yyyyMM; may be left to `date`
//           date: "20261105"            # optional, yyyyMMdd in that month
//           institution: 模擬薬局       # who dispensed (prescription: who prescribed)
//           institution_code: "1341111116"   # optional
//           code: "990000011"
//           name: アムロジピン錠5mg「模擬」
//           ingredient: アムロジピンベシル酸塩   # optional, like unit, usage, quantity, days
//           quantity: "1"
//           unit: 錠
//           usage: 1日1回朝食後
//           days: "28"
//       checkups:                       # optional: the 特定健診情報 history (TKKsiquc01)
//         - date: "20260618"
//           items:
//             - {code: 9N001000000000001, name: 身長, type: PQ, value: "171.2", unit: cm}
//             - {code: ..., name: ..., type: CD, value: "1", judgement: 基準範囲内, oid: ...}
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mynaq/oqs/medical_info.hpp"
#include "mynaq/oqs/xml.hpp"

namespace mynaq::sim {

struct Person {
    int line = 0;  // where the entry starts in the file
    std::string id;
    std::string insurer_number;  // as written (6 or 8 digits)
    std::string symbol;
    std::string number;
    std::string branch;
    std::string birthdate;  // yyyyMMdd
    std::string name;
    std::string kana;                             // half-width kana, as OQS sends it
    std::string sex;                              // 1 男, 2 女, 3 未設定
    std::map<std::string, std::string> consents;  // element stem → OQSCD016 flag
    std::string consent_time;                     // yyyyMMddHHmmss or "" (= answer time)
    std::string validity;                         // forced QualificationValidity or ""
    std::vector<oqs::Node> records;               // ResultOfQualificationConfirmation nodes
    std::vector<oqs::DrugEntry> drugs;            // in file order
    std::vector<oqs::Checkup> checkups;           // in file order
};

struct People {
    std::filesystem::path source;
    std::vector<Person> people;

    // By id, or by ReferenceNumber of one of the records.
    [[nodiscard]] const Person* find(std::string_view key) const;
};

// Throws Error{ConfigInvalid} "file:line: what" for anything malformed, Error{FileNotFound}
// when the file is missing.
People load_people(const std::filesystem::path& file);
// The same from text; `source` names it in messages.
People parse_people(std::string_view yaml, const std::string& source);

// 8 characters: 6-digit 国保 numbers are left-padded with spaces, others kept.
std::string padded_insurer_number(std::string_view number);

}  // namespace mynaq::sim
