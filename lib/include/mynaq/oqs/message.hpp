// The OQS messages mynaq sends and reads, as values. Every field keeps the string the 端末
// sent (leading zeros, space-padded InsurerNumber); the states derived from SegmentOfResult,
// ProcessingResultStatus and QualificationValidity are the only interpretation made here.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mynaq/oqs/xml.hpp"

namespace mynaq::oqs {

// File names: <prefix>req_<suffix>.xml → <prefix>res_<suffix>.xml.
inline constexpr std::string_view kSingleQuery = "OQSsiquc01";
inline constexpr std::string_view kBulkUpload = "OQSmuquc01";
inline constexpr std::string_view kBulkDownload = "OQSmuquc02";
inline constexpr std::string_view kFacePrefix = "OQSsiquc01res_face_";

// SegmentOfResult (OQSCD003): the state of the whole file.
enum class FileState { Completed, Processing, Failed, Unknown };
// ProcessingResultStatus (OQSCD004): the state of one person.
enum class PersonState { Ok, Error, Unknown };
// QualificationValidity (OQSCD006).
enum class Eligibility {
    Valid = 1,
    Invalid = 2,
    InvalidNewerExists = 3,
    NoQualification = 4,
    Multiple = 5,
    ValidUnregistered = 6,
    Unknown = 0,
};

FileState file_state_of(const std::string& segment_of_result);
PersonState person_state_of(const std::string& processing_result_status);
Eligibility eligibility_of(const std::string& qualification_validity);
std::string_view to_string(FileState state);    // "completed", "processing", "failed", "unknown"
std::string_view to_string(PersonState state);  // "ok", "error", "unknown"
std::string_view to_string(Eligibility e);      // "valid", "invalid", "invalid_newer", ...

// Leaf elements of one record in document order, unknown ones included.
using Fields = std::vector<std::pair<std::string, std::string>>;
std::optional<std::string> field(const Fields& fields, std::string_view name);

// What a 資格確認書 or insurance card shows: the search key of a query.
struct SearchInfo {
    std::string insurer_number;         // 保険者番号, padded to 8 by pad_insurer_number
    std::string card_symbol;            // 記号 (optional)
    std::string identification_number;  // 番号
    std::string branch_number;          // 枝番 (2 digits; optional for 後期高齢)
    std::string birthdate;              // yyyyMMdd
    std::string limit_consent_flag;     // LimitApplicationCertificateRelatedConsFlg 0/1 ("" = omit)
    std::string arbitrary_identifier;   // per-record id in bulk; echoed back
};
SearchInfo search_info_from(const Node& qualification_confirm_search_info);

// A consent flag block (§4): PharmacistsInfo, SpecificHealthCheckupsInfo, ...
struct ConsentEntry {
    std::string element;         // the element stem, e.g. "PharmacistsInfo"
    std::string flag;            // OQSCD016 as sent
    std::string cons_time;       // yyyyMMddHHmmss or ""
    std::string available_time;  // yyyyMMddHHmmss or ""
};

// One ResultOfQualificationConfirmation.
struct Coverage {
    Fields fields;                          // every leaf child, as sent
    std::optional<Fields> elderly;          // ElderlyRecipientCertificateInfo
    std::optional<Fields> limit;            // LimitApplicationCertificateRelatedInfo
    std::vector<Fields> specific_diseases;  // SpecificDiseasesCertificateInfo
    std::vector<Fields> medical_tickets;    // MedicalTicketInfo (医療扶助)
    std::vector<ConsentEntry> consents;     // derived from the *ConsFlg fields

    [[nodiscard]] std::string get(std::string_view name) const;  // "" when absent
};

// The header every result shares.
struct ResultHeader {
    Fields fields;
    FileState state = FileState::Unknown;
    std::string error_code;
    std::string error_message;
    [[nodiscard]] std::string get(std::string_view name) const;
};

// The XmlMsg root of a result, or Error{MessageInvalid}.
const Node& result_root(const Document& doc);
// The MessageHeader of a result root: every leaf kept, the file state and error decoded.
// Error{MessageInvalid} when there is none.
ResultHeader result_header(const Node& root);
// The leaf children of an element, in document order.
Fields leaf_fields(const Node& node);

// OQSsiquc01res and the face results (same layout).
struct QualificationResult {
    ResultHeader header;
    PersonState person = PersonState::Unknown;
    std::string processing_result_code;
    std::string processing_result_message;
    Eligibility eligibility = Eligibility::Unknown;
    std::string prescription_issue_select;  // found in MessageBody or a result record
    std::optional<SearchInfo> echo;
    std::vector<Coverage> coverages;
    Document document;  // raw XML and encoding

    // ProcessingResultStatus 1 and QualificationValidity 1, as the reference clients read it.
    [[nodiscard]] bool valid() const {
        return person == PersonState::Ok && eligibility == Eligibility::Valid;
    }
};

struct BulkUploadResult {  // OQSmuquc01res
    ResultHeader header;
    std::string reception_number;
    std::string reception_date_time;
    Document document;
};

struct BulkUnit {  // one BulkConfirmUnit of OQSmuquc02res
    SearchInfo echo;
    PersonState person = PersonState::Unknown;
    std::string processing_result_code;
    std::string processing_result_message;
    Eligibility eligibility = Eligibility::Unknown;
    std::vector<Coverage> coverages;
    std::string reference_number;
};

struct BulkResult {  // OQSmuquc02res
    ResultHeader header;
    std::string reception_number;
    std::string number_of_results;
    std::string number_of_normal;
    std::string number_of_errors;
    std::vector<BulkUnit> units;
    Document document;
};

// Parsing: order-agnostic, by element name; throws Error{MessageInvalid} when the root is
// not XmlMsg or a required part is missing.
QualificationResult parse_qualification_result(Document doc);
BulkUploadResult parse_bulk_upload_result(Document doc);
BulkResult parse_bulk_result(Document doc);

// Requests.
struct SingleQuery {
    std::string confirmation_date;  // yyyyMMdd
    std::string institution_code;   // 医療機関コード, 10 digits
    std::string arbitrary_file_identifier;
    SearchInfo search;
};
struct BulkQuery {
    std::string confirmation_date;
    std::string institution_code;
    std::string arbitrary_file_identifier;
    std::vector<SearchInfo> people;
};
Node build_single_query(const SingleQuery& query);
Node build_bulk_upload(const BulkQuery& query);
Node build_bulk_download(const std::string& institution_code, const std::string& reception_number,
                         const std::string& arbitrary_file_identifier);

// Input checks at the counter. Findings are warnings unless `blocking`: a doubtful value
// must not stop a patient from being checked.
struct InputFinding {
    std::string field;   // "insurer_number", "branch_number", "birthdate", ...
    std::string code;    // "check_digit", "length", "format", "date", ...
    std::string detail;  // English, for logs and --json
    bool blocking = false;
};
std::vector<InputFinding> check_search_info(const SearchInfo& info);
// 8 characters: 8 digits as given; 6-digit 国保 numbers left-padded with spaces.
std::string pad_insurer_number(std::string_view digits);
// The check digit of an 8-digit (or 6-digit) 保険者番号: weights 2,1 from the right of the
// body, digit sums, (10 - sum mod 10) mod 10.
bool insurer_check_digit_ok(std::string_view number);

}  // namespace mynaq::oqs
