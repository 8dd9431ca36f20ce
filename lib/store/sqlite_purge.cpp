// Retention (policy.md §6.2) on the SQLite store: what a rule still keeps is refused, the
// rest goes in one transaction with its audit record.
#include <fmt/format.h>

#include "audit_common.hpp"
#include "mynaq/error.hpp"
#include "sqlite_audit.hpp"

namespace mynaq::store::detail {

namespace {

// A row whose date is unknown ('') is never old enough to delete.
constexpr std::string_view kOldCheck = "checked_at <> '' AND substr(checked_at, 1, 10) < :before";
constexpr std::string_view kOldFallback = "case_date <> '' AND case_date < :before";
constexpr std::string_view kOldMedicalResult =
    "fetched_at <> '' AND substr(fetched_at, 1, 10) < :before";

std::int64_t count(const Database& db, const std::string& sql, const std::string& before,
                   const std::string& cutoff) {
    auto stmt = db.prepare(sql);
    stmt.bind(stmt.parameter_index(":before"), before);
    if (const int index = stmt.parameter_index(":cutoff"); index != 0) stmt.bind(index, cutoff);
    stmt.step("cannot count records to purge");
    return stmt.int64(0);
}

std::int64_t remove(const Database& db, const std::string& sql, const std::string& before) {
    auto stmt = db.prepare(sql);
    stmt.bind(stmt.parameter_index(":before"), before);
    stmt.run("cannot purge records");
    return db.changes();
}

}  // namespace

PurgeReport purge_records(const Database& db, const std::string& before,
                          const RetentionRules& rules, const std::string& operator_name) {
    require_iso_date(before, "--before");
    const PurgeCutoffs cutoffs = purge_cutoffs(rules);
    const std::string old_intake =
        fmt::format("check_id IN (SELECT id FROM checks WHERE {})", kOldCheck);

    WriteTransaction tx(db);
    // Checked inside the transaction: nothing can be added between the check and the delete.
    if (const auto n = count(db,
                             fmt::format("SELECT count(*) FROM checks WHERE {} AND "
                                         "substr(checked_at, 1, 10) >= :cutoff",
                                         kOldCheck),
                             before, cutoffs.claims);
        n > 0) {
        refuse_purge("checks", rules.claims_years, "claims-related records", n, cutoffs.claims,
                     before);
    }
    if (const auto n = count(db,
                             fmt::format("SELECT count(*) FROM fallback_cases WHERE {} AND "
                                         "case_date >= :cutoff",
                                         kOldFallback),
                             before, cutoffs.claims);
        n > 0) {
        refuse_purge("fallback cases", rules.claims_years, "claims-related records", n,
                     cutoffs.claims, before);
    }
    if (const auto n = count(db,
                             fmt::format("SELECT count(*) FROM intake WHERE {} AND "
                                         "substr(recorded_at, 1, 10) >= :cutoff",
                                         old_intake),
                             before, cutoffs.other);
        n > 0) {
        refuse_purge("face-file intake records", rules.other_years, "other records", n,
                     cutoffs.other, before);
    }
    if (const auto n = count(db,
                             "SELECT count(*) FROM consents WHERE recorded_at <> '' AND "
                             "substr(recorded_at, 1, 10) < :before AND "
                             "substr(recorded_at, 1, 10) >= :cutoff",
                             before, cutoffs.other);
        n > 0) {
        refuse_purge("consents", rules.other_years, "other records", n, cutoffs.other, before);
    }
    if (const auto n = count(db,
                             "SELECT count(*) FROM bulk_jobs WHERE created_at <> '' AND "
                             "substr(created_at, 1, 10) < :before AND "
                             "substr(created_at, 1, 10) >= :cutoff",
                             before, cutoffs.other);
        n > 0) {
        refuse_purge("bulk jobs", rules.other_years, "other records", n, cutoffs.other, before);
    }
    if (const auto n = count(db,
                             fmt::format("SELECT count(*) FROM medical_results WHERE {} AND "
                                         "substr(fetched_at, 1, 10) >= :cutoff",
                                         kOldMedicalResult),
                             before, cutoffs.other);
        n > 0) {
        refuse_purge("medical information results", rules.other_years, "other records", n,
                     cutoffs.other, before);
    }

    PurgeReport report;
    // Intake rows refer to their checks, so they go first.
    report.intake = remove(db, fmt::format("DELETE FROM intake WHERE {}", old_intake), before);
    report.checks = remove(db, fmt::format("DELETE FROM checks WHERE {}", kOldCheck), before);
    report.consents = remove(db,
                             "DELETE FROM consents WHERE recorded_at <> '' AND "
                             "substr(recorded_at, 1, 10) < :before",
                             before);
    report.bulk_jobs = remove(db,
                              "DELETE FROM bulk_jobs WHERE created_at <> '' AND "
                              "substr(created_at, 1, 10) < :before",
                              before);
    report.fallback_cases =
        remove(db, fmt::format("DELETE FROM fallback_cases WHERE {}", kOldFallback), before);
    report.medical_results =
        remove(db, fmt::format("DELETE FROM medical_results WHERE {}", kOldMedicalResult), before);
    // Charts are master data, not records of an event: never purged.
    // Audit records are never purged, whatever their age: the chain is the evidence of what
    // was done to the store, this purge included, and cutting its start would break it.
    append_audit(db, operator_name, "store.purge", "store", purge_detail(before, cutoffs, report));
    tx.commit();
    return report;
}

}  // namespace mynaq::store::detail
