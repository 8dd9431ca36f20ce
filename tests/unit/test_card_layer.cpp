// The card layer over the virtual card in memory: exact APDU sequences, counters, the
// privacy guard, and the PC/SC error mapping — no pcscd needed.
#include <PCSC/pcsclite.h>

#include <doctest/doctest.h>

#include <fstream>

#include "error_code_of.hpp"
#include "mynaq/atr.hpp"
#include "mynaq/card.hpp"
#include "mynaq/config.hpp"
#include "mynaq/error.hpp"
#include "mynaq/jpki.hpp"
#include "mynaq/jst.hpp"
#include "mynaq/pcsc.hpp"
#include "mynaq/sim/virtual_card.hpp"

using namespace mynaq;

namespace {

const sim::TestPki& pki() {
    static const sim::TestPki p = sim::TestPki::load_or_create(MYNAQ_TEST_PKI_DIR);
    return p;
}

Bytes photo() {
    std::ifstream in(std::string(MYNAQ_TEST_DATADIR) + "/sim/face.jp2", std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The virtual card as a Transport, counting what it was sent.
class InMemory : public Transport {
public:
    explicit InMemory(sim::VirtualCardConfig config) : card(std::move(config)) {}
    Bytes transmit(ByteView command) override {
        ++count;
        return card.process(command);
    }
    sim::VirtualCard card;
    int count = 0;
};

sim::VirtualCardConfig config(sim::TokenProfile profile = sim::TokenProfile::PlasticCard) {
    sim::VirtualCardConfig c;
    c.profile = profile;
    c.pki = pki();
    c.face_jp2 = photo();
    return c;
}

}  // namespace

using mynaq::test::error_code_of;

TEST_CASE("card layer: the certificate is read in the fewest APDUs and exactly") {
    InMemory t(config());
    card::MyNumberCard card(t);
    card.detect();
    CHECK(t.count == 1);
    const Bytes cert = card.read_auth_certificate();
    CHECK(cert == pki().auth_cert_der);
    // SELECT AP + SELECT EF + ceil(size / 256) READ BINARY.
    const int reads = static_cast<int>((cert.size() + 255) / 256);
    CHECK(t.count == 1 + 1 + reads);
    CHECK(card.read_auth_ca_certificate() == pki().auth_root_der);
}

TEST_CASE("card layer: token types") {
    InMemory plastic(config());
    card::MyNumberCard a(plastic);
    CHECK(a.token_info().type == card::TokenType::PlasticCard);
    InMemory android(config(sim::TokenProfile::Android));
    card::MyNumberCard b(android);
    CHECK(b.token_info().type == card::TokenType::AndroidToken);
    CHECK(error_code_of([&] { (void)b.read_auth_certificate(); }) == Errc::PinRequired);
    CHECK(error_code_of([&] { (void)b.card_info(); }) == Errc::Unsupported);
}

TEST_CASE("card layer: counters are read without spending a try") {
    InMemory t(config());
    card::MyNumberCard card(t);
    for (int i = 0; i < 3; ++i) {
        const auto all = card.all_pin_status();
        REQUIRE(all.size() == 4);
        CHECK(all[0].tries_left == 3);
        CHECK(all[1].tries_left == 5);
        CHECK(all[2].tries_left == 3);
        CHECK(all[3].tries_left == 10);
    }
    CHECK(t.card.remaining_tries("jpki", 0x0018) == 3);
}

TEST_CASE("card layer: verify refuses at one try left, reports wrong and blocked PINs") {
    auto c = config();
    c.auth_pin_tries = 2;
    InMemory t(std::move(c));
    card::MyNumberCard card(t);
    CHECK(error_code_of([&] {
              card.verify(card::Credential::AuthPin, SecretString("0000"), false);
          }) == Errc::PinWrong);
    CHECK(t.card.remaining_tries("jpki", 0x0018) == 1);
    CHECK(error_code_of([&] {
              card.verify(card::Credential::AuthPin, SecretString("1234"), false);
          }) == Errc::PinLastTry);
    CHECK(t.card.remaining_tries("jpki", 0x0018) == 1);
    CHECK(error_code_of([&] {
              card.verify(card::Credential::AuthPin, SecretString("0000"), true);
          }) == Errc::PinBlocked);
    CHECK(error_code_of([&] {
              card.verify(card::Credential::AuthPin, SecretString("1234"), true);
          }) == Errc::PinBlocked);
    CHECK(card.pin_status(card::Credential::AuthPin).blocked);
}

TEST_CASE("card layer: a verified PIN lets the auth key sign a challenge that verifies") {
    InMemory t(config());
    card::MyNumberCard card(t);
    const Bytes cert = card.read_auth_certificate();
    card.verify(card::Credential::AuthPin, SecretString("1234"), false);
    const Bytes di = jpki::sha256_digest_info(jpki::random_bytes(32));
    const Bytes signature = card.sign_with_auth_key(di);
    CHECK(jpki::verify_digest_info_signature(cert, di, signature));
    Bytes tampered = di;
    tampered.back() ^= 1;
    CHECK_FALSE(jpki::verify_digest_info_signature(cert, tampered, signature));
}

TEST_CASE("card layer: face photo through 照合番号B, card info from 共通AP") {
    InMemory t(config());
    card::MyNumberCard card(t);
    const auto code = sim::verification_number_b(sim::CardHolder{});
    const auto face = card.read_face_photo(SecretString(code), false);
    CHECK(face.jp2 == photo());
    CHECK(face.record_tags.front() == "DF21");
    const auto info = card.card_info();
    CHECK(info.serial == "JPN012345678901");
    CHECK(info.municipality == "13101");
    CHECK(info.expiry == "2035-12-31");
    CHECK(error_code_of([&] { (void)card.read_face_photo(SecretString("123"), false); }) ==
          Errc::PinFormat);
}

TEST_CASE("privacy guard: no path to the 個人番号 or 照合番号A") {
    InMemory t(config());
    card::MyNumberCard card(t);
    // Nothing selected yet counts as unknown: another process may have left the text AP.
    CHECK(error_code_of([&] { (void)card.send_raw(CommandApdu::select_ef(0x0001)); }) ==
          Errc::Forbidden);
    card.select_application(card::Application::Text);
    CHECK(error_code_of([&] { (void)card.send_raw(CommandApdu::select_ef(0x0001)); }) ==
          Errc::Forbidden);
    CHECK(error_code_of([&] { (void)card.send_raw(CommandApdu::select_ef(0x0014)); }) ==
          Errc::Forbidden);
    CHECK(error_code_of([&] {
              (void)card.send_raw(CommandApdu(0x00, 0xB0, 0x81, 0x00, {}, 17));
          }) == Errc::Forbidden);
    CHECK(error_code_of([&] { (void)card.send_raw(CommandApdu(0x00, 0x20, 0x00, 0x94)); }) ==
          Errc::Forbidden);
    CHECK(card.send_raw(CommandApdu::select_ef(0x0002)).ok());  // basic info EF is allowed
    card.select_application(card::Application::Surface);
    CHECK(error_code_of([&] { (void)card.send_raw(CommandApdu::select_ef(0x0005)); }) ==
          Errc::Forbidden);
    CHECK(error_code_of([&] { (void)card.send_raw(CommandApdu::select_ef(0x0013)); }) ==
          Errc::Forbidden);
    card.select_application(card::Application::Common);
    CHECK(card.send_raw(CommandApdu::select_ef(0x0001)).ok());  // 共通AP EF 0001 is card info
    for (const auto& e : t.card.log()) {
        CHECK_FALSE((e.application == "text" && e.ef == 0x0001));
    }
}

TEST_CASE("secret formats") {
    using card::Credential;
    CHECK_NOTHROW(card::check_secret_format(Credential::AuthPin, SecretString("0123")));
    CHECK(error_code_of([] {
              card::check_secret_format(Credential::AuthPin, SecretString("12a4"));
          }) == Errc::PinFormat);
    CHECK_NOTHROW(card::check_secret_format(Credential::SignPassword, SecretString("ABC123")));
    CHECK(error_code_of([] {
              card::check_secret_format(Credential::SignPassword, SecretString("abc123"));
          }) == Errc::PinFormat);
    CHECK(error_code_of([] {
              card::check_secret_format(Credential::SignPassword, SecretString("ABCDEF"));
          }) == Errc::PinFormat);
    CHECK_NOTHROW(
        card::check_secret_format(Credential::VerificationB, SecretString("55021720352285")));
}

TEST_CASE("pcsc: one mapping from SCARD_* codes to error codes") {
    CHECK(pcsc::scard_errc(SCARD_E_NO_SERVICE) == Errc::PcscUnavailable);
    CHECK(pcsc::scard_errc(SCARD_E_NO_READERS_AVAILABLE) == Errc::NoReader);
    CHECK(pcsc::scard_errc(SCARD_E_UNKNOWN_READER) == Errc::ReaderNotFound);
    CHECK(pcsc::scard_errc(SCARD_W_REMOVED_CARD) == Errc::CardRemoved);
    CHECK(pcsc::scard_errc(SCARD_E_SHARING_VIOLATION) == Errc::CardBusy);
    CHECK(pcsc::scard_errc(SCARD_E_TIMEOUT) == Errc::CardTimeout);
    CHECK(pcsc::scard_errc(SCARD_W_UNRESPONSIVE_CARD) == Errc::CardCommFailed);
    CHECK(pcsc::scard_errc(SCARD_F_INTERNAL_ERROR) == Errc::Internal);
    try {
        pcsc::check(SCARD_E_NO_SERVICE, "SCardEstablishContext");
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::PcscUnavailable);
        CHECK(e.fields().at("pcsc_code") == "0x8010001D");
    }
    CHECK_NOTHROW(pcsc::check(SCARD_S_SUCCESS, "x"));
    CHECK(errc_name(Errc::CardTimeout) == "CARD_TIMEOUT");
}

TEST_CASE("pcsc: choosing a reader by name, part of a name, or the one with a card") {
    std::vector<pcsc::ReaderState> states(2);
    states[0].name = "SONY FeliCa RC-S300/P 00 00";
    states[1].name = "ACS ACR39U 01 00";
    states[1].card_present = true;
    CHECK(pcsc::choose_reader(states, std::nullopt) == "ACS ACR39U 01 00");
    CHECK(pcsc::choose_reader(states, std::string("felica")) == "SONY FeliCa RC-S300/P 00 00");
    CHECK(error_code_of([&] { (void)pcsc::choose_reader(states, std::string("gemalto")); }) ==
          Errc::ReaderNotFound);
    states[1].card_present = false;
    CHECK(error_code_of([&] { (void)pcsc::choose_reader(states, std::nullopt); }) == Errc::NoCard);
    CHECK(error_code_of([&] { (void)pcsc::choose_reader({}, std::nullopt); }) == Errc::NoReader);
}

TEST_CASE("atr: decoding contact and contactless My Number ATRs") {
    const auto contactless = decode_atr(from_hex("3B 88 80 01 00 00 05 E0 B3 81 A1 00 7F"));
    CHECK(contactless.well_formed);
    CHECK(contactless.contactless);
    CHECK(contactless.tck_ok == true);
    CHECK(contactless.known_as == "My Number contactless");
    CHECK(contactless.historical.size() == 8);
    const auto contact =
        decode_atr(from_hex("3B DA 13 FF 81 31 FB 46 80 12 39 2F 31 C1 73 C6 01 C0 3B"));
    CHECK(contact.well_formed);
    CHECK(contact.protocols == std::vector<int>{1});
    CHECK(contact.known_as == "My Number contact (newer)");
    const auto bad_tck = decode_atr(from_hex("3B 88 80 01 00 00 05 E0 B3 81 A1 00 7E"));
    CHECK_FALSE(bad_tck.well_formed);
    CHECK(bad_tck.tck_ok == false);
    CHECK_FALSE(decode_atr(from_hex("3B")).well_formed);
    CHECK_FALSE(decode_atr(from_hex("3B 8F 80")).well_formed);
}

TEST_CASE("config: keys, defaults and errors with line numbers") {
    const auto dir = std::filesystem::temp_directory_path() / "mynaq-unit-config";
    std::filesystem::create_directories(dir);
    const auto file = dir / "config.yaml";
    std::ofstream(file) << "lang: ja\ncard:\n  reader: FeliCa\n  apdu_timeout_ms: 2500\n"
                           "trust:\n  anchor_dirs: [anchors]\n  builtin_anchors: false\n";
    const Config c = load_config(file);
    CHECK(c.lang == "ja");
    CHECK(c.reader == "FeliCa");
    CHECK(c.apdu_timeout == std::chrono::milliseconds(2500));
    REQUIRE(c.trust_dirs.size() == 1);
    CHECK(c.trust_dirs[0] == dir / "anchors");
    CHECK_FALSE(c.builtin_anchors);

    std::ofstream(file) << "card:\n  apdu_timeout_ms: 10\n";
    try {
        (void)load_config(file);
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::ConfigInvalid);
        CHECK(e.detail().find(":2:") != std::string::npos);
    }
    std::ofstream(file) << "card:\n  readr: x\n";
    CHECK(error_code_of([&] { (void)load_config(file); }) == Errc::ConfigInvalid);
    // A misspelt store.path must not send the records to the default store unnoticed.
    std::ofstream(file) << "store:\n  paht: /srv/mynaq.db\n";
    CHECK(error_code_of([&] { (void)load_config(file); }) == Errc::ConfigInvalid);
    CHECK(error_code_of([&] { (void)load_config(dir / "missing.yaml"); }) == Errc::FileNotFound);
    std::filesystem::remove_all(dir);
}

