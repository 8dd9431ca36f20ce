// Store::export_rows and Store::import_rows for the SQLite store, through a second connection
// to the file at location(): copy_store() moves every row as it is, so these read and write
// the tables directly rather than through the audited API.
#include <fmt/format.h>

#include "chart_common.hpp"
#include "check_columns.hpp"
#include "fallback_common.hpp"
#include "mynaq/error.hpp"
#include "mynaq/store.hpp"
#include "report_common.hpp"
#include "sqlite.hpp"
#include "sqlite_charts.hpp"
#include "sqlite_fallback.hpp"
#include "sqlite_report.hpp"

namespace mynaq {

namespace {

using store::detail::chart_fields;
using store::detail::Database;
using store::detail::kChartColumns;
using store::detail::kCheckColumns;
using store::detail::kFallbackColumns;
using store::detail::kMedicalResultColumns;
using store::detail::kNotifiedColumns;
using store::detail::kReceiptColumns;
using store::detail::Statement;
using store::detail::WriteTransaction;

constexpr int kBusyTimeoutMs = 10'000;
// Rows per batch: checks carry the raw XML (tens of kB each); audit records are small.
constexpr int kBatchRows = 200;
constexpr int kAuditBatchRows = 5'000;

std::string check_columns() {
    std::string columns = "id";
    for (const auto& [column, member] : kCheckColumns) {
        columns += ", ";
        columns += column;
    }
    return columns;
}

// One table read in order, a batch at a time, inside the reader's read transaction.
struct Phase {
    std::string sql;
    int batch_rows;
    void (*read)(const Statement&, StoreRows&);
};

void read_check_row(const Statement& stmt, StoreRows& rows) {
    CheckRecord out;
    out.id = stmt.int64(0);
    int column = 1;
    for (const auto& [name, member] : kCheckColumns) out.*member = stmt.text(column++);
    rows.checks.push_back(std::move(out));
}

void read_intake_row(const Statement& stmt, StoreRows& rows) {
    rows.intake.push_back(
        {{stmt.text(0), stmt.text(1), stmt.int64(2), stmt.int64(3) != 0}, stmt.text(4)});
}

void read_consent_row(const Statement& stmt, StoreRows& rows) {
    ConsentRecord c;
    c.id = stmt.int64(0);
    c.patient_key = stmt.text(1);
    c.category = stmt.text(2);
    c.flag = stmt.text(3);
    c.consented_at = stmt.text(4);
    c.expires_at = stmt.text(5);
    c.source = stmt.text(6);
    c.recorded_by = stmt.text(7);
    c.check_id = stmt.int64(8);
    c.note = stmt.text(9);
    c.recorded_at = stmt.text(10);
    rows.consents.push_back(std::move(c));
}

void read_bulk_row(const Statement& stmt, StoreRows& rows) {
    BulkJob job;
    job.id = stmt.int64(0);
    job.input_sha256 = stmt.text(1);
    job.confirmation_date = stmt.text(2);
    job.facility = stmt.text(3);
    job.upload_suffix = stmt.text(4);
    job.upload_identifier = stmt.text(5);
    job.reception_number = stmt.text(6);
    job.download_round = static_cast<int>(stmt.int64(7));
    job.download_suffix = stmt.text(8);
    job.state = stmt.text(9);
    job.created_at = stmt.text(10);
    rows.bulk_jobs.push_back(std::move(job));
}

void read_sequence_row(const Statement& stmt, StoreRows& rows) {
    rows.sequences.push_back({stmt.text(0), static_cast<int>(stmt.int64(1))});
}

void read_fallback_row(const Statement& stmt, StoreRows& rows) {
    rows.fallback_cases.push_back(store::detail::read_fallback_case(stmt));
}

void read_receipt_row(const Statement& stmt, StoreRows& rows) {
    rows.receipts.push_back(store::detail::read_receipt_count(stmt));
}

void read_notified_row(const Statement& stmt, StoreRows& rows) {
    rows.notified.push_back(store::detail::read_notified_rate(stmt));
}

void read_chart_row(const Statement& stmt, StoreRows& rows) {
    rows.charts.push_back(store::detail::read_chart(stmt));
}

void read_medical_result_row(const Statement& stmt, StoreRows& rows) {
    rows.medical_results.push_back(store::detail::read_medical_result(stmt));
}

void read_audit_row(const Statement& stmt, StoreRows& rows) {
    AuditRecord r;
    r.seq = stmt.int64(0);
    r.at = stmt.text(1);
    r.operator_name = stmt.text(2);
    r.action = stmt.text(3);
    r.object = stmt.text(4);
    r.detail = stmt.text(5);
    r.prev_hash = stmt.text(6);
    r.hash = stmt.text(7);
    rows.audit.push_back(std::move(r));
}

class SqliteRowReader final : public StoreRowReader {
public:
    explicit SqliteRowReader(const std::filesystem::path& path) : db_(path, kBusyTimeoutMs) {
        // One read transaction: every table and the head come from the same snapshot.
        db_.exec("BEGIN", "cannot start reading the store");
        open_ = true;
        auto stmt = db_.prepare("SELECT seq, hash FROM audit_head WHERE id = 1");
        if (stmt.step("cannot read the audit head")) {
            head_.seq = stmt.int64(0);
            head_.hash = stmt.text(1);
        }
        phases_ = {
            Phase{fmt::format("SELECT {} FROM checks ORDER BY id", check_columns()), kBatchRows,
                  &read_check_row},
            Phase{"SELECT file_name, sha256, check_id, done, recorded_at FROM intake"
                  " ORDER BY rowid",
                  kBatchRows, &read_intake_row},
            Phase{"SELECT id, patient_key, category, flag, consented_at, expires_at, source,"
                  " recorded_by, check_id, note, recorded_at FROM consents ORDER BY id",
                  kAuditBatchRows, &read_consent_row},
            Phase{"SELECT id, input_sha256, confirmation_date, facility, upload_suffix,"
                  " upload_identifier, reception_number, download_round, download_suffix,"
                  " state, created_at FROM bulk_jobs ORDER BY id",
                  kBatchRows, &read_bulk_row},
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
            Phase{"SELECT seq, at, operator, action, object, detail, prev_hash, hash FROM audit"
                  " ORDER BY seq",
                  kAuditBatchRows, &read_audit_row},
        };
    }
    ~SqliteRowReader() override {
        if (open_) (void)db_.try_exec("ROLLBACK");
    }
    SqliteRowReader(const SqliteRowReader&) = delete;
    SqliteRowReader& operator=(const SqliteRowReader&) = delete;

