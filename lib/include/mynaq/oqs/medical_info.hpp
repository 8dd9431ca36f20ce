// 薬剤情報 (YZKsiquc01) and 特定健診情報 (TKKsiquc01): the requests a clinic sends after the
// patient consented, and the histories that come back. The layout is not public; every element
// name comes from the one public client (YUKI-ENT/OQSDrug2, Form1.cs) and lives in a single
// table in medical_info.cpp, so a correction is a one-line change there. Parsing finds elements
// by name wherever they are, keeps values as strings and anything unknown as sent.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "mynaq/oqs/message.hpp"
#include "mynaq/oqs/xml.hpp"

namespace mynaq::oqs {

enum class MedicalInfoKind { Drugs, Checkups };

// File name prefix: "YZKsiquc01" (薬剤情報) or "TKKsiquc01" (特定健診情報).
std::string_view prefix_of(MedicalInfoKind kind);

// FileCategory of the request. PDF results come back as res/<…>.pdf and are not parsed here.
enum class MedicalFileFormat { Xml, Pdf };

struct MedicalInfoQuery {
    std::string institution_code;  // 医療機関コード, 10 digits
    // The card's keys, as in the eligibility result; no birthdate in these requests.
    std::string insurer_number;  // padded to 8 by pad_insurer_number
    std::string card_symbol;
    std::string identification_number;
    std::string branch_number;
    std::string arbitrary_file_identifier;
    std::string from_month;  // yyyyMM, 薬剤 only (StartDate)
    std::string to_month;    // yyyyMM, 薬剤 only (EndDate)
    MedicalFileFormat format = MedicalFileFormat::Xml;
    // 薬剤＋診療情報 (FileCategory 3 PDF / 4 XML) instead of 薬剤 only (1/2) [uncertain].
    bool with_treatments = false;
    std::string treatment_flag =
        "1";  // MedicalTreatmentFlag (OQSCD028): 1 外来, 2 訪問, 3 オンライン
};

// Throws Error{InvalidArgument} for a missing institution code, insurer number or number, or
// (薬剤) months that are not yyyyMM or not in order.
Node build_drug_request(const MedicalInfoQuery& query);
Node build_checkup_request(const MedicalInfoQuery& query);
// The other way round, for the emulator: whatever of the layout the request has; nothing is
// checked. `file_category` is FileCategory as sent.
struct MedicalRequest {
    MedicalInfoQuery query;
    std::string file_category;
};
MedicalRequest parse_medical_request(const Node& request_message);

// The patient as the result's header names them (QuaInf / QualificationsInfo).
struct MedicalPatient {
    std::string name;
    std::string kana;
    std::string birthdate;  // yyyyMMdd
    std::string sex;        // AdmGendCode / AdministrativeGenderCode, as sent
    [[nodiscard]] bool empty() const {
        return name.empty() && kana.empty() && birthdate.empty() && sex.empty();
    }
};

// Where a drug record comes from; one month may hold all three.
enum class DrugSource {
    Receipt,       // レセプト由来 (MeTrMonthInf)
    Prescription,  // 処方箋由来, 電子処方箋 (ShPrMonthInf)
    Dispensing,    // 調剤結果由来, 電子処方箋 (CzDiMonthInf)
};
std::string_view to_string(DrugSource source);  // "receipt", "prescription", "dispensing"

struct DrugEntry {
    DrugSource source = DrugSource::Receipt;
    std::string month;              // yyyyMM 診療/調剤年月
    std::string date;               // yyyyMMdd 調剤日 (診療日 on receipts), or ""
    std::string prescription_date;  // yyyyMMdd 処方日, or ""
    std::string dispensing_code;    // 調剤 (or 診療) institution: code and name
    std::string dispensing_name;
    std::string prescriber_code;  // 処方 institution: code and name
    std::string prescriber_name;
    std::string org_class;    // DiOrg / …Org, meaning not known, as sent
    std::string issued_here;  // PrIsOrg: OQSDrug2 reads 1 as "this institution"
    std::string in_out;       // InOut / …PrCl (院内/院外), as sent
    std::string drug_code;
    std::string drug_name;
    std::string ingredient;  // 成分名
    std::string quantity;    // Qua1, as sent ("1", "0.5")
    std::string unit;
    std::string usage;                // 用法
    std::string special_instruction;  // SpInst
    std::string times;                // 日数/回数
    std::string usage_class;          // MeTrIdCl / …UsageCl
    // Every other leaf of the drug, its date and its month element, by element name; a name
    // that repeats keeps its values joined by "\n".
    std::map<std::string, std::string> extra;

    // The dispensing institution when there is one, else the prescribing one.
    [[nodiscard]] const std::string& institution_code() const {
        return dispensing_code.empty() ? prescriber_code : dispensing_code;
    }
    [[nodiscard]] const std::string& institution_name() const {
        return dispensing_name.empty() ? prescriber_name : dispensing_name;
    }
};

// 診療情報 (MeTrInfs/MeTrInf) that come with FileCategory 3/4 on receipt-derived dates.
struct TreatmentEntry {
    std::string month;
    std::string date;
    std::string institution_code;
    std::string institution_name;
    std::string code;  // SinInfCd
    std::string name;  // SinInfN
    std::string quantity;
    std::string times;
    std::string unit;
    std::string usage_class;  // MeTrIdCl
    std::map<std::string, std::string> extra;
};

struct DrugHistory {
    Fields header;  // leaf elements of MessageHeader (ArbitraryFileIdentifier, ...)
    MedicalPatient patient;
    std::vector<DrugEntry> entries;  // newest first: month, then date; ties in document order
    std::vector<TreatmentEntry> treatments;  // newest first
    std::string result_code;                 // "1"
    std::string message;                     // MessageContents, usually absent on success
};

struct CheckupItem {
    std::string code;       // ItemCode
    std::string name;       // ItemName
    std::string data_type;  // DataType
    std::string value;      // DataValue
    std::string unit;
    std::string value_name;  // DataValueName (判定, coded answers)
    std::string oid;         // Oid of the code system
    std::map<std::string, std::string> extra;
};

struct Checkup {
    std::string date;  // EffectiveTime, as sent
    std::vector<CheckupItem> items;
    std::map<std::string, std::string> extra;
};

struct CheckupHistory {
    Fields header;
    MedicalPatient patient;
    std::vector<Checkup> checkups;  // newest first
    std::string result_code;
    std::string message;
};

// ResultCode other than 1 → Error{OqsFailed, MessageContents} with fields result_code and
// message; a 資格確認-style failure (SegmentOfResult 9, ErrorCode) likewise. Root not XmlMsg or
// no ResultCode at all → Error{MessageInvalid}. Missing parts otherwise read as empty.
// A month's fields are copied into each of its drugs, so a hostile file (one huge month field,
// many drugs) could grow a thousandfold in memory: past `max_bytes` the result is
// Error{MessageInvalid}. Real histories stay far below the default.
inline constexpr std::size_t kMaxDrugHistoryBytes = std::size_t{256} * 1024 * 1024;
DrugHistory parse_drug_result(const Document& doc, std::size_t max_bytes = kMaxDrugHistoryBytes);
CheckupHistory parse_checkup_result(const Document& doc);

// The result messages in the same layout, for the emulator and tests: header fields in order,
// then the patient (omitted when empty), ResultCode and MessageContents (omitted when empty).
// Entries are grouped into one month element per source, month and institutions.
Node build_drug_result(const DrugHistory& history);
Node build_checkup_result(const CheckupHistory& history);

}  // namespace mynaq::oqs
