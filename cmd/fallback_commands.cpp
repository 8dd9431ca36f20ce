// mynaq fallback: the outage flows (start), the cases (list, show, export, form, update,
// cancel) and the recheck after recovery with its action list.
#include <climits>
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "consent_support.hpp"
#include "elig_support.hpp"
#include "fallback_flow.hpp"
#include "fallback_support.hpp"
#include "mynaq/fallback/claim.hpp"
#include "mynaq/fallback/dates.hpp"
#include "mynaq/fallback/export.hpp"
#include "mynaq/fallback/recheck.hpp"
#include "mynaq/files.hpp"
#include "mynaq/jst.hpp"
#include "mynaq/oqs/message.hpp"

namespace mynaq::cli {

namespace {

struct StartOptions {
    std::string answers_file;
    std::vector<std::string> answer;
    std::string reason;
    std::string visit;
    std::int64_t resume = 0;
    bool no_query = false;
    std::string form;
};

struct SelectOptions {
    std::string date;
    std::string from;
    std::string to;
    std::string state;
    std::string patient;
    int limit = 1000;
};

struct ExportOptions {
    SelectOptions select;
    std::string format = "csv";
    std::string out;
};

struct FormOptions {
    std::int64_t id = 0;
    bool blank = false;
    std::string out;
};

struct UpdateOptions {
    std::int64_t id = 0;
    std::string insurer;
    std::string symbol;
    std::string number;
    std::string branch;
    std::string ratio;
    std::string note;
};

std::string date_option(const std::string& text, const char* option) {
    const auto date = fallback::parse_staff_date(text);
    if (!date) {
        throw Error(Errc::InvalidArgument,
                    fmt::format("{} must be a date like 2026-12-01, not '{}'", option, text));
    }
    return *date;
}

std::vector<fallback::Case> select_cases(const Store& store, const SelectOptions& o) {
    FallbackCaseFilter filter;
    if (!o.date.empty()) filter.from = filter.to = date_option(o.date, "--date");
    if (!o.from.empty()) filter.from = date_option(o.from, "--from");
    if (!o.to.empty()) filter.to = date_option(o.to, "--to");
    if (!o.state.empty()) filter.state = o.state;
    if (!o.patient.empty()) filter.patient = o.patient;
    filter.limit = o.limit;
    std::vector<fallback::Case> out;
    for (const auto& row : store.list_fallback_cases(filter))
        out.push_back(fallback::from_row(row));
    return out;
}

int run_start(AppContext& context, const StartOptions& o) {
    FlowOptions flow;
    if (!o.answers_file.empty()) flow.answers = read_answers_file(o.answers_file);
    for (const auto& kv : o.answer) {
        const auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) {
            throw Error(Errc::Usage, fmt::format("--answer takes KEY=VALUE, not '{}'", kv));
        }
        flow.answers[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    if (!o.reason.empty()) flow.answers["reason"] = o.reason;
    if (!o.visit.empty()) flow.answers["visit"] = o.visit;
    flow.resume = o.resume;
    flow.query = !o.no_query;
    flow.form = o.form;
    return run_fallback_flow(context, flow);
}

int run_list(AppContext& context, const SelectOptions& o) {
    auto store = open_store(context);
    const auto cases = select_cases(*store, o);
    if (context.json()) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& c : cases) list.push_back(case_json(c));
        context.emit_json({{"cases", list}, {"count", cases.size()}});
        return 0;
    }
    std::cout << case_table(context, cases);
    return 0;
}

int run_show(AppContext& context, std::int64_t id) {
    auto store = open_store(context);
    const auto c = load_case(*store, id);
    if (context.json()) {
        context.emit_json(case_json(c));
        return 0;
    }
    std::cout << case_view(context, c);
    return 0;
}

int run_export(AppContext& context, const ExportOptions& o) {
    auto store = open_store(context);
    const auto cases = select_cases(*store, o.select);
    const bool as_json = o.format == "json" || (context.json() && o.out.empty());
    const std::string text =
        as_json ? fallback::cases_to_json_text(cases) : fallback::cases_to_csv(cases);
    if (o.out.empty()) {
        std::cout << text;
        return 0;
    }
    write_file_atomic(o.out, text);
    if (context.json()) {
        context.emit_json({{"out", o.out}, {"format", o.format}, {"count", cases.size()}});
    } else {
        std::cout << fmt::format(fmt::runtime(std::string(context.t("fb.exported"))), cases.size(),
                                 o.out)
                  << '\n';
    }
    return 0;
}

int run_recheck(AppContext& context, bool single) {
    auto store = open_store(context);
    if (fallback::queued_cases(*store).empty()) {
        if (context.json()) {
            context.emit_json({{"cases", nlohmann::json::array()}, {"count", 0}});
        } else {
            std::cout << context.t("fb.recheck.none") << '\n';
        }
        return 0;
    }
    fallback::RecheckOptions options;
    options.via = single ? "single" : "bulk";
    options.facility = facility_code(context);
    options.overall_timeout = context.config.oqs.folder.bulk_timeout;
    options.claim = claim_options(context);
    auto exchange = open_exchange(context);
    if (exchange->kind() == "webapi" && context.config.oqs.webapi.bulk_upload_url.empty()) {
        options.via = "single";
    }
    const bool tty = !context.json() && stdin_is_terminal();
    const auto report =
        fallback::run_recheck(*exchange, *store, options, [&](const fallback::RecheckProgress& p) {
            if (!tty) return;
            std::cerr << '\r'
                      << fmt::format(fmt::runtime(std::string(context.t("fb.recheck.progress"))),
                                     p.done, p.total, p.day)
                      << "   " << std::flush;
        });
    if (tty) std::cerr << '\n';
    if (context.json()) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& c : report.cases) list.push_back(case_json(c));
        context.emit_json({{"cases", list},
                           {"count", report.cases.size()},
                           {"queried", report.queried},
                           {"without_numbers", report.without_numbers},
                           {"resumed", report.resumed}});
        return 0;
    }
    std::cout << fmt::format(fmt::runtime(std::string(context.t("fb.recheck.summary"))),
                             report.cases.size(), report.queried, report.without_numbers)
              << '\n'
              << action_list(context, report.cases);
    return 0;
}

