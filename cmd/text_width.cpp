#include "text_width.hpp"

namespace mynaq::cli {

namespace {

bool is_wide(char32_t c) {
    return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) ||
           (c >= 0x3041 && c <= 0x33FF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
           (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
           (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
           (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x20000 && c <= 0x3FFFD);
}

}  // namespace

std::size_t display_width(std::string_view s) {
    std::size_t width = 0;
    for (std::size_t i = 0; i < s.size();) {
        const auto b = static_cast<unsigned char>(s[i]);
        char32_t c = b;
        std::size_t len = 1;
        if (b >= 0xF0 && i + 3 < s.size()) {
            c = ((b & 0x07U) << 18) | ((static_cast<unsigned char>(s[i + 1]) & 0x3FU) << 12) |
                ((static_cast<unsigned char>(s[i + 2]) & 0x3FU) << 6) |
                (static_cast<unsigned char>(s[i + 3]) & 0x3FU);
            len = 4;
        } else if (b >= 0xE0 && i + 2 < s.size()) {
            c = ((b & 0x0FU) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3FU) << 6) |
                (static_cast<unsigned char>(s[i + 2]) & 0x3FU);
            len = 3;
        } else if (b >= 0xC0 && i + 1 < s.size()) {
            c = ((b & 0x1FU) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3FU);
            len = 2;
        }
        width += is_wide(c) ? 2 : 1;
        i += len;
    }
    return width;
}

std::string pad_right(std::string_view s, std::size_t width) {
    std::string out(s);
    const std::size_t w = display_width(s);
    if (w < width) out.append(width - w, ' ');
    return out;
}

std::string pad_left(std::string_view s, std::size_t width) {
    const std::size_t w = display_width(s);
    return std::string(w < width ? width - w : 0, ' ') + std::string(s);
}

}  // namespace mynaq::cli
