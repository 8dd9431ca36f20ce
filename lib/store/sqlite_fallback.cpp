#include "sqlite_fallback.hpp"

#include <fmt/format.h>

#include "fallback_common.hpp"
#include "mynaq/jst.hpp"
#include "sqlite_audit.hpp"

namespace mynaq::store::detail {

FallbackCaseRow read_fallback_case(const Statement& stmt) {
    FallbackCaseRow row;
    row.id = stmt.int64(0);
    row.case_date = stmt.text(1);
    row.state = stmt.text(2);
    row.patient = stmt.text(3);
    row.created_at = stmt.text(4);
    row.updated_at = stmt.text(5);
    row.revision = static_cast<int>(stmt.int64(6));
    row.document = stmt.text(7);
    return row;
}

std::int64_t insert_fallback_case(const Database& db, const FallbackCaseRow& row,
                                  const std::string& operator_name) {
    require_fallback_row(row);
    const auto now = format_jst_iso(now_seconds());
    WriteTransaction tx(db);
    db.prepare(
          "INSERT INTO fallback_cases (case_date, state, patient, created_at, updated_at,"
          " revision, document) VALUES (?, ?, ?, ?, ?, 1, ?)")
        .bind(1, row.case_date)
        .bind(2, row.state)
        .bind(3, row.patient)
        .bind(4, now)
        .bind(5, now)
        .bind(6, row.document)
        .run("cannot record the fallback case");
    const auto id = db.last_insert_rowid();
    append_audit(db, operator_name, "fallback.add", fallback_object(id), fallback_add_detail(row));
    tx.commit();
    return id;
}

void update_fallback_cases(const Database& db, const std::vector<FallbackCaseRow>& rows,
                           const std::string& operator_name) {
    if (rows.empty()) return;
    for (const auto& row : rows) require_fallback_row(row);
    const auto now = format_jst_iso(now_seconds());
    WriteTransaction tx(db);  // any throw below rolls back every row written before it
    for (const auto& row : rows) {
        db.prepare(
              "UPDATE fallback_cases SET state = ?, case_date = ?, patient = ?, document = ?,"
              " updated_at = ?, revision = revision + 1 WHERE id = ? AND revision = ?")
            .bind(1, row.state)
            .bind(2, row.case_date)
            .bind(3, row.patient)
            .bind(4, row.document)
            .bind(5, now)
            .bind(6, row.id)
            .bind(7, row.revision)
            .run("cannot update the fallback case");
        if (db.changes() == 0) {
            auto stmt = db.prepare("SELECT revision FROM fallback_cases WHERE id = ?");
            stmt.bind(1, row.id);
            if (!stmt.step("cannot read a fallback case")) {
                fallback_not_found(row.id, db.path().string());
            }
            fallback_conflict(row, static_cast<int>(stmt.int64(0)), db.path().string());
        }
        append_audit(db, operator_name, "fallback.update", fallback_object(row.id),
                     fallback_update_detail(row, row.revision + 1));
    }
    tx.commit();
}

std::optional<FallbackCaseRow> select_fallback_case(const Database& db, std::int64_t id) {
    auto stmt =
        db.prepare(fmt::format("SELECT {} FROM fallback_cases WHERE id = ?", kFallbackColumns));
    stmt.bind(1, id);
    if (!stmt.step("cannot read a fallback case")) return std::nullopt;
    return read_fallback_case(stmt);
}

std::vector<FallbackCaseRow> select_fallback_cases(const Database& db,
                                                   const FallbackCaseFilter& filter) {
    std::string sql = fmt::format("SELECT {} FROM fallback_cases WHERE 1", kFallbackColumns);
    if (filter.from) sql += " AND case_date >= :from";
    if (filter.to) sql += " AND case_date <= :to";
    if (filter.state) sql += " AND state = :state";
    if (filter.patient) sql += " AND patient LIKE :patient ESCAPE '\\'";
    // A limit of 0 or less means no limit (SQLite reads a negative LIMIT that way).
    sql += " ORDER BY id LIMIT :limit";

    auto stmt = db.prepare(sql);
    const auto at = [&stmt](const char* name) { return stmt.parameter_index(name); };
    if (filter.from) stmt.bind(at(":from"), *filter.from);
    if (filter.to) stmt.bind(at(":to"), *filter.to);
    if (filter.state) stmt.bind(at(":state"), *filter.state);
    if (filter.patient) stmt.bind(at(":patient"), substring_like_pattern(*filter.patient));
    stmt.bind(at(":limit"), filter.limit > 0 ? filter.limit : -1);

    std::vector<FallbackCaseRow> out;
    while (stmt.step("cannot list fallback cases")) out.push_back(read_fallback_case(stmt));
    return out;
}

}  // namespace mynaq::store::detail
