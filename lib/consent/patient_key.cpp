#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "mynaq/consent.hpp"
#include "mynaq/error.hpp"
#include "mynaq/text.hpp"

namespace mynaq {

namespace {

// Staff type 照会番号 and numbers with stray blanks, and the 6-digit 国保 number arrives
// space-padded: keys must not depend on either.
std::string trim(std::string_view s) {
    return std::string(trim_blanks(s));
}

std::string birthdate_digits(const std::string& text) {
    std::string d = trim(text);
    if (d.size() == 10 && d[4] == '-' && d[7] == '-') std::erase(d, '-');
    if (d.size() != 8 || !all_digits(d)) {
        throw Error(Errc::InvalidArgument,
                    fmt::format("the birth date must be yyyyMMdd or yyyy-mm-dd, not '{}'", text),
                    {{"field", "birthdate"}});
    }
    return d;
}

void refuse_individual_number(const std::string& reference) {
    if (looks_like_individual_number(reference)) {
        throw Error(Errc::Forbidden,
                    "the reference number looks like a 個人番号 (12 digits with a valid check "
                    "digit); patients are never keyed by it",
                    {{"field", "reference_number"}});
    }
}

void refuse_separator(const std::string& part, const char* field) {
    // '/' separates the parts of an insurer key; a part containing one would make two
    // different patients share a key.
    if (part.find('/') != std::string::npos) {
        throw Error(Errc::InvalidArgument, fmt::format("the {} must not contain '/'", field),
                    {{"field", field}});
    }
}

std::vector<std::string> split(std::string_view text, char separator) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        const auto end = text.find(separator, start);
        parts.emplace_back(text.substr(start, end == std::string_view::npos ? end : end - start));
        if (end == std::string_view::npos) return parts;
        start = end + 1;
    }
}

}  // namespace

namespace {

// The digits of `text` when it holds nothing else but separators people type or paste into a
// number (blanks, hyphens and dashes, their full-width forms) and full-width digits; nullopt
// for anything else.
std::optional<std::string> digits_among_separators(std::string_view text) {
    std::string digits;
    for (std::size_t i = 0; i < text.size();) {
        const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
        const std::size_t left = text.size() - i;
        if (std::isdigit(byte(0)) != 0) {
            digits += text[i];
            i += 1;
        } else if (text[i] == ' ' || text[i] == '-' || text[i] == '\t') {
            i += 1;
        } else if (left >= 3 && byte(0) == 0xEF && byte(1) == 0xBC && byte(2) >= 0x90 &&
                   byte(2) <= 0x99) {  // ０-９
            digits += static_cast<char>('0' + (byte(2) - 0x90));
            i += 3;
        } else if (left >= 3 && ((byte(0) == 0xE3 && byte(1) == 0x80 && byte(2) == 0x80) ||  // 　
                                 (byte(0) == 0xEF && byte(1) == 0xBC && byte(2) == 0x8D) ||  // －
                                 (byte(0) == 0xE2 && byte(1) == 0x80 && byte(2) >= 0x90 &&
                                  byte(2) <= 0x95) ||  // ‐ ‑ ‒ – — ―
                                 (byte(0) == 0xE2 && byte(1) == 0x88 && byte(2) == 0x92) ||   // −
                                 (byte(0) == 0xE3 && byte(1) == 0x83 && byte(2) == 0xBC))) {  // ー
            i += 3;
        } else {
            return std::nullopt;
        }
    }
    return digits;
}

}  // namespace

bool looks_like_individual_number(std::string_view input) {
    // Typed as printed on the card (1234 5678 9018) or pasted with hyphens, it is the same number.
    const auto digits = digits_among_separators(input);
    if (!digits) return false;
    const std::string_view text = *digits;
    if (text.size() != 12 || !all_digits(text)) return false;
    constexpr std::array<int, 11> kWeights{6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2};
    int sum = 0;
    for (std::size_t i = 0; i < kWeights.size(); ++i) sum += (text[i] - '0') * kWeights[i];
    const int r = sum % 11;
    const int check = r <= 1 ? 0 : 11 - r;
    return text[11] - '0' == check;
}

std::string patient_key(const std::string& reference_number, const std::string& insurer_number,
                        const std::string& symbol, const std::string& number,
                        const std::string& branch, const std::string& birthdate) {
    const std::string reference = trim(reference_number);
    if (!reference.empty()) {
        refuse_individual_number(reference);
        return "ref:" + reference;
    }
    const std::string insurer = trim(insurer_number);
    const std::string num = trim(number);
    if (insurer.empty() || num.empty() || trim(birthdate).empty()) {
        throw Error(Errc::InvalidArgument,
                    "a patient needs a reference number (照会番号), or the insurer number, number "
                    "and birth date");
    }
    const std::string sym = trim(symbol);
    const std::string br = trim(branch);
    refuse_separator(insurer, "insurer number");
    refuse_separator(sym, "symbol");
    refuse_separator(num, "number");
    refuse_separator(br, "branch");
    return fmt::format("ins:{}/{}/{}/{}/{}", insurer, sym, num, br, birthdate_digits(birthdate));
}

std::string checked_patient_key(const std::string& key) {
    const std::string k = trim(key);
    if (k.starts_with("ref:")) {
        if (trim(k.substr(4)).empty()) {
            throw Error(Errc::InvalidArgument, "the patient key 'ref:' has no reference number");
        }
        return patient_key(k.substr(4), "", "", "", "", "");
    }
    if (k.starts_with("ins:")) {
        const auto parts = split(std::string_view(k).substr(4), '/');
        if (parts.size() != 5) {
            throw Error(Errc::InvalidArgument,
                        fmt::format("the patient key '{}' must be "
                                    "ins:<insurer>/<symbol>/<number>/<branch>/<birthdate>",
                                    key));
        }
        return patient_key("", parts[0], parts[1], parts[2], parts[3], parts[4]);
    }
    // A bare number is refused whatever it is, but a 個人番号 gets the clearer refusal.
    refuse_individual_number(k);
    throw Error(Errc::InvalidArgument,
                fmt::format("the patient key '{}' must start with ref: or ins:", key));
}

}  // namespace mynaq
