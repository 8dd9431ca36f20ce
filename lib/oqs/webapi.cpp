// The Web API transport (oqs-interface.md §8): mutual TLS with the facility's certificate, a
// login that yields an idToken, and the message sent as its JSON form with that token.
#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "mynaq/error.hpp"
#include "mynaq/files.hpp"
#include "mynaq/oqs/exchange.hpp"

namespace mynaq::oqs {
namespace {

using Clock = std::chrono::system_clock;
using Json = nlohmann::json;

// A cached token is not used in its last seconds: the request might arrive after it expired.
constexpr auto kExpiryMargin = std::chrono::seconds(30);
// When the login answer says nothing about the token's lifetime.
constexpr auto kDefaultLifetime = std::chrono::minutes(10);
// A Retry-After longer than this is not waited for; the ordinary back-off applies instead.
constexpr long kMaxRetryAfterSeconds = 10;
constexpr std::size_t kExcerptLength = 200;

struct CurlDeleter {
    void operator()(CURL* h) const noexcept { curl_easy_cleanup(h); }
};
struct SlistDeleter {
    void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};
using CurlPtr = std::unique_ptr<CURL, CurlDeleter>;
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

SlistPtr make_slist(const std::vector<std::string>& items) {
    SlistPtr list;
    for (const auto& item : items) {
        // Appending returns the head, which is the list already owned once it is non-empty.
        curl_slist* head = curl_slist_append(list.get(), item.c_str());
        if (head == nullptr) throw Error(Errc::Internal, "curl_slist_append failed");
        static_cast<void>(list.release());
        list.reset(head);
    }
    return list;
}

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string excerpt(std::string_view body) {
    std::string out(body.substr(0, kExcerptLength));
    for (char& c : out) {
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    }
    if (body.size() > kExcerptLength) out += "…";
    return out;
}

std::string read_text_file(const std::filesystem::path& path, std::string_view what) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        throw Error(Errc::FileNotFound, fmt::format("{} {} does not exist", what, path.string()),
                    {{"path", path.string()}});
    }
    std::ifstream in(path, std::ios::binary);
    std::string data{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (!in && !in.eof()) {
        throw Error(Errc::IoError, fmt::format("cannot read {} {}", what, path.string()),
                    {{"path", path.string()}});
    }
    return data;
}

// --- HTTP ---------------------------------------------------------------------------------

struct HttpResponse {
    long status = 0;
    std::string body;
    std::optional<long> retry_after;  // seconds, when the server sent a numeric Retry-After
};

struct Attempt {
    CURLcode code = CURLE_OK;
    std::string error_text;  // CURLOPT_ERRORBUFFER, or curl_easy_strerror
    bool too_large = false;
    // The TLS handshake completed, then the connection ended before any answer arrived.
    bool dropped_after_handshake = false;
    HttpResponse response;
};

struct Sink {
    std::string* body;
    std::size_t limit;
    bool too_large = false;
};

std::size_t write_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* sink = static_cast<Sink*>(user);
    const std::size_t n = size * count;
    if (sink->body->size() + n > sink->limit) {
        sink->too_large = true;
        return 0;  // makes curl stop with CURLE_WRITE_ERROR
    }
    sink->body->append(data, n);
    return n;
}

enum class FailureKind { Tls, Timeout, Network, Config, Other };

// "SSL routines::unexpected eof" is a dropped line; only an alert is the peer's verdict.
bool mentions_tls(std::string_view text) {
    return text.find("alert") != std::string_view::npos;
}

FailureKind classify(CURLcode code, std::string_view text) {
    switch (code) {
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_ENGINE_NOTFOUND:
        case CURLE_SSL_ENGINE_SETFAILED:
        case CURLE_SSL_ENGINE_INITFAILED:
        case CURLE_SSL_CRL_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_INVALIDCERTSTATUS:
        case CURLE_SSL_SHUTDOWN_FAILED:
        case CURLE_USE_SSL_FAILED:
            return FailureKind::Tls;
        // With TLS 1.3 a refused client certificate arrives as an alert after the handshake,
        // so it surfaces as a receive (or send) error; the alert text tells it apart.
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
            return mentions_tls(text) ? FailureKind::Tls : FailureKind::Network;
        case CURLE_OPERATION_TIMEDOUT:
            return FailureKind::Timeout;
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
            return FailureKind::Network;
        case CURLE_URL_MALFORMAT:
        case CURLE_UNSUPPORTED_PROTOCOL:
            return FailureKind::Config;
        default:
            return FailureKind::Other;
    }
}

