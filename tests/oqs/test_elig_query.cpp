// mynaq elig query against the emulated 資格確認端末: every state and every fault switch.
#include <fstream>

#include <doctest/doctest.h>

#include "oqs_rig.hpp"

using oqsrig::Rig;

namespace {

const std::vector<std::string> kP01{"elig",     "query", "--insurer",   "06139992",
                                    "--symbol", "1234",  "--number",    "5678",
                                    "--branch", "01",    "--birthdate", "1980-01-01"};

}  // namespace

TEST_CASE("elig query of a covered patient prints coverage and stores the check") {
    Rig rig;
    rig.start_terminal();
    const auto j = rig.json(kP01, 0);
    CHECK(j["valid"] == true);
    CHECK(j["transport"] == "folder");
    const auto& c = j["check"];
    CHECK(c["eligibility"] == "valid");
    CHECK(c["person_state"] == "ok");
    CHECK(c["name"] == "模擬　太郎");
    CHECK(c["ratio"] == "030");
    CHECK(c["reference_number"] == "K000101");
    CHECK(c["source"] == "query");
    CHECK(c["id"].get<int>() > 0);
    // Committed: show finds it, with the raw result.
    const auto shown = rig.json({"elig", "show", std::to_string(c["id"].get<int>()), "--raw"});
    CHECK(shown["check"]["raw"].get<std::string>().find("<XmlMsg>") != std::string::npos);
    // The request went through req/ and was answered into res/.
    CHECK(oqsrig::count_files(rig.root() / "res", "OQSsiquc01res_") == 1);
    CHECK(oqsrig::count_files(rig.root() / "req", "OQSsiquc01req_") == 0);

    const auto text = rig.run(kP01);
    CHECK(text.exit_code == 0);
    CHECK(text.out.find("模擬　太郎") != std::string::npos);
    CHECK(text.out.find("K000101") != std::string::npos);
}

TEST_CASE("elig query reads a 6-digit 国保 number space-padded and 後期高齢 without branch") {
    Rig rig;
    rig.start_terminal();
    auto j = rig.json({"elig", "query", "--insurer", "139998", "--symbol", "模擬01", "--number",
                       "223344", "--birthdate", "19920715"});
    CHECK(j["check"]["insurer_number"] == "  139998");
    CHECK(j["check"]["eligibility"] == "valid");
    j = rig.json({"elig", "query", "--insurer", "39139993", "--number", "00012345", "--birthdate",
                  "1940-03-02"});
    CHECK(j["check"]["identification_number"] == "00012345");
    CHECK(j["check"]["ratio"] == "010");
}

TEST_CASE("elig query states: unknown 4, lost coverage 2, several records 5") {
    Rig rig;
    rig.start_terminal();
    auto j = rig.json(
        {"elig", "query", "--insurer", "06139992", "--number", "0000", "--birthdate", "1980-01-01"},
        1);
    CHECK(j["check"]["eligibility"] == "no_qualification");
    CHECK(j["check"]["person_state"] == "error");
    CHECK_FALSE(j["check"]["processing_result_message"].get<std::string>().empty());
    j = rig.json({"elig", "query", "--insurer", "06139976", "--symbol", "3333", "--number", "909",
                  "--branch", "01", "--birthdate", "1985-12-31"},
                 1);
    CHECK(j["check"]["eligibility"] == "invalid");
    j = rig.json({"elig", "query", "--insurer", "06139968", "--symbol", "2020", "--number", "55",
                  "--branch", "03", "--birthdate", "2001-03-27"},
                 1);
    CHECK(j["check"]["eligibility"] == "multiple");
    CHECK(j["check"]["coverage"].size() == 2);
    const auto text = rig.run({"elig", "query", "--insurer", "06139968", "--symbol", "2020",
                               "--number", "55", "--branch", "03", "--birthdate", "2001-03-27"});
    CHECK(text.exit_code == 1);
    CHECK(text.out.find("2 coverage records") != std::string::npos);
    // Everything was stored, answered or not.
    const auto list = rig.json({"elig", "list"});
    CHECK(list["count"] == 4);
    CHECK(rig.json({"elig", "list", "--state", "multiple"})["count"] == 2);
}

