// The store: every eligibility check, face-file intake and bulk job, committed before a
// command reports it. SQLite is the embedded default; the interface lets a server database
// join later without touching callers.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mynaq {

// One consent entry of the ledger (薬剤情報, 特定健診情報, ...). Entries are never changed or
// deleted by callers: a withdrawal is a new entry with flag "0".
struct ConsentRecord {
    std::int64_t id = 0;
    std::string patient_key;  // patient_key() of lib/consent: "ref:…" or "ins:…" — never 個人番号
    std::string category;      // the OQS element stem: PharmacistsInfo, SpecificHealthCheckupsInfo,
                               // DiagnosisInfo, OperationInfo, DiagnosisName, InfectiousInfo,
                               // AllergyInfo, ContraindicationInfo, TestInfo, PrescriptionInfo,
                               // LimitApplicationCertificateRelated,
                               // SpecificDiseasesCertificateRelated
    std::string flag;          // OQSCD016 as sent: "1" consent, "0" none/withdrawn, "2", "3"
    std::string consented_at;  // JST ISO 8601 ("" when unknown)
    std::string expires_at;    // JST ISO 8601 ("" = no expiry known)
    std::string source;        // "reader" | "query_flag" | "oral" | "written" | "portal"
    std::string recorded_by;   // operator
    std::int64_t check_id = 0;  // the eligibility result it came from (0: recorded by hand)
    std::string note;
    std::string recorded_at;  // JST ISO 8601, set by the store
};

struct ConsentFilter {
    std::optional<std::string> patient_key;
    std::optional<std::string> category;
    int limit = 1000;  // newest first
};

// The tamper-evident trail: every write appends one record in the same transaction, chained
// by SHA-256 to the record before it (see audit_hash()).
struct AuditRecord {
    std::int64_t seq = 0;  // 1, 2, 3, ... without gaps
    std::string at;        // JST ISO 8601
    std::string operator_name;
    std::string action;     // "check.add", "intake.add", "bulk.save", "consent.add",
                            // "store.purge", "info.view", ...
    std::string object;     // "check:12", "consent:3", "bulk:202612010001", ...
    std::string detail;     // short JSON; never a PIN or a 個人番号
    std::string prev_hash;  // hex; 64 '0' for the first record
    std::string hash;       // hex SHA-256 of the canonical form (audit_hash)
};

struct AuditFilter {
    std::optional<std::string> from;  // yyyy-mm-dd (JST), inclusive
    std::optional<std::string> to;    // yyyy-mm-dd (JST), inclusive
    std::optional<std::string> operator_name;
    std::optional<std::string> action;  // exact, or a prefix ending in '.' ("consent.")
    int limit = 1000;                   // oldest first
};

// Retention (policy.md §6.2): claim-related records 5 years, other records 3 years.
struct RetentionRules {
    int claims_years = 5;  // checks (the basis of claims), fallback cases
    int other_years = 3;   // consents, face-file intake, bulk jobs, medical results
};

struct PurgeReport {
    std::int64_t checks = 0;
    std::int64_t consents = 0;
    std::int64_t intake = 0;
    std::int64_t bulk_jobs = 0;
    std::int64_t fallback_cases = 0;
    std::int64_t medical_results = 0;
};

// One outage fallback case (lib/fallback keeps the whole case as a JSON document; the store
// indexes the fields it is listed by). Claim-related: kept claims_years.
struct FallbackCaseRow {
    std::int64_t id = 0;
    std::string case_date;   // yyyy-mm-dd (JST) of the visit
    std::string state;       // lib/fallback: "in_progress", "queued", "confirmed", "rechecked",
                             // "cancelled"
    std::string patient;     // name and kana as entered, for searching
    std::string created_at;  // JST ISO 8601, set by the store on add
    std::string updated_at;  // JST ISO 8601, set by the store on every write
    int revision = 0;        // 1 after add; every update must name the revision it read
    std::string document;    // JSON (lib/fallback), never a PIN or a 個人番号
};

struct FallbackCaseFilter {
    std::optional<std::string> from;     // yyyy-mm-dd case_date, inclusive
    std::optional<std::string> to;       // yyyy-mm-dd case_date, inclusive
    std::optional<std::string> state;    // exact
    std::optional<std::string> patient;  // substring of patient
    int limit = 1000;                    // oldest first (by id)
};

