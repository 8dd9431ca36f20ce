// The Web API transport against the in-process emulator over real mutual TLS on loopback, and
// the JSON form of messages it carries.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "error_code_of.hpp"
#include "mynaq/error.hpp"
#include "mynaq/oqs/exchange.hpp"
#include "mynaq/oqs/xml.hpp"
#include "mynaq/sim/oqs_api_server.hpp"

using namespace mynaq;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using mynaq::test::error_code_of;
using oqs::Document;
using oqs::Node;

namespace {

class TempDir {
public:
    TempDir() {
        static std::atomic<int> counter{0};
        path_ = fs::temp_directory_path() /
                fmt::format("mynaq-unit-webapi-{}-{}", ::getpid(), counter++);
        fs::remove_all(path_);
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void spit(const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary);
    out << text;
}

bool same_tree(const Node& a, const Node& b) {
    if (a.name != b.name || a.text != b.text || a.children.size() != b.children.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.children.size(); ++i) {
        if (!same_tree(a.children[i], b.children[i])) return false;
    }
    return true;
}

Node search_request(const std::string& insurer = "06139999") {
    Node msg("XmlMsg");
    Node& header = msg.add("MessageHeader");
    header.add("QualificationConfirmationDate", "20250401");
    header.add("MedicalInstitutionCode", "1312345678");
    Node& info = msg.add("MessageBody").add("QualificationConfirmSearchInfo");
    info.add("InsurerNumber", insurer);
    info.add("InsuredIdentificationNumber", "1234");
    info.add("Birthdate", "19800101");
    return msg;
}

// What the emulator's responder saw, for asserting on the server side.
struct Seen {
    std::mutex mutex;
    std::string insurer;
    std::string endpoint;
};

oqs::Node answer_for(const Node& request, std::string_view endpoint, Seen& seen) {
    const Node* info = request.find("QualificationConfirmSearchInfo");
    {
        std::lock_guard lock(seen.mutex);
        seen.insurer = info != nullptr ? info->value_or_empty("InsurerNumber") : "";
        seen.endpoint = std::string(endpoint);
    }
    Node msg("XmlMsg");
    Node& header = msg.add("MessageHeader");
    header.add("SegmentOfResult", "1");
    header.add("MedicalInstitutionCode", request.find("MedicalInstitutionCode")->text);
    Node& list = msg.add("MessageBody").add("ResultList");
    Node& result = list.add("ResultOfQualificationConfirmation");
    // 保険者番号 of a 国保 is space-padded; the padding must survive the round trip.
    result.add("InsurerNumber", "  139999");
    result.add("Name", "試験 太郎");
    return msg;
}

struct Rig {
    TempDir dir;
    sim::OqsApiPki pki = sim::OqsApiPki::load_or_create(dir.path() / "pki");
    Seen seen;
    sim::OqsApiServer server;
    std::uint16_t port = 0;

    explicit Rig(sim::OqsApiFaults faults = {})
        : server(
              pki,
              [this](const Node& request, std::string_view endpoint) {
                  return answer_for(request, endpoint, seen);
              },
              faults) {
        port = server.start();
        spit(dir.path() / "login.json", R"({"user":"clinic","password":"secret"})");
    }

    [[nodiscard]] std::string url(std::string_view path) const {
        return fmt::format("https://localhost:{}{}", port, path);
    }

