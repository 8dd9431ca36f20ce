#include "rig.hpp"

#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <thread>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "mynaq/error.hpp"
#include "mynaq/pcsc.hpp"

namespace rig {

using namespace mynaq;

std::filesystem::path make_temp_dir(const std::string& tag) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / ("mynaq-it-" + tag + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    return pattern;
}

sim::TestPki shared_pki() {
    return sim::TestPki::load_or_create(MYNAQ_TEST_PKI_DIR);
}

Bytes face_photo() {
    std::ifstream in(std::string(MYNAQ_TEST_DATADIR) + "/sim/face.jp2", std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

namespace {

// The PC/SC client library reads PCSCLITE_CSOCK_NAME once per process, so every rig in one
// process shares one pcscd (ctest runs each case in its own process anyway).
std::shared_ptr<sim::PrivatePcscd> process_pcscd(bool with_reader) {
    static std::shared_ptr<sim::PrivatePcscd> shared;
    static bool shared_with_reader = false;
    if (shared) {
        if (shared_with_reader != with_reader) {
            throw std::runtime_error("one pcscd per test process: run this test case on its own");
        }
        return shared;
    }
    sim::PrivatePcscd::Options p;
    p.work_dir = make_temp_dir("pcscd");
    p.with_reader = with_reader;
    shared = std::make_shared<sim::PrivatePcscd>(p);
    shared_with_reader = with_reader;
    return shared;
}

}  // namespace

Rig::Rig(Options options) : options_(options), dir_(make_temp_dir("rig")) {
    pcscd_ = process_pcscd(options_.with_reader);

    card_config_.profile = options_.profile;
    card_config_.pki = shared_pki();
    card_config_.face_jp2 = face_photo();
    card_config_.auth_pin_tries = options_.auth_pin_tries;
    card_config_.verification_b_tries = options_.verification_b_tries;
    {
        std::ofstream config(config_file());
        config << fmt::format("card:\n  apdu_timeout_ms: {}\n  wait_ms: 3000\n",
                              options_.apdu_timeout_ms)
               << "trust:\n  anchor_dirs:\n    - "
               << (std::filesystem::path(MYNAQ_TEST_PKI_DIR) / "trust").string() << '\n';
    }
    if (options_.with_reader && options_.insert_card) insert_card();
}

Rig::~Rig() {
    if (card_) {
        const auto bad = individual_number_reads(card_->log());
        CHECK_MESSAGE(bad.empty(), "a command selected 券面事項入力補助AP EF 0001");
    }
    if (link_) {
        link_.reset();
        wait_card_state(false);  // the next rig in this process inserts a fresh card
    }
    pcscd_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

void Rig::insert_card() {
    if (link_) remove_card();
    if (!card_) card_ = std::make_unique<sim::VirtualCard>(card_config_);
    link_ = std::make_unique<sim::VpcdLink>(*card_, "127.0.0.1", pcscd_->port(), options_.faults);
    link_->start();
    wait_card_state(true);
}

void Rig::remove_card() {
    if (link_) link_->stop();
    link_.reset();
    wait_card_state(false);
}

void Rig::wait_card_state(bool present) const {
    pcsc::Context context;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
        const auto states = context.reader_states();
        if (!states.empty() && states.front().card_present == present) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error(present ? "the virtual card was not detected"
                                     : "the card was not seen removed");
}

ProcessResult Rig::run(const std::vector<std::string>& args, ProcessOptions options) const {
    std::vector<std::string> argv{MYNAQ_BINARY, "--config", config_file().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    if (!options.env.count("LANG")) options.env["LANG"] = "C.UTF-8";
    options.env.emplace("LC_ALL", "");
    return run_process(argv, options);
}

nlohmann::json Rig::json(const std::vector<std::string>& args, int expected_exit,
                         ProcessOptions options) const {
    std::vector<std::string> with_json{"--json"};
    with_json.insert(with_json.end(), args.begin(), args.end());
    const ProcessResult r = run(with_json, std::move(options));
    INFO("stdout: " << r.out);
    INFO("stderr: " << r.err);
    CHECK(r.exit_code == expected_exit);
    auto parsed = nlohmann::json::parse(r.out, nullptr, false);
    REQUIRE_FALSE(parsed.is_discarded());
    return parsed;
}

std::vector<sim::ApduLogEntry> individual_number_reads(const std::vector<sim::ApduLogEntry>& log) {
    std::vector<sim::ApduLogEntry> out;
    for (const auto& e : log) {
        if (e.application == "text" && e.ef == 0x0001) out.push_back(e);
    }
    return out;
}

}  // namespace rig