// The usage-rate inputs (policy.md §1): figures per site (医療機関コード) and month, entered by
// staff or imported. Not patients' data. Setting a month again replaces its figure.
struct ReceiptCount {
    std::string site;           // 医療機関コード
    std::string month;          // yyyy-mm
    std::int64_t receipts = 0;  // レセプト件数, the rate's denominator
    std::string source;         // "set" | "import:<file name>"
    std::string updated_at;     // JST ISO 8601, set by the store
    std::string updated_by;     // operator, set by the store
};

struct NotifiedRate {
    std::string site;
    std::string month;           // the month the rate was measured in (not the 算定 month)
    double percent = 0;          // as notified by 支払基金 (e-mail or the portal)
    std::int64_t users = -1;     // -1: not given
    std::int64_t receipts = -1;  // -1: not given
    std::string source;
    std::string updated_at;
    std::string updated_by;
};

// Unique persons (person_key of their checks) confirmed with a マイナ保険証 (method "card" or
// "smartphone") at a site in a month (JST), the numerator's local estimate.
struct MonthlyUsers {
    std::string site;
    std::string month;  // yyyy-mm
    std::int64_t users = 0;
};

struct CheckRecord {
    std::int64_t id = 0;
    std::string checked_at;         // JST, ISO 8601 with +09:00
    std::string facility;           // 医療機関コード
    std::string method;             // "card" | "smartphone" | "certificate" | "fallback"
    std::string identity_method;    // "face" | "pin" | "visual" | "" (unknown: not in the XML)
    std::string source;             // "query" | "bulk" | "face" | "fallback"
    std::string source_file;        // result file name, if any
    std::string request_id;         // ArbitraryFileIdentifier / ArbitraryIdentifier
    std::string confirmation_date;  // yyyyMMdd
    std::string file_state;         // to_string(FileState)
    std::string person_state;       // to_string(PersonState)
    std::string eligibility;        // to_string(Eligibility)
    std::string processing_code;
    std::string processing_message;
    std::string insurer_number;  // as sent (space padding kept)
    std::string card_symbol;
    std::string identification_number;
    std::string branch_number;
    std::string birthdate;
    std::string name;
    std::string name_kana;
    std::string ratio;  // InsuredPartialContributionRatio as sent
    std::string valid_from;
    std::string valid_to;
    std::string limit_summary;
    std::string specific_disease_summary;
    std::string reference_number;
    std::string consents_json;  // [{"element","flag","cons_time","available_time"}]
    std::string coverage_json;  // every coverage record, all fields
    std::string raw_xml;        // UTF-8
    // Which chart the result belongs to (migration 5), decided by lib/match when a face result
    // is taken in, or by staff (set_check_match). Empty match_state: never matched.
    std::string chart_id;
    std::string match_state;       // "" | "matched" | "ambiguous" | "unmatched"
    std::string match_rule;        // "reference" | "kana_birthdate" | "insurance" | "staff" | ""
    std::string match_candidates;  // JSON array of chart ids when ambiguous, else ""
    // Ledger entries taken from this result; add_check and add_intake store them (check_id
    // set to the new check) in the same transaction. Not read back by check()/list_checks().
    std::vector<ConsentRecord> consents;
};

// Who a check was for, for counting persons: the 被保険者 (insurer number, symbol, number,
// branch) as sent, else the birthdate with the kana name; "" when the result names nobody
// (no person found, a failed file), so that such checks are never counted.
std::string usage_person_key(const CheckRecord& record);

struct CheckFilter {
    std::optional<std::string> date;     // yyyy-mm-dd (JST) of checked_at
    std::optional<std::string> patient;  // matches reference number, name, kana or number
    std::optional<std::string> eligibility;
    std::optional<std::string> source;
    // Only checks whose match_state is one of these ("ambiguous", "unmatched"); empty: any.
    std::vector<std::string> match_states;
    int limit = 100;
};

// How a check was tied to a chart (CheckRecord's match fields).
struct CheckMatch {
    std::string chart_id;
    std::string state;  // "matched" | "ambiguous" | "unmatched"
    std::string rule;   // "reference" | "kana_birthdate" | "insurance" | "staff" | ""
    std::vector<std::string> candidates;  // the chart ids staff choose from (ambiguous)
};

