// The guided fallback flow at a real terminal (tmux): staff read each question on the screen
// and type the answer, in Japanese and in English, for every rung of the ladder; a flow killed
// half-way keeps what was answered and resumes; a timed-out query offers the flow.
#include <csignal>
#include <map>
#include <utility>

#include <doctest/doctest.h>

#include "oqs_rig.hpp"
#include "tty_session.hpp"

namespace {

using oqsrig::Rig;
using namespace std::chrono_literals;

// What each question looks like on the screen, as staff read it.
const std::map<std::string, std::pair<std::string, std::string>>& prompts() {
    static const std::map<std::string, std::pair<std::string, std::string>> table = {
        {"offer", {"代替確認を始めますか", "Start the fallback check?"}},
        {"reason", {"できなかった理由は？", "Why did online confirmation fail?"}},
        {"visit", {"初診ですか、再診ですか？", "First visit or returning patient?"}},
        {"name", {"  氏名\n", "  Name\n"}},
        {"kana", {"フリガナ", "Name in kana"}},
        {"birthdate", {"生年月日", "Date of birth"}},
        {"sex", {"性別", "Sex"}},
        {"identity", {"本人確認の方法", "How was the patient identified?"}},
        {"disaster.from", {"利用可能期間の開始日", "Disaster measure: enabled from"}},
        {"disaster.to", {"利用可能期間の終了日", "Disaster measure: enabled until"}},
        {"disaster.area", {"対象地域", "Area"}},
        {"disaster.address", {"住所（照会に使う場合）", "Address (if used for the lookup)"}},
        {"disaster.consent", {"照会への同意", "Consent to the lookup"}},
        {"disaster.found", {"見つかりましたか？", "was the patient found?"}},
        {"portal", {"マイナポータルの資格情報画面を提示", "マイナポータル coverage screen?"}},
        {"notice", {"「資格情報のお知らせ」を提示", "the 資格情報のお知らせ?"}},
        {"certificate", {"資格確認書を提示できますか？", "Can the patient show a 資格確認書?"}},
        {"certificate.valid_to", {"資格確認書の有効期限", "資格確認書 valid until"}},
        {"oral", {"前回から保険の変更はありませんか？", "Has anything changed since then?"}},
        {"insurer_number", {"保険者番号", "Insurer number"}},
        {"symbol", {"  記号\n", "  Symbol\n"}},
        {"number", {"  番号\n", "  Number\n"}},
        {"branch", {"枝番", "Branch number"}},
        {"ratio", {"負担割合（1〜3割）", "Share (1–3 割)"}},
        {"declaration.postcode", {"郵便番号", "Postcode"}},
        {"declaration.address", {"  住所\n", "  Address\n"}},
        {"declaration.phone", {"電話番号", "Phone"}},
        {"declaration.insurance_kind", {"保険の種別", "Kind of insurance"}},
        {"declaration.relation", {"被扶養者（家族）ですか", "Insured person or dependent?"}},
        {"declaration.employer", {"勤務先・事業所名", "Employer\n"}},
        {"declaration.employer_address", {"事業所の所在地", "Employer's address"}},
        {"declaration.insurer_name", {"保険者名（わかれば）", "Insurer name (if known)"}},
        {"declaration.symbol", {"記号（わかれば）", "Symbol (if known)"}},
        {"declaration.number", {"番号（わかれば）", "Number (if known)"}},
        {"declaration.ratio", {"申し立てる負担割合", "Share as declared"}},
        {"declaration.signed", {"署名をもらいましたか？", "Did the patient sign the form?"}},
        {"share.charged", {"  徴収する負担割合\n", "  Share to collect\n"}},
        {"share.note", {"既定と違う割合にした理由", "Why another share than suggested?"}},
        {"note", {"メモ（任意）", "Note (optional)"}},
        {"recorded", {"記録しました: 代替確認 #1", "Recorded fallback case #1"}},
        {"again", {"もう一度入力してください", "Please answer again"}},
        {"previous", {"前回の記録", "Last recorded coverage"}},
        {"confirmed", {"オンラインで確認できました", "Confirmed online"}},
        {"form", {"被保険者資格申立書を書き出しました", "Wrote the 被保険者資格申立書"}},
    };
    return table;
}

std::string text(const std::string& lang, const std::string& id) {
    const auto& p = prompts().at(id);
    return lang == "ja" ? p.first : p.second;
}

ttyrig::TtyOptions terminal_options(const std::string& lang) {
    ttyrig::TtyOptions o;
    o.env["LANG"] = lang == "ja" ? "ja_JP.UTF-8" : "C.UTF-8";
    o.unset_env = {"LC_ALL", "LC_MESSAGES"};
    o.height = 60;
    return o;
}

// Answers the flow one question at a time: waits for the next prompt mark ("> "), checks that
// the question shown since the previous mark is the expected one, then types the answer.
class Staff {
public:
    Staff(const ttyrig::TtySession& tty, std::string lang) : tty_(tty), lang_(std::move(lang)) {}

