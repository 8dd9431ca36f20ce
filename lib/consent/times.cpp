#include <algorithm>
#include <charconv>

#include "mynaq/consent.hpp"
#include "mynaq/jst.hpp"

namespace mynaq {

namespace {

bool digits_at(std::string_view s, std::size_t pos, std::size_t count, int& value) {
    if (pos + count > s.size()) return false;
    const auto part = s.substr(pos, count);
    if (!std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return false;
    }
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    return ec == std::errc() && end == part.data() + part.size();
}

// Local wall-clock fields to the instant, given the offset from UTC; nullopt for 2026-02-30.
std::optional<std::chrono::sys_seconds> instant(int y, int mo, int d, int h, int mi, int s,
                                                std::chrono::minutes offset) {
    using namespace std::chrono;
    const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                             day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return std::nullopt;
    return sys_days{ymd} + hours{h} + minutes{mi} + seconds{s} - offset;
}

}  // namespace

std::string oqs_time_to_iso(std::string_view t) {
    if (t.size() != 8 && t.size() != 12 && t.size() != 14) return {};
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    if (!digits_at(t, 0, 4, y) || !digits_at(t, 4, 2, mo) || !digits_at(t, 6, 2, d)) return {};
    if (t.size() >= 12 && (!digits_at(t, 8, 2, h) || !digits_at(t, 10, 2, mi))) return {};
    if (t.size() == 14 && !digits_at(t, 12, 2, s)) return {};
    const auto at = instant(y, mo, d, h, mi, s, kJstOffset);
    return at ? format_jst_iso(*at) : std::string();
}

std::optional<std::chrono::sys_seconds> parse_iso_time(std::string_view t) {
    // 2026-12-01T09:30:00+09:00
    if (t.size() < 20 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != ' ') ||
        t[13] != ':' || t[16] != ':') {
        return std::nullopt;
    }
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    if (!digits_at(t, 0, 4, y) || !digits_at(t, 5, 2, mo) || !digits_at(t, 8, 2, d) ||
        !digits_at(t, 11, 2, h) || !digits_at(t, 14, 2, mi) || !digits_at(t, 17, 2, s)) {
        return std::nullopt;
    }
    // The store writes milliseconds (…:00.123+09:00); they do not matter here.
    auto zone = t.substr(19);
    if (!zone.empty() && zone.front() == '.') {
        const auto end = zone.find_first_not_of("0123456789", 1);
        if (end == 1 || end == std::string_view::npos) return std::nullopt;
        zone.remove_prefix(end);
    }
    std::chrono::minutes offset{0};
    if (zone == "Z") {
        offset = std::chrono::minutes{0};
    } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
        int oh = 0, om = 0;
        if (!digits_at(zone, 1, 2, oh) || !digits_at(zone, 4, 2, om)) return std::nullopt;
        offset = std::chrono::minutes{oh * 60 + om};
        if (zone[0] == '-') offset = -offset;
    } else {
        return std::nullopt;
    }
    return instant(y, mo, d, h, mi, s, offset);
}

}  // namespace mynaq
