// Certificates are built here with OpenSSL so that every field and date is known exactly; the
// real J-LIS roots from data/trust/jpki are used where only real data proves the point.
#include <doctest/doctest.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "error_code_of.hpp"
#include "mynaq/error.hpp"
#include "mynaq/jpki.hpp"

namespace {

using namespace mynaq;
using namespace mynaq::jpki;
using namespace std::chrono;
namespace fs = std::filesystem;

template <auto Free>
struct Deleter {
    template <typename T>
    void operator()(T* p) const noexcept {
        Free(p);
    }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using NamePtr = std::unique_ptr<X509_NAME, Deleter<X509_NAME_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using KeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;

// A fixed "now" keeps every expectation independent of the machine's clock.
constexpr sys_seconds kNow = sys_days{2026y / January / 15} + 3h;

KeyPtr generate_rsa_2048() {
    KeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
    REQUIRE(ctx);
    REQUIRE(EVP_PKEY_keygen_init(ctx.get()) == 1);
    REQUIRE(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), 2048) == 1);
    EVP_PKEY* raw = nullptr;
    REQUIRE(EVP_PKEY_generate(ctx.get(), &raw) == 1);
    return KeyPtr(raw);
}

enum KeyId { kRootGen1, kRootGen2, kLeafKey, kOtherKey };

// RSA-2048 generation dominates the run time: four keys, made once, shared by every test.
EVP_PKEY* key(KeyId id) {
    static const std::array<KeyPtr, 4> keys{generate_rsa_2048(), generate_rsa_2048(),
                                            generate_rsa_2048(), generate_rsa_2048()};
    return keys.at(static_cast<std::size_t>(id)).get();
}

using Rdns = std::vector<std::pair<std::string, std::string>>;

const Rdns kAuthCaDn{{"C", "JP"},
                     {"O", "JPKI"},
                     {"OU", "JPKI for user authentication"},
                     {"OU", "Japan Agency for Local Authority Information Systems"}};
const std::string kAuthCaDnText =
    "C=JP, O=JPKI, OU=JPKI for user authentication, "
    "OU=Japan Agency for Local Authority Information Systems";
const Rdns kLeafDn{{"C", "JP"}, {"CN", "840444E37PAFHN08220003A"}};
const Rdns kTestCaDn{{"C", "JP"}, {"O", "JPKI-TEST"}, {"OU", "JPKI for user authentication"}};
const Rdns kOtherCaDn{{"C", "JP"}, {"O", "Some Other CA"}};

NamePtr make_name(const Rdns& rdns) {
    NamePtr name(X509_NAME_new());
    for (const auto& [field, value] : rdns) {
        REQUIRE(X509_NAME_add_entry_by_txt(name.get(), field.c_str(), MBSTRING_UTF8,
                                           reinterpret_cast<const unsigned char*>(value.c_str()),
                                           -1, -1, 0) == 1);
    }
    return name;
}

void add_extension(X509* cert, X509V3_CTX& ctx, int nid, const char* value) {
    ExtPtr extension(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value));
    REQUIRE(extension);
    REQUIRE(X509_add_ext(cert, extension.get(), -1) == 1);
}

// The text form of certificatePolicies needs a config database, so build the structure.
void add_policy(X509* cert, const char* oid) {
    const std::unique_ptr<CERTIFICATEPOLICIES, Deleter<CERTIFICATEPOLICIES_free>> policies(
        CERTIFICATEPOLICIES_new());
    POLICYINFO* info = POLICYINFO_new();
    REQUIRE(info != nullptr);
    info->policyid = OBJ_txt2obj(oid, 1);
    REQUIRE(sk_POLICYINFO_push(policies.get(), info) > 0);  // the stack owns `info` now
    REQUIRE(X509_add1_ext_i2d(cert, NID_certificate_policies, policies.get(), 1,
                              X509V3_ADD_DEFAULT) == 1);
}

void set_time(ASN1_TIME* field, sys_seconds time) {
    REQUIRE(ASN1_TIME_set(field, static_cast<time_t>(time.time_since_epoch().count())) != nullptr);
}

