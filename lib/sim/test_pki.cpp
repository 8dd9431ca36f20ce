#include "mynaq/sim/test_pki.hpp"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <system_error>

#include <fmt/format.h>

#include "mynaq/error.hpp"

namespace mynaq::sim {
namespace {

template <auto Free>
struct OsslDeleter {
    template <typename T>
    void operator()(T* p) const noexcept {
        Free(p);
    }
};

using X509Ptr = std::unique_ptr<X509, OsslDeleter<X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, OsslDeleter<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OsslDeleter<EVP_PKEY_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, OsslDeleter<BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, OsslDeleter<BN_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, OsslDeleter<X509_EXTENSION_free>>;

// Takes the first queued OpenSSL error and clears the queue, so later callers start clean.
std::string openssl_error() {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) return "unknown OpenSSL error";
    std::array<char, 256> text{};
    ERR_error_string_n(code, text.data(), text.size());
    return text.data();
}

[[noreturn]] void fail(std::string_view what) {
    throw Error(Errc::Internal, fmt::format("test PKI: {}: {}", what, openssl_error()));
}

void check(int rc, std::string_view what) {
    if (rc <= 0) fail(what);
}

PkeyPtr generate_rsa_2048() {
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
    if (!ctx) fail("EVP_PKEY_CTX_new_from_name");
    check(EVP_PKEY_keygen_init(ctx.get()), "EVP_PKEY_keygen_init");
    check(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), 2048), "set_rsa_keygen_bits");
    EVP_PKEY* raw = nullptr;
    check(EVP_PKEY_generate(ctx.get(), &raw), "EVP_PKEY_generate");
    return PkeyPtr(raw);
}

std::string bio_contents(BIO* bio) {
    const std::size_t pending = BIO_ctrl_pending(bio);
    std::string out(pending, '\0');
    if (pending > 0 &&
        BIO_read(bio, out.data(), static_cast<int>(pending)) != static_cast<int>(pending)) {
        fail("BIO_read");
    }
    return out;
}

std::string private_key_pem(EVP_PKEY* key) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio) fail("BIO_new");
    // PEM_write_bio_PrivateKey writes PKCS#8 ("BEGIN PRIVATE KEY") when no cipher is given.
    check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr),
          "PEM_write_bio_PrivateKey");
    return bio_contents(bio.get());
}

PkeyPtr parse_private_key(std::string_view pem) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) fail("BIO_new_mem_buf");
    PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key) {
        throw Error(Errc::InvalidArgument, "not a PEM private key: " + openssl_error());
    }
    return key;
}

X509Ptr parse_certificate(ByteView der) {
    const unsigned char* p = der.data();
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!cert) throw Error(Errc::CertInvalid, "not a DER certificate: " + openssl_error());
    return cert;
}

Bytes certificate_der(X509* cert) {
    const int size = i2d_X509(cert, nullptr);
    if (size <= 0) fail("i2d_X509");
    Bytes der(static_cast<std::size_t>(size));
    unsigned char* p = der.data();
    if (i2d_X509(cert, &p) != size) fail("i2d_X509");
    return der;
}

// Like the CN of a real 利用者証明用 certificate ("840444E37PAFHN08220003A"): 23 characters
// that say nothing about the holder.
std::string opaque_id() {
    static constexpr std::string_view alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    std::array<unsigned char, 23> random{};
    check(RAND_bytes(random.data(), static_cast<int>(random.size())), "RAND_bytes");
    std::string id;
    for (const unsigned char b : random) id.push_back(alphabet[b % alphabet.size()]);
    return id;
}

void add_name_entry(X509_NAME* name, const char* field, std::string_view value) {
    check(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(value.data()),
                                     static_cast<int>(value.size()), -1, 0),
          "X509_NAME_add_entry_by_txt");
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx{};
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    if (!ext) fail(fmt::format("extension {}", OBJ_nid2sn(nid)));
    check(X509_add_ext(cert, ext.get(), -1), "X509_add_ext");
}

