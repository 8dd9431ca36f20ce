// Charts, check matches and stored medical results (schema 5) in the SQLite store: kana
// matching, the 個人番号 refusal, the audit trail, the upgrade of a schema-4 store, retention
// and the store copy — all on real files.
#include <sqlite3.h>

#include <doctest/doctest.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "../../lib/store/migrations.hpp"
#include "error_code_of.hpp"
#include "mynaq/consent.hpp"
#include "mynaq/error.hpp"
#include "mynaq/files.hpp"
#include "mynaq/jst.hpp"
#include "mynaq/store.hpp"
#include "raw_sqlite.hpp"

using namespace mynaq;
namespace fs = std::filesystem;
using test::error_code_of;

namespace {

using test::RawDb;

struct TempDir : test::StoreDir {
    TempDir() : StoreDir("mynaq-charts") {}
};

std::unique_ptr<Store> open_store(const fs::path& path) {
    return test::open_test_store(path);
}

ChartRecord chart_of(std::string id, std::string kana, std::string birthdate) {
    ChartRecord c;
    c.chart_id = std::move(id);
    c.name_kana = std::move(kana);
    c.birthdate = std::move(birthdate);
    return c;
}

MedicalResultRecord result_of(std::string patient, std::string kind, std::string document) {
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

std::vector<std::string> ids_of(const std::vector<ChartRecord>& charts) {
    std::vector<std::string> out;
    for (const auto& c : charts) out.push_back(c.chart_id);
    return out;
}

std::vector<ChartRecord> charts_where(const Store& store, const auto& set) {
    ChartFilter filter;
    set(filter);
    return store.list_charts(filter);
}

std::vector<AuditRecord> audit_of(const Store& store, const std::string& action) {
    AuditFilter filter;
    filter.action = action;
    filter.limit = 0;
    return store.list_audit(filter);
}

// The first 11 digits and the 個人番号 check digit (consent.hpp's rule).
std::string with_check_digit(const std::string& eleven) {
    constexpr std::array<int, 11> kWeights{6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2};
    int sum = 0;
    for (std::size_t i = 0; i < kWeights.size(); ++i) sum += (eleven[i] - '0') * kWeights[i];
    const int r = sum % 11;
    return eleven + static_cast<char>('0' + (r <= 1 ? 0 : 11 - r));
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

std::string jst_date_days_ago(int days) {
    return format_jst_date(now_seconds() - std::chrono::days{days});
}

}  // namespace

TEST_CASE("store charts chart_kana_key makes half-width and full-width kana one form") {
    CHECK(chart_kana_key("ﾔﾏﾀﾞ ﾀﾛｳ") == "ヤマダタロウ");
    CHECK(chart_kana_key("ヤマダ　タロウ") == "ヤマダタロウ");
    CHECK(chart_kana_key(" ヤマダ\tタロウ ") == "ヤマダタロウ");
    CHECK(chart_kana_key("ﾊﾟｸ") == "パク");
    CHECK(chart_kana_key("ﾊﾞｸ") == "バク");
    CHECK(chart_kana_key("ｳﾞｨｯﾄ") == "ヴィット");
    CHECK(chart_kana_key("ｷｮｳｺ") == "キョウコ");  // small kana stay small
    CHECK(chart_kana_key("ｰｦﾝ") == "ーヲン");
    // A mark on a kana that takes none stays a mark of its own.
    CHECK(chart_kana_key("ｱﾞ") == "ア゛");
    CHECK(chart_kana_key("ﾀﾟ") == "タ゜");
    CHECK(chart_kana_key("") == "");
    // A byte that cannot start a UTF-8 sequence does not swallow the characters after it.
    CHECK(chart_kana_key("\xF8ｱｲ") == chart_kana_key("\xF8") + "アイ");
    CHECK(chart_kana_key("\xFFｱ").ends_with("ア"));
}

TEST_CASE("store charts save inserts, replaces by id and is audited without the name") {
    TempDir dir;
    auto store = open_store(dir.db());
    store->set_operator("受付 鈴木");
    auto yamada = chart_of("C-0001", "ヤマダ　タロウ", "19800101");
    yamada.insurer_number = "06130012";
    yamada.card_symbol = "  12";
    yamada.identification_number = "1001";
    yamada.branch_number = "00";
    yamada.updated_at = "2000-01-01T00:00:00+09:00";  // set by the store
    yamada.updated_by = "someone else";
    store->save_charts({yamada, chart_of("C-0002", "スズキ　ハナコ", "19900202")});

    auto back = store->chart("C-0001");
    REQUIRE(back.has_value());
    CHECK(back->name_kana == "ヤマダ　タロウ");
    CHECK(back->birthdate == "19800101");
    CHECK(back->insurer_number == "06130012");
    CHECK(back->card_symbol == "  12");
    CHECK(back->identification_number == "1001");
    CHECK(back->branch_number == "00");
    CHECK(back->ref_state.empty());
    CHECK(back->updated_by == "受付 鈴木");
    CHECK(back->updated_at.substr(0, 10) == format_jst_date(now_seconds()));
    CHECK_FALSE(store->chart("C-9999").has_value());
    CHECK(ids_of(store->list_charts({})) == std::vector<std::string>{"C-0001", "C-0002"});

    // The same id again replaces the whole chart.
    auto renamed = chart_of("C-0001", "ヤマダ　ジロウ", "19800102");
    renamed.ref_state = "registered";
    renamed.reception_number = "R202612010001";
    store->save_charts({renamed});
    back = store->chart("C-0001");
    REQUIRE(back.has_value());
    CHECK(back->name_kana == "ヤマダ　ジロウ");
    CHECK(back->birthdate == "19800102");
    CHECK(back->insurer_number.empty());
    CHECK(back->ref_state == "registered");
    CHECK(back->reception_number == "R202612010001");
    CHECK(store->list_charts({}).size() == 2);
    // The derived kana key follows the new name.
    CHECK(charts_where(*store, [](ChartFilter& f) { f.name_kana = "ﾔﾏﾀﾞ ﾀﾛｳ"; }).empty());
    CHECK(ids_of(charts_where(*store, [](ChartFilter& f) { f.name_kana = "ﾔﾏﾀﾞ ｼﾞﾛｳ"; })) ==
          std::vector<std::string>{"C-0001"});

    const auto saves = audit_of(*store, "chart.save");
    REQUIRE(saves.size() == 3);
    CHECK(saves[0].object == "chart:C-0001");
    CHECK(saves[1].object == "chart:C-0002");
    CHECK(saves[2].detail.find(R"("ref_state":"registered")") != std::string::npos);
    CHECK(saves[2].detail.find("R202612010001") != std::string::npos);
    for (const auto& a : saves) {
        CHECK(a.operator_name == "受付 鈴木");
        CHECK(a.detail.find("ヤマダ") == std::string::npos);
        CHECK(a.detail.find("1980") == std::string::npos);
    }
    CHECK(verify_audit_chain(*store).ok);
}

TEST_CASE("store charts list_charts filters by kana, birthdate, insurance and registration") {
    TempDir dir;
    auto store = open_store(dir.db());
    auto yamada = chart_of("C-1", "ヤマダ　タロウ", "19800101");
    yamada.insurer_number = "  139998";  // a 国保 number, space-padded to 8
    yamada.identification_number = " 1001 ";
    yamada.ref_state = "registered";
    auto yamada2 = chart_of("C-2", "ヤマダタロウ", "19750505");
    yamada2.ref_state = "pending";
    auto park = chart_of("C-3", "パク　ハナ", "19900202");
    park.ref_state = "failed";
    park.ref_code = "EBUK0001";
    park.ref_message = "照会番号が重複しています";
    auto baku = chart_of("C-4", "バク　ハナ", "19900202");
    store->save_charts({yamada, yamada2, park, baku});

    using Ids = std::vector<std::string>;
    // Half-width with an ASCII space finds full-width with or without an ideographic space.
    CHECK(ids_of(charts_where(*store, [](ChartFilter& f) { f.name_kana = "ﾔﾏﾀﾞ ﾀﾛｳ"; })) ==
          Ids{"C-1", "C-2"});
    CHECK(ids_of(charts_where(*store, [](ChartFilter& f) {
              f.name_kana = "ﾔﾏﾀﾞ ﾀﾛｳ";
              f.birthdate = "19800101";
          })) == Ids{"C-1"});
    // The semi-voiced and the voiced mark make different names.
    CHECK(ids_of(charts_where(*store, [](ChartFilter& f) { f.name_kana = "ﾊﾟｸ ﾊﾅ"; })) ==
          Ids{"C-3"});
    CHECK(ids_of(charts_where(*store, [](ChartFilter& f) { f.name_kana = "ﾊﾞｸ ﾊﾅ"; })) ==
          Ids{"C-4"});
    CHECK(charts_where(*store, [](ChartFilter& f) { f.name_kana = "ﾊｸ ﾊﾅ"; }).empty());
    CHECK(ids_of(charts_where(*store, [](ChartFilter& f) { f.birthdate = "19900202"; })) ==
          Ids{"C-3", "C-4"});
    // Insurance numbers compare without the spaces around them, on either side.
    CHECK(ids_of(charts_where(*store, [](ChartFilter& f) {
              f.insurer_number = "139998";
              f.identification_number = "1001";
          })) == Ids{"C-1"});
    CHECK(ids_of(charts_where(*store, [](ChartFilter& f) {
              f.insurer_number = "  139998";
              f.identification_number = "1001 ";
          })) == Ids{"C-1"});
    CHECK(charts_where(*store, [](ChartFilter& f) {
              f.insurer_number = "139998";
              f.identification_number = "1002";
          }).empty());
    CHECK(ids_of(charts_where(*store, [](ChartFilter& f) { f.ref_state = "pending"; })) ==
          Ids{"C-2"});
    CHECK(ids_of(charts_where(*store, [](ChartFilter& f) { f.ref_state = ""; })) == Ids{"C-4"});
    const auto failed = charts_where(*store, [](ChartFilter& f) { f.ref_state = "failed"; });
    REQUIRE(failed.size() == 1);
    CHECK(failed[0].ref_code == "EBUK0001");
    CHECK(failed[0].ref_message == "照会番号が重複しています");
    CHECK(ids_of(charts_where(*store, [](ChartFilter& f) { f.limit = 2; })) == Ids{"C-1", "C-2"});
    CHECK(charts_where(*store, [](ChartFilter& f) { f.limit = 0; }).size() == 4);
}

TEST_CASE("store charts a chart id that looks like a 個人番号 is refused and nothing is saved") {
    TempDir dir;
    auto store = open_store(dir.db());
    const std::string number = with_check_digit("12345678901");
    REQUIRE(looks_like_individual_number(number));
    std::string not_a_number = number;
    not_a_number.back() = number.back() == '9' ? '0' : static_cast<char>(number.back() + 1);
    REQUIRE_FALSE(looks_like_individual_number(not_a_number));

    const auto fine = chart_of("C-1", "ヤマダ　タロウ", "19800101");
    CHECK(error_code_of([&] {
              store->save_charts({fine, chart_of(number, "サトウ　ハナコ", "19900202")});
          }) == Errc::Forbidden);
    // With blanks around it, it is still one.
    for (const std::string& padded : {" " + number, number + " ", "\u3000" + number + "\t"}) {
        CHECK(error_code_of([&] { store->save_charts({chart_of(padded, "", "")}); }) ==
              Errc::Forbidden);
    }
    // Checked before anything is written: the valid chart before it is not saved either.
    CHECK(store->list_charts({}).empty());
    CHECK(store->audit_head().seq == 0);

    // Other bad charts are InvalidArgument, equally unwritten.
    CHECK(error_code_of([&] { store->save_charts({chart_of("", "ア", "")}); }) ==
          Errc::InvalidArgument);
    CHECK(error_code_of([&] { store->save_charts({chart_of(std::string(201, '9'), "", "")}); }) ==
          Errc::InvalidArgument);
    auto bad_state = fine;
    bad_state.ref_state = "done";
    CHECK(error_code_of([&] { store->save_charts({bad_state}); }) == Errc::InvalidArgument);
    try {
        // Too long, in characters of three bytes: the message quotes its start whole.
        std::string id = "x";
        for (int i = 0; i < 70; ++i) id += "カ";
        store->save_charts({chart_of(id, "", "")});
        FAIL("a chart id over 200 bytes was saved");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::InvalidArgument);
        CHECK(e.detail().find("id xカカカカカカ… is too long") != std::string::npos);
    }
    CHECK(store->list_charts({}).empty());
    CHECK(store->audit_head().seq == 0);

    // 12 digits without a valid check digit are an ordinary 照会番号.
    store->save_charts({chart_of(not_a_number, "", "")});
    CHECK(store->chart(not_a_number).has_value());
    CHECK(verify_audit_chain(*store).ok);
}

TEST_CASE("store charts set_check_match records the chart and list_checks filters by state") {
    TempDir dir;
    auto store = open_store(dir.db());
    store->set_operator("受付 鈴木");
    CheckRecord check;
    check.checked_at = "2026-11-30T09:00:00+09:00";
    check.name_kana = "ﾔﾏﾀﾞ ﾀﾛｳ";
    const auto a = store->add_check(check);
    check.checked_at = "2026-11-30T10:00:00+09:00";
    const auto b = store->add_check(check);
    check.checked_at = "2026-11-30T11:00:00+09:00";
    const auto c = store->add_check(check);
    const auto d = store->add_check(check);

    // Never matched: every match field empty.
    auto back = store->check(a);
    REQUIRE(back.has_value());
    CHECK(back->chart_id.empty());
    CHECK(back->match_state.empty());
    CHECK(back->match_rule.empty());
    CHECK(back->match_candidates.empty());

    store->set_check_match(a, {"C-1", "matched", "reference", {}});
    store->set_check_match(b, {"", "ambiguous", "kana_birthdate", {"C-1", "C-2"}});
    store->set_check_match(c, {"", "unmatched", "", {}});
    back = store->check(a);
    CHECK(back->chart_id == "C-1");
    CHECK(back->match_state == "matched");
    CHECK(back->match_rule == "reference");
    CHECK(back->match_candidates.empty());
    back = store->check(b);
    CHECK(back->chart_id.empty());
    CHECK(back->match_state == "ambiguous");
    CHECK(back->match_rule == "kana_birthdate");
    CHECK(back->match_candidates == R"(["C-1","C-2"])");
    CHECK(store->check(c)->match_state == "unmatched");

    // Staff settle the ambiguous one.
    store->set_check_match(b, {"C-2", "matched", "staff", {}});
    back = store->check(b);
    CHECK(back->chart_id == "C-2");
    CHECK(back->match_rule == "staff");
    CHECK(back->match_candidates.empty());

    const auto with_states = [&](std::vector<std::string> states) {
        CheckFilter filter;
        filter.match_states = std::move(states);
        filter.limit = 0;
        std::vector<std::int64_t> ids;
        for (const auto& r : store->list_checks(filter)) ids.push_back(r.id);
        return ids;
    };
    using Ids = std::vector<std::int64_t>;
    CHECK(with_states({}) == Ids{d, c, b, a});
    CHECK(with_states({"matched"}) == Ids{b, a});
    CHECK(with_states({"ambiguous", "unmatched"}) == Ids{c});
    CHECK(with_states({"ambiguous"}).empty());
    CHECK(with_states({""}) == Ids{d});
    CheckFilter both;
    both.match_states = {"matched"};
    both.date = "2026-11-30";
    both.limit = 1;
    REQUIRE(store->list_checks(both).size() == 1);
    CHECK(store->list_checks(both)[0].id == b);

    const auto matches = audit_of(*store, "check.match");
    REQUIRE(matches.size() == 4);
    CHECK(matches[0].object == fmt::format("check:{}", a));
    CHECK(matches[0].operator_name == "受付 鈴木");
    CHECK(matches[1].detail.find(R"("state":"ambiguous")") != std::string::npos);
    CHECK(matches[1].detail.find(R"("candidates":["C-1","C-2"])") != std::string::npos);
    CHECK(matches[3].detail.find(R"("rule":"staff")") != std::string::npos);

    // Unknown check, state or rule, or matched without a chart: refused, nothing written.
    const auto seq = store->audit_head().seq;
    try {
        store->set_check_match(d + 100, {"C-1", "matched", "staff", {}});
        FAIL("an unknown check was matched");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::NotFound);
        CHECK(e.fields().at("id") == std::to_string(d + 100));
    }
    CHECK(error_code_of([&] {
              store->set_check_match(d, {"C-1", "done", "staff", {}});
          }) == Errc::InvalidArgument);
    CHECK(error_code_of([&] {
              store->set_check_match(d, {"C-1", "matched", "guess", {}});
          }) == Errc::InvalidArgument);
    CHECK(error_code_of([&] {
              store->set_check_match(d, {"", "matched", "staff", {}});
          }) == Errc::InvalidArgument);
    CHECK(store->audit_head().seq == seq);
    CHECK(store->check(d)->match_state.empty());
    CHECK(verify_audit_chain(*store).ok);
}

