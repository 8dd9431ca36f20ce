#include "mynaq/fallback/dates.hpp"

#include <array>
#include <chrono>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace mynaq::fallback {

namespace {

struct Era {
    std::string_view letter;
    std::string_view kanji;
    int first_year;  // 元年 in the Gregorian calendar
};

constexpr std::array kEras = {Era{"M", "明治", 1868}, Era{"T", "大正", 1912},
                              Era{"S", "昭和", 1926}, Era{"H", "平成", 1989},
                              Era{"R", "令和", 2019}};

std::optional<std::string> make_date(int y, int m, int d) {
    const std::chrono::year_month_day ymd{std::chrono::year{y},
                                          std::chrono::month{static_cast<unsigned>(m)},
                                          std::chrono::day{static_cast<unsigned>(d)}};
    if (y < 1868 || y > 2200 || !ymd.ok()) return std::nullopt;
    return fmt::format("{:04}-{:02}-{:02}", y, m, d);
}

// Splits on anything that is not an ASCII digit; 元 counts as 1.
std::vector<int> numbers(std::string_view text) {
    std::vector<int> out;
    std::string current;
    auto flush = [&] {
        if (!current.empty() && current.size() <= 4) out.push_back(std::stoi(current));
        if (current.size() > 4) out.push_back(-1);
        current.clear();
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char ch = text[i];
        if (ch >= '0' && ch <= '9') {
            current += ch;
        } else if (text.substr(i).starts_with("元")) {
            flush();
            out.push_back(1);
            i += std::string_view("元").size() - 1;
        } else {
            flush();
        }
    }
    flush();
    return out;
}

}  // namespace

std::optional<std::string> parse_staff_date(const std::string& raw) {
    std::string_view text = raw;
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    if (text.empty()) return std::nullopt;
    for (const auto& era : kEras) {
        std::string_view rest;
        if (text.starts_with(era.kanji)) {
            rest = text.substr(era.kanji.size());
        } else if (text.front() == era.letter.front() ||
                   text.front() == era.letter.front() + ('a' - 'A')) {
            rest = text.substr(1);
        } else {
            continue;
        }
        const auto n = numbers(rest);
        if (n.size() != 3 || n[0] < 1 || n[0] > 99 || n[1] < 1 || n[2] < 1) return std::nullopt;
        return make_date(era.first_year + n[0] - 1, n[1], n[2]);
    }
    if (text.size() == 8 && text.find_first_not_of("0123456789") == std::string_view::npos) {
        return make_date(std::stoi(std::string(text.substr(0, 4))),
                         std::stoi(std::string(text.substr(4, 2))),
                         std::stoi(std::string(text.substr(6, 2))));
    }
    for (const char ch : text) {
        if (!(ch >= '0' && ch <= '9') && ch != '-' && ch != '/' && ch != '.') {
            // 2026年12月1日 is fine too.
            if (text.find("年") == std::string_view::npos) return std::nullopt;
            break;
        }
    }
    const auto n = numbers(text);
    if (n.size() != 3 || n[0] < 1000 || n[1] < 1 || n[2] < 1) return std::nullopt;
    return make_date(n[0], n[1], n[2]);
}

std::string add_days(const std::string& date, int days) {
    const auto normal = parse_staff_date(date);
    if (!normal) return date;
    const std::chrono::year_month_day ymd{
        std::chrono::year{std::stoi(normal->substr(0, 4))},
        std::chrono::month{static_cast<unsigned>(std::stoi(normal->substr(5, 2)))},
        std::chrono::day{static_cast<unsigned>(std::stoi(normal->substr(8, 2)))}};
    const std::chrono::year_month_day out{std::chrono::sys_days{ymd} + std::chrono::days{days}};
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(out.year()),
                       static_cast<unsigned>(out.month()), static_cast<unsigned>(out.day()));
}

}  // namespace mynaq::fallback
