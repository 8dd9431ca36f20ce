// mynaq card verify-pin and card photo: the commands that send a secret to the card.
// Both ask the counter first, refuse at one try left unless --force, and never retry.
#include <unistd.h>

#include <iostream>

#include <fmt/format.h>

#include "card_render.hpp"
#include "card_session.hpp"
#include "commands.hpp"
#include "mynaq/files.hpp"
#include "secret_input.hpp"

namespace mynaq::cli {

namespace {

struct SecretOptions {
    bool force = false;
    std::string env_var;
    std::string out;
};

int run_verify_pin(AppContext& context, const SecretOptions& options) {
    CardSession session(context, pcsc::ShareMode::Exclusive);
    // A verified PIN stays usable until power-down: cut power when done.
    session.connection().unpower_on_close();
    auto& card = session.card();
    const auto token = card.token_info();
    const card::PinStatus before = card.pin_status(card::Credential::AuthPin);
    card::check_may_send(before, options.force);  // before the patient types

    std::optional<Bytes> certificate;
    if (token.type != card::TokenType::AndroidToken) certificate = card.read_auth_certificate();

    const SecretString pin = read_secret(context, "prompt.auth_pin", {options.env_var});
    card::check_secret_format(card::Credential::AuthPin, pin);
    card.verify(card::Credential::AuthPin, pin, options.force);
    if (!certificate) certificate = card.read_auth_certificate();

    // Prove the key answers to this PIN: sign a fresh challenge and check it with the cert.
    const Bytes challenge = jpki::random_bytes(32);
    const Bytes digest_info = jpki::sha256_digest_info(challenge);
    const Bytes signature = card.sign_with_auth_key(digest_info);
    if (!jpki::verify_digest_info_signature(*certificate, digest_info, signature)) {
        throw Error(Errc::SignatureInvalid, "the card's signature does not verify with EF 000A");
    }
    const auto report = examine_certificate(context, *certificate);

    if (context.json()) {
        context.emit_json(
            {{"verified", true},
             {"signature_valid", true},
             {"token", std::string(card::token_type_name(token.type))},
             {"tries_left_before",
              before.tries_left ? nlohmann::json(*before.tries_left) : nlohmann::json(nullptr)},
             {"certificate", to_json(report)}});
        return 0;
    }
    std::cout << context.t("verify.ok") << '\n';
    print_field(context.t("verify.tries_before"), pin_status_text(context, before));
    print_field(context.t("label.subject"), report.info.subject);
    print_field(context.t("label.state"),
                context.t(fmt::format("state.{}", jpki::validity_state_name(report.info.state))));
    return 0;
}

// Width and height from the JP2 header box, when present.
std::optional<std::pair<std::uint32_t, std::uint32_t>> jp2_dimensions(const Bytes& jp2) {
    static constexpr std::string_view kIhdr = "ihdr";
    for (std::size_t i = 0; i + 12 <= jp2.size(); ++i) {
        if (std::equal(kIhdr.begin(), kIhdr.end(), jp2.begin() + static_cast<std::ptrdiff_t>(i))) {
            auto u32 = [&](std::size_t at) {
                return static_cast<std::uint32_t>(jp2[at] << 24 | jp2[at + 1] << 16 |
                                                  jp2[at + 2] << 8 | jp2[at + 3]);
            };
            return std::pair{u32(i + 8), u32(i + 4)};
        }
    }
    return std::nullopt;
}

int run_photo(AppContext& context, const SecretOptions& options) {
    const card::FacePhoto photo = read_card_face_photo(context, options.env_var, options.force);

    write_file_atomic(options.out, photo.jp2);

    const auto dims = jp2_dimensions(photo.jp2);
    if (context.json()) {
        nlohmann::json j{{"file", options.out},
                         {"format", "jpeg2000"},
                         {"bytes", photo.jp2.size()},
                         {"record_bytes", photo.record_size},
                         {"record_tags", photo.record_tags}};
        if (dims) j["width"] = dims->first, j["height"] = dims->second;
        context.emit_json(j);
        return 0;
    }
    std::cout << context.t("photo.saved") << ": " << options.out << '\n';
    print_field(context.t("photo.size"), fmt::format("{} bytes (JPEG 2000)", photo.jp2.size()));
    if (dims)
        print_field(context.t("photo.dimensions"),
                    fmt::format("{} x {}", dims->first, dims->second));
    return 0;
}

}  // namespace

void add_card_secret_commands(Registry registry, CLI::App& card) {
    auto& context = registry.context;
    auto& action = registry.action;

    static SecretOptions pin_options;
    auto* verify = card.add_subcommand(
        "verify-pin",
        "Check the user-authentication PIN and that the card signs with its certificate's key");
    verify->add_flag("--force", pin_options.force, "Send the PIN even with one try left");
    verify
        ->add_option("--pin-env", pin_options.env_var,
                     "Read the PIN from environment variable VAR (never from argv)")
        ->type_name("VAR");
    verify->callback([&] { action = [&] { return run_verify_pin(context, pin_options); }; });

    static SecretOptions photo_options;
    auto* photo = card.add_subcommand(
        "photo", "Save the face photo (券面事項確認AP, opened with 照合番号B) as JPEG 2000");
    photo->add_option("--out", photo_options.out, "Output file (.jp2, mode 0600)")
        ->required()
        ->type_name("FILE");
    photo->add_flag("--force", photo_options.force, "Send 照合番号B even with one try left");
    photo
        ->add_option("--code-env", photo_options.env_var,
                     "Read 照合番号B from environment variable VAR (never from argv)")
        ->type_name("VAR");
    photo->callback([&] { action = [&] { return run_photo(context, photo_options); }; });
}

}  // namespace mynaq::cli
