// PostgresStore::export_rows and import_rows, for copy_store(): every row as it is, read from
// one snapshot and written in one transaction.
#include <fmt/format.h>

#include "chart_common.hpp"
#include "fallback_common.hpp"
#include "mynaq/error.hpp"
#include "postgres_store.hpp"
#include "report_common.hpp"

namespace mynaq::store::detail::pg {

namespace {

constexpr int kBatchRows = 200;  // checks carry the raw XML (tens of kB each)
constexpr int kAuditBatchRows = 5'000;

struct Phase {
    std::string sql;
    int batch_rows;
    void (*read)(const Result&, int, StoreRows&);
};

void read_check_row(const Result& r, int row, StoreRows& rows) {
    rows.checks.push_back(read_check(r, row));
}
void read_intake_row(const Result& r, int row, StoreRows& rows) {
    rows.intake.push_back(
        {{r.text(row, 0), r.text(row, 1), r.int64(row, 2), r.boolean(row, 3)}, r.text(row, 4)});
}
void read_consent_row(const Result& r, int row, StoreRows& rows) {
    rows.consents.push_back(read_consent(r, row));
}
void read_bulk_row(const Result& r, int row, StoreRows& rows) {
    rows.bulk_jobs.push_back(read_bulk_job(r, row));
}
void read_sequence_row(const Result& r, int row, StoreRows& rows) {
    rows.sequences.push_back({r.text(row, 0), static_cast<int>(r.int64(row, 1))});
}
void read_fallback_row(const Result& r, int row, StoreRows& rows) {
    rows.fallback_cases.push_back(read_fallback_case(r, row));
}
void read_receipt_row(const Result& r, int row, StoreRows& rows) {
    rows.receipts.push_back(read_receipt_count(r, row));
}
void read_notified_row(const Result& r, int row, StoreRows& rows) {
    rows.notified.push_back(read_notified_rate(r, row));
}
void read_chart_row(const Result& r, int row, StoreRows& rows) {
    rows.charts.push_back(read_chart(r, row));
}
void read_medical_result_row(const Result& r, int row, StoreRows& rows) {
    rows.medical_results.push_back(read_medical_result(r, row));
}
void read_audit_row(const Result& r, int row, StoreRows& rows) {
    rows.audit.push_back(read_audit(r, row));
}

// Its own connection, so that the store stays usable while the copy reads.
class PgRowReader final : public StoreRowReader {
public:
    PgRowReader(const std::string& url, int busy_timeout_ms) : conn_(url, busy_timeout_ms) {
        // REPEATABLE READ: every table and the head come from the same snapshot.
        (void)conn_.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                          "cannot start reading the store");
        open_ = true;
        const auto head = conn_.query("SELECT seq, hash FROM audit_head WHERE id = 1",
                                      "cannot read the audit head");
        if (head.rows() == 1) {
            head_.seq = head.int64(0, 0);
            head_.hash = head.text(0, 1);
        }
        phases_ = {
            Phase{select_check_sql() + " ORDER BY id", kBatchRows, &read_check_row},
            Phase{"SELECT file_name, sha256, check_id, done, recorded_at FROM intake"
                  " ORDER BY check_id, file_name, sha256",
                  kBatchRows, &read_intake_row},
            Phase{fmt::format("SELECT {} FROM consents ORDER BY id", kConsentColumns),
                  kAuditBatchRows, &read_consent_row},
            Phase{fmt::format("SELECT {} FROM bulk_jobs ORDER BY id", kBulkColumns), kBatchRows,
                  &read_bulk_row},
            Phase{"SELECT day, value FROM sequences ORDER BY day", kAuditBatchRows,
                  &read_sequence_row},
            Phase{fmt::format("SELECT {} FROM fallback_cases ORDER BY id", kFallbackColumns),
                  kBatchRows, &read_fallback_row},
            Phase{
                fmt::format("SELECT {} FROM report_receipts ORDER BY site, month", kReceiptColumns),
                kAuditBatchRows, &read_receipt_row},
            Phase{fmt::format("SELECT {} FROM report_notified ORDER BY site, month",
                              kNotifiedColumns),
                  kAuditBatchRows, &read_notified_row},
            Phase{fmt::format("SELECT {} FROM charts ORDER BY chart_id", kChartColumns),
                  kAuditBatchRows, &read_chart_row},
            // Results carry the document as received (a PDF base64-encoded), like checks.
            Phase{fmt::format("SELECT {} FROM medical_results ORDER BY id", kMedicalResultColumns),
                  kBatchRows, &read_medical_result_row},
            Phase{fmt::format("SELECT {} FROM audit ORDER BY seq", kAuditColumns), kAuditBatchRows,
                  &read_audit_row},
        };
    }
    ~PgRowReader() override {
        if (open_) PQclear(PQexec(conn_.handle(), "ROLLBACK"));
    }
    PgRowReader(const PgRowReader&) = delete;
    PgRowReader& operator=(const PgRowReader&) = delete;

