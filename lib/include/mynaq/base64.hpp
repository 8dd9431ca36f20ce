// Base64 (RFC 4648, with padding) for binary results kept in text columns (a PDF 薬剤情報).
#pragma once

#include <string>
#include <string_view>

namespace mynaq {

std::string base64_encode(std::string_view bytes);
// Error{DataInvalid} for text that is not base64.
std::string base64_decode(std::string_view text);

}  // namespace mynaq
