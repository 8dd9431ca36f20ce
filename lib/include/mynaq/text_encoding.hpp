// Text encodings met at the 資格確認端末: UTF-8 and Shift_JIS. Windows writes Shift_JIS as
// code page 932, so both directions use CP932 (it is a superset and maps ～ and ① the way the
// 端末 does).
#pragma once

#include <string>
#include <string_view>

namespace mynaq {

enum class TextEncoding { Utf8, ShiftJis };

// "UTF-8" / "Shift_JIS": the spelling used in XML declarations.
std::string_view encoding_label(TextEncoding encoding);

// Throws Error{MessageInvalid} naming the byte offset of the first byte that cannot be
// converted.
std::string utf8_to_sjis(std::string_view utf8);
std::string sjis_to_utf8(std::string_view sjis);

bool is_valid_utf8(std::string_view bytes);

}  // namespace mynaq