    [[nodiscard]] oqs::WebApiOptions options() const {
        oqs::WebApiOptions o;
        o.login_url = url(sim::kOqsApiLoginPath);
        o.search_url = url(sim::kOqsApiSearchPath);
        o.bulk_download_url = url(sim::kOqsApiBulkDownloadPath);
        o.client_cert = pki.client_cert;
        o.client_key = pki.client_key;
        o.ca_file = pki.ca_cert;
        o.login_body = dir.path() / "login.json";
        o.token_cache = dir.path() / "state" / "token.json";
        o.timeout = 5s;
        o.connect_timeout = 2s;
        o.retries = 3;
        o.backoff = 10ms;
        return o;
    }
};

Document query(oqs::WebApiOptions options, const std::string& prefix = "OQSsiquc01") {
    oqs::WebApiExchange exchange(std::move(options));
    return exchange.exchange({prefix, "202504010001", search_request()});
}

}  // namespace

TEST_CASE("oqs json form round trip keeps repeated elements, ResultList arrays and spaces") {
    Node msg("XmlMsg");
    msg.add("MessageHeader").add("SegmentOfResult", "1");
    Node& body = msg.add("MessageBody");
    body.add("Item", " 1");
    body.add("Other", "x");
    body.add("Item", "2 ");
    body.add("Empty");
    body.add("ResultList").add("ResultOfQualificationConfirmation").add("InsurerNumber", "  1234");

    const std::string json = oqs::to_json_form(msg);
    const auto j = nlohmann::json::parse(json);
    const auto& jb = j.at("XmlMsg").at("MessageBody");
    REQUIRE(jb.at("Item").is_array());
    CHECK(jb.at("Item") == nlohmann::json::array({" 1", "2 "}));
    CHECK(jb.at("Other") == "x");
    CHECK(jb.at("Empty") == "");
    // A single result is still an array of single-key objects (oqs-interface.md §8).
    REQUIRE(jb.at("ResultList").is_array());
    REQUIRE(jb.at("ResultList").size() == 1);
    CHECK(jb.at("ResultList")[0].at("ResultOfQualificationConfirmation").at("InsurerNumber") ==
          "  1234");
    CHECK(j.at("XmlMsg").at("MessageHeader").at("SegmentOfResult") == "1");

    // Repeated siblings come back grouped at the place of the first of them.
    Node expected = msg;
    auto& kids = expected.child("MessageBody")->children;
    std::swap(kids[1], kids[2]);
    const Node back = oqs::from_json_form(json);
    CHECK(same_tree(back, expected));
    CHECK(oqs::to_json_form(back) == json);
}

TEST_CASE("oqs json form accepts numbers, booleans, nulls and arrays anywhere") {
    const Node n = oqs::from_json_form(R"({"XmlMsg":{
        "MessageHeader":{"SegmentOfResult":1,"Flag":true,"Ratio":0.5,"Missing":null},
        "MessageBody":{
          "ResultList":[{"ResultOfQualificationConfirmation":{"InsurerNumber":"  01"}},
                        {"ResultOfQualificationConfirmation":{"InsurerNumber":"02"}}],
          "X":[["a","b"],"c"]}}})");
    CHECK(n.name == "XmlMsg");
    const Node* header = n.child("MessageHeader");
    REQUIRE(header != nullptr);
    CHECK(header->value("SegmentOfResult") == "1");
    CHECK(header->value("Flag") == "true");
    CHECK(header->value("Ratio") == "0.5");
    CHECK(header->value("Missing") == "");
    const Node* body = n.child("MessageBody");
    REQUIRE(body != nullptr);
    REQUIRE(body->children_named("ResultList").size() == 1);
    const auto results =
        body->child("ResultList")->children_named("ResultOfQualificationConfirmation");
    REQUIRE(results.size() == 2);
    CHECK(results[0]->value("InsurerNumber") == "  01");
    CHECK(results[1]->value("InsurerNumber") == "02");
    const auto xs = body->children_named("X");
    REQUIRE(xs.size() == 3);
    CHECK(xs[0]->text == "a");
    CHECK(xs[2]->text == "c");

    // ResultList written as a plain object is read the same way.
    const Node single = oqs::from_json_form(
        R"({"XmlMsg":{"ResultList":{"ResultOfQualificationConfirmation":{"Name":"n"}}}})");
    REQUIRE(single.find("ResultOfQualificationConfirmation") != nullptr);
    CHECK(single.find("ResultOfQualificationConfirmation")->value("Name") == "n");
}

TEST_CASE("oqs json form refuses invalid JSON and non-object roots") {
    for (const char* bad :
         {"", "not json", "{\"XmlMsg\":", "[1,2]", "\"XmlMsg\"", "42", "{\"XmlMsg\":3}",
          "{\"a\":{},\"b\":{}}", "{\"XmlMsg\":{\"ResultList\":[\"x\"]}}"}) {
        INFO(bad);
        CHECK(error_code_of([&] { oqs::from_json_form(bad); }) == Errc::MessageInvalid);
    }
}