struct CertSpec {
    Rdns subject = kLeafDn;
    EVP_PKEY* subject_key = key(kLeafKey);
    X509* issuer = nullptr;  // nullptr: self-signed CA
    EVP_PKEY* issuer_key = nullptr;
    sys_seconds not_before = kNow - days{200};
    sys_seconds not_after = kNow + days{400};
    long serial = 0x1234;
    bool authority_key_id = true;
};

// Leaves look like a JPKI 利用者証明用 certificate; roots like a J-LIS root.
X509Ptr build(const CertSpec& spec) {
    X509Ptr cert(X509_new());
    REQUIRE(X509_set_version(cert.get(), 2) == 1);
    REQUIRE(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), spec.serial) == 1);
    const NamePtr subject = make_name(spec.subject);
    REQUIRE(X509_set_subject_name(cert.get(), subject.get()) == 1);
    const bool root = spec.issuer == nullptr;
    REQUIRE(X509_set_issuer_name(cert.get(),
                                 root ? subject.get() : X509_get_subject_name(spec.issuer)) == 1);
    set_time(X509_getm_notBefore(cert.get()), spec.not_before);
    set_time(X509_getm_notAfter(cert.get()), spec.not_after);
    REQUIRE(X509_set_pubkey(cert.get(), spec.subject_key) == 1);

    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, root ? cert.get() : spec.issuer, cert.get(), nullptr, nullptr, 0);
    if (root) {
        add_extension(cert.get(), ctx, NID_basic_constraints, "critical,CA:TRUE");
        add_extension(cert.get(), ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
        add_extension(cert.get(), ctx, NID_subject_key_identifier, "hash");
    } else {
        add_extension(cert.get(), ctx, NID_key_usage, "critical,digitalSignature");
        add_extension(cert.get(), ctx, NID_ext_key_usage, "clientAuth");
        add_policy(cert.get(), "1.2.392.200149.8.5.1.3.30");
        if (spec.authority_key_id) {
            add_extension(cert.get(), ctx, NID_authority_key_identifier, "keyid:always");
        }
    }
    EVP_PKEY* signer = root ? spec.subject_key : spec.issuer_key;
    REQUIRE(X509_sign(cert.get(), signer, EVP_sha256()) > 0);
    return cert;
}

Bytes der_of(X509* cert) {
    unsigned char* raw = nullptr;
    const int length = i2d_X509(cert, &raw);
    REQUIRE(length > 0);
    Bytes der(raw, raw + length);
    OPENSSL_free(raw);
    return der;
}

X509Ptr root(KeyId id, const Rdns& dn = kAuthCaDn, sys_seconds not_after = kNow + years{5}) {
    CertSpec spec;
    spec.subject = dn;
    spec.subject_key = key(id);
    spec.not_before = kNow - years{3};
    spec.not_after = not_after;
    spec.serial = 1 + id;
    return build(spec);
}

// A leaf under `issuer`, whose key is `issuer_key`.
CertSpec leaf_under(X509* issuer, KeyId issuer_key) {
    CertSpec spec;
    spec.issuer = issuer;
    spec.issuer_key = key(issuer_key);
    return spec;
}

Bytes leaf_der(X509* issuer, KeyId issuer_key) {
    return der_of(build(leaf_under(issuer, issuer_key)).get());
}

// Generation 1 and 2 of the same CA: same subject DN, different keys.
struct Generations {
    X509Ptr gen1 = root(kRootGen1);
    X509Ptr gen2 = root(kRootGen2);
    Bytes gen1_der = der_of(gen1.get());
    Bytes gen2_der = der_of(gen2.get());
};

Bytes flip_last_byte(Bytes der) {
    der.back() ^= 0x01;  // the last byte belongs to the signature BIT STRING
    return der;
}

