#include "mynaq/sim/oqs_api_server.hpp"

#include <httplib.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "mynaq/bytes.hpp"
#include "mynaq/error.hpp"
#include "mynaq/oqs/exchange.hpp"

namespace mynaq::sim {
namespace {

using Json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* kJsonType = "application/json;charset=UTF-8";

std::string random_hex(std::size_t bytes) {
    Bytes random(bytes);
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
        throw Error(Errc::Internal, "RAND_bytes failed");
    }
    return to_hex(random, "");
}

std::string base64url(std::string_view in) {
    static constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (const char c : in) {
        acc = (acc << 8U) | static_cast<unsigned char>(c);
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out.push_back(alphabet[(acc >> static_cast<unsigned>(bits)) & 0x3FU]);
        }
    }
    if (bits > 0) out.push_back(alphabet[(acc << static_cast<unsigned>(6 - bits)) & 0x3FU]);
    return out;
}

// Shaped like the real idToken (a JWT) so that clients read its exp claim; the signature is
// random, as only this server checks tokens, by lookup.
std::string make_id_token(std::int64_t exp, std::string_view subject) {
    const Json header{{"alg", "none"}, {"typ", "JWT"}};
    const Json claims{{"sub", subject}, {"exp", exp}, {"jti", random_hex(8)}};
    return base64url(header.dump()) + "." + base64url(claims.dump()) + "." +
           base64url(random_hex(16));
}

std::string peer_cn(const httplib::Request& req) {
    if (req.ssl == nullptr) return {};
    X509* cert = SSL_get1_peer_certificate(req.ssl);
    if (cert == nullptr) return {};
    std::array<char, 256> cn{};
    const int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn.data(),
                                            cn.size());
    X509_free(cert);
    return n > 0 ? std::string(cn.data(), static_cast<std::size_t>(n)) : std::string{};
}

void reply_error(httplib::Response& res, int status, std::string_view message) {
    res.status = status;
    res.set_content(Json{{"status", "NG"}, {"msg", message}}.dump(), kJsonType);
}

}  // namespace

struct OqsApiServer::Impl {
    OqsApiPki pki;
    Responder responder;

    httplib::SSLServer server;
    std::thread thread;
    std::atomic<bool> listen_returned{false};
    std::uint16_t bound_port = 0;
    bool started = false;

    mutable std::mutex mutex;  // guards everything below
    std::condition_variable stopping_cv;
    bool stopping = false;
    OqsApiFaults faults;
    std::map<std::string, SteadyClock::time_point> tokens;
    std::string last_cn;
    std::atomic<int> logins{0};
    std::atomic<int> searches{0};

    Impl(OqsApiPki p, Responder r, OqsApiFaults f)
        : pki(std::move(p)),
          responder(std::move(r)),
          server(pki.server_cert.c_str(), pki.server_key.c_str(), pki.ca_cert.c_str()),
          faults(f) {}

    // The common part of every request: who called, the delay and the injected 503s.
    // Returns false when the request has been answered already.
    bool admit(const httplib::Request& req, httplib::Response& res) {
        const std::string cn = peer_cn(req);
        std::unique_lock lock(mutex);
        last_cn = cn;
        if (faults.delay.count() > 0) {
            // Interruptible, so that stop() does not wait out a long delay.
            stopping_cv.wait_for(lock, faults.delay, [this] { return stopping; });
        }
        if (stopping) {
            reply_error(res, 503, "shutting down");
            return false;
        }
        if (faults.fail_next_5xx > 0) {
            --faults.fail_next_5xx;
            res.set_header("Retry-After", "0");
            reply_error(res, 503, "injected failure");
            return false;
        }
        return true;
    }

    void login(const httplib::Request& req, httplib::Response& res) {
        if (!admit(req, res)) return;
        const Json body = Json::parse(req.body, nullptr, false);
        if (body.is_discarded()) return reply_error(res, 400, "the login body is not JSON");
        std::string token;
        {
            std::lock_guard lock(mutex);
            if (faults.reject_login) return reply_error(res, 401, "login rejected");
            const auto lifetime = std::chrono::seconds(faults.token_lifetime_s);
            const auto exp = std::chrono::duration_cast<std::chrono::seconds>(
                                 (std::chrono::system_clock::now() + lifetime).time_since_epoch())
                                 .count();
            token = make_id_token(exp, last_cn);
            tokens[token] = SteadyClock::now() + lifetime;
        }
        ++logins;
        const Json answer{{"status", "OK"},
                          {"msg", ""},
                          {"result",
                           {{"accessToken", random_hex(16)},
                            {"refreshToken", random_hex(16)},
                            {"idToken", token},
                            {"linkSysCharCd", "1"}}}};
        res.set_content(answer.dump(), kJsonType);
    }

