// mynaq elig ref register / ref list / unmatched / match: the clinic's charts, their 照会番号
// registration, and the face results staff still have to tie to a chart.
#include <unistd.h>

#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "elig_render.hpp"
#include "elig_support.hpp"
#include "mynaq/chart_match.hpp"
#include "mynaq/digest.hpp"
#include "mynaq/files.hpp"
#include "mynaq/oqs/reference_registration.hpp"
#include "text_width.hpp"

namespace mynaq::cli {

namespace {

struct RegisterOptions {
    std::string chart;
    std::string insurer;
    std::string symbol;
    std::string number;
    std::string branch;
    std::string kana;
    std::string birthdate;
    std::string csv;
    bool fresh = false;
    double interval = 2.0;
};

nlohmann::json chart_json(const ChartRecord& c) {
    return {{"chart_id", c.chart_id},
            {"name_kana", c.name_kana},
            {"birthdate", c.birthdate},
            {"insurer_number", c.insurer_number},
            {"card_symbol", c.card_symbol},
            {"identification_number", c.identification_number},
            {"branch_number", c.branch_number},
            {"ref_state", c.ref_state},
            {"ref_code", c.ref_code},
            {"ref_message", c.ref_message},
            {"reception_number", c.reception_number},
            {"updated_at", c.updated_at},
            {"updated_by", c.updated_by}};
}

std::string state_text(const AppContext& context, std::string_view state) {
    if (state.empty()) return std::string(context.t("chart.state.none"));
    return std::string(context.t(fmt::format("chart.state.{}", state)));
}

std::string chart_line(const AppContext& context, const ChartRecord& c) {
    std::string insurance = c.insurer_number;
    if (!c.card_symbol.empty()) insurance += " " + c.card_symbol;
    insurance += " " + c.identification_number;
    if (!c.branch_number.empty()) insurance += "-" + c.branch_number;
    std::string line = fmt::format("{}  {}  {}  {}", pad_right(c.chart_id, 12),
                                   pad_right(state_text(context, c.ref_state), 10),
                                   pad_right(insurance, 28), c.name_kana);
    if (c.ref_state == "failed" && !(c.ref_code.empty() && c.ref_message.empty())) {
        line += fmt::format("  ({} {})", c.ref_code, c.ref_message);
    }
    return line;
}

// The chart as stored, with what the command line gives laid over it: registering a new
// insurance keeps the kana and birth date staff entered before.
ChartRecord chart_from_options(const Store& store, const RegisterOptions& o) {
    ChartRecord chart = store.chart(o.chart).value_or(ChartRecord{});
    chart.chart_id = o.chart;
    chart.insurer_number = o.insurer;
    chart.card_symbol = o.symbol;
    chart.identification_number = o.number;
    chart.branch_number = o.branch;
    if (!o.kana.empty()) chart.name_kana = o.kana;
    if (!o.birthdate.empty()) chart.birthdate = normalise_date(o.birthdate, "--birthdate");
    return chart;
}

int run_register_one(AppContext& context, const RegisterOptions& o) {
    if (o.chart.empty() || o.insurer.empty() || o.number.empty()) {
        throw Error(Errc::Usage, "--chart, --insurer and --number are required (or --csv FILE)");
    }
    auto store = open_store(context);
    auto chart = chart_from_options(*store, o);
    oqs::require_valid_reference_registration(oqs::registration_of(chart));
    auto exchange = open_exchange(context);
    chart = oqs::register_chart(*exchange, *store, facility_code(context), std::move(chart));
    if (context.json()) {
        context.emit_json({{"chart", chart_json(chart)}});
    } else {
        std::cout << chart_line(context, chart) << '\n';
    }
    return chart.ref_state == "registered" ? 0 : 1;
}

int run_register_csv(AppContext& context, const RegisterOptions& o) {
    const std::string bytes = read_file_bytes(o.csv);
    const auto rows = oqs::parse_chart_csv(bytes);
    auto store = open_store(context);
    std::vector<ChartRecord> charts;
    charts.reserve(rows.size());
    for (const auto& row : rows) {
        ChartRecord chart = store->chart(row.registration.reference_number).value_or(ChartRecord{});
        chart.chart_id = row.registration.reference_number;
        chart.insurer_number = row.registration.insurer_number;
        chart.card_symbol = row.registration.symbol;
        chart.identification_number = row.registration.number;
        chart.branch_number = row.registration.branch;
        if (!row.name_kana.empty()) chart.name_kana = row.name_kana;
        if (!row.birthdate.empty()) chart.birthdate = row.birthdate;
        charts.push_back(std::move(chart));
    }
    oqs::ChartBulkOptions options;
    options.facility = facility_code(context);
    options.round_interval = std::chrono::milliseconds(static_cast<long>(o.interval * 1000));
    options.overall_timeout = context.config.oqs.folder.bulk_timeout;
    // The same file for the same facility resumes the same job; "ref|" keeps it apart from a
    // 一括照会 of the same bytes.
    std::string key = sha256_hex("ref|" + bytes + "|" + options.facility);
    if (o.fresh) key = sha256_hex(key + "|" + oqs::make_file_identifier());

    auto exchange = open_exchange(context);
    const bool tty = ::isatty(STDERR_FILENO) == 1 && !context.json();
    const auto outcome = oqs::register_charts_bulk(
        *exchange, *store, charts, key, options, [&](const oqs::ChartBulkProgress& p) {
            if (!tty) return;
            if (p.phase == "upload") {
                std::cerr << fmt::format("\r{} ({}件)…", context.t("batch.uploading"),
                                         charts.size());
            } else {
                std::cerr << fmt::format("\r{} {}…   ", context.t("batch.waiting"), p.round);
            }
            std::cerr.flush();
        });
    if (tty) std::cerr << '\r' << std::string(40, ' ') << '\r';
    if (context.json()) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& c : outcome.charts) list.push_back(chart_json(c));
        context.emit_json({{"reception_number", outcome.job.reception_number},
                           {"resumed", outcome.resumed},
                           {"rounds", outcome.job.download_round},
                           {"total", outcome.charts.size()},
                           {"registered", outcome.registered},
                           {"failed", outcome.failed},
                           {"charts", list}});
    } else {
        std::cout << fmt::format(fmt::runtime(std::string(context.t("chart.bulk_summary"))),
                                 outcome.charts.size(), outcome.registered, outcome.failed)
                  << fmt::format("  ({} {})", context.t("batch.reception"),
                                 outcome.job.reception_number)
                  << '\n';
        for (const auto& c : outcome.charts) std::cout << "  " << chart_line(context, c) << '\n';
    }
    return outcome.failed == 0 ? 0 : 1;
}

