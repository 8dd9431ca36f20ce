// Text placed in the HTML documents mynaq writes (the 申立書, the usage report).
#pragma once

#include <string>
#include <string_view>

namespace mynaq {

// & < > " ' escaped, so the text is safe in element content and in quoted attributes.
std::string html_escape(std::string_view text);

}  // namespace mynaq
