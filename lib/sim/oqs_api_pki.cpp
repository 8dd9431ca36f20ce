// The throwaway mTLS PKI of the Web API emulator, made with the OpenSSL 3 API so that tests
// need no openssl binary.
#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include <fmt/format.h>

#include "mynaq/error.hpp"
#include "mynaq/sim/oqs_api_server.hpp"

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
using BioPtr = std::unique_ptr<BIO, OsslDeleter<BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, OsslDeleter<BN_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, OsslDeleter<X509_EXTENSION_free>>;
using NamePtr = std::unique_ptr<X509_NAME, OsslDeleter<X509_NAME_free>>;

[[noreturn]] void fail(std::string_view what) {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    std::array<char, 256> text{};
    if (code != 0) ERR_error_string_n(code, text.data(), text.size());
    throw Error(Errc::Internal, fmt::format("Web API test PKI: {}: {}", what,
                                            code != 0 ? text.data() : "unknown OpenSSL error"));
}

void check(int rc, std::string_view what) {
    if (rc <= 0) fail(what);
}

PkeyPtr generate_p256() {
    PkeyPtr key(EVP_EC_gen("P-256"));
    if (!key) fail("EVP_EC_gen");
    return key;
}

NamePtr make_name(std::string_view cn) {
    NamePtr name(X509_NAME_new());
    if (!name) fail("X509_NAME_new");
    const auto add = [&name](const char* field, std::string_view value) {
        check(X509_NAME_add_entry_by_txt(name.get(), field, MBSTRING_UTF8,
                                         reinterpret_cast<const unsigned char*>(value.data()),
                                         static_cast<int>(value.size()), -1, 0),
              "X509_NAME_add_entry_by_txt");
    };
    add("C", "JP");
    add("O", "mynaq Web API emulator");
    add("CN", cn);
    return name;
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx{};
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    if (!ext) fail(fmt::format("extension {}", OBJ_nid2sn(nid)));
    check(X509_add_ext(cert, ext.get(), -1), "X509_add_ext");
}

struct Issued {
    X509Ptr cert;
    PkeyPtr key;
};

// issuer == nullptr: a self-signed CA.
Issued issue(std::string_view cn, const Issued* issuer, const char* eku, const char* san) {
    Issued out{X509Ptr(X509_new()), generate_p256()};
    X509* cert = out.cert.get();
    if (cert == nullptr) fail("X509_new");
    check(X509_set_version(cert, 2), "X509_set_version");
    BnPtr serial(BN_new());
    if (!serial) fail("BN_new");
    check(BN_rand(serial.get(), 63, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY), "BN_rand");
    if (BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert)) == nullptr) {
        fail("BN_to_ASN1_INTEGER");
    }
    const NamePtr subject = make_name(cn);
    check(X509_set_subject_name(cert, subject.get()), "X509_set_subject_name");
    check(X509_set_issuer_name(
              cert, issuer != nullptr ? X509_get_subject_name(issuer->cert.get()) : subject.get()),
          "X509_set_issuer_name");
    const long days = issuer == nullptr ? 20L * 365 : 825;
    if (X509_time_adj_ex(X509_getm_notBefore(cert), -1, 0, nullptr) == nullptr ||
        X509_time_adj_ex(X509_getm_notAfter(cert), static_cast<int>(days), 0, nullptr) == nullptr) {
        fail("X509_time_adj_ex");
    }
    check(X509_set_pubkey(cert, out.key.get()), "X509_set_pubkey");

    X509* issuer_cert = issuer != nullptr ? issuer->cert.get() : cert;
    if (issuer == nullptr) {
        add_extension(cert, issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
        add_extension(cert, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_extension(cert, issuer_cert, NID_basic_constraints, "critical,CA:FALSE");
        add_extension(cert, issuer_cert, NID_key_usage, "critical,digitalSignature");
        add_extension(cert, issuer_cert, NID_ext_key_usage, eku);
        if (san != nullptr) add_extension(cert, issuer_cert, NID_subject_alt_name, san);
    }
    add_extension(cert, issuer_cert, NID_subject_key_identifier, "hash");
    if (issuer != nullptr) {
        add_extension(cert, issuer_cert, NID_authority_key_identifier, "keyid:always");
    }
    EVP_PKEY* signer = issuer != nullptr ? issuer->key.get() : out.key.get();
    if (X509_sign(cert, signer, EVP_sha256()) <= 0) fail("X509_sign");
    return out;
}

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return {data, static_cast<std::size_t>(size)};
}