int run_ref_list(AppContext& context, const std::string& state) {
    auto store = open_store(context);
    ChartFilter filter;
    if (!state.empty()) filter.ref_state = state == "none" ? "" : state;
    filter.limit = 0;
    const auto charts = store->list_charts(filter);
    if (context.json()) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& c : charts) list.push_back(chart_json(c));
        context.emit_json({{"charts", list}, {"count", charts.size()}});
        return 0;
    }
    if (charts.empty()) {
        std::cout << context.t("chart.none") << '\n';
        return 0;
    }
    for (const auto& c : charts) std::cout << chart_line(context, c) << '\n';
    return 0;
}

int run_unmatched(AppContext& context, const std::string& date, int limit) {
    auto store = open_store(context);
    CheckFilter filter;
    filter.match_states = {"ambiguous", "unmatched"};
    if (!date.empty()) {
        const auto d = normalise_date(date, "--date");
        filter.date = fmt::format("{}-{}-{}", d.substr(0, 4), d.substr(4, 2), d.substr(6, 2));
    }
    filter.limit = limit;
    const auto checks = store->list_checks(filter);
    if (context.json()) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& r : checks) list.push_back(check_json(r));
        context.emit_json({{"checks", list}, {"count", checks.size()}});
        return checks.empty() ? 0 : 1;
    }
    if (checks.empty()) {
        std::cout << context.t("chart.unmatched_none") << '\n';
        return 0;
    }
    for (const auto& r : checks) {
        // What staff compare with their charts: kana, birth date, insurance.
        std::string insurance = r.insurer_number;
        if (!r.card_symbol.empty()) insurance += " " + r.card_symbol;
        insurance += " " + r.identification_number;
        if (!r.branch_number.empty()) insurance += "-" + r.branch_number;
        std::cout << check_line_with_chart(context, r) << '\n'
                  << fmt::format("        {}  {}  {}\n", r.name_kana,
                                 r.birthdate.size() == 8
                                     ? fmt::format("{}-{}-{}", r.birthdate.substr(0, 4),
                                                   r.birthdate.substr(4, 2), r.birthdate.substr(6))
                                     : r.birthdate,
                                 insurance);
    }
    return 1;
}