    bool next(StoreRows& batch) override {
        batch = StoreRows{};
        while (phase_ < phases_.size()) {
            const auto& phase = phases_[phase_];
            if (!declared_) {
                (void)conn_.query("DECLARE copy_rows NO SCROLL CURSOR FOR " + phase.sql,
                                  "cannot read the store");
                declared_ = true;
            }
            const auto result =
                conn_.query(fmt::format("FETCH FORWARD {} FROM copy_rows", phase.batch_rows),
                            "cannot read the store");
            for (int row = 0; row < result.rows(); ++row) phase.read(result, row, batch);
            if (result.rows() < phase.batch_rows) {
                (void)conn_.query("CLOSE copy_rows", "cannot read the store");
                declared_ = false;
                ++phase_;
            }
            if (result.rows() > 0) return true;
        }
        if (open_) {
            (void)conn_.query("COMMIT", "cannot finish reading the store");
            open_ = false;
        }
        return false;
    }

    [[nodiscard]] AuditRecord head() const override { return head_; }

private:
    Connection conn_;
    bool open_ = false;
    bool declared_ = false;
    AuditRecord head_;
    std::vector<Phase> phases_;
    std::size_t phase_ = 0;
};

}  // namespace

std::unique_ptr<StoreRowReader> PostgresStore::export_rows() const {
    return std::make_unique<PgRowReader>(url_, busy_timeout_ms_);
}