Bytes card_sign(KeyId id, ByteView digest_info) {
    KeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key(id), nullptr));
    REQUIRE(ctx);
    REQUIRE(EVP_PKEY_sign_init(ctx.get()) == 1);
    REQUIRE(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1);
    std::size_t length = 0;
    REQUIRE(EVP_PKEY_sign(ctx.get(), nullptr, &length, digest_info.data(), digest_info.size()) ==
            1);
    Bytes signature(length);
    REQUIRE(EVP_PKEY_sign(ctx.get(), signature.data(), &length, digest_info.data(),
                          digest_info.size()) == 1);
    signature.resize(length);
    return signature;
}

class TempDir {
public:
    TempDir() : path_(fs::temp_directory_path() / ("mynaq-jpki-" + to_hex(random_bytes(8), ""))) {
        fs::create_directories(path_);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    [[nodiscard]] const fs::path& path() const { return path_; }
    fs::path write(const std::string& name, const std::string& content) const {
        const fs::path file = path_ / name;
        std::ofstream(file, std::ios::binary) << content;
        return file;
    }

private:
    fs::path path_;
};

std::string as_string(const Bytes& bytes) {
    return std::string(bytes.begin(), bytes.end());
}

}  // namespace

using mynaq::test::error_code_of;

TEST_CASE("jpki: inspect_certificate describes a JPKI-like auth certificate") {
    const X509Ptr ca = root(kRootGen2);
    CertSpec spec = leaf_under(ca.get(), kRootGen2);
    spec.serial = 0x06D18006;
    const Bytes der = der_of(build(spec).get());

    const CertificateInfo info = inspect_certificate(der, kNow);
    CHECK(info.subject == "C=JP, CN=840444E37PAFHN08220003A");
    CHECK(info.subject_cn == "840444E37PAFHN08220003A");
    CHECK(info.issuer == kAuthCaDnText);
    CHECK(info.serial_hex == "06D18006");
    CHECK(info.not_before == kNow - days{200});
    CHECK(info.not_after == kNow + days{400});
    CHECK(info.state == ValidityState::Valid);
    CHECK(info.days_left == 400);
    CHECK_FALSE(info.test_issuer);
    CHECK(info.key_algorithm == "RSA");
    CHECK(info.key_bits == 2048);
    CHECK(info.signature_algorithm == "sha256WithRSAEncryption");
    CHECK(info.sha256_fingerprint == sha256_fingerprint(der));
    CHECK(info.sha256_fingerprint.size() == 32 * 3 - 1);
    CHECK(info.sha256_fingerprint == to_hex(ByteView(sha256_digest_info(der)).subspan(19), ":"));
    CHECK(info.key_usage == std::vector<std::string>{"digitalSignature"});
    CHECK(info.extended_key_usage == std::vector<std::string>{"clientAuth"});
    CHECK(info.policies == std::vector<std::string>{"1.2.392.200149.8.5.1.3.30"});
    CHECK_FALSE(info.self_signed);

    const CertificateInfo ca_info = inspect_certificate(der_of(ca.get()), kNow);
    CHECK(ca_info.self_signed);
    CHECK(ca_info.subject == kAuthCaDnText);
    CHECK(ca_info.subject_cn.empty());
    CHECK(ca_info.key_usage == std::vector<std::string>{"keyCertSign", "cRLSign"});
    CHECK(ca_info.extended_key_usage.empty());
    CHECK(ca_info.policies.empty());
}

TEST_CASE("jpki: names keep certificate order, UTF-8, and escape specials and controls") {
    const X509Ptr ca = root(kRootGen1);
    CertSpec spec = leaf_under(ca.get(), kRootGen1);
    spec.subject = {{"C", "JP"}, {"OU", "公的個人認証サービス"}, {"CN", "a,b+c\x1b[31m"}};
    const CertificateInfo info = inspect_certificate(der_of(build(spec).get()), kNow);
    CHECK(info.subject == "C=JP, OU=公的個人認証サービス, CN=a\\,b\\+c\\1B[31m");
    CHECK(info.subject_cn == "a,b+c\\1B[31m");
}

