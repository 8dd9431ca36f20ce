// A virtual My Number card: the JPKI AP, both 券面 APs, 住基AP and 共通AP with fabricated
// holder data, reproducing the behaviour listed in mynumber-card.md §7.2 (selection rules,
// access conditions, retry counters, padded certificate EFs, FF filler, 80 2A signing).
// It exists for tests and demonstrations; nothing in it belongs to a real person.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mynaq/bytes.hpp"
#include "mynaq/sim/test_pki.hpp"

namespace mynaq::sim {

// Decides the label in JPKI EF 0006 and what the token offers: the Android token
// ("JPKIAPGPSETOKEN") has only the JPKI AP and wants the PIN before EF 000A.
// PlasticCard: "JPKIAPICCTOKEN2"; Android: "JPKIAPGPSETOKEN"; OtherCard: an ISO 7816 card
// with none of the My Number applications (a transit or bank card on the reader by mistake).
enum class TokenProfile { PlasticCard, Android, OtherCard };

// Fabricated holder data (never real people).
struct CardHolder {
    std::string birth_date = "19800217";   // Gregorian YYYYMMDD
    char sex = '2';                        // ISO 5218: 1 male, 2 female, 9 n/a, 0 unknown
    std::string card_expiry = "20351231";  // YYYYMMDD
    std::string security_code = "2285";
    std::string card_serial = "JPN012345678901";  // 15 chars for 共通AP EF 0001
    std::string municipality = "13101";
    std::string name = "テスト　花子";  // UTF-8, for 券面事項入力補助AP EF 0002
    std::string address = "東京都千代田区千代田１－１";  // UTF-8
};

// The 個人番号 in 券面事項入力補助AP EF 0001. Its check digit is wrong on purpose (the right
// one would be 6), so it can never be anybody's number; tests search output for it.
inline constexpr std::string_view kFakeMyNumber = "999999999999";

// The simulator's fabricated secrets: public test values, documented in mynaq-sim(1).
inline constexpr std::string_view kSimAuthPin = "1234";
inline constexpr std::string_view kSimSignPassword = "ABC123";
inline constexpr std::string_view kSimTextPin = "1234";

struct VirtualCardConfig {
    TokenProfile profile = TokenProfile::PlasticCard;
    TestPki pki;
    CardHolder holder;
    Bytes face_jp2;                               // photo for 券面事項確認AP EF 0002 DF27
    std::string auth_pin{kSimAuthPin};            // JPKI EF 0018 利用者証明用, 3 tries
    std::string sign_password{kSimSignPassword};  // JPKI EF 001B, 5 tries
    std::string text_pin{kSimTextPin};            // 券面事項入力補助AP EF 0011, 3 tries
    // Initial remaining tries (0 = blocked), so tests can start at 1 or 0. A successful
    // VERIFY restores the usual maximum (3/5/3/10) or this value if it is larger.
    int auth_pin_tries = 3;
    int sign_password_tries = 5;
    int text_pin_tries = 3;
    int verification_b_tries = 10;  // 券面事項確認AP EF 0012 and 入力補助 EF 0015
    Bytes atr = from_hex("3B 88 80 01 00 00 05 E0 B3 81 A1 00 7F");
};

// 照合番号B: birth date as 和暦 YYMMDD + expiry year YYYY + security code;
// 1980-02-17, 2035, 2285 -> "55021720352285". Throws Error{InvalidArgument} on malformed
// holder fields.
std::string verification_number_b(const CardHolder& holder);

// Builders of the card's file contents, public so parser tests can use them without a card.
Bytes token_info_file(TokenProfile profile);  // JPKI EF 0006, 160 bytes
// 券面事項確認AP EF 0002: FF 20 82 LL LL { DF21 offsets, DF22 .. DF2A } + FF filler. DF24 holds
// the auth certificate's public key; DF28 is the sign key's signature over DigestInfo(SHA-256(
// SHA-256(DF22..DF24) || SHA-256(DF25 DF26) || SHA-256(DF27))), zeros without a PKI. Throws
// Error{InvalidArgument} when the photo makes the file too large for 15-bit READ BINARY offsets.
Bytes card_face_file(const CardHolder& holder, ByteView face_jp2, const TestPki& pki);
// 券面事項入力補助AP EF 0002: FF 20 { DF21 offsets, DF22 name, DF23 address, DF24 birth,
// DF25 sex } + FF filler.
Bytes text_basic_info_file(const CardHolder& holder);
// 共通AP EF 0001 record 1: 01 1C <serial 15><municipality 5><expiry YYYYMMDD>.
Bytes common_card_info_record(const CardHolder& holder);
// 券面事項確認AP EF 0001 (age record): FF 10 82 LL LL { DF11 birth, DF12 key, DF13 signature }.
Bytes surface_age_file(const CardHolder& holder, const TestPki& pki);
// 券面事項確認AP EF 0003: FF 30 { DF31 AP info, DF32 key id, DF34 municipality }.
Bytes surface_basic_info_file(const CardHolder& holder);
// 券面事項確認AP EF 0005: FF 40 { DF41 PNG of kFakeMyNumber } (照合番号A only, so never read).
Bytes surface_my_number_image_file();
// 券面事項入力補助AP EF 0001: FF 10 0C <kFakeMyNumber> FF FF (17 bytes).
Bytes text_my_number_file();
// A valid 1-bit greyscale PNG (stored deflate blocks) with a pattern derived from `seed`.
Bytes synthetic_png(std::uint32_t width, std::uint32_t height, std::string_view seed);

struct ApduLogEntry {
    // "jpki", "surface" (券面事項確認AP), "text" (券面事項入力補助AP), "common" (共通AP),
    // "juki", "none": the application selected once the command had run.
    std::string application;
    std::optional<std::uint16_t> ef;  // current EF once the command had run
    std::string command_hex;          // VERIFY/CHANGE data shown as "**"
    std::string sw_hex;               // "9000"
};

// Stateful and thread-safe (one mutex). Retry counters survive power_off() like the chip's
// non-volatile memory; verified state and selection do not.
class VirtualCard {
public:
    // Throws Error{InvalidArgument} on holder data that cannot be encoded.
    explicit VirtualCard(VirtualCardConfig config);
    ~VirtualCard();
    VirtualCard(const VirtualCard&) = delete;
    VirtualCard& operator=(const VirtualCard&) = delete;

    [[nodiscard]] Bytes atr() const;
    // Full R-APDU including SW1 SW2. Never throws: internal errors answer 6F00, malformed
    // APDUs 6700.
    Bytes process(ByteView command);
    void power_off();  // clears security state and selection
    // Called after each command, outside the card's lock; exceptions from it are swallowed.
    void set_log_sink(std::function<void(const ApduLogEntry&)> sink);
    // Every command processed so far (the oldest are dropped beyond 100000 entries).
    [[nodiscard]] std::vector<ApduLogEntry> log() const;
    // Tries left of a key EF ("jpki" 0x0018, "text" 0x0015, ...); -1 if there is no such key
    // (or the application is absent on this profile).
    [[nodiscard]] int remaining_tries(std::string_view application, std::uint16_t key_ef) const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace mynaq::sim