struct CertSpec {
    X509* issuer = nullptr;  // nullptr: self-signed
    EVP_PKEY* issuer_key = nullptr;
    EVP_PKEY* subject_key = nullptr;
    X509_NAME* subject = nullptr;
    long not_before_days = -1;  // relative to now
    long not_after_days = 0;
    bool ca = false;
    const char* key_usage = nullptr;
    const char* extended_key_usage = nullptr;
};

X509Ptr make_certificate(const CertSpec& spec) {
    X509Ptr cert(X509_new());
    if (!cert) fail("X509_new");
    check(X509_set_version(cert.get(), 2), "X509_set_version");

    BnPtr serial(BN_new());
    if (!serial) fail("BN_new");
    check(BN_rand(serial.get(), 63, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY), "BN_rand");
    if (BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
        fail("BN_to_ASN1_INTEGER");
    }

    check(X509_set_subject_name(cert.get(), spec.subject), "X509_set_subject_name");
    X509* issuer = spec.issuer != nullptr ? spec.issuer : cert.get();
    check(
        X509_set_issuer_name(
            cert.get(), spec.issuer != nullptr ? X509_get_subject_name(spec.issuer) : spec.subject),
        "X509_set_issuer_name");
    if (X509_time_adj_ex(X509_getm_notBefore(cert.get()), static_cast<int>(spec.not_before_days), 0,
                         nullptr) == nullptr ||
        X509_time_adj_ex(X509_getm_notAfter(cert.get()), static_cast<int>(spec.not_after_days), 0,
                         nullptr) == nullptr) {
        fail("X509_time_adj_ex");
    }
    check(X509_set_pubkey(cert.get(), spec.subject_key), "X509_set_pubkey");

    if (spec.ca) add_extension(cert.get(), issuer, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), issuer, NID_key_usage, spec.key_usage);
    if (spec.extended_key_usage != nullptr) {
        add_extension(cert.get(), issuer, NID_ext_key_usage, spec.extended_key_usage);
    }
    add_extension(cert.get(), issuer, NID_subject_key_identifier, "hash");
    if (spec.issuer != nullptr) {
        add_extension(cert.get(), issuer, NID_authority_key_identifier, "keyid:always");
    }

    if (X509_sign(cert.get(), spec.issuer_key, EVP_sha256()) <= 0) fail("X509_sign");
    return cert;
}

using NamePtr = std::unique_ptr<X509_NAME, OsslDeleter<X509_NAME_free>>;

NamePtr new_name() {
    NamePtr name(X509_NAME_new());
    if (!name) fail("X509_NAME_new");
    return name;
}

struct Hierarchy {
    Bytes root_der;
    Bytes leaf_der;
    std::string leaf_key_pem;
};

Hierarchy make_hierarchy(const char* root_ou, const char* leaf_key_usage,
                         const char* leaf_extended_key_usage, int leaf_days) {
    const PkeyPtr root_key = generate_rsa_2048();
    const PkeyPtr leaf_key = generate_rsa_2048();
    // An expired leaf still needs notBefore < notAfter, and the root must cover it.
    const long not_before = std::min(-1L, static_cast<long>(leaf_days) - 1);

    const NamePtr root_name = new_name();
    add_name_entry(root_name.get(), "C", "JP");
    add_name_entry(root_name.get(), "O", "JPKI-TEST");
    add_name_entry(root_name.get(), "OU", root_ou);
    add_name_entry(root_name.get(), "OU", "mynaq virtual card");
    const X509Ptr root = make_certificate({.issuer = nullptr,
                                           .issuer_key = root_key.get(),
                                           .subject_key = root_key.get(),
                                           .subject = root_name.get(),
                                           .not_before_days = not_before,
                                           .not_after_days = 20L * 365,
                                           .ca = true,
                                           .key_usage = "critical,keyCertSign,cRLSign",
                                           .extended_key_usage = nullptr});

    const NamePtr leaf_name = new_name();
    add_name_entry(leaf_name.get(), "C", "JP");
    add_name_entry(leaf_name.get(), "CN", opaque_id());
    const X509Ptr leaf = make_certificate({.issuer = root.get(),
                                           .issuer_key = root_key.get(),
                                           .subject_key = leaf_key.get(),
                                           .subject = leaf_name.get(),
                                           .not_before_days = not_before,
                                           .not_after_days = leaf_days,
                                           .ca = false,
                                           .key_usage = leaf_key_usage,
                                           .extended_key_usage = leaf_extended_key_usage});

    return {certificate_der(root.get()), certificate_der(leaf.get()),
            private_key_pem(leaf_key.get())};
}

