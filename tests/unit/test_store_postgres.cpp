// The store suite against a real PostgreSQL server (pg_server.hpp), and copy_store() between
// SQLite and PostgreSQL.
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "../../lib/store/migrations.hpp"
#include "error_code_of.hpp"
#include "mynaq/error.hpp"
#include "mynaq/jst.hpp"
#include "mynaq/store.hpp"
#include "pg_server.hpp"

using namespace mynaq;
namespace fs = std::filesystem;
using test::PgDatabase;

namespace {

class TempDir {
public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "mynaq-pgstore-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    [[nodiscard]] const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

// Every string field of CheckRecord, listed here independently of the stores' own lists.
const std::array<std::string CheckRecord::*, 33> kFields = {
    &CheckRecord::checked_at,
    &CheckRecord::facility,
    &CheckRecord::method,
    &CheckRecord::identity_method,
    &CheckRecord::source,
    &CheckRecord::source_file,
    &CheckRecord::request_id,
    &CheckRecord::confirmation_date,
    &CheckRecord::file_state,
    &CheckRecord::person_state,
    &CheckRecord::eligibility,
    &CheckRecord::processing_code,
    &CheckRecord::processing_message,
    &CheckRecord::insurer_number,
    &CheckRecord::card_symbol,
    &CheckRecord::identification_number,
    &CheckRecord::branch_number,
    &CheckRecord::birthdate,
    &CheckRecord::name,
    &CheckRecord::name_kana,
    &CheckRecord::ratio,
    &CheckRecord::valid_from,
    &CheckRecord::valid_to,
    &CheckRecord::limit_summary,
    &CheckRecord::specific_disease_summary,
    &CheckRecord::reference_number,
    &CheckRecord::consents_json,
    &CheckRecord::coverage_json,
    &CheckRecord::raw_xml,
    &CheckRecord::chart_id,
    &CheckRecord::match_state,
    &CheckRecord::match_rule,
    &CheckRecord::match_candidates,
};

ConsentRecord consent_of(std::string key, std::string category, std::string flag) {
    ConsentRecord c;
    c.patient_key = std::move(key);
    c.category = std::move(category);
    c.flag = std::move(flag);
    c.consented_at = "2026-11-30T09:15:00+09:00";
    c.expires_at = "2026-12-01T09:15:00+09:00";
    c.source = "reader";
    c.note = "顔認証付きカードリーダー";
    return c;
}

CheckRecord full_record() {
    CheckRecord r;
    std::size_t i = 0;
    // Distinct per field, with leading and trailing spaces and Japanese text, so that a
    // swapped, trimmed or re-encoded column shows.
    for (auto field : kFields) r.*field = fmt::format("  値{} テスト ", i++);
    r.checked_at = "2026-11-30T09:15:00+09:00";
    r.insurer_number = "  123456";
    r.name = "山田　太郎";
    r.name_kana = "ヤマダ　タロウ";
    r.consents_json = R"([{"element":"1","flag":"1","cons_time":"20261130091500"}])";
    std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XmlMsg>";
    while (xml.size() < 50 * 1024) xml += "<Name>保険者　名称</Name>\n";
    r.raw_xml = xml + "</XmlMsg>";
    r.consents = {consent_of("ref:R-1", "PharmacistsInfo", "1"),
                  consent_of("ref:R-1", "SpecificHealthCheckupsInfo", "0")};
    return r;
}

CheckRecord simple_record(std::string checked_at, std::string name, std::string kana,
                          std::string number, std::string reference, std::string eligibility,
                          std::string source) {
    CheckRecord r;
    r.checked_at = std::move(checked_at);
    r.name = std::move(name);
    r.name_kana = std::move(kana);
    r.identification_number = std::move(number);
    r.reference_number = std::move(reference);
    r.eligibility = std::move(eligibility);
    r.source = std::move(source);
    return r;
}

std::vector<std::string> names_of(const std::vector<CheckRecord>& records) {
    std::vector<std::string> out;
    for (const auto& r : records) out.push_back(r.name);
    return out;
}

void check_same(const CheckRecord& a, const CheckRecord& b) {
    CHECK(a.id == b.id);
    for (auto field : kFields) CHECK(a.*field == b.*field);
}

void check_same(const ConsentRecord& a, const ConsentRecord& b) {
    CHECK(a.id == b.id);
    CHECK(a.patient_key == b.patient_key);
    CHECK(a.category == b.category);
    CHECK(a.flag == b.flag);
    CHECK(a.consented_at == b.consented_at);
    CHECK(a.expires_at == b.expires_at);
    CHECK(a.source == b.source);
    CHECK(a.recorded_by == b.recorded_by);
    CHECK(a.check_id == b.check_id);
    CHECK(a.note == b.note);
    CHECK(a.recorded_at == b.recorded_at);
}

void check_same(const AuditRecord& a, const AuditRecord& b) {
    CHECK(a.seq == b.seq);
    CHECK(a.at == b.at);
    CHECK(a.operator_name == b.operator_name);
    CHECK(a.action == b.action);
    CHECK(a.object == b.object);
    CHECK(a.detail == b.detail);
    CHECK(a.prev_hash == b.prev_hash);
    CHECK(a.hash == b.hash);
}

void check_same(const BulkJob& a, const BulkJob& b) {
    CHECK(a.id == b.id);
    CHECK(a.input_sha256 == b.input_sha256);
    CHECK(a.confirmation_date == b.confirmation_date);
    CHECK(a.facility == b.facility);
    CHECK(a.upload_suffix == b.upload_suffix);
    CHECK(a.upload_identifier == b.upload_identifier);
    CHECK(a.reception_number == b.reception_number);
    CHECK(a.download_round == b.download_round);
    CHECK(a.download_suffix == b.download_suffix);
    CHECK(a.state == b.state);
    CHECK(a.created_at == b.created_at);
}

bool write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

struct ChildResult {
    int status = -1;
    std::string output;
};

// Runs `body` in `count` forked children that start together; each child's exit status is 0
// on success. Returns what each child wrote to its pipe. No doctest macros run in a child, and
// each child opens its own connection.
std::vector<ChildResult> run_children(int count, const std::function<int(int, int)>& body) {
    int gate[2];
    REQUIRE(::pipe(gate) == 0);
    std::vector<std::pair<pid_t, int>> children;
    for (int i = 0; i < count; ++i) {
        int out[2];
        REQUIRE(::pipe(out) == 0);
        const pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            ::close(gate[1]);
            ::close(out[0]);
            char c = 0;
            while (::read(gate[0], &c, 1) > 0) {
            }
            int status = 3;
            try {
                status = body(i, out[1]);
            } catch (const std::exception& e) {
                (void)write_all(out[1], std::string("exception: ") + e.what() + "\n");
                status = 2;
            } catch (...) {
                status = 2;
            }
            ::_exit(status);
        }
        ::close(out[1]);
        children.emplace_back(pid, out[0]);
    }
    ::close(gate[0]);
    ::close(gate[1]);
    std::vector<ChildResult> results;
    for (const auto& [pid, fd] : children) {
        ChildResult result;
        char buffer[4096];
        for (;;) {
            const ssize_t n = ::read(fd, buffer, sizeof buffer);
            if (n > 0) {
                result.output.append(buffer, static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                break;
            }
        }
        ::close(fd);
        int wstatus = 0;
        REQUIRE(::waitpid(pid, &wstatus, 0) == pid);
        result.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
        results.push_back(std::move(result));
    }
    return results;
}

std::vector<int> parse_numbers(const std::string& text) {
    std::vector<int> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto end = text.find('\n', pos);
        out.push_back(std::stoi(text.substr(pos, end - pos)));
        pos = end == std::string::npos ? text.size() : end + 1;
    }
    return out;
}

std::unique_ptr<Store> open_pg(const PgDatabase& db, int busy_timeout_ms = 10'000) {
    return open_postgres_store(db.url(), busy_timeout_ms);
}

std::vector<AuditRecord> all_audit(const Store& store) {
    AuditFilter filter;
    filter.limit = 0;
    return store.list_audit(filter);
}

// One of every kind of write.
void mixed_writes(Store& store) {
    store.add_check(full_record());
    auto record = simple_record("2026-11-30T09:00:00+09:00", "佐藤　花子", "サトウ　ハナコ", "5678",
                                "R-2", "eligible", "face");
    record.consents = {consent_of("ref:R-2", "DiagnosisInfo", "1")};
    REQUIRE(store.add_intake({"face-1.xml", "sha-1", 0, false}, record).has_value());
    store.mark_intake_done("face-1.xml", "sha-1");
    BulkJob job;
    job.input_sha256 = "sha-of-input";
    job.confirmation_date = "20261130";
    job.upload_suffix = "20261130000001";
    job.state = "uploading";
    job.created_at = "2026-11-30T08:00:00+09:00";
    job.id = store.save_bulk_job(job);
    job.state = "waiting";
    job.download_round = 2;
    store.save_bulk_job(job);
    auto oral = consent_of("ref:R-3", "OperationInfo", "1");
    oral.source = "oral";
    oral.recorded_by = "受付 鈴木";
    store.add_consent(oral);
    store.audit("info.view", "check:1", R"({"screen":"elig show"})");
    store.next_sequence("20261130");
    store.next_sequence("20261130");
}

}  // namespace

