// The virtual My Number card against mynumber-card.md §7.2, and its vpcd framing.
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>

#include <doctest/doctest.h>

#include "mynaq/apdu.hpp"
#include "mynaq/card.hpp"
#include "mynaq/error.hpp"
#include "mynaq/sim/test_pki.hpp"
#include "mynaq/sim/virtual_card.hpp"
#include "mynaq/sim/vpcd_link.hpp"
#include "mynaq/tlv.hpp"

using namespace mynaq;
using namespace mynaq::sim;

namespace {

// Four RSA keys take a few hundred ms: one PKI for the whole file.
const TestPki& shared_pki() {
    static const TestPki pki = TestPki::load_or_create(MYNAQ_TEST_PKI_DIR);
    return pki;
}

const Bytes& face_photo() {
    static const Bytes photo = [] {
        std::ifstream in(std::string(MYNAQ_TEST_DATADIR) + "/sim/face.jp2", std::ios::binary);
        return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }();
    return photo;
}

VirtualCardConfig base_config(TokenProfile profile = TokenProfile::PlasticCard) {
    VirtualCardConfig config;
    config.profile = profile;
    config.pki = shared_pki();
    config.face_jp2 = face_photo();
    return config;
}

struct Answer {
    Bytes data;
    std::string sw;
};

Answer send(VirtualCard& card, std::string_view hex) {
    const Bytes raw = card.process(from_hex(hex));
    REQUIRE(raw.size() >= 2);
    return {Bytes(raw.begin(), raw.end() - 2), to_hex(ByteView(raw).last(2), "")};
}

std::string sw(VirtualCard& card, std::string_view hex) {
    return send(card, hex).sw;
}

std::string select_ef(std::uint16_t fid) {
    return to_hex(CommandApdu::select_ef(fid).encode(), "");
}

std::string verify(std::string_view secret) {
    return to_hex(CommandApdu::verify(to_bytes(secret)).encode(), "");
}

constexpr std::string_view kSelectJpki = "00A4040C0AD392F000260100000001";
constexpr std::string_view kSelectSurface = "00A4040C0AD3921000310001010402";
constexpr std::string_view kSelectText = "00A4040C0AD3921000310001010408";
constexpr std::string_view kSelectCommon = "00A4040C0AD3921000310001010100";
constexpr std::string_view kSelectJuki = "00A4040C0AD3921000310001010401";
constexpr std::string_view kVerifyQuery = "00200080";

// Reads the BER object at the start of the current EF the way a client does: the header
// first, then chunks of at most 256 bytes with 15-bit offsets.
Bytes read_object(VirtualCard& card) {
    const Answer head = send(card, "00B0000008");
    REQUIRE(head.sw == "9000");
    const auto size = object_size_from_header(head.data);
    REQUIRE(size.has_value());
    Bytes out;
    while (out.size() < *size) {
        const std::size_t n = std::min<std::size_t>(256, *size - out.size());
        const auto cmd = CommandApdu::read_binary(static_cast<std::uint16_t>(out.size()),
                                                  static_cast<std::uint16_t>(n));
        const Answer a = send(card, to_hex(cmd.encode(), ""));
        REQUIRE(a.sw == "9000");
        REQUIRE(a.data.size() == n);
        out.insert(out.end(), a.data.begin(), a.data.end());
    }
    return out;
}

template <auto Free>
struct OsslDeleter {
    template <typename T>
    void operator()(T* p) const noexcept {
        Free(p);
    }
};
using X509Ptr = std::unique_ptr<X509, OsslDeleter<X509_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OsslDeleter<EVP_PKEY_CTX_free>>;

X509Ptr parse_x509(ByteView der) {
    const unsigned char* p = der.data();
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    REQUIRE(cert != nullptr);
    CHECK(p == der.data() + der.size());  // exactly one certificate, no trailing bytes
    return cert;
}

std::string name_entry(const X509_NAME* name, int nid) {
    const int index = X509_NAME_get_index_by_NID(name, nid, -1);
    if (index < 0) return {};
    const ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
    return {reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
            static_cast<std::size_t>(ASN1_STRING_length(s))};
}

Bytes sha256_digest_info(std::string_view message) {
    Bytes info = from_hex("3031300D060960864801650304020105000420");
    std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
    SHA256(reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data());
    info.insert(info.end(), digest.begin(), digest.end());
    return info;
}

bool signature_verifies(ByteView cert_der, ByteView digest_info, ByteView signature) {
    const X509Ptr cert = parse_x509(cert_der);
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, X509_get0_pubkey(cert.get()), nullptr));
    REQUIRE(ctx != nullptr);
    REQUIRE(EVP_PKEY_verify_init(ctx.get()) == 1);
    REQUIRE(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1);
    return EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), digest_info.data(),
                           digest_info.size()) == 1;
}

}  // namespace

