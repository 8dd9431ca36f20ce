// The seam between the card logic and whatever carries APDUs: PC/SC in production, the
// virtual card in memory for unit tests.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "mynaq/apdu.hpp"

namespace mynaq {

class Transport {
public:
    virtual ~Transport() = default;
    // Sends one raw command APDU and returns the raw response (data + SW1 SW2).
    // Throws Error (CardRemoved, CardTimeout, CardCommFailed, ...).
    virtual Bytes transmit(ByteView command) = 0;
};

// One exchanged APDU as a technician sees it; secrets are already redacted.
struct TranscriptEntry {
    std::string command_hex;   // VERIFY data shown as "**"
    std::string response_hex;  // response data (may be empty)
    std::string sw_hex;        // "9000"
    std::chrono::microseconds elapsed{};
};

using TranscriptSink = std::function<void(const TranscriptEntry&)>;

// Sends commands over a Transport and handles the ISO response conventions in one place:
// 61xx -> GET RESPONSE (collecting the data), 6Cxx -> resend with Le = xx.
class ApduChannel {
public:
    explicit ApduChannel(Transport& transport) : transport_(transport) {}

    ResponseApdu send(const CommandApdu& command);

    void set_transcript(TranscriptSink sink) { sink_ = std::move(sink); }
    [[nodiscard]] std::size_t apdu_count() const { return apdu_count_; }

private:
    ResponseApdu exchange(const CommandApdu& command);

    Transport& transport_;
    TranscriptSink sink_;
    std::size_t apdu_count_ = 0;
};

}  // namespace mynaq
