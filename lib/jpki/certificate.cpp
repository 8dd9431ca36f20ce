// Parsing and describing certificates, PEM/DER conversion.
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>
#include <ctime>

#include "mynaq/error.hpp"
#include "mynaq/jpki.hpp"
#include "ossl.hpp"

namespace mynaq::jpki {

namespace detail {

namespace {

using BioPtr = std::unique_ptr<BIO, OsslDeleter<BIO_free>>;
using EkuPtr = std::unique_ptr<EXTENDED_KEY_USAGE, OsslDeleter<EXTENDED_KEY_USAGE_free>>;
using PoliciesPtr = std::unique_ptr<CERTIFICATEPOLICIES, OsslDeleter<CERTIFICATEPOLICIES_free>>;

// OPENSSL_free is a macro, so it cannot be a deleter template argument directly.
void free_openssl_memory(void* p) noexcept {
    OPENSSL_free(p);
}
template <typename T>
using OsslMemPtr = std::unique_ptr<T, OsslDeleter<free_openssl_memory>>;

std::string object_text(const ASN1_OBJECT* object, bool numeric) {
    std::array<char, 128> buffer{};
    const int length =
        OBJ_obj2txt(buffer.data(), static_cast<int>(buffer.size()), object, numeric ? 1 : 0);
    if (length <= 0) return "?";
    if (static_cast<std::size_t>(length) < buffer.size()) return std::string(buffer.data());
    // Unusually long OIDs: ask again with a buffer of the size OpenSSL reported.
    std::string text(static_cast<std::size_t>(length) + 1, '\0');
    OBJ_obj2txt(text.data(), length + 1, object, numeric ? 1 : 0);
    text.resize(static_cast<std::size_t>(length));
    return text;
}

// A name for well-known OIDs ("clientAuth", "CN"), the dotted form otherwise.
std::string short_name(const ASN1_OBJECT* object) {
    const int nid = OBJ_obj2nid(object);
    if (nid != NID_undef) {
        if (const char* sn = OBJ_nid2sn(nid); sn != nullptr) return sn;
    }
    return object_text(object, true);
}

void append_hex_escape(std::string& out, unsigned char c) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    out.push_back('\\');
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0x0F]);
}

// Control characters are escaped even outside DNs: these strings end up on terminals, and a
// certificate must not be able to send escape sequences there.
std::string escape_value(std::string_view value, bool dn_specials) {
    std::string out;
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
        const auto c = static_cast<unsigned char>(value[i]);
        if (c < 0x20 || c == 0x7F) {
            append_hex_escape(out, c);
            continue;
        }
        if (dn_specials) {
            const bool special = c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' ||
                                 c == '>' || c == ';' || c == '=';
            const bool edge =
                (i == 0 && (c == ' ' || c == '#')) || (i + 1 == value.size() && c == ' ');
            if (special || edge) out.push_back('\\');
        }
        out.push_back(static_cast<char>(c));
    }
    return out;
}

// UTF-8 text of a directory string; "#<hex>" (RFC 4514) when it cannot be converted.
std::string entry_value_utf8(const ASN1_STRING* value) {
    unsigned char* raw = nullptr;
    const int length = ASN1_STRING_to_UTF8(&raw, value);
    OsslMemPtr<unsigned char> owned(raw);
    if (length < 0) {
        ERR_clear_error();
        const ByteView bytes(ASN1_STRING_get0_data(value),
                             static_cast<std::size_t>(ASN1_STRING_length(value)));
        return "#" + to_hex(bytes, "");
    }
    return std::string(reinterpret_cast<const char*>(raw), static_cast<std::size_t>(length));
}

bool name_has_organization(const X509_NAME* name, std::string_view organization) {
    for (int i = X509_NAME_get_index_by_NID(name, NID_organizationName, -1); i >= 0;
         i = X509_NAME_get_index_by_NID(name, NID_organizationName, i)) {
        const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
        if (entry_value_utf8(X509_NAME_ENTRY_get_data(entry)) == organization) return true;
    }
    return false;
}

std::string common_name(const X509_NAME* name) {
    const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (index < 0) return {};
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, index);
    return escape_value(entry_value_utf8(X509_NAME_ENTRY_get_data(entry)), false);
}