TEST_CASE("store charts add_check keeps match fields it is given") {
    TempDir dir;
    auto store = open_store(dir.db());
    CheckRecord check;
    check.checked_at = "2026-11-30T09:00:00+09:00";
    check.chart_id = "C-7";
    check.match_state = "ambiguous";
    check.match_rule = "insurance";
    check.match_candidates = R"(["C-7","C-8"])";
    const auto id = store->add_check(check);
    const auto back = store->check(id);
    REQUIRE(back.has_value());
    CHECK(back->chart_id == "C-7");
    CHECK(back->match_state == "ambiguous");
    CHECK(back->match_rule == "insurance");
    CHECK(back->match_candidates == R"(["C-7","C-8"])");
}

TEST_CASE("store charts medical results: the newest of a patient and kind is the latest") {
    TempDir dir;
    auto store = open_store(dir.db());
    store->set_operator("医師 田中");
    CHECK_FALSE(store->latest_medical_result("ref:R-1", "drugs").has_value());

    auto first = result_of("ref:R-1", "drugs", "<XmlMsg>1</XmlMsg>");
    first.fetched_at = "2000-01-01T00:00:00+09:00";  // set by the store
    first.fetched_by = "someone else";
    first.id = 999;
    const auto id1 = store->add_medical_result(first);
    CHECK(id1 != 999);
    const auto id2 = store->add_medical_result(result_of("ref:R-1", "drugs", "<XmlMsg>2</XmlMsg>"));
    auto pdf = result_of("ref:R-1", "checkups", "JVBERi0xLjQK");
    pdf.format = "pdf";
    const auto id3 = store->add_medical_result(pdf);
    const auto id4 =
        store->add_medical_result(result_of("ref:R-2", "drugs", "<XmlMsg>R2</XmlMsg>"));
    CHECK(id2 > id1);

    // The same second: the later id wins.
    auto latest = store->latest_medical_result("ref:R-1", "drugs");
    REQUIRE(latest.has_value());
    CHECK(latest->id == id2);
    CHECK(latest->document == "<XmlMsg>2</XmlMsg>");
    CHECK(latest->patient_key == "ref:R-1");
    CHECK(latest->kind == "drugs");
    CHECK(latest->format == "xml");
    CHECK(latest->from_month == "202601");
    CHECK(latest->to_month == "202611");
    CHECK(latest->request_id == "REQ-drugs");
    CHECK(latest->fetched_by == "医師 田中");
    CHECK(latest->fetched_at.substr(0, 10) == format_jst_date(now_seconds()));
    // Kinds and patients are kept apart.
    latest = store->latest_medical_result("ref:R-1", "checkups");
    REQUIRE(latest.has_value());
    CHECK(latest->id == id3);
    CHECK(latest->format == "pdf");
    CHECK(latest->document == "JVBERi0xLjQK");
    CHECK(store->latest_medical_result("ref:R-2", "drugs")->id == id4);
    CHECK_FALSE(store->latest_medical_result("ref:R-2", "checkups").has_value());
    CHECK_FALSE(store->latest_medical_result("ref:R-3", "drugs").has_value());

    // By fetch time first: a result fetched later wins over a higher id.
    RawDb raw(dir.db());
    raw.exec(fmt::format(
        "UPDATE medical_results SET fetched_at = '2000-01-01T09:00:00+09:00' WHERE id = {}", id2));
    CHECK(store->latest_medical_result("ref:R-1", "drugs")->id == id1);

    const auto fetches = audit_of(*store, "info.fetch");
    REQUIRE(fetches.size() == 4);
    CHECK(fetches[0].object == fmt::format("medical:{}", id1));
    CHECK(fetches[0].operator_name == "医師 田中");
    CHECK(fetches[0].detail.find(R"("kind":"drugs")") != std::string::npos);
    CHECK(fetches[0].detail.find(R"("patient":"ref:R-1")") != std::string::npos);
    CHECK(fetches[0].detail.find(R"("from":"202601")") != std::string::npos);
    CHECK(fetches[2].detail.find(R"("format":"pdf")") != std::string::npos);
    CHECK(fetches[0].detail.find("XmlMsg") == std::string::npos);  // never the document

    // Unknown kind or format, or no patient: refused, nothing written.
    const auto seq = store->audit_head().seq;
    CHECK(error_code_of([&] { store->add_medical_result(result_of("ref:R-1", "labs", "")); }) ==
          Errc::InvalidArgument);
    auto bad_format = result_of("ref:R-1", "drugs", "");
    bad_format.format = "csv";
    CHECK(error_code_of([&] { store->add_medical_result(bad_format); }) == Errc::InvalidArgument);
    CHECK(error_code_of([&] { store->add_medical_result(result_of("", "drugs", "")); }) ==
          Errc::InvalidArgument);
    CHECK(store->audit_head().seq == seq);
    CHECK(raw.number("SELECT count(*) FROM medical_results") == 4);
    CHECK(verify_audit_chain(*store).ok);
}