TEST_CASE("virtual card: nothing is selected at power on") {
    VirtualCard card(base_config());
    CHECK(card.atr() == from_hex("3B 88 80 01 00 00 05 E0 B3 81 A1 00 7F"));
    CHECK(sw(card, "00B0000004") == "6986");
    CHECK(sw(card, select_ef(0x000A)) == "6986");
    CHECK(sw(card, kVerifyQuery) == "6986");
    CHECK(sw(card, "00A4040C0AD392F000260100000002") == "6A82");  // unknown AID
    CHECK(sw(card, "00A4040C06D392F0002601") == "6A82");          // no prefix matching
    for (const auto select :
         {kSelectJpki, kSelectSurface, kSelectText, kSelectCommon, kSelectJuki}) {
        CHECK(sw(card, select) == "9000");
    }
    CHECK(sw(card, select_ef(0x1234)) == "6A82");
    CHECK(card.log().back().application == "juki");
}

TEST_CASE("virtual card: auth certificate and root read in chunks parse as X.509") {
    VirtualCard card(base_config());
    REQUIRE(sw(card, kSelectJpki) == "9000");
    REQUIRE(sw(card, select_ef(0x000A)) == "9000");
    const Bytes cert_der = read_object(card);
    CHECK(cert_der == shared_pki().auth_cert_der);
    const X509Ptr cert = parse_x509(cert_der);
    CHECK(name_entry(X509_get_subject_name(cert.get()), NID_countryName) == "JP");
    CHECK(name_entry(X509_get_subject_name(cert.get()), NID_commonName).size() == 23);
    CHECK((X509_get_key_usage(cert.get()) & KU_DIGITAL_SIGNATURE) != 0);
    CHECK((X509_get_extended_key_usage(cert.get()) & XKU_SSL_CLIENT) != 0);
    const int ku_index = X509_get_ext_by_NID(cert.get(), NID_key_usage, -1);
    REQUIRE(ku_index >= 0);
    CHECK(X509_EXTENSION_get_critical(X509_get_ext(cert.get(), ku_index)) == 1);

    REQUIRE(sw(card, select_ef(0x000B)) == "9000");
    const Bytes root_der = read_object(card);
    CHECK(root_der == shared_pki().auth_root_der);
    const X509Ptr root = parse_x509(root_der);
    CHECK(name_entry(X509_get_subject_name(root.get()), NID_organizationName) == "JPKI-TEST");
    CHECK(X509_verify(cert.get(), X509_get0_pubkey(root.get())) == 1);
    CHECK(X509_verify(root.get(), X509_get0_pubkey(root.get())) == 1);

    // Sign CA is free, the sign certificate needs the 署名用パスワード.
    REQUIRE(sw(card, select_ef(0x0002)) == "9000");
    CHECK(read_object(card) == shared_pki().sign_root_der);
    REQUIRE(sw(card, select_ef(0x0001)) == "9000");
    CHECK(sw(card, "00B0000004") == "6982");
    REQUIRE(sw(card, select_ef(0x001B)) == "9000");
    CHECK(sw(card, verify("ABC123")) == "9000");
    REQUIRE(sw(card, select_ef(0x0001)) == "9000");
    CHECK(read_object(card) == shared_pki().sign_cert_der);
}

TEST_CASE("virtual card: READ BINARY offsets, Le and end of file") {
    VirtualCard card(base_config());
    REQUIRE(sw(card, kSelectJpki) == "9000");
    REQUIRE(sw(card, select_ef(0x000A)) == "9000");
    const std::size_t file_size = shared_pki().auth_cert_der.size() + 300;

    const Answer full = send(card, "00B0000000");  // Le=00 means 256
    CHECK(full.sw == "9000");
    CHECK(full.data.size() == 256);

    // Zero padding after the DER.
    const auto tail = CommandApdu::read_binary(static_cast<std::uint16_t>(file_size - 10), 0);
    const Answer short_read = send(card, to_hex(tail.encode(), ""));
    CHECK(short_read.sw == "9000");
    CHECK(short_read.data == Bytes(10, 0x00));

    const auto past = CommandApdu::read_binary(static_cast<std::uint16_t>(file_size), 1);
    CHECK(sw(card, to_hex(past.encode(), "")) == "6B00");
    CHECK(sw(card, "00B07FFF01") == "6B00");

    // Short EF identifier form selects the EF too.
    const Answer sfi = send(card, "00B0880003");
    CHECK(sfi.sw == "9000");
    CHECK(sfi.data == from_hex("8F8F00"));
    CHECK(card.log().back().ef == std::uint16_t{0x0008});

    REQUIRE(sw(card, select_ef(0x0018)) == "9000");
    CHECK(sw(card, "00B0000004") == "6981");  // a key is not a transparent file
}

