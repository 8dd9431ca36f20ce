// Plugs a VirtualCard into vsmartcard's vpcd (the pcscd driver "Virtual PCD") so the real
// PC/SC-Lite stack sees a card: the card side is a TCP client speaking vpcd's framing
// (engineering.md §B9; mynumber-card.md §7.2).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "mynaq/sim/virtual_card.hpp"

namespace mynaq::sim {

inline constexpr std::uint16_t kVpcdDefaultPort = 35963;

class VpcdLink {
public:
    struct Faults {
        std::chrono::milliseconds delay{0};  // sleep before each APDU answer ("slow APDUs")
        // After answering N APDUs, keep reading commands but never answer again.
        std::optional<int> stop_answering_after;
        // After answering N APDUs, close the socket (card removed) when the next one arrives,
        // so that command fails the way a card pulled mid-transmit does.
        std::optional<int> remove_after;
    };

    // (Two constructors: GCC 12 rejects "Faults faults = {}" for a nested struct with
    // default member initialisers.)
    VpcdLink(VirtualCard& card, std::string host, std::uint16_t port, Faults faults);
    VpcdLink(VirtualCard& card, std::string host, std::uint16_t port)
        : VpcdLink(card, std::move(host), port, Faults()) {}
    ~VpcdLink();  // stops and joins
    VpcdLink(const VpcdLink&) = delete;
    VpcdLink& operator=(const VpcdLink&) = delete;

    // How long start() keeps retrying while vpcd is not listening yet (default 5 s).
    void set_connect_timeout(std::chrono::milliseconds timeout);
    // Connects, then serves on a background thread. Throws Error{PcscUnavailable} when vpcd
    // cannot be reached in time, Error{Usage} when already running.
    void start();
    void stop();  // closes the socket = card removed; returns once the thread has ended
    [[nodiscard]] bool running() const;
    void wait();  // blocks until the link ends (removal by fault, stop(), or vpcd closing)
    [[nodiscard]] std::size_t apdu_count() const;  // C-APDUs received, answered or not

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mynaq::sim
