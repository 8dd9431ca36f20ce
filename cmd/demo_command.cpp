// mynaq demo: the whole product on embedded defaults in a temporary directory. It starts a
// private pcscd with the virtual card and runs mynaq's own commands against it, exactly as a
// technician would type them, narrated step by step. Exit 0 only if every step worked.
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "card_session.hpp"
#include "commands.hpp"
#include "mynaq/process.hpp"
#include "mynaq/sim/oqs_terminal.hpp"
#include "report_support.hpp"
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
    int expected_exit = 0;
    std::function<void()> before = {};  // e.g. make the emulated 端末 fail for an outage
};

// The emulated 資格確認端末 answering on its own thread for the demo's eligibility steps.
class DemoTerminal {
public:
    explicit DemoTerminal(const std::filesystem::path& root) : terminal_(options(root)) {
        thread_ = std::jthread([this](std::stop_token stop) { terminal_.run(stop); });
    }
    sim::OqsTerminal& terminal() { return terminal_; }
    void stop() {
        thread_.request_stop();
        if (thread_.joinable()) thread_.join();
    }

private:
    static sim::OqsTerminalOptions options(const std::filesystem::path& root) {
        sim::OqsTerminalOptions o;
        o.root = root;
        o.people = sim::load_people(data_dir() / "sim" / "people.yaml");
        o.poll = std::chrono::milliseconds(100);
        return o;
    }
    sim::OqsTerminal terminal_;
    std::jthread thread_;
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
    DemoTerminal oqs_terminal(work / "oqs");
    const auto config_file = work / "config.yaml";
    {
        std::ofstream config(config_file);
        config << "card:\n  wait_ms: 5000\n  apdu_timeout_ms: 5000\n"
               << "trust:\n  anchor_dirs:\n    - " << station.trust_dir().string() << '\n'
               << "facility:\n  code: \"1312345678\"\n"
               << "oqs:\n  folder:\n    root: " << (work / "oqs").string()
               << "\n    timeout_s: 2\n    stable_read_ms: 50\n"
               << "store:\n  path: " << (work / "mynaq.db").string() << '\n';
    }
    const std::string reservations = (work / "reservations.csv").string();
    std::ofstream(reservations) << "chart_id,insurer_number,symbol,number,branch,birthdate\n"
                                   "C0001,06139992,1234,5678,01,1980-01-01\n"
                                   "C0002,139998,模擬01,223344,,1992-07-15\n"
                                   "C0003,39139993,,00012345,,1940-03-02\n";
    // The clinic's charts, registered as 照会番号 so the face results find them.
    const std::string charts = (work / "charts.csv").string();
    std::ofstream(charts) << "カルテ番号,保険者番号,記号,番号,枝番,カナ氏名,生年月日\n"
                             "K000101,06139992,1234,5678,01,モギ　タロウ,1980-01-01\n"
                             "K000102,139998,模擬01,223344,,シケン　ハナコ,1992-07-15\n";
    // Two patients at the counter during the outage: a returning one confirmed orally against
    // the coverage the store holds, and a first visit who fills in the 申立書.
    const std::string returning = (work / "fallback-returning.yaml").string();
    std::ofstream(returning) << "reason: network\nvisit: return\nname: 模擬 太郎\n"
                                "birthdate: 1980-01-01\nidentity: card_photo\nportal: no\n"
                                "notice: no\ncertificate: no\noral: no_change\n";
    const std::string first_visit = (work / "fallback-first-visit.yaml").string();
    std::ofstream(first_visit) << "reason: network\nvisit: first\nname: 申立 花子\n"
                                  "kana: モウシタテ ハナコ\nbirthdate: 1990-02-02\nsex: female\n"
                                  "identity: card_photo\nportal: no\nnotice: no\n"
                                  "certificate: no\ndeclaration:\n"
                                  "  address: 東京都千代田区模擬町9-9\n"
                                  "  phone: 03-0000-0009\n  insurance_kind: unknown\n"
                                  "  employer: 模擬商事\n  signed: yes\n";
    auto& emulated = oqs_terminal.terminal();
    const auto this_month = current_month();
    const std::string photo = (work / "photo.jp2").string();
    // The same person as the virtual card's photo, framed and lit like a counter camera.
    const std::string live = (data_dir() / "sim" / "live.jpg").string();
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
        {{"face", "verify", "--card-photo", photo, "--live", live},
         {},
         "顔照合: カードの写真と撮影画像 (距離・判定・品質診断)",
         "Face match: the card photo against a live picture (distance, decision, quality)"},
        {{"card", "doctor", "--rounds", "20"}, {}, "リーダー診断", "Reader diagnosis"},
        {{"elig", "query", "--insurer", "06139984", "--number", "101", "--branch", "02",
          "--birthdate", "1975-11-22", "--limit-consent"},
         {},
         "資格確認書の番号で資格確認 (限度額情報の同意あり)",
         "Eligibility by the numbers of a 資格確認書 (限度額 consent given)"},
        {{"elig", "query", "--insurer", "06139976", "--symbol", "3333", "--number", "909",
          "--branch", "01", "--birthdate", "1985-12-31"},
         {},
         "資格を喪失した患者 (無効と表示され、終了コード 1)",
         "A patient whose coverage ended (shown as not valid, exit 1)",
         1},
        {{"elig", "batch", "--csv", reservations, "--interval", "0.2"},
         {},
         "予約患者の一括照会",
         "Bulk query of the day's reservations"},
        {{"elig", "ref", "register", "--csv", charts, "--interval", "0.2"},
         {},
         "カルテ番号を照会番号として一括登録",
         "Register chart numbers as 照会番号 in bulk"},
        {{"elig", "watch", "--once"},
         {},
         "顔認証付きカードリーダーの結果を取り込み、カルテと結び付ける (3件)",
         "Take in three face-reader results, each tied to its chart",
         0,
         [&emulated] {
             for (std::size_t i = 0; i < 3; ++i) (void)emulated.write_face_result(i);
             std::this_thread::sleep_for(std::chrono::milliseconds(400));
         }},
        {{"info", "drugs", "--reference", "K000101"},
         {},
         "薬剤情報: リーダーで同意した患者さんの服薬歴 (照会番号で、新しい順)",
         "Medication history of a patient who consented at the reader (by 照会番号, newest first)"},
        {{"elig", "query", "--insurer", "06139992", "--symbol", "1234", "--number", "5678",
          "--branch", "01", "--birthdate", "1980-01-01"},
         {},
         "障害: 資格確認端末が応答しない (OQS_TIMEOUT, 終了コード 75)",
         "Outage: the terminal does not answer (OQS_TIMEOUT, exit 75)",
         75,
         [&emulated] {
             auto faults = emulated.faults();
             faults.never_answer = true;
             emulated.set_faults(faults);
         }},
        {{"fallback", "start", "--answers", returning},
         {},
         "代替確認: 再診の患者さんを口頭確認 (前回の資格情報と照合)",
         "Fallback: a returning patient confirmed orally against the last coverage"},
        {{"fallback", "start", "--answers", first_visit},
         {},
         "代替確認: 初診の患者さんが被保険者資格申立書を記入",
         "Fallback: a first visit fills in the 被保険者資格申立書"},
        {{"fallback", "recheck"},
         {},
         "復旧後の再確認と対応リスト",
         "Recheck after recovery and the action list",
         0,
         [&emulated] {
             auto faults = emulated.faults();
             faults.never_answer = false;
             emulated.set_faults(faults);
         }},
        {{"elig", "list"}, {}, "記録された資格確認の一覧", "The checks recorded in the store"},
        {{"report", "receipts", "set", this_month.text(), "8"},
         {},
         "今月のレセプト件数を登録 (利用率の分母)",
         "Enter this month's receipts (the rate's denominator)"},
        {{"report", "level", "--month", this_month.plus(3).text()},
         {},
         "マイナ保険証利用率と、3か月後の算定月に届く加算の区分",
         "The usage rate and the 加算 level it earns three months on"},
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
        if (step.before) step.before();
        ProcessOptions process;
        process.env = step.env;
        process.capture_output = context.json();
        process.timeout = std::chrono::milliseconds(60'000);
        const ProcessResult r = run_process(argv, process);
        const bool ok = r.exit_code == step.expected_exit;
        all_ok = all_ok && ok;
        if (context.json()) {
            nlohmann::json output = nlohmann::json::parse(r.out, nullptr, false);
            results.push_back({{"step", index},
                               {"command", shown},
                               {"exit", r.exit_code},
                               {"expected_exit", step.expected_exit},
                               {"ok", ok},
                               {"output", output.is_discarded() ? nlohmann::json(r.out) : output}});
        } else if (!ok) {
            say(fmt::format("  -> exit {} (expected {})", r.exit_code, step.expected_exit));
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
    oqs_terminal.stop();
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
        "Show the product on embedded defaults: virtual card on a private pcscd, emulated "
        "資格確認端末, SQLite store");
    demo->add_option("--keep", options.keep_dir, "Work in DIR and keep it (logs, photo, test PKI)")
        ->type_name("DIR");
    demo->callback([&] { action = [&] { return run_demo(context, options); }; });
}

}  // namespace mynaq::cli
