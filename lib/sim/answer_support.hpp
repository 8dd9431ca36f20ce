// Internal to lib/sim: what every part of the emulated 資格確認端末's answering shares —
// JST stamps, the trimming and 保険者番号 comparison used to find a person, the character
// code element.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "mynaq/text_encoding.hpp"

namespace mynaq::sim::detail {

// yyyyMMddHHmmss (or yyyyMMdd) in JST.
std::string jst_stamp(std::chrono::system_clock::time_point t, bool with_time = true);
// yyyyMMddHHmmss (JST) back to a time point; load_people checked the form.
std::chrono::system_clock::time_point parse_stamp(const std::string& s);

std::string trimmed(std::string_view s);
// 保険者番号 compared right-aligned: space or zero padding does not matter.
std::string insurer_key(std::string_view s);
// CharacterCodeIdentifier: 1 for Shift_JIS, 0 for UTF-8.
std::string character_code(TextEncoding e);

}  // namespace mynaq::sim::detail
