#include "mynaq/fallback/recheck.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "mynaq/digest.hpp"
#include "mynaq/error.hpp"
#include "mynaq/fallback/share.hpp"
#include "mynaq/jst.hpp"
#include "mynaq/oqs/bulk.hpp"
#include "mynaq/oqs/eligibility.hpp"
#include "mynaq/oqs/message.hpp"

namespace mynaq::fallback {

namespace {

std::string trim(std::string text) {
    while (!text.empty() && text.back() == ' ') text.pop_back();
    while (!text.empty() && text.front() == ' ') text.erase(0, 1);
    return text;
}

std::string compact(const std::string& date) {
    std::string out;
    for (const char ch : date) {
        if (ch != '-') out += ch;
    }
    return out;
}

// The numbers a case can be queried by: the coverage seen, else what the declaration gave.
std::optional<oqs::SearchInfo> search_of(const Case& c) {
    if (!c.coverage.has_numbers() || c.birthdate.empty()) return std::nullopt;
    oqs::SearchInfo s;
    s.insurer_number = oqs::pad_insurer_number(c.coverage.insurer_number);
    s.card_symbol = c.coverage.symbol;
    s.identification_number = c.coverage.number;
    s.branch_number = c.coverage.branch;
    s.birthdate = compact(c.birthdate);
    s.arbitrary_identifier = fmt::format("fallback-{}", c.id);
    return s;
}

CoverageSeen coverage_of(const CheckRecord& check) {
    CoverageSeen c;
    c.insurer_number = trim(check.insurer_number);
    c.symbol = check.card_symbol;
    c.number = check.identification_number;
    c.branch = check.branch_number;
    if (const auto ratio = parse_ratio(check.ratio)) c.ratio = std::to_string(*ratio);
    return c;
}

void save_all(Store& store, std::vector<Case>& cases) {
    std::vector<FallbackCaseRow> rows;
    rows.reserve(cases.size());
    for (const auto& c : cases) rows.push_back(to_row(c));
    store.update_fallback_cases(rows);
    for (auto& c : cases) {
        if (auto saved = store.fallback_case(c.id)) c = from_row(*saved);
    }
}

}  // namespace

const std::vector<std::string>& recheck_actions() {
    static const std::vector<std::string> actions = {
        "as_recorded", "different_share", "different_insurer", "ineligible", "still_unknown"};
    return actions;
}

void apply_recheck(Case& c, const CheckRecord* check, const std::string& at,
                   const ClaimOptions& options) {
    c.recheck.state = "done";
    c.recheck.at = at;
    c.recheck.check_id = check ? check->id : 0;
    c.recheck.found = check ? coverage_of(*check) : CoverageSeen{};
    c.state = "rechecked";
    const std::string eligibility = check ? check->eligibility : "";
    if (eligibility == "valid" || eligibility == "valid_unregistered" ||
        eligibility == "multiple") {
        const auto& found = c.recheck.found;
        const bool same_insurer = trim(found.insurer_number) == trim(c.coverage.insurer_number) &&
                                  found.number == c.coverage.number;
        const auto ratio = parse_ratio(found.ratio);
        if (!same_insurer) {
            c.recheck.action = "different_insurer";
            c.recheck.detail = fmt::format("insurer {} {} → {} {}", c.coverage.insurer_number,
                                           c.coverage.number, found.insurer_number, found.number);
        } else if (ratio && *ratio * 10 != c.share.charged) {
            c.recheck.action = "different_share";
            c.recheck.detail = fmt::format("share {}割 → {}割", c.share.charged / 10, *ratio);
        } else {
            c.recheck.action = "as_recorded";
            c.recheck.detail.clear();
        }
    } else if (eligibility == "invalid_newer") {
        // The numbers recorded lapsed but a newer coverage exists: the claim goes elsewhere.
        c.recheck.action = "different_insurer";
        c.recheck.detail =
            fmt::format("coverage {} lapsed; a newer coverage exists", c.coverage.insurer_number);
    } else if (eligibility == "invalid") {
        c.recheck.action = "ineligible";
        c.recheck.detail =
            fmt::format("coverage {} on {}: {}", eligibility, c.case_date,
                        check->valid_to.empty() ? "" : "valid to " + check->valid_to);
    } else {
        c.recheck.action = "still_unknown";
        c.recheck.detail =
            check ? fmt::format("system answered {} {}", eligibility, check->processing_code)
                  : "nothing to query by";
    }
    c.claim = plan_claim(c, options);
}

CheckRecord query_case(oqs::Exchange& exchange, Store& store, Case& c,
                       const std::string& facility) {
    const auto search = search_of(c);
    if (!search)
        throw Error(Errc::Usage, fmt::format("fallback case {} has no numbers to query by", c.id));
    if (c.recheck.state != "pending" || c.recheck.key.empty()) {
        const std::string today = compact(format_jst_date(now_seconds()));
        c.recheck.state = "pending";
        c.recheck.via = "single";
        c.recheck.key = oqs::make_suffix(today, store.next_sequence(today));
        std::vector<Case> one{c};
        save_all(store, one);
        c = one.front();
    }
    const oqs::SingleQuery query{compact(c.case_date), facility, fmt::format("fallback-{}", c.id),
                                 *search};
    oqs::ExchangeRequest request{std::string(oqs::kSingleQuery), c.recheck.key,
                                 oqs::build_single_query(query)};
    auto result = oqs::parse_qualification_result(exchange.exchange(request));
    oqs::CheckContext context{facility, "certificate", "query",
                              std::string(oqs::kSingleQuery) + "res_" + c.recheck.key + ".xml",
                              query.arbitrary_file_identifier};
    if (exchange.kind() == "webapi") context.source_file.clear();
    const CheckRecord record = oqs::to_check_record(result, context);
    const std::string key = fmt::format("fallback:{}:{}", c.id, c.recheck.key);
    std::int64_t id = 0;
    if (auto added = store.add_intake({key, c.recheck.key, 0, true}, record)) {
        id = added->check_id;
    } else if (auto known = store.intake(key, c.recheck.key)) {
        id = known->check_id;
    }
    auto saved = store.check(id);
    if (!saved) throw Error(Errc::Internal, "the recheck result was not recorded");
    return *saved;
}

std::vector<Case> queued_cases(const Store& store) {
    FallbackCaseFilter filter;
    filter.state = "queued";
    filter.limit = 100'000;
    std::vector<Case> out;
    for (const auto& row : store.list_fallback_cases(filter)) out.push_back(from_row(row));
    return out;
}

RecheckReport run_recheck(oqs::Exchange& exchange, Store& store, const RecheckOptions& options,
                          const std::function<void(const RecheckProgress&)>& progress) {
    RecheckReport report;
    const std::string now = format_jst_iso(now_seconds());
    std::map<std::string, std::vector<Case>> by_day;
    std::vector<Case> unqueryable;
    for (auto& c : queued_cases(store)) {
        if (search_of(c)) {
            by_day[c.case_date].push_back(std::move(c));
        } else {
            unqueryable.push_back(std::move(c));
        }
    }
    report.without_numbers = static_cast<int>(unqueryable.size());
    if (!unqueryable.empty()) {
        for (auto& c : unqueryable) apply_recheck(c, nullptr, now, options.claim);
        save_all(store, unqueryable);
        for (auto& c : unqueryable) report.cases.push_back(std::move(c));
    }
    int total = 0;
    for (const auto& [day, cases] : by_day) total += static_cast<int>(cases.size());
    int done = 0;
    for (auto& [day, cases] : by_day) {
        const std::string visit_day = day;
        auto tell = [&](const char* phase) {
            if (progress) progress({phase, done, total, visit_day});
        };
        std::vector<std::optional<CheckRecord>> checks(cases.size());
        // A request already sent for a case (the 資格確認書 queried during the flow, or an
        // interrupted single recheck) is read back, never sent again; the rest of the day goes
        // in one 一括照会.
        std::vector<std::size_t> singles;
        std::vector<std::size_t> batch;
        for (std::size_t i = 0; i < cases.size(); ++i) {
            const bool pending =
                cases[i].recheck.state == "pending" && !cases[i].recheck.key.empty();
            (pending || options.via != "bulk" ? singles : batch).push_back(i);
        }
        if (!batch.empty()) {
            std::vector<oqs::Reservation> people;
            std::string key_text = "fallback-recheck\n" + day;
            for (const auto i : batch) {
                const auto& c = cases[i];
                people.push_back({0, fmt::format("fallback-{}", c.id), *search_of(c)});
                key_text +=
                    fmt::format("\n{}:{}:{}", c.id, c.coverage.insurer_number, c.coverage.number);
            }
            oqs::BulkOptions bulk{compact(day), options.facility, options.round_interval,
                                  options.overall_timeout};
            const auto outcome =
                oqs::run_bulk(exchange, store, people, sha256_hex(key_text), bulk,
                              [&](const oqs::BulkProgress& p) {
                                  report.resumed = report.resumed || p.resumed;
                                  tell(p.phase == "upload" ? "upload" : "download");
                              });
            for (std::size_t k = 0; k < batch.size(); ++k) {
                const auto i = batch[k];
                const auto id = outcome.rows.at(k).check_id;
                if (id != 0) checks[i] = store.check(id);
                cases[i].recheck.via = "bulk";
                cases[i].recheck.key = outcome.job.upload_suffix;
            }
            done += static_cast<int>(batch.size());
        }
        for (const auto i : singles) {
            report.resumed = report.resumed || cases[i].recheck.state == "pending";
            tell("query");
            checks[i] = query_case(exchange, store, cases[i], options.facility);
            ++done;
        }
        for (std::size_t i = 0; i < cases.size(); ++i) {
            apply_recheck(cases[i], checks[i] ? &*checks[i] : nullptr, now, options.claim);
        }
        tell("save");
        save_all(store, cases);
        report.queried += static_cast<int>(cases.size());
        done = report.queried;
        for (auto& c : cases) report.cases.push_back(std::move(c));
    }
    return report;
}

}  // namespace mynaq::fallback