// A patient's chart as the clinic keys it: its id is the 照会番号 (ReferenceNumber) registered
// with OQS, so that face results come back carrying it. Name and birthdate are the clinic's own
// record, used to match results that carry no 照会番号. Not deleted by purge: a chart is master
// data, not a record of an event.
struct ChartRecord {
    std::string chart_id;  // 照会番号, ≤ 50 characters, never a 個人番号
    std::string name_kana;
    std::string birthdate;  // yyyyMMdd or ""
    std::string insurer_number;
    std::string card_symbol;
    std::string identification_number;
    std::string branch_number;
    // The 照会番号 registration: "" never sent, "pending" (bulk 処理中 or sent, no answer yet),
    // "registered", "failed" (with the system's code and message).
    std::string ref_state;
    std::string ref_code;
    std::string ref_message;
    std::string reception_number;  // of the bulk registration it was sent in
    std::string updated_at;        // JST ISO 8601, set by the store
    std::string updated_by;        // operator, set by the store
};

// The form kana names are compared in: ASCII and ideographic spaces removed, half-width
// katakana made full-width, small kana left as they are ("ﾔﾏﾀﾞ ﾀﾛｳ" → "ヤマダタロウ").
std::string chart_kana_key(std::string_view kana);

// Charts whose every given field equals the filter's (kana by chart_kana_key, insurance
// numbers with surrounding spaces trimmed); empty filter: every chart, by id.
struct ChartFilter {
    std::optional<std::string> name_kana;
    std::optional<std::string> birthdate;
    std::optional<std::string> insurer_number;
    std::optional<std::string> identification_number;
    std::optional<std::string> ref_state;
    int limit = 1000;
};

// A 薬剤情報 / 特定健診情報 result as fetched, so that a repeated view within the throttle
// interval is served from here instead of asking OQS again. Kept other_years.
struct MedicalResultRecord {
    std::int64_t id = 0;
    std::string patient_key;  // lib/consent patient_key(), as the consent was checked
    std::string kind;         // "drugs" | "checkups"
    std::string fetched_at;   // JST ISO 8601, set by the store
    std::string from_month;   // yyyyMM or ""
    std::string to_month;
    std::string format;      // "xml" | "pdf"
    std::string request_id;  // ArbitraryFileIdentifier
    std::string document;    // the result as received: XML as UTF-8, a PDF base64-encoded
    std::string fetched_by;  // operator, set by the store
};

// One face file taken in: identified by its name and content hash.
struct IntakeRecord {
    std::string file_name;
    std::string sha256;
    std::int64_t check_id = 0;
    bool done = false;  // moved/acknowledged after the commit
};

struct BulkJob {
    std::int64_t id = 0;
    std::string input_sha256;  // of the reservations file + date: the resume key
    std::string confirmation_date;
    std::string facility;
    std::string upload_suffix;
    std::string upload_identifier;
    std::string reception_number;
    int download_round = 0;
    std::string download_suffix;  // suffix of the current OQSmuquc02req round
    std::string state;            // "uploading" | "waiting" | "done" | "failed"
    std::string created_at;
};

// Every row of a store as kept, for copy_store(): ids, times and audit records unchanged.
struct IntakeRow {
    IntakeRecord intake;
    std::string recorded_at;
};

struct SequenceRow {
    std::string day;  // yyyymmdd
    int value = 0;
};

struct StoreRows {
    std::vector<CheckRecord> checks;
    std::vector<ConsentRecord> consents;
    std::vector<IntakeRow> intake;
    std::vector<BulkJob> bulk_jobs;
    std::vector<SequenceRow> sequences;
    std::vector<FallbackCaseRow> fallback_cases;
    std::vector<ReceiptCount> receipts;
    std::vector<NotifiedRate> notified;
    std::vector<ChartRecord> charts;
    std::vector<MedicalResultRecord> medical_results;
    std::vector<AuditRecord> audit;  // in seq order
};

// Reads a store's rows in batches from one consistent snapshot, so that copying a large
// store never holds it all in memory. Checks come before the intake and consents that refer
// to them.
class StoreRowReader {
public:
    virtual ~StoreRowReader() = default;
    // Replaces `batch` with the next rows; false (and an empty batch) when there are no more.
    virtual bool next(StoreRows& batch) = 0;
    // audit_head() as of the snapshot.
    [[nodiscard]] virtual AuditRecord head() const = 0;
};

class Store {
public:
    virtual ~Store() = default;