TEST_CASE("oqs webapi query succeeds over mutual TLS and the server sees the client CN") {
    Rig rig;
    auto o = rig.options();
    // The production-style host name, served by loopback: host name verification still runs.
    o.search_url = fmt::format("https://api.mynaq.test:{}{}", rig.port, sim::kOqsApiSearchPath);
    o.resolve = {fmt::format("api.mynaq.test:{}:127.0.0.1", rig.port)};
    const Document doc = query(o);

    CHECK(doc.root.name == "XmlMsg");
    CHECK(doc.encoding == TextEncoding::Utf8);
    const Node* result = doc.root.find("ResultOfQualificationConfirmation");
    REQUIRE(result != nullptr);
    CHECK(result->value("InsurerNumber") == "  139999");
    CHECK(result->value("Name") == "試験 太郎");
    CHECK(doc.root.find("MedicalInstitutionCode")->text == "1312345678");
    CHECK(nlohmann::json::parse(doc.raw).contains("XmlMsg"));
    CHECK(rig.server.last_client_cn() == sim::kOqsApiClientCn);
    CHECK(rig.server.logins() == 1);
    CHECK(rig.server.searches() == 1);
    std::lock_guard lock(rig.seen.mutex);
    CHECK(rig.seen.insurer == "06139999");
    CHECK(rig.seen.endpoint == "OQSsiquc01");
}

TEST_CASE("oqs webapi caches the token in a 0600 file and reuses it across instances") {
    Rig rig;
    query(rig.options());
    const fs::path cache = rig.options().token_cache;
    REQUIRE(fs::exists(cache));
    CHECK((fs::status(cache).permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write));
    const auto cached = nlohmann::json::parse(slurp(cache));
    CHECK(cached.at("idToken").get<std::string>().size() > 20);
    CHECK(slurp(cache).find("secret") == std::string::npos);

    const Document second = query(rig.options());  // a new exchange, as a new process would
    CHECK(second.root.find("ResultOfQualificationConfirmation") != nullptr);
    CHECK(rig.server.logins() == 1);
    CHECK(rig.server.searches() == 2);

    // Bulk results go to their own endpoint with the same token.
    query(rig.options(), "OQSmuquc02");
    CHECK(rig.server.logins() == 1);
    std::lock_guard lock(rig.seen.mutex);
    CHECK(rig.seen.endpoint == "OQSmuquc02");
}

TEST_CASE("oqs webapi logs in again when the token nears its expiry") {
    // 32 s: usable for one or two more seconds given the 30 s safety margin.
    Rig rig(sim::OqsApiFaults{.token_lifetime_s = 32});
    oqs::WebApiExchange exchange(rig.options());
    exchange.exchange({"OQSsiquc01", "s1", search_request()});
    exchange.exchange({"OQSsiquc01", "s2", search_request()});
    CHECK(rig.server.logins() == 1);
    std::this_thread::sleep_for(2100ms);
    exchange.exchange({"OQSsiquc01", "s3", search_request()});
    CHECK(rig.server.logins() == 2);
    CHECK(rig.server.searches() == 3);
}

TEST_CASE("oqs webapi logs in again after a 401 on a stale cached token") {
    Rig rig;
    const auto o = rig.options();
    fs::create_directories(o.token_cache.parent_path());
    const auto in_an_hour = std::chrono::duration_cast<std::chrono::seconds>(
                                (std::chrono::system_clock::now() + 1h).time_since_epoch())
                                .count();
    spit(o.token_cache,
         nlohmann::json{
             {"login_url", o.login_url}, {"idToken", "stale-token"}, {"expires_at", in_an_hour}}
             .dump());
    const Document doc = query(o);
    CHECK(doc.root.find("ResultOfQualificationConfirmation") != nullptr);
    CHECK(rig.server.logins() == 1);
    CHECK(rig.server.searches() == 2);  // the refused one and the retry
    CHECK(nlohmann::json::parse(slurp(o.token_cache)).at("idToken") != "stale-token");
}

