// The README's sample output is what mynaq prints: each block after a marker line
// `<!-- output: NAME -->` is compared with a fresh run. Times, record numbers and the checkout's
// location are the only parts allowed to differ. MYNAQ_UPDATE_README=1 rewrites the blocks from
// the runs instead. Needs MYNAQ_SOURCE_DIR.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

namespace readme {

inline std::string read_all(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Where the block of `name` starts and ends (the text between its fences).
inline std::pair<std::size_t, std::size_t> block_span(const std::string& text,
                                                      const std::string& name) {
    const auto marker = text.find("<!-- output: " + name + " -->");
    REQUIRE_MESSAGE(marker != std::string::npos, "README.md has no block " << name);
    const auto fence = text.find("```\n", marker);
    REQUIRE(fence != std::string::npos);
    const auto start = fence + 4;
    const auto end = text.find("```\n", start);
    REQUIRE(end != std::string::npos);
    return {start, end};
}

// `replacements` first (a temporary directory shown as the name staff would type), then the
// checkout's data/ as the installed share/mynaq/ and the checkout itself as relative paths;
// with `mask`, times and record numbers too.
inline std::string normalised(std::string text, bool mask,
                              std::vector<std::pair<std::string, std::string>> replacements = {}) {
    const std::string source = std::filesystem::path(MYNAQ_SOURCE_DIR).string();
    replacements.emplace_back(source + "/data", "/usr/share/mynaq");
    replacements.emplace_back(source + "/", "");
    for (const auto& [from, to] : replacements) {
        for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at))
            text.replace(at, from.size(), to);
    }
    if (!mask) return text;
    // By hand rather than with std::regex, whose inlined code GCC 12 takes for uninitialised
    // under -O2 with the sanitizers.
    const auto digits_at = [&text](std::size_t at, std::size_t count) {
        if (at + count > text.size()) return false;
        for (std::size_t k = at; k < at + count; ++k)
            if (text[k] < '0' || text[k] > '9') return false;
        return true;
    };
    const auto char_at = [&text](std::size_t at, char c) {
        return at < text.size() && text[at] == c;
    };
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        // yyyy-mm-ddThh:mm, then optional :ss and +09:00.
        if (digits_at(i, 4) && char_at(i + 4, '-') && digits_at(i + 5, 2) && char_at(i + 7, '-') &&
            digits_at(i + 8, 2) && char_at(i + 10, 'T') && digits_at(i + 11, 2) &&
            char_at(i + 13, ':') && digits_at(i + 14, 2)) {
            i += 16;
            if (char_at(i, ':') && digits_at(i + 1, 2)) i += 3;
            if (text.compare(i, 6, "+09:00") == 0) i += 6;
            out += "<time>";
        } else if (text[i] == '#' && digits_at(i + 1, 1)) {
            ++i;
            while (digits_at(i, 1)) ++i;
            out += "#<n>";
        } else {
            out += text[i++];
        }
    }
    return out;
}

inline void check_block(const std::string& name, const std::string& output,
                        const std::vector<std::pair<std::string, std::string>>& replacements = {}) {
    const auto file = std::filesystem::path(MYNAQ_SOURCE_DIR) / "README.md";
    std::string text = read_all(file);
    const auto [start, end] = block_span(text, name);
    if (const char* update = std::getenv("MYNAQ_UPDATE_README"); update && *update == '1') {
        text.replace(start, end - start, normalised(output, false, replacements));
        std::ofstream(file, std::ios::binary) << text;
        return;
    }
    INFO("README.md block " << name << " differs; MYNAQ_UPDATE_README=1 rewrites it");
    CHECK(normalised(text.substr(start, end - start), true) ==
          normalised(output, true, replacements));
}

}  // namespace readme
