#include "answer_support.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace mynaq::sim::detail {

std::string jst_stamp(std::chrono::system_clock::time_point t, bool with_time) {
    using namespace std::chrono;
    const auto local = floor<seconds>(t) + hours(9);
    const auto day = floor<days>(local);
    const year_month_day ymd{day};
    const hh_mm_ss hms{local - day};
    std::string s =
        fmt::format("{:04}{:02}{:02}", static_cast<int>(ymd.year()),
                    static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    if (with_time) {
        s += fmt::format("{:02}{:02}{:02}", hms.hours().count(), hms.minutes().count(),
                         hms.seconds().count());
    }
    return s;
}

std::chrono::system_clock::time_point parse_stamp(const std::string& s) {
    using namespace std::chrono;
    const year_month_day ymd{year(std::stoi(s.substr(0, 4))),
                             month(static_cast<unsigned>(std::stoi(s.substr(4, 2)))),
                             day(static_cast<unsigned>(std::stoi(s.substr(6, 2))))};
    const auto t = sys_days(ymd) + hours(std::stoi(s.substr(8, 2))) +
                   minutes(std::stoi(s.substr(10, 2))) + seconds(std::stoi(s.substr(12, 2)));
    return system_clock::time_point(t - hours(9));
}

std::string trimmed(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(first, last - first + 1));
}

std::string insurer_key(std::string_view s) {
    std::string t = trimmed(s);
    t.erase(0, std::min(t.find_first_not_of('0'), t.size()));
    return t;
}

std::string character_code(TextEncoding e) {
    return e == TextEncoding::ShiftJis ? "1" : "0";
}

}  // namespace mynaq::sim::detail
