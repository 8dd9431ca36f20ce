// Each command group registers its subcommands; the chosen one leaves its action here and
// main() runs it after parsing, when every global option is known.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

#include "context.hpp"

namespace mynaq::cli {

using Action = std::function<int()>;

struct Registry {
    CLI::App& app;
    AppContext& context;
    Action& action;
};

void add_card_commands(Registry registry);
void add_sim_commands(Registry registry);
void add_elig_commands(Registry registry);
void add_demo_command(Registry registry);
void add_completions_command(Registry registry);
void add_config_command(Registry registry);
void add_consent_commands(Registry registry);
void add_audit_commands(Registry registry);
void add_store_commands(Registry registry);
void add_fallback_commands(Registry registry);
void add_report_commands(Registry registry);
void add_face_commands(Registry registry);
void add_info_commands(Registry registry);
// "face (…)" for --version: built in (mynaq-face) or the helper mynaq hands face commands to.
std::string face_feature();

}  // namespace mynaq::cli
