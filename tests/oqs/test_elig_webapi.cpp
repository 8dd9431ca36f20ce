// mynaq elig over the Web API transport against `mynaq sim oqs-api`: mutual TLS, the cached
// idToken, retries on 5xx, and the errors staff see when TLS or the network fails.
#include <sys/stat.h>

#include <fstream>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "oqs_rig.hpp"

using oqsrig::Rig;

namespace {

const std::vector<std::string> kP01{"elig",     "query", "--insurer",   "06139992",
                                    "--symbol", "1234",  "--number",    "5678",
                                    "--branch", "01",    "--birthdate", "1980-01-01"};

// Points the rig's configuration at the API emulator; `client` picks the certificate pair.
void use_api(Rig& rig, int port, const std::string& client = "client", int retries = 3) {
    const auto pki = rig.dir() / "pki";
    std::ofstream(rig.dir() / "login.json") << R"({"user":"synthetic","password":"synthetic"})";
    const std::string base = fmt::format("https://127.0.0.1:{}/oqs-api-pro", port);
    rig.write_config("");
    std::string cfg;
    {
        std::ifstream in(rig.config_file());
        for (std::string line; std::getline(in, line);) {
            if (line == "  transport: folder") line = "  transport: webapi";
            cfg += line + "\n";
            if (line == "  transport: webapi") {
                cfg += fmt::format(
                    "  webapi:\n"
                    "    login_url: {0}/MSA12020/ILI12020SV01/auth\n"
                    "    search_url: {0}/MSA01030/ILI01030SV01/search\n"
                    "    bulk_upload_url: {0}/mynaq/bulk/upload\n"
                    "    bulk_download_url: {0}/mynaq/bulk/download\n"
                    "    urls:\n"
                    "      YZKsiquc01: {0}/mynaq/YZKsiquc01\n"
                    "      OQSsiimm01: {0}/mynaq/OQSsiimm01\n"
                    "    client_cert: {1}/{3}.pem\n"
                    "    client_key: {1}/{3}.key\n"
                    "    ca_file: {1}/ca.pem\n"
                    "    login_body: {2}\n"
                    "    timeout_ms: 3000\n"
                    "    retries: {4}\n",
                    base, pki.string(), (rig.dir() / "login.json").string(), client, retries);
            }
        }
    }
    std::ofstream(rig.config_file()) << cfg;
}

}  // namespace

TEST_CASE("elig query over the Web API with the client certificate caches the token") {
    Rig rig;
    const int port = rig.start_api();
    use_api(rig, port);
    auto j = rig.json(kP01, 0);
    CHECK(j["transport"] == "webapi");
    CHECK(j["check"]["name"] == "模擬　太郎");
    CHECK(j["check"]["eligibility"] == "valid");
    const auto cache = rig.dir() / "xdg-state" / "mynaq" / "webapi-token.json";
    REQUIRE(std::filesystem::exists(cache));
    struct stat st {};
    REQUIRE(::stat(cache.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    const auto token_before = [&] {
        std::ifstream in(cache);
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    }();
    j = rig.json(kP01, 0);
    const auto token_after = [&] {
        std::ifstream in(cache);
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    }();
    CHECK(token_before == token_after);  // reused, not a new login
    // No request files are involved on this path.
    CHECK(oqsrig::count_files(rig.root() / "req", "OQS") == 0);
}

TEST_CASE("elig query over the Web API retries injected 5xx and then gives NETWORK_ERROR") {
    Rig rig;
    const int port = rig.start_api({"--fail-5xx", "2"});
    use_api(rig, port, "client", 3);
    CHECK(rig.json(kP01, 0)["valid"] == true);

    Rig rig2;
    const int port2 = rig2.start_api({"--fail-5xx", "50"});
    use_api(rig2, port2, "client", 1);
    const auto j = rig2.json(kP01, 75);
    CHECK(j["error"]["code"] == "NETWORK_ERROR");
}

TEST_CASE("elig query over the Web API with a rogue client certificate is a TLS_ERROR") {
    Rig rig;
    const int port = rig.start_api();
    use_api(rig, port, "rogue-client");
    const auto j = rig.json(kP01, 76);
    CHECK(j["error"]["code"] == "TLS_ERROR");
}

TEST_CASE("elig query over the Web API with nothing listening is a NETWORK_ERROR") {
    Rig rig;
    const int port = rig.start_api();
    rig.stop_api();  // the PKI stays; the port is closed
    use_api(rig, port, "client", 0);
    const auto j = rig.json(kP01, 75);
    CHECK(j["error"]["code"] == "NETWORK_ERROR");
}

TEST_CASE("elig batch over the Web API") {
    Rig rig;
    const int port = rig.start_api();
    use_api(rig, port);
    const auto csv = rig.dir() / "r.csv";
    std::ofstream(csv) << "chart_id,insurer_number,symbol,number,branch,birthdate\n"
                          "A,06139992,1234,5678,01,19800101\n"
                          "B,06139976,3333,909,01,19851231\n";
    const auto j = rig.json({"elig", "batch", "--csv", csv.string(), "--interval", "0.05"}, 1);
    CHECK(j["total"] == 2);
    CHECK(j["normal"] == 1);
    CHECK(j["abnormal"] == 1);
}

TEST_CASE(
    "info drugs and elig ref register over the Web API, at the addresses the site configures") {
    Rig rig;
    const int port = rig.start_api();
    use_api(rig, port);
    REQUIRE(rig.json(kP01, 0)["check"]["eligibility"] == "valid");  // records the consent
    const auto drugs = rig.json({"info", "drugs", "--insurer", "06139992", "--symbol", "1234",
                                 "--number", "5678", "--branch", "01", "--birthdate", "1980-01-01"},
                                0);
    CHECK(drugs["from_store"] == false);
    CHECK(drugs["entries"].size() > 0);
    const auto chart =
        rig.json({"elig", "ref", "register", "--chart", "W-1", "--insurer", "06139992", "--symbol",
                  "1234", "--number", "5678", "--branch", "01"},
                 0);
    CHECK(chart["chart"]["ref_state"] == "registered");
    // 特定健診 has no address configured here: said plainly, nothing sent.
    const auto checkups =
        rig.json({"info", "checkups", "--insurer", "06139992", "--symbol", "1234", "--number",
                  "5678", "--branch", "01", "--birthdate", "1980-01-01"},
                 69);
    CHECK(checkups["error"]["code"] == "UNSUPPORTED");
    CHECK(checkups["error"]["detail"].get<std::string>().find("oqs.webapi.urls.TKKsiquc01") !=
          std::string::npos);
}