TEST_CASE("store postgres round trip keeps every CheckRecord field and its consents") {
    const PgDatabase db;
    auto store = open_pg(db);
    const CheckRecord original = full_record();
    const auto id = store->add_check(original);
    CHECK(id > 0);
    const auto back = store->check(id);
    REQUIRE(back.has_value());
    CHECK(back->id == id);
    for (auto field : kFields) CHECK((*back).*field == original.*field);
    CHECK_FALSE(store->check(id + 1).has_value());

    // The consents of the result, in the same transaction, pointing at the check.
    const auto consents = store->list_consents({});
    REQUIRE(consents.size() == 2);
    CHECK(consents[0].category == "SpecificHealthCheckupsInfo");  // newest first
    CHECK(consents[1].category == "PharmacistsInfo");
    for (const auto& c : consents) {
        CHECK(c.check_id == id);
        CHECK(c.patient_key == "ref:R-1");
        CHECK(c.note == "顔認証付きカードリーダー");
        CHECK(c.expires_at == "2026-12-01T09:15:00+09:00");
        CHECK_FALSE(c.recorded_by.empty());  // the operator
        CHECK(c.recorded_at.size() == std::string("2026-11-30T09:15:00.000+09:00").size());
    }
    ConsentFilter filter;
    filter.category = "PharmacistsInfo";
    CHECK(store->list_consents(filter).size() == 1);
    filter.patient_key = "ref:R-9";
    CHECK(store->list_consents(filter).empty());

    // Two consent records, then the check's.
    const auto audit = all_audit(*store);
    REQUIRE(audit.size() == 3);
    CHECK(audit[0].action == "consent.add");
    CHECK(audit[1].action == "consent.add");
    CHECK(audit[2].action == "check.add");
    CHECK(audit[2].object == fmt::format("check:{}", id));
    CHECK(verify_audit_chain(*store).ok);
    CHECK(db.number("SELECT count(*) FROM audit") == 3);
}

TEST_CASE("store postgres add_intake records a file once") {
    const PgDatabase db;
    auto store = open_pg(db);
    auto record = simple_record("2026-11-30T09:00:00+09:00", "山田", "", "", "", "", "face");
    const auto first = store->add_intake({"face.xml", "sha-1", 0, false}, record);
    REQUIRE(first.has_value());
    CHECK(first->check_id > 0);
    CHECK(first->file_name == "face.xml");
    CHECK_FALSE(first->done);
    REQUIRE(store->check(first->check_id).has_value());
    CHECK(store->check(first->check_id)->name == "山田");

    // The same file again: nothing recorded, not even the check or an audit record.
    const auto seq = store->audit_head().seq;
    CHECK_FALSE(store->add_intake({"face.xml", "sha-1", 0, false}, record).has_value());
    CHECK(store->list_checks({}).size() == 1);
    CHECK(store->audit_head().seq == seq);

    const auto other = store->add_intake({"face.xml", "sha-2", 0, true}, record);
    REQUIRE(other.has_value());
    CHECK(other->check_id != first->check_id);
    CHECK(store->intake("face.xml", "sha-2")->done);

    auto found = store->intake("face.xml", "sha-1");
    REQUIRE(found.has_value());
    CHECK(found->check_id == first->check_id);
    CHECK_FALSE(found->done);
    store->mark_intake_done("face.xml", "sha-1");
    CHECK(store->intake("face.xml", "sha-1")->done);
    CHECK_FALSE(store->intake("face.xml", "sha-3").has_value());
    CHECK(test::error_code_of([&] { store->mark_intake_done("none.xml", "x"); }) == Errc::NotFound);

    const auto audit = all_audit(*store);
    REQUIRE(audit.size() == 3);
    CHECK(audit[0].action == "intake.add");
    CHECK(audit[0].object == "intake:face.xml");
    CHECK(audit[2].action == "intake.done");
    CHECK(verify_audit_chain(*store).ok);
}

TEST_CASE("store postgres list_checks filters by date, patient, eligibility and source") {
    const PgDatabase db;
    auto store = open_pg(db);
    store->add_check(simple_record("2026-11-29T23:59:59+09:00", "山田　太郎", "ヤマダ　タロウ",
                                   "  1234", "R-1", "eligible", "query"));
    store->add_check(simple_record("2026-11-30T00:00:00+09:00", "佐藤　花子", "サトウ　ハナコ",
                                   "5678", "R-2", "ineligible", "bulk"));
    store->add_check(simple_record("2026-11-30T09:15:00+09:00", "山田　次郎", "ヤマダ　ジロウ",
                                   "9999", "R-3", "eligible", "face"));
    store->add_check(simple_record("2026-11-30T10:00:00+09:00", "100%_name", "", "", "R-4",
                                   "unknown", "fallback"));

    CHECK(names_of(store->list_checks({})) ==
          std::vector<std::string>{"100%_name", "山田　次郎", "佐藤　花子", "山田　太郎"});

    CheckFilter f;
    f.date = "2026-11-30";
    CHECK(names_of(store->list_checks(f)) ==
          std::vector<std::string>{"100%_name", "山田　次郎", "佐藤　花子"});
    f.date = "2026-11-29";
    CHECK(names_of(store->list_checks(f)) == std::vector<std::string>{"山田　太郎"});
    f.date = "2026-12-01";
    CHECK(store->list_checks(f).empty());

    const auto by_patient = [&](const std::string& patient) {
        CheckFilter pf;
        pf.patient = patient;
        return names_of(store->list_checks(pf));
    };
    CHECK(by_patient("R-2") == std::vector<std::string>{"佐藤　花子"});
    CHECK(by_patient("山田") == std::vector<std::string>{"山田　次郎", "山田　太郎"});
    CHECK(by_patient("ハナコ") == std::vector<std::string>{"佐藤　花子"});
    CHECK(by_patient("1234") == std::vector<std::string>{"山田　太郎"});  // padding ignored
    CHECK(by_patient("123").empty());
    CHECK(by_patient("R-").empty());
    CHECK(by_patient("%").size() == 1);  // LIKE wildcards are taken literally
    CHECK(by_patient("_").size() == 1);
    CHECK(by_patient("100%_NAME").size() == 1);  // ASCII case ignored, as in SQLite

    CheckFilter ef;
    ef.eligibility = "eligible";
    CHECK(names_of(store->list_checks(ef)) == std::vector<std::string>{"山田　次郎", "山田　太郎"});
    ef.source = "face";
    CHECK(names_of(store->list_checks(ef)) == std::vector<std::string>{"山田　次郎"});
    ef.date = "2026-11-29";
    CHECK(store->list_checks(ef).empty());

    CheckFilter lf;
    lf.limit = 2;
    CHECK(names_of(store->list_checks(lf)) == std::vector<std::string>{"100%_name", "山田　次郎"});
    lf.limit = 0;
    CHECK(store->list_checks(lf).size() == 4);
}

TEST_CASE("store postgres bulk jobs are inserted then updated by id") {
    const PgDatabase db;
    auto store = open_pg(db);
    BulkJob job;
    job.input_sha256 = "sha-of-input";
    job.confirmation_date = "20261130";
    job.facility = "1312345678";
    job.upload_suffix = "20261130000001";
    job.state = "uploading";
    job.created_at = "2026-11-30T08:00:00+09:00";
    const auto id = store->save_bulk_job(job);
    CHECK(id > 0);
    CHECK_FALSE(store->find_bulk_job("other").has_value());
    auto found = store->find_bulk_job("sha-of-input");
    REQUIRE(found.has_value());
    CHECK(found->id == id);
    CHECK(found->state == "uploading");

    found->upload_identifier = "ID-1";
    found->reception_number = "R123";
    found->download_round = 3;
    found->download_suffix = "20261130000004";
    found->state = "waiting";
    CHECK(store->save_bulk_job(*found) == id);
    const auto updated = store->find_bulk_job("sha-of-input");
    REQUIRE(updated.has_value());
    check_same(*updated, *found);

    job.id = 0;
    CHECK(test::error_code_of([&] { store->save_bulk_job(job); }) == Errc::StoreError);
    job.id = id + 100;
    CHECK(test::error_code_of([&] { store->save_bulk_job(job); }) == Errc::NotFound);
    // Two saves audited; the refused ones left nothing.
    const auto audit = all_audit(*store);
    REQUIRE(audit.size() == 2);
    CHECK(audit[0].action == "bulk.save");
    CHECK(audit[0].object == "bulk:20261130000001");
}

