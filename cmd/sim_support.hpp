// The virtual card as the command line and the demo set it up: a private pcscd, the card
// attached to its vpcd reader, and the trust anchor of the card's test PKI.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "mynaq/files.hpp"
#include "mynaq/sim/private_pcscd.hpp"
#include "mynaq/sim/virtual_card.hpp"
#include "mynaq/sim/vpcd_link.hpp"

namespace mynaq::cli {

// Test PKI kept in `state_dir` (created on first use), the bundled portrait unless `photo`.
sim::VirtualCardConfig make_virtual_card_config(const std::filesystem::path& state_dir,
                                                const std::string& profile,
                                                const std::string& photo);

// A private pcscd with the virtual card inserted; points this process's PC/SC client at it.
class VirtualCardStation {
public:
    VirtualCardStation(const std::filesystem::path& work_dir, sim::VirtualCardConfig config,
                       sim::VpcdLink::Faults faults);
    ~VirtualCardStation();
    VirtualCardStation(const VirtualCardStation&) = delete;
    VirtualCardStation& operator=(const VirtualCardStation&) = delete;

    [[nodiscard]] std::filesystem::path trust_dir() const { return trust_dir_; }
    [[nodiscard]] std::filesystem::path socket_path() const { return pcscd_.socket_path(); }
    [[nodiscard]] const sim::VirtualCardConfig& config() const { return config_; }
    [[nodiscard]] int individual_number_reads() const;
    [[nodiscard]] std::size_t apdu_count() const { return link_->apdu_count(); }
    // Writes every APDU as a JSON line (VERIFY data redacted) to `file` (0600).
    void log_to(const std::filesystem::path& file);
    void stop();

private:
    sim::PrivatePcscd pcscd_;
    sim::VirtualCardConfig config_;
    std::filesystem::path trust_dir_;
    std::unique_ptr<sim::VirtualCard> card_;
    std::unique_ptr<sim::VpcdLink> link_;
    mutable std::mutex mutex_;
    int number_reads_ = 0;
    std::shared_ptr<PrivateFile> log_;
};

}  // namespace mynaq::cli
