#include "mynaq/atr.hpp"

#include <algorithm>
#include <array>

namespace mynaq {

namespace {

struct KnownAtr {
    std::string_view hex;
    std::string_view label;
};

// From pcsc-tools' smartcard_list.txt (mynumber-card.md §1.2).
constexpr std::array kKnown{
    KnownAtr{"3BE000FF8131FE4514", "JPKI contact (住基カード era)"},
    KnownAtr{"3BC5FF8131FB45807 3C60100 00", "My Number contact"},
    KnownAtr{"3BDA13FF8131FB468012392F31C173C601C03B", "My Number contact (newer)"},
    KnownAtr{"3B88800100000 5E0B381A1007F", "My Number contactless"},
    KnownAtr{"3B888001000041E0B381A1003B", "My Number contactless"},
    KnownAtr{"3B888001004B51FFB381D1000F", "My Number contactless"},
};

std::string compact(std::string_view hex) {
    std::string out;
    for (char c : hex) {
        if (c != ' ') out.push_back(c);
    }
    return out;
}

}  // namespace

AtrInfo decode_atr(ByteView atr) {
    AtrInfo info;
    if (atr.size() < 2) {
        info.problem = "shorter than TS and T0";
        return info;
    }
    if (atr[0] == 0x3B) {
        info.convention = "direct";
    } else if (atr[0] == 0x3F) {
        info.convention = "inverse";
    } else {
        info.problem = "TS is neither 3B nor 3F";
        return info;
    }
    const std::size_t historical_count = atr[1] & 0x0F;
    std::uint8_t y = atr[1] >> 4;
    std::size_t pos = 2;
    bool tck_needed = false;
    bool first_td = true;
    while (true) {
        for (int bit = 0; bit < 3; ++bit) {
            if ((y & (1 << bit)) != 0) ++pos;  // TA, TB, TC
        }
        if ((y & 0x08) == 0) break;
        if (pos >= atr.size()) {
            info.problem = "interface bytes run past the end";
            return info;
        }
        const std::uint8_t td = atr[pos++];
        const int protocol = td & 0x0F;
        if (std::find(info.protocols.begin(), info.protocols.end(), protocol) ==
            info.protocols.end()) {
            info.protocols.push_back(protocol);
        }
        if (protocol != 0) tck_needed = true;
        first_td = false;
        y = td >> 4;
    }
    if (first_td) info.protocols.push_back(0);
    if (pos + historical_count > atr.size()) {
        info.problem = "historical bytes run past the end";
        return info;
    }
    info.historical.assign(atr.begin() + static_cast<std::ptrdiff_t>(pos),
                           atr.begin() + static_cast<std::ptrdiff_t>(pos + historical_count));
    pos += historical_count;
    if (tck_needed) {
        if (pos >= atr.size()) {
            info.problem = "TCK missing";
            return info;
        }
        std::uint8_t x = 0;
        for (std::size_t i = 1; i <= pos; ++i) x ^= atr[i];
        info.tck_ok = x == 0;
        ++pos;
    }
    info.well_formed = pos == atr.size() && info.tck_ok.value_or(true);
    if (pos != atr.size()) info.problem = "extra bytes after the ATR";
    if (info.tck_ok == false) info.problem = "TCK checksum is wrong";
    info.contactless = atr.size() >= 4 && atr[0] == 0x3B && (atr[1] & 0xF0) == 0x80 &&
                       atr[2] == 0x80 && atr[3] == 0x01;
    const std::string hex = to_hex(atr, "");
    for (const auto& k : kKnown) {
        if (compact(k.hex) == hex) info.known_as = k.label;
    }
    return info;
}

}  // namespace mynaq
