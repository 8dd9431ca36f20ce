#include "postgres.hpp"

#include <algorithm>
#include <charconv>
#include <regex>

#include <fmt/format.h>

#include "mynaq/error.hpp"

namespace mynaq::store::detail::pg {

namespace {

std::string trimmed(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
    return std::string(text);
}

// libpq prints notices ("relation already exists, skipping") to stderr by default; lib/ never
// writes to the terminal, and no notice of ours needs a reader.
void ignore_notice(void* /*arg*/, const char* /*message*/) {}

std::string without_password_parameter(std::string_view query) {
    std::string out;
    std::size_t pos = 0;
    while (pos <= query.size()) {
        auto end = query.find('&', pos);
        if (end == std::string_view::npos) end = query.size();
        const auto part = query.substr(pos, end - pos);
        if (!part.empty() && !part.starts_with("password=")) {
            if (!out.empty()) out += '&';
            out += part;
        }
        pos = end + 1;
    }
    return out;
}

}  // namespace

std::string redact_url(std::string_view url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) {
        // A key=value connection string.
        static const std::regex password(R"(\s*password\s*=\s*('([^'\\]|\\.)*'|\S*))");
        return std::regex_replace(std::string(url), password, "");
    }
    const auto authority_start = scheme_end + 3;
    auto authority_end = url.find_first_of("/?#", authority_start);
    if (authority_end == std::string_view::npos) authority_end = url.size();
    std::string out(url.substr(0, authority_start));
    const auto authority = url.substr(authority_start, authority_end - authority_start);
    const auto at = authority.rfind('@');
    if (at != std::string_view::npos) {
        const auto userinfo = authority.substr(0, at);
        out += userinfo.substr(0, userinfo.find(':'));
        out += authority.substr(at);
    } else {
        out += authority;
    }
    auto rest = url.substr(authority_end);
    const auto question = rest.find('?');
    if (question == std::string_view::npos) return out + std::string(rest);
    out += rest.substr(0, question);
    const auto query = without_password_parameter(rest.substr(question + 1));
    if (!query.empty()) out += "?" + query;
    return out;
}

Params& Params::add(std::string_view text) {
    values_.emplace_back(std::string(text));
    return *this;
}

Params& Params::add(std::int64_t value) {
    values_.emplace_back(std::to_string(value));
    return *this;
}

Params& Params::add_null() {
    values_.emplace_back(std::nullopt);
    return *this;
}

std::vector<const char*> Params::pointers() const {
    std::vector<const char*> out;
    out.reserve(values_.size());
    for (const auto& value : values_) out.push_back(value ? value->c_str() : nullptr);
    return out;
}

std::string Result::text(int row, int column) const {
    const char* value = PQgetvalue(result_.get(), row, column);
    const int length = PQgetlength(result_.get(), row, column);
    if (value == nullptr) return {};
    return {value, static_cast<std::size_t>(length)};
}

std::int64_t Result::int64(int row, int column) const {
    const char* value = PQgetvalue(result_.get(), row, column);
    const int length = PQgetlength(result_.get(), row, column);
    std::int64_t out = 0;
    if (value == nullptr || length == 0) return 0;
    const auto [end, ec] = std::from_chars(value, value + length, out);
    if (ec != std::errc{} || end != value + length) {
        throw Error(Errc::Internal, fmt::format("not a number from PostgreSQL: {}",
                                                std::string_view(value, length)));
    }
    return out;
}

bool Result::boolean(int row, int column) const {
    const char* value = PQgetvalue(result_.get(), row, column);
    return value != nullptr && value[0] == 't';
}

std::int64_t Result::affected() const {
    const char* tuples = PQcmdTuples(result_.get());
    if (tuples == nullptr || *tuples == '\0') return 0;
    std::int64_t out = 0;
    std::from_chars(tuples, tuples + std::char_traits<char>::length(tuples), out);
    return out;
}

Connection::Connection(const std::string& url, int busy_timeout_ms)
    : display_url_(redact_url(url)) {
    const auto connect_timeout = std::to_string(std::max(2, (busy_timeout_ms + 999) / 1000));
    // Keywords before dbname are defaults the URL may override; those after it are ours.
    const char* const keywords[] = {"connect_timeout", "dbname", "application_name",
                                    "client_encoding", nullptr};
    const char* const values[] = {connect_timeout.c_str(), url.c_str(), "mynaq", "UTF8", nullptr};
    conn_.reset(PQconnectdbParams(keywords, values, 1));
    if (!conn_) fail("cannot connect", "out of memory");
    PQsetNoticeProcessor(conn_.get(), &ignore_notice, nullptr);
    if (PQstatus(conn_.get()) != CONNECTION_OK) {
        fail("cannot connect", trimmed(PQerrorMessage(conn_.get())));
    }
    // Waiting for another terminal's lock is bounded as with SQLite's busy timeout.
    query("SELECT set_config('lock_timeout', $1, false)",
          Params{}.add(fmt::format("{}ms", std::max(0, busy_timeout_ms))),
          "cannot set the lock timeout");
}

Result Connection::query(std::string_view sql, const Params& params,
                         std::string_view action) const {
    const std::string statement(sql);
    const auto pointers = params.pointers();
    return check(PQexecParams(conn_.get(), statement.c_str(), params.size(), nullptr,
                              pointers.data(), nullptr, nullptr, 0),
                 action);
}

void Connection::exec_script(const char* sql, std::string_view action) const {
    (void)check(PQexec(conn_.get(), sql), action);
}

Result Connection::check(PGresult* raw, std::string_view action) const {
    Result result(raw);
    const auto status = PQresultStatus(raw);
    if (raw != nullptr && (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)) {
        return result;
    }
    std::string reason = raw != nullptr ? trimmed(PQresultErrorMessage(raw)) : std::string();
    if (reason.empty()) reason = trimmed(PQerrorMessage(conn_.get()));
    if (reason.empty()) reason = "unknown error";
    const char* state = raw != nullptr ? PQresultErrorField(raw, PG_DIAG_SQLSTATE) : nullptr;
    // lock_not_available: what SQLite calls "database is locked".
    if (state != nullptr && std::string_view(state) == "55P03") {
        reason += " (the store is locked by another terminal)";
    }
    fail(action, reason);
}

void Connection::fail(std::string_view action, std::string_view reason) const {
    throw Error(Errc::StoreError,
                fmt::format("{} in the store {}: {}", action, display_url_, reason),
                {{"path", display_url_}, {"url", display_url_}});
}

Transaction::Transaction(const Connection& conn) : conn_(conn) {
    (void)conn_.query("BEGIN", "cannot start a write");
}

Transaction::~Transaction() {
    if (!open_) return;
    // Never throws: a failed ROLLBACK (lost connection) ends the transaction anyway.
    PQclear(PQexec(conn_.handle(), "ROLLBACK"));
}

void Transaction::commit() {
    (void)conn_.query("COMMIT", "cannot commit");
    open_ = false;
}

}  // namespace mynaq::store::detail::pg