TEST_CASE("jpki: validity state and days_left at the boundaries") {
    const X509Ptr ca = root(kRootGen1);
    CertSpec spec = leaf_under(ca.get(), kRootGen1);
    spec.not_before = kNow - days{10};
    spec.not_after = kNow + days{30};
    const Bytes der = der_of(build(spec).get());

    const CertificateInfo soon = inspect_certificate(der, kNow);
    CHECK(soon.state == ValidityState::ExpiresSoon);
    CHECK(soon.days_left == 30);
    CHECK(inspect_certificate(der, kNow, 30).state == ValidityState::Valid);
    CHECK(inspect_certificate(der, kNow, 31).state == ValidityState::ExpiresSoon);
    CHECK(inspect_certificate(der, kNow, 10).state == ValidityState::Valid);

    // Both ends are inclusive (RFC 5280 §4.1.2.5).
    const CertificateInfo last_second = inspect_certificate(der, spec.not_after);
    CHECK(last_second.state == ValidityState::ExpiresSoon);
    CHECK(last_second.days_left == 0);
    const CertificateInfo expired = inspect_certificate(der, spec.not_after + 1s);
    CHECK(expired.state == ValidityState::Expired);
    CHECK(expired.days_left == -1);
    CHECK(inspect_certificate(der, spec.not_after + days{3}).days_left == -3);
    CHECK(inspect_certificate(der, spec.not_before - 1s).state == ValidityState::NotYetValid);
    CHECK(inspect_certificate(der, spec.not_before, 10).state == ValidityState::Valid);

    // The default warning window is 92 days: 92 whole days left is still plain valid.
    CHECK(validity_state(spec.not_before, kNow + days{92}, kNow) == ValidityState::Valid);
    CHECK(validity_state(spec.not_before, kNow + days{92} - 1s, kNow) ==
          ValidityState::ExpiresSoon);

    CHECK(validity_state_name(ValidityState::NotYetValid) == "not_yet_valid");
    CHECK(validity_state_name(ValidityState::Valid) == "valid");
    CHECK(validity_state_name(ValidityState::ExpiresSoon) == "expires_soon");
    CHECK(validity_state_name(ValidityState::Expired) == "expired");
}

TEST_CASE("jpki: O=JPKI-TEST is flagged in the issuer or the subject") {
    const X509Ptr test_ca = root(kOtherKey, kTestCaDn);
    CHECK(inspect_certificate(der_of(test_ca.get()), kNow).test_issuer);
    const Bytes leaf = leaf_der(test_ca.get(), kOtherKey);
    const CertificateInfo info = inspect_certificate(leaf, kNow);
    CHECK(info.test_issuer);
    CHECK(info.subject == "C=JP, CN=840444E37PAFHN08220003A");

    const X509Ptr production_ca = root(kRootGen1);
    CHECK_FALSE(inspect_certificate(leaf_der(production_ca.get(), kRootGen1), kNow).test_issuer);
}

TEST_CASE("jpki: garbage is CertInvalid, card filler after the certificate is not") {
    CHECK(error_code_of([] { inspect_certificate(Bytes{}, kNow); }) == Errc::CertInvalid);
    CHECK(error_code_of([] { inspect_certificate(from_hex("30 82 01 00 02 01"), kNow); }) ==
          Errc::CertInvalid);
    CHECK(error_code_of([] { inspect_certificate(random_bytes(300), kNow); }) == Errc::CertInvalid);

    const X509Ptr ca = root(kRootGen1);
    const Bytes der = der_of(ca.get());
    const Bytes truncated(der.begin(), der.end() - 10);
    CHECK(error_code_of([&] { inspect_certificate(truncated, kNow); }) == Errc::CertInvalid);
    CHECK(error_code_of([&] { inspect_certificate(to_bytes(der_to_pem(der)), kNow); }) ==
          Errc::CertInvalid);

    Bytes trailing_junk = der;
    trailing_junk.push_back(0x42);
    CHECK(error_code_of([&] { inspect_certificate(trailing_junk, kNow); }) == Errc::CertInvalid);

    // EF reads come back padded: the fingerprint must still be that of the certificate alone.
    for (const std::uint8_t filler : {0x00, 0xFF}) {
        Bytes padded = der;
        padded.insert(padded.end(), 64, filler);
        CHECK(inspect_certificate(padded, kNow).sha256_fingerprint == sha256_fingerprint(der));
    }

    try {
        inspect_certificate(from_hex("DE AD BE EF"), kNow);
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::CertInvalid);
        CHECK(e.detail().find("not a DER X.509 certificate") != std::string::npos);
    }
    CHECK(ERR_peek_error() == 0);  // the library leaves no OpenSSL errors behind
}