TEST_CASE("store charts every write is in the audit chain") {
    TempDir dir;
    auto store = open_store(dir.db());
    store->save_charts({chart_of("C-1", "ヤマダ　タロウ", "19800101")});
    const auto id = store->add_check(CheckRecord{});
    store->set_check_match(id, {"C-1", "matched", "kana_birthdate", {}});
    store->add_medical_result(result_of("ref:C-1", "drugs", "<x/>"));
    std::vector<std::string> actions;
    for (const auto& a : store->list_audit({})) actions.push_back(a.action);
    CHECK(actions ==
          std::vector<std::string>{"chart.save", "check.add", "check.match", "info.fetch"});
    const auto verification = verify_audit_chain(*store);
    CHECK(verification.ok);
    CHECK(verification.records == 4);

    // An edit outside mynaq is found.
    RawDb raw(dir.db());
    // The append-only triggers stop accidents; a tamperer drops them first.
    raw.exec("DROP TRIGGER audit_no_update");
    raw.exec(
        "UPDATE audit SET detail = replace(detail, 'matched', 'unmatched') WHERE action = "
        "'check.match'");
    const auto tampered = verify_audit_chain(*store);
    CHECK_FALSE(tampered.ok);
    CHECK(tampered.first_bad_seq == 3);
    CHECK(tampered.reason == "hash");
}