int run_actions(AppContext& context, SelectOptions o) {
    auto store = open_store(context);
    o.state = "rechecked";
    const auto cases = select_cases(*store, o);
    if (context.json()) {
        nlohmann::json groups = nlohmann::json::object();
        for (const auto& action : fallback::recheck_actions()) {
            groups[action] = nlohmann::json::array();
        }
        for (const auto& c : cases) groups[c.recheck.action].push_back(case_json(c));
        context.emit_json({{"actions", groups}, {"count", cases.size()}});
        return 0;
    }
    std::cout << action_list(context, cases);
    return 0;
}

int run_form(AppContext& context, const FormOptions& o) {
    if (o.blank == (o.id != 0)) throw Error(Errc::Usage, "give a case number or --blank");
    std::optional<fallback::Declaration> filled;
    if (o.id != 0) {
        auto store = open_store(context);
        const auto c = load_case(*store, o.id);
        if (c.declaration) {
            filled = c.declaration;
        } else {
            // A case settled without the form still prints one with the patient's details.
            fallback::Declaration d;
            d.name = c.name;
            d.kana = c.kana;
            d.birthdate = c.birthdate;
            d.sex = c.sex;
            d.declared_on = c.case_date;
            filled = d;
        }
    }
    const std::filesystem::path out =
        o.out.empty() ? (o.blank ? std::filesystem::path("declaration-blank.html")
                                 : default_form_path(context, o.id))
                      : std::filesystem::path(o.out);
    write_form(context, filled, out);
    if (context.json()) {
        context.emit_json({{"out", out.string()}, {"blank", o.blank}});
    } else {
        std::cout << fmt::format(fmt::runtime(std::string(context.t("fb.form_written"))),
                                 out.string())
                  << '\n';
    }
    return 0;
}

