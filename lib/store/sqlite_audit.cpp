#include "sqlite_audit.hpp"

#include <array>

#include <fmt/format.h>

#include "audit_common.hpp"
#include "mynaq/error.hpp"

namespace mynaq::store::detail {

namespace {

constexpr std::string_view kAuditColumns =
    "seq, at, operator, action, object, detail, prev_hash, hash";

// Into `out`, reusing its strings' capacity.
void read_audit(const Statement& stmt, AuditRecord& out) {
    out.seq = stmt.int64(0);
    stmt.text_into(1, out.at);
    stmt.text_into(2, out.operator_name);
    stmt.text_into(3, out.action);
    stmt.text_into(4, out.object);
    stmt.text_into(5, out.detail);
    stmt.text_into(6, out.prev_hash);
    stmt.text_into(7, out.hash);
}

constexpr std::string_view kConsentColumns =
    "id, patient_key, category, flag, consented_at, expires_at, source, recorded_by, check_id,"
    " note, recorded_at";

ConsentRecord read_consent(const Statement& stmt) {
    ConsentRecord c;
    c.id = stmt.int64(0);
    c.patient_key = stmt.text(1);
    c.category = stmt.text(2);
    c.flag = stmt.text(3);
    c.consented_at = stmt.text(4);
    c.expires_at = stmt.text(5);
    c.source = stmt.text(6);
    c.recorded_by = stmt.text(7);
    c.check_id = stmt.int64(8);
    c.note = stmt.text(9);
    c.recorded_at = stmt.text(10);
    return c;
}

}  // namespace

AuditRecord read_audit_head(const Database& db) {
    auto stmt = db.prepare("SELECT seq, hash FROM audit_head WHERE id = 1");
    if (!stmt.step("cannot read the audit head")) {
        // Only a hand-edited file lacks it (the migration creates it); appending would fork
        // or collide, so nothing more is written until someone looks.
        throw Error(Errc::StoreError,
                    fmt::format("the audit head of the store {} is missing; the file was changed "
                                "outside mynaq (run `mynaq audit verify`)",
                                db.path().string()),
                    {{"path", db.path().string()}});
    }
    AuditRecord head;
    head.seq = stmt.int64(0);
    head.hash = stmt.text(1);
    return head;
}

void append_audit(const Database& db, const std::string& operator_name, std::string_view action,
                  std::string_view object, const std::string& detail) {
    const AuditRecord head = read_audit_head(db);
    AuditRecord record;
    record.seq = head.seq + 1;
    record.at = now_jst_iso_ms();
    record.operator_name = operator_name;
    record.action = action;
    record.object = object;
    record.detail = detail;
    record.prev_hash = head.seq == 0 ? std::string(kGenesisHash) : head.hash;
    record.hash = audit_hash(record);

    db.prepare(fmt::format("INSERT INTO audit ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", kAuditColumns))
        .bind(1, record.seq)
        .bind(2, record.at)
        .bind(3, record.operator_name)
        .bind(4, record.action)
        .bind(5, record.object)
        .bind(6, record.detail)
        .bind(7, record.prev_hash)
        .bind(8, record.hash)
        .run("cannot append to the audit trail");
    db.prepare("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1")
        .bind(1, record.seq)
        .bind(2, record.hash)
        .run("cannot move the audit head");
}

std::vector<AuditRecord> select_audit(const Database& db, const AuditFilter& filter) {
    std::string sql = fmt::format("SELECT {} FROM audit WHERE 1", kAuditColumns);
    if (filter.from) sql += " AND substr(at, 1, 10) >= :from";
    if (filter.to) sql += " AND substr(at, 1, 10) <= :to";
    if (filter.operator_name) sql += " AND operator = :operator";
    const bool prefix = filter.action && !filter.action->empty() && filter.action->back() == '.';
    if (filter.action) {
        // substr, not LIKE: LIKE ignores case and treats '_' as a wildcard.
        sql +=
            prefix ? " AND substr(action, 1, length(:action)) = :action" : " AND action = :action";
    }
    sql += " ORDER BY seq LIMIT :limit";

    auto stmt = db.prepare(sql);
    const auto at = [&stmt](const char* name) { return stmt.parameter_index(name); };
    if (filter.from) stmt.bind(at(":from"), *filter.from);
    if (filter.to) stmt.bind(at(":to"), *filter.to);
    if (filter.operator_name) stmt.bind(at(":operator"), *filter.operator_name);
    if (filter.action) stmt.bind(at(":action"), *filter.action);
    stmt.bind(at(":limit"), filter.limit > 0 ? filter.limit : -1);

    std::vector<AuditRecord> out;
    while (stmt.step("cannot list the audit trail")) read_audit(stmt, out.emplace_back());
    return out;
}

void each_audit(const Database& db, const std::function<bool(const AuditRecord&)>& visit) {
    auto stmt = db.prepare(fmt::format("SELECT {} FROM audit ORDER BY seq", kAuditColumns));
    AuditRecord record;  // one for all rows: its strings keep their capacity
    while (stmt.step("cannot read the audit trail")) {
        read_audit(stmt, record);
        if (!visit(record)) return;
    }
}

std::int64_t insert_consent(const Database& db, const ConsentRecord& consent,
                            const std::string& operator_name) {
    if (consent.patient_key.empty() || consent.category.empty()) {
        throw Error(Errc::InvalidArgument, "a consent needs a patient key and a category");
    }
    const std::string recorded_by =
        consent.recorded_by.empty() ? operator_name : consent.recorded_by;
    db.prepare(
          "INSERT INTO consents (patient_key, category, flag, consented_at, expires_at, source,"
          " recorded_by, check_id, note, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(1, consent.patient_key)
        .bind(2, consent.category)
        .bind(3, consent.flag)
        .bind(4, consent.consented_at)
        .bind(5, consent.expires_at)
        .bind(6, consent.source)
        .bind(7, recorded_by)
        .bind(8, consent.check_id)
        .bind(9, consent.note)
        .bind(10, now_jst_iso_ms())
        .run("cannot record the consent");
    const std::int64_t id = db.last_insert_rowid();
    append_audit(db, operator_name, "consent.add", fmt::format("consent:{}", id),
                 consent_detail(consent));
    return id;
}

std::vector<ConsentRecord> select_consents(const Database& db, const ConsentFilter& filter) {
    std::string sql = fmt::format("SELECT {} FROM consents WHERE 1", kConsentColumns);
    if (filter.patient_key) sql += " AND patient_key = :patient";
    if (filter.category) sql += " AND category = :category";
    // Ids grow with time in every process (one writer at a time), so they order by recording.
    sql += " ORDER BY id DESC LIMIT :limit";
    auto stmt = db.prepare(sql);
    const auto at = [&stmt](const char* name) { return stmt.parameter_index(name); };
    if (filter.patient_key) stmt.bind(at(":patient"), *filter.patient_key);
    if (filter.category) stmt.bind(at(":category"), *filter.category);
    stmt.bind(at(":limit"), filter.limit > 0 ? filter.limit : -1);
    std::vector<ConsentRecord> out;
    while (stmt.step("cannot list consents")) out.push_back(read_consent(stmt));
    return out;
}

}  // namespace mynaq::store::detail
