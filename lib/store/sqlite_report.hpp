// Internal to lib/store: the usage-rate inputs and the monthly count of persons on an SQLite
// connection. The writers open their own WriteTransaction and audit each row in it.
#pragma once

#include <string>
#include <vector>

#include "mynaq/store.hpp"
#include "sqlite.hpp"

namespace mynaq::store::detail {

void upsert_receipts(const Database& db, const std::vector<ReceiptCount>& rows,
                     const std::string& operator_name);
void upsert_notified_rates(const Database& db, const std::vector<NotifiedRate>& rows,
                           const std::string& operator_name);
[[nodiscard]] std::vector<ReceiptCount> select_receipts(const Database& db,
                                                        const std::string& from_month,
                                                        const std::string& to_month,
                                                        const std::vector<std::string>& sites);
[[nodiscard]] std::vector<NotifiedRate> select_notified_rates(
    const Database& db, const std::string& from_month, const std::string& to_month,
    const std::vector<std::string>& sites);
[[nodiscard]] std::vector<MonthlyUsers> select_monthly_users(const Database& db,
                                                             const std::string& from_month,
                                                             const std::string& to_month,
                                                             const std::vector<std::string>& sites);

// Rows in kReceiptColumns / kNotifiedColumns order (report_common.hpp), for the copy too.
[[nodiscard]] ReceiptCount read_receipt_count(const Statement& stmt);
[[nodiscard]] NotifiedRate read_notified_rate(const Statement& stmt);

}  // namespace mynaq::store::detail