TEST_CASE("virtual card: token info label depends on the profile") {
    VirtualCard plastic(base_config());
    REQUIRE(sw(plastic, kSelectJpki) == "9000");
    REQUIRE(sw(plastic, select_ef(0x0006)) == "9000");
    const Answer label = send(plastic, "00B0000020");
    CHECK(std::string(label.data.begin(), label.data.end()) == "JPKIAPICCTOKEN2                 ");
    CHECK(send(plastic, "00B0000000").data.size() == 160);

    VirtualCard android(base_config(TokenProfile::Android));
    REQUIRE(sw(android, kSelectJpki) == "9000");
    REQUIRE(sw(android, select_ef(0x0006)) == "9000");
    const Answer android_label = send(android, "00B0000020");
    CHECK(std::string(android_label.data.begin(), android_label.data.end()) ==
          "JPKIAPGPSETOKEN                 ");
}

TEST_CASE("virtual card: retry counter query does not spend a try") {
    VirtualCard card(base_config());
    REQUIRE(sw(card, kSelectJpki) == "9000");
    REQUIRE(sw(card, select_ef(0x0018)) == "9000");
    for (int i = 0; i < 5; ++i) CHECK(sw(card, kVerifyQuery) == "63C3");
    CHECK(card.remaining_tries("jpki", 0x0018) == 3);
    REQUIRE(sw(card, select_ef(0x001B)) == "9000");
    CHECK(sw(card, kVerifyQuery) == "63C5");
    CHECK(sw(card, "00200098") == "63C3");  // by SFI, without selecting EF 0018
    CHECK(card.remaining_tries("jpki", 0x0018) == 3);
    CHECK(card.remaining_tries("jpki", 0x000A) == -1);
    CHECK(card.remaining_tries("nowhere", 0x0018) == -1);
}

TEST_CASE("virtual card: wrong PIN counts down to 63C0, then 6984 even for the right PIN") {
    VirtualCard card(base_config());
    REQUIRE(sw(card, kSelectJpki) == "9000");
    REQUIRE(sw(card, select_ef(0x0018)) == "9000");
    CHECK(sw(card, verify("9999")) == "63C2");
    CHECK(sw(card, verify("9999")) == "63C1");
    CHECK(card.remaining_tries("jpki", 0x0018) == 1);
    CHECK(sw(card, verify("9999")) == "63C0");
    CHECK(sw(card, kVerifyQuery) == "6984");
    CHECK(sw(card, verify("1234")) == "6984");
    CHECK(sw(card, verify("9999")) == "6984");
    CHECK(card.remaining_tries("jpki", 0x0018) == 0);

    // Counters are per key and survive a power cycle.
    card.power_off();
    REQUIRE(sw(card, kSelectJpki) == "9000");
    REQUIRE(sw(card, select_ef(0x0018)) == "9000");
    CHECK(sw(card, kVerifyQuery) == "6984");
    REQUIRE(sw(card, select_ef(0x001B)) == "9000");
    CHECK(sw(card, kVerifyQuery) == "63C5");
}

TEST_CASE("virtual card: a right PIN restores the counter and initial tries are configurable") {
    VirtualCardConfig config = base_config();
    config.auth_pin_tries = 1;
    config.text_pin_tries = 0;
    VirtualCard card(std::move(config));
    REQUIRE(sw(card, kSelectJpki) == "9000");
    REQUIRE(sw(card, select_ef(0x0018)) == "9000");
    CHECK(sw(card, kVerifyQuery) == "63C1");
    CHECK(sw(card, verify("1234")) == "9000");
    CHECK(sw(card, kVerifyQuery) == "63C3");

    REQUIRE(sw(card, kSelectText) == "9000");
    REQUIRE(sw(card, select_ef(0x0011)) == "9000");
    CHECK(sw(card, kVerifyQuery) == "6984");
    CHECK(sw(card, verify("1234")) == "6984");
}

