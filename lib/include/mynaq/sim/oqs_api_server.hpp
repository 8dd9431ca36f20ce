// An emulator of the OQS Web API (oqs-interface.md §8) for tests and demonstrations: HTTPS on
// loopback that requires a client certificate from its own throwaway CA, a login that issues
// JWT-shaped idTokens, and a search endpoint that hands the request message to a responder.
//
// Endpoints (all POST, JSON bodies):
//   /oqs-api-pro/MSA12020/ILI12020SV01/auth     login: any JSON body; answers
//       {"status":"OK","msg":"","result":{"accessToken","refreshToken","idToken","linkSysCharCd"}}
//   /oqs-api-pro/MSA01030/ILI01030SV01/search   資格確認 (OQSsiquc01)
//   /oqs-api-pro/mynaq/bulk/upload              一括照会 request (OQSmuquc01)
//   /oqs-api-pro/mynaq/bulk/download            一括照会 result (OQSmuquc02)
// The two bulk paths are mynaq's own: the real endpoint ids are not public. The three message
// endpoints need `Authorization: <idToken>` of a live token, else 401.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "mynaq/oqs/xml.hpp"

namespace mynaq::sim {

// PEM files of a throwaway EC P-256 PKI. The server certificate names localhost,
// api.mynaq.test and 127.0.0.1; the client certificate (CN kOqsApiClientCn, EKU clientAuth)
// is issued by the same CA; the rogue client comes from an unrelated CA (rogue_ca_cert).
struct OqsApiPki {
    std::filesystem::path dir;
    std::filesystem::path ca_cert;
    std::filesystem::path server_cert;
    std::filesystem::path server_key;
    std::filesystem::path client_cert;
    std::filesystem::path client_key;
    std::filesystem::path rogue_ca_cert;
    std::filesystem::path rogue_client_cert;
    std::filesystem::path rogue_client_key;

    // Uses the files in DIR when all are there, else creates a new PKI (files 0600, DIR 0700).
    // Safe against other processes doing the same at once (flock on DIR/.lock).
    // Throws Error{IoError} or Error{Internal} (OpenSSL failure).
    static OqsApiPki load_or_create(const std::filesystem::path& dir);
};

inline constexpr std::string_view kOqsApiClientCn = "clinic-0001";
inline constexpr std::string_view kOqsApiRogueClientCn = "clinic-rogue";

inline constexpr std::string_view kOqsApiLoginPath = "/oqs-api-pro/MSA12020/ILI12020SV01/auth";
inline constexpr std::string_view kOqsApiSearchPath = "/oqs-api-pro/MSA01030/ILI01030SV01/search";
inline constexpr std::string_view kOqsApiBulkUploadPath = "/oqs-api-pro/mynaq/bulk/upload";
inline constexpr std::string_view kOqsApiBulkDownloadPath = "/oqs-api-pro/mynaq/bulk/download";
// The other interfaces, at /oqs-api-pro/mynaq/<file prefix> (the emulator's own addresses).
inline constexpr std::string_view kOqsApiOtherPathBase = "/oqs-api-pro/mynaq/";
inline constexpr std::array<std::string_view, 5> kOqsApiOtherPrefixes{
    "YZKsiquc01", "TKKsiquc01", "OQSsiimm01", "OQSmuimm01", "OQSmuimm02"};

struct OqsApiFaults {
    int fail_next_5xx = 0;  // the next N requests (any endpoint) get 503 with Retry-After: 0
    std::chrono::milliseconds delay{0};  // before answering any request
    int token_lifetime_s = 600;          // of idTokens issued from now on
    bool reject_login = false;           // logins get 401
};

class OqsApiServer {
public:
    // Gets the request's XmlMsg and the interface it came for ("OQSsiquc01", "OQSmuquc01" or
    // "OQSmuquc02"); returns the result's XmlMsg. Runs on server threads, maybe concurrently.
    // An exception becomes a 500 answer.
    using Responder = std::function<oqs::Node(const oqs::Node& request_msg, std::string_view)>;

    OqsApiServer(OqsApiPki pki, Responder responder, OqsApiFaults faults = {});
    ~OqsApiServer();  // stops
    OqsApiServer(const OqsApiServer&) = delete;
    OqsApiServer& operator=(const OqsApiServer&) = delete;

    // Listens on 127.0.0.1:port (0: an ephemeral port) and returns the port once connections
    // are accepted; once per server. Throws Error{NetworkError} when the port cannot be bound,
    // Error{TlsError} when the PKI files cannot be loaded.
    std::uint16_t start(std::uint16_t port = 0);
    [[nodiscard]] std::uint16_t port() const;
    void stop();  // idempotent; interrupts delayed answers

    [[nodiscard]] int logins() const;                  // successful logins
    [[nodiscard]] int searches() const;                // requests that reached a message endpoint
    [[nodiscard]] std::string last_client_cn() const;  // of the latest request, any endpoint
    void set_faults(const OqsApiFaults& faults);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mynaq::sim
