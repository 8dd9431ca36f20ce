// mynaq: the command line over libmynaq. Parses, runs one command, and turns its result or
// error into text, JSON and an exit status.
#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

#include <fmt/format.h>

#include "commands.hpp"
#include "context.hpp"
#include "mynaq/chromium.hpp"
#include "mynaq_commit.hpp"

namespace {

// What this build can do, and what it found on this machine for the parts that live outside
// it (the face helper, Chromium for PDF and PNG).
std::string version_text() {
    const auto chromium = mynaq::find_chromium();
    return fmt::format(
        "mynaq {} (commit {})\n"
        "features: pcsc, virtual-card, jpki, oqs-folder, oqs-webapi (mTLS), sqlite, postgresql, "
        "{}, pdf/png ({})",
        MYNAQ_VERSION, MYNAQ_COMMIT, mynaq::cli::face_feature(),
        chromium ? "chromium " + chromium->string() : std::string("no chromium found"));
}

}  // namespace

int main(int argc, char** argv) {
    std::setlocale(LC_ALL, "");
    using namespace mynaq;
    cli::AppContext context;
    context.argv.assign(argv, argv + argc);
    cli::Action action;

    CLI::App app{"mynaq — My Number card (マイナ保険証) toolkit for clinics and pharmacies",
                 "mynaq"};
    app.fallthrough();
    app.require_subcommand(1);
    app.set_version_flag("--version", [] { return version_text(); });
    auto& o = context.options;
    app.add_flag("--json", o.json, "Print exactly one JSON document on stdout");
    app.add_option("--lang", o.lang, "Language of messages (ja or en; default: locale)")
        ->check(CLI::IsMember({"ja", "en"}))
        ->type_name("LANG");
    app.add_option("--config", o.config_file, "Configuration file (YAML)")->type_name("FILE");
    app.add_option("--reader", o.reader, "Reader name, or part of it")->type_name("NAME");
    app.add_flag("-v,--verbose", o.verbose, "Diagnostics on stderr");
    app.add_option("--trace", o.trace_file, "Write an APDU transcript to FILE (secrets redacted)")
        ->type_name("FILE");
    app.add_option("--operator", o.operator_name,
                   "Who is at the terminal, for the audit trail (default: configuration, then the "
                   "login name)")
        ->type_name("NAME");

    cli::Registry registry{app, context, action};
    cli::add_card_commands(registry);
    cli::add_elig_commands(registry);
    cli::add_consent_commands(registry);
    cli::add_info_commands(registry);
    cli::add_audit_commands(registry);
    cli::add_store_commands(registry);
    cli::add_fallback_commands(registry);
    cli::add_report_commands(registry);
    cli::add_face_commands(registry);
    cli::add_config_command(registry);
    cli::add_sim_commands(registry);
    cli::add_demo_command(registry);
    cli::add_completions_command(registry);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        if (context.options.json) {
            context.lang = cli::detect_lang(context.options.lang, "");
            context.emit_json(
                {{"error",
                  {{"code", "USAGE"},
                   {"message", std::string(cli::error_text(context.lang, Errc::Usage).message)},
                   {"detail", e.what()}}}});
        } else {
            app.exit(e);
        }
        return 64;
    }

    try {
        context.load();
        if (!action) throw Error(Errc::Usage, "no command given");
        return action();
    } catch (const Error& e) {
        cli::report_error(context, e);
        const int status = cli::exit_status(e.code());
        if (e.code() == Errc::CardTimeout) {
            // A worker thread is stuck inside pcsc-lite; normal exit would wait on its locks.
            std::cout.flush();
            std::cerr.flush();
            std::_Exit(status);
        }
        return status;
    } catch (const std::exception& e) {
        cli::report_error(context, Error(Errc::Internal, e.what()));
        return 70;
    }
}
