// libFuzzer target: the tolerant BER-TLV reader must never crash, hang or read out of
// bounds on any input — only return TLVs or throw Error{DataInvalid}.
#include <cstddef>
#include <cstdint>

#include "mynaq/error.hpp"
#include "mynaq/tlv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const mynaq::ByteView buffer(data, size);
    try {
        for (const auto& tlv : mynaq::read_tlvs(buffer)) {
            if (tlv.constructed) (void)mynaq::read_tlvs(tlv.value);
        }
        (void)mynaq::find_tlv(buffer, 0xDF27);
        (void)mynaq::object_size_from_header(buffer);
    } catch (const mynaq::Error& e) {
        if (e.code() != mynaq::Errc::DataInvalid) __builtin_trap();
    }
    return 0;
}
