// mynaq elig: query (資格確認書 / insurance numbers), show, list; batch and watch live in
// elig_batch_command.cpp and elig_watch_command.cpp.
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "consent_support.hpp"
#include "elig_render.hpp"
#include "elig_support.hpp"
#include "fallback_flow.hpp"
#include "mynaq/oqs/eligibility.hpp"

namespace mynaq::cli {

void add_elig_batch_command(Registry registry, CLI::App& elig);
void add_elig_chart_commands(Registry registry, CLI::App& elig);
void add_elig_watch_command(Registry registry, CLI::App& elig);

namespace {

struct QueryOptions {
    std::string insurer;
    std::string symbol;
    std::string number;
    std::string branch;
    std::string birthdate;
    std::string date;
    bool limit_consent = false;
};

// At the counter a timeout should not leave staff without a next step: offer the guided
// fallback with what the query already knows.
int offer_fallback(AppContext& context, const QueryOptions& o) {
    std::cerr << context.t("fb.suggest") << std::flush;
    std::string line;
    if (!std::getline(std::cin, line) ||
        !(line == "y" || line == "Y" || line == "yes" || line == "はい" || line == "1")) {
        return exit_status(Errc::OqsTimeout);
    }
    FlowOptions flow;
    flow.query = false;  // the system just failed to answer
    flow.answers["birthdate"] = o.birthdate;
    flow.answers["certificate.insurer_number"] = o.insurer;
    flow.answers["certificate.symbol"] = o.symbol;
    flow.answers["certificate.number"] = o.number;
    flow.answers["certificate.branch"] = o.branch;
    return run_fallback_flow(context, flow);
}

int run_query(AppContext& context, const QueryOptions& o) {
    oqs::SingleQuery query;
    query.institution_code = facility_code(context);
    query.confirmation_date = o.date.empty() ? today_yyyymmdd() : normalise_date(o.date, "--date");
    query.arbitrary_file_identifier = oqs::make_file_identifier();
    query.search.insurer_number = oqs::pad_insurer_number(o.insurer);
    query.search.card_symbol = o.symbol;
    query.search.identification_number = o.number;
    query.search.branch_number = o.branch;
    query.search.birthdate = normalise_date(o.birthdate, "--birthdate");
    query.search.limit_consent_flag = o.limit_consent ? "1" : "0";

    const auto findings = oqs::check_search_info(query.search);
    for (const auto& f : findings) {
        if (f.blocking) throw Error(Errc::InvalidArgument, f.detail, {{"field", f.field}});
    }
    if (!context.json()) {
        for (const auto& f : findings) {
            std::cerr << fmt::format(
                "{}: {}\n", context.t("elig.warning"),
                context.t("finding." + f.code) == "finding." + f.code
                    ? f.detail
                    : std::string(context.t("finding." + f.code)) + " (" + f.field + ")");
        }
    }
    auto store = open_store(context);
    auto exchange = open_exchange(context);
    std::optional<oqs::QueryOutcome> answered;
    try {
        answered = oqs::query_eligibility(*exchange, *store, query);
    } catch (const Error& e) {
        if (e.code() != Errc::OqsTimeout || context.json() || !stdin_is_terminal()) throw;
        report_error(context, e);
        return offer_fallback(context, o);
    }
    const auto& outcome = *answered;
    const bool valid = outcome.result.valid();
    if (context.json()) {
        context.emit_json({{"check", check_json(outcome.record)},
                           {"valid", valid},
                           {"transport", std::string(exchange->kind())},
                           {"warnings", findings_json(findings)}});
    } else {
        print_check(context, outcome.record);
    }
    return valid ? 0 : 1;
}

int run_show(AppContext& context, std::int64_t id, bool raw) {
    auto store = open_store(context);
    const auto record = store->check(id);
    if (!record) {
        throw Error(Errc::NotFound, fmt::format("no check #{} in the store", id),
                    {{"id", std::to_string(id)}});
    }
    if (context.json()) {
        context.emit_json({{"check", check_json(*record, raw)}});
    } else if (raw) {
        std::cout << record->raw_xml << '\n';
    } else {
        print_check(context, *record);
    }
    return 0;
}

struct ListOptions {
    std::string date;
    std::string patient;
    std::string state;
    std::string source;
    int limit = 50;
};

int run_list(AppContext& context, const ListOptions& o) {
    CheckFilter filter;
    if (!o.date.empty()) {
        const std::string d = normalise_date(o.date, "--date");
        filter.date = fmt::format("{}-{}-{}", d.substr(0, 4), d.substr(4, 2), d.substr(6, 2));
    }
    if (!o.patient.empty()) filter.patient = o.patient;
    if (!o.state.empty()) filter.eligibility = o.state;
    if (!o.source.empty()) filter.source = o.source;
    filter.limit = o.limit;
    auto store = open_store(context);
    const auto records = store->list_checks(filter);
    if (context.json()) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& r : records) list.push_back(check_json(r));
        context.emit_json({{"checks", list}, {"count", records.size()}});
        return 0;
    }
    if (records.empty()) {
        std::cout << context.t("elig.none") << '\n';
        return 0;
    }
    for (const auto& r : records) std::cout << check_line(context, r) << '\n';
    return 0;
}

}  // namespace