TEST_CASE("store postgres next_sequence is unique across four processes") {
    const PgDatabase db;
    {
        auto store = open_pg(db);  // migrated before the children start
        CHECK(store->next_sequence("20261201") == 1);
    }
    constexpr int kChildren = 4;
    constexpr int kSequences = 50;
    const auto url = db.url();
    const auto results = run_children(kChildren, [&](int, int out) {
        auto store = open_postgres_store(url);
        std::string report;
        for (int i = 0; i < kSequences; ++i) {
            report += fmt::format("{}\n", store->next_sequence("20261130"));
        }
        return write_all(out, report) ? 0 : 4;
    });
    std::vector<int> sequences;
    for (const auto& result : results) {
        INFO(result.output);
        REQUIRE(result.status == 0);
        const auto numbers = parse_numbers(result.output);
        REQUIRE(numbers.size() == kSequences);
        CHECK(std::is_sorted(numbers.begin(), numbers.end()));
        sequences.insert(sequences.end(), numbers.begin(), numbers.end());
    }
    std::sort(sequences.begin(), sequences.end());
    std::vector<int> expected(kChildren * kSequences);
    for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<int>(i) + 1;
    CHECK(sequences == expected);
    auto store = open_pg(db);
    CHECK(store->next_sequence("20261201") == 2);
    CHECK(store->audit_head().seq == 0);  // sequences are not audited
}

TEST_CASE("store postgres audit chain verifies after mixed writes") {
    const PgDatabase db;
    auto store = open_pg(db);
    store->set_operator("dr-tanaka");
    mixed_writes(*store);

    const auto audit = all_audit(*store);
    std::vector<std::string> actions;
    for (const auto& r : audit) actions.push_back(r.action);
    CHECK(actions == std::vector<std::string>{
                         "consent.add", "consent.add", "check.add", "consent.add", "intake.add",
                         "intake.done", "bulk.save", "bulk.save", "consent.add", "info.view"});
    REQUIRE(audit.size() == 10);
    CHECK(audit[0].prev_hash == std::string(64, '0'));
    for (std::size_t i = 0; i < audit.size(); ++i) {
        CHECK(audit[i].seq == static_cast<std::int64_t>(i) + 1);
        CHECK(audit[i].operator_name == "dr-tanaka");
        CHECK(audit[i].hash == audit_hash(audit[i]));
        if (i > 0) CHECK(audit[i].prev_hash == audit[i - 1].hash);
        // JST with milliseconds.
        CHECK(audit[i].at.size() == std::string("2026-11-30T09:15:00.000+09:00").size());
        CHECK(audit[i].at.ends_with("+09:00"));
    }
    const auto head = store->audit_head();
    CHECK(head.seq == 10);
    CHECK(head.hash == audit.back().hash);
    const auto verification = verify_audit_chain(*store);
    CHECK(verification.ok);
    CHECK(verification.records == 10);

    AuditFilter filter;
    filter.action = "consent.";
    CHECK(store->list_audit(filter).size() == 4);
    filter.action = "bulk.save";
    CHECK(store->list_audit(filter).size() == 2);
    filter.action = "consent";  // neither exact nor a prefix ending in '.'
    CHECK(store->list_audit(filter).empty());
    AuditFilter by_operator;
    by_operator.operator_name = "someone-else";
    CHECK(store->list_audit(by_operator).empty());
    AuditFilter by_date;
    by_date.from = audit.front().at.substr(0, 10);
    by_date.to = audit.front().at.substr(0, 10);
    CHECK(store->list_audit(by_date).size() == 10);
    by_date.from = "2000-01-01";
    by_date.to = "2000-01-02";
    CHECK(store->list_audit(by_date).empty());
    AuditFilter limited;
    limited.limit = 3;
    CHECK(store->list_audit(limited).size() == 3);

    // Streaming stops when told to.
    int visited = 0;
    store->for_each_audit([&](const AuditRecord&) { return ++visited < 4; });
    CHECK(visited == 4);

    CHECK(test::error_code_of([&] { store->set_operator(""); }) == Errc::InvalidArgument);
    CHECK(test::error_code_of([&] { store->add_consent(ConsentRecord{}); }) ==
          Errc::InvalidArgument);
    CHECK(store->audit_head().seq == 10);
}

TEST_CASE("store postgres four processes appending at once keep one chain") {
    const PgDatabase db;
    open_pg(db);  // migrated before the children start
    constexpr int kChildren = 4;
    constexpr int kWrites = 30;
    const auto url = db.url();
    const auto results = run_children(kChildren, [&](int child, int) {
        auto store = open_postgres_store(url);
        store->set_operator(fmt::format("terminal-{}", child));
        for (int i = 0; i < kWrites; ++i) {
            switch (i % 3) {
                case 0:
                    store->add_check(simple_record("2026-11-30T09:00:00+09:00",
                                                   fmt::format("child {} #{}", child, i), "", "",
                                                   "", "eligible", "query"));
                    break;
                case 1:
                    store->add_consent(
                        consent_of(fmt::format("ref:C{}-{}", child, i), "PharmacistsInfo", "1"));
                    break;
                default:
                    store->audit("info.view", fmt::format("check:{}", i), "{}");
                    break;
            }
        }
        return 0;
    });
    for (const auto& result : results) {
        INFO(result.output);
        CHECK(result.status == 0);
    }
    auto store = open_pg(db);
    const auto verification = verify_audit_chain(*store);
    INFO(verification.reason << " at " << verification.first_bad_seq);
    CHECK(verification.ok);
    CHECK(verification.records == kChildren * kWrites);
    CHECK(store->audit_head().seq == kChildren * kWrites);
    // No fork: every seq once, every prev_hash used once.
    CHECK(db.number("SELECT count(DISTINCT prev_hash) FROM audit") == kChildren * kWrites);
    CHECK(db.number("SELECT count(DISTINCT operator) FROM audit") == kChildren);
    CHECK(db.number("SELECT count(*) FROM checks") == kChildren * kWrites / 3);
}

TEST_CASE("store postgres tampering with the audit trail is found") {
    SUBCASE("an edited record fails at its seq with hash") {
        const PgDatabase db;
        {
            auto store = open_pg(db);
            for (int i = 0; i < 8; ++i) store->audit("info.view", fmt::format("check:{}", i), "{}");
        }
        // The trigger stops a careless edit...
        CHECK_THROWS(db.exec("UPDATE audit SET detail = '{\"x\":1}' WHERE seq = 5"));
        // ...a deliberate one is what the chain reveals.
        db.exec(
            "ALTER TABLE audit DISABLE TRIGGER USER; "
            "UPDATE audit SET detail = '{\"x\":1}' WHERE seq = 5");
        auto store = open_pg(db);
        const auto verification = verify_audit_chain(*store);
        CHECK_FALSE(verification.ok);
        CHECK(verification.first_bad_seq == 5);
        CHECK(verification.reason == "hash");
    }
    SUBCASE("deleting the newest record fails at head") {
        const PgDatabase db;
        {
            auto store = open_pg(db);
            for (int i = 0; i < 6; ++i) store->audit("info.view", fmt::format("check:{}", i), "{}");
        }
        CHECK_THROWS(db.exec("DELETE FROM audit WHERE seq = 6"));
        db.exec("ALTER TABLE audit DISABLE TRIGGER USER; DELETE FROM audit WHERE seq = 6");
        auto store = open_pg(db);
        const auto verification = verify_audit_chain(*store);
        CHECK_FALSE(verification.ok);
        CHECK(verification.first_bad_seq == 6);
        CHECK(verification.reason == "head");
    }
}

