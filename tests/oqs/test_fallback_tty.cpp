// The guided fallback flow at a real terminal (tmux): staff read the questions on the screen
// and type answers, in Japanese and in English, for every rung of the ladder; a flow killed
// half-way keeps what was answered and resumes.
#include <csignal>
#include <utility>

#include <doctest/doctest.h>

#include "oqs_rig.hpp"
#include "tty_session.hpp"

namespace {

using oqsrig::Rig;
using Script = std::vector<std::pair<std::string, std::string>>;  // wait for, then type

ttyrig::TtyOptions terminal_options(const std::string& lang) {
    ttyrig::TtyOptions o;
    o.env["LANG"] = lang == "ja" ? "ja_JP.UTF-8" : "C.UTF-8";
    o.unset_env = {"LC_ALL", "LC_MESSAGES"};
    o.height = 60;
    return o;
}

std::unique_ptr<ttyrig::TtySession> open_flow(const Rig& rig, const std::string& lang,
                                              std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{
        MYNAQ_BINARY, "--config", rig.config_file().string(), "--lang", lang, "fallback", "start"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return std::make_unique<ttyrig::TtySession>(argv, terminal_options(lang));
}

void play(const ttyrig::TtySession& tty, const Script& script) {
    for (const auto& [wait, type] : script) {
        // Each question is answered once: wait for one more occurrence than already answered.
        tty.expect(wait, std::chrono::seconds(15));
        tty.send_line(type);
    }
}

// The patient block of the flow in Japanese, up to the identity question.
Script patient_ja(const std::string& reason, const std::string& visit, const std::string& name,
                  const std::string& birth) {
    return {{"理由は？", reason}, {"初診ですか", visit}, {"氏名", name},        {"フリガナ", ""},
            {"生年月日", birth},  {"性別", "1"},         {"本人確認の方法", ""}};
}

Script patient_en(const std::string& reason, const std::string& visit, const std::string& name,
                  const std::string& birth) {
    return {{"Why did online", reason}, {"First visit or", visit}, {"Name\n", name},
            {"Name in kana", ""},       {"Date of birth", birth},  {"Sex", "2"},
            {"How was the patient", ""}};
}

}  // namespace

TEST_CASE("fallback tty ja: card and マイナポータル screen, a wrong check digit typed again") {
    Rig rig(oqsrig::Options{"", 1});
    auto tty = open_flow(rig, "ja");
    play(*tty, patient_ja("2", "1", "模擬 太郎", "S55.1.1"));
    play(*tty, {{"マイナポータルの資格情報画面を提示", "y"}, {"保険者番号", "06139993"}});
    tty->expect("もう一度入力してください");
    play(*tty, {{"保険者番号", "06139992"},
                {"記号", "1234"},
                {"番号", "5678"},
                {"枝番", "1"},
                {"負担割合（1〜3割）", "3"}});
    tty->expect("徴収する負担割合の目安: 3割（提示された資格情報の割合）");
    play(*tty, {{"徴収する負担割合", ""}, {"メモ", ""}});
    CHECK(tty->wait_exit(std::chrono::seconds(15)) == 0);
    tty->expect("記録しました: 代替確認 #1（再確認待ち）");
    const auto j = rig.json({"fallback", "show", "1"});
    CHECK(j["resolved_by"] == "portal");
    CHECK(j["birthdate"] == "1980-01-01");
    CHECK(j["coverage"]["branch"] == "01");
    CHECK(j["identity_method"] == "card_photo");
}

TEST_CASE("fallback tty en: card and 資格情報のお知らせ") {
    Rig rig(oqsrig::Options{"", 1});
    auto tty = open_flow(rig, "en");
    play(*tty, patient_en("5", "2", "Shiken Hanako", "1992-07-15"));
    play(*tty, {{"coverage screen?", "n"},
                {"資格情報のお知らせ?", "y"},
                {"Insurer number", "139998"},
                {"Symbol", "模擬01"},
                {"Number", "223344"},
                {"Branch number", ""},
                {"Share (1–3", "3"},
                {"Share to collect\n", ""},
                {"Note (optional)", "brought the notice"}});
    CHECK(tty->wait_exit(std::chrono::seconds(15)) == 0);
    tty->expect("Recorded fallback case #1 (waiting for recheck)");
    const auto j = rig.json({"fallback", "show", "1"});
    CHECK(j["resolved_by"] == "notice");
    CHECK(j["reason"] == "chip");
    CHECK(j["note"] == "brought the notice");
}

TEST_CASE("fallback tty ja: 資格確認書 queried at once, confirmed online when the system answers") {
    Rig rig(oqsrig::Options{"fallback:\n  query_timeout_s: 5\n", 5});
    rig.start_terminal();
    auto tty = open_flow(rig, "ja");
    play(*tty, patient_ja("7", "1", "模擬 太郎", "1980-01-01"));
    play(*tty, {{"マイナポータルの資格情報画面を提示", "n"},
                {"資格情報のお知らせ」を提示", "n"},
                {"資格確認書を提示", "y"},
                {"保険者番号", "06139992"},
                {"記号", "1234"},
                {"番号", "5678"},
                {"枝番", "01"},
                {"負担割合（1〜3割）", "3"},
                {"資格確認書の有効期限", "2027-07-31"},
                {"徴収する負担割合", ""},
                {"メモ", ""}});
    CHECK(tty->wait_exit(std::chrono::seconds(20)) == 0);
    tty->expect("オンラインで確認できました");
    CHECK(rig.json({"fallback", "show", "1"})["state"] == "confirmed");
}

TEST_CASE("fallback tty en: a returning patient confirmed orally against the last coverage") {
    Rig rig(oqsrig::Options{"", 2});
    rig.start_terminal();
    REQUIRE(rig.run({"elig", "query", "--insurer", "06139992", "--symbol", "1234", "--number",
                     "5678", "--branch", "01", "--birthdate", "1980-01-01"})
                .exit_code == 0);
    rig.stop_terminal();
    auto tty = open_flow(rig, "en");
    play(*tty, patient_en("3", "2", "模擬　太郎", "1980-01-01"));
    play(*tty, {{"coverage screen?", "n"}, {"資格情報のお知らせ?", "n"}, {"資格確認書?", "n"}});
    tty->expect("Last recorded coverage");
    tty->expect("06139992 1234 5678-01 (3割)");
    play(*tty,
         {{"Has anything changed", "1"}, {"Share to collect\n", ""}, {"Note (optional)", ""}});
    CHECK(tty->wait_exit(std::chrono::seconds(15)) == 0);
    const auto j = rig.json({"fallback", "show", "1"});
    CHECK(j["resolved_by"] == "oral");
    CHECK(j["claim"]["route"] == "former");
}

TEST_CASE(
    "fallback tty ja: first visit with the 被保険者資格申立書, a share other than suggested") {
    Rig rig(oqsrig::Options{"", 1});
    auto tty = open_flow(rig, "ja");
    play(*tty, patient_ja("1", "1", "申立 花子", "1960-03-03"));
    play(*tty, {{"マイナポータルの資格情報画面を提示", "2"},
                {"資格情報のお知らせ」を提示", "2"},
                {"資格確認書を提示", "2"},
                {"郵便番号", "100-0001"},
                {"住所", "東京都千代田区模擬町1-1"},
                {"電話番号", "03-1111-2222"},
                {"保険の種別", "5"},
                {"被扶養者（家族）ですか", "1"},
                {"勤務先・事業所名", "模擬商事株式会社"},
                {"事業所の所在地", ""},
                {"保険者名（わかれば）", ""},
                {"記号（わかれば）", ""},
                {"番号（わかれば）", ""},
                {"申し立てる負担割合", "3"},
                {"署名をもらいましたか", "y"}});
    tty->expect("原則3割");
    play(*tty,
         {{"徴収する負担割合", "100"}, {"既定と違う割合にした理由", "本人の希望"}, {"メモ", ""}});
    CHECK(tty->wait_exit(std::chrono::seconds(15)) == 0);
    tty->expect("被保険者資格申立書を書き出しました");
    const auto j = rig.json({"fallback", "show", "1"});
    CHECK(j["resolved_by"] == "declaration");
    CHECK(j["share"]["charged"] == 100);
    CHECK(j["share"]["override_note"] == "本人の希望");
    CHECK(j["claim"]["insurer_number"] == "77777777");
    CHECK(j["declaration"]["employer"] == "模擬商事株式会社");
}

TEST_CASE("fallback tty en: disaster mode with oral consent and a found patient") {
    Rig rig(
        oqsrig::Options{"fallback:\n  disaster:\n    from: 2026-11-28\n    to: 2026-12-04\n", 1});
    auto tty = open_flow(rig, "en");
    play(*tty, patient_en("9", "1", "模擬 太郎", "1980-01-01"));
    tty->expect("2026-11-28");
    play(*tty, {{"Disaster measure: enabled from", ""},
                {"Disaster measure: enabled until", ""},
                {"Area", "模擬市"},
                {"Address (if used", ""},
                {"Consent to the lookup", "1"},
                {"was the patient found?", "y"},
                {"Insurer number", "06139992"},
                {"Symbol", "1234"},
                {"Number", "5678"},
                {"Branch number", "01"},
                {"Share (1–3", ""},
                {"Share to collect\n", ""},
                {"Note (optional)", ""}});
    CHECK(tty->wait_exit(std::chrono::seconds(15)) == 0);
    const auto j = rig.json({"fallback", "show", "1"});
    CHECK(j["resolved_by"] == "disaster");
    CHECK(j["disaster"]["period_from"] == "2026-11-28");
    CHECK(j["disaster"]["consent"] == "oral");
    // The oral consent went into the ledger under the patient's numbers.
    CHECK(j["disaster"]["consent_ids"].size() == 4);
    CHECK(rig.json({"consent", "list"})["count"] == 4);
}

TEST_CASE("fallback tty ja: kill -9 in the middle keeps the case, and --resume finishes it") {
    Rig rig(oqsrig::Options{"", 1});
    auto tty = open_flow(rig, "ja");
    play(*tty, patient_ja("3", "1", "途中 三郎", "1975-05-05"));
    // The patient group is saved once the next group begins.
    tty->expect("マイナポータルの資格情報画面を提示");
    tty->kill_program(SIGKILL);
    CHECK(tty->wait_exit(std::chrono::seconds(10)) == 128 + SIGKILL);
    const auto list = rig.json({"fallback", "list", "--state", "in_progress"});
    REQUIRE(list["count"] == 1);
    CHECK(list["cases"][0]["name"] == "途中 三郎");
    auto resumed = open_flow(rig, "ja", {"--resume", "1"});
    // The answered questions are not asked again.
    resumed->expect("マイナポータルの資格情報画面を提示");
    CHECK(resumed->count("氏名") == 0);
    play(*resumed, {{"マイナポータルの資格情報画面を提示", "y"},
                    {"保険者番号", "06139992"},
                    {"記号", ""},
                    {"番号", "5678"},
                    {"枝番", ""},
                    {"負担割合（1〜3割）", "3"},
                    {"徴収する負担割合", ""},
                    {"メモ", ""}});
    CHECK(resumed->wait_exit(std::chrono::seconds(15)) == 0);
    const auto j = rig.json({"fallback", "show", "1"});
    CHECK(j["state"] == "queued");
    CHECK(j["name"] == "途中 三郎");
    CHECK(rig.json({"fallback", "list"})["count"] == 1);
}

TEST_CASE("fallback tty ja: elig query times out and offers the fallback flow") {
    Rig rig(oqsrig::Options{"", 1});
    rig.start_terminal({"--never-answer"});
    ttyrig::TtySession tty(
        {MYNAQ_BINARY, "--config", rig.config_file().string(), "--lang", "ja", "elig", "query",
         "--insurer", "06139992", "--number", "5678", "--birthdate", "1980-01-01"},
        terminal_options("ja"));
    play(tty, {{"代替確認を始めますか", "y"}});
    play(tty, {{"理由は？", "2"},
               {"初診ですか", "2"},
               {"氏名", "模擬 太郎"},
               {"フリガナ", ""},
               {"性別", "1"},
               {"本人確認の方法", ""},
               {"マイナポータルの資格情報画面を提示", "n"},
               {"資格情報のお知らせ」を提示", "n"},
               {"資格確認書を提示", "y"},
               {"負担割合（1〜3割）", "3"},
               {"資格確認書の有効期限", ""},
               {"徴収する負担割合", ""},
               {"メモ", ""}});
    CHECK(tty.wait_exit(std::chrono::seconds(15)) == 0);
    const auto j = rig.json({"fallback", "show", "1"});
    // What the query knew was carried over: the numbers and the birth date.
    CHECK(j["coverage"]["insurer_number"] == "06139992");
    CHECK(j["birthdate"] == "1980-01-01");
    CHECK(j["resolved_by"] == "certificate");
}
