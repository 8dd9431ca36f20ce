// The guided fallback flow (policy.md §3.2 ladder, §3.4 share, §3.6 disaster) driven question by
// question and from answer sets: every branch, the answers it refuses, and resumption.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "error_code_of.hpp"
#include "mynaq/error.hpp"
#include "mynaq/fallback/case.hpp"
#include "mynaq/fallback/ladder.hpp"
#include "mynaq/oqs/message.hpp"

using namespace mynaq;
using namespace mynaq::fallback;
using mynaq::test::error_code_of;

namespace {

const std::string kToday = "2026-12-01";
const std::string kClock = "2026-12-01T10:15:00+09:00";

// The only patient the store knows: 山田 太郎, born 1980-05-10.
PreviousCoverage yamada_previous() {
    PreviousCoverage p;
    p.coverage = {"06139992", "12", "3456", "01", "3", "テスト健保", ""};
    p.check_id = 42;
    p.checked_at = "2026-11-02T09:00:00+09:00";
    p.eligibility = "valid";
    return p;
}

LadderContext context() {
    LadderContext ctx;
    ctx.today = kToday;
    ctx.facility = "1312345678";
    ctx.operator_name = "受付A";
    ctx.clock = [] { return kClock; };
    ctx.previous = [](const Case& c) -> std::optional<PreviousCoverage> {
        if (c.name == "山田 太郎" && c.birthdate == "1980-05-10") return yamada_previous();
        return std::nullopt;
    };
    return ctx;
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

bool is_question_id(const std::string& id) {
    const auto& ids = question_ids();
    return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// Drives a Ladder: optional and defaulted questions on the way to the one answered are taken
// empty, a required one on the way fails the test. Every question asked is remembered.
class Flow {
public:
    explicit Flow(Case start = {}, LadderContext ctx = context())
        : ladder_(std::move(start), std::move(ctx)) {}

    void give(const std::string& id, const std::string& value) {
        skip_until(id);
        record(id);
        ladder_.answer(value);
    }

    // Passes optional and defaulted questions until `id` is the next question.
    void skip_until(const std::string& id) {
        for (;;) {
            const auto q = ladder_.next();
            REQUIRE_MESSAGE(q.has_value(), "the flow ended before " << id);
            if (q->id == id) return;
            REQUIRE_MESSAGE((q->optional || !q->default_value.empty()),
                            "'" << q->id << "' needs an answer before '" << id << "'");
            record(q->id);
            ladder_.answer("");
        }
    }

    // Takes the empty answer for everything left; all of it must be optional or defaulted.
    void finish() {
        while (const auto q = ladder_.next()) {
            REQUIRE_MESSAGE((q->optional || !q->default_value.empty()),
                            "'" << q->id << "' needs an answer to finish");
            record(q->id);
            ladder_.answer("");
        }
        CHECK(ladder_.complete());
    }

    [[nodiscard]] std::string next_id() const {
        const auto q = ladder_.next();
        return q ? q->id : std::string{};
    }
    [[nodiscard]] bool asked(const std::string& id) const {
        return std::find(asked_.begin(), asked_.end(), id) != asked_.end();
    }
    [[nodiscard]] const std::vector<std::string>& asked_ids() const { return asked_; }
    Ladder& ladder() { return ladder_; }
    [[nodiscard]] const Case& current() const { return ladder_.current(); }

private:
    void record(const std::string& id) {
        CHECK_MESSAGE(is_question_id(id), id << " is not in question_ids()");
        asked_.push_back(id);
    }
    Ladder ladder_;
    std::vector<std::string> asked_;
};

void patient(Flow& f, const std::string& reason, const std::string& visit, const std::string& name,
             const std::string& birthdate) {
    f.give("reason", reason);
    f.give("visit", visit);
    f.give("name", name);
    f.give("birthdate", birthdate);
}

void numbers(Flow& f, const std::string& step, const std::string& insurer,
             const std::string& ratio) {
    f.give(step + ".insurer_number", insurer);
    f.give(step + ".symbol", "12");
    f.give(step + ".number", "3456");
    f.give(step + ".branch", "1");
    f.give(step + ".ratio", ratio);
}

// Portal, お知らせ and 資格確認書 all unavailable.
void no_documents(Flow& f) {
    f.give("portal", "no");
    f.give("notice", "no");
    f.give("certificate", "no");
}

void declaration(Flow& f) {
    f.give("declaration.address", "東京都千代田区千代田1-1");
    f.give("declaration.phone", "03-1234-5678");
    f.give("declaration.insurance_kind", "employee");
    f.give("declaration.employer", "株式会社テスト");
    f.give("declaration.signed", "yes");
}

Errc code_of_answer(Flow& f, const std::string& value, std::string* question = nullptr) {
    try {
        f.ladder().answer(value);
    } catch (const Error& e) {
        if (question) {
            const auto it = e.fields().find("question");
            *question = it == e.fields().end() ? "" : it->second;
        }
        return e.code();
    }
    FAIL("the answer '" << value << "' was accepted");
    return Errc::Internal;
}

}  // namespace

TEST_CASE("fallback ladder test insurer numbers have valid check digits") {
    REQUIRE(oqs::insurer_check_digit_ok("06139992"));
    REQUIRE(oqs::insurer_check_digit_ok("139998"));
    REQUIRE_FALSE(oqs::insurer_check_digit_ok("06139993"));
}

TEST_CASE("fallback ladder portal numbers settle the case") {
    Flow f;
    patient(f, "network", "first", "鈴木 一郎", "S55.5.10");
    CHECK(f.current().state == "in_progress");
    CHECK(f.current().birthdate == "1980-05-10");
    f.give("portal", "yes");
    numbers(f, "portal", "06139992", "3割");
    f.finish();

    const Case& c = f.current();
    CHECK(c.state == "queued");
    CHECK(c.resolved_by == "portal");
    CHECK(c.case_date == kToday);
    CHECK(c.facility == "1312345678");
    CHECK(c.recorded_by == "受付A");
    CHECK(c.reason == "network");
    CHECK(c.visit == "first");
    CHECK(c.name == "鈴木 一郎");
    CHECK(c.coverage.insurer_number == "06139992");
    CHECK(c.coverage.symbol == "12");
    CHECK(c.coverage.number == "3456");
    CHECK(c.coverage.branch == "01");
    CHECK(c.coverage.ratio == "3");
    CHECK(c.claim.route == "normal");
    CHECK(c.claim.insurer_number == "06139992");
    CHECK(c.claim.number == "3456");
    CHECK(c.share.suggested == 30);
    CHECK(c.share.basis == "document");
    CHECK(c.share.charged == 30);
    REQUIRE(c.steps.size() == 1);
    CHECK(c.steps[0].step == "portal");
    CHECK(c.steps[0].outcome == "used");
    CHECK(c.steps[0].at == kClock);
    CHECK_FALSE(c.declaration.has_value());
    CHECK_FALSE(c.disaster.has_value());
    CHECK_FALSE(f.asked("notice"));
    CHECK_FALSE(f.asked("certificate"));
    CHECK_FALSE(f.asked("oral"));
    CHECK_FALSE(f.asked("declaration.address"));
    CHECK_FALSE(f.asked("share.note"));
    CHECK(f.asked("share.charged"));
}

TEST_CASE("fallback ladder 資格情報のお知らせ after the portal is unavailable") {
    Flow f;
    patient(f, "reader", "first", "鈴木 一郎", "1980-05-10");
    f.give("portal", "no");
    f.give("notice", "yes");
    numbers(f, "notice", "139998", "2");
    f.finish();

    const Case& c = f.current();
    CHECK(c.resolved_by == "notice");
    CHECK(c.state == "queued");
    CHECK(c.coverage.insurer_number == "139998");
    CHECK(c.coverage.ratio == "2");
    CHECK(c.claim.route == "normal");
    CHECK(c.claim.insurer_number == "139998");
    CHECK(c.share.suggested == 20);
    CHECK(c.share.basis == "document");
    REQUIRE(c.steps.size() == 2);
    CHECK(c.steps[0].step == "portal");
    CHECK(c.steps[0].outcome == "unavailable");
    CHECK(c.steps[1].step == "notice");
    CHECK(c.steps[1].outcome == "used");
    CHECK_FALSE(f.asked("certificate"));
}

TEST_CASE("fallback ladder without the card: 資格確認書, no portal or notice questions") {
    Flow f;
    patient(f, "no_card", "first", "鈴木 一郎", "1980-05-10");
    // skip_until fails if the required portal or notice question came first.
    f.give("certificate", "yes");
    numbers(f, "certificate", "06139992", "030");
    f.give("certificate.valid_to", "R9.7.31");
    f.finish();

    const Case& c = f.current();
    CHECK_FALSE(f.asked("portal"));
    CHECK_FALSE(f.asked("notice"));
    CHECK(c.resolved_by == "certificate");
    CHECK(c.coverage.insurer_number == "06139992");
    CHECK(c.coverage.ratio == "3");
    CHECK(c.coverage.valid_to == "2027-07-31");
    CHECK(c.claim.route == "normal");
    REQUIRE(c.steps.size() == 1);
    CHECK(c.steps[0].step == "certificate");
    CHECK(c.steps[0].outcome == "used");
}

TEST_CASE("fallback ladder oral confirmation for a returning patient without changes") {
    Flow f;
    patient(f, "terminal", "return", "山田 太郎", "1980-05-10");
    no_documents(f);
    CHECK(f.ladder().previous().has_value());
    f.give("oral", "no_change");
    f.finish();

    const Case& c = f.current();
    const auto prev = yamada_previous();
    CHECK(c.resolved_by == "oral");
    CHECK(c.state == "queued");
    CHECK(c.coverage.insurer_number == prev.coverage.insurer_number);
    CHECK(c.coverage.symbol == prev.coverage.symbol);
    CHECK(c.coverage.number == prev.coverage.number);
    CHECK(c.coverage.ratio == prev.coverage.ratio);
    CHECK(c.previous_check_id == 42);
    CHECK(c.claim.route == "former");
    CHECK(c.claim.insurer_number == "06139992");
    CHECK(c.claim.number == "3456");
    CHECK(c.share.suggested == 30);
    CHECK(c.share.basis == "document");
    REQUIRE(c.steps.size() == 4);
    CHECK(c.steps[3].step == "oral");
    CHECK(c.steps[3].outcome == "used");
    CHECK(c.steps[3].at == kClock);
    CHECK_FALSE(f.asked("declaration.address"));
    CHECK_FALSE(c.declaration.has_value());
}

TEST_CASE("fallback ladder oral confirmation with changes goes on to the declaration") {
    Flow f;
    patient(f, "terminal", "return", "山田 太郎", "1980-05-10");
    no_documents(f);
    f.give("oral", "changed");
    CHECK_FALSE(f.current().resolved_by == "oral");
    declaration(f);
    f.finish();

    const Case& c = f.current();
    CHECK(c.resolved_by == "declaration");
    CHECK(c.state == "queued");
    REQUIRE(c.declaration.has_value());
    CHECK(c.declaration->address == "東京都千代田区千代田1-1");
    CHECK_FALSE(c.coverage.has_numbers());
    CHECK(c.claim.route == "unknown");
    CHECK(c.claim.insurer_number == "77777777");
    const auto oral = std::find_if(c.steps.begin(), c.steps.end(),
                                   [](const StepRecord& s) { return s.step == "oral"; });
    REQUIRE(oral != c.steps.end());
    CHECK(oral->outcome == "changed");
    CHECK(c.steps.back().step == "declaration");
}

TEST_CASE("fallback ladder returning patient without previous coverage goes to the declaration") {
    Flow f;
    // Same name as the known patient, another birth date: the store holds nothing for her.
    patient(f, "terminal", "return", "山田 太郎", "1981-05-10");
    no_documents(f);
    CHECK_FALSE(f.ladder().previous().has_value());
    // skip_until fails if the required oral question came first.
    declaration(f);
    f.finish();

    const Case& c = f.current();
    CHECK_FALSE(f.asked("oral"));
    CHECK(c.resolved_by == "declaration");
    CHECK(c.previous_check_id == 0);
    CHECK(c.claim.route == "unknown");
}

TEST_CASE("fallback ladder first visit fills the 被保険者資格申立書") {
    const std::map<std::string, std::string> answers = {
        {"reason", "power"},
        {"visit", "first"},
        {"name", "佐藤 花子"},
        {"kana", "サトウ ハナコ"},
        {"birthdate", "H2.1.20"},
        {"sex", "female"},
        {"portal", "no"},
        {"notice", "no"},
        {"certificate", "no"},
        {"declaration.postcode", "100-0001"},
        {"declaration.address", "東京都千代田区千代田1-1"},
        {"declaration.phone", "03-1234-5678"},
        {"declaration.insurance_kind", "employee"},
        {"declaration.relation", "insured"},
        {"declaration.employer", "株式会社テスト"},
        {"declaration.employer_address", "東京都港区1-2"},
        {"declaration.insurer_name", "テスト健保"},
        {"declaration.symbol", "12"},
        {"declaration.number", "3456"},
        {"declaration.ratio", "3"},
        {"declaration.signed", "yes"},
    };

    SUBCASE("question by question") {
        Flow f;
        for (const auto& id : question_ids()) {
            if (f.next_id() == id) {
                const auto it = answers.find(id);
                f.give(id, it == answers.end() ? "" : it->second);
            }
        }
        f.finish();
        // The prompt and the answer set build the same case.
        const Case& c = f.current();
        const Case expected = run_answers({}, answers, context());
        CHECK(c.resolved_by == "declaration");
        CHECK(c.state == "queued");
        CHECK(to_json(c) == to_json(expected));
        CHECK_FALSE(f.asked("oral"));
    }
    SUBCASE("from an answer set") {
        const Case c = run_answers({}, answers, context());
        CHECK(c.resolved_by == "declaration");
        CHECK(c.state == "queued");
        CHECK(c.sex == "2");
        CHECK(c.birthdate == "1990-01-20");
        REQUIRE(c.declaration.has_value());
        const Declaration& d = *c.declaration;
        CHECK(d.name == "佐藤 花子");
        CHECK(d.kana == "サトウ ハナコ");
        CHECK(d.birthdate == "1990-01-20");
        CHECK(d.sex == "2");
        CHECK(d.postcode == "100-0001");
        CHECK(d.address == "東京都千代田区千代田1-1");
        CHECK(d.phone == "03-1234-5678");
        CHECK(d.insurance_kind == "employee");
        CHECK(d.relation == "insured");
        CHECK(d.employer == "株式会社テスト");
        CHECK(d.employer_address == "東京都港区1-2");
        CHECK(d.insurer_name == "テスト健保");
        CHECK(d.symbol == "12");
        CHECK(d.number == "3456");
        CHECK(d.declared_ratio == "3");
        CHECK(d.declared_on == kToday);
        CHECK(d.signed_on_paper);
        // No 保険者番号: the claim is 不詳 with the 申立書 details in the 摘要欄.
        CHECK(c.claim.route == "unknown");
        CHECK(c.claim.insurer_number == "77777777");
        CHECK(c.claim.number == "77777777");
        CHECK(contains(c.claim.remarks, "東京都千代田区千代田1-1"));
        CHECK(contains(c.claim.remarks, "03-1234-5678"));
        CHECK(contains(c.claim.remarks, "株式会社テスト"));
        CHECK(c.share.suggested == 30);
        CHECK(c.share.basis == "default");
        REQUIRE_FALSE(c.steps.empty());
        CHECK(c.steps.back().step == "declaration");
        CHECK(c.steps.back().outcome == "used");
    }
    SUBCASE("with the configured 77777779") {
        LadderContext ctx = context();
        ctx.claim.unknown_insurer_number = "77777779";
        ctx.claim.unknown_number = "7777777777";
        const Case c = run_answers({}, answers, ctx);
        CHECK(c.claim.route == "unknown");
        CHECK(c.claim.insurer_number == "77777779");
        CHECK(c.claim.number == "7777777777");
    }
}

TEST_CASE("fallback ladder disaster lookup with oral consent settles the case") {
    LadderContext ctx = context();
    ctx.disaster_from = "2026-11-28";
    ctx.disaster_to = "2026-12-04";
    ctx.disaster_area = "石川県輪島市";
    Flow f({}, ctx);
    patient(f, "disaster", "first", "鈴木 一郎", "1980-05-10");
    f.give("disaster.address", "輪島市1-1");
    f.give("disaster.consent", "oral");
    f.give("disaster.found", "yes");
    numbers(f, "disaster", "06139992", "3");
    f.finish();

    const Case& c = f.current();
    CHECK(c.resolved_by == "disaster");
    CHECK(c.state == "queued");
    REQUIRE(c.disaster.has_value());
    CHECK(c.disaster->period_from == "2026-11-28");
    CHECK(c.disaster->period_to == "2026-12-04");
    CHECK(c.disaster->area == "石川県輪島市");
    CHECK(c.disaster->consent == "oral");
    CHECK(c.disaster->found);
    CHECK(c.disaster->lookup_name == "鈴木 一郎");
    CHECK(c.disaster->lookup_birthdate == "1980-05-10");
    CHECK(c.disaster->lookup_address == "輪島市1-1");
    CHECK(c.coverage.insurer_number == "06139992");
    CHECK(c.claim.route == "normal");
    CHECK(c.claim.insurer_number == "06139992");
    REQUIRE(c.steps.size() == 1);
    CHECK(c.steps[0].step == "disaster");
    CHECK(c.steps[0].outcome == "used");
    for (const char* id : {"portal", "notice", "certificate", "oral", "declaration.address"}) {
        CHECK_MESSAGE(!f.asked(id), id);
    }
}

TEST_CASE("fallback ladder disaster period typed by staff or about a week from today") {
    SUBCASE("typed") {
        Flow f;
        patient(f, "disaster", "first", "鈴木 一郎", "1980-05-10");
        f.give("disaster.from", "R8.11.30");
        f.give("disaster.to", "2026/12/6");
        f.give("disaster.consent", "oral");
        REQUIRE(f.current().disaster.has_value());
        CHECK(f.current().disaster->period_from == "2026-11-30");
        CHECK(f.current().disaster->period_to == "2026-12-06");
    }
    SUBCASE("defaults without configuration") {
        Flow f;
        patient(f, "disaster", "first", "鈴木 一郎", "1980-05-10");
        f.give("disaster.consent", "oral");
        REQUIRE(f.current().disaster.has_value());
        CHECK(f.current().disaster->period_from == kToday);
        CHECK(f.current().disaster->period_to == "2026-12-07");
    }
}

TEST_CASE("fallback ladder disaster consent refused skips the lookup") {
    Flow f;
    patient(f, "disaster", "first", "鈴木 一郎", "1980-05-10");
    f.give("disaster.consent", "refused");
    CHECK(f.next_id() == "portal");
    f.give("portal", "yes");
    numbers(f, "portal", "06139992", "3");
    f.finish();

    const Case& c = f.current();
    CHECK_FALSE(f.asked("disaster.found"));
    CHECK(c.resolved_by == "portal");
    REQUIRE(c.disaster.has_value());
    CHECK(c.disaster->consent == "refused");
    CHECK_FALSE(c.disaster->found);
    REQUIRE(c.steps.size() == 2);
    CHECK(c.steps[0].step == "disaster");
    CHECK(c.steps[0].outcome == "unavailable");
    CHECK(c.steps[1].step == "portal");
}

TEST_CASE("fallback ladder disaster lookup without consent when the patient cannot give it") {
    Flow f;
    patient(f, "disaster", "first", "鈴木 一郎", "1980-05-10");
    f.give("disaster.consent", "unable");
    CHECK(f.next_id() == "disaster.found");
    f.give("disaster.found", "yes");
    numbers(f, "disaster", "139998", "3");
    f.finish();
    CHECK(f.current().resolved_by == "disaster");
    REQUIRE(f.current().disaster.has_value());
    CHECK(f.current().disaster->consent == "unable");
}

TEST_CASE("fallback ladder disaster lookup that finds nothing continues the ladder") {
    Flow f;
    patient(f, "disaster", "first", "鈴木 一郎", "1980-05-10");
    f.give("disaster.consent", "oral");
    f.give("disaster.found", "no");
    CHECK(f.next_id() == "portal");
    f.give("portal", "no");
    f.give("notice", "yes");
    numbers(f, "notice", "06139992", "3");
    f.finish();

    const Case& c = f.current();
    CHECK_FALSE(f.asked("disaster.insurer_number"));
    CHECK(c.resolved_by == "notice");
    REQUIRE(c.disaster.has_value());
    CHECK_FALSE(c.disaster->found);
    REQUIRE(c.steps.size() == 3);
    CHECK(c.steps[0].step == "disaster");
    CHECK(c.steps[0].outcome == "unavailable");
    CHECK(c.claim.route == "normal");
}

TEST_CASE("fallback ladder asks a patient of 70 and over without a known share for the bracket") {
    const std::string seventy2 = "1954-05-10";

    SUBCASE("declared 3割") {
        Flow f;
        patient(f, "power", "first", "鈴木 一郎", seventy2);
        no_documents(f);
        declaration(f);
        f.give("share.declared", "3");
        f.finish();
        CHECK(f.current().share.suggested == 30);
        CHECK(f.current().share.basis == "declared");
        CHECK(f.current().share.charged == 30);
        CHECK_FALSE(f.asked("share.note"));
    }
    SUBCASE("bracket unknown: 2割 by age") {
        Flow f;
        patient(f, "power", "first", "鈴木 一郎", seventy2);
        no_documents(f);
        declaration(f);
        f.give("share.declared", "unknown");
        f.finish();
        CHECK(f.current().share.suggested == 20);
        CHECK(f.current().share.basis == "age70");
        CHECK(f.current().share.charged == 20);
    }
    SUBCASE("portal without a ratio: asked too") {
        Flow f;
        patient(f, "power", "first", "鈴木 一郎", seventy2);
        f.give("portal", "yes");
        f.give("portal.insurer_number", "06139992");
        f.give("portal.number", "3456");
        f.give("share.declared", "2");
        f.finish();
        CHECK(f.current().share.suggested == 20);
        CHECK(f.current().share.basis == "declared");
    }
    SUBCASE("portal with a ratio: not asked") {
        Flow f;
        patient(f, "power", "first", "鈴木 一郎", seventy2);
        f.give("portal", "yes");
        numbers(f, "portal", "06139992", "2");
        f.finish();
        CHECK_FALSE(f.asked("share.declared"));
        CHECK(f.current().share.suggested == 20);
        CHECK(f.current().share.basis == "document");
    }
    SUBCASE("a younger patient is not asked") {
        Flow f;
        patient(f, "power", "first", "鈴木 一郎", "1980-05-10");
        no_documents(f);
        declaration(f);
        f.finish();
        CHECK_FALSE(f.asked("share.declared"));
        CHECK(f.current().share.suggested == 30);
    }
}

TEST_CASE("fallback ladder suggests 2割 for a pre-school child") {
    Flow f;
    patient(f, "power", "first", "鈴木 花", "2023-06-15");
    no_documents(f);
    declaration(f);
    CHECK(f.ladder().suggestion().percent == 20);
    CHECK(f.ladder().suggestion().basis == "preschool");
    f.skip_until("share.charged");
    const auto q = f.ladder().next();
    REQUIRE(q.has_value());
    CHECK(q->default_value == "20");
    f.finish();
    CHECK(f.current().share.suggested == 20);
    CHECK(f.current().share.basis == "preschool");
    CHECK(f.current().share.charged == 20);
    CHECK_FALSE(f.asked("share.declared"));
    CHECK_FALSE(f.asked("share.note"));
}

TEST_CASE("fallback ladder charging other than suggested needs a note") {
    Flow f;
    patient(f, "power", "first", "鈴木 花", "2023-06-15");
    no_documents(f);
    declaration(f);
    f.give("share.charged", "30");
    CHECK(f.next_id() == "share.note");
    std::string question;
    CHECK(code_of_answer(f, "", &question) == Errc::InvalidArgument);
    CHECK(question == "share.note");
    CHECK(f.next_id() == "share.note");
    f.give("share.note", "保護者が3割と申出");
    f.finish();
    CHECK(f.current().share.suggested == 20);
    CHECK(f.current().share.charged == 30);
    CHECK(f.current().share.override_note == "保護者が3割と申出");
}

TEST_CASE("fallback ladder without card or document on a first visit suggests 10割") {
    // policy.md §3.2 step 6: no card and no valid insurance document at all — the baseline is
    // 10割; only a 再診 patient with known data may be charged 3割 etc. at the clinic's
    // discretion. The 申立書 itself is filled "while presenting the マイナンバーカード" (§3.2 step
    // 4).
    Flow f;
    patient(f, "no_card", "first", "鈴木 一郎", "1980-05-10");
    f.give("certificate", "no");
    if (f.next_id().starts_with("declaration")) declaration(f);
    f.skip_until("share.charged");
    CHECK(f.ladder().suggestion().percent == 100);
    CHECK(f.current().share.suggested == 100);
}

TEST_CASE("fallback ladder without card a returning patient with data may be charged 3割") {
    Flow f;
    patient(f, "no_card", "return", "山田 太郎", "1980-05-10");
    f.give("certificate", "no");
    f.give("oral", "no_change");
    f.finish();
    CHECK_FALSE(f.asked("portal"));
    CHECK_FALSE(f.asked("notice"));
    CHECK(f.current().resolved_by == "oral");
    CHECK(f.current().share.suggested == 30);
    CHECK(f.current().claim.route == "former");
}

TEST_CASE("fallback ladder refuses answers that do not fit and stays on the question") {
    Flow f;
    std::string question;

    CHECK(code_of_answer(f, "bogus", &question) == Errc::InvalidArgument);
    CHECK(question == "reason");
    CHECK(f.next_id() == "reason");
    CHECK(f.current().answers.empty());
    f.give("reason", "network");
    CHECK(code_of_answer(f, "second") == Errc::InvalidArgument);
    CHECK(f.next_id() == "visit");
    f.give("visit", "first");
    CHECK(code_of_answer(f, "") == Errc::InvalidArgument);
    CHECK(f.next_id() == "name");
    f.give("name", "鈴木 一郎");

    f.skip_until("birthdate");
    for (const char* bad : {"2026-02-30", "garbage", "S55.2.30", "2026-13-01"}) {
        CAPTURE(bad);
        CHECK(code_of_answer(f, bad, &question) == Errc::InvalidArgument);
        CHECK(question == "birthdate");
        CHECK(f.next_id() == "birthdate");
        CHECK_FALSE(f.current().answers.contains("birthdate"));
    }
    f.give("birthdate", "1980-05-10");

    f.skip_until("portal");
    CHECK(code_of_answer(f, "maybe") == Errc::InvalidArgument);
    CHECK(f.next_id() == "portal");
    f.give("portal", "yes");

    for (const char* bad : {"06139993", "1234", "0613999a", "061399921"}) {
        CAPTURE(bad);
        CHECK(code_of_answer(f, bad, &question) == Errc::InvalidArgument);
        CHECK(question == "portal.insurer_number");
        CHECK(f.next_id() == "portal.insurer_number");
        CHECK_FALSE(f.current().answers.contains("portal.insurer_number"));
    }
    // "!" keeps a number as shown although its check digit does not match.
    f.give("portal.insurer_number", "06139993!");
    CHECK(f.current().answers.at("portal.insurer_number") == "06139993");

    f.skip_until("portal.number");
    CHECK(code_of_answer(f, "") == Errc::InvalidArgument);
    f.give("portal.number", "3456");
    f.skip_until("portal.branch");
    CHECK(code_of_answer(f, "123") == Errc::InvalidArgument);
    f.skip_until("portal.ratio");
    for (const char* bad : {"5", "10割", "abc"}) {
        CAPTURE(bad);
        CHECK(code_of_answer(f, bad) == Errc::InvalidArgument);
        CHECK(f.next_id() == "portal.ratio");
    }
    f.give("portal.ratio", "3");
    f.skip_until("share.charged");
    CHECK(code_of_answer(f, "25") == Errc::InvalidArgument);
    f.finish();

    CHECK(f.current().coverage.insurer_number == "06139993");
    CHECK(f.current().resolved_by == "portal");
    CHECK(error_code_of([&] { f.ladder().answer("x"); }) == Errc::Usage);
}

TEST_CASE("fallback ladder run_answers checks the answer set") {
    const std::map<std::string, std::string> portal = {
        {"reason", "network"},       {"visit", "first"},    {"name", "鈴木 一郎"},
        {"birthdate", "1980-05-10"}, {"portal", "yes"},     {"portal.insurer_number", "06139992"},
        {"portal.number", "3456"},   {"portal.ratio", "3"},
    };

    SUBCASE("complete") {
        const Case c = run_answers({}, portal, context());
        CHECK(c.state == "queued");
        CHECK(c.resolved_by == "portal");
        CHECK(c.claim.route == "normal");
        CHECK(c.claim.insurer_number == "06139992");
        CHECK(c.claim.number == "3456");
    }
    SUBCASE("a key that is not a question") {
        auto answers = portal;
        answers["portal.colour"] = "blue";
        try {
            (void)run_answers({}, answers, context());
            FAIL("accepted an unknown key");
        } catch (const Error& e) {
            CHECK(e.code() == Errc::Usage);
            CHECK(contains(e.detail(), "portal.colour"));
        }
    }
    SUBCASE("a required answer missing") {
        for (const char* missing : {"name", "portal.number", "visit"}) {
            CAPTURE(missing);
            auto answers = portal;
            answers.erase(missing);
            try {
                (void)run_answers({}, answers, context());
                FAIL("accepted answers without " << missing);
            } catch (const Error& e) {
                CHECK(e.code() == Errc::Usage);
                CHECK(contains(e.detail(), missing));
                CHECK(e.fields().at("question") == missing);
            }
        }
    }
    SUBCASE("a value that does not fit") {
        auto answers = portal;
        answers["portal.insurer_number"] = "06139993";
        CHECK(error_code_of([&] { (void)run_answers({}, answers, context()); }) ==
              Errc::InvalidArgument);
    }
}

TEST_CASE("fallback ladder question_ids lists every question once") {
    const auto& ids = question_ids();
    const std::set<std::string> unique(ids.begin(), ids.end());
    CHECK(unique.size() == ids.size());
    for (const char* id : {"reason",
                           "visit",
                           "name",
                           "birthdate",
                           "identity",
                           "disaster.consent",
                           "disaster.found",
                           "disaster.insurer_number",
                           "portal",
                           "portal.insurer_number",
                           "notice",
                           "notice.number",
                           "certificate",
                           "certificate.valid_to",
                           "oral",
                           "declaration.address",
                           "declaration.signed",
                           "share.declared",
                           "share.charged",
                           "share.note",
                           "note"}) {
        CHECK_MESSAGE(unique.contains(id), id);
    }
    // The order the flow asks in is the order listed: the ladder of policy.md §3.2.
    const auto pos = [&](const std::string& id) {
        return std::find(ids.begin(), ids.end(), id) - ids.begin();
    };
    CHECK(pos("portal") < pos("notice"));
    CHECK(pos("notice") < pos("certificate"));
    CHECK(pos("certificate") < pos("oral"));
    CHECK(pos("oral") < pos("declaration.address"));
    CHECK(pos("declaration.signed") < pos("share.charged"));
}

TEST_CASE("fallback ladder every question a flow asks is in question_ids") {
    std::set<std::string> asked;
    const auto collect = [&](const Flow& f) {
        for (const auto& id : f.asked_ids()) {
            CHECK_MESSAGE(is_question_id(id), id);
            asked.insert(id);
        }
    };
    {
        Flow f;
        patient(f, "disaster", "return", "山田 太郎", "1980-05-10");
        f.give("disaster.consent", "oral");
        f.give("disaster.found", "no");
        no_documents(f);
        f.give("oral", "changed");
        declaration(f);
        f.give("share.charged", "100");
        f.give("share.note", "本人の申出");
        f.finish();
        collect(f);
    }
    {
        Flow f;
        patient(f, "other", "first", "鈴木 一郎", "1954-05-10");
        f.give("portal", "no");
        f.give("notice", "no");
        f.give("certificate", "yes");
        numbers(f, "certificate", "139998", "");
        f.give("share.declared", "unknown");
        f.finish();
        collect(f);
    }
    for (const char* id : {"reason_note", "disaster.found", "oral", "declaration.employer",
                           "share.note", "certificate.valid_to", "share.declared"}) {
        CHECK_MESSAGE(asked.contains(id), id);
    }
}

TEST_CASE("fallback ladder resumes a stored case at the next question") {
    // The uninterrupted flow, for comparison.
    Flow whole;
    patient(whole, "terminal", "return", "山田 太郎", "1980-05-10");
    no_documents(whole);
    whole.give("oral", "no_change");
    whole.finish();

    // Interrupted after the お知らせ question, stored, read back and continued.
    Flow first;
    patient(first, "terminal", "return", "山田 太郎", "1980-05-10");
    first.give("portal", "no");
    first.give("notice", "no");
    REQUIRE(first.next_id() == "certificate");
    const Case stored = case_from_json(to_json(first.current()));
    CHECK(stored.state == "in_progress");

    Flow resumed(stored);
    CHECK(resumed.next_id() == "certificate");
    CHECK(resumed.ladder().previous().has_value());
    CHECK(resumed.current().name == "山田 太郎");
    resumed.give("certificate", "no");
    resumed.give("oral", "no_change");
    resumed.finish();
    CHECK_FALSE(resumed.asked("portal"));
    CHECK_FALSE(resumed.asked("reason"));

    const Case& c = resumed.current();
    CHECK(c.state == "queued");
    CHECK(c.resolved_by == "oral");
    CHECK(c.claim.route == "former");
    CHECK(c.previous_check_id == 42);
    REQUIRE(c.steps.size() == 4);
    CHECK(c.steps[0].step == "portal");
    CHECK(c.steps[0].at == kClock);
    CHECK(to_json(c) == to_json(whole.current()));
}

TEST_CASE("fallback ladder resumes from an answer prefix") {
    Case start;
    start.answers = {
        {"reason", "network"},       {"visit", "first"}, {"name", "鈴木 一郎"},     {"kana", ""},
        {"birthdate", "1980-05-10"}, {"sex", ""},        {"identity", "card_photo"}};
    Flow f(start);
    CHECK(f.next_id() == "portal");
    CHECK(f.current().state == "in_progress");
    CHECK(f.current().name == "鈴木 一郎");
    CHECK(f.current().case_date == kToday);
    f.give("portal", "yes");
    numbers(f, "portal", "06139992", "3");
    f.finish();
    CHECK(f.current().resolved_by == "portal");
    CHECK(f.current().answers.at("reason") == "network");
}