void PostgresStore::import_rows(StoreRowReader& rows) {
    Transaction tx(conn_);
    (void)lock_head();
    const auto count = conn_.query(
        "SELECT (SELECT count(*) FROM checks) + (SELECT count(*) FROM intake)"
        " + (SELECT count(*) FROM consents) + (SELECT count(*) FROM bulk_jobs)"
        " + (SELECT count(*) FROM sequences) + (SELECT count(*) FROM fallback_cases)"
        " + (SELECT count(*) FROM report_receipts) + (SELECT count(*) FROM report_notified)"
        " + (SELECT count(*) FROM charts) + (SELECT count(*) FROM medical_results)"
        " + (SELECT count(*) FROM audit)",
        "cannot count the records of the target store");
    if (count.int64(0, 0) != 0) {
        throw Error(Errc::Forbidden,
                    fmt::format("the store {} already holds records; a copy goes into an empty "
                                "store only",
                                conn_.display_url()),
                    {{"path", conn_.display_url()}});
    }

    std::string check_names = "id";
    std::string check_params = "$1";
    int index = 2;
    for (const auto& [column, member] : kCheckColumns) {
        check_names += ", ";
        check_names += column;
        check_params += fmt::format(", ${}", index++);
    }
    // person_key is not part of CheckRecord: it is derived again, by the same rule.
    const auto insert_check = fmt::format("INSERT INTO checks ({}, person_key) VALUES ({}, ${})",
                                          check_names, check_params, index);
    // kana_key is not part of ChartRecord: it is derived again, by the same rule.
    const auto insert_chart = fmt::format(
        "INSERT INTO charts ({}, kana_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
        " $12, $13, $14)",
        kChartColumns);
    const auto insert_medical_result = fmt::format(
        "INSERT INTO medical_results ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        kMedicalResultColumns);

    StoreRows batch;
    while (rows.next(batch)) {
        for (const auto& record : batch.checks) {
            Params params;
            params.add(record.id);
            for (const auto& [name, member] : kCheckColumns) params.add(record.*member);
            params.add(usage_person_key(record));
            (void)conn_.query(insert_check, params, "cannot copy a check");
        }
        for (const auto& row : batch.intake) {
            (void)conn_.query(
                "INSERT INTO intake (file_name, sha256, check_id, done, recorded_at)"
                " VALUES ($1, $2, $3, $4, $5)",
                Params{}
                    .add(row.intake.file_name)
                    .add(row.intake.sha256)
                    .add(row.intake.check_id)
                    .add(row.intake.done)
                    .add(row.recorded_at),
                "cannot copy an intake");
        }
        for (const auto& c : batch.consents) {
            (void)conn_.query(
                fmt::format("INSERT INTO consents ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
                            " $9, $10, $11)",
                            kConsentColumns),
                Params{}
                    .add(c.id)
                    .add(c.patient_key)
                    .add(c.category)
                    .add(c.flag)
                    .add(c.consented_at)
                    .add(c.expires_at)
                    .add(c.source)
                    .add(c.recorded_by)
                    .add(c.check_id)
                    .add(c.note)
                    .add(c.recorded_at),
                "cannot copy a consent");
        }
        for (const auto& job : batch.bulk_jobs) {
            (void)conn_.query(
                fmt::format("INSERT INTO bulk_jobs ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
                            " $9, $10, $11)",
                            kBulkColumns),
                Params{}
                    .add(job.id)
                    .add(job.input_sha256)
                    .add(job.confirmation_date)
                    .add(job.facility)
                    .add(job.upload_suffix)
                    .add(job.upload_identifier)
                    .add(job.reception_number)
                    .add(job.download_round)
                    .add(job.download_suffix)
                    .add(job.state)
                    .add(job.created_at),
                "cannot copy a bulk job");
        }
        for (const auto& s : batch.sequences) {
            (void)conn_.query("INSERT INTO sequences (day, value) VALUES ($1, $2)",
                              Params{}.add(s.day).add(s.value), "cannot copy a sequence");
        }
        for (const auto& f : batch.fallback_cases) {
            (void)conn_.query(
                fmt::format("INSERT INTO fallback_cases ({}) VALUES ($1, $2, $3, $4, $5, $6, $7,"
                            " $8)",
                            kFallbackColumns),
                Params{}
                    .add(f.id)
                    .add(f.case_date)
                    .add(f.state)
                    .add(f.patient)
                    .add(f.created_at)
                    .add(f.updated_at)
                    .add(f.revision)
                    .add(f.document),
                "cannot copy a fallback case");
        }
        for (const auto& r : batch.receipts) {
            (void)conn_.query(
                fmt::format("INSERT INTO report_receipts ({}) VALUES ($1, $2, $3, $4, $5, $6)",
                            kReceiptColumns),
                Params{}
                    .add(r.site)
                    .add(r.month)
                    .add(r.receipts)
                    .add(r.source)
                    .add(r.updated_at)
                    .add(r.updated_by),
                "cannot copy a receipt count");
        }
        for (const auto& n : batch.notified) {
            (void)conn_.query(
                fmt::format("INSERT INTO report_notified ({}) VALUES ($1, $2, $3, $4, $5, $6, $7,"
                            " $8)",
                            kNotifiedColumns),
                Params{}
                    .add(n.site)
                    .add(n.month)
                    .add(percent_text(n.percent))
                    .add(n.users)
                    .add(n.receipts)
                    .add(n.source)
                    .add(n.updated_at)
                    .add(n.updated_by),
                "cannot copy a notified rate");
        }
        for (const auto& chart : batch.charts) {
            Params params;
            for (const std::string* field : chart_fields(chart)) params.add(*field);
            params.add(chart_kana_key(chart.name_kana));
            (void)conn_.query(insert_chart, params, "cannot copy a chart");
        }
        for (const auto& m : batch.medical_results) {
            (void)conn_.query(insert_medical_result,
                              Params{}
                                  .add(m.id)
                                  .add(m.patient_key)
                                  .add(m.kind)
                                  .add(m.fetched_at)
                                  .add(m.from_month)
                                  .add(m.to_month)
                                  .add(m.format)
                                  .add(m.request_id)
                                  .add(m.document)
                                  .add(m.fetched_by),
                              "cannot copy a medical information result");
        }
        for (const auto& r : batch.audit) {
            (void)conn_.query(
                fmt::format("INSERT INTO audit ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                            kAuditColumns),
                Params{}
                    .add(r.seq)
                    .add(r.at)
                    .add(r.operator_name)
                    .add(r.action)
                    .add(r.object)
                    .add(r.detail)
                    .add(r.prev_hash)
                    .add(r.hash),
                "cannot copy an audit record");
        }
    }
    // Explicit ids leave the identity counters behind; new rows must start after the copies.
    for (const char* table :
         {"checks", "consents", "bulk_jobs", "fallback_cases", "medical_results"}) {
        (void)conn_.query(fmt::format("SELECT setval(pg_get_serial_sequence('{0}', 'id'),"
                                      " coalesce(max(id), 0) + 1, false) FROM {0}",
                                      table),
                          "cannot move the id counter past the copied records");
    }
    const auto head = rows.head();
    save_head({head.seq, head.hash});
    tx.commit();
}

}  // namespace mynaq::store::detail::pg