std::vector<std::string> key_usage_names(X509* cert) {
    const std::uint32_t usage = X509_get_key_usage(cert);
    if (usage == UINT32_MAX) return {};  // no keyUsage extension
    static constexpr std::array<std::pair<std::uint32_t, const char*>, 9> kBits{{
        {KU_DIGITAL_SIGNATURE, "digitalSignature"},
        {KU_NON_REPUDIATION, "nonRepudiation"},
        {KU_KEY_ENCIPHERMENT, "keyEncipherment"},
        {KU_DATA_ENCIPHERMENT, "dataEncipherment"},
        {KU_KEY_AGREEMENT, "keyAgreement"},
        {KU_KEY_CERT_SIGN, "keyCertSign"},
        {KU_CRL_SIGN, "cRLSign"},
        {KU_ENCIPHER_ONLY, "encipherOnly"},
        {KU_DECIPHER_ONLY, "decipherOnly"},
    }};
    std::vector<std::string> names;
    for (const auto& [bit, name] : kBits) {
        if ((usage & bit) != 0) names.emplace_back(name);
    }
    return names;
}

std::vector<std::string> extended_key_usage_names(const X509* cert) {
    EkuPtr eku(static_cast<EXTENDED_KEY_USAGE*>(
        X509_get_ext_d2i(cert, NID_ext_key_usage, nullptr, nullptr)));
    ERR_clear_error();
    std::vector<std::string> names;
    if (!eku) return names;
    for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
        names.push_back(short_name(sk_ASN1_OBJECT_value(eku.get(), i)));
    }
    return names;
}

std::vector<std::string> policy_oids(const X509* cert) {
    PoliciesPtr policies(static_cast<CERTIFICATEPOLICIES*>(
        X509_get_ext_d2i(cert, NID_certificate_policies, nullptr, nullptr)));
    ERR_clear_error();
    std::vector<std::string> oids;
    if (!policies) return oids;
    for (int i = 0; i < sk_POLICYINFO_num(policies.get()); ++i) {
        oids.push_back(object_text(sk_POLICYINFO_value(policies.get(), i)->policyid, true));
    }
    return oids;
}

std::string signature_algorithm_name(const X509* cert) {
    const int nid = X509_get_signature_nid(cert);
    if (nid != NID_undef) {
        if (const char* ln = OBJ_nid2ln(nid); ln != nullptr) return ln;
    }
    const X509_ALGOR* algorithm = nullptr;
    X509_get0_signature(nullptr, &algorithm, cert);
    const ASN1_OBJECT* object = nullptr;
    X509_ALGOR_get0(&object, nullptr, nullptr, algorithm);
    return object != nullptr ? object_text(object, true) : "unknown";
}

bool is_filler(ByteView bytes) {
    return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0x00; }) ||
           std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0xFF; });
}

bool looks_like_pem(ByteView bytes) {
    static constexpr std::string_view kMarker = "-----BEGIN";
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return text.find(kMarker) != std::string_view::npos;
}

}  // namespace

// Negative serials are not allowed by RFC 5280 but exist; keep the sign visible.
std::string serial_hex(const X509* cert) {
    const ASN1_INTEGER* serial = X509_get0_serialNumber(cert);
    const ByteView bytes(ASN1_STRING_get0_data(serial),
                         static_cast<std::size_t>(ASN1_STRING_length(serial)));
    const std::string hex = bytes.empty() ? "00" : to_hex(bytes, "");
    return ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER ? "-" + hex : hex;
}

std::string take_openssl_error() {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) return "no further detail from OpenSSL";
    if (const char* reason = ERR_reason_error_string(code); reason != nullptr) return reason;
    std::array<char, 256> buffer{};
    ERR_error_string_n(code, buffer.data(), buffer.size());
    return buffer.data();
}