int run_update(AppContext& context, const UpdateOptions& o) {
    auto store = open_store(context);
    auto c = load_case(*store, o.id);
    if (c.state == "cancelled") throw Error(Errc::Usage, fmt::format("case {} is cancelled", o.id));
    const std::string insurer =
        o.insurer.ends_with('!') ? o.insurer.substr(0, o.insurer.size() - 1) : o.insurer;
    if (insurer.size() != 6 && insurer.size() != 8) {
        throw Error(Errc::InvalidArgument, "--insurer has 6 or 8 digits");
    }
    if (!o.insurer.ends_with('!') && !oqs::insurer_check_digit_ok(insurer)) {
        throw Error(Errc::InvalidArgument,
                    fmt::format("the check digit of {} does not match; add ! to keep it", insurer));
    }
    c.coverage.insurer_number = insurer;
    c.coverage.symbol = o.symbol;
    c.coverage.number = o.number;
    c.coverage.branch = o.branch;
    if (!o.ratio.empty()) {
        const auto ratio = fallback::parse_ratio(o.ratio);
        if (!ratio || *ratio > 3) throw Error(Errc::InvalidArgument, "--ratio is 1, 2 or 3");
        c.coverage.ratio = std::to_string(*ratio);
    }
    c.steps.push_back({"later", "used", format_jst_iso(now_seconds()),
                       o.note.empty() ? "numbers told after the visit" : o.note});
    c.state = "queued";
    c.recheck = {};
    c.online_check_id = 0;
    c.claim = fallback::plan_claim(c, claim_options(context));
    save_case(*store, c);
    if (context.json()) {
        context.emit_json(case_json(c));
    } else {
        std::cout << fmt::format(fmt::runtime(std::string(context.t("fb.updated"))), c.id,
                                 state_text(context, c.state))
                  << '\n';
    }
    return 0;
}

int run_cancel(AppContext& context, std::int64_t id, const std::string& note) {
    auto store = open_store(context);
    auto c = load_case(*store, id);
    c.state = "cancelled";
    c.note = c.note.empty() ? note : c.note + " / " + note;
    save_case(*store, c);
    if (context.json()) {
        context.emit_json(case_json(c));
    } else {
        std::cout << fmt::format(fmt::runtime(std::string(context.t("fb.updated"))), c.id,
                                 state_text(context, c.state))
                  << '\n';
    }
    return 0;
}

void add_select_options(CLI::App& command, SelectOptions& o) {
    command.add_option("--date", o.date, "Visits on this day (yyyy-mm-dd)")->type_name("DATE");
    command.add_option("--from", o.from, "Visits on or after this day")->type_name("DATE");
    command.add_option("--to", o.to, "Visits on or before this day")->type_name("DATE");
    command.add_option("--patient", o.patient, "Name or kana contains this")->type_name("TEXT");
    command.add_option("--limit", o.limit, "At most this many (default 1000)")
        ->type_name("N")
        ->check(CLI::Range(1, INT_MAX));
}

}  // namespace

