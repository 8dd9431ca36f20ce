// Internal to lib/store: the audit chain and the consent ledger on an SQLite connection.
// Writers call these inside their own WriteTransaction, so that a record and its audit entry
// commit together or not at all.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mynaq/store.hpp"
#include "sqlite.hpp"

namespace mynaq::store::detail {

// Appends one record after the head and moves the head to it. Must run inside a
// WriteTransaction: BEGIN IMMEDIATE serialises appenders of every process, so the chain
// never forks.
void append_audit(const Database& db, const std::string& operator_name, std::string_view action,
                  std::string_view object, const std::string& detail);

[[nodiscard]] AuditRecord read_audit_head(const Database& db);
[[nodiscard]] std::vector<AuditRecord> select_audit(const Database& db, const AuditFilter& filter);
void each_audit(const Database& db, const std::function<bool(const AuditRecord&)>& visit);

// Inserts the entry and its "consent.add" audit record (inside the caller's transaction).
std::int64_t insert_consent(const Database& db, const ConsentRecord& consent,
                            const std::string& operator_name);
[[nodiscard]] std::vector<ConsentRecord> select_consents(const Database& db,
                                                         const ConsentFilter& filter);

// Opens its own transaction.
PurgeReport purge_records(const Database& db, const std::string& before,
                          const RetentionRules& rules, const std::string& operator_name);

}  // namespace mynaq::store::detail
