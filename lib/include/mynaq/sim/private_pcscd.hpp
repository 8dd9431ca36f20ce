// A pcscd of our own, for tests, demos and training: its own reader configuration (the vpcd
// virtual reader on a port we choose), its own socket, in a private mount namespace so that
// a system pcscd on the same machine is never disturbed (engineering.md §B7).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

namespace mynaq::sim {

class PrivatePcscd {
public:
    struct Options {
        std::filesystem::path work_dir;  // holds run/, conf/ and pcscd.log
        std::uint16_t port = 0;          // vpcd port of the first slot; 0 = pick free ones
        std::string reader_name = "Mynaq Virtual PCD";
        std::chrono::milliseconds start_timeout{5000};
        bool with_reader = true;  // false: a pcscd with no reader at all
    };

    // Starts pcscd and waits until its socket answers and the vpcd reader is listed.
    // Points this process's PC/SC client at it (PCSCLITE_CSOCK_NAME), so call it before any
    // other PC/SC use in the process. Throws Error{PcscUnavailable} with pcscd's log tail.
    explicit PrivatePcscd(Options options);
    ~PrivatePcscd();
    PrivatePcscd(const PrivatePcscd&) = delete;
    PrivatePcscd& operator=(const PrivatePcscd&) = delete;

    [[nodiscard]] std::filesystem::path socket_path() const;
    [[nodiscard]] std::uint16_t port() const { return options_.port; }
    [[nodiscard]] pid_t pid() const { return pid_; }
    [[nodiscard]] std::string log_tail() const;
    void stop();

    // Two consecutive free loopback TCP ports (vpcd opens one per slot).
    static std::uint16_t find_free_port_pair();

private:
    bool start_once();  // false when the reader did not appear in time

    Options options_;
    pid_t pid_ = -1;
};

}  // namespace mynaq::sim
