// 照会番号 registration (single and bulk with 処理中 rounds) and face results tied to charts by
// elig watch, with the emulated terminal and a real store.
#include <fstream>
#include <sstream>
#include <thread>

#include <doctest/doctest.h>

#include "oqs_rig.hpp"

using oqsrig::Rig;
using oqsrig::write_faces;

namespace {

nlohmann::json chart_of(const nlohmann::json& list, const std::string& id) {
    for (const auto& c : list["charts"]) {
        if (c["chart_id"] == id) return c;
    }
    return {};
}

}  // namespace

TEST_CASE("elig ref register: one chart, then a CSV through 処理中 rounds, kept in the store") {
    Rig rig;
    rig.start_terminal({"--processing-rounds", "2"});
    const auto one = rig.json({"elig", "ref", "register", "--chart", "K000101", "--insurer",
                               "06139992", "--symbol", "1234", "--number", "5678", "--branch", "01",
                               "--kana", "モギ　タロウ", "--birthdate", "1980-01-01", "--json"});
    CHECK(one["chart"]["ref_state"] == "registered");
    CHECK(oqsrig::count_files(rig.root() / "res", "OQSsiimm01res_") == 1);

    // Someone the system does not know is refused and kept as failed with the system's reason.
    const auto unknown = rig.run({"elig", "ref", "register", "--chart", "X-1", "--insurer",
                                  "06139992", "--number", "999999", "--json"});
    CHECK(unknown.exit_code == 1);

    const auto csv = rig.dir() / "charts.csv";
    std::ofstream(csv) << "カルテ番号,保険者番号,記号,番号,枝番,カナ氏名,生年月日\n"
                          "K-p02,139998,模擬01,223344,,シケン　ハナコ,1992-07-15\n"
                          "K-p03,39139993,,00012345,,,1940-03-02\n"
                          "K-zz,06139992,1234,000000,09,,\n";
    const auto bulk = rig.json(
        {"elig", "ref", "register", "--csv", csv.string(), "--interval", "0.05", "--json"}, 1);
    CHECK(bulk["total"] == 3);
    CHECK(bulk["registered"] == 2);
    CHECK(bulk["failed"] == 1);
    CHECK(bulk["rounds"].get<int>() >= 3);  // two 処理中 answers, then the result
    CHECK_FALSE(bulk["reception_number"].get<std::string>().empty());

    const auto list = rig.json({"elig", "ref", "list", "--json"});
    CHECK(list["count"] == 5);
    CHECK(chart_of(list, "K-p02")["ref_state"] == "registered");
    CHECK(chart_of(list, "K-p02")["name_kana"] == "シケン　ハナコ");
    CHECK(chart_of(list, "K-p02")["birthdate"] == "19920715");
    CHECK(chart_of(list, "K-zz")["ref_state"] == "failed");
    CHECK(chart_of(list, "X-1")["ref_state"] == "failed");
    CHECK(rig.json({"elig", "ref", "list", "--state", "failed", "--json"})["count"] == 2);

    // The same file again resumes its finished job: nothing is uploaded twice.
    const auto uploads = oqsrig::count_files(rig.root() / "res", "OQSmuimm01res_");
    const auto again = rig.json({"elig", "ref", "register", "--csv", csv.string(), "--json"}, 1);
    CHECK(again["resumed"] == true);
    CHECK(oqsrig::count_files(rig.root() / "res", "OQSmuimm01res_") == uploads);

    // A row that cannot be sent refuses the whole file before anything is written.
    const auto bad = rig.dir() / "bad.csv";
    std::ofstream(bad) << "chart,insurer,number\nK-a,06139992,1\nK-b,6139992,2\n";
    const auto refused = rig.run({"elig", "ref", "register", "--csv", bad.string()});
    CHECK(refused.exit_code == 64);
    CHECK(rig.json({"elig", "ref", "list", "--json"})["count"] == 5);
}

TEST_CASE("elig watch ties face results to charts and elig unmatched lists the rest") {
    Rig rig;
    rig.start_terminal();
    REQUIRE(rig.run({"elig", "ref", "register", "--chart", "K000101", "--insurer", "06139992",
                     "--symbol", "1234", "--number", "5678", "--branch", "01"})
                .exit_code == 0);
    const auto csv = rig.dir() / "charts.csv";
    std::ofstream(csv) << "chart,insurer,symbol,number,branch,kana,birthdate\n"
                          "K-p02,139998,模擬01,223344,,シケン　ハナコ,19920715\n"
                          "K-p03,39139993,,00012345,,,19400302\n";
    REQUIRE(rig.run({"elig", "ref", "register", "--csv", csv.string(), "--interval", "0.05"})
                .exit_code == 0);

    write_faces(rig, 10);
    const auto r = rig.run({"elig", "watch", "--once", "--json"});
    REQUIRE(r.exit_code == 0);
    std::map<std::string, nlohmann::json> by_kana;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
        const auto j = nlohmann::json::parse(line);
        REQUIRE(j["event"] == "recorded");
        by_kana[j["check"]["name_kana"].get<std::string>()] = j["check"];
    }
    REQUIRE(by_kana.size() == 10);
    CHECK(by_kana["ﾓｷﾞ ﾀﾛｳ"]["chart"]["id"] == "K000101");
    CHECK(by_kana["ﾓｷﾞ ﾀﾛｳ"]["chart"]["rule"] == "reference");
    CHECK(by_kana["ｼｹﾝ ﾊﾅｺ"]["chart"]["id"] == "K-p02");
    CHECK(by_kana["ｼｹﾝ ﾊﾅｺ"]["chart"]["rule"] == "kana_birthdate");
    CHECK(by_kana["ｶｸｳ ｲﾁﾛｳ"]["chart"]["id"] == "K-p03");
    CHECK(by_kana["ｶｸｳ ｲﾁﾛｳ"]["chart"]["rule"] == "insurance");
    // p10's result carries a 照会番号 this store has no chart for: not matched by it.
    CHECK(by_kana["ﾖｳｼﾞ ﾅﾅﾐ"]["chart"]["state"] == "unmatched");

    const auto open = rig.json({"elig", "unmatched", "--json"}, 1);
    CHECK(open["count"] == 7);
    const auto text = rig.run({"--lang", "ja", "elig", "unmatched"});
    CHECK(text.exit_code == 1);
    CHECK(text.out.find("カルテ未特定") != std::string::npos);

    // Staff tie one by hand; it leaves the list and the choice is audited.
    const auto id = by_kana["ﾖｳｼﾞ ﾅﾅﾐ"]["id"].get<std::int64_t>();
    CHECK(rig.run({"elig", "match", std::to_string(id), "--chart", "K-nope"}).exit_code == 69);
    const auto chosen =
        rig.json({"elig", "match", std::to_string(id), "--chart", "K-p03", "--json"});
    CHECK(chosen["check"]["chart"]["rule"] == "staff");
    CHECK(rig.json({"elig", "unmatched", "--json"}, 1)["count"] == 6);
    CHECK(rig.json({"audit", "list", "--action", "check."})["count"].get<int>() >= 11);
    CHECK(rig.json({"audit", "verify"})["ok"] == true);
}
