// A tolerant BER-TLV reader for the card's records: multi-byte tags (DF 21, FF 20, 7F 21),
// the non-minimal high-tag form (FF 10), and 1/81/82/83/84 length forms. Stops at 00/FF
// filler. Never reads past the buffer; malformed input gives Error{DataInvalid}.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "mynaq/bytes.hpp"

namespace mynaq {

struct Tlv {
    std::uint32_t tag = 0;       // tag bytes as a big-endian number, e.g. 0xDF27, 0xFF20
    bool constructed = false;    // bit 6 of the first tag byte
    ByteView value;              // points into the parsed buffer
    std::size_t offset = 0;      // offset of the tag's first byte in the buffer
    std::size_t total_size = 0;  // tag + length + value
};

// Reads one TLV at `offset`. Returns nullopt at the end or at filler (00 or FF where a tag
// would start and the rest is filler).
std::optional<Tlv> read_tlv(ByteView buffer, std::size_t offset = 0);

// Every TLV in `buffer` in order (stops at filler).
std::vector<Tlv> read_tlvs(ByteView buffer);

// First child of a constructed value with the given tag.
std::optional<Tlv> find_tlv(ByteView buffer, std::uint32_t tag);

// Length of the complete object whose header starts `header` (at least the tag and length
// bytes): used to know how many bytes to read from a file. nullopt if more header is needed.
std::optional<std::size_t> object_size_from_header(ByteView header);

}  // namespace mynaq
