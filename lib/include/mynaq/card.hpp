// The My Number card as clinics use it: recognised by selecting the JPKI AP (never by ATR),
// its token type, the 利用者証明用 certificate, retry counters, the auth-PIN check, the face
// photo behind 照合番号B and the card info of 共通AP. It never reads the 個人番号: every command
// passes a guard that refuses 券面事項入力補助AP EF 0001 and 照合番号A (mynumber-card.md §4.3).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mynaq/bytes.hpp"
#include "mynaq/transport.hpp"

namespace mynaq::card {

enum class Application { None, Jpki, Text, Surface, Common, Juki, Other };

std::string_view application_name(Application app);  // "jpki", "text", ...
std::optional<Application> application_from_name(std::string_view name);
ByteView application_aid(Application app);  // empty for None/Other

enum class TokenType { PlasticCard, AndroidToken, IphoneToken, Unknown };
std::string_view token_type_name(TokenType type);  // "plastic_card", "android", "iphone", "unknown"

struct TokenInfo {
    TokenType type = TokenType::Unknown;
    std::string label;  // trimmed, e.g. "JPKIAPICCTOKEN2"
};

// The credentials whose counters can be read without spending a try.
enum class Credential { AuthPin, SignPassword, TextPin, VerificationB };

struct CredentialSpec {
    Credential credential;
    std::string_view id;  // "auth_pin", ...
    Application application;
    std::uint16_t key_ef;
    int max_tries;  // 0 when not publicly known
};
const CredentialSpec& credential_spec(Credential credential);
const std::vector<Credential>& all_credentials();

struct PinStatus {
    Credential credential;
    std::optional<int> tries_left;  // nullopt when the card does not report a count
    bool blocked = false;
    bool verified = false;     // the card said 9000 to the query (already verified)
    bool unavailable = false;  // the application or key is absent on this token
    std::string sw;
};

struct CardInfo {
    std::string serial;        // card serial (15 characters)
    std::string municipality;  // 5-digit 全国地方公共団体コード
    std::string expiry;        // YYYY-MM-DD
};

struct FacePhoto {
    Bytes jp2;  // DF27, JPEG 2000 (JP2 container or codestream)
    std::size_t record_size = 0;
    std::vector<std::string> record_tags;  // tags found in the FF20 record, for diagnostics
};

// Refuses what would expose the 個人番号 and tracks the selected application to know.
class PrivacyGuard {
public:
    void check(const CommandApdu& command) const;  // throws Error{Forbidden}
    void observe(const CommandApdu& command, StatusWord sw);
    [[nodiscard]] Application current_application() const { return application_; }

private:
    Application application_ = Application::None;
};

class MyNumberCard {
public:
    explicit MyNumberCard(Transport& transport);

    ApduChannel& channel() { return channel_; }

    // SELECT JPKI AP; throws NotMyNumberCard when it is not there.
    void detect();
    TokenInfo token_info();
    // 利用者証明用電子証明書 (EF 000A), exactly the DER bytes. Android tokens require the PIN
    // first: throws PinRequired.
    Bytes read_auth_certificate();
    Bytes read_auth_ca_certificate();  // EF 000B
    PinStatus pin_status(Credential credential);
    std::vector<PinStatus> all_pin_status();

    // Queries the counter first; refuses at one try left unless `force`; never retries.
    void verify(Credential credential, const SecretString& secret, bool force);
    // Signs a DigestInfo with the auth key (after verify(AuthPin)).
    Bytes sign_with_auth_key(ByteView digest_info);
    // 照合番号B -> 券面事項確認AP EF 0002 -> DF27.
    FacePhoto read_face_photo(const SecretString& verification_b, bool force);
    CardInfo card_info();

    // Sends a technician's command after the privacy guard; selects `app` first if given.
    ResponseApdu send_raw(const CommandApdu& command);
    void select_application(Application app);

    [[nodiscard]] Application current_application() const { return guard_.current_application(); }

private:
    ResponseApdu send(const CommandApdu& command);
    void select_ef(std::uint16_t fid);
    Bytes read_object(std::uint16_t fid);  // reads a BER object's exact size from an EF

    ApduChannel channel_;
    PrivacyGuard guard_;
    std::optional<std::uint16_t> selected_ef_;
};

// 照合番号B from what is printed on the card: birth date (Gregorian YYYYMMDD or YYYY-MM-DD,
// turned into the 和暦 YYMMDD the card expects), the expiry year and the security code.
// Accepts the 14 digits as they are, or the three parts separated by spaces or '/':
// "1980-02-17 2035 2285" -> "55021720352285". Throws PinFormat.
SecretString verification_b_from_input(const SecretString& input);

// 和暦 YYMMDD of a Gregorian YYYYMMDD (令和 from 2019-05-01, 平成 from 1989-01-08, 昭和 from
// 1926-12-25, 大正 from 1912-07-30, else 明治). Throws InvalidArgument.
std::string japanese_era_yymmdd(std::string_view yyyymmdd);

// The PIN-safety rule in one place: throws Unsupported (no such key on this token),
// PinBlocked, or PinLastTry (one try left and not `force`). A caller checks it before asking
// the patient for a secret; verify() checks it again before sending one.
void check_may_send(const PinStatus& status, bool force);

// PIN/照合番号 format rules: auth/text PIN 4 digits; sign password 6-16 [A-Z0-9] with a
// letter and a digit; 照合番号B 14 digits. Throws PinFormat.
void check_secret_format(Credential credential, const SecretString& secret);

}  // namespace mynaq::card