std::optional<long> retry_after_seconds(CURL* handle) {
    curl_header* header = nullptr;
    if (curl_easy_header(handle, "Retry-After", 0, CURLH_HEADER, -1, &header) != CURLHE_OK ||
        header == nullptr || header->value == nullptr) {
        return std::nullopt;
    }
    const std::string_view text = header->value;
    long seconds = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (ec != std::errc{} || end != text.data() + text.size() || seconds < 0) return std::nullopt;
    return seconds;
}

std::string curl_text(CURLcode code, const std::array<char, CURL_ERROR_SIZE>& buffer) {
    std::string text = buffer.data();
    if (text.empty()) text = curl_easy_strerror(code);
    return text;
}

}  // namespace

struct WebApiExchange::State {
    CurlPtr handle;
    std::string token;
    Clock::time_point expires_at{};
};

namespace {

class Client {
public:
    Client(const WebApiOptions& options, CURL* handle) : options_(options), handle_(handle) {}

    // One POST; transport failures are returned, not thrown, so the caller can retry them.
    Attempt perform(const std::string& url, const std::string& body,
                    const std::vector<std::string>& headers) {
        curl_easy_reset(handle_);
        Attempt attempt;
        std::array<char, CURL_ERROR_SIZE> error{};
        Sink sink{&attempt.response.body, options_.limits.max_bytes};

        const SlistPtr header_list = make_slist(headers);
        const SlistPtr resolve_list = make_slist(options_.resolve);

        CURL* h = handle_;
        set(h, CURLOPT_ERRORBUFFER, error.data());
        set(h, CURLOPT_URL, url.c_str());
        set(h, CURLOPT_PROTOCOLS_STR, "https");
        set(h, CURLOPT_NOSIGNAL, 1L);
        set(h, CURLOPT_POST, 1L);
        set(h, CURLOPT_POSTFIELDS, body.data());
        set(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
        set(h, CURLOPT_HTTPHEADER, header_list.get());
        set(h, CURLOPT_WRITEFUNCTION, &write_body);
        set(h, CURLOPT_WRITEDATA, &sink);
        set(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
        set(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
        set(h, CURLOPT_SSL_VERIFYPEER, 1L);
        set(h, CURLOPT_SSL_VERIFYHOST, 2L);
        // Only the configured CA: the OQS network uses its own, and the system store must not
        // make a different server acceptable.
        set(h, CURLOPT_CAINFO, options_.ca_file.c_str());
        set(h, CURLOPT_CAPATH, static_cast<const char*>(nullptr));
        if (!options_.client_cert.empty()) set(h, CURLOPT_SSLCERT, options_.client_cert.c_str());
        if (!options_.client_key.empty()) set(h, CURLOPT_SSLKEY, options_.client_key.c_str());
        if (resolve_list) set(h, CURLOPT_RESOLVE, resolve_list.get());
        // The body carries patients' data: never follow a redirect somewhere else.
        set(h, CURLOPT_FOLLOWLOCATION, 0L);

        attempt.code = curl_easy_perform(h);
        attempt.too_large = sink.too_large;
        if (attempt.code != CURLE_OK) {
            attempt.error_text = curl_text(attempt.code, error);
            curl_off_t tls_done = 0;
            long header_bytes = 0;
            curl_easy_getinfo(h, CURLINFO_APPCONNECT_TIME_T, &tls_done);
            curl_easy_getinfo(h, CURLINFO_HEADER_SIZE, &header_bytes);
            attempt.dropped_after_handshake =
                (attempt.code == CURLE_SEND_ERROR || attempt.code == CURLE_RECV_ERROR ||
                 attempt.code == CURLE_GOT_NOTHING) &&
                tls_done > 0 && header_bytes == 0;
        } else {
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &attempt.response.status);
            attempt.response.retry_after = retry_after_seconds(h);
        }
        // The buffers given to curl die with this frame; nothing may point at them later.
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
        curl_easy_setopt(h, CURLOPT_RESOLVE, nullptr);
        return attempt;
    }

    // POSTs with retries on 5xx and network failures; returns any other HTTP answer.
    HttpResponse post(const std::string& url, const std::string& body,
                      const std::vector<std::string>& headers, std::string_view what) {
        const int attempts = std::max(0, options_.retries) + 1;
        bool always_dropped = true;
        for (int i = 0; i < attempts; ++i) {
            const bool last = i + 1 == attempts;
            const std::chrono::milliseconds backoff = options_.backoff * (1L << std::min(i, 16));
            Attempt a = perform(url, body, headers);
            if (a.code == CURLE_OK) {
                if (a.response.status < 500) return std::move(a.response);
                if (last) {
                    throw Error(Errc::NetworkError,
                                fmt::format("{}: HTTP {} after {} attempt(s): {}", what,
                                            a.response.status, attempts, excerpt(a.response.body)),
                                {{"url", url}, {"status", std::to_string(a.response.status)}});
                }
                const auto& ra = a.response.retry_after;
                std::this_thread::sleep_for(ra && *ra <= kMaxRetryAfterSeconds
                                                ? std::chrono::milliseconds(*ra * 1000)
                                                : backoff);
                continue;
            }
            if (a.too_large) {
                throw Error(Errc::MessageInvalid,
                            fmt::format("{}: the answer is larger than {} bytes", what,
                                        options_.limits.max_bytes),
                            {{"url", url}});
            }
            const FailureKind kind = classify(a.code, a.error_text);
            if (kind != FailureKind::Tls) {
                always_dropped = always_dropped && a.dropped_after_handshake;
            }
            // With TLS 1.3 the server judges the client certificate after the client already
            // considers the handshake done; its alert often loses the race against the
            // client's request and all that remains is a reset connection. When that happened
            // on every attempt, a refused certificate is far likelier than a flaky line.
            if (kind == FailureKind::Network && last && always_dropped) {
                throw Error(
                    Errc::TlsError,
                    fmt::format("{}: the server closed the connection right after the TLS "
                                "handshake on every attempt; it probably refused the "
                                "client certificate ({})",
                                what, a.error_text),
                    {{"url", url}, {"curl_code", std::to_string(static_cast<int>(a.code))}});
            }
            const std::map<std::string, std::string> fields{
                {"url", url}, {"curl_code", std::to_string(static_cast<int>(a.code))}};
            switch (kind) {
                case FailureKind::Tls:
                    throw Error(Errc::TlsError, fmt::format("{}: {}", what, a.error_text), fields);
                case FailureKind::Config:
                    throw Error(Errc::ConfigInvalid,
                                fmt::format("{}: unusable URL '{}': {}", what, url, a.error_text),
                                fields);
                case FailureKind::Other:
                    throw Error(Errc::NetworkError, fmt::format("{}: {}", what, a.error_text),
                                fields);
                case FailureKind::Timeout:
                    if (last) {
                        throw Error(Errc::OqsTimeout,
                                    fmt::format("{}: no answer after {} attempt(s): {}", what,
                                                attempts, a.error_text),
                                    fields);
                    }
                    break;
                case FailureKind::Network:
                    if (last) {
                        throw Error(Errc::NetworkError,
                                    fmt::format("{}: {} (after {} attempt(s))", what, a.error_text,
                                                attempts),
                                    fields);
                    }
                    break;
            }
            std::this_thread::sleep_for(backoff);
        }
        throw Error(Errc::Internal, "retry loop ended without a result");
    }

private:
    template <typename T>
    static void set(CURL* h, CURLoption option, T value) {
        const CURLcode rc = curl_easy_setopt(h, option, value);
        if (rc != CURLE_OK) {
            throw Error(Errc::Internal,
                        fmt::format("curl_easy_setopt({}): {}", static_cast<int>(option),
                                    curl_easy_strerror(rc)));
        }
    }

    const WebApiOptions& options_;
    CURL* handle_;
};

// --- tokens -------------------------------------------------------------------------------

std::optional<std::string> base64url_decode(std::string_view in) {
    std::string out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (const char c : in) {
        int v = -1;
        if (c >= 'A' && c <= 'Z') v = c - 'A';
        if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
        if (c >= '0' && c <= '9') v = c - '0' + 52;
        if (c == '-' || c == '+') v = 62;
        if (c == '_' || c == '/') v = 63;
        if (c == '=') break;
        if (v < 0) return std::nullopt;
        acc = (acc << 6U) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> static_cast<unsigned>(bits)) & 0xFFU));
        }
    }
    return out;
}