ParsedCert parse_certificate(ByteView der) {
    if (der.empty()) throw Error(Errc::CertInvalid, "empty certificate data");
    if (looks_like_pem(der)) {
        throw Error(Errc::CertInvalid, "certificate data is PEM text, DER was expected");
    }
    if (der.size() > static_cast<std::size_t>(LONG_MAX)) {
        throw Error(Errc::CertInvalid, "certificate data too large");
    }
    const unsigned char* cursor = der.data();
    X509Ptr cert(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
    if (!cert) {
        throw Error(Errc::CertInvalid, "not a DER X.509 certificate (" + take_openssl_error() + ")",
                    {{"first_bytes", to_hex(der.first(std::min<std::size_t>(der.size(), 8)))}});
    }
    const auto used = static_cast<std::size_t>(cursor - der.data());
    if (!is_filler(der.subspan(used))) {
        ERR_clear_error();
        throw Error(Errc::CertInvalid, std::to_string(der.size() - used) +
                                           " unexpected bytes after the certificate's " +
                                           std::to_string(used) + " bytes");
    }
    // OpenSSL decodes extensions lazily; force it so that a broken one is reported here rather
    // than silently dropping key usages or policies later.
    if ((X509_get_extension_flags(cert.get()) & EXFLAG_INVALID) != 0) {
        ERR_clear_error();
        throw Error(Errc::CertInvalid, "certificate has malformed or duplicate extensions");
    }
    ERR_clear_error();
    return ParsedCert{std::move(cert), der.first(used)};
}

std::string name_to_string(const X509_NAME* name) {
    std::string out;
    int previous_set = -1;
    for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
        const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
        const int set = X509_NAME_ENTRY_set(entry);
        if (i != 0) out.append(set == previous_set ? "+" : ", ");
        previous_set = set;
        out.append(short_name(X509_NAME_ENTRY_get_object(entry)));
        out.push_back('=');
        out.append(escape_value(entry_value_utf8(X509_NAME_ENTRY_get_data(entry)), true));
    }
    return out;
}

std::chrono::sys_seconds asn1_time_to_sys(const ASN1_TIME* time) {
    std::tm tm{};
    if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) {
        ERR_clear_error();
        throw Error(Errc::CertInvalid, "certificate has a malformed validity date");
    }
    using namespace std::chrono;
    const year_month_day date{year{tm.tm_year + 1900}, month{static_cast<unsigned>(tm.tm_mon + 1)},
                              day{static_cast<unsigned>(tm.tm_mday)}};
    return sys_days{date} + hours{tm.tm_hour} + minutes{tm.tm_min} + seconds{tm.tm_sec};
}

std::string format_utc(std::chrono::sys_seconds time) {
    using namespace std::chrono;
    const auto day_start = floor<days>(time);
    const year_month_day date{day_start};
    const hh_mm_ss clock{time - day_start};
    std::array<char, 40> buffer{};
    std::snprintf(buffer.data(), buffer.size(), "%04d-%02u-%02u %02d:%02d:%02d UTC",
                  static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                  static_cast<unsigned>(date.day()), static_cast<int>(clock.hours().count()),
                  static_cast<int>(clock.minutes().count()),
                  static_cast<int>(clock.seconds().count()));
    return buffer.data();
}

}  // namespace detail

std::string_view validity_state_name(ValidityState state) {
    switch (state) {
        case ValidityState::NotYetValid:
            return "not_yet_valid";
        case ValidityState::Valid:
            return "valid";
        case ValidityState::ExpiresSoon:
            return "expires_soon";
        case ValidityState::Expired:
            return "expired";
    }
    return "unknown";
}

ValidityState validity_state(std::chrono::sys_seconds not_before,
                             std::chrono::sys_seconds not_after, std::chrono::sys_seconds now,
                             int expiry_warning_days) {
    using namespace std::chrono;
    if (now < not_before) return ValidityState::NotYetValid;
    if (now > not_after) return ValidityState::Expired;
    const auto days_left = floor<days>(not_after - now).count();
    return days_left < expiry_warning_days ? ValidityState::ExpiresSoon : ValidityState::Valid;
}