    bool next(StoreRows& batch) override {
        batch = StoreRows{};
        while (phase_ < phases_.size()) {
            const auto& phase = phases_[phase_];
            if (!stmt_) stmt_.emplace(db_.prepare(phase.sql));
            int count = 0;
            while (count < phase.batch_rows && stmt_->step("cannot read the store")) {
                phase.read(*stmt_, batch);
                ++count;
            }
            if (count < phase.batch_rows) {
                stmt_.reset();
                ++phase_;
            }
            if (count > 0) return true;
        }
        if (open_) {
            db_.exec("COMMIT", "cannot finish reading the store");
            open_ = false;
        }
        return false;
    }

    [[nodiscard]] AuditRecord head() const override { return head_; }

private:
    Database db_;
    bool open_ = false;
    AuditRecord head_;
    std::vector<Phase> phases_;
    std::size_t phase_ = 0;
    std::optional<Statement> stmt_;
};

void insert_rows(const Database& db, const StoreRows& rows) {
    if (!rows.checks.empty()) {
        std::string names = "id";
        std::string params = "?";
        for (const auto& [column, member] : kCheckColumns) {
            names += ", ";
            names += column;
            params += ", ?";
        }
        // person_key is not part of CheckRecord: it is derived again, by the same rule.
        const auto sql =
            fmt::format("INSERT INTO checks ({}, person_key) VALUES ({}, ?)", names, params);
        for (const auto& record : rows.checks) {
            // A statement per row: a stepped statement cannot be bound again without a reset.
            auto stmt = db.prepare(sql);
            stmt.bind(1, record.id);
            int index = 2;
            for (const auto& [name, member] : kCheckColumns) stmt.bind(index++, record.*member);
            stmt.bind(index, usage_person_key(record));
            stmt.run("cannot copy a check");
        }
    }
    for (const auto& row : rows.intake) {
        db.prepare(
              "INSERT INTO intake (file_name, sha256, check_id, done, recorded_at)"
              " VALUES (?, ?, ?, ?, ?)")
            .bind(1, row.intake.file_name)
            .bind(2, row.intake.sha256)
            .bind(3, row.intake.check_id)
            .bind(4, row.intake.done)
            .bind(5, row.recorded_at)
            .run("cannot copy an intake");
    }
    for (const auto& c : rows.consents) {
        db.prepare(
              "INSERT INTO consents (id, patient_key, category, flag, consented_at, expires_at,"
              " source, recorded_by, check_id, note, recorded_at)"
              " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(1, c.id)
            .bind(2, c.patient_key)
            .bind(3, c.category)
            .bind(4, c.flag)
            .bind(5, c.consented_at)
            .bind(6, c.expires_at)
            .bind(7, c.source)
            .bind(8, c.recorded_by)
            .bind(9, c.check_id)
            .bind(10, c.note)
            .bind(11, c.recorded_at)
            .run("cannot copy a consent");
    }
    for (const auto& job : rows.bulk_jobs) {
        db.prepare(
              "INSERT INTO bulk_jobs (id, input_sha256, confirmation_date, facility,"
              " upload_suffix, upload_identifier, reception_number, download_round,"
              " download_suffix, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(1, job.id)
            .bind(2, job.input_sha256)
            .bind(3, job.confirmation_date)
            .bind(4, job.facility)
            .bind(5, job.upload_suffix)
            .bind(6, job.upload_identifier)
            .bind(7, job.reception_number)
            .bind(8, job.download_round)
            .bind(9, job.download_suffix)
            .bind(10, job.state)
            .bind(11, job.created_at)
            .run("cannot copy a bulk job");
    }
    for (const auto& s : rows.sequences) {
        db.prepare("INSERT INTO sequences (day, value) VALUES (?, ?)")
            .bind(1, s.day)
            .bind(2, s.value)
            .run("cannot copy a sequence");
    }
    for (const auto& f : rows.fallback_cases) {
        db.prepare(fmt::format("INSERT INTO fallback_cases ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                               kFallbackColumns))
            .bind(1, f.id)
            .bind(2, f.case_date)
            .bind(3, f.state)
            .bind(4, f.patient)
            .bind(5, f.created_at)
            .bind(6, f.updated_at)
            .bind(7, f.revision)
            .bind(8, f.document)
            .run("cannot copy a fallback case");
    }
    for (const auto& r : rows.receipts) {
        db.prepare(fmt::format("INSERT INTO report_receipts ({}) VALUES (?, ?, ?, ?, ?, ?)",
                               kReceiptColumns))
            .bind(1, r.site)
            .bind(2, r.month)
            .bind(3, r.receipts)
            .bind(4, r.source)
            .bind(5, r.updated_at)
            .bind(6, r.updated_by)
            .run("cannot copy a receipt count");
    }
    for (const auto& n : rows.notified) {
        db.prepare(fmt::format("INSERT INTO report_notified ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                               kNotifiedColumns))
            .bind(1, n.site)
            .bind(2, n.month)
            .bind(3, n.percent)
            .bind(4, n.users)
            .bind(5, n.receipts)
            .bind(6, n.source)
            .bind(7, n.updated_at)
            .bind(8, n.updated_by)
            .run("cannot copy a notified rate");
    }
    for (const auto& chart : rows.charts) {
        // kana_key is not part of ChartRecord: it is derived again, by the same rule.
        auto stmt = db.prepare(fmt::format(
            "INSERT INTO charts ({}, kana_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            kChartColumns));
        int index = 1;
        for (const std::string* field : chart_fields(chart)) stmt.bind(index++, *field);
        stmt.bind(index, chart_kana_key(chart.name_kana));
        stmt.run("cannot copy a chart");
    }
    for (const auto& m : rows.medical_results) {
        db.prepare(fmt::format("INSERT INTO medical_results ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
                               " ?)",
                               kMedicalResultColumns))
            .bind(1, m.id)
            .bind(2, m.patient_key)
            .bind(3, m.kind)
            .bind(4, m.fetched_at)
            .bind(5, m.from_month)
            .bind(6, m.to_month)
            .bind(7, m.format)
            .bind(8, m.request_id)
            .bind(9, m.document)
            .bind(10, m.fetched_by)
            .run("cannot copy a medical information result");
    }
    for (const auto& r : rows.audit) {
        db.prepare(
              "INSERT INTO audit (seq, at, operator, action, object, detail, prev_hash, hash)"
              " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(1, r.seq)
            .bind(2, r.at)
            .bind(3, r.operator_name)
            .bind(4, r.action)
            .bind(5, r.object)
            .bind(6, r.detail)
            .bind(7, r.prev_hash)
            .bind(8, r.hash)
            .run("cannot copy an audit record");
    }
}

}  // namespace

std::unique_ptr<StoreRowReader> Store::export_rows() const {
    return std::make_unique<SqliteRowReader>(location());
}

void Store::import_rows(StoreRowReader& rows) {
    const Database db(location(), kBusyTimeoutMs);
    WriteTransaction tx(db);
    auto count = db.prepare(
        "SELECT (SELECT count(*) FROM checks) + (SELECT count(*) FROM intake)"
        " + (SELECT count(*) FROM consents) + (SELECT count(*) FROM bulk_jobs)"
        " + (SELECT count(*) FROM sequences) + (SELECT count(*) FROM fallback_cases)"
        " + (SELECT count(*) FROM report_receipts) + (SELECT count(*) FROM report_notified)"
        " + (SELECT count(*) FROM charts) + (SELECT count(*) FROM medical_results)"
        " + (SELECT count(*) FROM audit)");
    count.step("cannot count the records of the target store");
    if (count.int64(0) != 0) {
        throw Error(Errc::Forbidden,
                    fmt::format("the store {} already holds records; a copy goes into an empty "
                                "store only",
                                location().string()),
                    {{"path", location().string()}});
    }
    StoreRows batch;
    while (rows.next(batch)) insert_rows(db, batch);
    const auto head = rows.head();
    db.prepare("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1")
        .bind(1, head.seq)
        .bind(2, head.hash)
        .run("cannot set the audit head");
    tx.commit();
}

}  // namespace mynaq