TEST_CASE("elig query 限度額 data only with --limit-consent") {
    Rig rig;
    rig.start_terminal();
    const std::vector<std::string> base{"elig",        "query",     "--insurer", "06139984",
                                        "--number",    "101",       "--branch",  "02",
                                        "--birthdate", "1975-11-22"};
    auto j = rig.json(base);
    CHECK(j["check"]["limit"] == "");
    auto with = base;
    with.emplace_back("--limit-consent");
    j = rig.json(with);
    CHECK(j["check"]["limit"].get<std::string>().find("A03") != std::string::npos);
}

TEST_CASE("elig query warns on a doubtful check digit but still asks, and refuses a bad date") {
    Rig rig;
    rig.start_terminal();
    const auto r = rig.run({"elig", "query", "--insurer", "06139991", "--number", "5678",
                            "--birthdate", "1980-01-01", "--json"});
    CHECK(r.exit_code == 1);  // asked; the emulator knows nobody with that number
    const auto j = nlohmann::json::parse(r.out);
    REQUIRE(j["warnings"].size() >= 1);
    CHECK(j["warnings"][0]["field"] == "insurer_number");
    CHECK(j["warnings"][0]["blocking"] == false);
    const auto bad = rig.run({"elig", "query", "--insurer", "06139992", "--number", "5678",
                              "--birthdate", "1980-02-30"});
    CHECK(bad.exit_code == 64);
    CHECK(oqsrig::count_files(rig.root() / "res", "OQSsiquc01res_") == 1);
}

TEST_CASE("elig query ends in OQS_TIMEOUT pointing to the fallback when the terminal is silent") {
    Rig rig(oqsrig::Options{"", 1});
    rig.start_terminal({"--never-answer"});
    const auto r = rig.run({"elig", "query", "--insurer", "06139992", "--number", "5678",
                            "--birthdate", "1980-01-01", "--json"});
    CHECK(r.exit_code == 75);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["error"]["code"] == "OQS_TIMEOUT");
    const auto text = rig.run({"--lang", "ja", "elig", "query", "--insurer", "06139992", "--number",
                               "5678", "--birthdate", "1980-01-01"});
    CHECK(text.exit_code == 75);
    CHECK(text.err.find("mynaq fallback start") != std::string::npos);
    // The request waits in req/ for the terminal to come back; nothing was stored.
    CHECK(oqsrig::count_files(rig.root() / "req", "OQSsiquc01req_") == 2);
    CHECK(rig.json({"elig", "list"})["count"] == 0);
}

TEST_CASE("elig query without a terminal at all ends in OQS_TIMEOUT") {
    Rig rig(oqsrig::Options{"", 1});
    const auto r = rig.run({"elig", "query", "--insurer", "06139992", "--number", "5678",
                            "--birthdate", "1980-01-01", "--json"});
    CHECK(r.exit_code == 75);
}

TEST_CASE("elig query reports an .err answer as OQS_FAILED with its text") {
    Rig rig;
    rig.start_terminal({"--err"});
    const auto r = rig.run(std::vector<std::string>(kP01.begin(), kP01.end()));
    CHECK(r.exit_code == 76);
    CHECK(r.err.find("OQS") != std::string::npos);
    const auto j = nlohmann::json::parse(rig.run([&] {
                                                auto a = kP01;
                                                a.emplace_back("--json");
                                                return a;
                                            }())
                                             .out);
    CHECK(j["error"]["code"] == "OQS_FAILED");
}

TEST_CASE("elig query stores a SegmentOfResult 9 result and reports OQS_FAILED") {
    Rig rig;
    rig.start_terminal({"--segment9"});
    auto args = kP01;
    args.emplace_back("--json");
    const auto r = rig.run(args);
    CHECK(r.exit_code == 76);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["error"]["code"] == "OQS_FAILED");
    const auto list = rig.json({"elig", "list"});
    REQUIRE(list["count"] == 1);
    CHECK(list["checks"][0]["file_state"] == "failed");
}

