// SHA-256 for content identity (face files, reservation lists) and the audit chain.
#pragma once

#include <string>
#include <string_view>

namespace mynaq {

// Lower-case hex, 64 characters.
std::string sha256_hex(std::string_view data);

}  // namespace mynaq
