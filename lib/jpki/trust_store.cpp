// Pinned trust anchors and the one-level chain check JPKI needs (leaf directly under a root).
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <system_error>

#include "mynaq/error.hpp"
#include "mynaq/jpki.hpp"
#include "ossl.hpp"

namespace mynaq::jpki {

namespace fs = std::filesystem;

namespace {

// Trust files are a few kilobytes; a huge file is a wrong path, not a certificate.
constexpr std::uintmax_t kMaxTrustFileSize = std::uintmax_t{1024} * 1024;

Bytes read_trust_file(const fs::path& file) {
    const std::string where = file.string();
    std::error_code ec;
    const fs::file_status status = fs::status(file, ec);
    if (!fs::exists(status)) {
        throw Error(Errc::FileNotFound, "trust anchor file not found: " + where, {{"path", where}});
    }
    if (fs::is_directory(status)) {
        throw Error(Errc::IoError, "expected a certificate file, found a directory: " + where,
                    {{"path", where}});
    }
    const std::uintmax_t size = fs::file_size(file, ec);
    if (!ec && size > kMaxTrustFileSize) {
        throw Error(Errc::IoError, "file too large to be a certificate: " + where,
                    {{"path", where}});
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(Errc::IoError, "cannot open " + where, {{"path", where}});
    Bytes data{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) throw Error(Errc::IoError, "cannot read " + where, {{"path", where}});
    return data;
}

bool contains_pem_marker(ByteView data) {
    const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
    return text.find("-----BEGIN") != std::string_view::npos;
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

struct ParsedAnchor {
    const TrustStore::Anchor* anchor;
    detail::X509Ptr cert;
};

bool key_ids_match(X509* leaf, X509* anchor) {
    const ASN1_OCTET_STRING* authority = X509_get0_authority_key_id(leaf);
    const ASN1_OCTET_STRING* subject = X509_get0_subject_key_id(anchor);
    return authority != nullptr && subject != nullptr &&
           ASN1_OCTET_STRING_cmp(authority, subject) == 0;
}

std::string describe(const TrustStore::Anchor& anchor) {
    return "'" + anchor.subject + "' (SHA-256 " + anchor.sha256_fingerprint + ", from " +
           anchor.origin + ")";
}

CardCaReport report_card_ca(ByteView card_ca_der, X509* leaf, const TrustStore& store,
                            detail::X509Ptr& card_ca, std::string& parse_error) {
    CardCaReport report;
    try {
        detail::ParsedCert parsed = detail::parse_certificate(card_ca_der);
        report.parsed = true;
        report.subject = detail::name_to_string(X509_get_subject_name(parsed.cert.get()));
        report.sha256_fingerprint = sha256_fingerprint(parsed.der);
        report.pinned = store.contains(parsed.der);
        report.signs_leaf = detail::signature_verifies(leaf, X509_get0_pubkey(parsed.cert.get()));
        card_ca = std::move(parsed.cert);
    } catch (const Error& e) {
        // The card's CA is only informative: a broken one must not hide the leaf's result.
        parse_error = e.detail();
    }
    return report;
}

std::string card_ca_note(const CardCaReport& report, const std::string& parse_error) {
    if (!report.parsed)
        return " The card's CA certificate could not be parsed: " + parse_error + ".";
    if (report.signs_leaf && !report.pinned) {
        return " The card's CA certificate '" + report.subject + "' (SHA-256 " +
               report.sha256_fingerprint +
               ") verifies the signature but is not a pinned anchor, so it proves only that the "
               "card is consistent; compare its fingerprint with the one J-LIS publishes before "
               "adding it to the trust directory.";
    }
    if (!report.signs_leaf)
        return " The card's CA certificate does not verify the signature either.";
    return {};
}

}  // namespace

void TrustStore::add_der(ByteView der, std::string origin) {
    try {
        const detail::ParsedCert parsed = detail::parse_certificate(der);
        std::string fingerprint = sha256_fingerprint(parsed.der);
        const bool known = std::any_of(anchors_.begin(), anchors_.end(), [&](const Anchor& a) {
            return a.sha256_fingerprint == fingerprint;
        });
        if (known) return;
        X509* cert = parsed.cert.get();
        Anchor anchor;
        anchor.der.assign(parsed.der.begin(), parsed.der.end());
        anchor.subject = detail::name_to_string(X509_get_subject_name(cert));
        anchor.sha256_fingerprint = std::move(fingerprint);
        anchor.origin = std::move(origin);
        anchor.not_before = detail::asn1_time_to_sys(X509_get0_notBefore(cert));
        anchor.not_after = detail::asn1_time_to_sys(X509_get0_notAfter(cert));
        anchor.serial_hex = detail::serial_hex(cert);
        anchors_.push_back(std::move(anchor));
    } catch (const Error& e) {
        if (e.code() != Errc::CertInvalid) throw;
        auto fields = e.fields();
        fields.emplace("origin", origin);
        throw Error(Errc::CertInvalid, origin + ": " + e.detail(), std::move(fields));
    }
}

void TrustStore::add_pem_file(const fs::path& file) {
    const Bytes data = read_trust_file(file);
    const std::string where = file.string();
    std::vector<Bytes> certificates;
    try {
        certificates = pem_to_der_all(
            std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
    } catch (const Error& e) {
        throw Error(e.code(), where + ": " + e.detail(), {{"path", where}});
    }
    if (certificates.empty()) {
        throw Error(Errc::CertInvalid, where + ": no PEM certificate in the file",
                    {{"path", where}});
    }
    for (const Bytes& der : certificates) add_der(der, where);
}

void TrustStore::add_file(const fs::path& file) {
    const Bytes data = read_trust_file(file);
    if (contains_pem_marker(data)) {
        add_pem_file(file);
    } else {
        add_der(data, file.string());
    }
}

void TrustStore::add_directory(const fs::path& dir) {
    std::error_code ec;
    const fs::file_status status = fs::status(dir, ec);
    if (!fs::exists(status)) return;
    const std::string where = dir.string();
    if (!fs::is_directory(status)) {
        throw Error(Errc::IoError, "trust directory is not a directory: " + where,
                    {{"path", where}});
    }
    std::vector<fs::path> files;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string extension = lower(it->path().extension().string());
        const bool wanted = extension == ".pem" || extension == ".crt" || extension == ".cer" ||
                            extension == ".der";
        std::error_code type_ec;
        if (wanted && it->is_regular_file(type_ec)) files.push_back(it->path());
    }
    if (ec) {
        throw Error(Errc::IoError, "cannot list trust directory " + where + ": " + ec.message(),
                    {{"path", where}});
    }
    // Name order keeps the anchor list, and which origin wins for duplicates, reproducible.
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) add_file(file);
}

bool TrustStore::contains(ByteView der) const {
    const std::string fingerprint = sha256_fingerprint(der);
    return std::any_of(anchors_.begin(), anchors_.end(),
                       [&](const Anchor& a) { return a.sha256_fingerprint == fingerprint; });
}

std::string_view chain_status_name(ChainStatus status) {
    switch (status) {
        case ChainStatus::Trusted:
            return "trusted";
        case ChainStatus::UnknownIssuer:
            return "unknown_issuer";
        case ChainStatus::BadSignature:
            return "bad_signature";
        case ChainStatus::AnchorExpired:
            return "anchor_expired";
        case ChainStatus::CertExpired:
            return "cert_expired";
        case ChainStatus::NotYetValid:
            return "not_yet_valid";
    }
    return "unknown";
}

ChainResult check_chain(ByteView leaf_der, const TrustStore& anchors, std::chrono::sys_seconds now,
                        std::optional<ByteView> card_ca_der) {
    const detail::ParsedCert leaf = detail::parse_certificate(leaf_der);
    X509* cert = leaf.cert.get();
    const X509_NAME* issuer = X509_get_issuer_name(cert);
    const std::string issuer_text = detail::name_to_string(issuer);

    // Same-name anchors first: with J-LIS that narrows the search to one CA type, and the
    // signature then picks the generation.
    std::vector<ParsedAnchor> candidates;
    candidates.reserve(anchors.size());
    for (const TrustStore::Anchor& anchor : anchors.anchors()) {
        candidates.push_back({&anchor, detail::parse_certificate(anchor.der).cert});
    }
    const auto same_name = [&](const ParsedAnchor& c) {
        return X509_NAME_cmp(X509_get_subject_name(c.cert.get()), issuer) == 0;
    };
    const auto others = std::stable_partition(candidates.begin(), candidates.end(), same_name);
    const auto same_name_count = static_cast<std::size_t>(others - candidates.begin());

    const ParsedAnchor* found = nullptr;
    for (const ParsedAnchor& candidate : candidates) {
        if (detail::signature_verifies(cert, X509_get0_pubkey(candidate.cert.get()))) {
            found = &candidate;
            break;
        }
    }

    ChainResult result;
    detail::X509Ptr card_ca;
    std::string card_ca_error;
    if (card_ca_der) {
        result.card_ca = report_card_ca(*card_ca_der, cert, anchors, card_ca, card_ca_error);
    }

    if (found == nullptr) {
        // Identify the issuer without its signature; only then is a failure "bad signature"
        // rather than "issued by a CA we do not have".
        const TrustStore::Anchor* claimed = nullptr;
        for (const ParsedAnchor& candidate : candidates) {
            if (key_ids_match(cert, candidate.cert.get())) {
                claimed = candidate.anchor;
                break;
            }
        }
        if (claimed == nullptr && card_ca && result.card_ca->pinned &&
            X509_NAME_cmp(X509_get_subject_name(card_ca.get()), issuer) == 0) {
            const std::string fingerprint = result.card_ca->sha256_fingerprint;
            for (const TrustStore::Anchor& anchor : anchors.anchors()) {
                if (anchor.sha256_fingerprint == fingerprint) claimed = &anchor;
            }
        }
        ERR_clear_error();
        if (claimed != nullptr) {
            result.status = ChainStatus::BadSignature;
            result.detail = "the certificate names the pinned anchor " + describe(*claimed) +
                            " as its issuer, but its signature does not verify with that key: "
                            "the certificate is damaged or forged";
        } else {
            result.status = ChainStatus::UnknownIssuer;
            result.candidate_issuers.push_back(issuer_text);
            result.detail = "the issuer '" + issuer_text + "' is not among the " +
                            std::to_string(anchors.size()) + " installed trust anchors";
            if (same_name_count > 0) {
                result.detail += "; " + std::to_string(same_name_count) +
                                 " anchor(s) carry this name but none of their keys verifies the "
                                 "signature, so the certificate was probably issued by another "
                                 "generation of this CA: add that root to the trust directory";
            }
            result.detail += ".";
        }
        if (result.card_ca) result.detail += card_ca_note(*result.card_ca, card_ca_error);
        return result;
    }

    const TrustStore::Anchor& anchor = *found->anchor;
    result.anchor = anchor;
    const auto not_before = detail::asn1_time_to_sys(X509_get0_notBefore(cert));
    const auto not_after = detail::asn1_time_to_sys(X509_get0_notAfter(cert));
    const std::string verified = "signature verified with the anchor " + describe(anchor);
    if (now < not_before) {
        result.status = ChainStatus::NotYetValid;
        result.detail = "the certificate is not valid before " + detail::format_utc(not_before) +
                        " (check the system clock); " + verified;
    } else if (now > not_after) {
        result.status = ChainStatus::CertExpired;
        result.detail =
            "the certificate expired on " + detail::format_utc(not_after) + "; " + verified;
    } else if (now > anchor.not_after) {
        result.status = ChainStatus::AnchorExpired;
        result.detail = "the anchor " + describe(anchor) +
                        " that verifies the signature expired on " +
                        detail::format_utc(anchor.not_after);
    } else if (now < anchor.not_before) {
        result.status = ChainStatus::AnchorExpired;
        result.detail = "the anchor " + describe(anchor) +
                        " that verifies the signature is not valid before " +
                        detail::format_utc(anchor.not_before) + " (check the system clock)";
    } else {
        result.status = ChainStatus::Trusted;
        result.detail = verified;
    }
    if (found - candidates.data() >= static_cast<std::ptrdiff_t>(same_name_count)) {
        result.detail += "; note that the certificate names '" + issuer_text +
                         "' as its issuer, which differs from the anchor's subject";
    }
    return result;
}

}  // namespace mynaq::jpki