TEST_CASE("store charts a schema-4 store with checks is upgraded to 5 in place") {
    TempDir dir;
    {
        // As a mynaq before charts left it.
        { std::ofstream create(dir.db()); }
        const store::detail::Database db(dir.db(), 1000);
        store::detail::migrate_to(db, 4);
        db.exec(
            "INSERT INTO checks (checked_at, name, name_kana, eligibility) VALUES "
            "('2026-11-01T09:00:00+09:00', 'old patient', 'ﾔﾏﾀﾞ ﾀﾛｳ', 'eligible')",
            "seed a check");
    }
    {
        RawDb raw(dir.db());
        CHECK(raw.number("SELECT max(version) FROM schema_migrations") == 4);
        CHECK(raw.number("SELECT count(*) FROM sqlite_master WHERE name = 'charts'") == 0);
        CHECK(raw.number("SELECT count(*) FROM pragma_table_info('checks') WHERE name = "
                         "'match_state'") == 0);
    }
    auto store = open_store(dir.db());
    const int latest = store::detail::latest_schema_version();
    CHECK(latest >= 5);
    CHECK(store->schema_version() == latest);
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

    // The new tables and columns work on the upgraded store.
    store->save_charts({chart_of("C-1", "ヤマダ　タロウ", "19800101")});
    store->set_check_match(checks[0].id, {"C-1", "matched", "kana_birthdate", {}});
    CHECK(store->check(checks[0].id)->chart_id == "C-1");
    store->add_medical_result(result_of("ref:C-1", "checkups", "<x/>"));
    CHECK(store->latest_medical_result("ref:C-1", "checkups").has_value());
    CHECK(verify_audit_chain(*store).ok);

    RawDb raw(dir.db());
    CHECK(raw.number("SELECT max(version) FROM schema_migrations") == latest);
    CHECK(raw.number("SELECT count(*) FROM schema_migrations") == latest);
    CHECK(raw.text("SELECT kana_key FROM charts WHERE chart_id = 'C-1'") == "ヤマダタロウ");
    // Reopening applies nothing twice.
    store.reset();
    store = open_store(dir.db());
    CHECK(raw.number("SELECT count(*) FROM schema_migrations") == latest);
}

