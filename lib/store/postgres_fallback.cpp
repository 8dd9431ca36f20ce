// Fallback cases on the PostgreSQL store: the same behaviour as sqlite_fallback.cpp. Writers
// queue on the audit head row like every other write, so a revision read under that lock is
// the committed one.
#include <fmt/format.h>

#include "audit_common.hpp"
#include "fallback_common.hpp"
#include "mynaq/jst.hpp"
#include "postgres_store.hpp"

namespace mynaq::store::detail::pg {

FallbackCaseRow read_fallback_case(const Result& result, int row) {
    FallbackCaseRow out;
    out.id = result.int64(row, 0);
    out.case_date = result.text(row, 1);
    out.state = result.text(row, 2);
    out.patient = result.text(row, 3);
    out.created_at = result.text(row, 4);
    out.updated_at = result.text(row, 5);
    out.revision = static_cast<int>(result.int64(row, 6));
    out.document = result.text(row, 7);
    return out;
}

std::int64_t PostgresStore::add_fallback_case(const FallbackCaseRow& row) {
    require_fallback_row(row);
    const auto now = format_jst_iso(now_seconds());
    Transaction tx(conn_);
    auto head = lock_head();
    const auto result = conn_.query(
        "INSERT INTO fallback_cases (case_date, state, patient, created_at, updated_at,"
        " revision, document) VALUES ($1, $2, $3, $4, $4, 1, $5) RETURNING id",
        Params{}.add(row.case_date).add(row.state).add(row.patient).add(now).add(row.document),
        "cannot record the fallback case");
    const auto id = result.int64(0, 0);
    append_audit(head, "fallback.add", fallback_object(id), fallback_add_detail(row));
    tx.commit();
    return id;
}

void PostgresStore::update_fallback_cases(const std::vector<FallbackCaseRow>& rows) {
    if (rows.empty()) return;
    for (const auto& row : rows) require_fallback_row(row);
    const auto now = format_jst_iso(now_seconds());
    Transaction tx(conn_);  // any throw below rolls back every row written before it
    auto head = lock_head();
    for (const auto& row : rows) {
        const auto result = conn_.query(
            "UPDATE fallback_cases SET state = $1, case_date = $2, patient = $3, document = $4,"
            " updated_at = $5, revision = revision + 1 WHERE id = $6 AND revision = $7",
            Params{}
                .add(row.state)
                .add(row.case_date)
                .add(row.patient)
                .add(row.document)
                .add(now)
                .add(row.id)
                .add(row.revision),
            "cannot update the fallback case");
        if (result.affected() == 0) {
            const auto stored = conn_.query("SELECT revision FROM fallback_cases WHERE id = $1",
                                            Params{}.add(row.id), "cannot read a fallback case");
            if (stored.rows() == 0) fallback_not_found(row.id, conn_.display_url());
            fallback_conflict(row, static_cast<int>(stored.int64(0, 0)), conn_.display_url());
        }
        append_audit(head, "fallback.update", fallback_object(row.id),
                     fallback_update_detail(row, row.revision + 1));
    }
    tx.commit();
}

std::optional<FallbackCaseRow> PostgresStore::fallback_case(std::int64_t id) const {
    const auto result =
        conn_.query(fmt::format("SELECT {} FROM fallback_cases WHERE id = $1", kFallbackColumns),
                    Params{}.add(id), "cannot read a fallback case");
    if (result.rows() == 0) return std::nullopt;
    return read_fallback_case(result, 0);
}

std::vector<FallbackCaseRow> PostgresStore::list_fallback_cases(
    const FallbackCaseFilter& filter) const {
    std::string sql = fmt::format("SELECT {} FROM fallback_cases WHERE true", kFallbackColumns);
    Params params;
    const auto where = [&](std::string_view condition, std::string_view value) {
        params.add(value);
        sql += fmt::format(fmt::runtime(condition), params.size());
    };
    if (filter.from) where(" AND case_date >= ${}", *filter.from);
    if (filter.to) where(" AND case_date <= ${}", *filter.to);
    if (filter.state) where(" AND state = ${}", *filter.state);
    // ILIKE, as SQLite's LIKE ignores ASCII case.
    if (filter.patient)
        where(" AND patient ILIKE ${} ESCAPE '\\'", substring_like_pattern(*filter.patient));
    sql += " ORDER BY id";
    if (filter.limit > 0) {
        params.add(filter.limit);
        sql += fmt::format(" LIMIT ${}", params.size());
    }
    const auto result = conn_.query(sql, params, "cannot list fallback cases");
    std::vector<FallbackCaseRow> out;
    out.reserve(static_cast<std::size_t>(result.rows()));
    for (int row = 0; row < result.rows(); ++row) out.push_back(read_fallback_case(result, row));
    return out;
}

}  // namespace mynaq::store::detail::pg
