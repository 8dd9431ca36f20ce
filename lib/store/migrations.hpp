// Internal to lib/store: the schema, as an ordered list of migrations.
#pragma once

#include "sqlite.hpp"

namespace mynaq::store::detail {

// The newest schema version this binary knows.
int latest_schema_version();

// Applies the missing migrations, each in its own BEGIN IMMEDIATE transaction, so that two
// processes opening a fresh store at once apply each exactly once. Throws Error{StoreError}
// for a store made by a newer mynaq.
void migrate(const Database& db);

// Applies migrations up to `target_version` only. For tests that need a store as an older
// mynaq left it (to check the upgrade in place); the store itself always calls migrate().
void migrate_to(const Database& db, int target_version);

}  // namespace mynaq::store::detail
