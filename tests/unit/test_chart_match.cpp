// Tying a face result to a chart: 照会番号 first, then kana + birth date, then the insurance
// numbers; twins, a family on one insurance and a changed insurer.
#include <doctest/doctest.h>

#include "mynaq/chart_match.hpp"
#include "mynaq/files.hpp"

using namespace mynaq;

namespace {

ChartRecord chart(std::string id, std::string kana, std::string birthdate, std::string insurer,
                  std::string number, std::string branch) {
    ChartRecord c;
    c.chart_id = std::move(id);
    c.name_kana = std::move(kana);
    c.birthdate = std::move(birthdate);
    c.insurer_number = std::move(insurer);
    c.card_symbol = "1234";
    c.identification_number = std::move(number);
    c.branch_number = std::move(branch);
    return c;
}

CheckRecord result(std::string kana, std::string birthdate, std::string insurer, std::string number,
                   std::string branch, std::string reference = "") {
    CheckRecord r;
    r.name_kana = std::move(kana);
    r.birthdate = std::move(birthdate);
    r.insurer_number = std::move(insurer);
    r.card_symbol = "1234";
    r.identification_number = std::move(number);
    r.branch_number = std::move(branch);
    r.reference_number = std::move(reference);
    return r;
}

}  // namespace

TEST_CASE("chart match: a known 照会番号 decides alone") {
    ChartMatchInput in;
    in.by_reference = chart("K-1", "ﾓｷﾞ ﾀﾛｳ", "19800101", "06139992", "5678", "01");
    in.by_kana_birthdate = {chart("K-9", "ﾓｷﾞ ﾀﾛｳ", "19800101", "06139992", "5678", "01")};
    const auto m =
        decide_chart_match(result("ﾓｷﾞ ﾀﾛｳ", "19800101", "06139992", "5678", "01", "K-1"), in);
    CHECK(m.match.state == "matched");
    CHECK(m.match.chart_id == "K-1");
    CHECK(m.match.rule == "reference");
    CHECK_FALSE(m.insurance_changed);
}

TEST_CASE("chart match: twins with the same kana and birth date are told apart by branch only") {
    const auto a = chart("T-1", "ﾌﾀｺﾞ ﾐｷ", "20150505", "06139992", "5678", "02");
    const auto b = chart("T-2", "ﾌﾀｺﾞ ﾐｷ", "20150505", "06139992", "5678", "03");
    ChartMatchInput in;
    in.by_kana_birthdate = {a, b};
    const auto second =
        decide_chart_match(result("ﾌﾀｺﾞ ﾐｷ", "20150505", "06139992", "5678", "03"), in);
    CHECK(second.match.state == "matched");
    CHECK(second.match.chart_id == "T-2");
    CHECK(second.match.rule == "kana_birthdate");

    // Without a branch in the result nothing tells them apart: flagged, never picked.
    const auto unknown =
        decide_chart_match(result("ﾌﾀｺﾞ ﾐｷ", "20150505", "06139992", "5678", ""), in);
    CHECK(unknown.match.state == "ambiguous");
    CHECK(unknown.match.chart_id.empty());
    CHECK(unknown.match.candidates == std::vector<std::string>{"T-1", "T-2"});

    // Only one twin has a chart here: the other twin's result is not taken for theirs.
    ChartMatchInput one;
    one.by_kana_birthdate = {a};
    const auto other =
        decide_chart_match(result("ﾌﾀｺﾞ ﾐｷ", "20150505", "06139992", "5678", "03"), one);
    CHECK(other.match.state == "ambiguous");
    CHECK(other.match.candidates == std::vector<std::string>{"T-1"});
}

TEST_CASE("chart match: a family on one insurance matches by branch, or by birth date") {
    const auto parent = chart("F-1", "ｶｿﾞｸ ｲﾁﾛｳ", "19700101", "06139992", "5678", "01");
    const auto child = chart("F-2", "ｶｿﾞｸ ｼﾞﾛｳ", "20100101", "06139992", "5678", "02");
    ChartMatchInput in;
    in.by_insurance = {parent, child};
    // The kana was entered differently at the clinic: the insurance numbers decide.
    const auto m =
        decide_chart_match(result("ｶｿﾞｸ ｼﾞﾛｰ", "20100101", "06139992", "5678", "02"), in);
    CHECK(m.match.state == "matched");
    CHECK(m.match.chart_id == "F-2");
    CHECK(m.match.rule == "insurance");

    // A third child without a chart: branch 03 is nobody here.
    const auto none =
        decide_chart_match(result("ｶｿﾞｸ ｻﾌﾞﾛｳ", "20120101", "06139992", "5678", "03"), in);
    CHECK(none.match.state == "unmatched");

    // Charts kept without branch numbers: the birth date tells; neither known → candidates.
    auto parent_nb = parent;
    parent_nb.branch_number.clear();
    auto child_nb = child;
    child_nb.branch_number.clear();
    child_nb.birthdate.clear();
    ChartMatchInput loose;
    loose.by_insurance = {parent_nb, child_nb};
    const auto by_birth =
        decide_chart_match(result("ｶｿﾞｸ ｲﾁﾛｰ", "19700101", "06139992", "5678", "01"), loose);
    CHECK(by_birth.match.state == "matched");
    CHECK(by_birth.match.chart_id == "F-1");
    const auto unsure =
        decide_chart_match(result("ｶｿﾞｸ ｼﾛｳ", "20140101", "06139992", "5678", "04"), loose);
    CHECK(unsure.match.state == "ambiguous");
    CHECK(unsure.match.candidates == std::vector<std::string>{"F-2"});
}

