#include "mynaq/jst.hpp"

#include <fmt/format.h>

namespace mynaq {

namespace {

struct Parts {
    int year;
    unsigned month, day;
    long hour, minute, second;
};

Parts split(std::chrono::sys_seconds time) {
    using namespace std::chrono;
    const auto local = time + kJstOffset;
    const auto day = floor<days>(local);
    const year_month_day ymd{day};
    const hh_mm_ss hms{local - day};
    return {static_cast<int>(ymd.year()),
            static_cast<unsigned>(ymd.month()),
            static_cast<unsigned>(ymd.day()),
            static_cast<long>(hms.hours().count()),
            static_cast<long>(hms.minutes().count()),
            static_cast<long>(hms.seconds().count())};
}

}  // namespace

std::string format_jst_iso(std::chrono::sys_seconds time) {
    const Parts p = split(time);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+09:00", p.year, p.month, p.day, p.hour,
                       p.minute, p.second);
}

std::string format_jst_human(std::chrono::sys_seconds time) {
    const Parts p = split(time);
    return fmt::format("{:04}-{:02}-{:02} {:02}:{:02} JST", p.year, p.month, p.day, p.hour,
                       p.minute);
}

std::string format_jst_date(std::chrono::sys_seconds time) {
    const Parts p = split(time);
    return fmt::format("{:04}-{:02}-{:02}", p.year, p.month, p.day);
}

std::chrono::sys_seconds now_seconds() {
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace mynaq