void add_fallback_commands(Registry registry) {
    auto& context = registry.context;
    auto& action = registry.action;
    CLI::App* fb = registry.app.add_subcommand(
        "fallback", "Outage flows: guided check, 被保険者資格申立書, disaster mode, recheck");
    fb->require_subcommand(1);

    auto s = std::make_shared<StartOptions>();
    CLI::App* start = fb->add_subcommand(
        "start", "Guided fallback check at the counter (prompts, or answers for scripts)");
    start->add_option("--answers", s->answers_file, "Answers from a YAML file (no prompts)")
        ->type_name("FILE");
    start->add_option("--answer", s->answer, "One answer, KEY=VALUE (repeatable)")
        ->type_name("KEY=VALUE");
    start->add_option("--reason", s->reason, "Why online confirmation failed")
        ->type_name("REASON")
        ->check(CLI::IsMember(fallback::reason_ids()));
    start->add_option("--visit", s->visit, "first (初診) or return (再診)")
        ->type_name("VISIT")
        ->check(CLI::IsMember({"first", "return"}));
    start->add_option("--resume", s->resume, "Continue the in-progress case N")->type_name("N");
    start->add_flag("--no-query", s->no_query, "Do not query a 資格確認書's numbers now");
    start->add_option("--form", s->form, "Write the 申立書 here (.html or .pdf)")
        ->type_name("FILE");
    start->callback(
        [&context, &action, s] { action = [&context, s] { return run_start(context, *s); }; });

    auto l = std::make_shared<SelectOptions>();
    CLI::App* list = fb->add_subcommand("list", "Fallback cases, oldest first");
    add_select_options(*list, *l);
    list->add_option("--state", l->state, "Only cases in this state")
        ->type_name("STATE")
        ->check(CLI::IsMember({"in_progress", "queued", "confirmed", "rechecked", "cancelled"}));
    list->callback(
        [&context, &action, l] { action = [&context, l] { return run_list(context, *l); }; });

    auto show_id = std::make_shared<std::int64_t>(0);
    CLI::App* show = fb->add_subcommand("show", "One case: steps, coverage, share, claim, recheck");
    show->add_option("ID", *show_id, "Case number")->required();
    show->callback([&context, &action, show_id] {
        action = [&context, show_id] { return run_show(context, *show_id); };
    });

    auto e = std::make_shared<ExportOptions>();
    CLI::App* exp =
        fb->add_subcommand("export", "Cases with claim markers and 摘要欄 (CSV or JSON)");
    add_select_options(*exp, e->select);
    exp->add_option("--state", e->select.state, "Only cases in this state")
        ->type_name("STATE")
        ->check(CLI::IsMember({"in_progress", "queued", "confirmed", "rechecked", "cancelled"}));
    exp->add_option("--format", e->format, "csv (UTF-8 with BOM) or json (default csv)")
        ->type_name("FORMAT")
        ->check(CLI::IsMember({"csv", "json"}));
    exp->add_option("--out", e->out, "Write to FILE (mode 0600) instead of stdout")
        ->type_name("FILE");
    exp->callback(
        [&context, &action, e] { action = [&context, e] { return run_export(context, *e); }; });

    auto single = std::make_shared<bool>(false);
    CLI::App* recheck = fb->add_subcommand(
        "recheck", "After recovery: query every waiting case, print the action list");
    recheck->add_flag("--single", *single, "Single queries instead of one 一括照会 per day");
    recheck->callback([&context, &action, single] {
        action = [&context, single] { return run_recheck(context, *single); };
    });

    auto a = std::make_shared<SelectOptions>();
    CLI::App* actions =
        fb->add_subcommand("actions", "The action list of rechecked cases, by action");
    add_select_options(*actions, *a);
    actions->callback(
        [&context, &action, a] { action = [&context, a] { return run_actions(context, *a); }; });

    auto f = std::make_shared<FormOptions>();
    CLI::App* form = fb->add_subcommand("form", "Print-ready 被保険者資格申立書 (HTML, or PDF)");
    form->add_option("ID", f->id, "Case number (pre-filled form)");
    form->add_flag("--blank", f->blank, "A blank form");
    form->add_option("--out", f->out, "FILE.html or FILE.pdf (PDF through Chromium)")
        ->type_name("FILE");
    form->callback(
        [&context, &action, f] { action = [&context, f] { return run_form(context, *f); }; });

    auto u = std::make_shared<UpdateOptions>();
    CLI::App* update = fb->add_subcommand(
        "update", "Numbers the patient told after the visit (後日確認); the case waits again");
    update->add_option("ID", u->id, "Case number")->required();
    update->add_option("--insurer", u->insurer, "保険者番号")->type_name("DIGITS")->required();
    update->add_option("--symbol", u->symbol, "記号")->type_name("TEXT");
    update->add_option("--number", u->number, "番号")->type_name("TEXT")->required();
    update->add_option("--branch", u->branch, "枝番")->type_name("DIGITS");
    update->add_option("--ratio", u->ratio, "負担割合 1, 2 or 3")->type_name("N");
    update->add_option("--note", u->note, "How the numbers were learned")->type_name("TEXT");
    update->callback(
        [&context, &action, u] { action = [&context, u] { return run_update(context, *u); }; });

    auto cancel_id = std::make_shared<std::int64_t>(0);
    auto cancel_note = std::make_shared<std::string>();
    CLI::App* cancel = fb->add_subcommand("cancel", "Cancel a case recorded by mistake");
    cancel->add_option("ID", *cancel_id, "Case number")->required();
    cancel->add_option("--note", *cancel_note, "Why")->type_name("TEXT")->required();
    cancel->callback([&context, &action, cancel_id, cancel_note] {
        action = [&context, cancel_id, cancel_note] {
            return run_cancel(context, *cancel_id, *cancel_note);
        };
    });
}

}  // namespace mynaq::cli
