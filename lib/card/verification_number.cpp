#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "mynaq/card.hpp"
#include "mynaq/error.hpp"

namespace mynaq::card {

namespace {

bool all_digits(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string japanese_era_yymmdd(std::string_view yyyymmdd) {
    if (yyyymmdd.size() != 8 || !all_digits(yyyymmdd)) {
        throw Error(Errc::InvalidArgument, "birth date must be YYYYMMDD");
    }
    const int date = std::stoi(std::string(yyyymmdd));
    const int year = date / 10000;
    int era_year = 0;
    if (date >= 20190501) {
        era_year = year - 2018;  // 令和
    } else if (date >= 19890108) {
        era_year = year - 1988;  // 平成
    } else if (date >= 19261225) {
        era_year = year - 1925;  // 昭和
    } else if (date >= 19120730) {
        era_year = year - 1911;  // 大正
    } else {
        era_year = year - 1867;  // 明治
    }
    return fmt::format("{:02d}{}", era_year % 100, yyyymmdd.substr(4));
}

SecretString verification_b_from_input(const SecretString& input) {
    const std::string& text = input.reveal();
    std::vector<std::string> parts;
    std::string current;
    for (char c : text) {
        if (c == ' ' || c == '/' || c == '\t') {
            if (!current.empty()) parts.push_back(std::move(current));
            current.clear();
        } else if (c != '-') {
            current.push_back(c);
        }
    }
    if (!current.empty()) parts.push_back(std::move(current));
    const auto wipe_parts = [&] {
        for (auto& p : parts) secure_wipe(p.data(), p.size());
        secure_wipe(current.data(), current.size());
    };
    std::string result;
    if (parts.size() == 1 && parts[0].size() == 14 && all_digits(parts[0])) {
        result = parts[0];
    } else if (parts.size() == 3 && parts[0].size() == 8 && all_digits(parts[0]) &&
               parts[1].size() == 4 && all_digits(parts[1]) && parts[2].size() == 4 &&
               all_digits(parts[2])) {
        result = japanese_era_yymmdd(parts[0]) + parts[1] + parts[2];
    } else {
        wipe_parts();
        throw Error(Errc::PinFormat,
                    "照合番号B is 14 digits, or birth date, expiry year and security code "
                    "(e.g. 1980-02-17 2035 2285)");
    }
    wipe_parts();
    return SecretString(std::move(result));
}

}  // namespace mynaq::card