TEST_CASE("store postgres purge refuses inside retention and deletes outside") {
    const PgDatabase db;
    auto store = open_pg(db);
    const std::string today = format_jst_date(now_seconds());
    const int year = std::stoi(today.substr(0, 4));

    auto old_face = simple_record("2015-03-01T09:00:00+09:00", "古い", "", "", "", "", "face");
    old_face.consents = {consent_of("ref:OLD", "PharmacistsInfo", "1")};
    REQUIRE(store->add_intake({"old.xml", "sha-old", 0, true}, old_face).has_value());
    const auto recent_id = store->add_check(simple_record(
        fmt::format("{}-01-15T09:00:00+09:00", year - 1), "最近", "", "", "", "", "query"));
    BulkJob old_job;
    old_job.input_sha256 = "old-input";
    old_job.created_at = "2015-02-01T08:00:00+09:00";
    store->save_bulk_job(old_job);
    // The store sets when the intake and the ledger entry were recorded; date them back as if
    // made in 2015.
    db.exec("UPDATE consents SET recorded_at = '2015-03-01T09:00:00.000+09:00'");
    db.exec("UPDATE intake SET recorded_at = '2015-03-01T09:00:00+09:00'");
    const auto seq_before = store->audit_head().seq;

    // Checks are kept 5 years: a purge up to today would delete last year's check.
    try {
        store->purge(today, RetentionRules{});
        FAIL("a purge inside the retention period went through");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::Forbidden);
        CHECK(e.fields().at("kind") == "checks");
        CHECK(e.fields().at("count") == "1");
    }
    CHECK(store->check(recent_id).has_value());
    CHECK(store->audit_head().seq == seq_before);  // the refusal wrote nothing
    CHECK(test::error_code_of([&] { store->purge("2016-13-01", RetentionRules{}); }) ==
          Errc::InvalidArgument);

    const auto report = store->purge("2016-01-01", RetentionRules{});
    CHECK(report.checks == 1);
    CHECK(report.intake == 1);
    CHECK(report.consents == 1);
    CHECK(report.bulk_jobs == 1);
    CHECK(store->list_checks({}).size() == 1);
    CHECK(store->check(recent_id).has_value());
    CHECK_FALSE(store->intake("old.xml", "sha-old").has_value());
    CHECK(store->list_consents({}).empty());
    CHECK_FALSE(store->find_bulk_job("old-input").has_value());

    // Audited, and audit records themselves are never purged.
    const auto audit = all_audit(*store);
    REQUIRE(audit.size() == static_cast<std::size_t>(seq_before) + 1);
    CHECK(audit.back().action == "store.purge");
    CHECK(audit.back().detail.find("\"checks\":1") != std::string::npos);
    CHECK(verify_audit_chain(*store).ok);
}

TEST_CASE("store postgres two processes migrating a fresh database at once both succeed") {
    for (int round = 0; round < 3; ++round) {
        const PgDatabase db;
        const auto url = db.url();
        const auto results = run_children(2, [&](int child, int) {
            auto store = open_postgres_store(url);
            store->add_check(simple_record("2026-11-30T09:00:00+09:00",
                                           fmt::format("child {}", child), "", "", "", "", ""));
            return 0;
        });
        for (const auto& result : results) {
            INFO(result.output);
            CHECK(result.status == 0);
        }
        CHECK(db.number("SELECT count(*) FROM checks") == 2);
        // Both backends number the same schema versions.
        const int latest = store::detail::latest_schema_version();
        CHECK(db.number("SELECT count(*) FROM schema_migrations") == latest);
        CHECK(db.number("SELECT max(version) FROM schema_migrations") == latest);
        // Opening again migrates nothing.
        auto store = open_pg(db);
        CHECK(db.number("SELECT count(*) FROM schema_migrations") == latest);
        CHECK(verify_audit_chain(*store).ok);
        CHECK(store->audit_head().seq == 2);
    }
}

TEST_CASE("store postgres waits for another terminal's lock up to the busy timeout") {
    const PgDatabase db;
    auto store = open_pg(db, 300);
    store->add_check(simple_record("2026-11-30T09:00:00+09:00", "A", "", "", "", "", ""));
    // Another terminal holds the audit head for two seconds.
    std::thread holder([&] {
        (void)db.exec(
            "BEGIN; SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE; "
            "SELECT pg_sleep(2); COMMIT");
    });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (db.number("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(2)%'"
                     " AND state = 'active' AND pid <> pg_backend_pid()") == 0 &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    try {
        store->add_check(simple_record("2026-11-30T09:00:00+09:00", "B", "", "", "", "", ""));
        FAIL("a write went through while another terminal held the lock");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::StoreError);
        CHECK(e.detail().find("locked") != std::string::npos);
        CHECK(e.detail().find("127.0.0.1") != std::string::npos);
    }
    holder.join();
    // The connection is usable again, and the refused write left nothing.
    CHECK(store->add_check(simple_record("2026-11-30T09:00:00+09:00", "C", "", "", "", "", "")) >
          0);
    CHECK(names_of(store->list_checks({})) == std::vector<std::string>{"C", "A"});
    CHECK(verify_audit_chain(*store).ok);
}

TEST_CASE("store postgres open_store_url picks the backend and hides the password") {
    const PgDatabase db;
    {
        auto pg = open_store_url(db.url());
        pg->add_check(simple_record("2026-11-30T09:00:00+09:00", "A", "", "", "", "", ""));
        CHECK(pg->location().string() == db.url());
        CHECK(db.number("SELECT count(*) FROM checks") == 1);
        // The other spelling of the scheme, and a password that never shows.
        auto url = db.url();
        url.replace(0, std::string("postgresql").size(), "postgres");
        url.insert(url.find('@'), ":s3cret");
        auto again = open_store_url(url);
        CHECK(again->list_checks({}).size() == 1);
        CHECK(again->location().string().find("s3cret") == std::string::npos);
        CHECK(db.number("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'mynaq'"
                        " AND datname = current_database()") == 2);
    }
    TempDir dir;
    const auto path = dir.path() / "sub" / "mynaq.db";
    auto sqlite = open_store_url(path.string());
    CHECK(sqlite->location() == path);
    CHECK(fs::exists(path));

    auto bad = db.url();
    bad.insert(bad.find('@'), ":s3cret");
    bad.replace(bad.rfind('/') + 1, std::string::npos, "no_such_database?password=pw-xyz");
    try {
        open_store_url(bad);
        FAIL("a store on a missing database was opened");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::StoreError);
        CHECK(e.detail().find("no_such_database") != std::string::npos);
        CHECK(e.detail().find("s3cret") == std::string::npos);
        CHECK(e.detail().find("pw-xyz") == std::string::npos);
        CHECK(e.fields().at("url").find("s3cret") == std::string::npos);
    }
}

TEST_CASE("store postgres copy from SQLite keeps every record and the audit chain") {
    TempDir dir;
    const auto sqlite_path = dir.path() / "mynaq.db";
    auto source = open_sqlite_store({sqlite_path});
    source->set_operator("reception-1");
    mixed_writes(*source);
    for (int i = 0; i < 5; ++i) {
        source->add_check(simple_record(fmt::format("2026-12-0{}T09:00:00+09:00", i + 1),
                                        fmt::format("患者{}", i), "", "", "", "eligible", "query"));
    }
    REQUIRE(verify_audit_chain(*source).ok);

    const PgDatabase db;
    auto target = open_pg(db);
    const auto report = copy_store(*source, *target);
    CHECK(report.checks == 7);
    CHECK(report.intake == 1);
    CHECK(report.consents == 4);
    CHECK(report.bulk_jobs == 1);
    CHECK(report.audit == 15);

    const auto compare = [](const Store& a, const Store& b) {
        CheckFilter all;
        all.limit = 0;
        const auto checks_a = a.list_checks(all);
        const auto checks_b = b.list_checks(all);
        REQUIRE(checks_a.size() == checks_b.size());
        for (std::size_t i = 0; i < checks_a.size(); ++i) check_same(checks_a[i], checks_b[i]);
        ConsentFilter every;
        every.limit = 0;
        const auto consents_a = a.list_consents(every);
        const auto consents_b = b.list_consents(every);
        REQUIRE(consents_a.size() == consents_b.size());
        for (std::size_t i = 0; i < consents_a.size(); ++i) {
            check_same(consents_a[i], consents_b[i]);
        }
        const auto audit_a = all_audit(a);
        const auto audit_b = all_audit(b);
        REQUIRE(audit_a.size() == audit_b.size());
        for (std::size_t i = 0; i < audit_a.size(); ++i) check_same(audit_a[i], audit_b[i]);
        CHECK(a.audit_head().seq == b.audit_head().seq);
        CHECK(a.audit_head().hash == b.audit_head().hash);
        const auto job_a = a.find_bulk_job("sha-of-input");
        const auto job_b = b.find_bulk_job("sha-of-input");
        REQUIRE(job_a.has_value());
        REQUIRE(job_b.has_value());
        check_same(*job_a, *job_b);
        const auto intake_a = a.intake("face-1.xml", "sha-1");
        const auto intake_b = b.intake("face-1.xml", "sha-1");
        REQUIRE(intake_a.has_value());
        REQUIRE(intake_b.has_value());
        CHECK(intake_a->check_id == intake_b->check_id);
        CHECK(intake_a->done == intake_b->done);
    };
    compare(*source, *target);
    {
        // The intake's own time, which no Store call returns.
        sqlite3* raw = nullptr;
        REQUIRE(sqlite3_open_v2(sqlite_path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) ==
                SQLITE_OK);
        const std::unique_ptr<sqlite3, decltype(&sqlite3_close_v2)> conn(raw, &sqlite3_close_v2);
        sqlite3_stmt* stmt = nullptr;
        REQUIRE(sqlite3_prepare_v2(raw, "SELECT recorded_at FROM intake", -1, &stmt, nullptr) ==
                SQLITE_OK);
        const std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> owned(stmt,
                                                                               &sqlite3_finalize);
        REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
        const std::string recorded_at = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
        CHECK_FALSE(recorded_at.empty());
        CHECK(db.exec("SELECT recorded_at FROM intake") == recorded_at);
    }
    const auto verification = verify_audit_chain(*target);
    CHECK(verification.ok);
    CHECK(verification.records == 15);

    // The copy goes on from where the source was: ids, sequences and the chain.
    const auto max_id = source->list_checks({}).front().id;
    CHECK(target->add_check(full_record()) > max_id);
    CHECK(target->next_sequence("20261130") == 3);
    CHECK(verify_audit_chain(*target).ok);

    // Never into a store that holds records.
    CHECK(test::error_code_of([&] { copy_store(*source, *target); }) == Errc::Forbidden);
    CHECK(db.number("SELECT count(*) FROM audit") == 18);

    // And back: PostgreSQL → a fresh SQLite file.
    auto back = open_sqlite_store({dir.path() / "back.db"});
    const auto back_report = copy_store(*target, *back);
    CHECK(back_report.audit == 18);
    compare(*target, *back);
    CHECK(verify_audit_chain(*back).ok);
    CHECK(back->next_sequence("20261130") == 4);
}