TEST_CASE("virtual card: auth signature verifies with the certificate's key") {
    VirtualCard card(base_config());
    const Bytes digest_info = sha256_digest_info("mynaq virtual card challenge");
    Bytes command = from_hex("802A0080");
    command.push_back(static_cast<std::uint8_t>(digest_info.size()));
    command.insert(command.end(), digest_info.begin(), digest_info.end());
    command.push_back(0x00);
    const std::string sign_hex = to_hex(command, "");

    REQUIRE(sw(card, kSelectJpki) == "9000");
    REQUIRE(sw(card, select_ef(0x0017)) == "9000");
    CHECK(sw(card, sign_hex) == "6982");  // PIN not verified yet

    REQUIRE(sw(card, select_ef(0x0018)) == "9000");
    REQUIRE(sw(card, verify("1234")) == "9000");
    REQUIRE(sw(card, select_ef(0x0017)) == "9000");
    const Answer signature = send(card, sign_hex);
    REQUIRE(signature.sw == "9000");
    CHECK(signature.data.size() == 256);
    CHECK(signature_verifies(shared_pki().auth_cert_der, digest_info, signature.data));
    CHECK_FALSE(signature_verifies(shared_pki().sign_cert_der, digest_info, signature.data));

    CHECK(sw(card, "802A01" + sign_hex.substr(6)) == "6A86");  // other signature schemes
    CHECK(sw(card, "002A0080" + sign_hex.substr(8)) == "6E00");
    // The sign key stays locked without the 署名用パスワード.
    CHECK(sw(card, "802A009A" + sign_hex.substr(8)) == "6982");

    // Switching application or powering off forgets the PIN.
    REQUIRE(sw(card, kSelectCommon) == "9000");
    REQUIRE(sw(card, kSelectJpki) == "9000");
    REQUIRE(sw(card, select_ef(0x0017)) == "9000");
    CHECK(sw(card, sign_hex) == "6982");
    REQUIRE(sw(card, select_ef(0x0018)) == "9000");
    REQUIRE(sw(card, verify("1234")) == "9000");
    card.power_off();
    REQUIRE(sw(card, kSelectJpki) == "9000");
    CHECK(sw(card, "802A0097" + sign_hex.substr(8)) == "6982");
}

TEST_CASE("virtual card: Android token needs the PIN for EF 000A and has no 券面 APs") {
    VirtualCard card(base_config(TokenProfile::Android));
    REQUIRE(sw(card, kSelectJpki) == "9000");
    REQUIRE(sw(card, select_ef(0x000A)) == "9000");
    CHECK(sw(card, "00B0000004") == "6982");
    REQUIRE(sw(card, select_ef(0x000B)) == "9000");
    CHECK(sw(card, "00B0000004") == "9000");
    REQUIRE(sw(card, select_ef(0x0018)) == "9000");
    REQUIRE(sw(card, verify("1234")) == "9000");
    REQUIRE(sw(card, select_ef(0x000A)) == "9000");
    CHECK(read_object(card) == shared_pki().auth_cert_der);

    CHECK(sw(card, kSelectSurface) == "6A82");
    CHECK(sw(card, kSelectText) == "6A82");
    CHECK(card.log().back().application == "jpki");  // a failed SELECT keeps the selection
}