void add_elig_commands(Registry registry) {
    auto& context = registry.context;
    auto& action = registry.action;
    CLI::App* elig =
        registry.app.add_subcommand("elig",
                                    "Eligibility (オンライン資格確認): query, batch, watch the "
                                    "face folder, show, list, 照会番号 and charts");
    elig->require_subcommand(1);

    auto q = std::make_shared<QueryOptions>();
    CLI::App* query = elig->add_subcommand(
        "query", "Confirm eligibility by insurance numbers (資格確認書 / 保険証の記載事項)");
    query->add_option("--insurer", q->insurer, "保険者番号 (6 or 8 digits)")
        ->type_name("NUMBER")
        ->required();
    query->add_option("--symbol", q->symbol, "記号 (omit when the card has none)")
        ->type_name("TEXT");
    query->add_option("--number", q->number, "番号")->type_name("TEXT")->required();
    query->add_option("--branch", q->branch, "枝番 (2 digits; none for 後期高齢者)")
        ->type_name("NN");
    query->add_option("--birthdate", q->birthdate, "生年月日 (YYYY-MM-DD or YYYYMMDD)")
        ->type_name("DATE")
        ->required();
    query->add_option("--date", q->date, "資格確認日 (default: today, JST)")->type_name("DATE");
    query->add_flag("--limit-consent", q->limit_consent,
                    "The patient agreed to disclose 限度額適用認定証 information");
    query->callback(
        [&context, &action, q] { action = [&context, q] { return run_query(context, *q); }; });

    auto show_id = std::make_shared<std::int64_t>(0);
    auto show_raw = std::make_shared<bool>(false);
    CLI::App* show = elig->add_subcommand("show", "Show one stored check");
    show->add_option("id", *show_id, "Check number (from elig list)")->type_name("ID")->required();
    show->add_flag("--raw", *show_raw, "Print the result as received (XML or JSON)");
    show->callback([&context, &action, show_id, show_raw] {
        action = [&context, show_id, show_raw] { return run_show(context, *show_id, *show_raw); };
    });

    auto l = std::make_shared<ListOptions>();
    CLI::App* list = elig->add_subcommand("list", "List stored checks, newest first");
    list->add_option("--date", l->date, "Only checks made on this day (JST)")->type_name("DATE");
    list->add_option("--patient", l->patient, "照会番号, name, kana or insured number")
        ->type_name("TEXT");
    list->add_option("--state", l->state, "Eligibility state")
        ->type_name("STATE")
        ->check(CLI::IsMember({"valid", "invalid", "invalid_newer", "no_qualification", "multiple",
                               "valid_unregistered", "unknown"}));
    list->add_option("--source", l->source, "Where the check came from")
        ->type_name("SOURCE")
        ->check(CLI::IsMember({"query", "bulk", "face", "fallback"}));
    list->add_option("--limit", l->limit, "At most this many (default 50)")
        ->type_name("N")
        ->check(CLI::Range(1, 100000));
    list->callback(
        [&context, &action, l] { action = [&context, l] { return run_list(context, *l); }; });

    add_elig_batch_command(registry, *elig);
    add_elig_watch_command(registry, *elig);
    add_elig_chart_commands(registry, *elig);
}

}  // namespace mynaq::cli
