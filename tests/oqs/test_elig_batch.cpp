// mynaq elig batch (一括照会) against the emulated 資格確認端末: 処理中 rounds, zipped results,
// resumption after kill -9 without a second submission.
#include <signal.h>

#include <fstream>
#include <thread>

#include <doctest/doctest.h>

#include "oqs_rig.hpp"

using oqsrig::Rig;

namespace {

std::string write_reservations(const Rig& rig) {
    const auto path = rig.dir() / "reservations.csv";
    std::ofstream(path) << "chart_id,insurer_number,symbol,number,branch,birthdate,limit_consent\n"
                           "C01,06139992,1234,5678,01,19800101,0\n"
                           "C02,139998,模擬01,223344,,19920715,0\n"
                           "C03,06139976,3333,909,01,19851231,0\n"
                           "C04,06139992,,0000,,19800101,0\n"
                           "C05,39139993,,00012345,,19400302,0\n";
    return path.string();
}

}  // namespace

TEST_CASE("elig batch uploads once, waits out 処理中 and stores one check per row") {
    Rig rig;
    rig.start_terminal({"--processing-rounds", "2"});
    const auto csv = write_reservations(rig);
    const auto j = rig.json({"elig", "batch", "--csv", csv, "--interval", "0.1"}, 1);
    CHECK(j["total"] == 5);
    CHECK(j["normal"] == 3);
    CHECK(j["abnormal"] == 2);
    CHECK(j["rounds"] == 3);
    CHECK_FALSE(j["reception_number"].get<std::string>().empty());
    REQUIRE(j["rows"].size() == 5);
    CHECK(j["rows"][0]["chart_id"] == "C01");
    CHECK(j["rows"][0]["eligibility"] == "valid");
    CHECK(j["rows"][2]["eligibility"] == "invalid");
    CHECK(j["rows"][3]["eligibility"] == "no_qualification");
    CHECK(oqsrig::count_files(rig.root() / "res", "OQSmuquc01res_") == 1);
    CHECK(oqsrig::count_files(rig.root() / "res", "OQSmuquc02res_") == 3);
    CHECK(rig.json({"elig", "list", "--source", "bulk"})["count"] == 5);

    // Running the same file again for the same day does not submit it again.
    const auto again = rig.json({"elig", "batch", "--csv", csv, "--interval", "0.1"}, 1);
    CHECK(again["resumed"] == true);
    CHECK(oqsrig::count_files(rig.root() / "res", "OQSmuquc01res_") == 1);
    CHECK(rig.json({"elig", "list", "--source", "bulk"})["count"] == 5);

    const auto text =
        rig.run({"--lang", "ja", "elig", "batch", "--csv", csv, "--new", "--interval", "0.1"});
    CHECK(text.exit_code == 1);
    CHECK(text.out.find("5件: 正常 3件, 異常 2件") != std::string::npos);
    CHECK(oqsrig::count_files(rig.root() / "res", "OQSmuquc01res_") == 2);
}

TEST_CASE("elig batch reads zipped and Shift_JIS results") {
    Rig rig;
    rig.start_terminal({"--zip-bulk", "--encoding", "shift_jis", "--processing-rounds", "0"});
    const auto j = rig.json({"elig", "batch", "--csv", write_reservations(rig)}, 1);
    CHECK(j["normal"] == 3);
    CHECK(oqsrig::count_files(rig.root() / "res", "OQSmuquc02res_") == 1);
    const auto list = rig.json({"elig", "list", "--patient", "試験"});
    REQUIRE(list["count"] == 1);
    CHECK(list["checks"][0]["name"] == "試験　花子");
}

TEST_CASE("elig batch killed while waiting resumes without a second upload") {
    Rig rig;
    // Slow 処理中 rounds give time to kill the batch between upload and result.
    rig.start_terminal({"--processing-rounds", "1000"});
    const auto csv = write_reservations(rig);
    {
        auto batch = rig.spawn({"elig", "batch", "--csv", csv, "--interval", "0.1"}, "batch1");
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (oqsrig::count_files(rig.root() / "res", "OQSmuquc02res_") < 2 &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        batch->signal(SIGKILL);
        CHECK(batch->wait(std::chrono::seconds(5)) == 128 + SIGKILL);
    }
    REQUIRE(oqsrig::count_files(rig.root() / "res", "OQSmuquc01res_") == 1);
    rig.stop_terminal();
    rig.start_terminal({"--processing-rounds", "0"});
    // The restarted emulator has forgotten the upload; mynaq must not upload again, so the
    // emulator answers the download of an unknown reception number with an error.
    const auto r = rig.run({"elig", "batch", "--csv", csv, "--interval", "0.1", "--json"});
    CHECK(oqsrig::count_files(rig.root() / "res", "OQSmuquc01res_") == 1);
    const auto j = nlohmann::json::parse(r.out);
    if (r.exit_code == 76) {
        CHECK(j["error"]["code"] == "OQS_FAILED");
    } else {
        CHECK(j["resumed"] == true);
    }
}
