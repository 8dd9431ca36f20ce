#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "audit_common.hpp"
#include "mynaq/error.hpp"
#include "mynaq/jst.hpp"

namespace mynaq::store::detail {

namespace {

std::chrono::year_month_day parse_iso_date(std::string_view date) {
    const auto digits = [&date](std::size_t from, std::size_t count) {
        int value = 0;
        for (std::size_t i = from; i < from + count; ++i) {
            const char c = date[i];
            if (c < '0' || c > '9') return -1;
            value = value * 10 + (c - '0');
        }
        return value;
    };
    if (date.size() != 10 || date[4] != '-' || date[7] != '-') return {};
    const int y = digits(0, 4);
    const int m = digits(5, 2);
    const int d = digits(8, 2);
    if (y < 0 || m < 0 || d < 0) return {};
    return std::chrono::year{y} / std::chrono::month{static_cast<unsigned>(m)} /
           std::chrono::day{static_cast<unsigned>(d)};
}

std::string format_date(const std::chrono::year_month_day& ymd) {
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                       static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

}  // namespace

std::string now_jst_iso_ms() {
    using namespace std::chrono;
    const auto now = time_point_cast<milliseconds>(system_clock::now());
    const auto seconds = time_point_cast<std::chrono::seconds>(now);
    const auto millis = (now - seconds).count();
    std::string text = format_jst_iso(seconds);  // ...T09:15:00+09:00
    text.insert(text.size() - 6, fmt::format(".{:03}", millis));
    return text;
}

std::string default_operator_name() {
    if (const passwd* pw = ::getpwuid(::geteuid());
        pw != nullptr && pw->pw_name != nullptr && *pw->pw_name != '\0') {
        return pw->pw_name;
    }
    return "unknown";
}

std::string check_detail(const CheckRecord& record) {
    return nlohmann::json{{"source", record.source},
                          {"eligibility", record.eligibility},
                          {"facility", record.facility}}
        .dump();
}

std::string intake_detail(const IntakeRecord& intake, const CheckRecord& record) {
    return nlohmann::json{{"check_id", intake.check_id},
                          {"sha256", intake.sha256},
                          {"source", record.source},
                          {"eligibility", record.eligibility},
                          {"facility", record.facility}}
        .dump();
}

std::string consent_detail(const ConsentRecord& consent) {
    nlohmann::json detail{
        {"category", consent.category}, {"flag", consent.flag}, {"source", consent.source}};
    if (consent.check_id != 0) detail["check_id"] = consent.check_id;
    return detail.dump();
}

std::string bulk_detail(const BulkJob& job, std::int64_t id) {
    return nlohmann::json{{"id", id}, {"state", job.state}, {"round", job.download_round}}.dump();
}

std::string bulk_object(const BulkJob& job, std::int64_t id) {
    // The suffix names the job in the OQS folder; a job saved before it has one is named by id.
    if (job.upload_suffix.empty()) return fmt::format("bulk:#{}", id);
    return "bulk:" + job.upload_suffix;
}

void require_iso_date(std::string_view date, std::string_view what) {
    if (!parse_iso_date(date).ok()) {
        throw Error(Errc::InvalidArgument,
                    fmt::format("{} must be a date as yyyy-mm-dd, not \"{}\"", what, date));
    }
}

std::string years_before(std::string_view today, int years) {
    const auto ymd = parse_iso_date(today);
    if (!ymd.ok()) throw Error(Errc::Internal, fmt::format("not a date: {}", today));
    auto earlier = ymd - std::chrono::years{years};
    if (!earlier.ok()) earlier = earlier.year() / earlier.month() / std::chrono::last;
    return format_date(earlier);
}

PurgeCutoffs purge_cutoffs(const RetentionRules& rules) {
    if (rules.claims_years < 0 || rules.other_years < 0) {
        throw Error(Errc::InvalidArgument, "retention periods cannot be negative");
    }
    PurgeCutoffs out;
    out.today = format_jst_date(now_seconds());
    out.claims = years_before(out.today, rules.claims_years);
    out.other = years_before(out.today, rules.other_years);
    return out;
}

void refuse_purge(std::string_view kind, int years, std::string_view rule, std::int64_t count,
                  std::string_view cutoff, std::string_view before) {
    throw Error(Errc::Forbidden,
                fmt::format("{} are kept {} years ({}): {} dated {} or later would be deleted "
                            "by --before {}; the latest allowed --before is {}",
                            kind, years, rule, count, cutoff, before, cutoff),
                {{"kind", std::string(kind)},
                 {"years", std::to_string(years)},
                 {"count", std::to_string(count)},
                 {"latest_before", std::string(cutoff)}});
}

std::string purge_detail(std::string_view before, const PurgeCutoffs& cutoffs,
                         const PurgeReport& report) {
    return nlohmann::json{{"before", before},
                          {"claims_cutoff", cutoffs.claims},
                          {"other_cutoff", cutoffs.other},
                          {"checks", report.checks},
                          {"consents", report.consents},
                          {"intake", report.intake},
                          {"bulk_jobs", report.bulk_jobs},
                          {"fallback_cases", report.fallback_cases},
                          {"medical_results", report.medical_results}}
        .dump();
}

}  // namespace mynaq::store::detail
