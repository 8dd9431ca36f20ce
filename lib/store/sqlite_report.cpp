#include "sqlite_report.hpp"

#include <fmt/format.h>

#include "mynaq/jst.hpp"
#include "report_common.hpp"
#include "sqlite_audit.hpp"

namespace mynaq::store::detail {

namespace {

// " AND site IN (?3, ?4, ...)" after the two months, or nothing for every site.
std::string site_filter(std::string_view column, std::size_t count) {
    if (count == 0) return {};
    std::string out = fmt::format(" AND {} IN (", column);
    for (std::size_t i = 0; i < count; ++i) {
        if (i > 0) out += ", ";
        out += fmt::format("?{}", i + 3);
    }
    out += ')';
    return out;
}

Statement prepare_list(const Database& db, std::string_view columns, std::string_view table,
                       const std::string& from_month, const std::string& to_month,
                       const std::vector<std::string>& sites) {
    require_month_range(from_month, to_month);
    auto stmt = db.prepare(
        fmt::format("SELECT {} FROM {} WHERE month BETWEEN ?1 AND ?2{} ORDER BY site, month",
                    columns, table, site_filter("site", sites.size())));
    stmt.bind(1, from_month).bind(2, to_month);
    int index = 3;
    for (const auto& site : sites) stmt.bind(index++, site);
    return stmt;
}

}  // namespace

ReceiptCount read_receipt_count(const Statement& stmt) {
    ReceiptCount row;
    row.site = stmt.text(0);
    row.month = stmt.text(1);
    row.receipts = stmt.int64(2);
    row.source = stmt.text(3);
    row.updated_at = stmt.text(4);
    row.updated_by = stmt.text(5);
    return row;
}

NotifiedRate read_notified_rate(const Statement& stmt) {
    NotifiedRate row;
    row.site = stmt.text(0);
    row.month = stmt.text(1);
    row.percent = stmt.real(2);
    row.users = stmt.int64(3);
    row.receipts = stmt.int64(4);
    row.source = stmt.text(5);
    row.updated_at = stmt.text(6);
    row.updated_by = stmt.text(7);
    return row;
}

void upsert_receipts(const Database& db, const std::vector<ReceiptCount>& rows,
                     const std::string& operator_name) {
    if (rows.empty()) return;
    // Every row is checked before the first is written: a bad figure writes nothing.
    for (const auto& row : rows) require_receipt_row(row);
    const auto now = format_jst_iso(now_seconds());
    const auto sql = fmt::format(
        "INSERT OR REPLACE INTO report_receipts ({}) VALUES (?, ?, ?, ?, ?, ?)", kReceiptColumns);
    WriteTransaction tx(db);
    for (const auto& row : rows) {
        db.prepare(sql)
            .bind(1, row.site)
            .bind(2, row.month)
            .bind(3, row.receipts)
            .bind(4, row.source)
            .bind(5, now)
            .bind(6, operator_name)
            .run("cannot record the receipt count");
        append_audit(db, operator_name, "report.receipts", receipts_object(row),
                     receipts_detail(row));
    }
    tx.commit();
}

void upsert_notified_rates(const Database& db, const std::vector<NotifiedRate>& rows,
                           const std::string& operator_name) {
    if (rows.empty()) return;
    for (const auto& row : rows) require_notified_row(row);
    const auto now = format_jst_iso(now_seconds());
    const auto sql =
        fmt::format("INSERT OR REPLACE INTO report_notified ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    kNotifiedColumns);
    WriteTransaction tx(db);
    for (const auto& row : rows) {
        db.prepare(sql)
            .bind(1, row.site)
            .bind(2, row.month)
            .bind(3, row.percent)
            .bind(4, row.users)
            .bind(5, row.receipts)
            .bind(6, row.source)
            .bind(7, now)
            .bind(8, operator_name)
            .run("cannot record the notified rate");
        append_audit(db, operator_name, "report.notified", notified_object(row),
                     notified_detail(row));
    }
    tx.commit();
}

std::vector<ReceiptCount> select_receipts(const Database& db, const std::string& from_month,
                                          const std::string& to_month,
                                          const std::vector<std::string>& sites) {
    auto stmt = prepare_list(db, kReceiptColumns, "report_receipts", from_month, to_month, sites);
    std::vector<ReceiptCount> out;
    while (stmt.step("cannot list receipt counts")) out.push_back(read_receipt_count(stmt));
    return out;
}

std::vector<NotifiedRate> select_notified_rates(const Database& db, const std::string& from_month,
                                                const std::string& to_month,
                                                const std::vector<std::string>& sites) {
    auto stmt = prepare_list(db, kNotifiedColumns, "report_notified", from_month, to_month, sites);
    std::vector<NotifiedRate> out;
    while (stmt.step("cannot list notified rates")) out.push_back(read_notified_rate(stmt));
    return out;
}

std::vector<MonthlyUsers> select_monthly_users(const Database& db, const std::string& from_month,
                                               const std::string& to_month,
                                               const std::vector<std::string>& sites) {
    require_month_range(from_month, to_month);
    auto stmt = db.prepare(monthly_users_sql(sites.size(), '?'));
    stmt.bind(1, from_month).bind(2, to_month);
    int index = 3;
    for (const auto& site : sites) stmt.bind(index++, site);
    std::vector<MonthlyUsers> out;
    while (stmt.step("cannot count the monthly users")) {
        out.push_back({stmt.text(0), stmt.text(1), stmt.int64(2)});
    }
    return out;
}

}  // namespace mynaq::store::detail