    virtual std::int64_t add_check(const CheckRecord& record) = 0;
    [[nodiscard]] virtual std::optional<CheckRecord> check(std::int64_t id) const = 0;
    [[nodiscard]] virtual std::vector<CheckRecord> list_checks(const CheckFilter& filter) const = 0;

    // Records the file and its check in one transaction. Returns the intake when this call
    // recorded it, nullopt when the same file (name + hash) was already recorded — by this or
    // another process.
    virtual std::optional<IntakeRecord> add_intake(const IntakeRecord& intake,
                                                   const CheckRecord& record) = 0;
    [[nodiscard]] virtual std::optional<IntakeRecord> intake(const std::string& file_name,
                                                             const std::string& sha256) const = 0;
    virtual void mark_intake_done(const std::string& file_name, const std::string& sha256) = 0;

    [[nodiscard]] virtual std::optional<BulkJob> find_bulk_job(
        const std::string& input_sha256) const = 0;
    virtual std::int64_t save_bulk_job(const BulkJob& job) = 0;  // insert (id 0) or update

    // A per-day counter shared by every process on this store: suffixes never repeat.
    virtual int next_sequence(const std::string& yyyymmdd) = 0;

    [[nodiscard]] virtual std::filesystem::path location() const = 0;

    // The schema version the store is migrated to (`mynaq store migrate`); 0 when the backend
    // does not report it. SQLite and PostgreSQL override this.
    [[nodiscard]] virtual int schema_version() const { return 0; }

    // Who is writing; recorded in every audit record from now on.
    virtual void set_operator(std::string operator_name) = 0;

    virtual std::int64_t add_consent(const ConsentRecord& consent) = 0;
    [[nodiscard]] virtual std::vector<ConsentRecord> list_consents(
        const ConsentFilter& filter) const = 0;

    // Fallback cases. add returns the new id (revision 1, created_at/updated_at set) and audits
    // "fallback.add". update writes every row in one transaction, each audited
    // "fallback.update" with its new state, and bumps each revision; a row whose revision is
    // not the stored one (another terminal changed the case since it was read) rolls the whole
    // transaction back with Error{StoreError}, an unknown id with Error{NotFound}.
    virtual std::int64_t add_fallback_case(const FallbackCaseRow& row) = 0;
    virtual void update_fallback_cases(const std::vector<FallbackCaseRow>& rows) = 0;
    [[nodiscard]] virtual std::optional<FallbackCaseRow> fallback_case(std::int64_t id) const = 0;
    [[nodiscard]] virtual std::vector<FallbackCaseRow> list_fallback_cases(
        const FallbackCaseFilter& filter) const = 0;

    // Usage-rate inputs. Each set writes every row in one transaction (insert or replace by
    // site and month), audited "report.receipts" / "report.notified" with the site, month and
    // figure. Lists are by site, then month; months are yyyy-mm, inclusive; an empty site
    // list means every site.
    virtual void set_receipts(const std::vector<ReceiptCount>& rows) = 0;
    [[nodiscard]] virtual std::vector<ReceiptCount> list_receipts(
        const std::string& from_month, const std::string& to_month,
        const std::vector<std::string>& sites) const = 0;
    virtual void set_notified_rates(const std::vector<NotifiedRate>& rows) = 0;
    [[nodiscard]] virtual std::vector<NotifiedRate> list_notified_rates(
        const std::string& from_month, const std::string& to_month,
        const std::vector<std::string>& sites) const = 0;
    // Per site and month, only those with at least one user; by site, then month.
    [[nodiscard]] virtual std::vector<MonthlyUsers> monthly_users(
        const std::string& from_month, const std::string& to_month,
        const std::vector<std::string>& sites) const = 0;

    // Charts. save_charts inserts or replaces each by chart_id in one transaction, audited
    // "chart.save" with the id and registration state (never the name). A chart id that looks
    // like a 個人番号 is Error{Forbidden}.
    virtual void save_charts(const std::vector<ChartRecord>& charts) = 0;
    [[nodiscard]] virtual std::optional<ChartRecord> chart(const std::string& chart_id) const = 0;
    [[nodiscard]] virtual std::vector<ChartRecord> list_charts(const ChartFilter& filter) const = 0;

    // Records which chart a check belongs to, audited "check.match"; Error{NotFound} for an
    // unknown check.
    virtual void set_check_match(std::int64_t check_id, const CheckMatch& match) = 0;

