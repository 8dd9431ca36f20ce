// The PostgreSQL store: the same behaviour as the SQLite store (sqlite_store.cpp), for a
// store shared by several terminals.
#include "postgres_store.hpp"

#include <array>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "audit_common.hpp"
#include "mynaq/error.hpp"
#include "mynaq/jst.hpp"
#include "postgres_migrations.hpp"

namespace mynaq {

namespace store::detail::pg {

namespace {

const std::string& insert_check_sql() {
    static const std::string sql = [] {
        std::string names;
        std::string params;
        int index = 1;
        for (const auto& [column, member] : kCheckColumns) {
            if (!names.empty()) {
                names += ", ";
                params += ", ";
            }
            names += column;
            params += fmt::format("${}", index++);
        }
        // person_key is derived from the row (usage_person_key), never given by callers.
        return fmt::format("INSERT INTO checks ({}, person_key) VALUES ({}, ${}) RETURNING id",
                           names, params, index);
    }();
    return sql;
}

Params bulk_job_params(const BulkJob& job) {
    Params params;
    params.add(job.input_sha256)
        .add(job.confirmation_date)
        .add(job.facility)
        .add(job.upload_suffix)
        .add(job.upload_identifier)
        .add(job.reception_number)
        .add(job.download_round)
        .add(job.download_suffix)
        .add(job.state)
        .add(job.created_at);
    return params;
}

std::string like_pattern(std::string_view text) {
    std::string out = "%";
    for (char c : text) {
        if (c == '%' || c == '_' || c == '\\') out += '\\';
        out += c;
    }
    out += '%';
    return out;
}

std::string_view trim_spaces(std::string_view text) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    return text;
}

// Builds "$n" placeholders while collecting their values.
class Query {
public:
    explicit Query(std::string sql) : sql_(std::move(sql)) {}
    Query& where(std::string_view condition_with_placeholder, std::string_view value) {
        params_.add(value);
        sql_ += " AND ";
        sql_ += fmt::format(fmt::runtime(condition_with_placeholder), params_.size());
        return *this;
    }
    std::string& sql() { return sql_; }
    Params& params() { return params_; }

private:
    std::string sql_;
    Params params_;
};

}  // namespace

const std::string& select_check_sql() {
    static const std::string sql = [] {
        std::string columns = "id";
        for (const auto& [column, member] : kCheckColumns) {
            columns += ", ";
            columns += column;
        }
        return fmt::format("SELECT {} FROM checks", columns);
    }();
    return sql;
}

CheckRecord read_check(const Result& result, int row) {
    CheckRecord out;
    out.id = result.int64(row, 0);
    int column = 1;
    for (const auto& [name, member] : kCheckColumns) out.*member = result.text(row, column++);
    return out;
}

BulkJob read_bulk_job(const Result& result, int row) {
    BulkJob job;
    job.id = result.int64(row, 0);
    job.input_sha256 = result.text(row, 1);
    job.confirmation_date = result.text(row, 2);
    job.facility = result.text(row, 3);
    job.upload_suffix = result.text(row, 4);
    job.upload_identifier = result.text(row, 5);
    job.reception_number = result.text(row, 6);
    job.download_round = static_cast<int>(result.int64(row, 7));
    job.download_suffix = result.text(row, 8);
    job.state = result.text(row, 9);
    job.created_at = result.text(row, 10);
    return job;
}

ConsentRecord read_consent(const Result& result, int row) {
    ConsentRecord c;
    c.id = result.int64(row, 0);
    c.patient_key = result.text(row, 1);
    c.category = result.text(row, 2);
    c.flag = result.text(row, 3);
    c.consented_at = result.text(row, 4);
    c.expires_at = result.text(row, 5);
    c.source = result.text(row, 6);
    c.recorded_by = result.text(row, 7);
    c.check_id = result.int64(row, 8);
    c.note = result.text(row, 9);
    c.recorded_at = result.text(row, 10);
    return c;
}

AuditRecord read_audit(const Result& result, int row) {
    AuditRecord r;
    r.seq = result.int64(row, 0);
    r.at = result.text(row, 1);
    r.operator_name = result.text(row, 2);
    r.action = result.text(row, 3);
    r.object = result.text(row, 4);
    r.detail = result.text(row, 5);
    r.prev_hash = result.text(row, 6);
    r.hash = result.text(row, 7);
    return r;
}

PostgresStore::PostgresStore(const std::string& url, int busy_timeout_ms)
    : url_(url),
      busy_timeout_ms_(busy_timeout_ms),
      conn_(url, busy_timeout_ms),
      operator_(default_operator_name()) {
    migrate(conn_);
}

PostgresStore::Head PostgresStore::lock_head() {
    // Every write of every terminal queues here until the one before it commits: the next
    // seq and prev_hash are always those of the committed end of the chain.
    const auto result = conn_.query("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
                                    "cannot lock the audit trail (another terminal may hold it)");
    if (result.rows() != 1) conn_.fail("cannot lock the audit trail", "the audit head is missing");
    return {result.int64(0, 0), result.text(0, 1)};
}

void PostgresStore::append_audit(Head& head, std::string_view action, std::string_view object,
                                 std::string_view detail) {
    AuditRecord record;
    record.seq = head.seq + 1;
    record.at = now_jst_iso_ms();
    record.operator_name = operator_;
    record.action = action;
    record.object = object;
    record.detail = detail;
    record.prev_hash = head.seq == 0 ? std::string(kGenesisHash) : head.hash;
    record.hash = audit_hash(record);
    (void)conn_.query(
        "INSERT INTO audit (seq, at, operator, action, object, detail, prev_hash, hash)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        Params{}
            .add(record.seq)
            .add(record.at)
            .add(record.operator_name)
            .add(record.action)
            .add(record.object)
            .add(record.detail)
            .add(record.prev_hash)
            .add(record.hash),
        "cannot append to the audit trail");
    head.seq = record.seq;
    head.hash = record.hash;
    save_head(head);
}

void PostgresStore::save_head(const Head& head) {
    (void)conn_.query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1",
                      Params{}.add(head.seq).add(head.hash), "cannot update the audit head");
}

