// Shared rendering of card facts (certificates, counters) for text and JSON.
#pragma once

#include <nlohmann/json.hpp>

#include "context.hpp"
#include "mynaq/card.hpp"
#include "mynaq/jpki.hpp"

namespace mynaq::cli {

jpki::TrustStore build_trust_store(const AppContext& context);

struct CertificateReport {
    jpki::CertificateInfo info;
    jpki::ChainResult chain;
};
CertificateReport examine_certificate(const AppContext& context, ByteView der,
                                      std::optional<ByteView> card_ca = std::nullopt);

nlohmann::json to_json(const CertificateReport& report);
nlohmann::json to_json(const card::PinStatus& status);
void print_certificate(const AppContext& context, const CertificateReport& report);
void print_pin_status(const AppContext& context, const std::vector<card::PinStatus>& statuses);
std::string pin_status_text(const AppContext& context, const card::PinStatus& status);

// "  label ..... value" with the label padded to a common width.
void print_field(std::string_view label, std::string_view value);

}  // namespace mynaq::cli