namespace {

FallbackCaseRow fallback_of(std::string date, std::string state, std::string patient) {
    FallbackCaseRow row;
    row.case_date = std::move(date);
    row.state = std::move(state);
    row.patient = std::move(patient);
    row.document = fmt::format(R"({{"patient":"{}","reason":"network"}})", row.patient);
    return row;
}

void check_same(const FallbackCaseRow& a, const FallbackCaseRow& b) {
    CHECK(a.id == b.id);
    CHECK(a.case_date == b.case_date);
    CHECK(a.state == b.state);
    CHECK(a.patient == b.patient);
    CHECK(a.created_at == b.created_at);
    CHECK(a.updated_at == b.updated_at);
    CHECK(a.revision == b.revision);
    CHECK(a.document == b.document);
}

std::vector<std::string> patients_of(const std::vector<FallbackCaseRow>& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r.patient);
    return out;
}

}  // namespace

TEST_CASE("store postgres fallback add, list and update with revisions and audit records") {
    const PgDatabase db;
    auto store = open_pg(db);
    store->set_operator("受付");
    const auto a = store->add_fallback_case(fallback_of("2026-11-29", "in_progress", "山田　太郎"));
    const auto b = store->add_fallback_case(fallback_of("2026-11-30", "queued", "Yamada Jiro"));
    const auto c = store->add_fallback_case(fallback_of("2026-11-30", "queued", "100%_name"));
    CHECK(b > a);
    CHECK(c > b);

    const auto row_a = store->fallback_case(a);
    REQUIRE(row_a.has_value());
    CHECK(row_a->revision == 1);
    CHECK(row_a->case_date == "2026-11-29");
    CHECK(row_a->patient == "山田　太郎");
    CHECK(row_a->document == fallback_of("", "", "山田　太郎").document);
    CHECK(row_a->created_at.size() == std::string("2026-11-30T09:15:00+09:00").size());
    CHECK(row_a->created_at.ends_with("+09:00"));
    CHECK(row_a->updated_at == row_a->created_at);
    CHECK_FALSE(store->fallback_case(c + 10).has_value());
    CHECK(test::error_code_of([&] {
              store->add_fallback_case(fallback_of("2026-11-31", "queued", "x"));
          }) == Errc::InvalidArgument);

    FallbackCaseFilter all;
    CHECK(patients_of(store->list_fallback_cases(all)) ==
          std::vector<std::string>{"山田　太郎", "Yamada Jiro", "100%_name"});
    FallbackCaseFilter day;
    day.from = "2026-11-30";
    day.to = "2026-11-30";
    day.state = "queued";
    CHECK(store->list_fallback_cases(day).size() == 2);
    FallbackCaseFilter before;
    before.to = "2026-11-29";
    CHECK(patients_of(store->list_fallback_cases(before)) ==
          std::vector<std::string>{"山田　太郎"});
    FallbackCaseFilter latin;
    latin.patient = "yamada";  // ASCII case ignored, as on SQLite
    CHECK(patients_of(store->list_fallback_cases(latin)) ==
          std::vector<std::string>{"Yamada Jiro"});
    FallbackCaseFilter literal;
    literal.patient = "0%_";
    CHECK(patients_of(store->list_fallback_cases(literal)) ==
          std::vector<std::string>{"100%_name"});
    literal.patient = "1_";
    CHECK(store->list_fallback_cases(literal).empty());
    FallbackCaseFilter limited;
    limited.limit = 1;
    CHECK(patients_of(store->list_fallback_cases(limited)) ==
          std::vector<std::string>{"山田　太郎"});

    auto change_a = *row_a;
    change_a.state = "confirmed";
    change_a.document = R"({"step":"notice"})";
    auto change_b = *store->fallback_case(b);
    change_b.state = "cancelled";
    change_b.case_date = "2026-12-01";
    store->update_fallback_cases({change_a, change_b});
    const auto new_a = store->fallback_case(a);
    const auto new_b = store->fallback_case(b);
    CHECK(new_a->revision == 2);
    CHECK(new_a->state == "confirmed");
    CHECK(new_a->document == R"({"step":"notice"})");
    CHECK(new_a->created_at == row_a->created_at);
    CHECK(new_a->updated_at >= row_a->updated_at);
    CHECK(new_b->revision == 2);
    CHECK(new_b->case_date == "2026-12-01");
    CHECK(store->fallback_case(c)->revision == 1);

    const auto audit = all_audit(*store);
    REQUIRE(audit.size() == 5);
    CHECK(audit[0].action == "fallback.add");
    CHECK(audit[0].object == fmt::format("fallback:{}", a));
    CHECK(audit[0].detail.find(R"("date":"2026-11-29")") != std::string::npos);
    CHECK(audit[3].action == "fallback.update");
    CHECK(audit[3].object == fmt::format("fallback:{}", a));
    CHECK(audit[3].detail.find(R"("state":"confirmed")") != std::string::npos);
    CHECK(audit[3].detail.find(R"("revision":2)") != std::string::npos);
    CHECK(audit[4].object == fmt::format("fallback:{}", b));
    CHECK(audit[4].operator_name == "受付");
    CHECK(verify_audit_chain(*store).ok);
}

TEST_CASE("store postgres fallback another terminal's save rolls a stale update back whole") {
    const PgDatabase db;
    auto terminal1 = open_pg(db);
    auto terminal2 = open_pg(db);
    const auto a = terminal1->add_fallback_case(fallback_of("2026-11-30", "in_progress", "A"));
    const auto b = terminal1->add_fallback_case(fallback_of("2026-11-30", "in_progress", "B"));
    const auto read_a = *terminal1->fallback_case(a);
    const auto read_b = *terminal1->fallback_case(b);

    auto by_2 = *terminal2->fallback_case(b);
    by_2.state = "cancelled";
    terminal2->update_fallback_cases({by_2});
    const auto seq = terminal1->audit_head().seq;

    auto change_a = read_a;
    change_a.state = "queued";
    auto change_b = read_b;
    change_b.state = "confirmed";
    try {
        terminal1->update_fallback_cases({change_a, change_b});
        FAIL("a stale revision was written");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::StoreError);
        CHECK(e.detail() == fmt::format("fallback case {} was changed by another terminal since it "
                                        "was read; show it again and retry",
                                        b));
        CHECK(e.fields().at("path") == db.url());
    }
    check_same(*terminal1->fallback_case(a), read_a);
    CHECK(terminal2->fallback_case(b)->state == "cancelled");
    CHECK(db.number(fmt::format("SELECT revision FROM fallback_cases WHERE id = {}", b)) == 2);
    CHECK(terminal1->audit_head().seq == seq);

    // An unknown id rolls back the same way.
    auto missing = fallback_of("2026-11-30", "queued", "nobody");
    missing.id = b + 50;
    missing.revision = 1;
    CHECK(test::error_code_of([&] {
              terminal1->update_fallback_cases({change_a, missing});
          }) == Errc::NotFound);
    check_same(*terminal1->fallback_case(a), read_a);
    CHECK(terminal1->audit_head().seq == seq);

    // The connection is usable after the rollbacks, and a fresh read goes through.
    auto fresh_b = *terminal1->fallback_case(b);
    fresh_b.state = "confirmed";
    terminal1->update_fallback_cases({change_a, fresh_b});
    CHECK(terminal2->fallback_case(a)->state == "queued");
    CHECK(terminal2->fallback_case(b)->revision == 3);
    CHECK(terminal2->audit_head().seq == seq + 2);
    CHECK(verify_audit_chain(*terminal2).ok);
}

