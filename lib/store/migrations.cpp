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
    // 2: the audit chain, its head, and the consent ledger.
    R"sql(
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    operator TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_day ON audit (substr(at, 1, 10));
CREATE INDEX audit_action ON audit (action);
-- Records are only ever appended. The triggers stop a careless UPDATE or DELETE; a deliberate
-- one (dropping them first) is what the hash chain is there to reveal.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit records cannot be changed'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit records cannot be deleted'); END;

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE consents (
    id INTEGER PRIMARY KEY,
    patient_key TEXT NOT NULL,
    category TEXT NOT NULL,
    flag TEXT NOT NULL DEFAULT '',
    consented_at TEXT NOT NULL DEFAULT '',
    expires_at TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL DEFAULT '',
    check_id INTEGER NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL
);
CREATE INDEX consents_patient_category ON consents (patient_key, category);
CREATE INDEX consents_recorded_day ON consents (substr(recorded_at, 1, 10));
CREATE INDEX consents_check_id ON consents (check_id);
)sql",
    // 3: outage fallback cases (the case itself is the JSON document; the rest indexes it).
    R"sql(
CREATE TABLE fallback_cases (
    id INTEGER PRIMARY KEY,
    case_date TEXT NOT NULL,
    state TEXT NOT NULL,
    patient TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 1,
    document TEXT NOT NULL DEFAULT ''
);
CREATE INDEX fallback_cases_case_date ON fallback_cases (case_date);
CREATE INDEX fallback_cases_state ON fallback_cases (state);
)sql",
    // 4: usage-rate reports. person_key is usage_person_key() of the row, kept so that the
    // monthly count of persons reads one small partial index; rows from before are filled in
    // by the same rule here. The receipt counts and notified rates are staff's figures.
    R"sql(
ALTER TABLE checks ADD COLUMN person_key TEXT NOT NULL DEFAULT '';
UPDATE checks SET person_key = CASE
    WHEN identification_number <> '' THEN 'ins:' || insurer_number || '/' || card_symbol || '/'
        || identification_number || '/' || branch_number
    WHEN birthdate <> '' AND name_kana <> '' THEN 'kana:' || birthdate || '/' || name_kana
    ELSE '' END
WHERE person_state = 'ok';
-- The terms of the WHERE are repeated word for word by the query (report_common.cpp): SQLite
-- uses a partial index only for a query whose WHERE contains them.
CREATE INDEX checks_usage ON checks (facility, substr(checked_at, 1, 7), person_key)
WHERE method IN ('card','smartphone') AND person_key <> '';

CREATE TABLE report_receipts (
    site TEXT NOT NULL,
    month TEXT NOT NULL,
    receipts INTEGER NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (site, month)
);

CREATE TABLE report_notified (
    site TEXT NOT NULL,
    month TEXT NOT NULL,
    percent REAL NOT NULL,
    users INTEGER NOT NULL DEFAULT -1,
    receipts INTEGER NOT NULL DEFAULT -1,
    source TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (site, month)
);
)sql",
    // 5: charts with their 照会番号 registration, which chart each check belongs to, and the
    // 薬剤/健診 results kept for the throttle interval.
    R"sql(
ALTER TABLE checks ADD COLUMN chart_id TEXT NOT NULL DEFAULT '';
ALTER TABLE checks ADD COLUMN match_state TEXT NOT NULL DEFAULT '';
ALTER TABLE checks ADD COLUMN match_rule TEXT NOT NULL DEFAULT '';
ALTER TABLE checks ADD COLUMN match_candidates TEXT NOT NULL DEFAULT '';
CREATE INDEX checks_chart_id ON checks (chart_id);
-- `elig unmatched` reads only the few results staff still have to look at.
CREATE INDEX checks_open_match ON checks (match_state) WHERE match_state IN ('ambiguous', 'unmatched');

CREATE TABLE charts (
    chart_id TEXT PRIMARY KEY,
    name_kana TEXT NOT NULL DEFAULT '',
    kana_key TEXT NOT NULL DEFAULT '',
    birthdate TEXT NOT NULL DEFAULT '',
    insurer_number TEXT NOT NULL DEFAULT '',
    card_symbol TEXT NOT NULL DEFAULT '',
    identification_number TEXT NOT NULL DEFAULT '',
    branch_number TEXT NOT NULL DEFAULT '',
    ref_state TEXT NOT NULL DEFAULT '',
    ref_code TEXT NOT NULL DEFAULT '',
    ref_message TEXT NOT NULL DEFAULT '',
    reception_number TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
-- kana_key is chart_kana_key(name_kana), written by the store: matching compares it.
CREATE INDEX charts_birth_kana ON charts (birthdate, kana_key);
CREATE INDEX charts_insurance ON charts (identification_number, insurer_number);

CREATE TABLE medical_results (
    id INTEGER PRIMARY KEY,
    patient_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    from_month TEXT NOT NULL DEFAULT '',
    to_month TEXT NOT NULL DEFAULT '',
    format TEXT NOT NULL DEFAULT 'xml',
    request_id TEXT NOT NULL DEFAULT '',
    document TEXT NOT NULL DEFAULT '',
    fetched_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX medical_results_latest ON medical_results (patient_key, kind, fetched_at);
CREATE INDEX medical_results_day ON medical_results (substr(fetched_at, 1, 10));
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
    migrate_to(db, latest_schema_version());
}

void migrate_to(const Database& db, int target_version) {
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
        if (version >= target_version) {
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