TEST_CASE("virtual card: 照合番号B opens the card face and DF27 is the photo") {
    VirtualCard card(base_config());
    REQUIRE(sw(card, kSelectSurface) == "9000");
    REQUIRE(sw(card, select_ef(0x0002)) == "9000");
    CHECK(sw(card, "00B0000004") == "6982");
    REQUIRE(sw(card, select_ef(0x0013)) == "9000");
    CHECK(sw(card, verify(std::string(kFakeMyNumber))) == "6982");  // 照合番号A never works
    REQUIRE(sw(card, select_ef(0x0012)) == "9000");
    CHECK(sw(card, kVerifyQuery) == "63CA");
    CHECK(sw(card, verify("55021720352285")) == "9000");
    REQUIRE(sw(card, select_ef(0x0002)) == "9000");

    const Bytes record = read_object(card);
    CHECK(record[0] == 0xFF);
    CHECK(record[1] == 0x20);
    CHECK(record[2] == 0x82);
    const auto outer = read_tlv(record);
    REQUIRE(outer.has_value());
    const auto children = read_tlvs(outer->value);
    REQUIRE(children.size() == 10);
    CHECK(children[0].tag == 0xDF21);
    REQUIRE(children[0].value.size() == 18);
    const std::uint32_t expected_tags[] = {0xDF22, 0xDF23, 0xDF24, 0xDF25, 0xDF26,
                                           0xDF27, 0xDF28, 0xDF29, 0xDF2A};
    for (std::size_t i = 0; i < 9; ++i) {
        CAPTURE(i);
        const Tlv& child = children[i + 1];
        CHECK(child.tag == expected_tags[i]);
        // Offsets in DF21 count from the start of the file (outer header included).
        const std::size_t offset =
            static_cast<std::size_t>(children[0].value[2 * i]) << 8 | children[0].value[2 * i + 1];
        CHECK(offset == child.offset + (outer->total_size - outer->value.size()));
    }
    CHECK(Bytes(children[1].value.begin(), children[1].value.end()) == to_bytes("19800217"));
    CHECK(Bytes(children[2].value.begin(), children[2].value.end()) == to_bytes("2"));
    CHECK(children[3].value.size() == 5 + 4 + 256);
    CHECK(to_hex(children[3].value.first(9), "") ==
          "9003010001918201"
          "00");
    CHECK(Bytes(children[4].value.first(8).begin(), children[4].value.first(8).end()) ==
          from_hex("89504E470D0A1A0A"));
    CHECK(Bytes(children[6].value.begin(), children[6].value.end()) == face_photo());
    CHECK(children[7].value.size() == 256);
    CHECK(Bytes(children[8].value.begin(), children[8].value.end()) == to_bytes("20351231"));

    // The file goes on with FF filler; the age record needs the 生年月日 key instead.
    REQUIRE(sw(card, select_ef(0x0001)) == "9000");
    CHECK(sw(card, "00B0000004") == "6982");
    REQUIRE(sw(card, select_ef(0x0011)) == "9000");
    CHECK(sw(card, verify("550217")) == "9000");
    REQUIRE(sw(card, select_ef(0x0001)) == "9000");
    CHECK(send(card, "00B0000003").data == from_hex("FF1082"));
    REQUIRE(sw(card, select_ef(0x0003)) == "9000");
    const Bytes basic = read_object(card);
    const auto municipality = find_tlv(read_tlv(basic)->value, 0xDF34);
    REQUIRE(municipality.has_value());
    CHECK(Bytes(municipality->value.begin(), municipality->value.end()) == to_bytes("13101"));
}

TEST_CASE("virtual card: 券面事項入力補助AP basic 4 and the 個人番号 file") {
    VirtualCard card(base_config());
    REQUIRE(sw(card, kSelectText) == "9000");
    REQUIRE(sw(card, select_ef(0x0002)) == "9000");
    CHECK(sw(card, "00B0000000") == "6982");

    // 照合番号B opens the basic 4 but not the 個人番号.
    REQUIRE(sw(card, select_ef(0x0015)) == "9000");
    REQUIRE(sw(card, verify("55021720352285")) == "9000");
    REQUIRE(sw(card, select_ef(0x0002)) == "9000");
    const Bytes basic = read_object(card);
    const auto outer = read_tlv(basic);
    REQUIRE(outer.has_value());
    const auto name = find_tlv(outer->value, 0xDF22);
    REQUIRE(name.has_value());
    CHECK(std::string(name->value.begin(), name->value.end()) == "テスト　花子");
    const auto address = find_tlv(outer->value, 0xDF23);
    REQUIRE(address.has_value());
    CHECK(std::string(address->value.begin(), address->value.end()) ==
          "東京都千代田区千代田１－１");
    const auto sex = find_tlv(outer->value, 0xDF25);
    REQUIRE(sex.has_value());
    CHECK(sex->value[0] == '2');
    REQUIRE(sw(card, select_ef(0x0001)) == "9000");
    CHECK(sw(card, "00B0000011") == "6982");
    REQUIRE(sw(card, select_ef(0x0014)) == "9000");
    CHECK(sw(card, verify(std::string(kFakeMyNumber))) == "6982");

    // The PIN opens both; the log shows exactly which EF a command touched.
    REQUIRE(sw(card, select_ef(0x0011)) == "9000");
    REQUIRE(sw(card, verify("1234")) == "9000");
    REQUIRE(sw(card, select_ef(0x0001)) == "9000");
    const Answer number = send(card, "00B0000011");
    CHECK(number.sw == "9000");
    CHECK(std::string(number.data.begin() + 3, number.data.begin() + 15) == kFakeMyNumber);
    const ApduLogEntry last = card.log().back();
    CHECK(last.application == "text");
    CHECK(last.ef == std::uint16_t{0x0001});
    CHECK(last.command_hex == "00 B0 00 00 11");
    CHECK(last.sw_hex == "9000");
}

