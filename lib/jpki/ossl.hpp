// Internal to lib/jpki: OpenSSL ownership wrappers and helpers shared by its .cpp files.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "mynaq/bytes.hpp"

namespace mynaq::jpki::detail {

template <auto Free>
struct OsslDeleter {
    template <typename T>
    void operator()(T* p) const noexcept {
        Free(p);
    }
};

using X509Ptr = std::unique_ptr<X509, OsslDeleter<X509_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OsslDeleter<EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OsslDeleter<EVP_PKEY_CTX_free>>;

struct ParsedCert {
    X509Ptr cert;
    ByteView der;  // exactly the certificate's bytes, without trailing filler
};

// Throws Error{CertInvalid}; leaves the OpenSSL error queue empty either way.
ParsedCert parse_certificate(ByteView der);

// Comma-separated RDNs in certificate order ("C=JP, CN=...").
std::string name_to_string(const X509_NAME* name);

// Upper-case hex without separators; "-" in front of (non-conforming) negative serials.
std::string serial_hex(const X509* cert);

std::chrono::sys_seconds asn1_time_to_sys(const ASN1_TIME* time);

// "2025-10-19 14:59:59 UTC", for details in English messages.
std::string format_utc(std::chrono::sys_seconds time);

// The text of the first OpenSSL error in the queue, which is then cleared.
std::string take_openssl_error();

// True iff `key` verifies the signature on `cert`; clears any OpenSSL error it causes.
bool signature_verifies(X509* cert, EVP_PKEY* key);

}  // namespace mynaq::jpki::detail
