// Internal to lib/store: the PostgreSQL schema, as the same ordered list of versions as the
// SQLite one (1: checks, intake, bulk jobs, sequences; 2: audit trail and consents; 3: fallback
// cases; 4: usage-rate reports; 5: charts, check matches, medical results).
#pragma once

#include "postgres.hpp"

namespace mynaq::store::detail::pg {

// The newest schema version this binary knows.
int latest_schema_version();

// Applies the missing migrations, each in its own transaction holding an advisory lock, so
// that several terminals opening a fresh database at once apply each exactly once. Throws
// Error{StoreError} for a database made by a newer mynaq.
void migrate(const Connection& conn);

}  // namespace mynaq::store::detail::pg