TEST_CASE("elig query reads Shift_JIS and shuffled results the same") {
    Rig rig;
    rig.start_terminal({"--encoding", "shift_jis", "--shuffle"});
    const auto j = rig.json(kP01, 0);
    CHECK(j["check"]["name"] == "模擬　太郎");
    CHECK(j["check"]["insurer_number"] == "06139992");
    CHECK(j["check"]["reference_number"] == "K000101");
    // The raw result is stored as UTF-8 whatever it arrived in.
    const auto shown =
        rig.json({"elig", "show", std::to_string(j["check"]["id"].get<int>()), "--raw"});
    const auto raw = shown["check"]["raw"].get<std::string>();
    CHECK(raw.find("模擬　太郎") != std::string::npos);
    CHECK(raw.find("Shift_JIS") != std::string::npos);
}

TEST_CASE("elig query writes Shift_JIS requests when configured") {
    Rig rig(oqsrig::Options{"", 10});
    rig.write_config("");
    {
        // Re-write with the encoding inside the folder section.
        std::string cfg;
        std::ifstream in(rig.config_file());
        for (std::string line; std::getline(in, line);) {
            cfg += line + "\n";
            if (line == "    poll_ms: 50") cfg += "    encoding: shift_jis\n";
        }
        std::ofstream(rig.config_file()) << cfg;
    }
    rig.start_terminal();
    const auto j = rig.json({"elig", "query", "--insurer", "139998", "--symbol", "模擬01",
                             "--number", "223344", "--birthdate", "19920715"});
    CHECK(j["check"]["eligibility"] == "valid");
}

TEST_CASE("elig query waits out a slow terminal within the timeout and gives up after it") {
    Rig rig(oqsrig::Options{"", 2});
    rig.start_terminal({"--delay-ms", "400"});
    CHECK(rig.json(kP01, 0)["check"]["eligibility"] == "valid");
    rig.stop_terminal();
    rig.start_terminal({"--delay-ms", "4000"});
    auto args = kP01;
    args.emplace_back("--json");
    const auto r = rig.run(args);
    CHECK(r.exit_code == 75);
    CHECK(nlohmann::json::parse(r.out)["error"]["code"] == "OQS_TIMEOUT");
}

TEST_CASE("elig show of a check that does not exist is NOT_FOUND") {
    Rig rig;
    const auto j = rig.json({"elig", "show", "999"}, 69);
    CHECK(j["error"]["code"] == "NOT_FOUND");
}

TEST_CASE("elig query without facility.code is a configuration error naming the key") {
    Rig rig;
    std::string cfg;
    {
        std::ifstream in(rig.config_file());
        for (std::string line; std::getline(in, line);) {
            if (line.find("facility:") == 0 || line.find("  code:") == 0) continue;
            cfg += line + "\n";
        }
    }
    std::ofstream(rig.config_file()) << cfg;
    const auto r = rig.run(kP01);
    CHECK(r.exit_code == 78);
    CHECK(r.err.find("facility.code") != std::string::npos);
}

TEST_CASE("elig query shows 高齢受給者, 特定疾病 and 医療扶助 the way reception reads them") {
    Rig rig;
    rig.start_terminal();
    auto r = rig.run({"--lang", "ja", "elig", "query", "--insurer", "06279996", "--symbol", "7001",
                      "--number", "42", "--branch", "00", "--birthdate", "19530510"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("高齢受給者証") != std::string::npos);
    CHECK(r.out.find("2割") != std::string::npos);

    r = rig.run({"--lang", "ja", "elig", "query", "--insurer", "01139997", "--symbol", "8888",
                 "--number", "7", "--branch", "01", "--birthdate", "19680204", "--limit-consent"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("特定疾病") != std::string::npos);
    CHECK(r.out.find("人工透析") != std::string::npos);

    const auto j = rig.json({"elig", "query", "--insurer", "12139994", "--number", "1234566",
                             "--birthdate", "19590918"});
    const auto& coverage = j["check"]["coverage"];
    REQUIRE(coverage.size() >= 1);
    CHECK(coverage[0]["InsuredCardClassification"] == "A1");
    CHECK(coverage[0].contains("MedicalTicketInfo"));
    r = rig.run({"--lang", "ja", "elig", "query", "--insurer", "12139994", "--number", "1234566",
                 "--birthdate", "19590918"});
    CHECK(r.out.find("医療扶助") != std::string::npos);
}
