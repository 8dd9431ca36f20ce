// What goes wrong at a real counter: no pcscd, no reader, no card, a card removed mid-read,
// a card that stops answering, a broken configuration, bad usage.
#include <fstream>
#include <future>
#include <thread>

#include <doctest/doctest.h>

#include "rig.hpp"

using namespace mynaq;

namespace {

// Process options pointing the PC/SC client at a socket where no pcscd listens.
ProcessOptions without_pcscd(const std::filesystem::path& dir) {
    ProcessOptions o;
    o.env["PCSCLITE_CSOCK_NAME"] = (dir / "nothing-here.comm").string();
    o.env["LANG"] = "C.UTF-8";
    return o;
}

}  // namespace

TEST_CASE("no pcscd: PCSC_UNAVAILABLE with exit 69") {
    const auto dir = rig::make_temp_dir("nopcscd");
    const ProcessOptions o = without_pcscd(dir);
    const auto r = run_process({MYNAQ_BINARY, "--json", "card", "readers"}, o);
    CHECK(r.exit_code == 69);
    CHECK(nlohmann::json::parse(r.out)["error"]["code"] == "PCSC_UNAVAILABLE");
    const auto text = run_process({MYNAQ_BINARY, "card", "info"}, o);
    CHECK(text.exit_code == 69);
    CHECK(text.err.rfind("ERROR: ", 0) == 0);
    CHECK(text.err.find("pcscd") != std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST_CASE("no reader: an empty reader list, and NO_READER for card commands") {
    rig::Options o;
    o.with_reader = false;
    rig::Rig rig(o);
    std::ofstream(rig.config_file()) << "card:\n  wait_ms: 0\n";
    CHECK(rig.json({"card", "readers"})["readers"].empty());
    const auto no_reader = rig.json({"card", "info"}, 69);
    CHECK(no_reader["error"]["code"] == "NO_READER");
    CHECK(no_reader["error"]["fallback"] == "mynaq fallback start --reason reader");
}

TEST_CASE("no card: NO_CARD after the configured wait") {
    rig::Options o;
    o.insert_card = false;
    rig::Rig rig(o);
    std::ofstream(rig.config_file()) << "card:\n  wait_ms: 300\n";
    const auto start = std::chrono::steady_clock::now();
    CHECK(rig.json({"card", "info"}, 69)["error"]["code"] == "NO_CARD");
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
    const auto reader = rig.json({"--reader", "no such reader", "card", "info"}, 69);
    CHECK(reader["error"]["code"] == "READER_NOT_FOUND");
}

TEST_CASE("a card inserted while mynaq waits is read (--wait)") {
    rig::Options o;
    o.insert_card = false;
    rig::Rig rig(o);
    auto reader = std::async(std::launch::async, [&] {
        return rig.run({"--json", "card", "--wait", "10", "info"});
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    rig.insert_card();
    const auto r = reader.get();
    CHECK(r.exit_code == 0);
    CHECK(nlohmann::json::parse(r.out)["token"]["type"] == "plastic_card");
}

TEST_CASE("card removed mid-read: CARD_REMOVED with exit 75") {
    rig::Options o;
    o.faults.remove_after = 3;  // SELECT AP, SELECT EF, first READ BINARY ... then gone
    rig::Rig rig(o);
    const auto j = rig.json({"card", "cert"}, 75);
    CHECK(j["error"]["code"] == "CARD_REMOVED");
    // At reception a failed read leaves the patient unconfirmed: the fallback is suggested.
    CHECK(j["error"]["fallback"] == "mynaq fallback start --reason chip");
}

TEST_CASE("card stops answering: CARD_TIMEOUT within the configured bound") {
    rig::Options o;
    o.faults.stop_answering_after = 2;
    o.apdu_timeout_ms = 400;
    rig::Rig rig(o);
    const auto start = std::chrono::steady_clock::now();
    const auto j = rig.json({"card", "cert"}, 75);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(j["error"]["code"] == "CARD_TIMEOUT");
    CHECK(j["error"]["timeout_ms"] == "400");
    CHECK(elapsed < std::chrono::seconds(4));
}

TEST_CASE("a slow card is still read when within the timeout") {
    rig::Options o;
    o.faults.delay = std::chrono::milliseconds(30);
    rig::Rig rig(o);
    CHECK(rig.json({"card", "cert"})["chain"]["status"] == "trusted");
}

TEST_CASE("configuration errors name the file and line with exit 78") {
    rig::Rig rig;
    std::ofstream(rig.config_file()) << "card:\n  apdu_timeout_ms: soon\n";
    const auto j = rig.json({"card", "info"}, 78);
    CHECK(j["error"]["code"] == "CONFIG_INVALID");
    CHECK(j["error"]["detail"].get<std::string>().find(":2:") != std::string::npos);
    std::ofstream(rig.config_file()) << "card: [unclosed\n";
    CHECK(rig.json({"card", "info"}, 78)["error"]["code"] == "CONFIG_INVALID");
    const auto missing = run_process(
        {MYNAQ_BINARY, "--config", "/nonexistent/mynaq.yaml", "--json", "card", "readers"});
    CHECK(missing.exit_code == 66);
    CHECK(nlohmann::json::parse(missing.out)["error"]["code"] == "FILE_NOT_FOUND");
}

TEST_CASE("usage errors exit 64, as JSON with --json") {
    const auto r = run_process({MYNAQ_BINARY, "card"});
    CHECK(r.exit_code == 64);
    const auto j = run_process({MYNAQ_BINARY, "--json", "card", "frobnicate"});
    CHECK(j.exit_code == 64);
    CHECK(nlohmann::json::parse(j.out)["error"]["code"] == "USAGE");
    CHECK(run_process({MYNAQ_BINARY, "--version"}).out.rfind("mynaq ", 0) == 0);
}

TEST_CASE("messages follow the locale: Japanese for ja_JP, English otherwise") {
    rig::Options o;
    o.insert_card = false;
    rig::Rig rig(o);
    std::ofstream(rig.config_file()) << "card:\n  wait_ms: 0\n";
    ProcessOptions ja;
    ja.env["LANG"] = "ja_JP.UTF-8";
    const auto r = rig.run({"card", "info"}, ja);
    CHECK(r.exit_code == 69);
    CHECK(r.err.find("カードが置かれていません") != std::string::npos);
    const auto en = rig.run({"--lang", "en", "card", "info"}, ja);
    CHECK(en.err.find("No card is in the reader") != std::string::npos);
}

TEST_CASE("a card that is not a My Number card: NOT_MYNUMBER_CARD, recognised by AID not ATR") {
    rig::Options o;
    o.profile = sim::TokenProfile::OtherCard;
    rig::Rig rig(o);
    const auto j = rig.json({"card", "info"}, 69);
    CHECK(j["error"]["code"] == "NOT_MYNUMBER_CARD");
    // The ATR is a My Number one; only the failed SELECT of the JPKI AID decided.
    REQUIRE_FALSE(rig.log().empty());
    CHECK(rig.log().front().command_hex == "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01");
    CHECK(rig.log().front().sw_hex == "6A82");
    const auto doctor = rig.run({"card", "doctor", "--rounds", "2"});
    CHECK(doctor.exit_code == 1);
    CHECK(doctor.out.find("[FAIL] jpki") != std::string::npos);
}

TEST_CASE("card doctor without pcscd fails its first check with the next step") {
    const auto dir = rig::make_temp_dir("doctor");
    const ProcessOptions o = without_pcscd(dir);
    const auto r = run_process({MYNAQ_BINARY, "--json", "card", "doctor"}, o);
    CHECK(r.exit_code == 1);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["ok"] == false);
    REQUIRE(j["checks"].size() == 1);
    CHECK(j["checks"][0]["id"] == "pcscd");
    CHECK(j["checks"][0]["state"] == "fail");
    CHECK(j["checks"][0]["next"].get<std::string>().find("pcscd") != std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST_CASE("two processes at once: a reader waits while a PIN check holds the card") {
    rig::Options o;
    o.faults.delay = std::chrono::milliseconds(60);  // the PIN check holds the card ~1 s
    rig::Rig rig(o);
    ProcessOptions pin;
    pin.stdin_data = "1234\n";
    auto verify = std::async(std::launch::async, [&] {
        return rig.run({"--json", "card", "verify-pin"}, pin);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const auto info = rig.run({"--json", "card", "pin-status"});
    const auto v = verify.get();
    INFO(v.out << info.out);
    CHECK(v.exit_code == 0);
    CHECK(info.exit_code == 0);
    CHECK(nlohmann::json::parse(info.out)["pins"][0]["tries_left"] == 3);
}