TEST_CASE("store postgres fallback purge keeps cases for claims_years") {
    const PgDatabase db;
    auto store = open_pg(db);
    const auto old_id = store->add_fallback_case(fallback_of("2014-05-01", "rechecked", "old"));
    const auto recent = format_jst_date(now_seconds() - std::chrono::days{800});
    const auto recent_id = store->add_fallback_case(fallback_of(recent, "rechecked", "recent"));
    const auto before = format_jst_date(now_seconds() - std::chrono::days{400});

    try {
        store->purge(before, RetentionRules{});
        FAIL("purged a fallback case within claims_years");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::Forbidden);
        CHECK(e.fields().at("kind") == "fallback cases");
        CHECK(e.fields().at("count") == "1");
    }
    CHECK(store->fallback_case(old_id).has_value());

    const auto report = store->purge("2016-01-01", RetentionRules{});
    CHECK(report.fallback_cases == 1);
    CHECK_FALSE(store->fallback_case(old_id).has_value());
    CHECK(all_audit(*store).back().detail.find(R"("fallback_cases":1)") != std::string::npos);
    const auto later = store->purge(before, RetentionRules{1, 1});
    CHECK(later.fallback_cases == 1);
    CHECK_FALSE(store->fallback_case(recent_id).has_value());
    CHECK(verify_audit_chain(*store).ok);
}

TEST_CASE("store postgres fallback copy from SQLite keeps cases and moves the id counter") {
    TempDir dir;
    auto source = open_sqlite_store({dir.path() / "mynaq.db"});
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 4; ++i) {
        ids.push_back(source->add_fallback_case(
            fallback_of(fmt::format("2026-11-2{}", i), "in_progress", fmt::format("患者{}", i))));
    }
    auto first = *source->fallback_case(ids[1]);
    first.state = "confirmed";
    source->update_fallback_cases({first});
    source->add_check(simple_record("2026-11-30T09:00:00+09:00", "A", "", "", "", "", "query"));

    const PgDatabase db;
    auto target = open_pg(db);
    const auto report = copy_store(*source, *target);
    CHECK(report.fallback_cases == 4);
    CHECK(report.checks == 1);
    CHECK(report.audit == 6);

    FallbackCaseFilter all;
    all.limit = 0;
    const auto rows_a = source->list_fallback_cases(all);
    const auto rows_b = target->list_fallback_cases(all);
    REQUIRE(rows_a.size() == 4);
    REQUIRE(rows_b.size() == rows_a.size());
    for (std::size_t i = 0; i < rows_a.size(); ++i) check_same(rows_a[i], rows_b[i]);
    CHECK(target->fallback_case(ids[1])->revision == 2);
    CHECK(verify_audit_chain(*target).ok);

    // New cases on PostgreSQL come after the copied ids; revisions go on where they were.
    const auto next = target->add_fallback_case(fallback_of("2026-12-01", "queued", "new"));
    CHECK(next > ids.back());
    auto stale = rows_b[1];
    stale.revision = 1;
    CHECK(test::error_code_of([&] { target->update_fallback_cases({stale}); }) == Errc::StoreError);
    auto current = rows_b[1];
    current.state = "rechecked";
    target->update_fallback_cases({current});
    CHECK(target->fallback_case(ids[1])->revision == 3);
    CHECK(verify_audit_chain(*target).ok);

    // And back to a fresh SQLite file, through the PostgreSQL reader.
    auto back = open_sqlite_store({dir.path() / "back.db"});
    const auto back_report = copy_store(*target, *back);
    CHECK(back_report.fallback_cases == 5);
    const auto rows_c = back->list_fallback_cases(all);
    const auto rows_d = target->list_fallback_cases(all);
    REQUIRE(rows_c.size() == rows_d.size());
    for (std::size_t i = 0; i < rows_c.size(); ++i) check_same(rows_c[i], rows_d[i]);
    CHECK(verify_audit_chain(*back).ok);

    // A PostgreSQL target holding only a fallback case is not empty.
    const PgDatabase other_db;
    auto other = open_pg(other_db);
    other_db.exec(
        "INSERT INTO fallback_cases (case_date, state, created_at, updated_at) VALUES "
        "('2026-11-30', 'queued', '2026-11-30T09:00:00+09:00', '2026-11-30T09:00:00+09:00')");
    CHECK(test::error_code_of([&] { copy_store(*source, *other); }) == Errc::Forbidden);
}

namespace {

ChartRecord chart_of(std::string id, std::string kana, std::string birthdate) {
    ChartRecord c;
    c.chart_id = std::move(id);
    c.name_kana = std::move(kana);
    c.birthdate = std::move(birthdate);
    return c;
}

MedicalResultRecord medical_of(std::string patient, std::string kind, std::string document) {
    MedicalResultRecord r;
    r.patient_key = std::move(patient);
    r.kind = std::move(kind);
    r.format = "xml";
    r.from_month = "202601";
    r.to_month = "202611";
    r.request_id = "REQ-" + r.kind;
    r.document = std::move(document);
    return r;
}

std::vector<std::string> chart_ids(const std::vector<ChartRecord>& charts) {
    std::vector<std::string> out;
    for (const auto& c : charts) out.push_back(c.chart_id);
    return out;
}

std::vector<std::string> chart_ids_where(const Store& store, const auto& set) {
    ChartFilter filter;
    set(filter);
    return chart_ids(store.list_charts(filter));
}

void check_same(const ChartRecord& a, const ChartRecord& b) {
    CHECK(a.chart_id == b.chart_id);
    CHECK(a.name_kana == b.name_kana);
    CHECK(a.birthdate == b.birthdate);
    CHECK(a.insurer_number == b.insurer_number);
    CHECK(a.card_symbol == b.card_symbol);
    CHECK(a.identification_number == b.identification_number);
    CHECK(a.branch_number == b.branch_number);
    CHECK(a.ref_state == b.ref_state);
    CHECK(a.ref_code == b.ref_code);
    CHECK(a.ref_message == b.ref_message);
    CHECK(a.reception_number == b.reception_number);
    CHECK(a.updated_at == b.updated_at);
    CHECK(a.updated_by == b.updated_by);
}

void check_same(const MedicalResultRecord& a, const MedicalResultRecord& b) {
    CHECK(a.id == b.id);
    CHECK(a.patient_key == b.patient_key);
    CHECK(a.kind == b.kind);
    CHECK(a.fetched_at == b.fetched_at);
    CHECK(a.from_month == b.from_month);
    CHECK(a.to_month == b.to_month);
    CHECK(a.format == b.format);
    CHECK(a.request_id == b.request_id);
    CHECK(a.document == b.document);
    CHECK(a.fetched_by == b.fetched_by);
}

std::vector<std::string> actions_of(const Store& store) {
    std::vector<std::string> out;
    for (const auto& a : all_audit(store)) out.push_back(a.action);
    return out;
}

}  // namespace

