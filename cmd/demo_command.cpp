// mynaq demo: the whole product on embedded defaults in a temporary directory. It starts a
// private pcscd with the virtual card and runs mynaq's own commands against it, exactly as a
// technician would type them, narrated step by step. Exit 0 only if every step worked.
#include <cstdlib>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "card_session.hpp"
#include "commands.hpp"
#include "mynaq/process.hpp"
#include "sim_support.hpp"

namespace mynaq::cli {

namespace {

struct DemoOptions {
    std::string keep_dir;  // keep the work directory here instead of a temporary one
};

struct Step {
    std::vector<std::string> args;
    std::map<std::string, std::string> env;
    std::string_view title_ja, title_en;
};

std::filesystem::path make_work_dir(const DemoOptions& options) {
    if (!options.keep_dir.empty()) {
        std::filesystem::create_directories(options.keep_dir);
        return options.keep_dir;
    }
    std::string pattern = (std::filesystem::temp_directory_path() / "mynaq-demo-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
        throw Error(Errc::IoError, "cannot create a temporary directory");
    return pattern;
}

int run_demo(AppContext& context, const DemoOptions& options) {
    const auto work = make_work_dir(options);
    const bool temporary = options.keep_dir.empty();
    const bool ja = context.lang == Lang::Ja;
    auto say = [&](const std::string& line) {
        if (!context.json()) std::cout << line << '\n' << std::flush;
    };
    say(fmt::format("== {} ==", context.t("demo.title")));
    say(fmt::format("   {}", work.string()));

    VirtualCardStation station(work, make_virtual_card_config(work / "card", "plastic", ""), {});
    const std::string pin = station.config().auth_pin;
    const std::string code_b = sim::verification_number_b(station.config().holder);
    const auto config_file = work / "config.yaml";
    {
        std::ofstream config(config_file);
        config << "card:\n  wait_ms: 5000\n  apdu_timeout_ms: 5000\n"
               << "trust:\n  anchor_dirs:\n    - " << station.trust_dir().string() << '\n';
    }
    const std::string photo = (work / "photo.jp2").string();
    const std::vector<Step> steps{
        {{"card", "readers"}, {}, "カードリーダーの一覧", "List the readers"},
        {{"card", "info"},
         {},
         "カードの概要 (証明書・残り回数)",
         "Card summary (certificate, counters)"},
        {{"card", "cert"},
         {},
         "利用者証明用電子証明書と信頼チェーン",
         "Authentication certificate and its chain"},
        {{"card", "pin-status"},
         {},
         "暗証番号の残り回数 (回数を消費しない)",
         "Retry counters (no try spent)"},
        {{"card", "verify-pin", "--pin-env", "MYNAQ_DEMO_PIN"},
         {{"MYNAQ_DEMO_PIN", pin}},
         "暗証番号の確認と署名の検証",
         "PIN check and signature verification"},
        {{"card", "photo", "--out", photo, "--code-env", "MYNAQ_DEMO_CODE"},
         {{"MYNAQ_DEMO_CODE", code_b}},
         "顔写真の読み取り (照合番号B)",
         "Face photo (verification number B)"},
        {{"card", "doctor", "--rounds", "20"}, {}, "リーダー診断", "Reader diagnosis"},
    };

    const std::string self = self_executable();
    nlohmann::json results = nlohmann::json::array();
    bool all_ok = true;
    int index = 0;
    for (const auto& step : steps) {
        ++index;
        std::vector<std::string> argv{self, "--config", config_file.string()};
        if (!context.options.lang.empty())
            argv.insert(argv.end(), {"--lang", context.options.lang});
        if (context.json()) argv.push_back("--json");
        argv.insert(argv.end(), step.args.begin(), step.args.end());
        std::string shown = "mynaq";
        for (const auto& a : step.args) shown += " " + a;
        say(fmt::format("\n── {} {}/{}: {} ──\n$ {}", context.t("demo.step"), index, steps.size(),
                        ja ? step.title_ja : step.title_en, shown));
        ProcessOptions process;
        process.env = step.env;
        process.capture_output = context.json();
        process.timeout = std::chrono::milliseconds(60'000);
        const ProcessResult r = run_process(argv, process);
        const bool ok = r.exit_code == 0;
        all_ok = all_ok && ok;
        if (context.json()) {
            nlohmann::json output = nlohmann::json::parse(r.out, nullptr, false);
            results.push_back({{"step", index},
                               {"command", shown},
                               {"exit", r.exit_code},
                               {"ok", ok},
                               {"output", output.is_discarded() ? nlohmann::json(r.out) : output}});
        } else if (!ok) {
            say(fmt::format("  -> exit {}", r.exit_code));
        }
    }
    {
        const bool private_ok = station.individual_number_reads() == 0;
        all_ok = all_ok && private_ok;
        say(fmt::format(
            "\n── {} ──\n   {}", ja ? "個人番号の保護" : "Individual Number protection",
            private_ok
                ? (ja ? "カードの記録: 券面事項入力補助AP EF 0001 は一度も選択されていません。"
                      : "Card log: 券面事項入力補助AP EF 0001 was never selected.")
                : "券面事項入力補助AP EF 0001 was selected!"));
        if (context.json()) {
            results.push_back(
                {{"step", "privacy"}, {"ok", private_ok}, {"apdus", station.apdu_count()}});
        }
    }
    station.stop();
    if (temporary) {
        std::error_code ec;
        std::filesystem::remove_all(work, ec);
    }
    if (context.json()) {
        context.emit_json({{"ok", all_ok}, {"steps", results}});
    } else {
        say("\n" + std::string(context.t(all_ok ? "demo.ok" : "demo.failed")));
    }
    return all_ok ? 0 : 1;
}

}  // namespace

void add_demo_command(Registry registry) {
    auto& context = registry.context;
    auto& action = registry.action;
    static DemoOptions options;
    auto* demo = registry.app.add_subcommand(
        "demo",
        "Show the product on embedded defaults: private pcscd, virtual card, every card command");
    demo->add_option("--keep", options.keep_dir, "Work in DIR and keep it (logs, photo, test PKI)")
        ->type_name("DIR");
    demo->callback([&] { action = [&] { return run_demo(context, options); }; });
}

}  // namespace mynaq::cli