TEST_CASE("store charts purge deletes medical results by other_years and keeps charts") {
    TempDir dir;
    auto store = open_store(dir.db());
    const auto old_id = store->add_medical_result(result_of("ref:R-1", "drugs", "old"));
    const auto mid_id = store->add_medical_result(result_of("ref:R-1", "checkups", "two years"));
    const auto new_id = store->add_medical_result(result_of("ref:R-1", "drugs", "today"));
    const auto day_id = store->add_medical_result(result_of("ref:R-2", "drugs", "on the day"));
    store->save_charts({chart_of("C-1", "ヤマダ　タロウ", "19800101")});
    RawDb raw(dir.db());
    // The store dates results itself; date some back as if fetched then.
    raw.exec(fmt::format(
        "UPDATE medical_results SET fetched_at = '2014-05-01T09:00:00+09:00' WHERE id = {}",
        old_id));
    raw.exec(
        fmt::format("UPDATE medical_results SET fetched_at = '{}T09:00:00+09:00' WHERE id "
                    "= {}",
                    jst_date_days_ago(800), mid_id));
    raw.exec(fmt::format(
        "UPDATE medical_results SET fetched_at = '2016-01-01T00:00:00+09:00' WHERE id = {}",
        day_id));
    // Charts are master data: however old, a purge leaves them.
    raw.exec("UPDATE charts SET updated_at = '2010-01-01T09:00:00+09:00'");

    const auto report = store->purge("2016-01-01", {});
    CHECK(report.medical_results == 1);
    CHECK(report.checks == 0);
    CHECK(report.consents == 0);
    CHECK(raw.number(fmt::format("SELECT count(*) FROM medical_results WHERE id = {}", old_id)) ==
          0);
    CHECK(raw.number(fmt::format("SELECT count(*) FROM medical_results WHERE id = {}", day_id)) ==
          1);  // on the day itself: kept
    CHECK(store->chart("C-1").has_value());
    const auto purge = audit_of(*store, "store.purge");
    REQUIRE(purge.size() == 1);
    CHECK(purge[0].detail.find(R"("medical_results":1)") != std::string::npos);

    // Other records: a result of two years ago is kept 3 years.
    const auto seq = store->audit_head().seq;
    const auto before = jst_date_days_ago(400);
    try {
        store->purge(before, {});
        FAIL("purged a medical result within other_years");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::Forbidden);
        CHECK(e.fields().at("kind") == "medical information results");
        CHECK(e.fields().at("years") == "3");
        CHECK(e.fields().at("count") == "1");  // the 2016 one is past the rule already
        CHECK(e.detail().find("other records") != std::string::npos);
    }
    // claims_years does not apply to them.
    CHECK(error_code_of([&] { store->purge(before, {1, 3}); }) == Errc::Forbidden);
    CHECK(store->audit_head().seq == seq);
    CHECK(raw.number("SELECT count(*) FROM medical_results") == 3);

    // With other_years 1, both go; today's result and the chart stay.
    const auto later = store->purge(before, {5, 1});
    CHECK(later.medical_results == 2);
    CHECK(raw.number("SELECT count(*) FROM medical_results") == 1);
    CHECK(store->latest_medical_result("ref:R-1", "drugs")->id == new_id);
    CHECK_FALSE(store->latest_medical_result("ref:R-1", "checkups").has_value());
    CHECK(store->list_charts({}).size() == 1);
    CHECK(verify_audit_chain(*store).ok);
}