// --- files -------------------------------------------------------------------------------

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(Errc::IoError, "cannot read " + path.string(), {{"path", path.string()}});
    std::string data{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) {
        throw Error(Errc::IoError, "cannot read " + path.string(), {{"path", path.string()}});
    }
    return data;
}

// open(2) with mode 0600 so a private key is never readable by others, not even briefly.
void write_private_file(const std::filesystem::path& path, std::string_view data) {
    const auto io_error = [&path](int err) {
        return Error(Errc::IoError,
                     fmt::format("cannot write {}: {}", path.string(), std::strerror(err)),
                     {{"path", path.string()}});
    };
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw io_error(errno);
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    if (::fchmod(fd, 0600) != 0) throw io_error(errno);
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw io_error(errno);
        }
        done += static_cast<std::size_t>(n);
    }
}

std::string_view as_chars(const Bytes& bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

Bytes as_bytes(const std::string& text) {
    return {text.begin(), text.end()};
}

void make_private_dir(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (!ec) std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
    if (ec) {
        throw Error(Errc::IoError, fmt::format("cannot create {}: {}", dir.string(), ec.message()),
                    {{"path", dir.string()}});
    }
}

constexpr std::array<const char*, 6> kFileNames = {"auth_root.der", "auth_cert.der",
                                                   "auth_key.pem",  "sign_root.der",
                                                   "sign_cert.der", "sign_key.pem"};

}  // namespace

TestPki TestPki::create(int leaf_days) {
    Hierarchy auth = make_hierarchy("JPKI for user authentication", "critical,digitalSignature",
                                    "clientAuth", leaf_days);
    Hierarchy sign = make_hierarchy("JPKI for digital signature",
                                    "critical,digitalSignature,nonRepudiation", nullptr, leaf_days);
    TestPki pki;
    pki.auth_root_der = std::move(auth.root_der);
    pki.auth_cert_der = std::move(auth.leaf_der);
    pki.auth_key_pem = std::move(auth.leaf_key_pem);
    pki.sign_root_der = std::move(sign.root_der);
    pki.sign_cert_der = std::move(sign.leaf_der);
    pki.sign_key_pem = std::move(sign.leaf_key_pem);
    return pki;
}

void TestPki::save(const std::filesystem::path& dir) const {
    make_private_dir(dir);
    write_private_file(dir / "auth_root.der", as_chars(auth_root_der));
    write_private_file(dir / "auth_cert.der", as_chars(auth_cert_der));
    write_private_file(dir / "auth_key.pem", auth_key_pem);
    write_private_file(dir / "sign_root.der", as_chars(sign_root_der));
    write_private_file(dir / "sign_cert.der", as_chars(sign_cert_der));
    write_private_file(dir / "sign_key.pem", sign_key_pem);
    make_private_dir(dir / "trust");
    write_private_file(dir / "trust" / "auth_root.pem", certificate_pem(auth_root_der));
}

