// How a request reaches the オンライン資格確認等システム and its result comes back. Commands
// build a message, hand it to an Exchange and get a Document; whether it travelled through
// the 資格確認端末's folders or the Web API is a matter of configuration.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mynaq/oqs/xml.hpp"

namespace mynaq::oqs {

struct ExchangeRequest {
    std::string prefix;  // "OQSsiquc01", "OQSmuquc01", "OQSmuquc02"
    std::string suffix;  // file-name suffix; unique per request and ASCII, ≤ 13 chars
    Node message;        // the XmlMsg
};

class Exchange {
public:
    virtual ~Exchange() = default;
    // Sends the request and waits for its result. A request whose result or pending request
    // file already exists is not sent again (resuming after a crash).
    // Throws Error{OqsTimeout} when nothing came back in time, Error{OqsFailed} for an .err
    // answer, Error{MessageInvalid} for an unreadable result, Error{NetworkError|TlsError|
    // AuthFailed} for Web API failures.
    virtual Document exchange(const ExchangeRequest& request) = 0;
    [[nodiscard]] virtual std::string_view kind() const = 0;  // "folder" | "webapi"
};

struct FolderOptions {
    std::filesystem::path root;  // the OQS folder: req/, res/, face/
    std::filesystem::path work;  // where requests are written before the rename (same fs)
    TextEncoding encoding = TextEncoding::Utf8;
    std::chrono::milliseconds poll{200};         // fallback polling when inotify is unavailable
    std::chrono::milliseconds timeout{60'000};   // until OQS_TIMEOUT
    std::chrono::milliseconds stable_read{300};  // two equal reads this far apart
    XmlLimits limits;
};

// The 資格確認端末's file exchange: work/ → fsync → rename into req/; result in res/ named
// <prefix>res_<suffix>.* (xml or zip), or the request moved back to res/ with a .err beside.
class FolderExchange final : public Exchange {
public:
    explicit FolderExchange(FolderOptions options);
    Document exchange(const ExchangeRequest& request) override;
    [[nodiscard]] std::string_view kind() const override { return "folder"; }
    [[nodiscard]] const FolderOptions& options() const { return options_; }

private:
    FolderOptions options_;
};

struct WebApiOptions {
    std::string login_url;
    std::string search_url;                   // 資格確認 (OQSsiquc01)
    std::string bulk_upload_url;              // OQSmuquc01, when the site knows it
    std::string bulk_download_url;            // OQSmuquc02, when the site knows it
    std::map<std::string, std::string> urls;  // any other interface, by file prefix
    std::filesystem::path client_cert;        // PEM
    std::filesystem::path client_key;         // PEM
    std::filesystem::path ca_file;            // the server is verified against this CA only
    std::filesystem::path login_body;         // site-supplied JSON, sent as is
    std::filesystem::path token_cache;        // 0600
    std::chrono::milliseconds timeout{30'000};
    std::chrono::milliseconds connect_timeout{5'000};
    int retries = 3;                         // on 5xx and network errors
    std::chrono::milliseconds backoff{500};  // doubled after each retry
    std::vector<std::string> resolve;        // curl --resolve entries, for tests and split DNS
    XmlLimits limits;
};

// The Web API: mutual TLS with the facility's certificate, idToken cached and refreshed.
class WebApiExchange final : public Exchange {
public:
    explicit WebApiExchange(WebApiOptions options);
    ~WebApiExchange() override;
    Document exchange(const ExchangeRequest& request) override;
    [[nodiscard]] std::string_view kind() const override { return "webapi"; }

private:
    struct State;
    WebApiOptions options_;
    std::unique_ptr<State> state_;
};

// The JSON form of a message used by the Web API: elements become keys, repeated elements
// arrays, leaves strings (never numbers).
std::string to_json_form(const Node& root);
Node from_json_form(std::string_view json);  // throws Error{MessageInvalid}

// A unique, ASCII file-name suffix: yyyyMMdd (JST) + 4-digit sequence from `sequence`.
std::string make_suffix(std::string_view yyyymmdd, int sequence);
// ArbitraryFileIdentifier: yyyyMMddHHmmssfff-<8 hex>.
std::string make_file_identifier();

}  // namespace mynaq::oqs