CertificateInfo inspect_certificate(ByteView der, std::chrono::sys_seconds now,
                                    int expiry_warning_days) {
    using namespace detail;
    ParsedCert parsed = parse_certificate(der);
    X509* cert = parsed.cert.get();
    const X509_NAME* subject = X509_get_subject_name(cert);
    const X509_NAME* issuer = X509_get_issuer_name(cert);

    CertificateInfo info;
    info.subject = name_to_string(subject);
    info.subject_cn = common_name(subject);
    info.issuer = name_to_string(issuer);
    info.serial_hex = serial_hex(cert);
    info.not_before = asn1_time_to_sys(X509_get0_notBefore(cert));
    info.not_after = asn1_time_to_sys(X509_get0_notAfter(cert));
    info.state = validity_state(info.not_before, info.not_after, now, expiry_warning_days);
    info.days_left =
        static_cast<long>(std::chrono::floor<std::chrono::days>(info.not_after - now).count());
    info.test_issuer =
        name_has_organization(issuer, "JPKI-TEST") || name_has_organization(subject, "JPKI-TEST");

    if (EVP_PKEY* key = X509_get0_pubkey(cert); key != nullptr) {
        const char* type = EVP_PKEY_get0_type_name(key);
        info.key_algorithm = type != nullptr ? type : OBJ_nid2sn(EVP_PKEY_get_base_id(key));
        info.key_bits = EVP_PKEY_get_bits(key);
    } else {
        // A key type this OpenSSL cannot decode: still name the algorithm.
        ERR_clear_error();
        ASN1_OBJECT* algorithm = nullptr;  // the API is not const-correct here
        X509_PUBKEY_get0_param(&algorithm, nullptr, nullptr, nullptr, X509_get_X509_PUBKEY(cert));
        info.key_algorithm = algorithm != nullptr ? short_name(algorithm) : "unknown";
    }
    info.signature_algorithm = signature_algorithm_name(cert);
    info.sha256_fingerprint = sha256_fingerprint(parsed.der);
    info.key_usage = key_usage_names(cert);
    info.extended_key_usage = extended_key_usage_names(cert);
    info.policies = policy_oids(cert);
    info.self_signed =
        X509_NAME_cmp(subject, issuer) == 0 && signature_verifies(cert, X509_get0_pubkey(cert));
    ERR_clear_error();
    return info;
}

std::string der_to_pem(ByteView der) {
    // 48 input bytes become one 64-column line, the width RFC 7468 asks for.
    static constexpr std::size_t kChunk = 48;
    std::string pem = "-----BEGIN CERTIFICATE-----\n";
    std::array<unsigned char, 4 * kChunk / 3 + 1> line{};
    for (std::size_t offset = 0; offset < der.size(); offset += kChunk) {
        const std::size_t n = std::min(kChunk, der.size() - offset);
        const int length = EVP_EncodeBlock(line.data(), der.data() + offset, static_cast<int>(n));
        pem.append(reinterpret_cast<const char*>(line.data()), static_cast<std::size_t>(length));
        pem.push_back('\n');
    }
    pem.append("-----END CERTIFICATE-----\n");
    return pem;
}

std::vector<Bytes> pem_to_der_all(std::string_view pem) {
    using namespace detail;
    if (pem.size() > static_cast<std::size_t>(INT_MAX)) {
        throw Error(Errc::CertInvalid, "PEM text too large");
    }
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) throw Error(Errc::Internal, "BIO_new_mem_buf failed");
    std::vector<Bytes> certificates;
    ERR_clear_error();
    for (;;) {
        char* raw_name = nullptr;
        char* raw_header = nullptr;
        unsigned char* raw_data = nullptr;
        long length = 0;
        const int ok = PEM_read_bio(bio.get(), &raw_name, &raw_header, &raw_data, &length);
        const OsslMemPtr<char> name(raw_name);
        const OsslMemPtr<char> header(raw_header);
        const OsslMemPtr<unsigned char> data(raw_data);
        if (ok == 0) {
            // Running out of BEGIN lines is how the end of the text shows.
            if (ERR_GET_REASON(ERR_peek_last_error()) == PEM_R_NO_START_LINE) {
                ERR_clear_error();
                break;
            }
            throw Error(Errc::CertInvalid, "malformed PEM block (" + take_openssl_error() + ")");
        }
        const std::string_view label(raw_name);
        // "TRUSTED CERTIFICATE" carries OpenSSL trust settings after the DER; not a plain cert.
        if (label == "CERTIFICATE" || label == "X509 CERTIFICATE") {
            certificates.emplace_back(raw_data, raw_data + length);
        }
    }
    return certificates;
}

Bytes pem_to_der(std::string_view pem) {
    std::vector<Bytes> certificates = pem_to_der_all(pem);
    if (certificates.empty()) {
        throw Error(Errc::CertInvalid, "no \"-----BEGIN CERTIFICATE-----\" block in the PEM text");
    }
    return std::move(certificates.front());
}

}  // namespace mynaq::jpki