TEST_CASE("store postgres charts save upserts by id and list_charts filters like SQLite") {
    const PgDatabase db;
    auto store = open_pg(db);
    store->set_operator("受付 鈴木");
    auto yamada = chart_of("C-1", "ヤマダ　タロウ", "19800101");
    yamada.insurer_number = "  139998";
    yamada.identification_number = " 1001 ";
    yamada.ref_state = "registered";
    auto yamada2 = chart_of("C-2", "ヤマダタロウ", "19750505");
    yamada2.ref_state = "pending";
    auto park = chart_of("C-3", "パク　ハナ", "19900202");
    park.ref_state = "failed";
    park.ref_code = "EBUK0001";
    park.ref_message = "照会番号が重複しています";
    store->save_charts({yamada, yamada2, park, chart_of("C-4", "バク　ハナ", "19900202")});
    CHECK(db.exec("SELECT kana_key FROM charts WHERE chart_id = 'C-1'") == "ヤマダタロウ");

    using Ids = std::vector<std::string>;
    CHECK(chart_ids_where(*store, [](ChartFilter& f) { f.name_kana = "ﾔﾏﾀﾞ ﾀﾛｳ"; }) ==
          Ids{"C-1", "C-2"});
    CHECK(chart_ids_where(*store, [](ChartFilter& f) {
              f.name_kana = "ﾔﾏﾀﾞ ﾀﾛｳ";
              f.birthdate = "19800101";
          }) == Ids{"C-1"});
    CHECK(chart_ids_where(*store, [](ChartFilter& f) { f.name_kana = "ﾊﾟｸ ﾊﾅ"; }) == Ids{"C-3"});
    CHECK(chart_ids_where(*store, [](ChartFilter& f) { f.name_kana = "ﾊﾞｸ ﾊﾅ"; }) == Ids{"C-4"});
    CHECK(chart_ids_where(*store, [](ChartFilter& f) {
              f.insurer_number = "139998";
              f.identification_number = "1001";
          }) == Ids{"C-1"});
    CHECK(chart_ids_where(*store, [](ChartFilter& f) {
              f.insurer_number = " 139998 ";
              f.identification_number = "  1001";
          }) == Ids{"C-1"});
    CHECK(chart_ids_where(*store, [](ChartFilter& f) { f.insurer_number = "13999"; }).empty());
    CHECK(chart_ids_where(*store, [](ChartFilter& f) { f.ref_state = "pending"; }) == Ids{"C-2"});
    CHECK(chart_ids_where(*store, [](ChartFilter& f) { f.ref_state = ""; }) == Ids{"C-4"});
    CHECK(chart_ids_where(*store, [](ChartFilter& f) { f.limit = 3; }) == Ids{"C-1", "C-2", "C-3"});
    CHECK(chart_ids_where(*store, [](ChartFilter& f) { f.limit = 0; }).size() == 4);
    const auto failed = store->chart("C-3");
    REQUIRE(failed.has_value());
    CHECK(failed->ref_code == "EBUK0001");
    CHECK(failed->ref_message == "照会番号が重複しています");
    CHECK(failed->updated_by == "受付 鈴木");
    CHECK_FALSE(store->chart("C-9").has_value());

    // ON CONFLICT replaces every column, the derived kana key included.
    auto renamed = chart_of("C-1", "ヤマダ　ジロウ", "19800102");
    renamed.ref_state = "failed";
    store->save_charts({renamed});
    CHECK(db.number("SELECT count(*) FROM charts") == 4);
    const auto back = store->chart("C-1");
    REQUIRE(back.has_value());
    CHECK(back->name_kana == "ヤマダ　ジロウ");
    CHECK(back->birthdate == "19800102");
    CHECK(back->insurer_number.empty());
    CHECK(back->identification_number.empty());
    CHECK(back->ref_state == "failed");
    CHECK(db.exec("SELECT kana_key FROM charts WHERE chart_id = 'C-1'") == "ヤマダジロウ");
    CHECK(chart_ids_where(*store, [](ChartFilter& f) { f.name_kana = "ﾔﾏﾀﾞ ﾀﾛｳ"; }) == Ids{"C-2"});

    // A 個人番号 as the id: refused before anything is written.
    const auto seq = store->audit_head().seq;
    CHECK(test::error_code_of([&] {
              store->save_charts({chart_of("C-5", "", ""), chart_of(" 123456789018", "", "")});
          }) == Errc::Forbidden);
    CHECK(test::error_code_of([&] { store->save_charts({chart_of("", "", "")}); }) ==
          Errc::InvalidArgument);
    CHECK(store->audit_head().seq == seq);
    CHECK(db.number("SELECT count(*) FROM charts") == 4);

    const auto saves = all_audit(*store);
    REQUIRE(saves.size() == 5);
    for (const auto& a : saves) {
        CHECK(a.action == "chart.save");
        CHECK(a.detail.find("ヤマダ") == std::string::npos);
    }
    CHECK(saves[4].object == "chart:C-1");
    CHECK(saves[4].detail.find(R"("ref_state":"failed")") != std::string::npos);
    CHECK(verify_audit_chain(*store).ok);
}

TEST_CASE("store postgres set_check_match, match_states and an unknown check") {
    const PgDatabase db;
    auto store = open_pg(db);
    const auto a =
        store->add_check(simple_record("2026-11-30T09:00:00+09:00", "A", "", "", "", "", "face"));
    const auto b =
        store->add_check(simple_record("2026-11-30T10:00:00+09:00", "B", "", "", "", "", "face"));
    const auto c =
        store->add_check(simple_record("2026-11-30T11:00:00+09:00", "C", "", "", "", "", "face"));
    CHECK(store->check(a)->match_state.empty());

    store->set_check_match(a, {"C-1", "matched", "reference", {}});
    store->set_check_match(b, {"", "ambiguous", "insurance", {"C-1", "C-2"}});
    auto back = store->check(b);
    REQUIRE(back.has_value());
    CHECK(back->match_state == "ambiguous");
    CHECK(back->match_rule == "insurance");
    CHECK(back->chart_id.empty());
    CHECK(back->match_candidates == R"(["C-1","C-2"])");
    CHECK(store->check(a)->chart_id == "C-1");

    CheckFilter open;
    open.match_states = {"ambiguous", "unmatched"};
    CHECK(names_of(store->list_checks(open)) == std::vector<std::string>{"B"});
    CheckFilter never;
    never.match_states = {""};
    CHECK(names_of(store->list_checks(never)) == std::vector<std::string>{"C"});
    CheckFilter both;
    both.match_states = {"matched", "ambiguous"};
    both.patient = "A";
    CHECK(names_of(store->list_checks(both)) == std::vector<std::string>{"A"});

    const auto seq = store->audit_head().seq;
    try {
        store->set_check_match(c + 100, {"C-1", "matched", "staff", {}});
        FAIL("an unknown check was matched");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::NotFound);
        CHECK(e.fields().at("id") == std::to_string(c + 100));
    }
    CHECK(test::error_code_of([&] {
              store->set_check_match(c, {"C-1", "maybe", "", {}});
          }) == Errc::InvalidArgument);
    CHECK(store->audit_head().seq == seq);
    CHECK(actions_of(*store) == std::vector<std::string>{"check.add", "check.add", "check.add",
                                                         "check.match", "check.match"});
    CHECK(verify_audit_chain(*store).ok);
}

TEST_CASE("store postgres latest_medical_result is the newest of a patient and kind") {
    const PgDatabase db;
    auto store = open_pg(db);
    store->set_operator("医師 田中");
    CHECK_FALSE(store->latest_medical_result("ref:R-1", "drugs").has_value());
    const auto id1 =
        store->add_medical_result(medical_of("ref:R-1", "drugs", "<XmlMsg>1</XmlMsg>"));
    const auto id2 =
        store->add_medical_result(medical_of("ref:R-1", "drugs", "<XmlMsg>2</XmlMsg>"));
    auto pdf = medical_of("ref:R-1", "checkups", "JVBERi0xLjQK");
    pdf.format = "pdf";
    const auto id3 = store->add_medical_result(pdf);
    CHECK(id2 > id1);

    auto latest = store->latest_medical_result("ref:R-1", "drugs");
    REQUIRE(latest.has_value());
    CHECK(latest->id == id2);  // the same second: the later id
    CHECK(latest->document == "<XmlMsg>2</XmlMsg>");
    CHECK(latest->from_month == "202601");
    CHECK(latest->to_month == "202611");
    CHECK(latest->request_id == "REQ-drugs");
    CHECK(latest->fetched_by == "医師 田中");
    CHECK(latest->fetched_at.substr(0, 10) == format_jst_date(now_seconds()));
    latest = store->latest_medical_result("ref:R-1", "checkups");
    REQUIRE(latest.has_value());
    CHECK(latest->id == id3);
    CHECK(latest->format == "pdf");
    CHECK_FALSE(store->latest_medical_result("ref:R-2", "drugs").has_value());

    db.exec(fmt::format(
        "UPDATE medical_results SET fetched_at = '2000-01-01T09:00:00+09:00' WHERE id = {}", id2));
    CHECK(store->latest_medical_result("ref:R-1", "drugs")->id == id1);

    CHECK(test::error_code_of([&] { store->add_medical_result(medical_of("ref:R-1", "x", "")); }) ==
          Errc::InvalidArgument);
    const auto audit = all_audit(*store);
    REQUIRE(audit.size() == 3);
    CHECK(audit[0].action == "info.fetch");
    CHECK(audit[0].object == fmt::format("medical:{}", id1));
    CHECK(audit[2].detail.find(R"("format":"pdf")") != std::string::npos);
    CHECK(audit[2].detail.find(R"("patient":"ref:R-1")") != std::string::npos);
    CHECK(verify_audit_chain(*store).ok);
}

TEST_CASE("store postgres purge deletes medical results by other_years and keeps charts") {
    const PgDatabase db;
    auto store = open_pg(db);
    const auto old_id = store->add_medical_result(medical_of("ref:R-1", "drugs", "old"));
    const auto mid_id = store->add_medical_result(medical_of("ref:R-1", "checkups", "mid"));
    const auto new_id = store->add_medical_result(medical_of("ref:R-1", "drugs", "today"));
    store->save_charts({chart_of("C-1", "ヤマダ　タロウ", "19800101")});
    const auto recent = format_jst_date(now_seconds() - std::chrono::days{800});
    db.exec(fmt::format(
        "UPDATE medical_results SET fetched_at = '2014-05-01T09:00:00+09:00' WHERE id = {}",
        old_id));
    db.exec(fmt::format("UPDATE medical_results SET fetched_at = '{}T09:00:00+09:00' WHERE id = {}",
                        recent, mid_id));
    db.exec("UPDATE charts SET updated_at = '2010-01-01T09:00:00+09:00'");

    const auto report = store->purge("2016-01-01", RetentionRules{});
    CHECK(report.medical_results == 1);
    CHECK(db.number("SELECT count(*) FROM medical_results") == 2);
    CHECK(all_audit(*store).back().detail.find(R"("medical_results":1)") != std::string::npos);

    const auto before = format_jst_date(now_seconds() - std::chrono::days{400});
    const auto seq = store->audit_head().seq;
    try {
        store->purge(before, RetentionRules{});
        FAIL("purged a medical result within other_years");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::Forbidden);
        CHECK(e.fields().at("kind") == "medical information results");
        CHECK(e.fields().at("years") == "3");
        CHECK(e.fields().at("count") == "1");
    }
    CHECK(store->audit_head().seq == seq);
    const auto later = store->purge(before, RetentionRules{5, 1});
    CHECK(later.medical_results == 1);
    CHECK(store->latest_medical_result("ref:R-1", "drugs")->id == new_id);
    CHECK_FALSE(store->latest_medical_result("ref:R-1", "checkups").has_value());
    CHECK(store->chart("C-1").has_value());
    CHECK(verify_audit_chain(*store).ok);
}