// The exp claim of a JWT, read without verifying it: it only decides when to log in again.
std::optional<Clock::time_point> jwt_expiry(std::string_view token) {
    const auto first = token.find('.');
    if (first == std::string_view::npos) return std::nullopt;
    const auto second = token.find('.', first + 1);
    if (second == std::string_view::npos) return std::nullopt;
    const auto payload = base64url_decode(token.substr(first + 1, second - first - 1));
    if (!payload) return std::nullopt;
    const Json claims = Json::parse(*payload, nullptr, false);
    if (!claims.is_object()) return std::nullopt;
    const auto exp = claims.find("exp");
    if (exp == claims.end() || !exp->is_number()) return std::nullopt;
    return Clock::time_point(std::chrono::seconds(exp->get<std::int64_t>()));
}

std::optional<std::int64_t> number_of(const Json& value) {
    if (value.is_number()) return value.get<std::int64_t>();
    if (value.is_string()) {
        const auto& s = value.get_ref<const std::string&>();
        std::int64_t n = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
        if (ec == std::errc{} && end == s.data() + s.size()) return n;
    }
    return std::nullopt;
}

// The real value of `status` on success is not published; these are the plausible spellings.
bool status_ok(const Json& answer) {
    const auto it = answer.find("status");
    if (it == answer.end() || it->is_null()) return true;
    if (it->is_boolean()) return it->get<bool>();
    if (it->is_number()) return it->get<double>() == 0 || it->get<double>() == 200;
    if (it->is_string()) {
        std::string s = it->get<std::string>();
        std::transform(s.begin(), s.end(), s.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        return s == "ok" || s == "0" || s == "200" || s == "success";
    }
    return false;
}

std::int64_t to_unix(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

WebApiExchange::WebApiExchange(WebApiOptions options)
    : options_(std::move(options)), state_(std::make_unique<State>()) {
    global_init();
    state_->handle.reset(curl_easy_init());
    if (!state_->handle) throw Error(Errc::Internal, "curl_easy_init failed");
}

WebApiExchange::~WebApiExchange() = default;

namespace {

struct CachedToken {
    std::string token;
    Clock::time_point expires_at;
};

bool usable(const CachedToken& t) {
    return !t.token.empty() && Clock::now() + kExpiryMargin < t.expires_at;
}

std::optional<CachedToken> load_cache(const WebApiOptions& o) {
    if (o.token_cache.empty()) return std::nullopt;
    std::ifstream in(o.token_cache, std::ios::binary);
    if (!in) return std::nullopt;
    const Json j = Json::parse(in, nullptr, false);
    if (!j.is_object()) return std::nullopt;
    // A token issued by another server (a test emulator, another site) is never sent here.
    if (j.value("login_url", std::string{}) != o.login_url) return std::nullopt;
    const auto token = j.find("idToken");
    const auto expires = j.find("expires_at");
    if (token == j.end() || !token->is_string() || expires == j.end() ||
        !expires->is_number_integer()) {
        return std::nullopt;
    }
    return CachedToken{token->get<std::string>(),
                       Clock::time_point(std::chrono::seconds(expires->get<std::int64_t>()))};
}

void save_cache(const WebApiOptions& o, const CachedToken& t) {
    if (o.token_cache.empty()) return;
    const Json j{
        {"login_url", o.login_url}, {"idToken", t.token}, {"expires_at", to_unix(t.expires_at)}};
    // The cache only saves a login; a directory that cannot be written must not make the
    // query itself fail, so errors here are dropped and the next run logs in again.
    try {
        std::error_code ec;
        const auto dir = o.token_cache.parent_path();
        if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
            std::filesystem::create_directories(dir, ec);
            std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
        }
        write_file_atomic(o.token_cache, std::string_view(j.dump()));
    } catch (const Error&) {
    }
}

CachedToken login(Client& client, const WebApiOptions& o) {
    const std::string body = read_text_file(o.login_body, "the login body");
    const HttpResponse r =
        client.post(o.login_url, body,
                    {"Content-Type: application/json;charset=UTF-8", "Accept: application/json"},
                    "Web API login");
    const std::map<std::string, std::string> fields{{"url", o.login_url},
                                                    {"status", std::to_string(r.status)}};
    if (r.status == 401 || r.status == 403) {
        throw Error(Errc::AuthFailed, fmt::format("Web API login refused (HTTP {})", r.status),
                    fields);
    }
    if (r.status < 200 || r.status >= 300) {
        throw Error(Errc::AuthFailed,
                    fmt::format("Web API login failed (HTTP {}): {}", r.status, excerpt(r.body)),
                    fields);
    }
    const Json answer = Json::parse(r.body, nullptr, false);
    if (!answer.is_object()) {
        throw Error(Errc::MessageInvalid, "Web API login: the answer is not a JSON object", fields);
    }
    if (!status_ok(answer)) {
        // msg is the server's explanation; the answer carries no credentials when it failed.
        const auto msg = answer.find("msg");
        throw Error(Errc::AuthFailed,
                    fmt::format("Web API login refused: status {} {}", answer["status"].dump(),
                                msg != answer.end() && msg->is_string() ? msg->get<std::string>()
                                                                        : std::string{}),
                    fields);
    }
    const auto result = answer.find("result");
    const Json* id_token = nullptr;
    if (result != answer.end() && result->is_object()) {
        const auto it = result->find("idToken");
        if (it != result->end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
            id_token = &*it;
        }
    }
    if (id_token == nullptr) {
        throw Error(Errc::AuthFailed, "Web API login: the answer has no result.idToken", fields);
    }
    CachedToken t{id_token->get<std::string>(), Clock::now() + kDefaultLifetime};
    std::optional<std::int64_t> expires_in;
    if (const auto e = result->find("expiresIn"); e != result->end()) expires_in = number_of(*e);
    if (expires_in && *expires_in > 0) {
        t.expires_at = Clock::now() + std::chrono::seconds(*expires_in);
    } else if (const auto exp = jwt_expiry(t.token)) {
        t.expires_at = *exp;
    }
    return t;
}

const std::string& url_for(const WebApiOptions& o, const std::string& prefix) {
    const std::string* url = nullptr;
    const char* key = nullptr;
    if (prefix == "OQSsiquc01") {
        url = &o.search_url;
        key = "oqs.webapi.search_url";
    } else if (prefix == "OQSmuquc01") {
        url = &o.bulk_upload_url;
        key = "oqs.webapi.bulk_upload_url";
    } else if (prefix == "OQSmuquc02") {
        url = &o.bulk_download_url;
        key = "oqs.webapi.bulk_download_url";
    } else if (const auto it = o.urls.find(prefix); it != o.urls.end()) {
        return it->second;
    } else {
        throw Error(Errc::Unsupported,
                    fmt::format("no Web API address is configured for {} requests "
                                "(oqs.webapi.urls.{}); use the folder transport for them",
                                prefix, prefix),
                    {{"prefix", prefix}, {"key", "oqs.webapi.urls." + prefix}});
    }
    if (url->empty()) {
        throw Error(Errc::Unsupported,
                    fmt::format("{} requests need {}, which is not configured", prefix, key),
                    {{"prefix", prefix}, {"key", key}});
    }
    return *url;
}

}  // namespace

Document WebApiExchange::exchange(const ExchangeRequest& request) {
    const std::string& url = url_for(options_, request.prefix);
    const std::string body = to_json_form(request.message);
    Client client(options_, state_->handle.get());

    CachedToken current{state_->token, state_->expires_at};
    if (!usable(current)) {
        if (auto cached = load_cache(options_); cached && usable(*cached)) {
            current = std::move(*cached);
        } else {
            current = login(client, options_);
            save_cache(options_, current);
        }
        state_->token = current.token;
        state_->expires_at = current.expires_at;
    }

    HttpResponse r;
    for (int round = 0;; ++round) {
        r = client.post(url, body,
                        {"Content-Type: application/json;charset=UTF-8",
                         "Authorization: " + current.token, "Accept: application/json"},
                        "Web API " + request.prefix);
        if (r.status != 401) break;
        if (round > 0) {
            throw Error(Errc::AuthFailed, "the Web API refused a freshly issued token (HTTP 401)",
                        {{"url", url}});
        }
        // Revoked or expired early (server restart, clock skew): log in once more.
        current = login(client, options_);
        save_cache(options_, current);
        state_->token = current.token;
        state_->expires_at = current.expires_at;
    }

    if (r.status < 200 || r.status >= 300) {
        throw Error(Errc::OqsFailed,
                    fmt::format("the Web API answered HTTP {}: {}", r.status, excerpt(r.body)),
                    {{"url", url}, {"status", std::to_string(r.status)}});
    }
    Document doc;
    doc.root = from_json_form(r.body);
    doc.raw = std::move(r.body);
    doc.encoding = TextEncoding::Utf8;
    return doc;
}

}  // namespace mynaq::oqs