int run_match(AppContext& context, std::int64_t check_id, const std::string& chart_id) {
    auto store = open_store(context);
    const auto check = store->check(check_id);
    if (!check) {
        throw Error(Errc::NotFound, fmt::format("no check {} in the store", check_id),
                    {{"id", std::to_string(check_id)}});
    }
    if (!store->chart(chart_id)) {
        throw Error(
            Errc::NotFound,
            fmt::format("no chart {}: register it first (mynaq elig ref register)", chart_id),
            {{"chart", chart_id}});
    }
    CheckMatch match{chart_id, "matched", "staff", {}};
    store->set_check_match(check_id, match);
    auto updated = *store->check(check_id);
    if (context.json()) {
        context.emit_json({{"check", check_json(updated)}});
    } else {
        std::cout << check_line_with_chart(context, updated) << '\n';
    }
    return 0;
}

}  // namespace

void add_elig_chart_commands(Registry registry, CLI::App& elig) {
    auto& context = registry.context;
    auto& action = registry.action;

    CLI::App* ref = elig.add_subcommand(
        "ref", "照会番号: register chart ids with OQS so face results carry them");
    ref->require_subcommand(1);
    auto o = std::make_shared<RegisterOptions>();
    CLI::App* reg = ref->add_subcommand(
        "register", "Register one chart (OQSsiimm01) or a CSV of charts (OQSmuimm01/02)");
    reg->add_option("--chart", o->chart, "The chart id to register as 照会番号 (≤ 50 characters)")
        ->type_name("ID");
    reg->add_option("--insurer", o->insurer, "保険者番号 (6 or 8 digits)")->type_name("NUMBER");
    reg->add_option("--symbol", o->symbol, "記号 (omit when the card has none)")->type_name("TEXT");
    reg->add_option("--number", o->number, "番号")->type_name("TEXT");
    reg->add_option("--branch", o->branch, "枝番")->type_name("NN");
    reg->add_option("--kana", o->kana, "カナ氏名, kept with the chart for matching (not sent)")
        ->type_name("KANA");
    reg->add_option("--birthdate", o->birthdate, "生年月日, kept with the chart (not sent)")
        ->type_name("DATE");
    reg->add_option("--csv", o->csv,
                    "Charts: chart,insurer,symbol,number,branch[,kana,birthdate]; UTF-8 or "
                    "Shift_JIS, Japanese headers accepted")
        ->type_name("FILE")
        ->excludes("--chart");
    reg->add_option("--interval", o->interval, "Seconds between 処理中 rounds (default 2)")
        ->type_name("SECONDS")
        ->check(CLI::Range(0.05, 600.0));
    reg->add_flag("--new", o->fresh, "With --csv: submit again even if this file was submitted");
    reg->callback([&context, &action, o] {
        action = [&context, o] {
            return o->csv.empty() ? run_register_one(context, *o) : run_register_csv(context, *o);
        };
    });

    auto list_state = std::make_shared<std::string>();
    CLI::App* list = ref->add_subcommand("list", "List the charts and their registration state");
    list->add_option("--state", *list_state, "Only charts in this registration state")
        ->type_name("STATE")
        ->check(CLI::IsMember({"none", "pending", "registered", "failed"}));
    list->callback([&context, &action, list_state] {
        action = [&context, list_state] { return run_ref_list(context, *list_state); };
    });

    auto unmatched_date = std::make_shared<std::string>();
    auto unmatched_limit = std::make_shared<int>(100);
    CLI::App* unmatched = elig.add_subcommand(
        "unmatched", "Face results not tied to one chart (several candidates or none)");
    unmatched->add_option("--date", *unmatched_date, "Only results of this day (JST)")
        ->type_name("DATE");
    unmatched->add_option("--limit", *unmatched_limit, "At most this many (default 100)")
        ->type_name("N")
        ->check(CLI::Range(1, 100000));
    unmatched->callback([&context, &action, unmatched_date, unmatched_limit] {
        action = [&context, unmatched_date, unmatched_limit] {
            return run_unmatched(context, *unmatched_date, *unmatched_limit);
        };
    });

    auto match_check = std::make_shared<std::int64_t>(0);
    auto match_chart_id = std::make_shared<std::string>();
    CLI::App* match =
        elig.add_subcommand("match", "Tie a stored check to a chart (staff's choice)");
    match->add_option("check", *match_check, "Check number (from elig unmatched)")
        ->type_name("ID")
        ->required();
    match->add_option("--chart", *match_chart_id, "The chart it belongs to")
        ->type_name("ID")
        ->required();
    match->callback([&context, &action, match_check, match_chart_id] {
        action = [&context, match_check, match_chart_id] {
            return run_match(context, *match_check, *match_chart_id);
        };
    });
}

}  // namespace mynaq::cli
