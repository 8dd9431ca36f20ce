// mynaq card readers / info / cert / pin-status / apdu / doctor against the real pcscd +
// vpcd + virtual card.
#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include <doctest/doctest.h>

#include "mynaq/jpki.hpp"
#include "mynaq/process.hpp"
#include "rig.hpp"

using namespace mynaq;

namespace {

Bytes read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

unsigned file_mode(const std::filesystem::path& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 0777;
}

}  // namespace

TEST_CASE("card readers: the virtual reader with the card present") {
    rig::Rig rig;
    const auto j = rig.json({"card", "readers"});
    REQUIRE(j["readers"].size() == 2);
    CHECK(j["readers"][0]["name"] == "Mynaq Virtual PCD 00 00");
    CHECK(j["readers"][0]["card_present"] == true);
    CHECK(j["readers"][0]["atr"] == "3B888001000005E0B381A1007F");
    CHECK(j["readers"][1]["card_present"] == false);

    const auto text = rig.run({"card", "readers"});
    CHECK(text.exit_code == 0);
    CHECK(text.out.find("Mynaq Virtual PCD 00 00") != std::string::npos);
}

TEST_CASE("card info: token, card info, certificate and counters in one document") {
    rig::Rig rig;
    // Global options after the subcommand work too.
    const auto r = rig.run({"card", "info", "--json", "--lang", "en"});
    REQUIRE(r.exit_code == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["token"]["type"] == "plastic_card");
    CHECK(j["token"]["label"] == "JPKIAPICCTOKEN2");
    CHECK(j["card"]["serial"] == "JPN012345678901");
    CHECK(j["card"]["municipality"] == "13101");
    CHECK(j["card"]["expiry"] == "2035-12-31");
    CHECK(j["certificate"]["state"] == "valid");
    CHECK(j["certificate"]["test_issuer"] == true);
    CHECK(j["certificate"]["chain"]["status"] == "trusted");
    REQUIRE(j["pins"].size() == 4);
    CHECK(j["pins"][0]["credential"] == "auth_pin");
    CHECK(j["pins"][0]["tries_left"] == 3);
    CHECK(j["pins"][1]["tries_left"] == 5);
    CHECK(j["pins"][3]["credential"] == "verification_b");
}

TEST_CASE("card cert: PEM, DER to a 0600 file, the CA, and exactly the certificate's bytes") {
    rig::Rig rig;
    const auto& pki = rig.card_config().pki;
    const auto pem = rig.run({"card", "cert", "--pem"});
    REQUIRE(pem.exit_code == 0);
    CHECK(pem.out == jpki::der_to_pem(pki.auth_cert_der));

    const auto out = rig.dir() / "auth.der";
    const auto der = rig.run({"card", "cert", "--der", "--out", out.string()});
    REQUIRE(der.exit_code == 0);
    CHECK(read_file(out) == pki.auth_cert_der);
    CHECK(file_mode(out) == 0600);

    const auto ca = rig.json({"card", "cert", "--ca"});
    CHECK(ca["which"] == "auth_ca");
    CHECK(ca["pem"] == jpki::der_to_pem(pki.auth_root_der));

    const auto summary = rig.json({"card", "cert"});
    CHECK(summary["size"] == pki.auth_cert_der.size());
    CHECK(summary["chain"]["status"] == "trusted");

    // The certificate file is padded on the card; only the object's bytes were read.
    std::size_t read_bytes = 0;
    for (const auto& e : rig.log()) {
        if (e.application == "jpki" && e.ef == 0x000A && e.command_hex.rfind("00 B0", 0) == 0) {
            const auto le = from_hex(e.command_hex.substr(e.command_hex.size() - 2))[0];
            read_bytes += le == 0 ? 256 : le;
        }
    }
    CHECK(read_bytes == 3 * pki.auth_cert_der.size());  // --pem, --der, summary
}

TEST_CASE("card cert: a full disk is IO_ERROR (exit 74) and the card is left alone") {
    rig::Rig rig;
    const auto j = rig.json({"card", "cert", "--der", "--out", "/dev/full"}, 74);
    CHECK(j["error"]["code"] == "IO_ERROR");
    CHECK(j["error"]["detail"].get<std::string>().find("disk is full") != std::string::npos);
}

TEST_CASE("card cert: without the test root installed the issuer is unknown, not invalid") {
    rig::Rig rig;
    std::ofstream(rig.config_file()) << "trust:\n  builtin_anchors: true\n";
    const auto j = rig.json({"card", "cert"});
    CHECK(j["chain"]["status"] == "unknown_issuer");
    CHECK(j["state"] == "valid");
}

TEST_CASE("card pin-status: reading the counters spends no try") {
    rig::Rig rig;
    for (int i = 0; i < 3; ++i) {
        const auto j = rig.json({"card", "pin-status"});
        CHECK(j["pins"][0]["tries_left"] == 3);
    }
    CHECK(rig.card().remaining_tries("jpki", 0x0018) == 3);
    CHECK(rig.card().remaining_tries("jpki", 0x001B) == 5);
    CHECK(rig.card().remaining_tries("text", 0x0011) == 3);
    for (const auto& e : rig.log()) {
        if (e.command_hex.rfind("00 20", 0) == 0) CHECK(e.command_hex == "00 20 00 80");
    }
    // Only the JPKI counters: SELECT AP, then SELECT key EF + VERIFY for each of the two.
    const auto before = rig.log().size();
    const auto jpki = rig.json({"card", "pin-status", "--app", "jpki"});
    REQUIRE(jpki["pins"].size() == 2);
    CHECK(jpki["pins"][1]["credential"] == "sign_password");
    CHECK(rig.log().size() - before == 5);
}

