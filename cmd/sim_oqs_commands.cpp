// mynaq sim oqs / sim oqs-api: the emulated 資格確認端末 (folder exchange and face reader) and
// the emulated Web API, from a file of synthetic people. For tests, demos and staff training.
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "commands.hpp"
#include "mynaq/sim/oqs_api_server.hpp"
#include "mynaq/sim/oqs_terminal.hpp"
#include "stop_signal.hpp"

namespace mynaq::cli {

namespace {

struct SimOqsOptions {
    std::string root;
    std::string people;
    std::string institution = "1312345678";
    std::string encoding = "utf-8";
    int delay_ms = 0;
    bool never_answer = false;
    bool err = false;
    bool segment9 = false;
    bool shuffle = false;
    bool zip_bulk = false;
    int processing_rounds = 1;
    double faces_per_second = 0;
    int faces = 0;
    bool once = false;
};

sim::OqsTerminalOptions terminal_options(const AppContext& context, const SimOqsOptions& o) {
    sim::OqsTerminalOptions t;
    t.root = o.root;
    t.people = sim::load_people(o.people);
    t.institution_code = o.institution;
    t.encoding = o.encoding == "shift_jis" ? TextEncoding::ShiftJis : TextEncoding::Utf8;
    t.faults.delay = std::chrono::milliseconds(o.delay_ms);
    t.faults.never_answer = o.never_answer;
    t.faults.err = o.err;
    t.faults.segment9 = o.segment9;
    t.faults.shift_jis = o.encoding == "shift_jis";
    t.faults.shuffle = o.shuffle;
    t.faults.zip_bulk = o.zip_bulk;
    t.processing_rounds = o.processing_rounds;
    t.faces_per_second = o.faces_per_second;
    const bool json = context.json();
    t.log = [json](std::string_view line) {
        if (json) {
            std::cout << nlohmann::json{{"event", "log"}, {"line", line}}.dump() << std::endl;
        } else {
            std::cerr << "mynaq sim oqs: " << line << '\n';
        }
    };
    return t;
}

int run_sim_oqs(AppContext& context, const SimOqsOptions& o) {
    sim::OqsTerminal terminal(terminal_options(context, o));
    for (int i = 0; i < o.faces; ++i) {
        terminal.write_face_result(static_cast<std::size_t>(i) %
                                   terminal.options().people.people.size());
    }
    if (o.once) {
        const auto answered = terminal.serve_once();
        const auto stats = terminal.stats();
        if (context.json()) {
            context.emit_json({{"answered", answered}, {"faces", stats.faces}});
        } else {
            std::cout << fmt::format("answered {}, faces written {}\n", answered, stats.faces);
        }
        return 0;
    }
    install_stop_handlers();
    std::jthread worker([&terminal](std::stop_token stop) { terminal.run(stop); });
    if (context.json()) {
        std::cout << nlohmann::json{{"event", "ready"},
                                    {"root", o.root},
                                    {"people", terminal.options().people.people.size()}}
                         .dump()
                  << std::endl;
    } else {
        std::cerr << fmt::format("mynaq sim oqs: answering {} for {} people; Ctrl-C to stop\n",
                                 o.root, terminal.options().people.people.size());
    }
    while (!stop_requested()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    worker.request_stop();
    return 0;
}

struct SimApiOptions {
    int port = 0;
    std::string pki;
    std::string people;
    int token_lifetime = 600;
    int fail_5xx = 0;
    int delay_ms = 0;
};

int run_sim_api(AppContext& context, const SimApiOptions& o) {
    const auto pki = sim::OqsApiPki::load_or_create(o.pki);
    sim::OqsTerminalOptions t;
    t.root = std::filesystem::path(o.pki) / "terminal";
    t.people = sim::load_people(o.people);
    auto terminal = std::make_shared<sim::OqsTerminal>(std::move(t));
    sim::OqsApiFaults faults;
    faults.token_lifetime_s = o.token_lifetime;
    faults.fail_next_5xx = o.fail_5xx;
    faults.delay = std::chrono::milliseconds(o.delay_ms);
    sim::OqsApiServer server(
        pki,
        [terminal](const oqs::Node& request, std::string_view prefix) {
            return terminal->answer(request, prefix);
        },
        faults);
    const auto port = server.start(static_cast<std::uint16_t>(o.port));
    install_stop_handlers();
    nlohmann::json ready{
        {"event", "ready"},
        {"port", port},
        {"ca_file", pki.ca_cert.string()},
        {"client_cert", pki.client_cert.string()},
        {"client_key", pki.client_key.string()},
        {"login_url", fmt::format("https://127.0.0.1:{}{}", port, sim::kOqsApiLoginPath)},
        {"search_url", fmt::format("https://127.0.0.1:{}{}", port, sim::kOqsApiSearchPath)},
        {"bulk_upload_url",
         fmt::format("https://127.0.0.1:{}{}", port, sim::kOqsApiBulkUploadPath)},
        {"bulk_download_url",
         fmt::format("https://127.0.0.1:{}{}", port, sim::kOqsApiBulkDownloadPath)}};
    for (const std::string_view prefix : sim::kOqsApiOtherPrefixes) {
        ready["urls"][std::string(prefix)] =
            fmt::format("https://127.0.0.1:{}{}{}", port, sim::kOqsApiOtherPathBase, prefix);
    }
    if (context.json()) {
        std::cout << ready.dump() << std::endl;
    } else {
        std::cerr << fmt::format(
            "mynaq sim oqs-api: https://127.0.0.1:{} (client CA and certs in "
            "{}); Ctrl-C to stop\n",
            port, o.pki);
    }
    while (!stop_requested()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    server.stop();
    return 0;
}

}  // namespace

void add_sim_oqs_commands(Registry registry, CLI::App& sim) {
    auto& context = registry.context;
    auto& action = registry.action;
    auto o = std::make_shared<SimOqsOptions>();
    CLI::App* oqs = sim.add_subcommand(
        "oqs", "Emulate the 資格確認端末: answer req/ into res/, write face results into face/");
    oqs->add_option("--root", o->root, "The OQS folder (req/ res/ face/ are created)")
        ->type_name("DIR")
        ->required();
    oqs->add_option("--people", o->people, "Synthetic people (YAML; see examples/people.yaml)")
        ->type_name("FILE")
        ->required();
    oqs->add_option("--institution", o->institution, "医療機関コード in results")
        ->type_name("CODE");
    oqs->add_option("--encoding", o->encoding, "Encoding of results: utf-8 or shift_jis")
        ->type_name("ENC")
        ->check(CLI::IsMember({"utf-8", "shift_jis"}));
    oqs->add_option("--delay-ms", o->delay_ms, "Wait before each answer")
        ->type_name("MS")
        ->check(CLI::Range(0, 3'600'000));
    oqs->add_flag("--never-answer", o->never_answer, "Leave requests unanswered (outage)");
    oqs->add_flag("--err", o->err, "Refuse requests with an .err file");
    oqs->add_flag("--segment9", o->segment9, "Answer with SegmentOfResult 9 (異常終了)");
    oqs->add_flag("--shuffle", o->shuffle, "Write elements in a different order");
    oqs->add_flag("--zip-bulk", o->zip_bulk, "Send 一括照会 results as .zip");
    oqs->add_option("--processing-rounds", o->processing_rounds,
                    "一括照会 downloads answered 処理中 before the result (default 1)")
        ->type_name("N")
        ->check(CLI::Range(0, 1000));
    oqs->add_option("--faces-per-second", o->faces_per_second,
                    "Write face results at this rate, cycling through the people")
        ->type_name("RATE")
        ->check(CLI::Range(0.0, 10000.0));
    oqs->add_option("--faces", o->faces, "Write N face results at start")
        ->type_name("N")
        ->check(CLI::Range(0, 1'000'000));
    oqs->add_flag("--once", o->once, "Answer what is in req/ now and exit");
    oqs->callback(
        [&context, &action, o] { action = [&context, o] { return run_sim_oqs(context, *o); }; });

    auto a = std::make_shared<SimApiOptions>();
    CLI::App* api =
        sim.add_subcommand("oqs-api", "Emulate the Web API over HTTPS with client certificates");
    api->add_option("--port", a->port, "Port on 127.0.0.1 (0: any free port, printed)")
        ->type_name("PORT")
        ->check(CLI::Range(0, 65535));
    api->add_option("--pki", a->pki, "Directory for the throwaway CA, server and client certs")
        ->type_name("DIR")
        ->required();
    api->add_option("--people", a->people, "Synthetic people (YAML)")
        ->type_name("FILE")
        ->required();
    api->add_option("--token-lifetime", a->token_lifetime, "Seconds an idToken lives")
        ->type_name("SECONDS")
        ->check(CLI::Range(1, 86400));
    api->add_option("--fail-5xx", a->fail_5xx, "Answer the next N requests with 503")
        ->type_name("N")
        ->check(CLI::Range(0, 1000));
    api->add_option("--delay-ms", a->delay_ms, "Wait before each answer")
        ->type_name("MS")
        ->check(CLI::Range(0, 3'600'000));
    api->callback(
        [&context, &action, a] { action = [&context, a] { return run_sim_api(context, *a); }; });
}

}  // namespace mynaq::cli
