// The outage end to end: the emulated 端末 stops answering, a query times out, staff record
// fallback cases, the 端末 comes back, and the recheck sorts every case into the action list —
// with a kill -9 in the middle of the recheck that must neither lose a case nor send a request
// twice.
#include <csignal>
#include <fstream>
#include <map>
#include <thread>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "oqs_rig.hpp"

namespace {

namespace fs = std::filesystem;
using oqsrig::Rig;

// examples/people.yaml plus a patient whose recorded coverage lapsed while a newer one exists.
fs::path scenario_people(const fs::path& dir) {
    std::ifstream in(oqsrig::people_file());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text += R"(
  - id: t01
    insurer_number: "06139992"
    symbol: "7777"
    number: "1"
    branch: "00"
    birthdate: "19700505"
    name: 転職　一郎
    kana: ﾃﾝｼｮｸ ｲﾁﾛｳ
    sex: "1"
    validity: "3"
    records:
      - InsuredCardClassification: "01"
        PersonalFamilyClassification: "1"
        QualificationDate: "20000401"
        InsuredPartialContributionRatio: "030"
)";
    const auto path = dir / "people-scenario.yaml";
    std::ofstream(path) << text;
    return path;
}

std::vector<std::string> start_args(const std::map<std::string, std::string>& answers) {
    std::vector<std::string> argv{"fallback", "start", "--json"};
    for (const auto& [k, v] : answers) {
        argv.push_back("--answer");
        argv.push_back(k + "=" + v);
    }
    return argv;
}

std::map<std::string, std::string> person(const std::string& name, const std::string& birth,
                                          const std::string& visit = "first") {
    return {{"reason", "network"}, {"visit", visit},           {"name", name},
            {"birthdate", birth},  {"identity", "card_photo"}, {"share.charged", ""}};
}

void add_numbers(std::map<std::string, std::string>& a, const std::string& step,
                 const std::string& insurer, const std::string& symbol, const std::string& number,
                 const std::string& branch, const std::string& ratio) {
    a[step] = "yes";
    a[step + ".insurer_number"] = insurer;
    a[step + ".symbol"] = symbol;
    a[step + ".number"] = number;
    a[step + ".branch"] = branch;
    a[step + ".ratio"] = ratio;
}

}  // namespace

