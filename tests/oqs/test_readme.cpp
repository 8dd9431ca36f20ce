// The README's sample output is what mynaq prints: each block after a marker line
// `<!-- output: NAME -->` is compared with a fresh run against the emulator. Times, record
// numbers and the checkout's location are the only parts allowed to differ.
// MYNAQ_UPDATE_README=1 rewrites the blocks from the runs instead.
#include <fstream>
#include <regex>
#include <sstream>

#include <doctest/doctest.h>

#include "oqs_rig.hpp"

using oqsrig::Rig;
namespace fs = std::filesystem;

namespace {

const fs::path kReadme = fs::path(MYNAQ_SOURCE_DIR) / "README.md";

std::string read_all(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Where the block of `name` starts and ends (the text between its fences).
std::pair<std::size_t, std::size_t> block_span(const std::string& readme, const std::string& name) {
    const auto marker = readme.find("<!-- output: " + name + " -->");
    REQUIRE_MESSAGE(marker != std::string::npos, "README.md has no block " << name);
    const auto fence = readme.find("```\n", marker);
    REQUIRE(fence != std::string::npos);
    const auto start = fence + 4;
    const auto end = readme.find("```\n", start);
    REQUIRE(end != std::string::npos);
    return {start, end};
}

// The checkout's path becomes the installed one, and times and record numbers are masked.
std::string normalised(std::string text, bool mask) {
    const std::string source = fs::path(MYNAQ_SOURCE_DIR).string();
    for (const auto& [from, to] : {std::pair{source + "/data", std::string("/usr/share/mynaq")},
                                   std::pair{source + "/", std::string()}}) {
        for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at))
            text.replace(at, from.size(), to);
    }
    if (!mask) return text;
    static const std::regex time(R"(\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?(\+09:00)?)");
    static const std::regex record(R"(#\d+)");
    return std::regex_replace(std::regex_replace(text, time, "<time>"), record, "#<n>");
}

void check_readme(const std::string& name, const std::string& output) {
    std::string readme = read_all(kReadme);
    const auto [start, end] = block_span(readme, name);
    if (const char* update = std::getenv("MYNAQ_UPDATE_README"); update && *update == '1') {
        readme.replace(start, end - start, normalised(output, false));
        std::ofstream(kReadme, std::ios::binary) << readme;
        return;
    }
    INFO("README.md block " << name << " differs; MYNAQ_UPDATE_README=1 rewrites it");
    CHECK(normalised(readme.substr(start, end - start), true) == normalised(output, true));
}

}  // namespace

TEST_CASE("readme: the elig query sample is what mynaq prints") {
    Rig rig;
    rig.start_terminal();
    const auto r =
        rig.run({"--lang", "ja", "elig", "query", "--insurer", "06139984", "--number", "101",
                 "--branch", "02", "--birthdate", "1975-11-22", "--limit-consent"});
    REQUIRE(r.exit_code == 0);
    check_readme("elig-query", r.out);
}

TEST_CASE("readme: the config check sample is what mynaq prints for examples/clinic.yaml") {
    const auto clinic = fs::path(MYNAQ_SOURCE_DIR) / "examples" / "clinic.yaml";
    mynaq::ProcessOptions options;
    options.env = {{"MYNAQ_FACE_MODEL_DIR", ""}, {"MYNAQ_DATADIR", ""}};
    const auto r = mynaq::run_process(
        {MYNAQ_BINARY, "--config", clinic.string(), "--lang", "ja", "config", "check"}, options);
    REQUIRE(r.exit_code == 1);  // /mnt/oqs is not mounted here
    check_readme("config-check", r.out);
}
