// Digests, the card's PKCS#1 v1.5 signatures and randomness.
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <array>
#include <climits>

#include "mynaq/error.hpp"
#include "mynaq/jpki.hpp"
#include "ossl.hpp"

namespace mynaq::jpki {

namespace {

using Sha256 = std::array<std::uint8_t, 32>;

Sha256 sha256(ByteView data) {
    Sha256 digest{};
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
        length != digest.size()) {
        throw Error(Errc::Internal, "SHA-256 failed (" + detail::take_openssl_error() + ")");
    }
    return digest;
}

}  // namespace

namespace detail {

bool signature_verifies(X509* cert, EVP_PKEY* key) {
    if (cert == nullptr || key == nullptr) return false;
    const int rc = X509_verify(cert, key);
    // A wrong key leaves errors in the queue; they are an expected outcome here, not a failure.
    ERR_clear_error();
    return rc == 1;
}

}  // namespace detail

std::string sha256_fingerprint(ByteView der) {
    return to_hex(sha256(der), ":");
}

Bytes sha256_digest_info(ByteView message) {
    // DER of DigestInfo{AlgorithmIdentifier{id-sha256, NULL}, OCTET STRING(32)} (RFC 8017 §9.2).
    static constexpr std::array<std::uint8_t, 19> kPrefix{0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60,
                                                          0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                                          0x01, 0x05, 0x00, 0x04, 0x20};
    const Sha256 digest = sha256(message);
    Bytes out(kPrefix.size() + digest.size());
    std::copy(kPrefix.begin(), kPrefix.end(), out.begin());
    std::copy(digest.begin(), digest.end(), out.begin() + kPrefix.size());
    return out;
}

bool verify_digest_info_signature(ByteView cert_der, ByteView digest_info, ByteView signature) {
    const detail::ParsedCert parsed = detail::parse_certificate(cert_der);
    EVP_PKEY* key = X509_get0_pubkey(parsed.cert.get());
    if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
        ERR_clear_error();
        return false;
    }
    // PKCS#1 requires the signature to be exactly as long as the modulus.
    if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(key))) return false;

    detail::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    if (!ctx) throw Error(Errc::Internal, "EVP_PKEY_CTX_new failed");
    // No message digest is set: OpenSSL then compares the recovered block with `digest_info`
    // byte for byte, which is what the card signed (80 2A with P1=00).
    if (EVP_PKEY_verify_init(ctx.get()) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) {
        throw Error(Errc::Internal,
                    "cannot set up RSA verification (" + detail::take_openssl_error() + ")");
    }
    const int rc = EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(),
                                   digest_info.data(), digest_info.size());
    ERR_clear_error();
    return rc == 1;
}

Bytes random_bytes(std::size_t n) {
    if (n > static_cast<std::size_t>(INT_MAX)) {
        throw Error(Errc::InvalidArgument, "too many random bytes requested");
    }
    Bytes out(n);
    if (n != 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
        throw Error(Errc::Internal,
                    "the random number generator failed (" + detail::take_openssl_error() + ")");
    }
    return out;
}

}  // namespace mynaq::jpki