TEST_CASE("fallback outage end to end: timeout, cases, kill -9 during recheck, action list") {
    const auto people_dir = oqsrig::make_temp_dir("people");
    Rig rig(oqsrig::Options{"fallback:\n  query_timeout_s: 1\n", 1});
    rig.use_people(scenario_people(people_dir));

    // Before the outage: 模擬 太郎 is confirmed online, so the store knows his coverage.
    rig.start_terminal();
    CHECK(rig.run({"elig", "query", "--insurer", "06139992", "--symbol", "1234", "--number", "5678",
                   "--branch", "01", "--birthdate", "1980-01-01"})
              .exit_code == 0);
    rig.stop_terminal();

    // The outage: the terminal takes requests and never answers.
    rig.start_terminal({"--never-answer"});
    const auto timed_out = rig.run({"elig", "query", "--insurer", "139998", "--symbol", "模擬01",
                                    "--number", "223344", "--birthdate", "1992-07-15"});
    CHECK(timed_out.exit_code == 75);
    CHECK(timed_out.err.find("fallback start") != std::string::npos);

    // 1. Returning patient, oral check against the stored coverage.
    auto oral = person("模擬 太郎", "1980-01-01", "return");
    oral["portal"] = "no";
    oral["notice"] = "no";
    oral["certificate"] = "no";
    oral["oral"] = "no_change";
    auto j = rig.json(start_args(oral));
    CHECK(j["resolved_by"] == "oral");
    CHECK(j["claim"]["route"] == "former");
    CHECK(j["coverage"]["insurer_number"] == "06139992");
    const auto oral_id = j["id"].get<int>();

    // 2. マイナポータル screen: 国保, and staff charged 2割 as the screen was misread.
    auto portal = person("試験 花子", "1992-07-15");
    add_numbers(portal, "portal", "139998", "模擬01", "223344", "", "2");
    j = rig.json(start_args(portal));
    CHECK(j["share"]["charged"] == 20);
    const auto portal_id = j["id"].get<int>();

    // 3. 資格確認書 of a patient whose coverage was lost: queried at once, times out, kept
    //    pending so the recheck reads that very request's answer.
    auto cert = person("旧姓 五月", "1985-12-31");
    cert["portal"] = "no";
    cert["notice"] = "no";
    add_numbers(cert, "certificate", "06139976", "3333", "909", "01", "3");
    j = rig.json(start_args(cert));
    CHECK(j["state"] == "queued");
    CHECK(j["recheck"]["state"] == "pending");
    const auto cert_id = j["id"].get<int>();

    // 4. お知らせ with numbers that lapsed since (a newer coverage exists).
    auto notice = person("転職 一郎", "1970-05-05");
    notice["portal"] = "no";
    add_numbers(notice, "notice", "06139992", "7777", "1", "00", "3");
    const auto notice_id = rig.json(start_args(notice))["id"].get<int>();

    // 5. First visit, nothing known: 被保険者資格申立書.
    auto declared = person("不明 次郎", "1990-02-02");
    declared["portal"] = "no";
    declared["notice"] = "no";
    declared["certificate"] = "no";
    declared["declaration.address"] = "東京都千代田区模擬町9-9";
    declared["declaration.phone"] = "03-0000-0009";
    declared["declaration.insurance_kind"] = "unknown";
    declared["declaration.employer"] = "模擬商事";
    declared["declaration.signed"] = "yes";
    j = rig.json(start_args(declared));
    CHECK(j["claim"]["route"] == "unknown");
    CHECK(j["claim"]["insurer_number"] == "77777777");
    CHECK(fs::exists(j["form"].get<std::string>()));
    const auto declared_id = j["id"].get<int>();

    CHECK(rig.json({"fallback", "list", "--state", "queued"})["count"] == 5);

    // The recheck while the terminal is still down: kill -9 once the 一括照会 is in req/.
    auto recheck = rig.spawn({"fallback", "recheck", "--json"}, "recheck1");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (oqsrig::count_files(rig.root() / "req", "OQSmuquc01req_") == 0 &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    REQUIRE(oqsrig::count_files(rig.root() / "req", "OQSmuquc01req_") == 1);
    recheck->signal(SIGKILL);
    CHECK(recheck->wait(std::chrono::seconds(10)) == 128 + SIGKILL);
    // No case was lost: all five are still there, and none is marked done by half.
    CHECK(rig.json({"fallback", "list"})["count"] == 5);

    // The terminal is back. The rerun resumes: the same upload, answered now.
    rig.stop_terminal();
    rig.start_terminal();
    const auto report = rig.json({"fallback", "recheck", "--json"});
    CHECK(report["resumed"] == true);
    std::map<int, std::string> action;
    for (const auto& c : report["cases"]) action[c["id"].get<int>()] = c["recheck"]["action"];
    CHECK(action[oral_id] == "as_recorded");
    CHECK(action[portal_id] == "different_share");
    CHECK(action[cert_id] == "ineligible");
    CHECK(action[notice_id] == "different_insurer");
    // The declaration had nothing to query by: the killed run already settled it.
    CHECK(action.count(declared_id) == 0);
    const auto shown = rig.json({"fallback", "show", std::to_string(declared_id)});
    CHECK(shown["state"] == "rechecked");
    CHECK(shown["recheck"]["action"] == "still_unknown");

    // Nothing was sent twice: one upload for the day, and one single query for the 資格確認書
    // (the request written during the flow); before it, the two ordinary queries.
    CHECK(oqsrig::count_files(rig.root() / "res", "OQSmuquc01res_") == 1);
    CHECK(oqsrig::count_files(rig.root() / "res", "OQSsiquc01res_") == 3);
    CHECK(oqsrig::count_files(rig.root() / "req", "") == 0);

    // The action list for staff and claims, and the export with the 不詳 markers.
    const auto list = rig.run({"--lang", "ja", "fallback", "actions"});
    CHECK(list.exit_code == 0);
    CHECK(list.out.find("不当利得") != std::string::npos);
    CHECK(list.out.find("不詳請求") != std::string::npos);
    const auto csv = rig.run({"fallback", "export", "--format", "csv"});
    CHECK(csv.out.starts_with("\xEF\xBB\xBF"));
    CHECK(csv.out.find("77777777") != std::string::npos);
    CHECK(csv.out.find("事業所名:模擬商事") != std::string::npos);
    // A second recheck has nothing left to do.
    CHECK(rig.json({"fallback", "recheck", "--json"})["count"] == 0);
    // Every change was audited.
    const auto audit = rig.json({"audit", "list", "--action", "fallback."});
    CHECK(audit["count"].get<int>() >= 10);
    fs::remove_all(people_dir);
}

TEST_CASE("fallback start keeps the case when the 端末's folder is not even mounted") {
    Rig rig(oqsrig::Options{"fallback:\n  query_timeout_s: 1\n", 1});
    fs::remove_all(rig.root());
    auto cert = person("模擬 太郎", "1980-01-01");
    cert["portal"] = "no";
    cert["notice"] = "no";
    add_numbers(cert, "certificate", "06139992", "1234", "5678", "01", "3");
    const auto r = rig.run(start_args(cert));
    CHECK(r.exit_code == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["state"] == "queued");
    CHECK(j["resolved_by"] == "certificate");
    CHECK(rig.json({"fallback", "list", "--state", "queued"})["count"] == 1);
}
