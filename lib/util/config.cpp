#include "mynaq/config.hpp"

#include <cstdlib>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "mynaq/error.hpp"

namespace mynaq {

namespace {

std::filesystem::path env_path(const char* name) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? std::filesystem::path(v) : std::filesystem::path();
}

[[noreturn]] void invalid(const std::filesystem::path& file, const YAML::Node& node,
                          const std::string& what) {
    throw Error(Errc::ConfigInvalid,
                fmt::format("{}:{}: {}", file.string(), node.Mark().line + 1, what),
                {{"file", file.string()}});
}

template <typename T>
T scalar(const std::filesystem::path& file, const YAML::Node& node, const char* key) {
    try {
        return node.as<T>();
    } catch (const YAML::Exception&) {
        invalid(file, node, fmt::format("'{}' has a value of the wrong type", key));
    }
}

}  // namespace

std::optional<std::filesystem::path> find_config_file() {
    std::filesystem::path user = env_path("XDG_CONFIG_HOME");
    if (user.empty()) {
        const auto home = env_path("HOME");
        if (!home.empty()) user = home / ".config";
    }
    std::vector<std::filesystem::path> candidates;
    if (!user.empty()) candidates.push_back(user / "mynaq" / "config.yaml");
    std::string dirs =
        std::getenv("XDG_CONFIG_DIRS") != nullptr ? std::getenv("XDG_CONFIG_DIRS") : "";
    if (dirs.empty()) dirs = "/etc/xdg";
    std::stringstream ss(dirs);
    for (std::string dir; std::getline(ss, dir, ':');) {
        if (!dir.empty())
            candidates.push_back(std::filesystem::path(dir) / "mynaq" / "config.yaml");
    }
    for (const auto& c : candidates) {
        std::error_code ec;
        if (std::filesystem::is_regular_file(c, ec)) return c;
    }
    return std::nullopt;
}

Config load_config(const std::filesystem::path& file) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
        throw Error(Errc::FileNotFound,
                    fmt::format("configuration file {} does not exist", file.string()),
                    {{"file", file.string()}});
    }
    YAML::Node root;
    try {
        root = YAML::LoadFile(file.string());
    } catch (const YAML::Exception& e) {
        throw Error(Errc::ConfigInvalid,
                    fmt::format("{}:{}: {}", file.string(), e.mark.line + 1, e.msg),
                    {{"file", file.string()}});
    }
    Config config;
    config.source = file;
    if (root.IsNull()) return config;
    if (!root.IsMap()) invalid(file, root, "the top level must be a mapping");

    for (const auto& entry : root) {
        const auto key = entry.first.as<std::string>();
        const YAML::Node value = entry.second;
        if (key == "lang") {
            const auto lang = scalar<std::string>(file, value, "lang");
            if (lang != "ja" && lang != "en") invalid(file, value, "'lang' must be ja or en");
            config.lang = lang;
        } else if (key == "card") {
            if (!value.IsMap()) invalid(file, value, "'card' must be a mapping");
            for (const auto& c : value) {
                const auto ck = c.first.as<std::string>();
                const YAML::Node cv = c.second;
                if (ck == "reader") {
                    config.reader = scalar<std::string>(file, cv, "card.reader");
                } else if (ck == "apdu_timeout_ms") {
                    const int ms = scalar<int>(file, cv, "card.apdu_timeout_ms");
                    if (ms < 50 || ms > 600'000) {
                        invalid(file, cv, "'card.apdu_timeout_ms' must be 50..600000");
                    }
                    config.apdu_timeout = std::chrono::milliseconds(ms);
                } else if (ck == "wait_ms") {
                    const int ms = scalar<int>(file, cv, "card.wait_ms");
                    if (ms < 0) invalid(file, cv, "'card.wait_ms' must not be negative");
                    config.wait_for_card = std::chrono::milliseconds(ms);
                } else if (ck == "expiry_warning_days") {
                    config.expiry_warning_days = scalar<int>(file, cv, "card.expiry_warning_days");
                } else {
                    invalid(file, c.first, fmt::format("unknown key 'card.{}'", ck));
                }
            }
        } else if (key == "trust") {
            if (!value.IsMap()) invalid(file, value, "'trust' must be a mapping");
            for (const auto& t : value) {
                const auto tk = t.first.as<std::string>();
                const YAML::Node tv = t.second;
                if (tk == "anchor_dirs") {
                    if (!tv.IsSequence()) invalid(file, tv, "'trust.anchor_dirs' must be a list");
                    for (const auto& d : tv) {
                        std::filesystem::path dir =
                            scalar<std::string>(file, d, "trust.anchor_dirs");
                        // Relative paths are relative to the configuration file.
                        if (dir.is_relative()) dir = file.parent_path() / dir;
                        config.trust_dirs.push_back(dir);
                    }
                } else if (tk == "builtin_anchors") {
                    config.builtin_anchors = scalar<bool>(file, tv, "trust.builtin_anchors");
                } else {
                    invalid(file, t.first, fmt::format("unknown key 'trust.{}'", tk));
                }
            }
        } else {
            // Sections of later features are accepted so one file serves every version.
            continue;
        }
    }
    return config;
}

std::filesystem::path data_dir() {
    auto from_env = env_path("MYNAQ_DATADIR");
    if (!from_env.empty()) return from_env;
    std::error_code ec;
    // Beside the binary first, so an installation moved to another prefix still finds it.
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const auto beside = exe.parent_path().parent_path() / "share" / "mynaq";
        if (std::filesystem::is_directory(beside / "trust", ec)) return beside;
    }
    if (std::filesystem::is_directory(MYNAQ_DATADIR, ec)) return MYNAQ_DATADIR;
    return MYNAQ_SOURCE_DATADIR;
}

}  // namespace mynaq
