#include "migrations.hpp"

#include <array>

#include <fmt/format.h>

#include "mynaq/error.hpp"
#include "mynaq/jst.hpp"

namespace mynaq::store::detail {

namespace {

// Released migrations are never edited: a change is a new entry at the end.
constexpr std::array kMigrations = {
    // 1: checks, face/bulk intake, bulk jobs, per-day sequences.
    R"sql(
CREATE TABLE checks (
    id INTEGER PRIMARY KEY,
    checked_at TEXT NOT NULL DEFAULT '',
    facility TEXT NOT NULL DEFAULT '',
    method TEXT NOT NULL DEFAULT '',
    identity_method TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    source_file TEXT NOT NULL DEFAULT '',
    request_id TEXT NOT NULL DEFAULT '',
    confirmation_date TEXT NOT NULL DEFAULT '',
    file_state TEXT NOT NULL DEFAULT '',
    person_state TEXT NOT NULL DEFAULT '',
    eligibility TEXT NOT NULL DEFAULT '',
    processing_code TEXT NOT NULL DEFAULT '',
    processing_message TEXT NOT NULL DEFAULT '',
    insurer_number TEXT NOT NULL DEFAULT '',
    card_symbol TEXT NOT NULL DEFAULT '',
    identification_number TEXT NOT NULL DEFAULT '',
    branch_number TEXT NOT NULL DEFAULT '',
    birthdate TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL DEFAULT '',
    name_kana TEXT NOT NULL DEFAULT '',
    ratio TEXT NOT NULL DEFAULT '',
    valid_from TEXT NOT NULL DEFAULT '',
    valid_to TEXT NOT NULL DEFAULT '',
    limit_summary TEXT NOT NULL DEFAULT '',
    specific_disease_summary TEXT NOT NULL DEFAULT '',
    reference_number TEXT NOT NULL DEFAULT '',
    consents_json TEXT NOT NULL DEFAULT '',
    coverage_json TEXT NOT NULL DEFAULT '',
    raw_xml TEXT NOT NULL DEFAULT ''
);
CREATE INDEX checks_checked_at ON checks (checked_at);
CREATE INDEX checks_day ON checks (substr(checked_at, 1, 10));
CREATE INDEX checks_reference_number ON checks (reference_number);
CREATE INDEX checks_eligibility ON checks (eligibility);

CREATE TABLE intake (
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    check_id INTEGER NOT NULL REFERENCES checks (id),
    done INTEGER NOT NULL DEFAULT 0,
    recorded_at TEXT NOT NULL,
    UNIQUE (file_name, sha256)
);
CREATE INDEX intake_check_id ON intake (check_id);

CREATE TABLE bulk_jobs (
    id INTEGER PRIMARY KEY,
    input_sha256 TEXT NOT NULL UNIQUE,
    confirmation_date TEXT NOT NULL DEFAULT '',
    facility TEXT NOT NULL DEFAULT '',
    upload_suffix TEXT NOT NULL DEFAULT '',
    upload_identifier TEXT NOT NULL DEFAULT '',
    reception_number TEXT NOT NULL DEFAULT '',
    download_round INTEGER NOT NULL DEFAULT 0,
    download_suffix TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL DEFAULT ''
);

CREATE TABLE sequences (
    day TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
)sql",
};

int current_version(const Database& db) {
    db.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
        "cannot create the migrations table");
    auto stmt = db.prepare("SELECT coalesce(max(version), 0) FROM schema_migrations");
    stmt.step("cannot read the schema version");
    return static_cast<int>(stmt.int64(0));
}

}  // namespace

int latest_schema_version() {
    return static_cast<int>(kMigrations.size());
}

void migrate(const Database& db) {
    for (;;) {
        WriteTransaction tx(db);
        const int version = current_version(db);
        if (version > latest_schema_version()) {
            throw Error(Errc::StoreError,
                        fmt::format("the store {} was made by a newer mynaq (schema version {}, "
                                    "this mynaq knows up to {})",
                                    db.path().string(), version, latest_schema_version()),
                        {{"path", db.path().string()}});
        }
        if (version == latest_schema_version()) {
            tx.commit();
            return;
        }
        const int next = version + 1;
        db.exec(kMigrations.at(static_cast<std::size_t>(version)),
                fmt::format("cannot apply schema migration {}", next));
        db.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)")
            .bind(1, next)
            .bind(2, format_jst_iso(now_seconds()))
            .run("cannot record a schema migration");
        tx.commit();
    }
}

}  // namespace mynaq::store::detail