TEST_CASE("oqs webapi retries 503 answers and then succeeds") {
    Rig rig;
    auto o = rig.options();
    query(o);
    rig.server.set_faults({.fail_next_5xx = 2});
    const Document doc = query(o);
    CHECK(doc.root.find("ResultOfQualificationConfirmation") != nullptr);
    CHECK(rig.server.searches() == 4);  // 1 before, then 503, 503, 200
}

TEST_CASE("oqs webapi gives NETWORK_ERROR when 503 outlasts the retries") {
    Rig rig;
    auto o = rig.options();
    o.retries = 2;
    query(o);
    rig.server.set_faults({.fail_next_5xx = 10});
    CHECK(error_code_of([&] { query(o); }) == Errc::NetworkError);
    CHECK(rig.server.searches() == 1 + 3);
}

TEST_CASE("oqs webapi without a client certificate fails with TLS_ERROR") {
    Rig rig;
    auto o = rig.options();
    o.client_cert.clear();
    o.client_key.clear();
    CHECK(error_code_of([&] { query(o); }) == Errc::TlsError);
    CHECK(rig.server.logins() == 0);
}

TEST_CASE("oqs webapi with a rogue client certificate fails with TLS_ERROR") {
    Rig rig;
    auto o = rig.options();
    o.client_cert = rig.pki.rogue_client_cert;
    o.client_key = rig.pki.rogue_client_key;
    CHECK(error_code_of([&] { query(o); }) == Errc::TlsError);
    CHECK(rig.server.logins() == 0);
}

TEST_CASE("oqs webapi refuses a server not signed by the configured CA") {
    Rig rig;
    auto o = rig.options();
    o.ca_file = rig.pki.rogue_ca_cert;
    try {
        query(o);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::TlsError);
        CHECK(e.detail().find("Web API login") != std::string::npos);
    }
    CHECK(rig.server.logins() == 0);
}

TEST_CASE("oqs webapi with nothing listening gives NETWORK_ERROR") {
    // A bound socket that never listens: connections are refused and the port stays ours.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    const int port = ntohs(addr.sin_port);

    Rig rig;
    auto o = rig.options();
    o.login_url = fmt::format("https://localhost:{}{}", port, sim::kOqsApiLoginPath);
    o.retries = 1;
    CHECK(error_code_of([&] { query(o); }) == Errc::NetworkError);
    ::close(fd);
}

TEST_CASE("oqs webapi times out on a slow server") {
    Rig rig(sim::OqsApiFaults{.delay = 3s});
    auto o = rig.options();
    o.timeout = 300ms;
    o.retries = 1;
    const auto start = std::chrono::steady_clock::now();
    CHECK(error_code_of([&] { query(o); }) == Errc::OqsTimeout);
    CHECK(std::chrono::steady_clock::now() - start < 2s);
}

TEST_CASE("oqs webapi reports a refused login as AUTH_FAILED") {
    Rig rig(sim::OqsApiFaults{.reject_login = true});
    CHECK(error_code_of([&] { query(rig.options()); }) == Errc::AuthFailed);
    CHECK(rig.server.logins() == 0);
    CHECK(rig.server.searches() == 0);
}

TEST_CASE("oqs webapi reports a 4xx answer as OQS_FAILED") {
    Rig rig;
    oqs::WebApiExchange exchange(rig.options());
    // A message that is not an object: the emulator answers 400.
    try {
        exchange.exchange({"OQSsiquc01", "s1", Node("XmlMsg", "text only")});
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::OqsFailed);
        CHECK(e.fields().at("status") == "400");
    }
}

TEST_CASE("oqs webapi refuses answers larger than the limit") {
    Rig rig;
    auto o = rig.options();
    o.limits.max_bytes = 64;  // smaller than the login answer
    CHECK(error_code_of([&] { query(o); }) == Errc::MessageInvalid);
}

TEST_CASE("oqs webapi without a bulk URL is UNSUPPORTED") {
    Rig rig;
    try {
        query(rig.options(), "OQSmuquc01");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::Unsupported);
        CHECK(e.detail().find("oqs.webapi.bulk_upload_url") != std::string::npos);
    }
    CHECK(rig.server.logins() == 0);
}