TEST_CASE("virtual card: 共通AP card info record") {
    VirtualCard card(base_config());
    REQUIRE(sw(card, kSelectCommon) == "9000");
    REQUIRE(sw(card, select_ef(0x0001)) == "9000");
    const Answer record = send(card, "00B2010400");
    CHECK(record.sw == "9000");
    CHECK(record.data == common_card_info_record(CardHolder{}));
    CHECK(std::string(record.data.begin() + 2, record.data.end()) ==
          "JPN0123456789011310120351231");
    CHECK(record.data[1] == 0x1C);
    CHECK(sw(card, "00B2020400") == "6A83");
    CHECK(sw(card, "00B0000000") == "6981");
}

TEST_CASE("virtual card: the log redacts VERIFY data and feeds the sink") {
    VirtualCard card(base_config());
    std::vector<ApduLogEntry> seen;
    card.set_log_sink([&seen](const ApduLogEntry& e) { seen.push_back(e); });
    REQUIRE(sw(card, kSelectJpki) == "9000");
    REQUIRE(sw(card, select_ef(0x0018)) == "9000");
    CHECK(sw(card, verify("1234")) == "9000");
    CHECK(sw(card, verify("9876")) == "63C2");
    CHECK(sw(card, "0020008004313233") == "6700");  // malformed: Lc says 4, 3 bytes follow
    CHECK(sw(card,
             "0024018004"
             "35353535") == "6982");  // CHANGE after a failed VERIFY

    const auto log = card.log();
    REQUIRE(log.size() == 6);
    CHECK(seen.size() == 6);
    CHECK(log[2].command_hex == "00 20 00 80 04 **");
    CHECK(log[2].application == "jpki");
    CHECK(log[2].ef == std::uint16_t{0x0018});
    CHECK(log[3].sw_hex == "63C2");
    for (const ApduLogEntry& e : log) {
        for (const std::string_view secret : {"31 32 33 34", "39 38 37 36", "31 32 33", "35 35"}) {
            CHECK(e.command_hex.find(secret) == std::string::npos);
        }
    }
    CHECK(log[0].application == "jpki");
    CHECK_FALSE(log[0].ef.has_value());
}

TEST_CASE("virtual card: unknown instructions, classes and malformed APDUs") {
    VirtualCard card(base_config());
    CHECK(sw(card, "00CA000000") == "6D00");
    CHECK(sw(card, "80CA000000") == "6D00");
    CHECK(sw(card, "0CA4040C0AD392F000260100000001") == "6E00");
    CHECK(sw(card, "80A4040C0AD392F000260100000001") == "6E00");
    CHECK(sw(card, "00A4") == "6700");
    CHECK(sw(card, "00A4040C05D392F0") == "6700");
    CHECK(sw(card, "00A4050C0AD392F000260100000001") == "6A86");
    const Answer fci = send(card, "00A404000AD392F00026010000000100");
    CHECK(fci.sw == "9000");
    CHECK(fci.data == from_hex("6F0C840AD392F000260100000001"));
}

TEST_CASE("virtual card: verification_number_b uses the Japanese era") {
    CardHolder holder;
    CHECK(verification_number_b(holder) == "55021720352285");
    holder.birth_date = "20010401";  // 平成13年
    CHECK(verification_number_b(holder) == "13040120352285");
    holder.birth_date = "20200115";  // 令和2年
    holder.card_expiry = "20300115";
    holder.security_code = "0042";
    CHECK(verification_number_b(holder) == "02011520300042");
    CHECK(card::japanese_era_yymmdd("19890107") == "640107");  // last day of 昭和
    CHECK(card::japanese_era_yymmdd("19890108") == "010108");  // 平成元年
    CHECK(card::japanese_era_yymmdd("20190430") == "310430");
    CHECK(card::japanese_era_yymmdd("20190501") == "010501");  // 令和元年
    CHECK(card::japanese_era_yymmdd("19261225") == "011225");  // 昭和元年
    CHECK(card::japanese_era_yymmdd("19200101") == "090101");  // 大正9年
    holder.birth_date = "1980-2-17";
    CHECK_THROWS_AS(verification_number_b(holder), Error);
}

TEST_CASE("virtual card: synthetic PNGs are well formed") {
    const Bytes png = synthetic_png(24, 12, "2285");
    REQUIRE(png.size() > 33);
    CHECK(Bytes(png.begin(), png.begin() + 8) == from_hex("89504E470D0A1A0A"));
    CHECK(Bytes(png.begin() + 12, png.begin() + 16) == to_bytes("IHDR"));
    CHECK(Bytes(png.begin() + 16, png.begin() + 24) == from_hex("000000180000000C"));
    CHECK(Bytes(png.end() - 8, png.end() - 4) == to_bytes("IEND"));
    CHECK(synthetic_png(24, 12, "2285") == png);
    CHECK(synthetic_png(24, 12, "1234") != png);
}

