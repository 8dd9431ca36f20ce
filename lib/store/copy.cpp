// copy_store(): moves a clinic's store between backends (SQLite → PostgreSQL, or back)
// without altering a record.
#include "mynaq/store.hpp"

namespace mynaq {

namespace {

// Passes the batches through, counting what goes by.
class CountingReader final : public StoreRowReader {
public:
    explicit CountingReader(StoreRowReader& inner) : inner_(inner) {}

    bool next(StoreRows& batch) override {
        if (!inner_.next(batch)) return false;
        report_.checks += static_cast<std::int64_t>(batch.checks.size());
        report_.consents += static_cast<std::int64_t>(batch.consents.size());
        report_.intake += static_cast<std::int64_t>(batch.intake.size());
        report_.bulk_jobs += static_cast<std::int64_t>(batch.bulk_jobs.size());
        report_.fallback_cases += static_cast<std::int64_t>(batch.fallback_cases.size());
        report_.receipts += static_cast<std::int64_t>(batch.receipts.size());
        report_.notified += static_cast<std::int64_t>(batch.notified.size());
        report_.charts += static_cast<std::int64_t>(batch.charts.size());
        report_.medical_results += static_cast<std::int64_t>(batch.medical_results.size());
        report_.audit += static_cast<std::int64_t>(batch.audit.size());
        return true;
    }
    [[nodiscard]] AuditRecord head() const override { return inner_.head(); }
    [[nodiscard]] const CopyReport& report() const noexcept { return report_; }

private:
    StoreRowReader& inner_;
    CopyReport report_;
};

}  // namespace

CopyReport copy_store(const Store& from, Store& to) {
    const auto rows = from.export_rows();
    CountingReader counting(*rows);
    to.import_rows(counting);
    return counting.report();
}

}  // namespace mynaq