TEST_CASE("chart match: a changed insurer still matches by kana and birth date, and says so") {
    ChartMatchInput in;
    in.by_kana_birthdate = {chart("C-1", "ﾃﾝｼｮｸ ﾊﾅｺ", "19850303", "06139992", "5678", "01")};
    const auto m = decide_chart_match(result("ﾃﾝｼｮｸ ﾊﾅｺ", "19850303", "01130012", "777", "00"), in);
    CHECK(m.match.state == "matched");
    CHECK(m.match.chart_id == "C-1");
    CHECK(m.insurance_changed);
}

TEST_CASE("chart match: nothing known is unmatched") {
    const auto m = decide_chart_match(result("ﾀﾆﾝ", "20000101", "06139992", "1", "01"), {});
    CHECK(m.match.state == "unmatched");
    CHECK(m.match.candidates.empty());
}

TEST_CASE("chart kana key: half-width, full-width and spacing compare alike") {
    CHECK(chart_kana_key("ﾓｷﾞ ﾀﾛｳ") == chart_kana_key("モギ　タロウ"));
    CHECK(chart_kana_key("ﾓｷﾞ ﾀﾛｳ") == "モギタロウ");
    CHECK(chart_kana_key("ﾊﾟﾊﾞ ｳﾞｧ") == "パバヴァ");
    CHECK(chart_kana_key("ｼｹﾝ ﾊﾅｺ") != chart_kana_key("シケン ハナエ"));
    CHECK(chart_kana_key("ﾞｱ") == "゛ア");  // a mark with nothing before it is kept
}

TEST_CASE("chart match through a real store: twins, a family on one insurance, a changed insurer") {
    TemporaryDirectory dir("mynaq-match");
    auto store = open_sqlite_store({dir.path() / "mynaq.db", 30'000});
    // Charts as staff typed them: full-width kana with an ideographic space.
    store->save_charts({chart("T-1", "フタゴ　ミキ", "20150505", "06139992", "5678", "02"),
                        chart("T-2", "フタゴ　ミキ", "20150505", "06139992", "5678", "03"),
                        chart("F-1", "カゾク　イチロウ", "19700101", "01130012", "42", "01"),
                        chart("F-2", "カゾク　ハナ", "20100101", "01130012", "42", "02"),
                        chart("C-1", "テンショク　ハナコ", "19850303", "06139992", "900", "01")});

    auto twin = result("ﾌﾀｺﾞ ﾐｷ", "20150505", "06139992", "5678", "03");
    auto m = match_chart(twin, *store);
    CHECK(m.match.chart_id == "T-2");
    twin.branch_number.clear();
    m = match_chart(twin, *store);
    CHECK(m.match.state == "ambiguous");
    CHECK(m.match.candidates == std::vector<std::string>{"T-1", "T-2"});

    // The child's kana was entered differently; the insurance and branch find her.
    m = match_chart(result("ｶｿﾞｸ ﾊﾅｺ", "20100101", "01130012", "42", "02"), *store);
    CHECK(m.match.chart_id == "F-2");
    CHECK(m.match.rule == "insurance");
    // A family member without a chart is not given the parent's.
    m = match_chart(result("ｶｿﾞｸ ｼﾞﾛｳ", "20120101", "01130012", "42", "03"), *store);
    CHECK(m.match.state == "unmatched");

    // New job, new insurer: found by kana and birth date, flagged for re-registration.
    m = match_chart(result("ﾃﾝｼｮｸ ﾊﾅｺ", "19850303", "39139993", "00012345", ""), *store);
    CHECK(m.match.chart_id == "C-1");
    CHECK(m.insurance_changed);

    // Recorded on the check, and listed as open while ambiguous.
    CheckRecord stored = twin;
    stored.checked_at = "2026-12-01T09:00:00+09:00";
    stored.person_state = "ok";
    stored.id = store->add_check(stored);
    match_and_record_chart(*store, stored);
    CheckFilter open;
    open.match_states = {"ambiguous", "unmatched"};
    const auto listed = store->list_checks(open);
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].match_candidates == R"(["T-1","T-2"])");
}
