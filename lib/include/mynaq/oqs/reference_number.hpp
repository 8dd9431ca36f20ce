// 照会番号 (ReferenceNumber) registration: the clinic ties its own chart id to a person's
// insurance, and the system then returns that id in face results, so a card read finds its
// chart without matching name and birthdate. Single registration is one request, one result
// (OQSsiimm01); bulk registration is upload → ReceptionNumber → download rounds until the
// result is no longer 処理中 (OQSmuimm01/02), like 一括照会.
//
// Layouts (oqs-interface.md §6): MynaReception's request builder, its tests (one of them
// modelled on a real OQSsiimm01res) and its specs, and sanox road18/26. The 処理中 state of
// OQSmuimm02res and its counts are assumed from OQSmuquc02res, which no source contradicts.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mynaq/oqs/message.hpp"
#include "mynaq/oqs/xml.hpp"

namespace mynaq::oqs {

inline constexpr std::string_view kReferenceSingle = "OQSsiimm01";
inline constexpr std::string_view kReferenceBulkUpload = "OQSmuimm01";
inline constexpr std::string_view kReferenceBulkDownload = "OQSmuimm02";

// The 照会番号 may be at most this many characters (MynaReception spec: 最大50文字).
inline constexpr std::size_t kMaxReferenceNumberChars = 50;

// One ReferenceNumberRegistrationInfo: the chart id and the insurance it is registered to.
struct ReferenceRegistration {
    std::string reference_number;  // 照会番号: the clinic's chart id
    std::string insurer_number;    // 保険者番号 as given (6 or 8 digits); padded when sent
    std::string symbol;            // 記号 (optional)
    std::string number;            // 番号
    std::string branch;            // 枝番 (optional for 後期高齢)
};
ReferenceRegistration reference_registration_from(const Node& reference_number_registration_info);

// Findings use the same form as check_search_info: blocking ones make the request unusable,
// the others are doubts the system is the authority on (check digit, unusual lengths).
std::vector<InputFinding> check_reference_registration(const ReferenceRegistration& r);
// Throws Error{InvalidArgument} with the first blocking finding's detail.
void require_valid_reference_registration(const ReferenceRegistration& r);

// OQSsiimm01res.
struct ReferenceRegistrationResult {
    ResultHeader header;
    PersonState person = PersonState::Unknown;
    std::string processing_result_code;
    std::string processing_result_message;
    // The echoed ReferenceNumberRegistrationInfo; with only a bare ReferenceNumber in the
    // body (the layout of MynaReception's earlier, synthetic fixture), just reference_number.
    std::optional<ReferenceRegistration> echo;
    Document document;

    // Registered only when the file and the person both ended normally; a header ErrorCode
    // or an unknown status is never taken for success.
    [[nodiscard]] bool registered() const {
        return header.state == FileState::Completed && header.error_code.empty() &&
               person == PersonState::Ok;
    }
};

// OQSmuimm01res: the upload was accepted (or not) and got a ReceptionNumber.
struct BulkReferenceUploadResult {
    ResultHeader header;
    std::string reception_number;
    std::string reception_date_time;            // when sent (seen in OQSmuquc01res)
    PersonState status = PersonState::Unknown;  // body ProcessingResultStatus, when sent
    std::string processing_result_code;
    std::string processing_result_message;
    Document document;
};

// One BulkRegistrationUnit of OQSmuimm02res.
struct BulkRegistrationUnit {
    ReferenceRegistration info;
    PersonState person = PersonState::Unknown;
    std::string processing_result_code;
    std::string processing_result_message;
};

// OQSmuimm02res.
struct BulkReferenceResult {
    ResultHeader header;  // state Processing (SegmentOfResult 2): ask again later
    std::string reception_number;
    std::string number_of_results;
    std::string number_of_normal;
    std::string number_of_errors;
    std::vector<BulkRegistrationUnit> units;
    Document document;
};

// Requests. Each registration is checked first: Error{InvalidArgument} for a blocking
// finding (in bulk, naming the entry and its 照会番号), or for an empty bulk list.
Node build_reference_registration(const std::string& institution_code, const std::string& file_id,
                                  const ReferenceRegistration& registration);
Node build_bulk_reference_upload(const std::string& institution_code, const std::string& file_id,
                                 const std::vector<ReferenceRegistration>& registrations);
Node build_bulk_reference_download(const std::string& institution_code, const std::string& file_id,
                                   const std::string& reception_number);

// Results: by element name, in any order; Error{MessageInvalid} when the root is not XmlMsg,
// there is no MessageHeader, or a completed upload has no ReceptionNumber.
ReferenceRegistrationResult parse_reference_registration_result(Document doc);
BulkReferenceUploadResult parse_bulk_reference_upload_result(Document doc);
BulkReferenceResult parse_bulk_reference_result(Document doc);

// Registrations from a CSV file's bytes: UTF-8 (BOM allowed) or Shift_JIS, a header row
// naming the columns in any order —
//   照会番号: chart, chart_id, reference, reference_number, 照会番号, カルテ番号
//   保険者番号: insurer, insurer_number, 保険者番号
//   記号: symbol, 記号 (optional)      番号: number, 番号
//   枝番: branch, 枝番 (optional)
// — and one registration per row; blank lines are skipped. All or nothing: a bad row, a
// 照会番号 given twice or a file without rows throws Error{InvalidArgument} "line N: …".
std::vector<ReferenceRegistration> parse_reference_csv(std::string_view bytes);

// The same file read as the clinic's charts: with the optional columns
//   カナ氏名: kana, name_kana, カナ氏名, フリガナ     生年月日: birthdate, birth, 生年月日
// (YYYY-MM-DD or YYYYMMDD, returned as yyyyMMdd), which are not sent but let a face result
// without a 照会番号 find its chart.
struct ChartCsvRow {
    ReferenceRegistration registration;
    std::string name_kana;
    std::string birthdate;
    int line = 0;
};
std::vector<ChartCsvRow> parse_chart_csv(std::string_view bytes);

}  // namespace mynaq::oqs
