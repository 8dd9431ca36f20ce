// mynaq card: readers, info, cert, pin-status, verify-pin, photo (card_secret_commands.cpp),
// watch, apdu, doctor (card_tech_commands.cpp).
#include <algorithm>
#include <iostream>

#include <fmt/format.h>

#include "card_render.hpp"
#include "card_session.hpp"
#include "commands.hpp"
#include "mynaq/atr.hpp"
#include "mynaq/files.hpp"
#include "mynaq/jst.hpp"

namespace mynaq::cli {

void add_card_secret_commands(Registry registry, CLI::App& card);
void add_card_tech_commands(Registry registry, CLI::App& card);

namespace {

int run_readers(AppContext& context) {
    pcsc::Context pcsc;
    const auto states = pcsc.reader_states();
    if (context.json()) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& s : states) {
            list.push_back({{"name", s.name},
                            {"card_present", s.card_present},
                            {"in_use", s.in_use},
                            {"mute", s.mute},
                            {"atr", s.card_present ? to_hex(s.atr, "") : ""}});
        }
        context.emit_json({{"readers", list}});
        return 0;
    }
    if (states.empty()) {
        std::cout << context.t("readers.none") << '\n';
        return 0;
    }
    for (const auto& s : states) {
        std::cout << s.name << '\n';
        std::string card =
            std::string(context.t(s.card_present ? "label.present" : "label.absent"));
        if (s.in_use) card += fmt::format(" ({})", context.t("label.in_use"));
        print_field(context.t("label.card"), card);
        if (s.card_present) print_field(context.t("label.atr"), to_hex(s.atr));
    }
    return 0;
}

int run_info(AppContext& context) {
    CardSession session(context, pcsc::ShareMode::Shared);
    auto& card = session.card();
    const auto token = card.token_info();
    const Bytes& atr = session.connection().atr();
    const AtrInfo atr_info = decode_atr(atr);

    std::optional<CertificateReport> cert;
    std::optional<Error> cert_error;
    try {
        cert = examine_certificate(context, card.read_auth_certificate());
    } catch (const Error& e) {
        if (e.code() != Errc::PinRequired) throw;
        cert_error = e;
    }
    std::optional<card::CardInfo> info;
    if (token.type == card::TokenType::PlasticCard) info = card.card_info();
    const auto pins = card.all_pin_status();

    if (context.json()) {
        nlohmann::json j{
            {"reader", session.connection().reader()},
            {"atr", to_hex(atr, "")},
            {"atr_known_as", atr_info.known_as},
            {"protocol", session.connection().protocol_name()},
            {"token",
             {{"type", std::string(card::token_type_name(token.type))}, {"label", token.label}}}};
        j["card"] = info ? nlohmann::json{{"serial", info->serial},
                                          {"municipality", info->municipality},
                                          {"expiry", info->expiry}}
                         : nlohmann::json(nullptr);
        if (cert) {
            j["certificate"] = to_json(*cert);
        } else {
            j["certificate"] = {{"error", std::string(errc_name(cert_error->code()))}};
        }
        j["pins"] = nlohmann::json::array();
        for (const auto& p : pins) j["pins"].push_back(to_json(p));
        context.emit_json(j);
        return 0;
    }
    print_field(context.t("label.reader"), session.connection().reader());
    print_field(context.t("label.token"),
                fmt::format("{} ({})",
                            context.t(fmt::format("token.{}", card::token_type_name(token.type))),
                            token.label));
    print_field(context.t("label.atr"),
                to_hex(atr) + (atr_info.known_as.empty() ? "" : "  [" + atr_info.known_as + "]"));
    print_field(context.t("label.protocol"), session.connection().protocol_name());
    if (info) {
        print_field(context.t("label.serial"), info->serial);
        print_field(context.t("label.municipality"), info->municipality);
        print_field(context.t("label.card_expiry"), info->expiry);
    }
    std::cout << context.t("label.certificate") << '\n';
    if (cert) {
        print_certificate(context, *cert);
    } else {
        print_field(context.t("label.state"), error_text(context.lang, cert_error->code()).message);
    }
    std::cout << context.t("label.retry_counters") << '\n';
    print_pin_status(context, pins);
    return 0;
}

struct CertOptions {
    bool pem = false;
    bool der = false;
    bool ca = false;
    std::string out;
};

