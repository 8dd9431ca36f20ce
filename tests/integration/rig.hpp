// The integration rig: a private pcscd with the vpcd reader, mynaq's virtual card attached
// in this process, and the real mynaq binary run against them as a child process.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mynaq/process.hpp"
#include "mynaq/sim/private_pcscd.hpp"
#include "mynaq/sim/vpcd_link.hpp"

namespace rig {

struct Options {
    bool with_reader = true;
    bool insert_card = true;
    mynaq::sim::TokenProfile profile = mynaq::sim::TokenProfile::PlasticCard;
    int auth_pin_tries = 3;
    int verification_b_tries = 10;
    mynaq::sim::VpcdLink::Faults faults{};
    int apdu_timeout_ms = 3000;
};

// The test PKI is made once and shared by every test process (load_or_create locks).
mynaq::sim::TestPki shared_pki();
mynaq::Bytes face_photo();
std::filesystem::path make_temp_dir(const std::string& tag);

class Rig {
public:
    explicit Rig(Options options = {});
    ~Rig();
    Rig(const Rig&) = delete;
    Rig& operator=(const Rig&) = delete;

    // Runs `mynaq --config <rig config> args...`.
    mynaq::ProcessResult run(const std::vector<std::string>& args,
                             mynaq::ProcessOptions options = {}) const;
    // Runs with --json and parses stdout; checks the exit status.
    nlohmann::json json(const std::vector<std::string>& args, int expected_exit = 0,
                        mynaq::ProcessOptions options = {}) const;

    void insert_card();
    void remove_card();  // closes the card's vpcd connection
    void wait_card_state(bool present) const;

    mynaq::sim::VirtualCard& card() { return *card_; }
    [[nodiscard]] std::vector<mynaq::sim::ApduLogEntry> log() const { return card_->log(); }
    [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
    [[nodiscard]] std::uint16_t vpcd_port() const { return pcscd_->port(); }
    [[nodiscard]] std::filesystem::path config_file() const { return dir_ / "config.yaml"; }
    mynaq::sim::VirtualCardConfig& card_config() { return card_config_; }

private:
    Options options_;
    std::filesystem::path dir_;
    std::shared_ptr<mynaq::sim::PrivatePcscd> pcscd_;
    mynaq::sim::VirtualCardConfig card_config_;
    std::unique_ptr<mynaq::sim::VirtualCard> card_;
    std::unique_ptr<mynaq::sim::VpcdLink> link_;
};

// Commands sent to the card that selected 券面事項入力補助AP EF 0001 (must stay empty).
std::vector<mynaq::sim::ApduLogEntry> individual_number_reads(
    const std::vector<mynaq::sim::ApduLogEntry>& log);

}  // namespace rig
