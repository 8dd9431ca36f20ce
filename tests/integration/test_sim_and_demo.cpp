// `mynaq sim card` as a process, and `mynaq demo` end to end.
#include <fstream>
#include <future>
#include <thread>

#include <set>

#include <doctest/doctest.h>

#include "rig.hpp"

using namespace mynaq;

TEST_CASE("mynaq sim card: the CLI simulator serves a card until it is removed") {
    rig::Options o;
    o.insert_card = false;
    rig::Rig rig(o);
    const auto log = rig.dir() / "apdu.jsonl";
    const std::string port = std::to_string(rig.vpcd_port());
    ProcessOptions po;
    po.timeout = std::chrono::seconds(30);
    auto sim = std::async(std::launch::async, [&] {
        return run_process(
            {MYNAQ_BINARY, "sim", "card", "--port", port, "--state", (rig.dir() / "state").string(),
             "--log", log.string(), "--remove-after", "40"},
            po);
    });
    rig.wait_card_state(true);
    std::ofstream(rig.config_file())
        << "trust:\n  anchor_dirs: [" << (rig.dir() / "state" / "trust").string() << "]\n";
    const auto info = rig.json({"card", "cert"});
    CHECK(info["chain"]["status"] == "trusted");
    // Keep talking until the fault switch removes the card.
    for (int i = 0; i < 10 && rig.run({"card", "pin-status"}).exit_code == 0; ++i) {
    }
    const auto r = sim.get();
    CHECK(r.exit_code == 0);
    std::ifstream in(log);
    int lines = 0;
    for (std::string l; std::getline(in, l); ++lines) {
        const auto j = nlohmann::json::parse(l);
        CHECK(j.contains("command"));
    }
    CHECK(lines >= 10);
}

TEST_CASE("mynaq demo --json: every step works and the 個人番号 is never touched") {
    ProcessOptions po;
    po.timeout = std::chrono::seconds(90);
    po.env["LANG"] = "C.UTF-8";
    const auto r = run_process({MYNAQ_BINARY, "demo", "--json"}, po);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["ok"] == true);
    REQUIRE(j["steps"].size() == 22);
    for (const auto& s : j["steps"]) CHECK(s["ok"] == true);
    CHECK(j["steps"][4]["output"]["signature_valid"] == true);
    CHECK(j["steps"][6]["output"]["decision"] == "match");
    CHECK(j["steps"][6]["output"]["card"]["faces"] == 1);
    // Eligibility against the emulated 資格確認端末, stored in SQLite.
    CHECK(j["steps"][8]["output"]["check"]["eligibility"] == "valid");
    CHECK(j["steps"][9]["output"]["check"]["eligibility"] == "invalid");
    CHECK(j["steps"][10]["output"]["normal"] == 3);
    // Charts registered, then the face results tied to them (p03 has no chart here).
    CHECK(j["steps"][11]["output"]["registered"] == 2);
    // The consented medication history of the first face result's patient.
    CHECK(j["steps"][13]["output"]["patient"] == "ref:K000101");
    CHECK(j["steps"][13]["output"]["entries"].size() > 0);
    CHECK(j["steps"][14]["output"]["error"]["code"] == "OQS_TIMEOUT");
    // The outage: two fallback cases, then the recheck once the terminal answers again.
    CHECK(j["steps"][15]["output"]["resolved_by"] == "oral");
    CHECK(j["steps"][16]["output"]["claim"]["insurer_number"] == "77777777");
    const auto& recheck = j["steps"][17]["output"];
    CHECK(recheck["count"] == 2);
    std::set<std::string> actions;
    for (const auto& c : recheck["cases"]) actions.insert(c["recheck"]["action"]);
    CHECK(actions == std::set<std::string>{"as_recorded", "still_unknown"});
    CHECK(j["steps"][18]["output"]["count"] == 9);
    // The usage rate from the three face results over the receipts just entered.
    CHECK(j["steps"][19]["output"]["receipts"][0]["receipts"] == 8);
    const auto& level = j["steps"][20]["output"]["sites"][0];
    REQUIRE(level["considered"].size() == 3);
    const auto& counted = level["considered"][2];  // oldest first: this month is N-3
    CHECK(counted["receipts"] == 8);
    CHECK(counted["users"].get<int>() >= 1);
    CHECK(counted["users"].get<int>() <= 3);
    CHECK(counted["rate_kind"] == "local");
    CHECK(level["rate_month"] == counted["month"]);
    CHECK(j["steps"][21]["step"] == "privacy");
}

TEST_CASE("mynaq sim run passes its stdin to the command, so a PIN can be piped") {
    ProcessOptions po;
    po.stdin_data = "1234\n";
    po.timeout = std::chrono::seconds(60);
    po.env["LANG"] = "C.UTF-8";
    const auto state = rig::make_temp_dir("simrun");
    const auto r = run_process({MYNAQ_BINARY, "sim", "run", "--state", state.string(), "--",
                                MYNAQ_BINARY, "--json", "card", "--wait", "5", "verify-pin"},
                               po);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(nlohmann::json::parse(r.out)["verified"] == true);
    std::filesystem::remove_all(state);
}
