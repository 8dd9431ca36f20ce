#include "mynaq/tlv.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "mynaq/error.hpp"

namespace mynaq {

namespace {

bool only_filler(ByteView buffer, std::size_t from) {
    return std::all_of(buffer.begin() + static_cast<std::ptrdiff_t>(from), buffer.end(),
                       [](std::uint8_t b) { return b == 0x00 || b == 0xFF; });
}

struct Header {
    std::uint32_t tag = 0;
    bool constructed = false;
    std::size_t header_size = 0;
    std::size_t length = 0;
};

// Parses tag and length; nullopt when the buffer ends inside the header.
std::optional<Header> parse_header(ByteView buffer, std::size_t offset) {
    Header h;
    std::size_t pos = offset;
    if (pos >= buffer.size()) return std::nullopt;
    const std::uint8_t first = buffer[pos++];
    h.constructed = (first & 0x20) != 0;
    h.tag = first;
    if ((first & 0x1F) == 0x1F) {
        // High tag number: continue while bit 8 is set. FF 10 is the card's non-minimal form.
        int extra = 0;
        while (true) {
            if (pos >= buffer.size()) return std::nullopt;
            const std::uint8_t b = buffer[pos++];
            if (++extra > 3) throw Error(Errc::DataInvalid, "TLV tag longer than 4 bytes");
            h.tag = h.tag << 8 | b;
            if ((b & 0x80) == 0) break;
        }
    }
    if (pos >= buffer.size()) return std::nullopt;
    const std::uint8_t len0 = buffer[pos++];
    if (len0 < 0x80) {
        h.length = len0;
    } else if (len0 == 0x80) {
        throw Error(Errc::DataInvalid, "indefinite TLV length is not used by this card");
    } else {
        const int n = len0 & 0x7F;
        if (n > 4) throw Error(Errc::DataInvalid, "TLV length field longer than 4 bytes");
        std::size_t length = 0;
        for (int i = 0; i < n; ++i) {
            if (pos >= buffer.size()) return std::nullopt;
            length = length << 8 | buffer[pos++];
        }
        h.length = length;
    }
    h.header_size = pos - offset;
    return h;
}

}  // namespace

std::optional<Tlv> read_tlv(ByteView buffer, std::size_t offset) {
    if (offset >= buffer.size() || only_filler(buffer, offset)) return std::nullopt;
    auto header = parse_header(buffer, offset);
    if (!header) {
        throw Error(Errc::DataInvalid, fmt::format("TLV header truncated at offset {}", offset));
    }
    const std::size_t value_start = offset + header->header_size;
    if (header->length > buffer.size() - value_start) {
        throw Error(Errc::DataInvalid,
                    fmt::format("TLV {:X} at offset {} claims {} bytes, only {} present",
                                header->tag, offset, header->length, buffer.size() - value_start));
    }
    Tlv tlv;
    tlv.tag = header->tag;
    tlv.constructed = header->constructed;
    tlv.value = buffer.subspan(value_start, header->length);
    tlv.offset = offset;
    tlv.total_size = header->header_size + header->length;
    return tlv;
}

std::vector<Tlv> read_tlvs(ByteView buffer) {
    std::vector<Tlv> out;
    std::size_t offset = 0;
    while (auto tlv = read_tlv(buffer, offset)) {
        offset += tlv->total_size;
        out.push_back(*tlv);
    }
    return out;
}

std::optional<Tlv> find_tlv(ByteView buffer, std::uint32_t tag) {
    for (const auto& tlv : read_tlvs(buffer)) {
        if (tlv.tag == tag) return tlv;
    }
    return std::nullopt;
}

std::optional<std::size_t> object_size_from_header(ByteView header) {
    auto h = parse_header(header, 0);
    if (!h) return std::nullopt;
    return h->header_size + h->length;
}

}  // namespace mynaq
