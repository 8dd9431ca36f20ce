#include <algorithm>
#include <array>

#include "mynaq/card.hpp"
#include "mynaq/error.hpp"

namespace mynaq::card {

namespace {

constexpr std::array<std::uint8_t, 10> kJpkiAid{0xD3, 0x92, 0xF0, 0x00, 0x26,
                                                0x01, 0x00, 0x00, 0x00, 0x01};
constexpr std::array<std::uint8_t, 10> kTextAid{0xD3, 0x92, 0x10, 0x00, 0x31,
                                                0x00, 0x01, 0x01, 0x04, 0x08};
constexpr std::array<std::uint8_t, 10> kSurfaceAid{0xD3, 0x92, 0x10, 0x00, 0x31,
                                                   0x00, 0x01, 0x01, 0x04, 0x02};
constexpr std::array<std::uint8_t, 10> kJukiAid{0xD3, 0x92, 0x10, 0x00, 0x31,
                                                0x00, 0x01, 0x01, 0x04, 0x01};
constexpr std::array<std::uint8_t, 10> kCommonAid{0xD3, 0x92, 0x10, 0x00, 0x31,
                                                  0x00, 0x01, 0x01, 0x01, 0x00};

struct NamedApplication {
    Application app;
    std::string_view name;
};
constexpr std::array<NamedApplication, 5> kNames{{{Application::Jpki, "jpki"},
                                                  {Application::Text, "text"},
                                                  {Application::Surface, "surface"},
                                                  {Application::Common, "common"},
                                                  {Application::Juki, "juki"}}};

const std::vector<CredentialSpec>& specs() {
    // Counts from mynumber-card.md §5; 照合番号B's limit is not publicly documented.
    static const std::vector<CredentialSpec> table{
        {Credential::AuthPin, "auth_pin", Application::Jpki, 0x0018, 3},
        {Credential::SignPassword, "sign_password", Application::Jpki, 0x001B, 5},
        {Credential::TextPin, "text_pin", Application::Text, 0x0011, 3},
        {Credential::VerificationB, "verification_b", Application::Surface, 0x0012, 0},
    };
    return table;
}

}  // namespace

std::string_view application_name(Application app) {
    for (const auto& n : kNames) {
        if (n.app == app) return n.name;
    }
    return app == Application::None ? "none" : "other";
}

std::optional<Application> application_from_name(std::string_view name) {
    for (const auto& n : kNames) {
        if (n.name == name) return n.app;
    }
    return std::nullopt;
}

ByteView application_aid(Application app) {
    switch (app) {
        case Application::Jpki:
            return kJpkiAid;
        case Application::Text:
            return kTextAid;
        case Application::Surface:
            return kSurfaceAid;
        case Application::Common:
            return kCommonAid;
        case Application::Juki:
            return kJukiAid;
        default:
            return {};
    }
}

std::string_view token_type_name(TokenType type) {
    switch (type) {
        case TokenType::PlasticCard:
            return "plastic_card";
        case TokenType::AndroidToken:
            return "android";
        case TokenType::IphoneToken:
            return "iphone";
        case TokenType::Unknown:
            return "unknown";
    }
    return "unknown";
}

const CredentialSpec& credential_spec(Credential credential) {
    for (const auto& s : specs()) {
        if (s.credential == credential) return s;
    }
    throw Error(Errc::Internal, "unknown credential");
}

const std::vector<Credential>& all_credentials() {
    static const std::vector<Credential> all{Credential::AuthPin, Credential::SignPassword,
                                             Credential::TextPin, Credential::VerificationB};
    return all;
}

void check_secret_format(Credential credential, const SecretString& secret) {
    const std::string& s = secret.reveal();
    auto all_digits = [&] {
        return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    switch (credential) {
        case Credential::AuthPin:
        case Credential::TextPin:
            if (s.size() != 4 || !all_digits()) {
                throw Error(Errc::PinFormat, "the PIN must be exactly 4 digits");
            }
            return;
        case Credential::VerificationB:
            if (s.size() != 14 || !all_digits()) {
                throw Error(Errc::PinFormat,
                            "照合番号B must be 14 digits: birth date (era YYMMDD), expiry year, "
                            "security code");
            }
            return;
        case Credential::SignPassword: {
            const bool shape =
                s.size() >= 6 && s.size() <= 16 && std::all_of(s.begin(), s.end(), [](char c) {
                    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
                });
            const bool letter =
                std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
            const bool digit =
                std::any_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
            if (!shape || !letter || !digit) {
                throw Error(Errc::PinFormat,
                            "the signature password must be 6-16 upper-case letters and digits, "
                            "with at least one of each");
            }
            return;
        }
    }
}

}  // namespace mynaq::card
