// verify-pin and photo: counters, refusal at one try left, blocked PINs, redaction.
#include <sys/stat.h>

#include <fstream>

#include <doctest/doctest.h>

#include "rig.hpp"

using namespace mynaq;

namespace {

ProcessOptions with_stdin(std::string data) {
    ProcessOptions o;
    o.stdin_data = std::move(data);
    return o;
}

int verify_with_data(const std::vector<sim::ApduLogEntry>& log) {
    int n = 0;
    for (const auto& e : log) {
        if (e.command_hex.rfind("00 20 00 80 ", 0) == 0) ++n;
    }
    return n;
}

}  // namespace

TEST_CASE("verify-pin: the right PIN from stdin, and a signature that verifies") {
    rig::Rig rig;
    const auto j = rig.json({"card", "verify-pin"}, 0, with_stdin("1234\n"));
    CHECK(j["verified"] == true);
    CHECK(j["signature_valid"] == true);
    CHECK(j["tries_left_before"] == 3);
    CHECK(rig.card().remaining_tries("jpki", 0x0018) == 3);
    bool signed_once = false;
    for (const auto& e : rig.log()) {
        if (e.command_hex.rfind("80 2A 00 80 33", 0) == 0) signed_once = e.sw_hex == "9000";
    }
    CHECK(signed_once);
}

TEST_CASE("verify-pin: the PIN from an environment variable named by --pin-env") {
    rig::Rig rig;
    ProcessOptions o;
    o.env["CLINIC_PIN"] = "1234";
    const auto j = rig.json({"card", "verify-pin", "--pin-env", "CLINIC_PIN"}, 0, o);
    CHECK(j["verified"] == true);
    const auto missing = rig.json({"card", "verify-pin", "--pin-env", "NOT_SET_ANYWHERE"}, 66);
    CHECK(missing["error"]["code"] == "NO_INPUT");
}

TEST_CASE("verify-pin: a wrong PIN spends exactly one try and is never retried") {
    rig::Rig rig;
    const auto j = rig.json({"card", "verify-pin"}, 77, with_stdin("9999\n"));
    CHECK(j["error"]["code"] == "PIN_WRONG");
    CHECK(j["error"]["retries"] == "2");
    CHECK(rig.card().remaining_tries("jpki", 0x0018) == 2);
    CHECK(verify_with_data(rig.log()) == 1);
}

TEST_CASE("verify-pin: refused at one try left without --force but sent with --force") {
    rig::Options o;
    o.auth_pin_tries = 1;
    rig::Rig rig(o);
    const auto j = rig.json({"card", "verify-pin"}, 77, with_stdin("1234\n"));
    CHECK(j["error"]["code"] == "PIN_LAST_TRY");
    CHECK(verify_with_data(rig.log()) == 0);
    CHECK(rig.card().remaining_tries("jpki", 0x0018) == 1);

    const auto forced = rig.json({"card", "verify-pin", "--force"}, 0, with_stdin("1234\n"));
    CHECK(forced["verified"] == true);
    CHECK(rig.card().remaining_tries("jpki", 0x0018) == 3);
}

TEST_CASE("verify-pin: a blocked PIN is reported without sending anything") {
    rig::Options o;
    o.auth_pin_tries = 0;
    rig::Rig rig(o);
    const auto j = rig.json({"card", "verify-pin", "--force"}, 77, with_stdin("1234\n"));
    CHECK(j["error"]["code"] == "PIN_BLOCKED");
    CHECK(verify_with_data(rig.log()) == 0);
    const auto status = rig.json({"card", "pin-status"});
    CHECK(status["pins"][0]["blocked"] == true);
}

TEST_CASE("verify-pin: malformed PIN and empty stdin are refused before the card") {
    rig::Rig rig;
    CHECK(rig.json({"card", "verify-pin"}, 64, with_stdin("12345\n"))["error"]["code"] ==
          "PIN_FORMAT");
    CHECK(rig.json({"card", "verify-pin"}, 66, with_stdin(""))["error"]["code"] == "NO_INPUT");
    CHECK(verify_with_data(rig.log()) == 0);
}

