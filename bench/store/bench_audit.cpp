// Store benchmark: `audit verify` over a large chain and consent writes per second with
// durability on (WAL, synchronous FULL: an fsync per commit). Prints one JSON object.
//   mynaq_bench_store [audit_records=1000000] [consent_writes=500] [directory=$TMPDIR]
//                     [postgresql://… for the same consent writes on PostgreSQL]
// The chain is built directly with SQL in one transaction (hashes from audit_hash), which is
// much faster than a million audited writes and yields the same rows.
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "mynaq/store.hpp"

using namespace mynaq;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::duration d) {
    return std::chrono::duration<double>(d).count();
}

[[noreturn]] void die(sqlite3* db, const char* what) {
    std::fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
    std::exit(1);
}

void exec(sqlite3* db, const std::string& sql) {
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) die(db, "exec");
}

// Appends `count` records after the store's current head, as the store would have written
// them, in one transaction.
void build_chain(const std::filesystem::path& path, std::int64_t count) {
    sqlite3* raw = nullptr;
    if (sqlite3_open(path.c_str(), &raw) != SQLITE_OK) die(raw, "open");
    const std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
    exec(raw, "BEGIN IMMEDIATE");
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(raw,
                           "INSERT INTO audit (seq, at, operator, action, object, detail,"
                           " prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           -1, &stmt, nullptr) != SQLITE_OK) {
        die(raw, "prepare");
    }
    const std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> insert(stmt,
                                                                            &sqlite3_finalize);
    AuditRecord r;
    r.prev_hash = std::string(64, '0');
    r.operator_name = "reception1";
    for (std::int64_t i = 1; i <= count; ++i) {
        r.seq = i;
        r.at = fmt::format("2026-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+09:00", 1 + i % 12, 1 + i % 28,
                           i % 24, i % 60, (i / 60) % 60, i % 1000);
        const bool consent = i % 3 != 0;
        r.action = consent ? "consent.add" : "check.add";
        r.object = fmt::format("{}:{}", consent ? "consent" : "check", i);
        r.detail = consent
                       ? R"({"category":"PharmacistsInfo","flag":"1","source":"reader"})"
                       : R"({"eligibility":"eligible","facility":"1312345678","source":"query"})";
        r.hash = audit_hash(r);
        sqlite3_bind_int64(stmt, 1, r.seq);
        int index = 2;
        for (const std::string* field :
             {&r.at, &r.operator_name, &r.action, &r.object, &r.detail, &r.prev_hash, &r.hash}) {
            sqlite3_bind_text(stmt, index++, field->c_str(), static_cast<int>(field->size()),
                              SQLITE_STATIC);
        }
        if (sqlite3_step(stmt) != SQLITE_DONE) die(raw, "insert");
        sqlite3_reset(stmt);
        r.prev_hash = r.hash;
    }
    exec(raw,
         fmt::format("UPDATE audit_head SET seq = {}, hash = '{}' WHERE id = 1", count, r.hash));
    exec(raw, "COMMIT");
    exec(raw, "PRAGMA wal_checkpoint(TRUNCATE)");
}

}  // namespace

int main(int argc, char** argv) {
    const std::int64_t records = argc > 1 ? std::atoll(argv[1]) : 1'000'000;
    const int writes = argc > 2 ? std::atoi(argv[2]) : 500;
    const std::filesystem::path base =
        argc > 3 ? std::filesystem::path(argv[3]) : std::filesystem::temp_directory_path();
    std::string pattern = (base / "mynaq-bench-store-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) return 1;
    const std::filesystem::path dir = pattern;
    const auto path = dir / "mynaq.db";

    open_sqlite_store({path, 10'000}).reset();  // schema
    const auto build_start = Clock::now();
    build_chain(path, records);
    const double build_s = seconds(Clock::now() - build_start);

    auto store = open_sqlite_store({path, 10'000});
    // Twice: the first walk reads the file from disk, the second from the page cache.
    double verify_cold_s = 0;
    double verify_s = 0;
    AuditVerification result;
    for (double* slot : {&verify_cold_s, &verify_s}) {
        const auto start = Clock::now();
        result = verify_audit_chain(*store);
        *slot = seconds(Clock::now() - start);
    }
    // The walk alone, without hashing: how the time divides between SQLite and SHA-256.
    const auto walk_start = Clock::now();
    std::int64_t walked = 0;
    store->for_each_audit([&walked](const AuditRecord&) {
        ++walked;
        return true;
    });
    const double walk_s = seconds(Clock::now() - walk_start);

    ConsentRecord consent;
    consent.category = "PharmacistsInfo";
    consent.flag = "1";
    consent.source = "reader";
    consent.consented_at = "2026-11-30T09:15:00+09:00";
    consent.expires_at = "2026-12-01T09:15:00+09:00";
    const auto write_start = Clock::now();
    for (int i = 0; i < writes; ++i) {
        consent.patient_key = fmt::format("ref:BENCH{:06}", i);
        store->add_consent(consent);
    }
    const double write_s = seconds(Clock::now() - write_start);
    const bool still_ok = verify_audit_chain(*store).ok;

    // The same audited consent writes on PostgreSQL, when a server is given.
    double pg_writes_per_s = 0;
    bool pg_ok = true;
    if (argc > 4) {
        auto pg = open_store_url(argv[4]);
        const auto pg_start = Clock::now();
        for (int i = 0; i < writes; ++i) {
            consent.patient_key = fmt::format("ref:BENCH{:06}", i);
            pg->add_consent(consent);
        }
        pg_writes_per_s = writes / seconds(Clock::now() - pg_start);
        pg_ok = verify_audit_chain(*pg).ok;
    }

    fmt::print(
        "{{\"audit_records\": {}, \"build_s\": {:.3f}, \"verify_ok\": {}, "
        "\"verify_cold_s\": {:.3f}, \"verify_s\": {:.3f}, \"walk_only_s\": {:.3f}, "
        "\"consent_writes\": {}, \"consent_writes_per_s\": {:.1f}, "
        "\"chain_ok_after_writes\": {}, \"db_bytes\": {}, \"pg_consent_writes_per_s\": {:.1f}, "
        "\"pg_chain_ok\": {}}}\n",
        records, build_s, result.ok && result.records == records, verify_cold_s, verify_s, walk_s,
        writes, writes / write_s, still_ok, std::filesystem::file_size(path), pg_writes_per_s,
        pg_ok);
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return result.ok && still_ok && pg_ok ? 0 : 1;
}