TEST_CASE("virtual card: test PKI files and reload") {
    const auto dir =
        std::filesystem::temp_directory_path() / ("mynaq-test-pki-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    shared_pki().save(dir);
    const auto mode = [](const std::filesystem::path& p) {
        struct stat st {};
        REQUIRE(::stat(p.c_str(), &st) == 0);
        return st.st_mode & 0777;
    };
    CHECK(mode(dir) == 0700);
    CHECK(mode(dir / "auth_key.pem") == 0600);
    CHECK(mode(dir / "sign_cert.der") == 0600);

    const TestPki loaded = TestPki::load_or_create(dir);
    CHECK(loaded.auth_cert_der == shared_pki().auth_cert_der);
    CHECK(loaded.sign_key_pem == shared_pki().sign_key_pem);
    CHECK(loaded.auth_key_pem.rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
    std::ifstream trust(dir / "trust" / "auth_root.pem");
    const std::string pem{std::istreambuf_iterator<char>(trust), std::istreambuf_iterator<char>()};
    CHECK(pem == certificate_pem(shared_pki().auth_root_der));

    // The key matches the certificate: its signature verifies.
    const Bytes info = sha256_digest_info("pair");
    CHECK(
        signature_verifies(loaded.auth_cert_der, info, rsa_pkcs1_sign(loaded.auth_key_pem, info)));

    std::filesystem::remove(dir / "auth_cert.der");  // incomplete: a fresh PKI replaces it
    const TestPki fresh = TestPki::load_or_create(dir);
    CHECK(fresh.auth_cert_der != shared_pki().auth_cert_der);
    CHECK(std::filesystem::exists(dir / "auth_cert.der"));

    std::ofstream(dir / "auth_root.der", std::ios::trunc) << "garbage";
    CHECK_THROWS_AS(TestPki::load_or_create(dir), Error);
    std::filesystem::remove_all(dir);
}

namespace {

// The vpcd side of the socket, as pcscd's ifd-vpcd driver would be.
class FakeVpcd {
public:
    FakeVpcd() {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(listener_ >= 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(::listen(listener_, 1) == 0);
        socklen_t len = sizeof addr;
        REQUIRE(::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
        port_ = ntohs(addr.sin_port);
    }
    FakeVpcd(const FakeVpcd&) = delete;
    FakeVpcd& operator=(const FakeVpcd&) = delete;
    ~FakeVpcd() {
        if (conn_ >= 0) ::close(conn_);
        ::close(listener_);
    }

    [[nodiscard]] std::uint16_t port() const { return port_; }

    void accept() {
        conn_ = ::accept(listener_, nullptr, nullptr);
        REQUIRE(conn_ >= 0);
    }

    void send_frame(ByteView payload) {
        Bytes frame{static_cast<std::uint8_t>(payload.size() >> 8),
                    static_cast<std::uint8_t>(payload.size() & 0xFF)};
        frame.insert(frame.end(), payload.begin(), payload.end());
        REQUIRE(::send(conn_, frame.data(), frame.size(), MSG_NOSIGNAL) ==
                static_cast<ssize_t>(frame.size()));
    }

    // nullopt on timeout; an empty vector when the card closed the connection.
    std::optional<Bytes> read_frame(int timeout_ms = 2000) {
        Bytes header = read_exactly(2, timeout_ms);
        if (header.size() != 2)
            return header.empty() && closed_ ? std::optional<Bytes>(Bytes{}) : std::nullopt;
        const std::size_t length = static_cast<std::size_t>(header[0]) << 8 | header[1];
        Bytes payload = read_exactly(length, timeout_ms);
        REQUIRE(payload.size() == length);
        return payload;
    }

private:
    Bytes read_exactly(std::size_t n, int timeout_ms) {
        Bytes out;
        while (out.size() < n) {
            pollfd p{conn_, POLLIN, 0};
            if (::poll(&p, 1, timeout_ms) <= 0) break;
            std::uint8_t buf[512];
            const ssize_t got = ::recv(conn_, buf, std::min(sizeof buf, n - out.size()), 0);
            if (got <= 0) {
                closed_ = true;
                break;
            }
            out.insert(out.end(), buf, buf + got);
        }
        return out;
    }

    int listener_ = -1;
    int conn_ = -1;
    std::uint16_t port_ = 0;
    bool closed_ = false;
};

}  // namespace

TEST_CASE("virtual card: vpcd link framing") {
    VirtualCard card(base_config());
    FakeVpcd vpcd;
    VpcdLink link(card, "127.0.0.1", vpcd.port());
    link.start();
    vpcd.accept();
    CHECK(link.running());

    // Power on (no answer), then get ATR.
    vpcd.send_frame(Bytes{0x01});
    vpcd.send_frame(Bytes{0x04});
    const auto atr = vpcd.read_frame();
    REQUIRE(atr.has_value());
    CHECK(*atr == card.atr());

    vpcd.send_frame(from_hex(kSelectJpki));
    const auto answer = vpcd.read_frame();
    REQUIRE(answer.has_value());
    CHECK(*answer == from_hex("9000"));
    vpcd.send_frame(from_hex("00A4020C02000A"));
    vpcd.send_frame(from_hex("00B0000004"));
    CHECK(vpcd.read_frame() == from_hex("9000"));
    const auto head = vpcd.read_frame();
    REQUIRE(head.has_value());
    CHECK(Bytes(head->begin(), head->begin() + 2) == from_hex("3082"));
    CHECK(link.apdu_count() == 3);

    // Reset clears the selection.
    vpcd.send_frame(Bytes{0x02});
    vpcd.send_frame(from_hex("00B0000004"));
    CHECK(vpcd.read_frame() == from_hex("6986"));

    link.stop();
    CHECK_FALSE(link.running());
    CHECK(vpcd.read_frame() == Bytes{});  // the card is gone
    link.wait();                          // returns at once
}

TEST_CASE("virtual card: vpcd link faults") {
    SUBCASE("remove_after closes the socket on the next APDU") {
        VirtualCard card(base_config());
        FakeVpcd vpcd;
        VpcdLink::Faults faults;
        faults.remove_after = 1;
        VpcdLink link(card, "localhost", vpcd.port(), faults);
        link.start();
        vpcd.accept();
        vpcd.send_frame(from_hex(kSelectJpki));
        CHECK(vpcd.read_frame() == from_hex("9000"));
        vpcd.send_frame(from_hex(kSelectJpki));
        CHECK(vpcd.read_frame() == Bytes{});
        link.wait();
        CHECK_FALSE(link.running());
        CHECK(link.apdu_count() == 2);
    }
    SUBCASE("stop_answering_after keeps the connection but stays silent") {
        VirtualCard card(base_config());
        FakeVpcd vpcd;
        VpcdLink::Faults faults;
        faults.stop_answering_after = 1;
        VpcdLink link(card, "127.0.0.1", vpcd.port(), faults);
        link.start();
        vpcd.accept();
        vpcd.send_frame(from_hex(kSelectJpki));
        CHECK(vpcd.read_frame() == from_hex("9000"));
        vpcd.send_frame(from_hex(kSelectJpki));
        CHECK_FALSE(vpcd.read_frame(200).has_value());
        CHECK(link.running());
        // Still present for pcscd's presence polls (GET ATR), only APDUs hang.
        vpcd.send_frame(Bytes{0x04});
        CHECK(vpcd.read_frame() == card.atr());
        CHECK(link.apdu_count() == 2);
    }
    SUBCASE("delay slows each answer, and stop() interrupts it") {
        VirtualCard card(base_config());
        FakeVpcd vpcd;
        VpcdLink::Faults faults;
        faults.delay = std::chrono::milliseconds(150);
        VpcdLink link(card, "127.0.0.1", vpcd.port(), faults);
        link.start();
        vpcd.accept();
        const auto begin = std::chrono::steady_clock::now();
        vpcd.send_frame(from_hex(kSelectJpki));
        CHECK(vpcd.read_frame() == from_hex("9000"));
        CHECK(std::chrono::steady_clock::now() - begin >= std::chrono::milliseconds(150));
        link.stop();
    }
    SUBCASE("vpcd not listening") {
        VirtualCard card(base_config());
        std::uint16_t port = 0;
        {
            const FakeVpcd closed;  // a port that was just free
            port = closed.port();
        }
        VpcdLink link(card, "127.0.0.1", port);
        link.set_connect_timeout(std::chrono::milliseconds(200));
        try {
            link.start();
            FAIL("start() should have thrown");
        } catch (const Error& e) {
            CHECK(e.code() == Errc::PcscUnavailable);
        }
        CHECK_FALSE(link.running());
    }
}
