#include "mynaq/fallback/share.hpp"

#include <chrono>
#include <string_view>

namespace mynaq::fallback {

namespace {

using std::chrono::year_month_day;

std::optional<year_month_day> parse_date(std::string_view text) {
    std::string digits;
    for (const char ch : text) {
        if (ch >= '0' && ch <= '9') {
            digits += ch;
        } else if (ch != '-' && ch != '/') {
            return std::nullopt;
        }
    }
    if (digits.size() != 8) return std::nullopt;
    const year_month_day d{
        std::chrono::year{std::stoi(digits.substr(0, 4))},
        std::chrono::month{static_cast<unsigned>(std::stoi(digits.substr(4, 2)))},
        std::chrono::day{static_cast<unsigned>(std::stoi(digits.substr(6, 2)))}};
    if (!d.ok()) return std::nullopt;
    return d;
}

// The anniversary in `years` years; 29 February falls on 1 March in common years, as the
// 年齢計算ニ関スル法律 counts it.
year_month_day anniversary(year_month_day birth, int years) {
    const year_month_day d{birth.year() + std::chrono::years{years}, birth.month(), birth.day()};
    if (d.ok()) return d;
    return year_month_day{
        std::chrono::sys_days{year_month_day{d.year(), d.month(), std::chrono::day{28}}} +
        std::chrono::days{1}};
}

}  // namespace

std::optional<int> parse_ratio(const std::string& text) {
    std::string digits = text;
    // "3割" and "10割": the unit may follow the digits, nothing else may.
    const bool wari = digits.ends_with("割");
    if (wari) digits.erase(digits.size() - std::string_view("割").size());
    if (digits.empty() || digits.size() > 3 ||
        digits.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
    }
    const int n = std::stoi(digits);
    if (n >= 1 && n <= 3) return n;                    // "3", "3割"
    if (n == 10 && wari) return 10;                    // "10割"
    if (n == 10 || n == 20 || n == 30) return n / 10;  // "30", "030" (OQS form)
    if (n == 100) return 10;
    return std::nullopt;
}

std::optional<int> age_on(const std::string& birthdate, const std::string& on) {
    const auto b = parse_date(birthdate);
    const auto d = parse_date(on);
    if (!b || !d || *d < *b) return std::nullopt;
    int years = static_cast<int>(d->year()) - static_cast<int>(b->year());
    if (std::chrono::sys_days{*d} < std::chrono::sys_days{anniversary(*b, years)}) --years;
    return years;
}

bool preschool_on(const std::string& birthdate, const std::string& on) {
    const auto b = parse_date(birthdate);
    const auto d = parse_date(on);
    if (!b || !d) return false;
    const auto reaches_six = std::chrono::sys_days{anniversary(*b, 6)} - std::chrono::days{1};
    const year_month_day r{reaches_six};
    // The first 31 March on or after the day the child reaches 6.
    auto march = year_month_day{r.year(), std::chrono::March, std::chrono::day{31}};
    if (std::chrono::sys_days{march} < reaches_six) {
        march = year_month_day{r.year() + std::chrono::years{1}, std::chrono::March,
                               std::chrono::day{31}};
    }
    return std::chrono::sys_days{*d} <= std::chrono::sys_days{march};
}

bool elderly_70_on(const std::string& birthdate, const std::string& on) {
    const auto b = parse_date(birthdate);
    const auto d = parse_date(on);
    if (!b || !d) return false;
    // The law counts the age reached on the day before the birthday (年齢計算ニ関スル法律), so
    // someone born on the 1st reaches 70 in the month before and is covered from the birthday
    // month, and a 29 February birthday reaches 70 on 28 February.
    const year_month_day reached{std::chrono::sys_days{anniversary(*b, 70)} - std::chrono::days{1}};
    const auto next =
        std::chrono::year_month{reached.year(), reached.month()} + std::chrono::months{1};
    const year_month_day from{next.year(), next.month(), std::chrono::day{1}};
    return std::chrono::sys_days{*d} >= std::chrono::sys_days{from};
}

bool elderly_75_on(const std::string& birthdate, const std::string& on) {
    const auto b = parse_date(birthdate);
    const auto d = parse_date(on);
    if (!b || !d) return false;
    return std::chrono::sys_days{*d} >= std::chrono::sys_days{anniversary(*b, 75)};
}

ShareSuggestion suggest_share(const std::string& birthdate, const std::string& on,
                              const std::string& known_ratio, const std::string& declared_ratio) {
    if (const auto known = parse_ratio(known_ratio); known && *known <= 3) {
        return {*known * 10, "document"};
    }
    if (preschool_on(birthdate, on)) return {20, "preschool"};
    const auto declared = parse_ratio(declared_ratio);
    if (elderly_75_on(birthdate, on)) {
        return declared && *declared <= 3 ? ShareSuggestion{*declared * 10, "declared"}
                                          : ShareSuggestion{10, "age75"};
    }
    if (elderly_70_on(birthdate, on)) {
        return declared && (*declared == 2 || *declared == 3)
                   ? ShareSuggestion{*declared * 10, "declared"}
                   : ShareSuggestion{20, "age70"};
    }
    return {30, "default"};
}

}  // namespace mynaq::fallback
