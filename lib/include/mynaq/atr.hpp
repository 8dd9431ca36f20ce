// ISO 7816-3 ATR decoding for technicians. Never used to recognise the card: the ATR varies
// by chip and reader (mynumber-card.md §1.2).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mynaq/bytes.hpp"

namespace mynaq {

struct AtrInfo {
    bool well_formed = false;
    std::string convention;      // "direct" / "inverse"
    std::vector<int> protocols;  // T=0, T=1 ...
    Bytes historical;
    std::optional<bool> tck_ok;  // nullopt when no TCK is required (T=0 only)
    bool contactless = false;    // PC/SC Part 3 synthesised ATR (3B 8x 80 01 ...)
    std::string known_as;        // from the table of My Number ATRs, or empty
    std::string problem;         // why it is not well formed
};

AtrInfo decode_atr(ByteView atr);

}  // namespace mynaq