TEST_CASE("--trace: the transcript shows VERIFY data as ** and is private") {
    rig::Rig rig;
    const auto trace = rig.dir() / "trace.txt";
    const auto r = rig.run({"--trace", trace.string(), "card", "verify-pin"}, with_stdin("1234\n"));
    REQUIRE(r.exit_code == 0);
    std::ifstream in(trace);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(text.find("> 00 20 00 80 04 **") != std::string::npos);
    CHECK(text.find("31 32 33 34") == std::string::npos);
    CHECK(text.find("> 80 2A 00 80 33") != std::string::npos);
    struct stat st {};
    REQUIRE(::stat(trace.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("Android token: the certificate needs the PIN first, then verify-pin works") {
    rig::Options o;
    o.profile = sim::TokenProfile::Android;
    rig::Rig rig(o);
    const auto info = rig.json({"card", "info"});
    CHECK(info["token"]["type"] == "android");
    CHECK(info["certificate"]["error"] == "PIN_REQUIRED");
    CHECK(info["card"].is_null());
    const auto cert = rig.json({"card", "cert"}, 77);
    CHECK(cert["error"]["code"] == "PIN_REQUIRED");
    const auto verified = rig.json({"card", "verify-pin"}, 0, with_stdin("1234\n"));
    CHECK(verified["token"] == "android");
    CHECK(verified["signature_valid"] == true);
    const auto photo = rig.json({"card", "photo", "--out", (rig.dir() / "p.jp2").string()}, 69,
                                with_stdin("55021720352285\n"));
    CHECK(photo["error"]["code"] == "UNSUPPORTED");
}

TEST_CASE("card photo: 照合番号B opens the face photo, written 0600 and byte-identical") {
    rig::Rig rig;
    const auto out = rig.dir() / "face.jp2";
    const auto j =
        rig.json({"card", "photo", "--out", out.string()}, 0,
                 with_stdin(sim::verification_number_b(rig.card_config().holder) + "\n"));
    CHECK(j["format"] == "jpeg2000");
    CHECK(j["width"] == 192);
    CHECK(j["height"] == 240);
    std::ifstream in(out, std::ios::binary);
    const Bytes written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(written == rig::face_photo());
    struct stat st {};
    REQUIRE(::stat(out.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    // Never 照合番号A, never the rendered 個人番号 (EF 0005).
    for (const auto& e : rig.log()) {
        if (e.application == "surface") {
            CHECK(e.ef != 0x0013);
            CHECK(e.ef != 0x0005);
        }
    }
}

TEST_CASE("card photo: staff may type the birth date, expiry year and security code as printed") {
    rig::Rig rig;
    const auto out = rig.dir() / "face.jp2";
    const auto j =
        rig.json({"card", "photo", "--out", out.string()}, 0, with_stdin("1980-02-17 2035 2285\n"));
    CHECK(j["bytes"] == rig::face_photo().size());
}

TEST_CASE("card photo: a wrong 照合番号B spends one try and one try left is refused") {
    rig::Options o;
    o.verification_b_tries = 2;
    rig::Rig rig(o);
    const auto out = (rig.dir() / "face.jp2").string();
    const auto wrong =
        rig.json({"card", "photo", "--out", out}, 77, with_stdin("11111111111111\n"));
    CHECK(wrong["error"]["code"] == "PIN_WRONG");
    CHECK(rig.card().remaining_tries("surface", 0x0012) == 1);
    const auto refused =
        rig.json({"card", "photo", "--out", out}, 77, with_stdin("11111111111111\n"));
    CHECK(refused["error"]["code"] == "PIN_LAST_TRY");
    CHECK(rig.card().remaining_tries("surface", 0x0012) == 1);
    CHECK_FALSE(std::filesystem::exists(out));
}