TEST_CASE("card apdu: raw commands with an application alias") {
    rig::Rig rig;
    const auto j = rig.json({"card", "apdu", "--app", "jpki", "00A4020C02000A", "00B0000004"});
    REQUIRE(j["exchanges"].size() == 2);
    CHECK(j["exchanges"][0]["sw"] == "9000");
    CHECK(j["exchanges"][1]["data"].get<std::string>().rfind("3082", 0) == 0);

    const auto text = rig.run({"card", "apdu", "00A4040C0AD392F000260100000001", "00CA0000"});
    CHECK(text.exit_code == 0);
    CHECK(text.out.find("< 9000") != std::string::npos);
    CHECK(text.out.find("6D00") != std::string::npos);
}

TEST_CASE("card apdu: refuses the 個人番号 and PINs on the command line") {
    rig::Rig rig;
    const auto before = rig.log().size();
    const auto forbidden = rig.json({"card", "apdu", "--app", "text", "00A4020C020001"}, 77);
    CHECK(forbidden["error"]["code"] == "FORBIDDEN");
    const auto by_sfi = rig.json({"card", "apdu", "--app", "text", "00B0810000"}, 77);
    CHECK(by_sfi["error"]["code"] == "FORBIDDEN");
    // A prefix of the DF name reaches an unknown application: be as careful as in text AP.
    const auto prefix = rig.json({"card", "apdu", "00A4040C05D392100031", "00A4020C020001"}, 77);
    CHECK(prefix["error"]["code"] == "FORBIDDEN");
    const auto pin =
        rig.json({"card", "apdu", "--app", "jpki", "00A4020C020018", "002000800431323334"}, 64);
    CHECK(pin["error"]["code"] == "USAGE");
    for (std::size_t i = before; i < rig.log().size(); ++i) {
        CHECK(rig.log()[i].command_hex.find("00 A4 02 0C 02 00 01") == std::string::npos);
    }
    CHECK(rig.card().remaining_tries("jpki", 0x0018) == 3);
}

TEST_CASE("card doctor: every check passes on a healthy card and latency is measured") {
    rig::Rig rig;
    const auto j = rig.json({"card", "doctor", "--rounds", "15"});
    CHECK(j["ok"] == true);
    std::vector<std::string> ids;
    for (const auto& c : j["checks"]) {
        ids.push_back(c["id"]);
        CHECK(c["state"] == "ok");
    }
    CHECK(ids == std::vector<std::string>{"pcscd", "readers", "card_present", "protocol", "atr",
                                          "jpki", "latency", "certificate", "counters"});
    CHECK(j["latency_ms"]["min"].get<double>() > 0);
    CHECK(j["latency_ms"]["min"].get<double>() <= j["latency_ms"]["median"].get<double>());
    CHECK(j["latency_ms"]["median"].get<double>() <= j["latency_ms"]["max"].get<double>());
}

TEST_CASE("card doctor: a blocked PIN fails the counters check with a next step") {
    rig::Options o;
    o.auth_pin_tries = 0;
    rig::Rig rig(o);
    const auto r = rig.run({"card", "doctor", "--rounds", "3"});
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("[FAIL] counters") != std::string::npos);
    CHECK(r.out.find("Next step:") != std::string::npos);
}

TEST_CASE("card watch: insertion and removal as JSON lines") {
    rig::Rig rig;
    const auto out = rig.dir() / "watch.out";
    mynaq::BackgroundProcess watcher({MYNAQ_BINARY, "--config", rig.config_file().string(),
                                      "--json", "card", "watch", "--count", "2", "--timeout", "30"},
                                     {{"LANG", "C.UTF-8"}, {"LC_ALL", ""}}, out.string(),
                                     (rig.dir() / "watch.err").string());
    // The card is removed only once the watcher has reported it: a fixed delay would race a
    // slow machine, where the removal could overtake the watcher's first look at the card.
    auto read_out = [&] {
        std::ifstream in(out);
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    };
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (read_out().find("\"inserted\"") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    rig.remove_card();
    REQUIRE(watcher.wait(std::chrono::seconds(25)) == 0);
    std::istringstream lines(read_out());
    std::string first, second;
    std::getline(lines, first);
    std::getline(lines, second);
    const auto inserted = nlohmann::json::parse(first);
    const auto removed = nlohmann::json::parse(second);
    CHECK(inserted.value("event", "") == "inserted");
    CHECK(inserted.value("mynumber", false) == true);
    CHECK(inserted.value("token", "") == "plastic_card");
    CHECK(removed.value("event", "") == "removed");
    CHECK(removed.value("reader", "") == "Mynaq Virtual PCD 00 00");
}
