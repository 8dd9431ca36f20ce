// chart_kana_key(): OQS sends kana names in half-width katakana with a space between family
// and given name; clinics type them full-width, with or without an ideographic space. Matching
// a face result to a chart compares this one form.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "mynaq/store.hpp"

namespace mynaq {

namespace {

// Full-width katakana for U+FF66 (ｦ) … U+FF9D (ﾝ), in code point order.
constexpr std::array<char16_t, 56> kFullKatakana = {
    u'ヲ', u'ァ', u'ィ', u'ゥ', u'ェ', u'ォ', u'ャ', u'ュ', u'ョ', u'ッ', u'ー', u'ア',
    u'イ', u'ウ', u'エ', u'オ', u'カ', u'キ', u'ク', u'ケ', u'コ', u'サ', u'シ', u'ス',
    u'セ', u'ソ', u'タ', u'チ', u'ツ', u'テ', u'ト', u'ナ', u'ニ', u'ヌ', u'ネ', u'ノ',
    u'ハ', u'ヒ', u'フ', u'ヘ', u'ホ', u'マ', u'ミ', u'ム', u'メ', u'モ', u'ヤ', u'ユ',
    u'ヨ', u'ラ', u'リ', u'ル', u'レ', u'ロ', u'ワ', u'ン',
};

// Decodes one UTF-8 sequence at `i`; an invalid byte reads as itself (U+FFFD would merge
// different bad names into one key).
char32_t next_code_point(std::string_view text, std::size_t& i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    int length = 1;
    char32_t cp = lead;
    if (lead >= 0xF8) {
        // Not a lead byte in UTF-8: read as itself, like a stray continuation byte.
    } else if (lead >= 0xF0) {
        length = 4;
        cp = lead & 0x07U;
    } else if (lead >= 0xE0) {
        length = 3;
        cp = lead & 0x0FU;
    } else if (lead >= 0xC0) {
        length = 2;
        cp = lead & 0x1FU;
    }
    if (length == 1 || i + static_cast<std::size_t>(length) > text.size()) {
        ++i;
        return lead;
    }
    for (int k = 1; k < length; ++k) {
        const unsigned char c = byte(i + static_cast<std::size_t>(k));
        if ((c & 0xC0U) != 0x80U) {
            ++i;
            return lead;
        }
        cp = (cp << 6U) | (c & 0x3FU);
    }
    i += static_cast<std::size_t>(length);
    return cp;
}

void append_utf8(std::u32string_view code_points, std::string& out) {
    for (const char32_t cp : code_points) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6U));
            out += static_cast<char>(0x80 | (cp & 0x3FU));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12U));
            out += static_cast<char>(0x80 | ((cp >> 6U) & 0x3FU));
            out += static_cast<char>(0x80 | (cp & 0x3FU));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18U));
            out += static_cast<char>(0x80 | ((cp >> 12U) & 0x3FU));
            out += static_cast<char>(0x80 | ((cp >> 6U) & 0x3FU));
            out += static_cast<char>(0x80 | (cp & 0x3FU));
        }
    }
}

// The voiced (゛) or semi-voiced (゜) form of a full-width katakana, or 0 when it has none.
char32_t voiced(char32_t base, bool semi) {
    if (semi) {
        if (base >= U'ハ' && base <= U'ホ' && (base - U'ハ') % 3 == 0) return base + 2;
        return 0;
    }
    if (base == U'ウ') return U'ヴ';
    if ((base >= U'カ' && base <= U'ヂ' && (base - U'カ') % 2 == 0)) return base + 1;
    if (base >= U'ツ' && base <= U'ド' && (base - U'ツ') % 2 == 0) return base + 1;
    if (base >= U'ハ' && base <= U'ホ' && (base - U'ハ') % 3 == 0) return base + 1;
    return 0;
}

}  // namespace

std::string chart_kana_key(std::string_view kana) {
    std::u32string key;
    key.reserve(kana.size());
    for (std::size_t i = 0; i < kana.size();) {
        const char32_t cp = next_code_point(kana, i);
        if (cp == U' ' || cp == U'\u3000' || cp == U'\t') continue;
        if (cp >= 0xFF66 && cp <= 0xFF9D) {
            key += static_cast<char32_t>(kFullKatakana.at(cp - 0xFF66));
        } else if (cp == 0xFF9E || cp == 0xFF9F) {
            const char32_t combined = key.empty() ? 0 : voiced(key.back(), cp == 0xFF9F);
            if (combined != 0) {
                key.back() = combined;
            } else {
                key += cp == 0xFF9E ? U'゛' : U'゜';
            }
        } else {
            key += cp;
        }
    }
    std::string out;
    out.reserve(key.size() * 3);
    append_utf8(key, out);
    return out;
}

}  // namespace mynaq
