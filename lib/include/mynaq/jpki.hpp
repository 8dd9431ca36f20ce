// JPKI certificates: inspection, pinned J-LIS trust anchors, chain checks and verification of
// the card's PKCS#1 v1.5 signatures (mynumber-card.md §3.2, §3.3, §3.5).
//
// The card's own CA certificate (EF 0002/000B) proves only internal consistency, so trust comes
// from anchors pinned by the application. The generations of one J-LIS root share the same
// subject DN, so the issuing anchor is always found by verifying the signature, never by name.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mynaq/bytes.hpp"

namespace mynaq::jpki {

enum class ValidityState {
    NotYetValid,
    Valid,
    ExpiresSoon,  // fewer than `expiry_warning_days` whole days left (days_left < warning days)
    Expired,
};
std::string_view validity_state_name(ValidityState state);  // "not_yet_valid", "valid", ...

// X.509 validity is inclusive at both ends: valid from not_before through not_after.
ValidityState validity_state(std::chrono::sys_seconds not_before,
                             std::chrono::sys_seconds not_after, std::chrono::sys_seconds now,
                             int expiry_warning_days = 92);

struct CertificateInfo {
    std::string subject;  // "C=JP, CN=840444E37PAFHN08220003A": RDNs in certificate order, UTF-8
    std::string subject_cn;
    std::string issuer;
    std::string serial_hex;  // upper-case hex, no separators
    std::chrono::sys_seconds not_before;
    std::chrono::sys_seconds not_after;
    ValidityState state = ValidityState::Valid;
    long days_left = 0;         // floor((not_after - now) / 1 day), negative when expired
    bool test_issuer = false;   // issuer or subject has O=JPKI-TEST
    std::string key_algorithm;  // "RSA"
    int key_bits = 0;
    std::string signature_algorithm;     // "sha256WithRSAEncryption"
    std::string sha256_fingerprint;      // "AB:CD:..." upper-case, over the certificate's DER
    std::vector<std::string> key_usage;  // {"digitalSignature"}
    std::vector<std::string> extended_key_usage;  // {"clientAuth"}; unknown ones as dotted OIDs
    std::vector<std::string> policies;            // dotted OIDs
    bool self_signed = false;  // subject == issuer and the signature verifies with its own key
};

// Parses a DER certificate. Filler bytes (00 or FF) after it are ignored because card EFs are
// padded; anything else there, or anything unparsable, throws Error{CertInvalid}.
// Name values are UTF-8; control characters and RFC 4514 specials are escaped as "\XX" / "\,".
CertificateInfo inspect_certificate(ByteView der, std::chrono::sys_seconds now,
                                    int expiry_warning_days = 92);

// Base64 with 64-column lines between BEGIN/END CERTIFICATE; encodes the bytes as given.
std::string der_to_pem(ByteView der);
// The first CERTIFICATE block in the text (other blocks such as keys are skipped).
// Throws Error{CertInvalid} when there is none or a certificate block is malformed.
Bytes pem_to_der(std::string_view pem);
// Every CERTIFICATE block in order; empty when there is none.
std::vector<Bytes> pem_to_der_all(std::string_view pem);

// "AB:CD:..." of SHA-256 over the bytes.
std::string sha256_fingerprint(ByteView der);

// Pinned trust anchors: the J-LIS roots, user-added roots, the virtual card's test root.
class TrustStore {
public:
    struct Anchor {
        Bytes der;
        std::string subject;
        std::string sha256_fingerprint;
        std::string origin;  // file path or label given when it was added
        std::chrono::sys_seconds not_after;
        std::chrono::sys_seconds not_before;
        std::string serial_hex;
    };

    // Throws Error{CertInvalid} (detail names `origin`). A certificate already present (same
    // SHA-256) is not added twice; the first origin is kept.
    void add_der(ByteView der, std::string origin);
    // All certificates in a PEM file. Throws FileNotFound, IoError, or CertInvalid when the file
    // holds no certificate.
    void add_pem_file(const std::filesystem::path& file);
    // A PEM or DER file, told apart by content (".crt"/".cer" are used for both).
    void add_file(const std::filesystem::path& file);
    // *.pem, *.crt, *.cer, *.der (case-insensitive) in name order, not recursive. A missing
    // directory is a no-op; a bad file throws, naming the file, rather than being skipped
    // silently.
    void add_directory(const std::filesystem::path& dir);

    [[nodiscard]] std::size_t size() const { return anchors_.size(); }
    [[nodiscard]] bool empty() const { return anchors_.empty(); }
    [[nodiscard]] const std::vector<Anchor>& anchors() const { return anchors_; }
    // True when a certificate with the same DER (compared by SHA-256) is pinned.
    [[nodiscard]] bool contains(ByteView der) const;

private:
    std::vector<Anchor> anchors_;
};

enum class ChainStatus {
    Trusted,
    UnknownIssuer,  // no anchor's key verifies the signature: say so, don't call the cert invalid
    BadSignature,   // the issuer is identified among the anchors, yet the signature fails
    AnchorExpired,  // also used when the anchor is not yet valid (detail says which)
    CertExpired,
    NotYetValid,
};
std::string_view chain_status_name(ChainStatus status);  // "trusted", "unknown_issuer", ...

// What the card's CA certificate (EF 0002/000B) says; never a source of trust by itself.
struct CardCaReport {
    bool parsed = false;  // false: the bytes are not a certificate (detail explains)
    std::string subject;
    std::string sha256_fingerprint;
    bool pinned = false;      // equal to one of the anchors
    bool signs_leaf = false;  // its key verifies the leaf's signature
};

struct ChainResult {
    ChainStatus status = ChainStatus::UnknownIssuer;
    std::optional<TrustStore::Anchor> anchor;    // the anchor whose key verified the signature
    std::string detail;                          // English explanation
    std::vector<std::string> candidate_issuers;  // the leaf's issuer name when unknown
    std::optional<CardCaReport> card_ca;         // set when card_ca_der was given
};

// Tries every anchor whose subject equals the leaf's issuer, then all others; the first whose
// key verifies the signature is the issuer. Trust is decided before dates: an unverified
// certificate's dates mean nothing. BadSignature needs the issuer identified without the
// signature: the leaf's authority key identifier equals an anchor's subject key identifier, or
// a pinned card CA carries the issuer's name. Throws Error{CertInvalid} when the leaf cannot be
// parsed.
ChainResult check_chain(ByteView leaf_der, const TrustStore& anchors, std::chrono::sys_seconds now,
                        std::optional<ByteView> card_ca_der = std::nullopt);

// PKCS#1 v1.5 verification of a signature the card made over `digest_info` as given (the card
// pads and signs the DigestInfo bytes; no hashing here). False for a wrong signature, a
// non-RSA key or a length mismatch; throws Error{CertInvalid} when the certificate is garbage.
bool verify_digest_info_signature(ByteView cert_der, ByteView digest_info, ByteView signature);

// 30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20 || SHA-256(message), 51 bytes.
Bytes sha256_digest_info(ByteView message);

// From the OpenSSL CSPRNG; throws Error{Internal} when it fails.
Bytes random_bytes(std::size_t n);

}  // namespace mynaq::jpki