TEST_CASE("jpki: PEM and DER round trip") {
    const X509Ptr ca = root(kRootGen1);
    const Bytes der = der_of(ca.get());
    const std::string pem = der_to_pem(der);
    CHECK(pem.rfind("-----BEGIN CERTIFICATE-----\n", 0) == 0);
    CHECK(pem.size() > 60);
    CHECK(pem.substr(pem.size() - 26) == "-----END CERTIFICATE-----\n");
    std::size_t start = pem.find('\n') + 1;
    while (start < pem.size()) {
        const std::size_t end = pem.find('\n', start);
        CHECK(end - start <= 64);
        start = end + 1;
    }
    CHECK(pem_to_der(pem) == der);

    // Text around the block, and a key block before it, as in a combined PEM bundle.
    const X509Ptr other = root(kRootGen2);
    const std::string bundle =
        "Issuer: J-LIS\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" + pem +
        "\ncomment\n" + der_to_pem(der_of(other.get()));
    CHECK(pem_to_der(bundle) == der);
    const std::vector<Bytes> all = pem_to_der_all(bundle);
    REQUIRE(all.size() == 2);
    CHECK(all[1] == der_of(other.get()));

    CHECK(pem_to_der_all("no pem here").empty());
    CHECK(error_code_of([] { pem_to_der("no pem here"); }) == Errc::CertInvalid);
    CHECK(error_code_of([] {
              pem_to_der("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n");
          }) == Errc::CertInvalid);
}

TEST_CASE("jpki: the anchor is chosen by signature among same-DN generations") {
    const Generations g;
    const Bytes by_gen1 = leaf_der(g.gen1.get(), kRootGen1);
    const Bytes by_gen2 = leaf_der(g.gen2.get(), kRootGen2);

    for (const bool gen1_first : {true, false}) {
        CAPTURE(gen1_first);
        TrustStore store;
        store.add_der(gen1_first ? g.gen1_der : g.gen2_der, gen1_first ? "gen1" : "gen2");
        store.add_der(gen1_first ? g.gen2_der : g.gen1_der, gen1_first ? "gen2" : "gen1");
        REQUIRE(store.size() == 2);

        const ChainResult r2 = check_chain(by_gen2, store, kNow);
        CHECK(r2.status == ChainStatus::Trusted);
        REQUIRE(r2.anchor);
        CHECK(r2.anchor->origin == "gen2");
        CHECK(r2.anchor->der == g.gen2_der);
        CHECK(r2.anchor->subject == kAuthCaDnText);
        CHECK(r2.candidate_issuers.empty());

        const ChainResult r1 = check_chain(by_gen1, store, kNow);
        CHECK(r1.status == ChainStatus::Trusted);
        REQUIRE(r1.anchor);
        CHECK(r1.anchor->origin == "gen1");
    }

    // Unrelated anchors with other names do not get in the way.
    TrustStore store;
    store.add_der(der_of(root(kOtherKey, kOtherCaDn).get()), "other");
    store.add_der(g.gen2_der, "gen2");
    const ChainResult r = check_chain(by_gen2, store, kNow);
    CHECK(r.status == ChainStatus::Trusted);
    REQUIRE(r.anchor);
    CHECK(r.anchor->origin == "gen2");
}

