// mynaq sim card / sim run: the virtual My Number card for tests, demos and staff training.
// Its PINs and holder data are fabricated test values.
#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "card_session.hpp"
#include "commands.hpp"
#include "mynaq/config.hpp"
#include "mynaq/process.hpp"
#include "sim_support.hpp"

namespace mynaq::cli {

namespace {

Bytes read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(Errc::FileNotFound, "cannot read " + path.string(), {{"file", path.string()}});
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::function<void(const sim::ApduLogEntry&)> json_line_sink(
    const std::shared_ptr<PrivateFile>& log) {
    return [log](const sim::ApduLogEntry& e) {
        nlohmann::json j{{"app", e.application},
                         {"ef", e.ef ? fmt::format("{:04X}", *e.ef) : ""},
                         {"command", e.command_hex},
                         {"sw", e.sw_hex}};
        log->write(j.dump() + '\n');
    };
}

}  // namespace

sim::VirtualCardConfig make_virtual_card_config(const std::filesystem::path& state_dir,
                                                const std::string& profile,
                                                const std::string& photo) {
    sim::VirtualCardConfig config;
    config.profile = profile == "android" ? sim::TokenProfile::Android
                     : profile == "other" ? sim::TokenProfile::OtherCard
                                          : sim::TokenProfile::PlasticCard;
    config.pki = sim::TestPki::load_or_create(state_dir);
    config.face_jp2 =
        read_file(photo.empty() ? data_dir() / "sim" / "face.jp2" : std::filesystem::path(photo));
    return config;
}

VirtualCardStation::VirtualCardStation(const std::filesystem::path& work_dir,
                                       sim::VirtualCardConfig config, sim::VpcdLink::Faults faults)
    : pcscd_({work_dir / "pcscd", 0, "Mynaq Virtual PCD", std::chrono::milliseconds(5000), true}),
      config_(std::move(config)) {
    trust_dir_ = work_dir / "trust";
    std::filesystem::create_directories(trust_dir_);
    write_file_atomic(trust_dir_ / "virtual-card-root.der", config_.pki.auth_root_der);
    card_ = std::make_unique<sim::VirtualCard>(config_);
    card_->set_log_sink([this](const sim::ApduLogEntry& e) {
        std::lock_guard lock(mutex_);
        if (e.application == "text" && e.ef == 0x0001) ++number_reads_;
        if (log_) json_line_sink(log_)(e);
    });
    link_ = std::make_unique<sim::VpcdLink>(*card_, "127.0.0.1", pcscd_.port(), faults);
    link_->start();
    // pcscd polls vpcd; the card shows up a few hundred milliseconds after it connects.
    pcsc::Context pcsc;
    wait_for_card(pcsc, std::nullopt, std::chrono::milliseconds(5000));
}

VirtualCardStation::~VirtualCardStation() {
    stop();
}

void VirtualCardStation::stop() {
    if (link_) link_->stop();
    pcscd_.stop();
}

int VirtualCardStation::individual_number_reads() const {
    std::lock_guard lock(mutex_);
    return number_reads_;
}

void VirtualCardStation::log_to(const std::filesystem::path& file) {
    auto stream = std::make_shared<PrivateFile>(file);
    std::lock_guard lock(mutex_);
    log_ = std::move(stream);
}

namespace {

struct SimCardOptions {
    std::string host = "127.0.0.1";
    int port = sim::kVpcdDefaultPort;
    std::string profile = "plastic";
    std::string state_dir;
    std::string photo;
    std::string log_file;
    int delay_ms = 0;
    int stop_after = -1;
    int remove_after = -1;
    int auth_tries = 3;
    bool block_pin = false;
    std::vector<std::string> command;  // sim run
};

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_signal(int) {
    g_stop = 1;
}

std::filesystem::path state_dir_of(const SimCardOptions& o) {
    return o.state_dir.empty() ? std::filesystem::temp_directory_path() / "mynaq-sim-card"
                               : std::filesystem::path(o.state_dir);
}

sim::VirtualCardConfig card_config_of(const SimCardOptions& o) {
    sim::VirtualCardConfig config = make_virtual_card_config(state_dir_of(o), o.profile, o.photo);
    config.auth_pin_tries = o.block_pin ? 0 : o.auth_tries;
    return config;
}

sim::VpcdLink::Faults faults_of(const SimCardOptions& o) {
    sim::VpcdLink::Faults faults;
    faults.delay = std::chrono::milliseconds(o.delay_ms);
    if (o.stop_after >= 0) faults.stop_answering_after = o.stop_after;
    if (o.remove_after >= 0) faults.remove_after = o.remove_after;
    return faults;
}

int run_sim_card(AppContext& context, const SimCardOptions& o) {
    sim::VirtualCard card(card_config_of(o));
    if (!o.log_file.empty()) {
        card.set_log_sink(json_line_sink(std::make_shared<PrivateFile>(o.log_file)));
    }
    sim::VpcdLink link(card, o.host, static_cast<std::uint16_t>(o.port), faults_of(o));
    link.start();

    (void)std::signal(SIGINT, on_signal);
    (void)std::signal(SIGTERM, on_signal);
    const auto trust = state_dir_of(o) / "trust";
    if (context.json()) {
        context.emit_json({{"virtual_card",
                            {{"host", o.host},
                             {"port", o.port},
                             {"profile", o.profile},
                             {"trust_dir", trust.string()}}}});
    } else {
        std::cerr << fmt::format("mynaq sim card: {} card on vpcd {}:{}; trust anchor in {}\n",
                                 o.profile, o.host, o.port, trust.string());
    }
    while (g_stop == 0 && link.running())
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    link.stop();
    return 0;
}

// Runs COMMAND against a private pcscd with the virtual card, then tears both down.
int run_sim_run(AppContext& context, const SimCardOptions& o) {
    if (o.command.empty()) throw Error(Errc::Usage, "sim run needs a command after --");
    std::string pattern = (std::filesystem::temp_directory_path() / "mynaq-sim-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
        throw Error(Errc::IoError, "cannot create a temporary directory");
    const std::filesystem::path work = pattern;
    int status = 0;
    {
        VirtualCardStation station(work, card_config_of(o), faults_of(o));
        if (!o.log_file.empty()) station.log_to(o.log_file);
        ProcessOptions po;
        po.capture_output = false;
        po.inherit_stdin = true;  // so `echo PIN | mynaq sim run -- mynaq card verify-pin` works
        po.timeout = std::chrono::hours(24);
        po.env["MYNAQ_SIM_TRUST_DIR"] = station.trust_dir().string();
        const auto r = run_process(o.command, po);
        status = r.exit_code;
        context.debug(fmt::format("sim run: {} APDUs, exit {}", station.apdu_count(), status));
    }
    std::error_code ec;
    std::filesystem::remove_all(work, ec);
    return status;
}

void add_card_options(CLI::App* app, SimCardOptions& o) {
    app->add_option("--profile", o.profile, "plastic, android, or other (not a My Number card)")
        ->check(CLI::IsMember({"plastic", "android", "other"}));
    app->add_option("--state", o.state_dir, "Directory for the test PKI (created 0700)")
        ->type_name("DIR");
    app->add_option("--photo", o.photo, "JPEG 2000 face photo (default: the bundled portrait)")
        ->type_name("FILE");
    app->add_option("--log", o.log_file, "Log every APDU as JSON lines (VERIFY data redacted)")
        ->type_name("FILE");
    app->add_option("--delay-ms", o.delay_ms, "Answer each APDU after this delay")
        ->check(CLI::Range(0, 600000))
        ->type_name("MS");
    app->add_option("--stop-after", o.stop_after, "Stop answering after N APDUs")
        ->check(CLI::NonNegativeNumber)
        ->type_name("N");
    app->add_option("--remove-after", o.remove_after, "Remove the card after N APDUs")
        ->check(CLI::NonNegativeNumber)
        ->type_name("N");
    app->add_option("--auth-tries", o.auth_tries, "Tries left on the auth PIN at start")
        ->check(CLI::Range(0, 3))
        ->type_name("N");
    app->add_flag("--block-pin", o.block_pin, "Start with the auth PIN blocked");
}

}  // namespace

void add_sim_oqs_commands(Registry registry, CLI::App& sim);

void add_sim_commands(Registry registry) {
    auto& context = registry.context;
    auto& action = registry.action;
    CLI::App* sim = registry.app.add_subcommand("sim", "Simulators for tests, demos and training");
    sim->require_subcommand(1);
    sim->fallthrough();

    static SimCardOptions card_options;
    auto* card = sim->add_subcommand("card", "Run the virtual My Number card on a vpcd reader");
    card->add_option("--host", card_options.host, "vpcd host (default 127.0.0.1)")
        ->type_name("HOST");
    card->add_option("--port", card_options.port, "vpcd port (default 35963)")
        ->check(CLI::Range(1, 65535))
        ->type_name("PORT");
    add_card_options(card, card_options);
    card->callback([&] { action = [&] { return run_sim_card(context, card_options); }; });

    static SimCardOptions run_options;
    auto* run = sim->add_subcommand(
        "run", "Run COMMAND with a private pcscd and the virtual card (PCSCLITE_CSOCK_NAME set)");
    add_card_options(run, run_options);
    run->add_option("command", run_options.command, "The command and its arguments, after --")
        ->required();
    run->callback([&] { action = [&] { return run_sim_run(context, run_options); }; });

    add_sim_oqs_commands(registry, *sim);
}

}  // namespace mynaq::cli