    bool token_live(const std::string& token) {
        std::lock_guard lock(mutex);
        const auto it = tokens.find(token);
        return it != tokens.end() && SteadyClock::now() < it->second;
    }

    void message(const httplib::Request& req, httplib::Response& res, std::string_view prefix) {
        ++searches;
        if (!admit(req, res)) return;
        if (!token_live(req.get_header_value("Authorization"))) {
            return reply_error(res, 401, "no valid idToken");
        }
        oqs::Node request;
        try {
            request = oqs::from_json_form(req.body);
        } catch (const Error& e) {
            return reply_error(res, 400, e.detail());
        }
        try {
            res.set_content(oqs::to_json_form(responder(request, prefix)), kJsonType);
        } catch (const std::exception& e) {
            reply_error(res, 500, e.what());
        }
    }
};

OqsApiServer::OqsApiServer(OqsApiPki pki, Responder responder, OqsApiFaults faults)
    : impl_(std::make_unique<Impl>(std::move(pki), std::move(responder), faults)) {}

OqsApiServer::~OqsApiServer() {
    stop();
}

std::uint16_t OqsApiServer::start(std::uint16_t port) {
    Impl& s = *impl_;
    if (s.started) throw Error(Errc::Usage, "the Web API emulator can be started only once");
    if (!s.server.is_valid()) {
        throw Error(
            Errc::TlsError,
            fmt::format("cannot load the emulator's certificates from {}", s.pki.dir.string()),
            {{"path", s.pki.dir.string()}});
    }
    // A client resuming a TLS session (curl does, on its second connection) is refused with
    // an internal-error alert when client verification is on and no session id context is
    // set; real servers set one.
    static constexpr std::string_view kSessionContext = "mynaq-oqs-api";
    SSL_CTX_set_session_id_context(s.server.ssl_context(),
                                   reinterpret_cast<const unsigned char*>(kSessionContext.data()),
                                   static_cast<unsigned int>(kSessionContext.size()));
    // One request per connection, so stop() never waits for an idle keep-alive connection.
    s.server.set_keep_alive_max_count(1);
    s.server.set_keep_alive_timeout(1);
    s.server.Post(std::string(kOqsApiLoginPath),
                  [&s](const httplib::Request& req, httplib::Response& res) { s.login(req, res); });
    const std::pair<std::string_view, std::string_view> routes[] = {
        {kOqsApiSearchPath, "OQSsiquc01"},
        {kOqsApiBulkUploadPath, "OQSmuquc01"},
        {kOqsApiBulkDownloadPath, "OQSmuquc02"}};
    for (const auto& [path, prefix] : routes) {
        s.server.Post(std::string(path),
                      [&s, p = prefix](const httplib::Request& req, httplib::Response& res) {
                          s.message(req, res, p);
                      });
    }
    for (const std::string_view prefix : kOqsApiOtherPrefixes) {
        s.server.Post(std::string(kOqsApiOtherPathBase) + std::string(prefix),
                      [&s, prefix](const httplib::Request& req, httplib::Response& res) {
                          s.message(req, res, prefix);
                      });
    }

    int bound = -1;
    if (port == 0) {
        bound = s.server.bind_to_any_port("127.0.0.1");
    } else if (s.server.bind_to_port("127.0.0.1", port)) {
        bound = port;
    }
    if (bound <= 0) {
        throw Error(Errc::NetworkError, fmt::format("cannot listen on 127.0.0.1:{}", port),
                    {{"port", std::to_string(port)}});
    }
    s.bound_port = static_cast<std::uint16_t>(bound);
    s.started = true;
    {
        std::lock_guard lock(s.mutex);
        s.stopping = false;
    }
    s.listen_returned = false;
    s.thread = std::thread([&s] {
        s.server.listen_after_bind();
        s.listen_returned = true;
    });
    // httplib 0.11.4 ignores stop() until the listener thread has set is_running, so a stop
    // right after start would hang in join (engineering.md §C2).
    while (!s.server.is_running() && !s.listen_returned) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return s.bound_port;
}

std::uint16_t OqsApiServer::port() const {
    return impl_->bound_port;
}

void OqsApiServer::stop() {
    Impl& s = *impl_;
    if (!s.thread.joinable()) return;
    {
        std::lock_guard lock(s.mutex);
        s.stopping = true;
    }
    s.stopping_cv.notify_all();
    s.server.stop();
    s.thread.join();
}

int OqsApiServer::logins() const {
    return impl_->logins;
}
int OqsApiServer::searches() const {
    return impl_->searches;
}

std::string OqsApiServer::last_client_cn() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->last_cn;
}

void OqsApiServer::set_faults(const OqsApiFaults& faults) {
    std::lock_guard lock(impl_->mutex);
    impl_->faults = faults;
}

}  // namespace mynaq::sim