TEST_CASE("jpki: an issuer that is not installed is unknown, not invalid") {
    const Generations g;
    const Bytes by_gen2 = leaf_der(g.gen2.get(), kRootGen2);

    TrustStore only_gen1;
    only_gen1.add_der(g.gen1_der, "gen1");
    const ChainResult r = check_chain(by_gen2, only_gen1, kNow);
    CHECK(r.status == ChainStatus::UnknownIssuer);
    CHECK_FALSE(r.anchor);
    CHECK(r.candidate_issuers == std::vector<std::string>{kAuthCaDnText});
    CHECK(r.detail.find("not among the 1 installed trust anchors") != std::string::npos);
    CHECK(r.detail.find("another generation") != std::string::npos);

    const ChainResult empty = check_chain(by_gen2, TrustStore{}, kNow);
    CHECK(empty.status == ChainStatus::UnknownIssuer);
    CHECK(empty.candidate_issuers == std::vector<std::string>{kAuthCaDnText});
    CHECK(chain_status_name(empty.status) == "unknown_issuer");
}

TEST_CASE("jpki: the card's CA certificate is reported but trusted only when pinned") {
    const Generations g;
    const Bytes by_gen2 = leaf_der(g.gen2.get(), kRootGen2);

    TrustStore only_gen1;
    only_gen1.add_der(g.gen1_der, "gen1");
    const ChainResult untrusted = check_chain(by_gen2, only_gen1, kNow, ByteView(g.gen2_der));
    CHECK(untrusted.status == ChainStatus::UnknownIssuer);
    CHECK_FALSE(untrusted.anchor);
    REQUIRE(untrusted.card_ca);
    CHECK(untrusted.card_ca->parsed);
    CHECK(untrusted.card_ca->signs_leaf);
    CHECK_FALSE(untrusted.card_ca->pinned);
    CHECK(untrusted.card_ca->sha256_fingerprint == sha256_fingerprint(g.gen2_der));
    CHECK(untrusted.detail.find("not a pinned anchor") != std::string::npos);

    TrustStore both;
    both.add_der(g.gen1_der, "gen1");
    both.add_der(g.gen2_der, "gen2");
    const ChainResult trusted = check_chain(by_gen2, both, kNow, ByteView(g.gen2_der));
    CHECK(trusted.status == ChainStatus::Trusted);
    REQUIRE(trusted.card_ca);
    CHECK(trusted.card_ca->pinned);
    CHECK(trusted.card_ca->signs_leaf);

    // A card CA that cannot be parsed is reported, without hiding the leaf's own result.
    const Bytes junk = from_hex("30 03 02 01 00");
    const ChainResult broken = check_chain(by_gen2, both, kNow, ByteView(junk));
    CHECK(broken.status == ChainStatus::Trusted);
    REQUIRE(broken.card_ca);
    CHECK_FALSE(broken.card_ca->parsed);
}

TEST_CASE("jpki: bad signature, expired and not-yet-valid certificates, expired anchors") {
    const Generations g;
    TrustStore store;
    store.add_der(g.gen1_der, "gen1");
    store.add_der(g.gen2_der, "gen2");

    SUBCASE("a tampered leaf whose key identifier names a pinned anchor") {
        const Bytes tampered = flip_last_byte(leaf_der(g.gen2.get(), kRootGen2));
        const ChainResult r = check_chain(tampered, store, kNow);
        CHECK(r.status == ChainStatus::BadSignature);
        CHECK_FALSE(r.anchor);
        CHECK(r.detail.find("gen2") != std::string::npos);
        CHECK(chain_status_name(r.status) == "bad_signature");
    }
    SUBCASE("a tampered leaf without key identifier, named by a pinned card CA") {
        CertSpec spec = leaf_under(g.gen2.get(), kRootGen2);
        spec.authority_key_id = false;
        const Bytes tampered = flip_last_byte(der_of(build(spec).get()));
        CHECK(check_chain(tampered, store, kNow).status == ChainStatus::UnknownIssuer);
        CHECK(check_chain(tampered, store, kNow, ByteView(g.gen2_der)).status ==
              ChainStatus::BadSignature);
    }
    SUBCASE("expired leaf") {
        CertSpec spec = leaf_under(g.gen2.get(), kRootGen2);
        spec.not_after = kNow - days{10};
        const ChainResult r = check_chain(der_of(build(spec).get()), store, kNow);
        CHECK(r.status == ChainStatus::CertExpired);
        REQUIRE(r.anchor);
        CHECK(r.anchor->origin == "gen2");
        CHECK(chain_status_name(r.status) == "cert_expired");
        CHECK(inspect_certificate(der_of(build(spec).get()), kNow).state == ValidityState::Expired);
    }
    SUBCASE("leaf not yet valid") {
        CertSpec spec = leaf_under(g.gen2.get(), kRootGen2);
        spec.not_before = kNow + days{5};
        const ChainResult r = check_chain(der_of(build(spec).get()), store, kNow);
        CHECK(r.status == ChainStatus::NotYetValid);
        CHECK(chain_status_name(r.status) == "not_yet_valid");
    }
    SUBCASE("leaf valid, anchor expired") {
        const X509Ptr old_root = root(kOtherKey, kOtherCaDn, kNow - days{1});
        TrustStore old_store;
        old_store.add_der(der_of(old_root.get()), "old");
        const ChainResult r = check_chain(leaf_der(old_root.get(), kOtherKey), old_store, kNow);
        CHECK(r.status == ChainStatus::AnchorExpired);
        REQUIRE(r.anchor);
        CHECK(r.anchor->origin == "old");
        CHECK(chain_status_name(r.status) == "anchor_expired");
    }
    SUBCASE("garbage leaf throws") {
        CHECK(error_code_of([&] { check_chain(from_hex("00 01 02"), store, kNow); }) ==
              Errc::CertInvalid);
    }
    CHECK(chain_status_name(ChainStatus::Trusted) == "trusted");
}

