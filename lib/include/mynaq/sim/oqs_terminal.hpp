// An emulated 資格確認端末 for tests, demos and training: it plays the 連携アプリ on an OQS
// folder (answers requests in req/ with results in res/) and the 顔認証付きカードリーダー
// (writes face results into face/), from a file of synthetic people. Nothing it answers is
// real: result codes are "EMU…" and messages say エミュレータ.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>

#include "mynaq/oqs/xml.hpp"
#include "mynaq/sim/people.hpp"
#include "mynaq/text_encoding.hpp"

namespace mynaq::sim {

// Failures to inject; settable while the terminal runs.
struct TerminalFaults {
    std::chrono::milliseconds delay{0};  // before each answer
    bool never_answer = false;           // leave requests in req/ untouched
    bool err = false;                    // move the request to res/ with a CP932 .err beside it
    bool segment9 = false;               // SegmentOfResult 9 with ErrorCode/ErrorMessage
    bool shift_jis = false;              // write results in Shift_JIS whatever the options say
    bool shuffle = false;                // reverse the element order of headers, bodies and records
    bool zip_bulk = false;               // OQSmuquc02res as a .zip
};

// What the patient chose at the card reader.
struct FaceChoices {
    // Element stem → OQSCD016 flag ("PharmacistsInfo" → "1",
    // "LimitApplicationCertificateRelated" → "1"); overrides the person's consents.
    std::map<std::string, std::string> consents;
    std::string prescription_issue_select;  // 1 電子, 2 紙; "" = not asked
};

struct OqsTerminalOptions {
    std::filesystem::path root;  // gets req/, res/, face/ (created 0700 when missing)
    People people;
    std::string institution_code = "1312345678";
    TextEncoding encoding = TextEncoding::Utf8;
    TerminalFaults faults;
    int processing_rounds = 1;                  // 02req answers with SegmentOfResult 2 before done
    std::chrono::milliseconds poll{100};        // run(): rescan interval besides inotify
    double faces_per_second = 0;                // run(): face results written, cycling people
    std::function<void(std::string_view)> log;  // one line per event; called from run()'s thread
};

struct TerminalStats {
    std::size_t answered = 0;      // result files written (including 処理中 and segment 9)
    std::size_t err_answers = 0;   // requests refused with .err
    std::size_t parse_errors = 0;  // request files that could not be parsed when read
    std::size_t faces = 0;         // face results written
};

class OqsTerminal {
public:
    explicit OqsTerminal(OqsTerminalOptions options);
    OqsTerminal(const OqsTerminal&) = delete;
    OqsTerminal& operator=(const OqsTerminal&) = delete;

    // Answers every request now in req/ and returns how many were answered (never_answer: 0).
    std::size_t serve_once();
    // serve_once() on every change in req/ (inotify) and every `poll`, plus the face writer,
    // until `stop` is requested.
    void run(std::stop_token stop);

    // The result message for a request message (XmlMsg) of interface `prefix` ("OQSsiquc01",
    // "OQSmuquc01", "OQSmuquc02", "YZKsiquc01", "TKKsiquc01"); what the Web API emulator
    // serves too. Depends only on the people, the faults segment9/shuffle and, for 一括照会,
    // the uploads seen so far.
    oqs::Node answer(const oqs::Node& request_message, std::string_view prefix);

    // 照会番号 registration ("OQSsiimm01", "OQSmuimm01", "OQSmuimm02" to answer()) is kept per
    // institution and person; face results (and query results) then carry the registered
    // number. This returns it for this terminal's institution, or "" when none was registered
    // (the people file's own ReferenceNumber is not counted).
    [[nodiscard]] std::string registered_reference(std::string_view person_id) const;

    // Writes face/OQSsiquc01res_face_<code><20 hex>_<yyyyMMddHHmmss>.xml as a card read of the
    // person; returns its path. Throws Error{NotFound} for an unknown person.
    std::filesystem::path write_face_result(std::size_t person_index,
                                            const FaceChoices& choices = {});
    std::filesystem::path write_face_result(std::string_view id_or_reference,
                                            const FaceChoices& choices = {});