TEST_CASE("jst: Japan time whatever the machine's zone") {
    using namespace std::chrono;
    const sys_seconds t = sys_days{year{2026} / 11 / 30} + hours{15} + minutes{30};
    CHECK(format_jst_iso(t) == "2026-12-01T00:30:00+09:00");
    CHECK(format_jst_human(t) == "2026-12-01 00:30 JST");
    CHECK(format_jst_date(t) == "2026-12-01");
}

TEST_CASE("照合番号B from what staff read off the card") {
    using card::verification_b_from_input;
    CHECK(verification_b_from_input(SecretString("55021720352285")).reveal() == "55021720352285");
    CHECK(verification_b_from_input(SecretString("1980-02-17 2035 2285")).reveal() ==
          "55021720352285");
    CHECK(verification_b_from_input(SecretString("19800217/2035/2285")).reveal() ==
          "55021720352285");
    CHECK(verification_b_from_input(SecretString("2001-04-01 2031 0042")).reveal() ==
          "13040120310042");
    CHECK(verification_b_from_input(SecretString("2020-06-30 2030 9999")).reveal() ==
          "02063020309999");
    CHECK(error_code_of([] { (void)verification_b_from_input(SecretString("1980-02-17 2035")); }) ==
          Errc::PinFormat);
    CHECK(error_code_of([] { (void)verification_b_from_input(SecretString("5502172035228")); }) ==
          Errc::PinFormat);
    CHECK(error_code_of([] { (void)verification_b_from_input(SecretString("abc")); }) ==
          Errc::PinFormat);
    CHECK(card::japanese_era_yymmdd("19890107") == "640107");
    CHECK(card::japanese_era_yymmdd("20190501") == "010501");
}