TEST_CASE("jpki: TrustStore loads files and directories") {
    const Generations g;
    const TempDir dir;
    dir.write("bundle.pem", der_to_pem(g.gen1_der) + der_to_pem(g.gen2_der));
    dir.write("single.CRT", der_to_pem(g.gen1_der));  // duplicate of gen1: not added twice
    dir.write("other.der", as_string(der_of(root(kOtherKey, kOtherCaDn).get())));
    dir.write("README.md", "not a certificate");
    dir.write("notes.txt", "-----BEGIN CERTIFICATE-----\ngarbage\n");

    TrustStore store;
    store.add_directory(dir.path());
    CHECK(store.size() == 3);
    CHECK(store.contains(g.gen1_der));
    CHECK(store.contains(g.gen2_der));
    CHECK(store.anchors()[0].origin == (dir.path() / "bundle.pem").string());
    CHECK(store.anchors()[0].serial_hex == "01");
    CHECK(store.anchors()[0].not_after == kNow + years{5});
    store.add_directory(dir.path());
    CHECK(store.size() == 3);

    TrustStore nothing;
    nothing.add_directory(dir.path() / "missing");
    CHECK(nothing.empty());
    CHECK(error_code_of([&] { nothing.add_pem_file(dir.path() / "missing.pem"); }) ==
          Errc::FileNotFound);
    CHECK(error_code_of([&] { nothing.add_pem_file(dir.path() / "other.der"); }) ==
          Errc::CertInvalid);
    CHECK(error_code_of([&] { nothing.add_directory(dir.path() / "bundle.pem"); }) ==
          Errc::IoError);

    const fs::path bad = dir.write("broken.cer", "\x30\x82 this is not DER");
    try {
        nothing.add_directory(dir.path());
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::CertInvalid);
        CHECK(e.detail().find(bad.string()) != std::string::npos);
    }
}