namespace {

// Several processes (parallel tests, a demo beside `sim card`) may share one state directory:
// the first creates the PKI while the others wait, instead of each writing half of it.
class DirectoryLock {
public:
    explicit DirectoryLock(const std::filesystem::path& dir) {
        make_private_dir(dir);
        fd_ = ::open((dir / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd_ >= 0) ::flock(fd_, LOCK_EX);
    }
    ~DirectoryLock() {
        if (fd_ >= 0) ::close(fd_);  // closing releases the lock
    }
    DirectoryLock(const DirectoryLock&) = delete;
    DirectoryLock& operator=(const DirectoryLock&) = delete;

private:
    int fd_ = -1;
};

}  // namespace

TestPki TestPki::load_or_create(const std::filesystem::path& dir) {
    const DirectoryLock lock(dir);
    bool complete = true;
    for (const char* name : kFileNames) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(dir / name, ec)) complete = false;
    }
    if (!complete) {
        TestPki pki = create();
        pki.save(dir);
        return pki;
    }

    TestPki pki;
    pki.auth_root_der = as_bytes(read_file(dir / "auth_root.der"));
    pki.auth_cert_der = as_bytes(read_file(dir / "auth_cert.der"));
    pki.auth_key_pem = read_file(dir / "auth_key.pem");
    pki.sign_root_der = as_bytes(read_file(dir / "sign_root.der"));
    pki.sign_cert_der = as_bytes(read_file(dir / "sign_cert.der"));
    pki.sign_key_pem = read_file(dir / "sign_key.pem");

    // Refuse damaged files rather than silently replacing what someone may rely on.
    const auto validate = [&dir](const char* name, auto&& parse) {
        try {
            parse();
        } catch (const Error& e) {
            const std::string path = (dir / name).string();
            throw Error(Errc::DataInvalid, fmt::format("{}: {}", path, e.detail()),
                        {{"path", path}});
        }
    };
    validate("auth_root.der", [&] { parse_certificate(pki.auth_root_der); });
    validate("auth_cert.der", [&] { parse_certificate(pki.auth_cert_der); });
    validate("auth_key.pem", [&] { parse_private_key(pki.auth_key_pem); });
    validate("sign_root.der", [&] { parse_certificate(pki.sign_root_der); });
    validate("sign_cert.der", [&] { parse_certificate(pki.sign_cert_der); });
    validate("sign_key.pem", [&] { parse_private_key(pki.sign_key_pem); });

    make_private_dir(dir / "trust");
    write_private_file(dir / "trust" / "auth_root.pem", certificate_pem(pki.auth_root_der));
    return pki;
}

Bytes rsa_pkcs1_sign(std::string_view key_pem, ByteView digest_info) {
    const PkeyPtr key = parse_private_key(key_pem);
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    if (!ctx) fail("EVP_PKEY_CTX_new_from_pkey");
    if (EVP_PKEY_sign_init(ctx.get()) <= 0 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) <= 0) {
        throw Error(Errc::InvalidArgument, "not an RSA signing key: " + openssl_error());
    }
    std::size_t size = 0;
    check(EVP_PKEY_sign(ctx.get(), nullptr, &size, digest_info.data(), digest_info.size()),
          "EVP_PKEY_sign");
    Bytes signature(size);
    if (EVP_PKEY_sign(ctx.get(), signature.data(), &size, digest_info.data(), digest_info.size()) <=
        0) {
        throw Error(Errc::InvalidArgument, "RSA signing failed: " + openssl_error());
    }
    signature.resize(size);
    return signature;
}

Bytes rsa_modulus_of_certificate(ByteView cert_der) {
    const X509Ptr cert = parse_certificate(cert_der);
    EVP_PKEY* key = X509_get0_pubkey(cert.get());
    BIGNUM* raw = nullptr;
    if (key == nullptr || EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &raw) <= 0) {
        throw Error(Errc::CertInvalid, "certificate key is not RSA: " + openssl_error());
    }
    const BnPtr n(raw);
    Bytes modulus(static_cast<std::size_t>(BN_num_bytes(n.get())));
    BN_bn2bin(n.get(), modulus.data());
    return modulus;
}

std::string certificate_pem(ByteView cert_der) {
    const X509Ptr cert = parse_certificate(cert_der);
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio) fail("BIO_new");
    check(PEM_write_bio_X509(bio.get(), cert.get()), "PEM_write_bio_X509");
    return bio_contents(bio.get());
}

}  // namespace mynaq::sim
