#include <chrono>

#include "mynaq/error.hpp"
#include "mynaq/transport.hpp"

namespace mynaq {

ResponseApdu ApduChannel::exchange(const CommandApdu& command) {
    const auto start = std::chrono::steady_clock::now();
    Bytes raw = command.encode();
    Bytes answer;
    try {
        answer = transport_.transmit(raw);
    } catch (...) {
        secure_wipe(raw.data(), raw.size());
        throw;
    }
    secure_wipe(raw.data(), raw.size());
    ++apdu_count_;
    ResponseApdu response = ResponseApdu::parse(answer);
    if (sink_) {
        sink_(TranscriptEntry{command.redacted_hex(), to_hex(response.data), response.sw.hex(),
                              std::chrono::duration_cast<std::chrono::microseconds>(
                                  std::chrono::steady_clock::now() - start)});
    }
    return response;
}

ResponseApdu ApduChannel::send(const CommandApdu& command) {
    ResponseApdu response = exchange(command);

    // 6Cxx: the card tells the exact Le; resend once with it.
    if (response.sw.sw1() == 0x6C) {
        const std::uint16_t exact = response.sw.sw2() == 0 ? 256 : response.sw.sw2();
        response = exchange(command.with_le(exact));
    }

    // 61xx: more data waits; collect it with GET RESPONSE until the card says 9000.
    Bytes collected = response.data;
    int rounds = 0;
    while (response.sw.sw1() == 0x61) {
        if (++rounds > 64) throw Error(Errc::CardError, "GET RESPONSE loop did not end");
        response = exchange(CommandApdu::get_response(response.sw.sw2()));
        collected.insert(collected.end(), response.data.begin(), response.data.end());
    }
    response.data = std::move(collected);
    return response;
}

}  // namespace mynaq
