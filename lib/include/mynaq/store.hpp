// The store: every eligibility check, face-file intake and bulk job, committed before a
// command reports it. SQLite is the embedded default; the interface lets a server database
// join later without touching callers.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mynaq {

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
};

struct CheckFilter {
    std::optional<std::string> date;     // yyyy-mm-dd (JST) of checked_at
    std::optional<std::string> patient;  // matches reference number, name, kana or number
    std::optional<std::string> eligibility;
    std::optional<std::string> source;
    int limit = 100;
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
};

struct StoreOptions {
    std::filesystem::path path;  // SQLite file; created 0600 with its directory 0700
    int busy_timeout_ms = 10'000;
};

// $XDG_DATA_HOME/mynaq/mynaq.db (or ~/.local/share/mynaq/mynaq.db).
std::filesystem::path default_store_path();

// Opens (creating and migrating as needed). Throws Error{StoreError} with the path and reason.
// The returned object may be used by one thread at a time; each process opens its own.
std::unique_ptr<Store> open_sqlite_store(const StoreOptions& options);

}  // namespace mynaq
