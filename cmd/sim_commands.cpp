// mynaq sim card: the virtual My Number card, attached to a vpcd reader of a pcscd — for
// tests, demos and staff training. Its PINs and holder data are fabricated test values.
#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "commands.hpp"
#include "sim_support.hpp"
#include "mynaq/config.hpp"
#include "mynaq/sim/vpcd_link.hpp"

namespace mynaq::cli {

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
};

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_signal(int) { g_stop = 1; }

Bytes read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(Errc::FileNotFound, "cannot read " + path.string(), {{"file", path.string()}});
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

sim::VirtualCardConfig make_virtual_card_config(const std::filesystem::path& state_dir,
                                                const std::string& profile,
                                                const std::string& photo) {
    sim::VirtualCardConfig config;
    config.profile = profile == "android" ? sim::TokenProfile::Android : sim::TokenProfile::PlasticCard;
    config.pki = sim::TestPki::load_or_create(state_dir);
    config.face_jp2 = read_file(photo.empty() ? data_dir() / "sim" / "face.jp2" : std::filesystem::path(photo));
    return config;
}

namespace {

int run_sim_card(AppContext& context, const SimCardOptions& o) {
    const std::filesystem::path state =
        o.state_dir.empty() ? std::filesystem::temp_directory_path() / "mynaq-sim-card" : std::filesystem::path(o.state_dir);
    sim::VirtualCardConfig config = make_virtual_card_config(state, o.profile, o.photo);
    config.auth_pin_tries = o.block_pin ? 0 : o.auth_tries;
    sim::VirtualCard card(std::move(config));

    std::shared_ptr<std::ofstream> log;
    if (!o.log_file.empty()) {
        log = std::make_shared<std::ofstream>(open_private_file(o.log_file, false));
        card.set_log_sink([log](const sim::ApduLogEntry& e) {
            nlohmann::json j{{"app", e.application},
                             {"ef", e.ef ? fmt::format("{:04X}", *e.ef) : ""},
                             {"command", e.command_hex},
                             {"sw", e.sw_hex}};
            *log << j.dump() << '\n' << std::flush;
        });
    }
    sim::VpcdLink::Faults faults;
    faults.delay = std::chrono::milliseconds(o.delay_ms);
    if (o.stop_after >= 0) faults.stop_answering_after = o.stop_after;
    if (o.remove_after >= 0) faults.remove_after = o.remove_after;
    sim::VpcdLink link(card, o.host, static_cast<std::uint16_t>(o.port), faults);
    link.start();

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    if (context.json()) {
        context.emit_json({{"virtual_card", {{"host", o.host}, {"port", o.port}, {"profile", o.profile},
                                             {"state_dir", state.string()},
                                             {"trust_dir", (state / "trust").string()}}}});
    } else {
        std::cerr << fmt::format("mynaq sim card: {} card on vpcd {}:{}; trust anchor in {}\n",
                                 o.profile, o.host, o.port, (state / "trust").string());
    }
    while (g_stop == 0 && link.running()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    link.stop();
    return 0;
}

}  // namespace

void add_sim_commands(Registry registry) {
    auto& context = registry.context;
    auto& action = registry.action;
    CLI::App* sim = registry.app.add_subcommand("sim", "Simulators for tests, demos and training");
    sim->require_subcommand(1);
    sim->fallthrough();

    static SimCardOptions o;
    auto* card = sim->add_subcommand("card", "Run the virtual My Number card on a vpcd reader");
    card->add_option("--host", o.host, "vpcd host (default 127.0.0.1)");
    card->add_option("--port", o.port, "vpcd port (default 35963)")->check(CLI::Range(1, 65535));
    card->add_option("--profile", o.profile, "plastic or android")->check(CLI::IsMember({"plastic", "android"}));
    card->add_option("--state", o.state_dir, "Directory for the test PKI (created 0700)");
    card->add_option("--photo", o.photo, "JPEG 2000 face photo (default: the bundled portrait)");
    card->add_option("--log", o.log_file, "Log every APDU as JSON lines (VERIFY data redacted)");
    card->add_option("--delay-ms", o.delay_ms, "Answer each APDU after this delay")->check(CLI::Range(0, 600000));
    card->add_option("--stop-after", o.stop_after, "Stop answering after N APDUs")->check(CLI::NonNegativeNumber);
    card->add_option("--remove-after", o.remove_after, "Remove the card after N APDUs")->check(CLI::NonNegativeNumber);
    card->add_option("--auth-tries", o.auth_tries, "Tries left on the auth PIN at start")->check(CLI::Range(0, 3));
    card->add_flag("--block-pin", o.block_pin, "Start with the auth PIN blocked");
    card->callback([&] { action = [&] { return run_sim_card(context, o); }; });
}

}  // namespace mynaq::cli
