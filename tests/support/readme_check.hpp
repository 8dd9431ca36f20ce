// The README's sample output is what mynaq prints: each block after a marker line
// `<!-- output: NAME -->` is compared with a fresh run. Times, record numbers and the checkout's
// location are the only parts allowed to differ. MYNAQ_UPDATE_README=1 rewrites the blocks from
// the runs instead. Needs MYNAQ_SOURCE_DIR.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <utility>

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
    static const std::regex time(R"(\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?(\+09:00)?)");
    static const std::regex record(R"(#\d+)");
    return std::regex_replace(std::regex_replace(text, time, "<time>"), record, "#<n>");
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
