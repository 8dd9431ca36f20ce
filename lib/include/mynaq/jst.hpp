// Japan Standard Time, whatever the machine's zone: JST is UTC+9 with no daylight saving,
// so a fixed offset is exact and needs no tz database.
#pragma once

#include <chrono>
#include <string>

namespace mynaq {

inline constexpr std::chrono::hours kJstOffset{9};

// "2026-11-30T19:00:00+09:00"
std::string format_jst_iso(std::chrono::sys_seconds time);
// "2026-11-30 19:00 JST"
std::string format_jst_human(std::chrono::sys_seconds time);
// "2026-11-30"
std::string format_jst_date(std::chrono::sys_seconds time);

std::chrono::sys_seconds now_seconds();

}  // namespace mynaq