TEST_CASE("store charts copy_store between SQLite files carries charts and medical results") {
    TempDir dir;
    auto source = open_store(dir.db());
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
    const auto check_id = source->add_check(CheckRecord{});
    source->set_check_match(check_id, {"", "ambiguous", "kana_birthdate", {"C-1", "C-2"}});
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 4; ++i) {
        ids.push_back(source->add_medical_result(result_of(fmt::format("ref:C-{}", i),
                                                           i % 2 == 0 ? "drugs" : "checkups",
                                                           fmt::format("<XmlMsg>{}</XmlMsg>", i))));
    }
    // A gap in the ids must survive the copy.
    RawDb raw(dir.db());
    raw.exec(fmt::format("DELETE FROM medical_results WHERE id = {}", ids[1]));
    // kana_key is derived: the copy computes it again rather than trusting the source's.
    raw.exec("UPDATE charts SET kana_key = '' WHERE chart_id = 'C-2'");
    REQUIRE(verify_audit_chain(*source).ok);

    auto target = open_store(dir.db("copy.db"));
    const auto report = copy_store(*source, *target);
    CHECK(report.charts == 2);
    CHECK(report.medical_results == 3);
    CHECK(report.checks == 1);
    CHECK(report.audit == 8);  // 2 chart.save, check.add, check.match, 4 info.fetch

    const auto charts_a = source->list_charts({});
    const auto charts_b = target->list_charts({});
    REQUIRE(charts_a.size() == 2);
    REQUIRE(charts_b.size() == charts_a.size());
    for (std::size_t i = 0; i < charts_a.size(); ++i) check_same(charts_a[i], charts_b[i]);
    CHECK(ids_of(charts_where(*target, [](ChartFilter& f) { f.name_kana = "ﾊﾟｸ ﾊﾅ"; })) ==
          std::vector<std::string>{"C-2"});
    CHECK(RawDb(dir.db("copy.db")).text("SELECT kana_key FROM charts WHERE chart_id = 'C-1'") ==
          "ヤマダタロウ");
    for (int i = 0; i < 4; ++i) {
        const auto patient = fmt::format("ref:C-{}", i);
        const auto kind = i % 2 == 0 ? "drugs" : "checkups";
        const auto a = source->latest_medical_result(patient, kind);
        const auto b = target->latest_medical_result(patient, kind);
        REQUIRE(a.has_value() == b.has_value());
        if (a) check_same(*a, *b);
    }
    CHECK_FALSE(target->latest_medical_result("ref:C-1", "checkups").has_value());
    const auto check = target->check(check_id);
    REQUIRE(check.has_value());
    CHECK(check->match_state == "ambiguous");
    CHECK(check->match_candidates == R"(["C-1","C-2"])");
    const auto verification = verify_audit_chain(*target);
    CHECK(verification.ok);
    CHECK(verification.records == 8);

    // The copy goes on from where the source was.
    const auto next = target->add_medical_result(result_of("ref:C-9", "drugs", "new"));
    CHECK(next > ids.back());
    CHECK(verify_audit_chain(*target).ok);

    // A target holding nothing but a chart, or a medical result (not even their audit
    // records), is not empty.
    auto other = open_store(dir.db("other.db"));
    RawDb(dir.db("other.db"))
        .exec(
            "INSERT INTO charts (chart_id, updated_at, updated_by) VALUES ('C-X', "
            "'2026-11-30T09:00:00+09:00', 'x')");
    CHECK(error_code_of([&] { copy_store(*source, *other); }) == Errc::Forbidden);
    CHECK(other->list_charts({}).size() == 1);
    CHECK(other->audit_head().seq == 0);
    auto another = open_store(dir.db("another.db"));
    RawDb(dir.db("another.db"))
        .exec(
            "INSERT INTO medical_results (patient_key, kind, fetched_at) VALUES "
            "('ref:X', 'drugs', '2026-11-30T09:00:00+09:00')");
    CHECK(error_code_of([&] { copy_store(*source, *another); }) == Errc::Forbidden);
    CHECK(another->audit_head().seq == 0);
}
