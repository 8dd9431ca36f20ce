// Usage-rate inputs and the monthly count of persons on the PostgreSQL store: the same
// behaviour as sqlite_report.cpp. Writers queue on the audit head row like every other write.
#include <charconv>

#include <fmt/format.h>

#include "mynaq/error.hpp"
#include "mynaq/jst.hpp"
#include "postgres_store.hpp"
#include "report_common.hpp"

namespace mynaq::store::detail::pg {

namespace {

double real_of(const Result& result, int row, int column) {
    const auto text = result.text(row, column);
    double out = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (ec != std::errc{} || end != text.data() + text.size()) {
        throw Error(Errc::Internal, fmt::format("not a number from PostgreSQL: {}", text));
    }
    return out;
}

// "SELECT ... WHERE month BETWEEN $1 AND $2 [AND site IN ($3, ...)] ORDER BY site, month"
Result list_rows(const Connection& conn, std::string_view columns, std::string_view table,
                 const std::string& from_month, const std::string& to_month,
                 const std::vector<std::string>& sites, std::string_view action) {
    require_month_range(from_month, to_month);
    std::string sql =
        fmt::format("SELECT {} FROM {} WHERE month BETWEEN $1 AND $2", columns, table);
    Params params;
    params.add(from_month).add(to_month);
    if (!sites.empty()) {
        sql += " AND site IN (";
        for (const auto& site : sites) {
            if (params.size() > 2) sql += ", ";
            params.add(site);
            sql += fmt::format("${}", params.size());
        }
        sql += ')';
    }
    sql += " ORDER BY site, month";
    return conn.query(sql, params, action);
}

}  // namespace

std::string percent_text(double percent) {
    return fmt::format("{}", percent);  // the shortest text that reads back as the same double
}

ReceiptCount read_receipt_count(const Result& result, int row) {
    ReceiptCount out;
    out.site = result.text(row, 0);
    out.month = result.text(row, 1);
    out.receipts = result.int64(row, 2);
    out.source = result.text(row, 3);
    out.updated_at = result.text(row, 4);
    out.updated_by = result.text(row, 5);
    return out;
}

NotifiedRate read_notified_rate(const Result& result, int row) {
    NotifiedRate out;
    out.site = result.text(row, 0);
    out.month = result.text(row, 1);
    out.percent = real_of(result, row, 2);
    out.users = result.int64(row, 3);
    out.receipts = result.int64(row, 4);
    out.source = result.text(row, 5);
    out.updated_at = result.text(row, 6);
    out.updated_by = result.text(row, 7);
    return out;
}

void PostgresStore::set_receipts(const std::vector<ReceiptCount>& rows) {
    if (rows.empty()) return;
    // Every row is checked before the first is written: a bad figure writes nothing.
    for (const auto& row : rows) require_receipt_row(row);
    const auto now = format_jst_iso(now_seconds());
    const auto sql = fmt::format(
        "INSERT INTO report_receipts ({}) VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (site, month) DO UPDATE SET receipts = EXCLUDED.receipts,"
        " source = EXCLUDED.source, updated_at = EXCLUDED.updated_at,"
        " updated_by = EXCLUDED.updated_by",
        kReceiptColumns);
    Transaction tx(conn_);
    auto head = lock_head();
    for (const auto& row : rows) {
        (void)conn_.query(sql,
                          Params{}
                              .add(row.site)
                              .add(row.month)
                              .add(row.receipts)
                              .add(row.source)
                              .add(now)
                              .add(operator_),
                          "cannot record the receipt count");
        append_audit(head, "report.receipts", receipts_object(row), receipts_detail(row));
    }
    tx.commit();
}

void PostgresStore::set_notified_rates(const std::vector<NotifiedRate>& rows) {
    if (rows.empty()) return;
    for (const auto& row : rows) require_notified_row(row);
    const auto now = format_jst_iso(now_seconds());
    const auto sql = fmt::format(
        "INSERT INTO report_notified ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT (site, month) DO UPDATE SET percent = EXCLUDED.percent,"
        " users = EXCLUDED.users, receipts = EXCLUDED.receipts, source = EXCLUDED.source,"
        " updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by",
        kNotifiedColumns);
    Transaction tx(conn_);
    auto head = lock_head();
    for (const auto& row : rows) {
        (void)conn_.query(sql,
                          Params{}
                              .add(row.site)
                              .add(row.month)
                              .add(percent_text(row.percent))
                              .add(row.users)
                              .add(row.receipts)
                              .add(row.source)
                              .add(now)
                              .add(operator_),
                          "cannot record the notified rate");
        append_audit(head, "report.notified", notified_object(row), notified_detail(row));
    }
    tx.commit();
}

std::vector<ReceiptCount> PostgresStore::list_receipts(
    const std::string& from_month, const std::string& to_month,
    const std::vector<std::string>& sites) const {
    const auto result = list_rows(conn_, kReceiptColumns, "report_receipts", from_month, to_month,
                                  sites, "cannot list receipt counts");
    std::vector<ReceiptCount> out;
    out.reserve(static_cast<std::size_t>(result.rows()));
    for (int row = 0; row < result.rows(); ++row) out.push_back(read_receipt_count(result, row));
    return out;
}

std::vector<NotifiedRate> PostgresStore::list_notified_rates(
    const std::string& from_month, const std::string& to_month,
    const std::vector<std::string>& sites) const {
    const auto result = list_rows(conn_, kNotifiedColumns, "report_notified", from_month, to_month,
                                  sites, "cannot list notified rates");
    std::vector<NotifiedRate> out;
    out.reserve(static_cast<std::size_t>(result.rows()));
    for (int row = 0; row < result.rows(); ++row) out.push_back(read_notified_rate(result, row));
    return out;
}

std::vector<MonthlyUsers> PostgresStore::monthly_users(
    const std::string& from_month, const std::string& to_month,
    const std::vector<std::string>& sites) const {
    require_month_range(from_month, to_month);
    Params params;
    params.add(from_month).add(to_month);
    for (const auto& site : sites) params.add(site);
    const auto result =
        conn_.query(monthly_users_sql(sites.size(), '$'), params, "cannot count the monthly users");
    std::vector<MonthlyUsers> out;
    out.reserve(static_cast<std::size_t>(result.rows()));
    for (int row = 0; row < result.rows(); ++row) {
        out.push_back({result.text(row, 0), result.text(row, 1), result.int64(row, 2)});
    }
    return out;
}

}  // namespace mynaq::store::detail::pg
