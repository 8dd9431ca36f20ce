#include "report_common.hpp"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "mynaq/error.hpp"

namespace mynaq::store::detail {

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

void require_site(const std::string& site) {
    if (site.empty()) throw Error(Errc::Usage, "a usage-rate figure needs a site");
}

void require_given_or_count(std::int64_t value, std::string_view what, const std::string& site,
                            const std::string& month) {
    if (value < -1) {
        throw Error(
            Errc::Usage,
            fmt::format("{} of {} {} is {}: give a count of 0 or more", what, site, month, value),
            {{"site", site}, {"month", month}});
    }
}

}  // namespace

void require_month(std::string_view month, std::string_view what) {
    const bool shaped = month.size() == 7 && is_digit(month[0]) && is_digit(month[1]) &&
                        is_digit(month[2]) && is_digit(month[3]) && month[4] == '-' &&
                        is_digit(month[5]) && is_digit(month[6]);
    const int number = shaped ? (month[5] - '0') * 10 + (month[6] - '0') : 0;
    if (number < 1 || number > 12) {
        throw Error(Errc::Usage, fmt::format("{} is not a month (yyyy-mm): {}", what, month),
                    {{"month", std::string(month)}});
    }
}

void require_month_range(std::string_view from_month, std::string_view to_month) {
    require_month(from_month, "the first month");
    require_month(to_month, "the last month");
}

void require_receipt_row(const ReceiptCount& row) {
    require_site(row.site);
    require_month(row.month, "the month of a receipt count");
    if (row.receipts < 0) {
        throw Error(Errc::Usage,
                    fmt::format("the receipt count of {} {} is {}: give 0 or more", row.site,
                                row.month, row.receipts),
                    {{"site", row.site}, {"month", row.month}});
    }
}

void require_notified_row(const NotifiedRate& row) {
    require_site(row.site);
    require_month(row.month, "the month of a notified rate");
    // The negated test also refuses NaN.
    if (!(row.percent >= 0 && row.percent <= 100)) {
        throw Error(Errc::Usage,
                    fmt::format("the notified rate of {} {} is {}: give a percent from 0 to 100",
                                row.site, row.month, row.percent),
                    {{"site", row.site}, {"month", row.month}});
    }
    require_given_or_count(row.users, "the notified users", row.site, row.month);
    require_given_or_count(row.receipts, "the notified receipts", row.site, row.month);
}

std::string receipts_object(const ReceiptCount& row) {
    return fmt::format("receipts:{}:{}", row.site, row.month);
}

std::string notified_object(const NotifiedRate& row) {
    return fmt::format("notified:{}:{}", row.site, row.month);
}

std::string receipts_detail(const ReceiptCount& row) {
    return nlohmann::json{{"receipts", row.receipts}, {"source", row.source}}.dump();
}

std::string notified_detail(const NotifiedRate& row) {
    nlohmann::json detail{{"percent", row.percent}, {"source", row.source}};
    if (row.users >= 0) detail["users"] = row.users;
    if (row.receipts >= 0) detail["receipts"] = row.receipts;
    return detail.dump();
}

std::string monthly_users_sql(std::size_t site_count, char marker) {
    std::string sql = fmt::format(
        "SELECT facility, substr(checked_at, 1, 7) AS month, count(DISTINCT person_key)"
        " FROM checks WHERE method IN ('card','smartphone') AND person_key <> ''"
        " AND substr(checked_at, 1, 7) BETWEEN {0}1 AND {0}2",
        marker);
    if (site_count > 0) {
        sql += " AND facility IN (";
        for (std::size_t i = 0; i < site_count; ++i) {
            if (i > 0) sql += ", ";
            sql += fmt::format("{}{}", marker, i + 3);
        }
        sql += ')';
    }
    sql += " GROUP BY facility, month ORDER BY facility, month";
    return sql;
}

}  // namespace mynaq::store::detail
