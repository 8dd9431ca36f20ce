// mynaq store: purge by the retention rules, migrate, and copy to another store (SQLite to
// PostgreSQL).
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "consent_support.hpp"
#include "elig_support.hpp"

namespace mynaq::cli {

namespace {

// A refusal by a rule is not the 個人番号 refusal that Errc::Forbidden's generic text
// describes, so it is reported here with its own heading; the exit status stays 77.
int report_refusal(const AppContext& context, std::string_view heading_key,
                   std::string_view hint_key, const Error& e) {
    if (context.json()) {
        nlohmann::json err{{"code", std::string(errc_name(e.code()))},
                           {"message", std::string(context.t(heading_key))},
                           {"detail", e.detail()},
                           {"hint", std::string(context.t(hint_key))}};
        for (const auto& [k, v] : e.fields()) err[k] = v;
        context.emit_json({{"error", err}});
    } else {
        std::cerr << context.t("error.prefix") << ": " << context.t(heading_key) << " ("
                  << e.detail() << ")\n"
                  << "  " << context.t("hint.prefix") << ": " << context.t(hint_key) << '\n';
    }
    return exit_status(e.code());
}

// postgresql://user:secret@host/db → postgresql://user:***@host/db
std::string without_password(const std::string& url) {
    const auto scheme = url.find("://");
    if (scheme == std::string::npos) return url;
    const auto at = url.find('@', scheme + 3);
    const auto colon = url.find(':', scheme + 3);
    if (at == std::string::npos || colon == std::string::npos || colon > at) return url;
    return url.substr(0, colon + 1) + "***" + url.substr(at);
}

struct PurgeOptions {
    std::string before;
    int claims_years = RetentionRules{}.claims_years;
    int other_years = RetentionRules{}.other_years;
    bool yes = false;
};

int run_purge(AppContext& context, const PurgeOptions& o) {
    const std::string d = normalise_date(o.before, "--before");
    const std::string before =
        fmt::format("{}-{}-{}", d.substr(0, 4), d.substr(4, 2), d.substr(6, 2));
    const RetentionRules rules{o.claims_years, o.other_years};
    if (!o.yes) {
        if (!stdin_is_terminal()) {
            throw Error(Errc::Usage,
                        "stdin is not a terminal: give --yes to purge without confirmation");
        }
        std::cerr << fmt::format(fmt::runtime(std::string(context.t("store.purge_confirm"))),
                                 before, rules.claims_years, rules.other_years)
                  << std::flush;
        std::string answer;
        if (!std::getline(std::cin, answer) || (answer != "y" && answer != "yes")) {
            std::cerr << context.t("store.purge_cancelled") << '\n';
            return 1;
        }
    }
    auto store = open_store(context);
    PurgeReport report;
    try {
        report = store->purge(before, rules);
    } catch (const Error& e) {
        if (e.code() != Errc::Forbidden) throw;
        return report_refusal(context, "store.purge_refused", "store.purge_refused_hint", e);
    }
    if (context.json()) {
        context.emit_json({{"before", before},
                           {"claims_years", rules.claims_years},
                           {"other_years", rules.other_years},
                           {"deleted",
                            {{"checks", report.checks},
                             {"consents", report.consents},
                             {"intake", report.intake},
                             {"bulk_jobs", report.bulk_jobs},
                             {"fallback_cases", report.fallback_cases},
                             {"medical_results", report.medical_results}}}});
    } else {
        std::cout << fmt::format(fmt::runtime(std::string(context.t("store.purge_done"))),
                                 report.checks, report.consents, report.intake, report.bulk_jobs,
                                 report.fallback_cases, report.medical_results)
                  << '\n';
    }
    return 0;
}

int run_migrate(AppContext& context) {
    // Opening migrates: each missing migration is applied in its own transaction.
    auto store = open_store(context);
    const int version = store->schema_version();
    const std::string location = without_password(store->location().string());
    if (context.json()) {
        context.emit_json(
            {{"location", location},
             {"schema_version", version > 0 ? nlohmann::json(version) : nlohmann::json(nullptr)}});
    } else if (version > 0) {
        std::cout << fmt::format(fmt::runtime(std::string(context.t("store.migrated"))), location,
                                 version)
                  << '\n';
    } else {
        std::cout << fmt::format(fmt::runtime(std::string(context.t("store.migrated_unknown"))),
                                 location)
                  << '\n';
    }
    return 0;
}

int run_copy(AppContext& context, const std::string& url) {
    auto from = open_store(context);
    auto to = open_store_url(url);
    to->set_operator(operator_name(context));
    CopyReport report;
    try {
        report = copy_store(*from, *to);
    } catch (const Error& e) {
        if (e.code() != Errc::Forbidden) throw;
        return report_refusal(context, "store.copy_refused", "store.copy_refused_hint", e);
    }
    const auto v = verify_audit_chain(*to);
    if (context.json()) {
        context.emit_json({{"to", without_password(url)},
                           {"copied",
                            {{"checks", report.checks},
                             {"consents", report.consents},
                             {"intake", report.intake},
                             {"bulk_jobs", report.bulk_jobs},
                             {"fallback_cases", report.fallback_cases},
                             {"receipts", report.receipts},
                             {"notified", report.notified},
                             {"charts", report.charts},
                             {"medical_results", report.medical_results},
                             {"audit", report.audit}}},
                           {"audit_ok", v.ok},
                           {"first_bad_seq", v.first_bad_seq},
                           {"reason", v.reason}});
    } else {
        std::cout << fmt::format(fmt::runtime(std::string(context.t("store.copied"))),
                                 without_password(url), report.checks, report.consents,
                                 report.intake, report.bulk_jobs, report.fallback_cases,
                                 report.receipts, report.notified, report.charts,
                                 report.medical_results, report.audit)
                  << '\n';
        std::cout << (v.ok
                          ? fmt::format(fmt::runtime(std::string(context.t("audit.ok"))), v.records)
                          : fmt::format(fmt::runtime(std::string(context.t("audit.broken"))),
                                        v.first_bad_seq, v.reason))
                  << '\n';
    }
    return v.ok ? 0 : 1;
}

}  // namespace

void add_store_commands(Registry registry) {
    auto& context = registry.context;
    auto& action = registry.action;
    CLI::App* store = registry.app.add_subcommand(
        "store", "The store: purge by the retention rules, migrate, copy to another store");
    store->require_subcommand(1);

    auto p = std::make_shared<PurgeOptions>();
    CLI::App* purge = store->add_subcommand(
        "purge", "Delete records older than a date, as the retention rules allow (audited)");
    purge->add_option("--before", p->before, "Delete records from before this day (JST)")
        ->type_name("DATE")
        ->required();
    purge
        ->add_option("--claims-years", p->claims_years,
                     "Keep checks and fallback cases this many years (default 5)")
        ->type_name("N")
        ->check(CLI::Range(1, 100));
    purge
        ->add_option("--other-years", p->other_years,
                     "Keep consents, intake, bulk jobs and medical information results this many "
                     "years (default 3)")
        ->type_name("N")
        ->check(CLI::Range(1, 100));
    purge->add_flag("--yes", p->yes, "Do not ask for confirmation (needed without a terminal)");
    purge->callback(
        [&context, &action, p] { action = [&context, p] { return run_purge(context, *p); }; });

    CLI::App* migrate =
        store->add_subcommand("migrate", "Bring the store's schema up to date; print its version");
    migrate->callback(
        [&context, &action] { action = [&context] { return run_migrate(context); }; });

    auto url = std::make_shared<std::string>();
    CLI::App* copy = store->add_subcommand(
        "copy", "Copy every record into an empty store (e.g. SQLite to PostgreSQL)");
    copy->add_option("--to", *url, "postgresql://… or an SQLite file path")
        ->type_name("URL")
        ->required();
    copy->callback(
        [&context, &action, url] { action = [&context, url] { return run_copy(context, *url); }; });
}

}  // namespace mynaq::cli