std::int64_t PostgresStore::insert_check(const CheckRecord& record) {
    Params params;
    for (const auto& [name, member] : kCheckColumns) params.add(record.*member);
    params.add(usage_person_key(record));
    const auto result = conn_.query(insert_check_sql(), params, "cannot record the check");
    return result.int64(0, 0);
}

std::int64_t PostgresStore::insert_consent(Head& head, const ConsentRecord& consent) {
    if (consent.patient_key.empty() || consent.category.empty()) {
        throw Error(Errc::InvalidArgument, "a consent needs a patient key and a category");
    }
    const auto result = conn_.query(
        "INSERT INTO consents (patient_key, category, flag, consented_at, expires_at, source,"
        " recorded_by, check_id, note, recorded_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        Params{}
            .add(consent.patient_key)
            .add(consent.category)
            .add(consent.flag)
            .add(consent.consented_at)
            .add(consent.expires_at)
            .add(consent.source)
            .add(consent.recorded_by.empty() ? operator_ : consent.recorded_by)
            .add(consent.check_id)
            .add(consent.note)
            .add(now_jst_iso_ms()),
        "cannot record the consent");
    const auto id = result.int64(0, 0);
    append_audit(head, "consent.add", fmt::format("consent:{}", id), consent_detail(consent));
    return id;
}

void PostgresStore::insert_consents(Head& head, const CheckRecord& record, std::int64_t check_id) {
    for (ConsentRecord consent : record.consents) {
        consent.check_id = check_id;
        (void)insert_consent(head, consent);
    }
}

std::int64_t PostgresStore::add_check(const CheckRecord& record) {
    Transaction tx(conn_);
    auto head = lock_head();
    const auto id = insert_check(record);
    insert_consents(head, record, id);
    // Audited after its consents so that the check's record closes the group.
    append_audit(head, "check.add", fmt::format("check:{}", id), check_detail(record));
    tx.commit();
    return id;
}