    void answer(const std::string& id, const std::string& value) {
        ++asked_;
        tty_.expect("> ", 15s, asked_);
        const std::string screen = tty_.screen();
        const auto question = segment(screen);
        INFO("expected the question '" << id << "' in:\n" << question);
        REQUIRE(question.find(text(lang_, id)) != std::string::npos);
        tty_.send_line(value);
    }
    // For the numbers asked under a step: insurer, symbol, number, branch, ratio.
    void numbers(const std::vector<std::string>& values) {
        const char* ids[] = {"insurer_number", "symbol", "number", "branch", "ratio"};
        for (std::size_t i = 0; i < values.size(); ++i) answer(ids[i], values[i]);
    }
    void patient(const std::string& reason, const std::string& visit, const std::string& name,
                 const std::string& birth) {
        answer("reason", reason);
        answer("visit", visit);
        answer("name", name);
        answer("kana", "");
        answer("birthdate", birth);
        answer("sex", "1");
        answer("identity", "");
    }
    // A wrong answer is refused: the same question comes again.
    void refused() { tty_.expect(text(lang_, "again"), 15s); }
    [[nodiscard]] std::string text_of(const std::string& id) const { return text(lang_, id); }

private:
    // The screen between the previous prompt mark and the current one.
    [[nodiscard]] std::string segment(const std::string& screen) const {
        std::size_t end = std::string::npos;
        std::size_t begin = 0;
        std::size_t seen = 0;
        for (std::size_t at = screen.find("> "); at != std::string::npos;
             at = screen.find("> ", at + 2)) {
            ++seen;
            if (seen + 1 == asked_) begin = at;
            if (seen == asked_) {
                end = at;
                break;
            }
        }
        return screen.substr(begin, end == std::string::npos ? end : end - begin);
    }
    const ttyrig::TtySession& tty_;
    std::string lang_;
    std::size_t asked_ = 0;
};

std::unique_ptr<ttyrig::TtySession> open_flow(const Rig& rig, const std::string& lang,
                                              std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{
        MYNAQ_BINARY, "--config", rig.config_file().string(), "--lang", lang, "fallback", "start"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return std::make_unique<ttyrig::TtySession>(argv, terminal_options(lang));
}

const char* const kLanguages[] = {"ja", "en"};

}  // namespace

TEST_CASE("fallback tty card and マイナポータル screen, a wrong check digit typed again") {
    for (const std::string lang : kLanguages) {
        CAPTURE(lang);
        Rig rig(oqsrig::Options{"", 1});
        auto tty = open_flow(rig, lang);
        Staff staff(*tty, lang);
        staff.patient("2", "1", "模擬 太郎", "S55.1.1");
        staff.answer("portal", "y");
        staff.answer("insurer_number", "06139993");
        staff.refused();
        staff.numbers({"06139992", "1234", "5678", "1", "3"});
        tty->expect(lang == "ja" ? "目安: 3割（提示された資格情報の割合）"
                                 : "Share to collect: 30% (the share shown on the document)");
        staff.answer("share.charged", "");
        staff.answer("note", "");
        CHECK(tty->wait_exit(15s) == 0);
        tty->expect(staff.text_of("recorded"));
        const auto j = rig.json({"fallback", "show", "1"});
        CHECK(j["resolved_by"] == "portal");
        CHECK(j["birthdate"] == "1980-01-01");
        CHECK(j["coverage"]["branch"] == "01");
        CHECK(j["identity_method"] == "card_photo");
        CHECK(j["state"] == "queued");
    }
}

TEST_CASE("fallback tty card and 資格情報のお知らせ") {
    for (const std::string lang : kLanguages) {
        CAPTURE(lang);
        Rig rig(oqsrig::Options{"", 1});
        auto tty = open_flow(rig, lang);
        Staff staff(*tty, lang);
        staff.patient("5", "2", "試験 花子", "1992-07-15");
        staff.answer("portal", "n");
        staff.answer("notice", "y");
        staff.numbers({"139998", "模擬01", "223344", "", "3"});
        staff.answer("share.charged", "");
        staff.answer("note", "brought the notice");
        CHECK(tty->wait_exit(15s) == 0);
        tty->expect(staff.text_of("recorded"));
        const auto j = rig.json({"fallback", "show", "1"});
        CHECK(j["resolved_by"] == "notice");
        CHECK(j["reason"] == "chip");
        CHECK(j["note"] == "brought the notice");
    }
}

TEST_CASE("fallback tty 資格確認書 queried at once: confirmed online when the system answers") {
    for (const std::string lang : kLanguages) {
        CAPTURE(lang);
        Rig rig(oqsrig::Options{"fallback:\n  query_timeout_s: 5\n", 5});
        rig.start_terminal();
        auto tty = open_flow(rig, lang);
        Staff staff(*tty, lang);
        staff.patient("7", "1", "模擬 太郎", "1980-01-01");
        staff.answer("portal", "n");
        staff.answer("notice", "n");
        staff.answer("certificate", "y");
        staff.numbers({"06139992", "1234", "5678", "01", "3"});
        staff.answer("certificate.valid_to", "2027-07-31");
        staff.answer("share.charged", "");
        staff.answer("note", "");
        CHECK(tty->wait_exit(20s) == 0);
        tty->expect(staff.text_of("confirmed"));
        CHECK(rig.json({"fallback", "show", "1"})["state"] == "confirmed");
    }
}

TEST_CASE("fallback tty 資格確認書 while the system is down: queued for the recheck") {
    Rig rig(oqsrig::Options{"fallback:\n  query_timeout_s: 1\n", 1});
    rig.start_terminal({"--never-answer"});
    auto tty = open_flow(rig, "ja");
    Staff staff(*tty, "ja");
    staff.patient("3", "1", "模擬 太郎", "1980-01-01");
    staff.answer("portal", "n");
    staff.answer("notice", "n");
    staff.answer("certificate", "y");
    staff.numbers({"06139992", "1234", "5678", "01", "3"});
    staff.answer("certificate.valid_to", "");
    staff.answer("share.charged", "");
    staff.answer("note", "");
    CHECK(tty->wait_exit(20s) == 0);
    tty->expect("再確認待ちにしました");
    const auto j = rig.json({"fallback", "show", "1"});
    CHECK(j["state"] == "queued");
    CHECK(j["recheck"]["state"] == "pending");
}

TEST_CASE("fallback tty a returning patient confirmed orally against the last coverage") {
    for (const std::string lang : kLanguages) {
        CAPTURE(lang);
        Rig rig(oqsrig::Options{"", 2});
        rig.start_terminal();
        REQUIRE(rig.run({"elig", "query", "--insurer", "06139992", "--symbol", "1234", "--number",
                         "5678", "--branch", "01", "--birthdate", "1980-01-01"})
                    .exit_code == 0);
        rig.stop_terminal();
        auto tty = open_flow(rig, lang);
        Staff staff(*tty, lang);
        staff.patient("3", "2", "模擬　太郎", "1980-01-01");
        staff.answer("portal", "n");
        staff.answer("notice", "n");
        staff.answer("certificate", "n");
        tty->expect(staff.text_of("previous"));
        tty->expect("06139992 1234 5678-01 (3割)");
        staff.answer("oral", "1");
        staff.answer("share.charged", "");
        staff.answer("note", "");
        CHECK(tty->wait_exit(15s) == 0);
        const auto j = rig.json({"fallback", "show", "1"});
        CHECK(j["resolved_by"] == "oral");
        CHECK(j["claim"]["route"] == "former");
        CHECK(j["steps"].back()["note"].get<std::string>().starts_with("no change since"));
    }
}

TEST_CASE("fallback tty first visit with the 被保険者資格申立書 and a share other than suggested") {
    for (const std::string lang : kLanguages) {
        CAPTURE(lang);
        Rig rig(oqsrig::Options{"", 1});
        auto tty = open_flow(rig, lang);
        Staff staff(*tty, lang);
        staff.patient("1", "1", "申立 花子", "1960-03-03");
        staff.answer("portal", "2");
        staff.answer("notice", "2");
        staff.answer("certificate", "2");
        staff.answer("declaration.postcode", "100-0001");
        staff.answer("declaration.address", "東京都千代田区模擬町1-1");
        staff.answer("declaration.phone", "03-1111-2222");
        staff.answer("declaration.insurance_kind", "5");
        staff.answer("declaration.relation", "1");
        staff.answer("declaration.employer", "模擬商事株式会社");
        staff.answer("declaration.employer_address", "");
        staff.answer("declaration.insurer_name", "");
        staff.answer("declaration.symbol", "");
        staff.answer("declaration.number", "");
        staff.answer("declaration.ratio", "3");
        staff.answer("declaration.signed", "y");
        staff.answer("share.charged", "100");
        staff.answer("share.note", "本人の希望");
        staff.answer("note", "");
        CHECK(tty->wait_exit(15s) == 0);
        tty->expect(staff.text_of("form"));
        const auto j = rig.json({"fallback", "show", "1"});
        CHECK(j["resolved_by"] == "declaration");
        CHECK(j["share"]["charged"] == 100);
        CHECK(j["share"]["override_note"] == "本人の希望");
        CHECK(j["claim"]["insurer_number"] == "77777777");
        CHECK(j["declaration"]["employer"] == "模擬商事株式会社");
    }
}

TEST_CASE("fallback tty disaster mode with oral consent and a found patient") {
    for (const std::string lang : kLanguages) {
        CAPTURE(lang);
        Rig rig(oqsrig::Options{
            "fallback:\n  disaster:\n    from: 2026-11-28\n    to: 2026-12-04\n", 1});
        auto tty = open_flow(rig, lang);
        Staff staff(*tty, lang);
        staff.patient("9", "1", "模擬 太郎", "1980-01-01");
        staff.answer("disaster.from", "");
        staff.answer("disaster.to", "");
        staff.answer("disaster.area", "模擬市");
        staff.answer("disaster.address", "");
        staff.answer("disaster.consent", "1");
        staff.answer("disaster.found", "y");
        staff.numbers({"06139992", "1234", "5678", "01", ""});
        staff.answer("share.charged", "");
        staff.answer("note", "");
        CHECK(tty->wait_exit(15s) == 0);
        const auto j = rig.json({"fallback", "show", "1"});
        CHECK(j["resolved_by"] == "disaster");
        CHECK(j["disaster"]["period_from"] == "2026-11-28");
        CHECK(j["disaster"]["period_to"] == "2026-12-04");
        CHECK(j["disaster"]["consent"] == "oral");
        // The oral consent went into the ledger under the patient's numbers.
        CHECK(j["disaster"]["consent_ids"].size() == 4);
        CHECK(rig.json({"consent", "list"})["count"] == 4);
    }
}

TEST_CASE("fallback tty kill -9 in the middle keeps the case, and --resume finishes it") {
    for (const std::string lang : kLanguages) {
        CAPTURE(lang);
        Rig rig(oqsrig::Options{"", 1});
        auto tty = open_flow(rig, lang);
        Staff staff(*tty, lang);
        staff.patient("3", "1", "途中 三郎", "1975-05-05");
        // The patient group is saved once the next group begins.
        tty->expect(staff.text_of("portal"));
        tty->kill_program(SIGKILL);
        CHECK(tty->wait_exit(10s) == 128 + SIGKILL);
        const auto list = rig.json({"fallback", "list", "--state", "in_progress"});
        REQUIRE(list["count"] == 1);
        CHECK(list["cases"][0]["name"] == "途中 三郎");
        auto resumed = open_flow(rig, lang, {"--resume", "1"});
        Staff again(*resumed, lang);
        // The questions answered before the crash are not asked again.
        again.answer("portal", "y");
        CHECK(resumed->count(staff.text_of("visit")) == 0);
        again.numbers({"06139992", "", "5678", "", "3"});
        again.answer("share.charged", "");
        again.answer("note", "");
        CHECK(resumed->wait_exit(15s) == 0);
        const auto j = rig.json({"fallback", "show", "1"});
        CHECK(j["state"] == "queued");
        CHECK(j["name"] == "途中 三郎");
        CHECK(rig.json({"fallback", "list"})["count"] == 1);
    }
}

TEST_CASE("fallback tty q stops the flow and keeps what was answered") {
    Rig rig(oqsrig::Options{"", 1});
    auto tty = open_flow(rig, "en");
    Staff staff(*tty, "en");
    staff.patient("2", "1", "Stop Here", "1970-01-01");
    staff.answer("portal", "q");
    CHECK(tty->wait_exit(15s) == 1);
    tty->expect("--resume 1");
    CHECK(rig.json({"fallback", "show", "1"})["state"] == "in_progress");
}

TEST_CASE("fallback tty elig query times out and offers the fallback flow") {
    for (const std::string lang : kLanguages) {
        CAPTURE(lang);
        Rig rig(oqsrig::Options{"", 1});
        rig.start_terminal({"--never-answer"});
        ttyrig::TtySession tty(
            {MYNAQ_BINARY, "--config", rig.config_file().string(), "--lang", lang, "elig", "query",
             "--insurer", "06139992", "--number", "5678", "--birthdate", "1980-01-01"},
            terminal_options(lang));
        Staff staff(tty, lang);
        staff.answer("offer", "y");
        staff.answer("reason", "2");
        staff.answer("visit", "2");
        staff.answer("name", "模擬 太郎");
        staff.answer("kana", "");
        staff.answer("sex", "1");
        staff.answer("identity", "");
        staff.answer("portal", "n");
        staff.answer("notice", "n");
        staff.answer("certificate", "y");
        // The numbers came from the query: only the share is asked.
        staff.answer("ratio", "3");
        staff.answer("certificate.valid_to", "");
        staff.answer("share.charged", "");
        staff.answer("note", "");
        CHECK(tty.wait_exit(15s) == 0);
        const auto j = rig.json({"fallback", "show", "1"});
        CHECK(j["coverage"]["insurer_number"] == "06139992");
        CHECK(j["birthdate"] == "1980-01-01");
        CHECK(j["resolved_by"] == "certificate");
    }
}