TEST_CASE("store postgres copy SQLite to PostgreSQL and back carries charts and medical results") {
    TempDir dir;
    const auto sqlite_path = dir.path() / "mynaq.db";
    auto source = open_sqlite_store({sqlite_path});
    source->set_operator("reception-1");
    auto yamada = chart_of("C-1", "ヤマダ　タロウ", "19800101");
    yamada.insurer_number = "  139998";
    yamada.card_symbol = "記号";
    yamada.identification_number = "1001";
    yamada.branch_number = "01";
    yamada.ref_state = "failed";
    yamada.ref_code = "EBUK0001";
    yamada.ref_message = "照会番号が重複しています";
    yamada.reception_number = "R1";
    source->save_charts({yamada, chart_of("C-2", "パク　ハナ", "19900202")});
    const auto check_id = source->add_check(
        simple_record("2026-11-30T09:00:00+09:00", "A", "", "", "", "eligible", "face"));
    source->set_check_match(check_id, {"", "ambiguous", "kana_birthdate", {"C-1", "C-2"}});
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 4; ++i) {
        ids.push_back(source->add_medical_result(
            medical_of(fmt::format("ref:C-{}", i), i % 2 == 0 ? "drugs" : "checkups",
                       fmt::format("<XmlMsg>{}</XmlMsg>", i))));
    }
    {
        // A gap in the ids, and a kana key the copy must not trust (it is derived).
        sqlite3* raw = nullptr;
        REQUIRE(sqlite3_open_v2(sqlite_path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr) ==
                SQLITE_OK);
        const std::unique_ptr<sqlite3, decltype(&sqlite3_close_v2)> conn(raw, &sqlite3_close_v2);
        REQUIRE(sqlite3_exec(raw,
                             fmt::format("DELETE FROM medical_results WHERE id = {};"
                                         " UPDATE charts SET kana_key = 'x' WHERE chart_id = 'C-2'",
                                         ids[1])
                                 .c_str(),
                             nullptr, nullptr, nullptr) == SQLITE_OK);
    }
    REQUIRE(verify_audit_chain(*source).ok);

    const auto compare = [&](const Store& a, const Store& b) {
        const auto charts_a = a.list_charts({});
        const auto charts_b = b.list_charts({});
        REQUIRE(charts_a.size() == 2);
        REQUIRE(charts_b.size() == charts_a.size());
        for (std::size_t i = 0; i < charts_a.size(); ++i) check_same(charts_a[i], charts_b[i]);
        for (int i = 0; i < 4; ++i) {
            const auto patient = fmt::format("ref:C-{}", i);
            const auto kind = i % 2 == 0 ? "drugs" : "checkups";
            const auto ra = a.latest_medical_result(patient, kind);
            const auto rb = b.latest_medical_result(patient, kind);
            REQUIRE(ra.has_value() == rb.has_value());
            if (ra) check_same(*ra, *rb);
        }
        const auto ca = a.check(check_id);
        const auto cb = b.check(check_id);
        REQUIRE(ca.has_value());
        REQUIRE(cb.has_value());
        check_same(*ca, *cb);
        CHECK(cb->match_candidates == R"(["C-1","C-2"])");
        CHECK(a.audit_head().hash == b.audit_head().hash);
    };

    const PgDatabase db;
    auto target = open_pg(db);
    const auto report = copy_store(*source, *target);
    CHECK(report.charts == 2);
    CHECK(report.medical_results == 3);
    CHECK(report.checks == 1);
    CHECK(report.audit == 8);
    compare(*source, *target);
    CHECK(db.exec("SELECT kana_key FROM charts WHERE chart_id = 'C-2'") == "パクハナ");
    CHECK(chart_ids_where(*target, [](ChartFilter& f) { f.name_kana = "ﾊﾟｸ ﾊﾅ"; }) ==
          std::vector<std::string>{"C-2"});
    CHECK(verify_audit_chain(*target).ok);

    // The identity counter was moved past the copied ids.
    const auto next = target->add_medical_result(medical_of("ref:C-9", "drugs", "new"));
    CHECK(next > ids.back());
    target->save_charts({chart_of("C-3", "スズキ　ハナコ", "19700101")});
    CHECK(verify_audit_chain(*target).ok);

    // Never into a store that holds records; a PostgreSQL store holding only a chart, or
    // only a medical result, holds records.
    CHECK(test::error_code_of([&] { copy_store(*source, *target); }) == Errc::Forbidden);
    const PgDatabase only_chart;
    auto chart_target = open_pg(only_chart);
    only_chart.exec("INSERT INTO charts (chart_id, updated_at, updated_by) VALUES ('C-X', '', '')");
    CHECK(test::error_code_of([&] { copy_store(*source, *chart_target); }) == Errc::Forbidden);
    const PgDatabase only_result;
    auto result_target = open_pg(only_result);
    only_result.exec(
        "INSERT INTO medical_results (patient_key, kind, fetched_at) VALUES ('ref:X', 'drugs', "
        "'2026-11-30T09:00:00+09:00')");
    CHECK(test::error_code_of([&] { copy_store(*source, *result_target); }) == Errc::Forbidden);

    // And back: PostgreSQL → a fresh SQLite file, through the PostgreSQL reader.
    auto back = open_sqlite_store({dir.path() / "back.db"});
    const auto back_report = copy_store(*target, *back);
    CHECK(back_report.charts == 3);
    CHECK(back_report.medical_results == 4);
    CHECK(back_report.audit == 10);
    CHECK(back->chart("C-3").has_value());
    CHECK(back->latest_medical_result("ref:C-9", "drugs")->id == next);
    CHECK(chart_ids_where(*back, [](ChartFilter& f) { f.name_kana = "ｽｽﾞｷ ﾊﾅｺ"; }) ==
          std::vector<std::string>{"C-3"});
    const auto verification = verify_audit_chain(*back);
    CHECK(verification.ok);
    CHECK(verification.records == 10);
    CHECK(back->add_medical_result(medical_of("ref:C-9", "drugs", "newer")) > next);
}

TEST_CASE("store postgres a version-4 database with checks is upgraded to 5 in place") {
    const PgDatabase db;
    open_pg(db).reset();
    REQUIRE(store::detail::latest_schema_version() == 5);
    // Back to version 4, as a mynaq before charts left the database.
    db.exec(
        "DROP TABLE charts; DROP TABLE medical_results; ALTER TABLE checks DROP COLUMN chart_id,"
        " DROP COLUMN match_state, DROP COLUMN match_rule, DROP COLUMN match_candidates;"
        " DELETE FROM schema_migrations WHERE version = 5");
    db.exec(
        "INSERT INTO checks (checked_at, name, name_kana, eligibility) VALUES"
        " ('2026-11-01T09:00:00+09:00', 'old patient', 'ﾔﾏﾀﾞ ﾀﾛｳ', 'eligible')");
    auto store = open_pg(db);
    CHECK(store->schema_version() == 5);
    CHECK(db.number("SELECT max(version) FROM schema_migrations") == 5);
    const auto checks = store->list_checks({});
    REQUIRE(checks.size() == 1);
    CHECK(checks[0].name == "old patient");
    CHECK(checks[0].chart_id.empty());
    CHECK(checks[0].match_state.empty());
    CHECK(checks[0].match_rule.empty());
    CHECK(checks[0].match_candidates.empty());
    CheckFilter open;
    open.match_states = {"ambiguous", "unmatched"};
    CHECK(store->list_checks(open).empty());

    store->save_charts({chart_of("C-1", "ヤマダ　タロウ", "19800101")});
    store->set_check_match(checks[0].id, {"C-1", "matched", "kana_birthdate", {}});
    CHECK(store->check(checks[0].id)->chart_id == "C-1");
    store->add_medical_result(medical_of("ref:C-1", "drugs", "<x/>"));
    CHECK(store->latest_medical_result("ref:C-1", "drugs").has_value());
    CHECK(verify_audit_chain(*store).ok);
}