std::optional<CheckRecord> PostgresStore::check(std::int64_t id) const {
    const auto result =
        conn_.query(select_check_sql() + " WHERE id = $1", Params{}.add(id), "cannot read a check");
    if (result.rows() == 0) return std::nullopt;
    return read_check(result, 0);
}

std::vector<CheckRecord> PostgresStore::list_checks(const CheckFilter& filter) const {
    Query q(select_check_sql() + " WHERE true");
    if (filter.date) q.where("substr(checked_at, 1, 10) = ${}", *filter.date);
    if (filter.patient) {
        // SQLite's LIKE ignores ASCII case; ILIKE does the same for the names kept here.
        q.params().add(*filter.patient);
        const int exact = q.params().size();
        q.params().add(like_pattern(*filter.patient));
        const int like = q.params().size();
        q.params().add(trim_spaces(*filter.patient));
        const int number = q.params().size();
        q.sql() += fmt::format(
            " AND (reference_number = ${0} OR name ILIKE ${1} ESCAPE '\\'"
            " OR name_kana ILIKE ${1} ESCAPE '\\' OR trim(identification_number) = ${2})",
            exact, like, number);
    }
    if (filter.eligibility) q.where("eligibility = ${}", *filter.eligibility);
    if (filter.source) q.where("source = ${}", *filter.source);
    if (!filter.match_states.empty()) {
        q.sql() += " AND match_state IN (";
        for (std::size_t i = 0; i < filter.match_states.size(); ++i) {
            q.params().add(filter.match_states[i]);
            q.sql() += fmt::format("{}${}", i == 0 ? "" : ", ", q.params().size());
        }
        q.sql() += ")";
    }
    q.sql() += " ORDER BY checked_at DESC, id DESC";
    // A limit of 0 or less means no limit.
    if (filter.limit > 0) {
        q.params().add(filter.limit);
        q.sql() += fmt::format(" LIMIT ${}", q.params().size());
    }
    const auto result = conn_.query(q.sql(), q.params(), "cannot list checks");
    std::vector<CheckRecord> out;
    out.reserve(static_cast<std::size_t>(result.rows()));
    for (int row = 0; row < result.rows(); ++row) out.push_back(read_check(result, row));
    return out;
}

std::optional<IntakeRecord> PostgresStore::add_intake(const IntakeRecord& intake,
                                                      const CheckRecord& record) {
    Transaction tx(conn_);
    auto head = lock_head();
    IntakeRecord out = intake;
    out.check_id = insert_check(record);
    const auto inserted = conn_.query(
        "INSERT INTO intake (file_name, sha256, check_id, done, recorded_at)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (file_name, sha256) DO NOTHING"
        " RETURNING check_id",
        Params{}
            .add(out.file_name)
            .add(out.sha256)
            .add(out.check_id)
            .add(out.done)
            .add(format_jst_iso(now_seconds())),
        "cannot record the intake");
    // Already recorded, by this or another terminal: the rollback drops the check too.
    if (inserted.rows() == 0) return std::nullopt;
    insert_consents(head, record, out.check_id);
    // One record for the intake and its check, as in the SQLite store.
    append_audit(head, "intake.add", "intake:" + out.file_name, intake_detail(out, record));
    tx.commit();
    return out;
}

std::optional<IntakeRecord> PostgresStore::intake(const std::string& file_name,
                                                  const std::string& sha256) const {
    const auto result = conn_.query(
        "SELECT file_name, sha256, check_id, done FROM intake"
        " WHERE file_name = $1 AND sha256 = $2",
        Params{}.add(file_name).add(sha256), "cannot read an intake");
    if (result.rows() == 0) return std::nullopt;
    return IntakeRecord{result.text(0, 0), result.text(0, 1), result.int64(0, 2),
                        result.boolean(0, 3)};
}

