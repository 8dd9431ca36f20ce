// mynaq report: マイナ保険証利用率 and the 加算 it earns. usage and level in their own files,
// the inputs (receipts, notified) in report_inputs.cpp.
#include "commands.hpp"

namespace mynaq::cli {

void add_report_usage_command(Registry registry, CLI::App& report);
void add_report_level_command(Registry registry, CLI::App& report);
void add_report_input_commands(Registry registry, CLI::App& report);

void add_report_commands(Registry registry) {
    CLI::App* report = registry.app.add_subcommand(
        "report",
        "マイナ保険証利用率 and the 加算 level it earns: usage, level, receipts, notified");
    report->require_subcommand(1);
    add_report_usage_command(registry, *report);
    add_report_level_command(registry, *report);
    add_report_input_commands(registry, *report);
}

}  // namespace mynaq::cli
