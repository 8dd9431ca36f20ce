// Internal to lib/store: the PostgreSQL store. One PostgresStore (one connection) serves one
// thread at a time; every terminal opens its own. Every write locks the audit head row first
// (SELECT ... FOR UPDATE), so writes of all terminals are serialised at that row: the audit
// chain never forks, and READ COMMITTED is enough for the rest.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "check_columns.hpp"
#include "mynaq/store.hpp"
#include "postgres.hpp"

namespace mynaq::store::detail::pg {

// "SELECT id, checked_at, ... FROM checks"
const std::string& select_check_sql();
CheckRecord read_check(const Result& result, int row);

inline constexpr std::string_view kBulkColumns =
    "id, input_sha256, confirmation_date, facility, upload_suffix, upload_identifier, "
    "reception_number, download_round, download_suffix, state, created_at";
BulkJob read_bulk_job(const Result& result, int row);

inline constexpr std::string_view kConsentColumns =
    "id, patient_key, category, flag, consented_at, expires_at, source, recorded_by, check_id, "
    "note, recorded_at";
ConsentRecord read_consent(const Result& result, int row);

// A row in kFallbackColumns order (fallback_common.hpp).
FallbackCaseRow read_fallback_case(const Result& result, int row);

// Rows in kReceiptColumns / kNotifiedColumns order (report_common.hpp).
ReceiptCount read_receipt_count(const Result& result, int row);
NotifiedRate read_notified_rate(const Result& result, int row);
// A percent as text that reads back as the same double.
std::string percent_text(double percent);

// Rows in kChartColumns / kMedicalResultColumns order (chart_common.hpp).
ChartRecord read_chart(const Result& result, int row);
MedicalResultRecord read_medical_result(const Result& result, int row);

inline constexpr std::string_view kAuditColumns =
    "seq, at, operator, action, object, detail, prev_hash, hash";
AuditRecord read_audit(const Result& result, int row);

class PostgresStore final : public Store {
public:
    PostgresStore(const std::string& url, int busy_timeout_ms);

    std::int64_t add_check(const CheckRecord& record) override;
    [[nodiscard]] std::optional<CheckRecord> check(std::int64_t id) const override;
    [[nodiscard]] std::vector<CheckRecord> list_checks(const CheckFilter& filter) const override;

    std::optional<IntakeRecord> add_intake(const IntakeRecord& intake,
                                           const CheckRecord& record) override;
    [[nodiscard]] std::optional<IntakeRecord> intake(const std::string& file_name,
                                                     const std::string& sha256) const override;
    void mark_intake_done(const std::string& file_name, const std::string& sha256) override;

    [[nodiscard]] std::optional<BulkJob> find_bulk_job(
        const std::string& input_sha256) const override;
    std::int64_t save_bulk_job(const BulkJob& job) override;

    int next_sequence(const std::string& yyyymmdd) override;

    [[nodiscard]] std::filesystem::path location() const override;
    [[nodiscard]] int schema_version() const override;

    void set_operator(std::string operator_name) override;

    std::int64_t add_consent(const ConsentRecord& consent) override;
    [[nodiscard]] std::vector<ConsentRecord> list_consents(
        const ConsentFilter& filter) const override;

    // postgres_fallback.cpp
    std::int64_t add_fallback_case(const FallbackCaseRow& row) override;
    void update_fallback_cases(const std::vector<FallbackCaseRow>& rows) override;
    [[nodiscard]] std::optional<FallbackCaseRow> fallback_case(std::int64_t id) const override;
    [[nodiscard]] std::vector<FallbackCaseRow> list_fallback_cases(
        const FallbackCaseFilter& filter) const override;

    // postgres_report.cpp
    void set_receipts(const std::vector<ReceiptCount>& rows) override;
    [[nodiscard]] std::vector<ReceiptCount> list_receipts(
        const std::string& from_month, const std::string& to_month,
        const std::vector<std::string>& sites) const override;
    void set_notified_rates(const std::vector<NotifiedRate>& rows) override;
    [[nodiscard]] std::vector<NotifiedRate> list_notified_rates(
        const std::string& from_month, const std::string& to_month,
        const std::vector<std::string>& sites) const override;
    [[nodiscard]] std::vector<MonthlyUsers> monthly_users(
        const std::string& from_month, const std::string& to_month,
        const std::vector<std::string>& sites) const override;

    // postgres_charts.cpp
    void save_charts(const std::vector<ChartRecord>& charts) override;
    [[nodiscard]] std::optional<ChartRecord> chart(const std::string& chart_id) const override;
    [[nodiscard]] std::vector<ChartRecord> list_charts(const ChartFilter& filter) const override;
    void set_check_match(std::int64_t check_id, const CheckMatch& match) override;
    std::int64_t add_medical_result(const MedicalResultRecord& result) override;
    using Store::latest_medical_result;
    [[nodiscard]] std::optional<MedicalResultRecord> latest_medical_result(
        const std::string& patient_key, const std::string& kind,
        const std::string& format) const override;

    void audit(const std::string& action, const std::string& object,
               const std::string& detail) override;
    [[nodiscard]] std::vector<AuditRecord> list_audit(const AuditFilter& filter) const override;
    void for_each_audit(const std::function<bool(const AuditRecord&)>& visit) const override;
    [[nodiscard]] AuditRecord audit_head() const override;

    PurgeReport purge(const std::string& before, const RetentionRules& rules) override;

    // postgres_copy.cpp
    [[nodiscard]] std::unique_ptr<StoreRowReader> export_rows() const override;
    void import_rows(StoreRowReader& rows) override;

private:
    // The head as locked by the current write transaction; appends advance it.
    struct Head {
        std::int64_t seq = 0;
        std::string hash;
    };
    Head lock_head();
    void append_audit(Head& head, std::string_view action, std::string_view object,
                      std::string_view detail);
    void save_head(const Head& head);

    // The row alone; then insert_consents() for the ledger entries taken from it.
    std::int64_t insert_check(const CheckRecord& record);
    void insert_consents(Head& head, const CheckRecord& record, std::int64_t check_id);
    // The entry and its "consent.add" audit record.
    std::int64_t insert_consent(Head& head, const ConsentRecord& consent);

    // Kept for the second connection of export_rows(); never shown (display_url() is).
    std::string url_;
    int busy_timeout_ms_;
    Connection conn_;
    std::string operator_;
};

}  // namespace mynaq::store::detail::pg