    void set_faults(const TerminalFaults& faults);
    [[nodiscard]] TerminalFaults faults() const;
    void set_faces_per_second(double rate);
    [[nodiscard]] TerminalStats stats() const;
    [[nodiscard]] const OqsTerminalOptions& options() const { return options_; }

private:
    struct Upload {
        oqs::Node request;  // the OQSmuquc01req message
        std::string reception_number;
        std::string reception_time;
        int downloads = 0;  // 02req answered so far
    };

    oqs::Node answer_with(const oqs::Node& request, std::string_view prefix, TextEncoding encoding);
    oqs::Node answer_single(const oqs::Node& request, TextEncoding encoding) const;
    oqs::Node answer_upload(const oqs::Node& request, TextEncoding encoding);
    oqs::Node answer_download(const oqs::Node& request, TextEncoding encoding);
    // 薬剤情報 / 特定健診情報 (oqs_answer_medical.cpp): the person's history when the
    // consent for the category holds, else a ResultCode 0 refusal.
    oqs::Node answer_drugs(const oqs::Node& request, TextEncoding encoding) const;
    oqs::Node answer_checkups(const oqs::Node& request, TextEncoding encoding) const;
    oqs::Node face_message(const Person& person, const FaceChoices& choices,
                           TextEncoding encoding) const;
    // 照会番号 registration (oqs_answer_reference.cpp).
    struct Registration {
        std::string reference_number;
        std::string insurer_number;  // the insurance it was registered to, as sent
        std::string number;
    };
    struct ReferenceUpload {
        oqs::Node request;  // the OQSmuimm01req message
        std::string reception_number;
        std::string reception_time;
        int downloads = 0;               // 02req answered so far
        std::optional<oqs::Node> units;  // the BulkRegistrationUnits, once processed
        int normal = 0;
        int errors = 0;
    };
    // Answers OQSsiimm01, OQSmuimm01 and OQSmuimm02 (segment 9 for other OQS..imm prefixes).
    oqs::Node answer_reference(const oqs::Node& request, std::string_view prefix,
                               TextEncoding encoding);
    oqs::Node answer_reference_single(const oqs::Node& request, TextEncoding encoding);
    oqs::Node answer_reference_upload(const oqs::Node& request, TextEncoding encoding);
    oqs::Node answer_reference_download(const oqs::Node& request, TextEncoding encoding);
    // Registers one ReferenceNumberRegistrationInfo and appends ProcessingResultStatus (and
    // Code/Message on error) to `out`; returns whether it was registered.
    bool register_reference(const std::string& institution, const oqs::Node& info, oqs::Node& out);
    // What was registered for the person at `institution` ("" = this terminal's).
    [[nodiscard]] std::optional<Registration> registration_of(const std::string& institution,
                                                              const Person& person) const;
    // Puts the registered 照会番号 into the records of `list` (a ResultList) that carry the
    // registered insurance, replacing the people file's.
    void apply_registered_reference(const std::string& institution, const Person& person,
                                    oqs::Node& list) const;
    bool serve_file(const std::filesystem::path& file);
    void write_result(const std::string& name, const std::string& bytes) const;
    void note(const std::string& line) const;

    OqsTerminalOptions options_;
    std::filesystem::path private_dir_;  // temp files before the rename into res/ and face/
    mutable std::mutex mutex_;           // faults_, uploads_, stats_, rate_
    TerminalFaults faults_;
    std::map<std::string, Upload, std::less<>> uploads_;  // by ReceptionNumber
    // Guarded by mutex_ too. Uploads by ReceptionNumber; registrations by
    // (MedicalInstitutionCode, person id), the last one kept.
    std::map<std::string, ReferenceUpload, std::less<>> reference_uploads_;
    std::map<std::pair<std::string, std::string>, Registration, std::less<>> references_;
    TerminalStats stats_;
    double rate_ = 0;
    int reception_counter_ = 0;
    std::size_t face_cursor_ = 0;
};

}  // namespace mynaq::sim