    // Medical information results: add audited "info.fetch" (kind, patient key, format); the
    // latest is the newest by fetched_at, then id, of that format ("xml" or "pdf"; "" any).
    virtual std::int64_t add_medical_result(const MedicalResultRecord& result) = 0;
    [[nodiscard]] virtual std::optional<MedicalResultRecord> latest_medical_result(
        const std::string& patient_key, const std::string& kind,
        const std::string& format) const = 0;
    [[nodiscard]] std::optional<MedicalResultRecord> latest_medical_result(
        const std::string& patient_key, const std::string& kind) const {
        return latest_medical_result(patient_key, kind, "");
    }

    // Appends an audit record for something that is not a write (viewing information).
    virtual void audit(const std::string& action, const std::string& object,
                       const std::string& detail) = 0;
    [[nodiscard]] virtual std::vector<AuditRecord> list_audit(const AuditFilter& filter) const = 0;
    // Every audit record in seq order, streamed; stop early by returning false.
    virtual void for_each_audit(const std::function<bool(const AuditRecord&)>& visit) const = 0;
    // The last record's seq and hash as kept apart from the records (a one-row table updated
    // in the same transaction), so that deleting the newest records is noticed too.
    // seq 0 when there are none.
    [[nodiscard]] virtual AuditRecord audit_head() const = 0;

    // Deletes records older than `before` (yyyy-mm-dd) in one audited transaction. Throws
    // Error{Forbidden} naming the rule when `before` is later than a retention period allows
    // for any kind of record it would delete.
    virtual PurgeReport purge(const std::string& before, const RetentionRules& rules) = 0;

    // For copy_store(); not for everyday use. The defaults serve the SQLite store through a
    // second connection to the file at location(); other backends override them.
    [[nodiscard]] virtual std::unique_ptr<StoreRowReader> export_rows() const;
    // Writes every batch of `rows` into this store, which must hold no records (else
    // Error{Forbidden}), in one transaction: ids, times and audit records as they are, the
    // audit head set to rows.head(), id counters moved past the copied ids.
    virtual void import_rows(StoreRowReader& rows);
};

// The canonical SHA-256 of an audit record over seq, at, operator, action, object, detail and
// prev_hash (length-prefixed fields, so no two records serialise alike).
std::string audit_hash(const AuditRecord& record);

struct AuditVerification {
    bool ok = true;
    std::int64_t records = 0;
    std::int64_t first_bad_seq = 0;  // 0 when ok
    std::string reason;              // "hash", "link", "sequence", "head"
};
// Walks the chain; the first record that does not hash to itself, does not link to the one
// before, or breaks the sequence is reported.
AuditVerification verify_audit_chain(const Store& store);

struct CopyReport {
    std::int64_t checks = 0;
    std::int64_t consents = 0;
    std::int64_t intake = 0;
    std::int64_t bulk_jobs = 0;
    std::int64_t fallback_cases = 0;
    std::int64_t receipts = 0;
    std::int64_t notified = 0;
    std::int64_t charts = 0;
    std::int64_t medical_results = 0;
    std::int64_t audit = 0;
};
// Copies every record of `from` into the empty store `to` (else Error{Forbidden}) without
// altering one: ids, times and the audit chain as they are (not re-appended), so that
// verify_audit_chain() passes on `to` exactly when it passes on `from`.
CopyReport copy_store(const Store& from, Store& to);

struct StoreOptions {
    std::filesystem::path path;  // SQLite file; created 0600 with its directory 0700
    int busy_timeout_ms = 10'000;
};

// $XDG_DATA_HOME/mynaq/mynaq.db (or ~/.local/share/mynaq/mynaq.db).
std::filesystem::path default_store_path();

// Opens (creating and migrating as needed). Throws Error{StoreError} with the path and reason.
// The returned object may be used by one thread at a time; each process opens its own.
std::unique_ptr<Store> open_sqlite_store(const StoreOptions& options);

// A store shared by several terminals on PostgreSQL ("postgresql://user@host/db"), created
// and migrated as needed; one connection per object. Waits at most busy_timeout_ms for
// another terminal's locks. Errors name the URL without its password.
std::unique_ptr<Store> open_postgres_store(const std::string& url, int busy_timeout_ms = 10'000);

// "postgresql://…" or "postgres://…" opens PostgreSQL; anything else is an SQLite file path.
std::unique_ptr<Store> open_store_url(const std::string& url_or_path);

}  // namespace mynaq