std::string cert_pem(X509* cert) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio) fail("BIO_new");
    check(PEM_write_bio_X509(bio.get(), cert), "PEM_write_bio_X509");
    return bio_text(bio.get());
}

std::string key_pem(EVP_PKEY* key) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio) fail("BIO_new");
    check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr),
          "PEM_write_bio_PrivateKey");
    return bio_text(bio.get());
}

[[noreturn]] void io_error(const std::filesystem::path& path, int err) {
    throw Error(Errc::IoError,
                fmt::format("cannot write {}: {}", path.string(), std::strerror(err)),
                {{"path", path.string()}});
}

// Written in place with 0600 from the start; the directory lock keeps readers out meanwhile.
void write_private(const std::filesystem::path& path, const std::string& data) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) io_error(path, errno);
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    if (::fchmod(fd, 0600) != 0) io_error(path, errno);
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            io_error(path, errno);
        }
        done += static_cast<std::size_t>(n);
    }
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

class DirectoryLock {
public:
    explicit DirectoryLock(const std::filesystem::path& dir) {
        make_private_dir(dir);
        fd_ = ::open((dir / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd_ >= 0) ::flock(fd_, LOCK_EX);
    }
    ~DirectoryLock() {
        if (fd_ >= 0) ::close(fd_);
    }
    DirectoryLock(const DirectoryLock&) = delete;
    DirectoryLock& operator=(const DirectoryLock&) = delete;

private:
    int fd_ = -1;
};

}  // namespace

OqsApiPki OqsApiPki::load_or_create(const std::filesystem::path& dir) {
    OqsApiPki pki;
    pki.dir = dir;
    pki.ca_cert = dir / "ca.pem";
    pki.server_cert = dir / "server.pem";
    pki.server_key = dir / "server.key";
    pki.client_cert = dir / "client.pem";
    pki.client_key = dir / "client.key";
    pki.rogue_ca_cert = dir / "rogue-ca.pem";
    pki.rogue_client_cert = dir / "rogue-client.pem";
    pki.rogue_client_key = dir / "rogue-client.key";

    const DirectoryLock lock(dir);
    bool complete = true;
    for (const auto* p :
         {&pki.ca_cert, &pki.server_cert, &pki.server_key, &pki.client_cert, &pki.client_key,
          &pki.rogue_ca_cert, &pki.rogue_client_cert, &pki.rogue_client_key}) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(*p, ec)) complete = false;
    }
    if (complete) return pki;

    const Issued ca = issue("mynaq Web API emulator CA", nullptr, nullptr, nullptr);
    const Issued server =
        issue("localhost", &ca, "serverAuth", "DNS:localhost,DNS:api.mynaq.test,IP:127.0.0.1");
    const Issued client = issue(kOqsApiClientCn, &ca, "clientAuth", nullptr);
    const Issued rogue_ca = issue("mynaq rogue CA", nullptr, nullptr, nullptr);
    const Issued rogue = issue(kOqsApiRogueClientCn, &rogue_ca, "clientAuth", nullptr);

    // Keys before certificates: a reader that finds every certificate finds the keys too.
    write_private(pki.server_key, key_pem(server.key.get()));
    write_private(pki.client_key, key_pem(client.key.get()));
    write_private(pki.rogue_client_key, key_pem(rogue.key.get()));
    write_private(pki.server_cert, cert_pem(server.cert.get()));
    write_private(pki.client_cert, cert_pem(client.cert.get()));
    write_private(pki.rogue_client_cert, cert_pem(rogue.cert.get()));
    write_private(pki.rogue_ca_cert, cert_pem(rogue_ca.cert.get()));
    write_private(pki.ca_cert, cert_pem(ca.cert.get()));
    return pki;
}

}  // namespace mynaq::sim
