// Configuration from YAML: $XDG_CONFIG_HOME/mynaq/config.yaml, then each of
// $XDG_CONFIG_DIRS (default /etc/xdg)/mynaq/config.yaml; --config overrides both.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mynaq {

struct Config {
    std::optional<std::string> reader;               // card.reader
    std::chrono::milliseconds apdu_timeout{10'000};  // card.apdu_timeout_ms
    std::chrono::milliseconds wait_for_card{0};      // card.wait_ms
    int expiry_warning_days = 92;                    // card.expiry_warning_days
    std::vector<std::filesystem::path> trust_dirs;   // trust.anchor_dirs
    bool builtin_anchors = true;                     // trust.builtin_anchors
    std::optional<std::string> lang;                 // lang: ja | en
    std::optional<std::filesystem::path> source;     // the file this came from
};

// The first existing file by the XDG rules, if any.
std::optional<std::filesystem::path> find_config_file();

// Throws Error{ConfigInvalid} naming the key and line of what is wrong, and
// Error{FileNotFound} when an explicitly named file is missing.
Config load_config(const std::filesystem::path& file);

// Where data (trust anchors, the virtual card's photo) lives: $MYNAQ_DATADIR, share/mynaq
// beside the binary, share/mynaq of the configured prefix, or the source tree's data/ for a
// build that was not installed.
std::filesystem::path data_dir();

}  // namespace mynaq