void PostgresStore::mark_intake_done(const std::string& file_name, const std::string& sha256) {
    Transaction tx(conn_);
    auto head = lock_head();
    const auto result =
        conn_.query("UPDATE intake SET done = true WHERE file_name = $1 AND sha256 = $2",
                    Params{}.add(file_name).add(sha256), "cannot mark the intake done");
    if (result.affected() == 0) {
        throw Error(Errc::NotFound,
                    fmt::format("no intake of {} (sha256 {}) in the store {}", file_name, sha256,
                                conn_.display_url()),
                    {{"path", conn_.display_url()}, {"file", file_name}});
    }
    append_audit(head, "intake.done", "intake:" + file_name,
                 nlohmann::json{{"sha256", sha256}}.dump());
    tx.commit();
}

std::optional<BulkJob> PostgresStore::find_bulk_job(const std::string& input_sha256) const {
    const auto result =
        conn_.query(fmt::format("SELECT {} FROM bulk_jobs WHERE input_sha256 = $1", kBulkColumns),
                    Params{}.add(input_sha256), "cannot read a bulk job");
    if (result.rows() == 0) return std::nullopt;
    return read_bulk_job(result, 0);
}

std::int64_t PostgresStore::save_bulk_job(const BulkJob& job) {
    Transaction tx(conn_);
    auto head = lock_head();
    std::int64_t id = job.id;
    if (id == 0) {
        const auto result = conn_.query(
            "INSERT INTO bulk_jobs (input_sha256, confirmation_date, facility, upload_suffix,"
            " upload_identifier, reception_number, download_round, download_suffix, state,"
            " created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            bulk_job_params(job), "cannot record the bulk job");
        id = result.int64(0, 0);
    } else {
        auto params = bulk_job_params(job);
        params.add(id);
        const auto result = conn_.query(
            "UPDATE bulk_jobs SET input_sha256 = $1, confirmation_date = $2, facility = $3,"
            " upload_suffix = $4, upload_identifier = $5, reception_number = $6,"
            " download_round = $7, download_suffix = $8, state = $9, created_at = $10"
            " WHERE id = $11",
            params, "cannot update the bulk job");
        if (result.affected() == 0) {
            throw Error(Errc::NotFound,
                        fmt::format("no bulk job {} in the store {}", id, conn_.display_url()),
                        {{"path", conn_.display_url()}});
        }
    }
    append_audit(head, "bulk.save", bulk_object(job, id), bulk_detail(job, id));
    tx.commit();
    return id;
}

int PostgresStore::next_sequence(const std::string& yyyymmdd) {
    // One statement is atomic on its own; concurrent callers queue on the row.
    const auto result = conn_.query(
        "INSERT INTO sequences (day, value) VALUES ($1, 1)"
        " ON CONFLICT (day) DO UPDATE SET value = sequences.value + 1 RETURNING value",
        Params{}.add(yyyymmdd), "cannot advance the sequence");
    if (result.rows() != 1) conn_.fail("cannot advance the sequence", "no value returned");
    return static_cast<int>(result.int64(0, 0));
}

std::filesystem::path PostgresStore::location() const {
    return conn_.display_url();
}

int PostgresStore::schema_version() const {
    const auto result = conn_.query("SELECT coalesce(max(version), 0) FROM schema_migrations",
                                    "cannot read the schema version");
    return static_cast<int>(result.int64(0, 0));
}

void PostgresStore::set_operator(std::string operator_name) {
    if (operator_name.empty()) throw Error(Errc::InvalidArgument, "the operator is empty");
    operator_ = std::move(operator_name);
}

std::int64_t PostgresStore::add_consent(const ConsentRecord& consent) {
    Transaction tx(conn_);
    auto head = lock_head();
    const auto id = insert_consent(head, consent);
    tx.commit();
    return id;
}

std::vector<ConsentRecord> PostgresStore::list_consents(const ConsentFilter& filter) const {
    Query q(fmt::format("SELECT {} FROM consents WHERE true", kConsentColumns));
    if (filter.patient_key) q.where("patient_key = ${}", *filter.patient_key);
    if (filter.category) q.where("category = ${}", *filter.category);
    // Ids grow with time (writers queue on the audit head), so they order by recording.
    q.sql() += " ORDER BY id DESC";
    if (filter.limit > 0) {
        q.params().add(filter.limit);
        q.sql() += fmt::format(" LIMIT ${}", q.params().size());
    }
    const auto result = conn_.query(q.sql(), q.params(), "cannot list consents");
    std::vector<ConsentRecord> out;
    out.reserve(static_cast<std::size_t>(result.rows()));
    for (int row = 0; row < result.rows(); ++row) out.push_back(read_consent(result, row));
    return out;
}

void PostgresStore::audit(const std::string& action, const std::string& object,
                          const std::string& detail) {
    if (action.empty()) throw Error(Errc::InvalidArgument, "an audit record needs an action");
    Transaction tx(conn_);
    auto head = lock_head();
    append_audit(head, action, object, detail);
    tx.commit();
}

std::vector<AuditRecord> PostgresStore::list_audit(const AuditFilter& filter) const {
    Query q(fmt::format("SELECT {} FROM audit WHERE true", kAuditColumns));
    if (filter.from) q.where("substr(at, 1, 10) >= ${}", *filter.from);
    if (filter.to) q.where("substr(at, 1, 10) <= ${}", *filter.to);
    if (filter.operator_name) q.where("operator = ${}", *filter.operator_name);
    if (filter.action) {
        if (filter.action->ends_with('.')) {
            q.where("starts_with(action, ${})", *filter.action);
        } else {
            q.where("action = ${}", *filter.action);
        }
    }
    q.sql() += " ORDER BY seq";
    if (filter.limit > 0) {
        q.params().add(filter.limit);
        q.sql() += fmt::format(" LIMIT ${}", q.params().size());
    }
    const auto result = conn_.query(q.sql(), q.params(), "cannot list the audit trail");
    std::vector<AuditRecord> out;
    out.reserve(static_cast<std::size_t>(result.rows()));
    for (int row = 0; row < result.rows(); ++row) out.push_back(read_audit(result, row));
    return out;
}

void PostgresStore::for_each_audit(const std::function<bool(const AuditRecord&)>& visit) const {
    // Pages by seq, so that a million records never sit in memory at once.
    constexpr int kPage = 10'000;
    const auto sql = fmt::format("SELECT {} FROM audit WHERE seq > $1 ORDER BY seq LIMIT {}",
                                 kAuditColumns, kPage);
    std::int64_t after = std::numeric_limits<std::int64_t>::min();
    for (;;) {
        const auto result = conn_.query(sql, Params{}.add(after), "cannot read the audit trail");
        for (int row = 0; row < result.rows(); ++row) {
            const auto record = read_audit(result, row);
            if (!visit(record)) return;
            after = record.seq;
        }
        if (result.rows() < kPage) return;
    }
}

AuditRecord PostgresStore::audit_head() const {
    const auto result =
        conn_.query("SELECT seq, hash FROM audit_head WHERE id = 1", "cannot read the audit head");
    if (result.rows() != 1) {
        // Only a hand-edited database lacks it (the migration creates it).
        conn_.fail("cannot read the audit head",
                   "it is missing; the database was changed outside mynaq (run `mynaq audit "
                   "verify`)");
    }
    AuditRecord head;
    head.seq = result.int64(0, 0);
    head.hash = result.text(0, 1);
    return head;
}

PurgeReport PostgresStore::purge(const std::string& before, const RetentionRules& rules) {
    require_iso_date(before, "--before");
    const auto cutoffs = purge_cutoffs(rules);
    // The same rules as the SQLite store (sqlite_purge.cpp): a row whose date is unknown ('')
    // is never old enough; intake rows go with their checks; audit records are never purged.
    constexpr std::string_view old_check = "checked_at <> '' AND substr(checked_at, 1, 10) < $1";
    const auto old_intake = fmt::format("check_id IN (SELECT id FROM checks WHERE {})", old_check);
    constexpr std::string_view old_consent =
        "recorded_at <> '' AND substr(recorded_at, 1, 10) < $1";
    constexpr std::string_view old_bulk = "created_at <> '' AND substr(created_at, 1, 10) < $1";
    constexpr std::string_view old_fallback = "case_date <> '' AND case_date < $1";
    constexpr std::string_view old_medical_result =
        "fetched_at <> '' AND substr(fetched_at, 1, 10) < $1";

    Transaction tx(conn_);
    // Checked under the head lock: nothing can be added between the check and the delete.
    auto head = lock_head();
    const auto kept = [&](const std::string& sql, const std::string& cutoff) {
        return conn_.query(sql, Params{}.add(before).add(cutoff), "cannot count records to purge")
            .int64(0, 0);
    };
    if (const auto n = kept(fmt::format("SELECT count(*) FROM checks WHERE {} AND "
                                        "substr(checked_at, 1, 10) >= $2",
                                        old_check),
                            cutoffs.claims);
        n > 0) {
        refuse_purge("checks", rules.claims_years, "claims-related records", n, cutoffs.claims,
                     before);
    }
    if (const auto n = kept(fmt::format("SELECT count(*) FROM fallback_cases WHERE {} AND "
                                        "case_date >= $2",
                                        old_fallback),
                            cutoffs.claims);
        n > 0) {
        refuse_purge("fallback cases", rules.claims_years, "claims-related records", n,
                     cutoffs.claims, before);
    }
    if (const auto n = kept(fmt::format("SELECT count(*) FROM intake WHERE {} AND "
                                        "substr(recorded_at, 1, 10) >= $2",
                                        old_intake),
                            cutoffs.other);
        n > 0) {
        refuse_purge("face-file intake records", rules.other_years, "other records", n,
                     cutoffs.other, before);
    }
    if (const auto n = kept(fmt::format("SELECT count(*) FROM consents WHERE {} AND "
                                        "substr(recorded_at, 1, 10) >= $2",
                                        old_consent),
                            cutoffs.other);
        n > 0) {
        refuse_purge("consents", rules.other_years, "other records", n, cutoffs.other, before);
    }
    if (const auto n = kept(fmt::format("SELECT count(*) FROM bulk_jobs WHERE {} AND "
                                        "substr(created_at, 1, 10) >= $2",
                                        old_bulk),
                            cutoffs.other);
        n > 0) {
        refuse_purge("bulk jobs", rules.other_years, "other records", n, cutoffs.other, before);
    }
    if (const auto n = kept(fmt::format("SELECT count(*) FROM medical_results WHERE {} AND "
                                        "substr(fetched_at, 1, 10) >= $2",
                                        old_medical_result),
                            cutoffs.other);
        n > 0) {
        refuse_purge("medical information results", rules.other_years, "other records", n,
                     cutoffs.other, before);
    }

    PurgeReport report;
    const auto remove = [&](const std::string& sql) {
        return conn_.query(sql, Params{}.add(before), "cannot purge records").affected();
    };
    // Intake rows refer to their checks, so they go first.
    report.intake = remove(fmt::format("DELETE FROM intake WHERE {}", old_intake));
    report.checks = remove(fmt::format("DELETE FROM checks WHERE {}", old_check));
    report.consents = remove(fmt::format("DELETE FROM consents WHERE {}", old_consent));
    report.bulk_jobs = remove(fmt::format("DELETE FROM bulk_jobs WHERE {}", old_bulk));
    report.fallback_cases =
        remove(fmt::format("DELETE FROM fallback_cases WHERE {}", old_fallback));
    report.medical_results =
        remove(fmt::format("DELETE FROM medical_results WHERE {}", old_medical_result));
    // Charts are master data, not records of an event: never purged.
    append_audit(head, "store.purge", "store", purge_detail(before, cutoffs, report));
    tx.commit();
    return report;
}

}  // namespace store::detail::pg

std::unique_ptr<Store> open_postgres_store(const std::string& url, int busy_timeout_ms) {
    return std::make_unique<store::detail::pg::PostgresStore>(url, busy_timeout_ms);
}

}  // namespace mynaq
