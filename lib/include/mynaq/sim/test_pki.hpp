// A throwaway JPKI-like PKI for the virtual card: one self-signed root and one leaf for each
// of 利用者証明用 (auth) and 署名用 (sign), RSA-2048 with sha256WithRSAEncryption, shaped like
// the real ones (mynumber-card.md §3.2) but under O=JPKI-TEST so that nothing can mistake them
// for production certificates.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "mynaq/bytes.hpp"

namespace mynaq::sim {

struct TestPki {
    // Self-signed: C=JP, O=JPKI-TEST, OU=JPKI for user authentication, OU=mynaq virtual card.
    Bytes auth_root_der;
    // C=JP, CN=<23-char opaque id>; keyUsage digitalSignature (critical), EKU clientAuth.
    Bytes auth_cert_der;
    std::string auth_key_pem;  // PKCS#8 PEM, RSA-2048
    // Self-signed: C=JP, O=JPKI-TEST, OU=JPKI for digital signature, OU=mynaq virtual card.
    Bytes sign_root_der;
    // C=JP, CN=<23-char opaque id>; keyUsage digitalSignature + nonRepudiation (critical).
    Bytes sign_cert_der;
    std::string sign_key_pem;  // PKCS#8 PEM, RSA-2048

    // Leaves are valid from now-1day to now+leaf_days. A leaf_days below 1 gives a certificate
    // that has already expired (notAfter = now+leaf_days, notBefore one day earlier), for
    // expiry tests. Roots are valid for 20 years. Takes a few hundred ms (four RSA keys).
    // Throws Error{Internal} if OpenSSL fails.
    static TestPki create(int leaf_days = 1825);

    // Loads DIR/{auth_root.der, auth_cert.der, auth_key.pem, sign_root.der, sign_cert.der,
    // sign_key.pem}; when any of them is missing, creates a new PKI and saves it (files 0600,
    // DIR 0700). Always (re)writes DIR/trust/auth_root.pem so DIR/trust can serve as a
    // trust-anchor directory. Throws Error{IoError} or Error{DataInvalid} (unparsable file).
    static TestPki load_or_create(const std::filesystem::path& dir);

    // Writes the six files as described above (overwriting) plus trust/auth_root.pem.
    void save(const std::filesystem::path& dir) const;
};

// What the card's COMPUTE DIGITAL SIGNATURE does: RSA PKCS#1 v1.5 type-1 padding of
// `digest_info` as given (no hashing) and the private-key operation.
// Throws Error{InvalidArgument} for an unusable key or input longer than the key allows.
Bytes rsa_pkcs1_sign(std::string_view key_pem, ByteView digest_info);

// Big-endian RSA modulus of a DER certificate's public key (256 bytes for RSA-2048).
// Throws Error{CertInvalid}.
Bytes rsa_modulus_of_certificate(ByteView cert_der);

// "-----BEGIN CERTIFICATE-----" PEM of a DER certificate. Throws Error{CertInvalid}.
std::string certificate_pem(ByteView cert_der);

}  // namespace mynaq::sim
