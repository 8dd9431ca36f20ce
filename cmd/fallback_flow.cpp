#include "fallback_flow.hpp"

#include <iostream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "consent_support.hpp"
#include "elig_support.hpp"
#include "fallback_support.hpp"
#include "mynaq/consent.hpp"
#include "mynaq/fallback/ladder.hpp"
#include "mynaq/fallback/recheck.hpp"
#include "mynaq/jst.hpp"
#include "mynaq/oqs/eligibility.hpp"

namespace mynaq::cli {

namespace {

void flatten(const YAML::Node& node, const std::string& prefix,
             std::map<std::string, std::string>& out, const std::filesystem::path& file) {
    if (node.IsMap()) {
        for (const auto& e : node) {
            const auto key = e.first.as<std::string>();
            flatten(e.second, prefix.empty() ? key : prefix + "." + key, out, file);
        }
        return;
    }
    if (!node.IsScalar()) {
        throw Error(Errc::Usage,
                    fmt::format("{}: '{}' must be a single value", file.string(), prefix));
    }
    std::string value = node.Scalar();
    if (node.Tag() != "!") {  // unquoted booleans as the flow spells them
        if (value == "true" || value == "True") value = "yes";
        if (value == "false" || value == "False") value = "no";
    }
    out[prefix] = value;
}

// What staff type for a question, mapped to the flow's value: a choice's number or id,
// y/n/はい/いいえ for yes/no; anything else as typed.
std::string interpret(const fallback::Question& q, std::string typed) {
    while (!typed.empty() && (typed.back() == ' ' || typed.back() == '\r')) typed.pop_back();
    if (q.kind == "choice" && !typed.empty() &&
        typed.find_first_not_of("0123456789") == std::string::npos) {
        const auto index = std::stoul(typed);
        // Ratio choices are their own numbers; elsewhere numbers pick from the list.
        const bool numeric_ids = std::all_of(q.choices.begin(), q.choices.end(), [](const auto& c) {
            return !c.empty() && c.find_first_not_of("0123456789") == std::string::npos;
        });
        if (!numeric_ids && index >= 1 && index <= q.choices.size()) return q.choices[index - 1];
        if (numeric_ids &&
            std::find(q.choices.begin(), q.choices.end(), typed) == q.choices.end() && index >= 1 &&
            index <= q.choices.size()) {
            return q.choices[index - 1];
        }
    }
    if (q.kind == "yesno") {
        if (typed == "y" || typed == "Y" || typed == "はい" || typed == "1") return "yes";
        if (typed == "n" || typed == "N" || typed == "いいえ" || typed == "2") return "no";
    }
    return typed;
}

void show_question(const AppContext& context, const fallback::Question& q) {
    std::cerr << "  " << question_text(context, q.id) << '\n';
    if (q.kind == "choice") {
        for (std::size_t i = 0; i < q.choices.size(); ++i) {
            std::cerr << fmt::format("    {}) {}\n", i + 1, choice_text(context, q.choices[i]));
        }
    }
    if (q.kind == "yesno") {
        std::cerr << fmt::format("    1) {}  2) {}\n", choice_text(context, "yes"),
                                 choice_text(context, "no"));
    }
    std::string prompt = "  > ";
    if (!q.default_value.empty()) {
        const auto shown =
            q.kind == "choice" ? choice_text(context, q.default_value) : q.default_value;
        prompt = fmt::format("  [{}: {}] > ", context.t("fb.default"), shown);
    }
    std::cerr << prompt << std::flush;
}

void show_info(const AppContext& context, const fallback::Ladder& ladder,
               const fallback::Question& q) {
    if (q.id == "oral" && ladder.previous()) {
        const auto& p = *ladder.previous();
        std::cerr << fmt::format("  {} ({}, #{}): {}\n", context.t("fb.previous"),
                                 time_text(p.checked_at), p.check_id, coverage_text(p.coverage));
    }
    if (q.id == "share.charged") {
        const auto s = ladder.suggestion();
        std::cerr << "  "
                  << fmt::format(fmt::runtime(std::string(context.t("fb.share_hint"))),
                                 share_text(context, s.percent), basis_text(context, s.basis))
                  << '\n';
    }
}

// Ledger entries for the oral consent of a disaster lookup when the patient's numbers are
// known; otherwise the consent stays in the case.
void record_disaster_consent(AppContext& context, Store& store, fallback::Case& c) {
    if (!c.disaster || c.disaster->consent != "oral" || !c.disaster->consent_ids.empty() ||
        !c.coverage.has_numbers() || c.birthdate.empty()) {
        return;
    }
    std::string birth = c.birthdate;
    std::erase(birth, '-');
    const auto key = patient_key("", c.coverage.insurer_number, c.coverage.symbol,
                                 c.coverage.number, c.coverage.branch, birth);
    const auto now = now_seconds();
    for (const char* category :
         {"PharmacistsInfo", "DiagnosisInfo", "SpecificHealthCheckupsInfo", "OperationInfo"}) {
        ConsentRecord r;
        r.patient_key = key;
        r.category = category;
        r.flag = "1";
        r.consented_at = format_jst_iso(now);
        r.expires_at = format_jst_iso(now + std::chrono::hours(24));
        r.source = "oral";
        r.recorded_by = operator_name(context);
        r.note = fmt::format("災害時 (fallback case {})", c.id);
        c.disaster->consent_ids.push_back(store.add_consent(r));
    }
}

void query_certificate(AppContext& context, Store& store, fallback::Case& c) {
    AppContext quick = context;
    quick.config.oqs.folder.timeout = context.config.fallback.query_timeout;
    quick.config.oqs.webapi.timeout = context.config.fallback.query_timeout;
    quick.config.oqs.webapi.retries = 0;
    if (!context.json()) std::cerr << context.t("fb.querying") << '\n';
    try {
        auto exchange = open_exchange(quick);
        const auto check = fallback::query_case(*exchange, store, c, facility_code(context));
        c.online_check_id = check.id;
        fallback::apply_recheck(c, &check, format_jst_iso(now_seconds()), claim_options(context));
        const bool valid =
            check.eligibility == "valid" || check.eligibility == "valid_unregistered";
        // Answered but not valid: the case stays with its recheck outcome for staff to act on.
        c.state = valid ? "confirmed" : "rechecked";
        if (!context.json()) {
            std::cerr << fmt::format(fmt::runtime(std::string(
                                         context.t(valid ? "fb.query_ok" : "fb.query_not_valid"))),
                                     check.id, context.t("eligibility." + check.eligibility))
                      << '\n';
        }
    } catch (const Error& e) {
        // Every way the system can be unreachable during an outage, an unmounted folder
        // included: the case is saved already and waits for the recheck.
        if (e.code() != Errc::OqsTimeout && e.code() != Errc::NetworkError &&
            e.code() != Errc::OqsFailed && e.code() != Errc::TlsError &&
            e.code() != Errc::AuthFailed && e.code() != Errc::ConfigInvalid &&
            e.code() != Errc::IoError && e.code() != Errc::FileNotFound &&
            e.code() != Errc::MessageInvalid) {
            throw;
        }
        // Left pending: the recheck reads this request's answer instead of asking again.
        c = load_case(store, c.id);
        if (!context.json()) std::cerr << context.t("fb.query_down") << '\n';
    }
}

int finish(AppContext& context, Store& store, fallback::Case c, const FlowOptions& options) {
    save_case(store, c);
    bool changed = false;
    if (c.disaster && c.disaster->consent == "oral" && c.disaster->consent_ids.empty()) {
        record_disaster_consent(context, store, c);
        changed = !c.disaster->consent_ids.empty();
    }
    if (c.resolved_by == "certificate" && options.query && c.coverage.has_numbers() &&
        !c.birthdate.empty()) {
        if (changed) save_case(store, c);
        query_certificate(context, store, c);
        changed = true;
    }
    if (changed) save_case(store, c);
    std::filesystem::path form;
    if (c.declaration) {
        form = options.form.empty() ? default_form_path(context, c.id) : options.form;
        write_form(context, c.declaration, form);
    }
    if (context.json()) {
        auto j = case_json(c);
        if (!form.empty()) j["form"] = form.string();
        context.emit_json(j);
        return 0;
    }
    std::cout << case_view(context, c);
    std::cout << fmt::format(fmt::runtime(std::string(context.t("fb.recorded"))), c.id,
                             state_text(context, c.state))
              << '\n';
    if (!form.empty()) {
        std::cout << fmt::format(fmt::runtime(std::string(context.t("fb.form_written"))),
                                 form.string())
                  << '\n';
    }
    return 0;
}

}  // namespace

std::map<std::string, std::string> read_answers_file(const std::filesystem::path& file) {
    if (!std::filesystem::exists(file)) {
        throw Error(Errc::FileNotFound, fmt::format("{} does not exist", file.string()),
                    {{"file", file.string()}});
    }
    YAML::Node root;
    try {
        root = YAML::LoadFile(file.string());
    } catch (const YAML::Exception& e) {
        throw Error(Errc::Usage,
                    fmt::format("{}: line {}: {}", file.string(), e.mark.line + 1, e.msg));
    }
    if (!root.IsMap())
        throw Error(Errc::Usage, fmt::format("{} must be a YAML map", file.string()));
    std::map<std::string, std::string> out;
    flatten(root, "", out, file);
    return out;
}

int run_fallback_flow(AppContext& context, const FlowOptions& options) {
    auto store = open_store(context);
    fallback::Case start;
    if (options.resume != 0) {
        start = load_case(*store, options.resume);
        if (start.state != "in_progress") {
            throw Error(Errc::Usage, fmt::format("fallback case {} is {}, not in progress",
                                                 start.id, start.state));
        }
    }
    const auto ladder_ctx = ladder_context(context, *store);
    if (!stdin_is_terminal()) {
        auto answers = start.answers;
        for (const auto& [k, v] : options.answers) answers[k] = v;
        std::erase_if(answers, [](const auto& kv) { return kv.first.starts_with('@'); });
        start.answers.clear();
        return finish(context, *store, fallback::run_answers(std::move(start), answers, ladder_ctx),
                      options);
    }
    for (const auto& [key, value] : options.answers) {
        if (std::find(fallback::question_ids().begin(), fallback::question_ids().end(), key) ==
            fallback::question_ids().end()) {
            throw Error(Errc::Usage,
                        fmt::format("'{}' is not a question of the fallback flow", key));
        }
    }
    fallback::Ladder ladder(std::move(start), ladder_ctx);
    fallback::Case saved = ladder.current();
    std::string group;
    std::cerr << "━━ " << context.t("fb.title") << " ━━\n" << context.t("fb.hint_input") << '\n';
    while (const auto q = ladder.next()) {
        // Given beforehand: taken without asking.
        if (const auto given = options.answers.find(q->id); given != options.answers.end()) {
            ladder.answer(given->second);
            continue;
        }
        if (q->group != group) {
            // A finished group is saved before the next begins: a crash loses one group at most.
            if (!group.empty()) {
                fallback::Case now = ladder.current();
                now.id = saved.id;
                now.revision = saved.revision;
                save_case(*store, now);
                saved = now;
                ladder = fallback::Ladder(saved, ladder_ctx);
            }
            group = q->group;
            std::cerr << "\n■ " << group_text(context, group) << '\n';
        }
        show_info(context, ladder, *q);
        show_question(context, *q);
        std::string line;
        if (!std::getline(std::cin, line) || line == "q") {
            fallback::Case now = ladder.current();
            now.id = saved.id;
            now.revision = saved.revision;
            save_case(*store, now);
            std::cerr << '\n'
                      << fmt::format(fmt::runtime(std::string(context.t("fb.saved_progress"))),
                                     now.id, now.id)
                      << '\n';
            return 1;
        }
        try {
            ladder.answer(interpret(*q, line));
        } catch (const Error& e) {
            std::cerr << "  ! " << e.what() << " — " << context.t("fb.again") << '\n';
        }
    }
    fallback::Case done = ladder.current();
    done.id = saved.id;
    done.revision = saved.revision;
    return finish(context, *store, std::move(done), options);
}

}  // namespace mynaq::cli