TEST_CASE("jpki: the shipped J-LIS roots load and are told apart by signature") {
    TrustStore store;
    store.add_directory(MYNAQ_TEST_DATADIR "/trust/jpki");
    REQUIRE(store.size() == 4);

    const auto by_file = [&](std::string_view name) -> const TrustStore::Anchor& {
        const auto& anchors = store.anchors();
        const auto it = std::find_if(anchors.begin(), anchors.end(), [&](const auto& a) {
            return fs::path(a.origin).filename() == name;
        });
        REQUIRE(it != anchors.end());
        return *it;
    };
    const TrustStore::Anchor& auth_2015 = by_file("auth_ca_2015.pem");
    const TrustStore::Anchor& auth_2023 = by_file("auth_ca_2023.pem");
    CHECK(auth_2023.serial_hex == "06D18006");
    CHECK(auth_2023.sha256_fingerprint ==
          "64:11:4F:29:62:0C:24:ED:26:31:D4:64:76:A0:40:E7:"
          "EE:74:0D:95:60:89:C0:0B:03:6A:6A:81:18:C3:22:B5");
    CHECK(by_file("sign_ca_2023.pem").serial_hex == "067C6A21");
    CHECK(auth_2015.subject == auth_2023.subject);

    const CertificateInfo info = inspect_certificate(auth_2023.der, kNow);
    CHECK(info.subject == kAuthCaDnText);
    CHECK(info.issuer == kAuthCaDnText);
    CHECK(info.serial_hex == "06D18006");
    CHECK(info.sha256_fingerprint == auth_2023.sha256_fingerprint);
    CHECK(info.self_signed);
    CHECK(info.key_algorithm == "RSA");
    CHECK(info.key_bits == 2048);
    CHECK(info.signature_algorithm == "sha256WithRSAEncryption");
    CHECK(info.not_after == sys_days{2033y / July / 15} + 14h + 59min + 59s);
    CHECK(info.state == ValidityState::Valid);
    CHECK_FALSE(info.test_issuer);

    // Same DN, different generations: the signature decides.
    const ChainResult r2023 = check_chain(auth_2023.der, store, kNow);
    CHECK(r2023.status == ChainStatus::Trusted);
    REQUIRE(r2023.anchor);
    CHECK(r2023.anchor->sha256_fingerprint == auth_2023.sha256_fingerprint);

    const sys_seconds in_2024 = sys_days{2024y / June / 1};
    const ChainResult r2015 = check_chain(auth_2015.der, store, in_2024);
    CHECK(r2015.status == ChainStatus::Trusted);
    REQUIRE(r2015.anchor);
    CHECK(r2015.anchor->sha256_fingerprint == auth_2015.sha256_fingerprint);
    CHECK(check_chain(auth_2015.der, store, kNow).status == ChainStatus::CertExpired);
    CHECK(inspect_certificate(auth_2015.der, kNow).state == ValidityState::Expired);
}

TEST_CASE("jpki: DigestInfo signatures made like the card's verify") {
    const X509Ptr ca = root(kRootGen1);
    const Bytes leaf = leaf_der(ca.get(), kRootGen1);
    const Bytes digest_info = sha256_digest_info(to_bytes("challenge from the clinic"));
    const Bytes signature = card_sign(kLeafKey, digest_info);
    REQUIRE(signature.size() == 256);

    CHECK(verify_digest_info_signature(leaf, digest_info, signature));

    Bytes flipped = signature;
    flipped[100] ^= 0x80;
    CHECK_FALSE(verify_digest_info_signature(leaf, digest_info, flipped));
    CHECK_FALSE(verify_digest_info_signature(
        leaf, sha256_digest_info(to_bytes("another challenge")), signature));
    CHECK_FALSE(verify_digest_info_signature(der_of(ca.get()), digest_info, signature));
    CHECK_FALSE(verify_digest_info_signature(leaf, digest_info,
                                             ByteView(signature).first(signature.size() - 1)));
    CHECK_FALSE(verify_digest_info_signature(leaf, digest_info, Bytes{}));
    CHECK(error_code_of([&] {
              verify_digest_info_signature(from_hex("01 02"), digest_info, signature);
          }) == Errc::CertInvalid);
    CHECK(ERR_peek_error() == 0);
}

TEST_CASE("jpki: sha256_digest_info layout and random_bytes") {
    const Bytes digest_info = sha256_digest_info(to_bytes("abc"));
    CHECK(to_hex(digest_info, "") ==
          "3031300D060960864801650304020105000420"
          "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");

    CHECK(random_bytes(0).empty());
    const Bytes a = random_bytes(32);
    const Bytes b = random_bytes(32);
    CHECK(a.size() == 32);
    CHECK(a != b);
}