int run_cert(AppContext& context, const CertOptions& options) {
    CardSession session(context, pcsc::ShareMode::Shared);
    auto& card = session.card();
    const Bytes der = options.ca ? card.read_auth_ca_certificate() : card.read_auth_certificate();
    if (options.der || options.pem) {
        const std::string pem = options.pem ? jpki::der_to_pem(der) : std::string();
        if (!options.out.empty()) {
            if (options.der) {
                write_file_atomic(options.out, der);
            } else {
                write_file_atomic(options.out, pem);
            }
        } else if (options.der) {
            if (::isatty(STDOUT_FILENO) == 1) {
                throw Error(Errc::Usage, "refusing to write DER to a terminal; use --out FILE");
            }
            std::cout.write(reinterpret_cast<const char*>(der.data()),
                            static_cast<std::streamsize>(der.size()));
        } else if (!context.json()) {
            std::cout << pem;
        }
        if (context.json()) {
            nlohmann::json j{{"size", der.size()}};
            if (options.pem) j["pem"] = pem;
            if (!options.out.empty()) j["file"] = options.out;
            context.emit_json(j);
        }
        return 0;
    }
    // A CA certificate read from the card is reported, never trusted by itself.
    const auto report = examine_certificate(context, der);
    if (context.json()) {
        auto j = to_json(report);
        j["which"] = options.ca ? "auth_ca" : "auth";
        j["size"] = der.size();
        j["pem"] = jpki::der_to_pem(der);
        context.emit_json(j);
        return 0;
    }
    std::cout << context.t(options.ca ? "label.ca_certificate" : "label.certificate") << '\n';
    print_certificate(context, report);
    return 0;
}

int run_pin_status(AppContext& context, const std::vector<std::string>& apps) {
    CardSession session(context, pcsc::ShareMode::Shared);
    std::vector<card::PinStatus> pins;
    for (const card::Credential c : card::all_credentials()) {
        const auto app = card::application_name(card::credential_spec(c).application);
        if (apps.empty() || std::find(apps.begin(), apps.end(), app) != apps.end()) {
            pins.push_back(session.card().pin_status(c));
        }
    }
    if (context.json()) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& p : pins) list.push_back(to_json(p));
        context.emit_json({{"pins", list}});
        return 0;
    }
    std::cout << context.t("label.retry_counters") << '\n';
    print_pin_status(context, pins);
    return 0;
}

}  // namespace

void add_card_commands(Registry registry) {
    auto& context = registry.context;
    auto& action = registry.action;
    CLI::App* card = registry.app.add_subcommand("card", "Read the My Number card through PC/SC");
    card->require_subcommand(1);
    card->fallthrough();
    card->add_option("--wait", context.options.wait_seconds,
                     "Wait up to SECONDS for a card to be inserted")
        ->check(CLI::Range(0.0, 3600.0))
        ->type_name("SECONDS");

    card->add_subcommand("readers", "List readers and whether a card is present")->callback([&] {
        action = [&] { return run_readers(context); };
    });
    card->add_subcommand("info", "Token type, ATR, card info, certificate summary, retry counters")
        ->callback([&] { action = [&] { return run_info(context); }; });

    static CertOptions cert_options;
    auto* cert = card->add_subcommand("cert", "The user-authentication certificate (EF 000A)");
    auto* pem = cert->add_flag("--pem", cert_options.pem, "Print the certificate as PEM");
    cert->add_flag("--der", cert_options.der, "Write the certificate as DER")->excludes(pem);
    cert->add_flag("--ca", cert_options.ca, "The CA certificate on the card (EF 000B) instead");
    cert->add_option("--out", cert_options.out, "Write to FILE (mode 0600) instead of stdout")
        ->type_name("FILE");
    cert->callback([&] { action = [&] { return run_cert(context, cert_options); }; });

    static std::vector<std::string> pin_apps;
    auto* pin_status =
        card->add_subcommand("pin-status", "Retry counters, read without spending a try");
    pin_status
        ->add_option("--app", pin_apps,
                     "Only the counters of these applications (jpki, text, surface)")
        ->check(CLI::IsMember({"jpki", "text", "surface"}))
        ->delimiter(',');
    pin_status->callback([&] { action = [&] { return run_pin_status(context, pin_apps); }; });

    add_card_secret_commands(registry, *card);
    add_card_tech_commands(registry, *card);
}

}  // namespace mynaq::cli
