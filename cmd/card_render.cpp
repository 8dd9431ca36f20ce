#include "card_render.hpp"

#include <iostream>

#include <fmt/format.h>

#include "mynaq/jst.hpp"

namespace mynaq::cli {

jpki::TrustStore build_trust_store(const AppContext& context) {
    jpki::TrustStore store;
    if (context.config.builtin_anchors) store.add_directory(data_dir() / "trust" / "jpki");
    for (const auto& dir : context.config.trust_dirs) store.add_directory(dir);
    return store;
}

CertificateReport examine_certificate(const AppContext& context, ByteView der,
                                      std::optional<ByteView> card_ca) {
    const auto now = now_seconds();
    CertificateReport report{
        jpki::inspect_certificate(der, now, context.config.expiry_warning_days),
        jpki::check_chain(der, build_trust_store(context), now, card_ca)};
    return report;
}

nlohmann::json to_json(const CertificateReport& r) {
    const auto& i = r.info;
    nlohmann::json j{{"subject", i.subject},
                     {"issuer", i.issuer},
                     {"serial", i.serial_hex},
                     {"not_before", format_jst_iso(i.not_before)},
                     {"not_after", format_jst_iso(i.not_after)},
                     {"state", std::string(jpki::validity_state_name(i.state))},
                     {"days_left", i.days_left},
                     {"test_issuer", i.test_issuer},
                     {"key", fmt::format("{}-{}", i.key_algorithm, i.key_bits)},
                     {"signature_algorithm", i.signature_algorithm},
                     {"sha256_fingerprint", i.sha256_fingerprint},
                     {"chain",
                      {{"status", std::string(jpki::chain_status_name(r.chain.status))},
                       {"detail", r.chain.detail}}}};
    if (r.chain.anchor) {
        j["chain"]["anchor"] = {{"subject", r.chain.anchor->subject},
                                {"sha256_fingerprint", r.chain.anchor->sha256_fingerprint},
                                {"origin", r.chain.anchor->origin}};
    }
    return j;
}

void print_field(std::string_view label, std::string_view value) {
    std::cout << "  " << label << ": " << value << '\n';
}

void print_certificate(const AppContext& context, const CertificateReport& r) {
    const auto& i = r.info;
    print_field(context.t("label.subject"), i.subject);
    print_field(context.t("label.issuer"), i.issuer);
    print_field(context.t("label.cert_serial"), i.serial_hex);
    print_field(context.t("label.valid_from"), format_jst_human(i.not_before));
    print_field(context.t("label.valid_until"),
                fmt::format("{} ({} {})", format_jst_human(i.not_after), i.days_left,
                            context.lang == Lang::Ja ? "日" : "days"));
    std::string state(context.t(fmt::format("state.{}", jpki::validity_state_name(i.state))));
    if (i.test_issuer) state += " / " + std::string(context.t("label.test_issuer"));
    print_field(context.t("label.state"), state);
    print_field(context.t("label.chain"),
                context.t(fmt::format("chain.{}", jpki::chain_status_name(r.chain.status))));
    print_field(context.t("label.fingerprint"), i.sha256_fingerprint);
}

nlohmann::json to_json(const card::PinStatus& s) {
    const auto& spec = card::credential_spec(s.credential);
    nlohmann::json j{{"credential", std::string(spec.id)},
                     {"ef", fmt::format("{:04X}", spec.key_ef)},
                     {"application", std::string(card::application_name(spec.application))},
                     {"blocked", s.blocked},
                     {"verified", s.verified},
                     {"available", !s.unavailable},
                     {"sw", s.sw}};
    j["tries_left"] = s.tries_left ? nlohmann::json(*s.tries_left) : nlohmann::json(nullptr);
    j["max_tries"] = spec.max_tries > 0 ? nlohmann::json(spec.max_tries) : nlohmann::json(nullptr);
    return j;
}

std::string pin_status_text(const AppContext& context, const card::PinStatus& s) {
    if (s.unavailable) return std::string(context.t("pin.unavailable"));
    if (s.blocked) return std::string(context.t("pin.blocked"));
    if (s.verified) return std::string(context.t("pin.verified"));
    if (!s.tries_left) return std::string(context.t("pin.unknown"));
    const int max = card::credential_spec(s.credential).max_tries;
    const std::string count =
        max > 0 ? fmt::format("{}/{}", *s.tries_left, max) : std::to_string(*s.tries_left);
    std::string text = context.lang == Lang::Ja
                           ? fmt::format("残り {} 回", count)
                           : fmt::format("{} {}", count, context.t("label.tries_left"));
    if (*s.tries_left == 1) text += context.lang == Lang::Ja ? "  ⚠ 残り1回" : "  ⚠ last try";
    return text;
}

void print_pin_status(const AppContext& context, const std::vector<card::PinStatus>& statuses) {
    for (const auto& s : statuses) {
        const auto& spec = card::credential_spec(s.credential);
        print_field(context.t(fmt::format("cred.{}", spec.id)), pin_status_text(context, s));
    }
}

}  // namespace mynaq::cli
