// Internal to lib/store: charts, check matches and stored medical results on an SQLite
// connection. The writers open their own WriteTransaction and audit in it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mynaq/store.hpp"
#include "sqlite.hpp"

namespace mynaq::store::detail {

void upsert_charts(const Database& db, const std::vector<ChartRecord>& charts,
                   const std::string& operator_name);
[[nodiscard]] std::vector<ChartRecord> select_charts(const Database& db, const ChartFilter& filter,
                                                     const std::string* chart_id = nullptr);
void update_check_match(const Database& db, std::int64_t check_id, const CheckMatch& match,
                        const std::string& operator_name);
std::int64_t insert_medical_result(const Database& db, const MedicalResultRecord& result,
                                   const std::string& operator_name);
[[nodiscard]] std::optional<MedicalResultRecord> select_latest_medical_result(
    const Database& db, const std::string& patient_key, const std::string& kind,
    const std::string& format);

// Rows in kChartColumns / kMedicalResultColumns order (for the store copy too).
[[nodiscard]] ChartRecord read_chart(const Statement& stmt);
[[nodiscard]] MedicalResultRecord read_medical_result(const Statement& stmt);

}  // namespace mynaq::store::detail
