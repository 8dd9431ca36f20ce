#include "mynaq/config.hpp"

#include <algorithm>
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

std::filesystem::path path_value(const std::filesystem::path& file, const YAML::Node& node,
                                 const char* key) {
    std::filesystem::path p = scalar<std::string>(file, node, key);
    // Relative paths are relative to the configuration file, so a config travels with its tree.
    if (!p.empty() && p.is_relative()) p = file.parent_path() / p;
    return p;
}

std::chrono::milliseconds bounded_ms(const std::filesystem::path& file, const YAML::Node& node,
                                     const char* key, long long scale, long long lo, long long hi) {
    const auto v = scalar<long long>(file, node, key);
    if (v < lo || v > hi) invalid(file, node, fmt::format("'{}' must be {}..{}", key, lo, hi));
    return std::chrono::milliseconds(v * scale);
}

void require_map(const std::filesystem::path& file, const YAML::Node& node, const char* key) {
    if (!node.IsMap()) invalid(file, node, fmt::format("'{}' must be a mapping", key));
}

void parse_facility(const std::filesystem::path& file, const YAML::Node& node, Config& config) {
    require_map(file, node, "facility");
    for (const auto& e : node) {
        const auto k = e.first.as<std::string>();
        if (k == "code") {
            config.facility.code = scalar<std::string>(file, e.second, "facility.code");
            const auto& c = config.facility.code;
            if (c.size() != 10 || c.find_first_not_of("0123456789") != std::string::npos) {
                invalid(file, e.second, "'facility.code' must be the 10-digit 医療機関コード");
            }
        } else if (k == "name") {
            config.facility.name = scalar<std::string>(file, e.second, "facility.name");
        } else {
            invalid(file, e.first, fmt::format("unknown key 'facility.{}'", k));
        }
    }
}

void parse_folder(const std::filesystem::path& file, const YAML::Node& node, OqsFolderConfig& f) {
    require_map(file, node, "oqs.folder");
    for (const auto& e : node) {
        const auto k = e.first.as<std::string>();
        const YAML::Node v = e.second;
        if (k == "root") {
            f.root = path_value(file, v, "oqs.folder.root");
        } else if (k == "work") {
            f.work = path_value(file, v, "oqs.folder.work");
        } else if (k == "encoding") {
            f.encoding = scalar<std::string>(file, v, "oqs.folder.encoding");
            if (f.encoding != "utf-8" && f.encoding != "shift_jis") {
                invalid(file, v, "'oqs.folder.encoding' must be utf-8 or shift_jis");
            }
        } else if (k == "poll_ms") {
            f.poll = bounded_ms(file, v, "oqs.folder.poll_ms", 1, 10, 60'000);
        } else if (k == "timeout_s") {
            f.timeout = bounded_ms(file, v, "oqs.folder.timeout_s", 1000, 1, 3600);
        } else if (k == "bulk_timeout_s") {
            f.bulk_timeout = bounded_ms(file, v, "oqs.folder.bulk_timeout_s", 1000, 1, 86'400);
        } else if (k == "stable_read_ms") {
            f.stable_read = bounded_ms(file, v, "oqs.folder.stable_read_ms", 1, 0, 10'000);
        } else if (k == "face_mode") {
            f.face_mode = scalar<std::string>(file, v, "oqs.folder.face_mode");
            if (f.face_mode != "copy" && f.face_mode != "move") {
                invalid(file, v, "'oqs.folder.face_mode' must be copy or move");
            }
        } else if (k == "face_done") {
            f.face_done = path_value(file, v, "oqs.folder.face_done");
        } else if (k == "face_same_day_only") {
            f.face_same_day_only = scalar<bool>(file, v, "oqs.folder.face_same_day_only");
        } else {
            invalid(file, e.first, fmt::format("unknown key 'oqs.folder.{}'", k));
        }
    }
}

void parse_webapi(const std::filesystem::path& file, const YAML::Node& node, OqsWebApiConfig& w) {
    require_map(file, node, "oqs.webapi");
    for (const auto& e : node) {
        const auto k = e.first.as<std::string>();
        const YAML::Node v = e.second;
        if (k == "login_url") {
            w.login_url = scalar<std::string>(file, v, "oqs.webapi.login_url");
        } else if (k == "search_url") {
            w.search_url = scalar<std::string>(file, v, "oqs.webapi.search_url");
        } else if (k == "bulk_upload_url") {
            w.bulk_upload_url = scalar<std::string>(file, v, "oqs.webapi.bulk_upload_url");
        } else if (k == "bulk_download_url") {
            w.bulk_download_url = scalar<std::string>(file, v, "oqs.webapi.bulk_download_url");
        } else if (k == "urls") {
            require_map(file, v, "oqs.webapi.urls");
            for (const auto& u : v) {
                const auto prefix = u.first.as<std::string>();
                // A file prefix: ten ASCII letters and digits, as in the folder interface.
                if (prefix.size() != 10 ||
                    prefix.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                             "0123456789") != std::string::npos) {
                    invalid(file, u.first,
                            fmt::format("'oqs.webapi.urls' keys are file prefixes such as "
                                        "YZKsiquc01, not '{}'",
                                        prefix));
                }
                w.urls[prefix] = scalar<std::string>(file, u.second, "oqs.webapi.urls");
            }
        } else if (k == "client_cert") {
            w.client_cert = path_value(file, v, "oqs.webapi.client_cert");
        } else if (k == "client_key") {
            w.client_key = path_value(file, v, "oqs.webapi.client_key");
        } else if (k == "ca_file") {
            w.ca_file = path_value(file, v, "oqs.webapi.ca_file");
        } else if (k == "login_body") {
            w.login_body = path_value(file, v, "oqs.webapi.login_body");
        } else if (k == "token_cache") {
            w.token_cache = path_value(file, v, "oqs.webapi.token_cache");
        } else if (k == "timeout_ms") {
            w.timeout = bounded_ms(file, v, "oqs.webapi.timeout_ms", 1, 100, 600'000);
        } else if (k == "retries") {
            w.retries = scalar<int>(file, v, "oqs.webapi.retries");
            if (w.retries < 0 || w.retries > 10)
                invalid(file, v, "'oqs.webapi.retries' must be 0..10");
        } else if (k == "resolve") {
            if (!v.IsSequence()) invalid(file, v, "'oqs.webapi.resolve' must be a list");
            for (const auto& r : v)
                w.resolve.push_back(scalar<std::string>(file, r, "oqs.webapi.resolve"));
        } else {
            invalid(file, e.first, fmt::format("unknown key 'oqs.webapi.{}'", k));
        }
    }
}

void parse_oqs(const std::filesystem::path& file, const YAML::Node& node, OqsConfig& oqs) {
    require_map(file, node, "oqs");
    for (const auto& e : node) {
        const auto k = e.first.as<std::string>();
        const YAML::Node v = e.second;
        if (k == "transport") {
            oqs.transport = scalar<std::string>(file, v, "oqs.transport");
            if (oqs.transport != "folder" && oqs.transport != "webapi") {
                invalid(file, v, "'oqs.transport' must be folder or webapi");
            }
        } else if (k == "folder") {
            parse_folder(file, v, oqs.folder);
        } else if (k == "webapi") {
            parse_webapi(file, v, oqs.webapi);
        } else if (k == "max_message_bytes") {
            const auto n = scalar<long long>(file, v, "oqs.max_message_bytes");
            if (n < 1024 || n > 1LL << 31) {
                invalid(file, v, "'oqs.max_message_bytes' must be 1024..2147483648");
            }
            oqs.max_message_bytes = static_cast<std::size_t>(n);
        } else {
            invalid(file, e.first, fmt::format("unknown key 'oqs.{}'", k));
        }
    }
}

void parse_store(const std::filesystem::path& file, const YAML::Node& node, StoreConfig& store) {
    require_map(file, node, "store");
    for (const auto& e : node) {
        const auto k = e.first.as<std::string>();
        if (k == "path") {
            store.path = path_value(file, e.second, "store.path");
        } else if (k == "url") {
            store.url = scalar<std::string>(file, e.second, "store.url");
            if (!store.url.starts_with("postgresql://") && !store.url.starts_with("postgres://")) {
                invalid(file, e.second, "'store.url' must be a postgresql:// URL");
            }
        } else {
            // A misspelt store.path would put the clinic's records in the default place.
            invalid(file, e.first, fmt::format("unknown key 'store.{}'", k));
        }
    }
}

std::string date_value(const std::filesystem::path& file, const YAML::Node& v, const char* key) {
    const auto text = scalar<std::string>(file, v, key);
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
        invalid(file, v, fmt::format("'{}' must be a date like 2026-12-01", key));
    }
    return text;
}

void parse_fallback(const std::filesystem::path& file, const YAML::Node& node, FallbackConfig& f) {
    require_map(file, node, "fallback");
    for (const auto& e : node) {
        const auto k = e.first.as<std::string>();
        const YAML::Node v = e.second;
        if (k == "unknown_insurer_number") {
            f.unknown_insurer_number =
                scalar<std::string>(file, v, "fallback.unknown_insurer_number");
            if (f.unknown_insurer_number != "77777777" && f.unknown_insurer_number != "77777779") {
                invalid(file, v, "'fallback.unknown_insurer_number' must be 77777777 or 77777779");
            }
        } else if (k == "unknown_number") {
            f.unknown_number = scalar<std::string>(file, v, "fallback.unknown_number");
            if (f.unknown_number.empty() || f.unknown_number.size() > 20 ||
                f.unknown_number.find_first_not_of('7') != std::string::npos) {
                invalid(file, v, "'fallback.unknown_number' must be 1 to 20 sevens");
            }
        } else if (k == "query_timeout_s") {
            f.query_timeout = bounded_ms(file, v, "fallback.query_timeout_s", 1000, 1, 600);
        } else if (k == "disaster") {
            require_map(file, v, "fallback.disaster");
            for (const auto& d : v) {
                const auto dk = d.first.as<std::string>();
                if (dk == "from") {
                    f.disaster_from = date_value(file, d.second, "fallback.disaster.from");
                } else if (dk == "to") {
                    f.disaster_to = date_value(file, d.second, "fallback.disaster.to");
                } else if (dk == "area") {
                    f.disaster_area = scalar<std::string>(file, d.second, "fallback.disaster.area");
                } else {
                    invalid(file, d.first, fmt::format("unknown key 'fallback.disaster.{}'", dk));
                }
            }
        } else {
            invalid(file, e.first, fmt::format("unknown key 'fallback.{}'", k));
        }
    }
}

bool parse_report_site_key(const std::filesystem::path& file, const std::string& prefix,
                           const std::string& k, const YAML::Node& v, ReportSiteConfig& site) {
    const auto key = prefix + k;
    if (k == "type") {
        site.type = scalar<std::string>(file, v, key.c_str());
        if (site.type != "medical" && site.type != "dental" && site.type != "pharmacy") {
            invalid(file, v, fmt::format("'{}' must be medical, dental or pharmacy", key));
        }
    } else if (k == "flags") {
        if (!v.IsSequence()) invalid(file, v, fmt::format("'{}' must be a list", key));
        for (const auto& f : v) {
            auto flag = scalar<std::string>(file, f, key.c_str());
            if (flag != "e_prescription" && flag != "dx_items_all" && flag != "dx_items_any") {
                invalid(file, f,
                        fmt::format("unknown flag '{}' in '{}' (e_prescription, dx_items_all, "
                                    "dx_items_any)",
                                    flag, key));
            }
            site.flags.push_back(std::move(flag));
        }
    } else if (k == "paediatric_exception") {
        site.paediatric_exception = scalar<bool>(file, v, key.c_str());
    } else {
        return false;
    }
    return true;
}

void parse_report(const std::filesystem::path& file, const YAML::Node& node, ReportConfig& r) {
    require_map(file, node, "report");
    for (const auto& e : node) {
        const auto k = e.first.as<std::string>();
        const YAML::Node v = e.second;
        if (k == "rules") {
            r.rules = path_value(file, v, "report.rules");
        } else if (k == "sites") {
            if (!v.IsSequence()) invalid(file, v, "'report.sites' must be a list");
            for (const auto& s : v) {
                require_map(file, s, "report.sites[]");
                ReportSiteConfig site;
                for (const auto& se : s) {
                    const auto sk = se.first.as<std::string>();
                    if (sk == "code") {
                        site.code = scalar<std::string>(file, se.second, "report.sites[].code");
                        if (site.code.size() != 10 ||
                            site.code.find_first_not_of("0123456789") != std::string::npos) {
                            invalid(file, se.second,
                                    "'report.sites[].code' must be the 10-digit 医療機関コード");
                        }
                    } else if (sk == "name") {
                        site.name = scalar<std::string>(file, se.second, "report.sites[].name");
                    } else if (!parse_report_site_key(file, "report.sites[].", sk, se.second,
                                                      site)) {
                        invalid(file, se.first, fmt::format("unknown key 'report.sites[].{}'", sk));
                    }
                }
                if (site.code.empty()) invalid(file, s, "a site in 'report.sites' needs 'code'");
                r.sites.push_back(std::move(site));
            }
        } else if (!parse_report_site_key(file, "report.", k, v, r.facility)) {
            invalid(file, e.first, fmt::format("unknown key 'report.{}'", k));
        }
    }
}

double number(const std::filesystem::path& file, const YAML::Node& node, const std::string& key,
              double lo, double hi) {
    const auto v = scalar<double>(file, node, key.c_str());
    if (!(v >= lo && v <= hi)) invalid(file, node, fmt::format("'{}' must be {}..{}", key, lo, hi));
    return v;
}

void parse_info(const std::filesystem::path& file, const YAML::Node& node, InfoConfig& info) {
    require_map(file, node, "info");
    for (const auto& e : node) {
        const auto k = e.first.as<std::string>();
        if (k != "throttle") invalid(file, e.first, fmt::format("unknown key 'info.{}'", k));
        require_map(file, e.second, "info.throttle");
        for (const auto& t : e.second) {
            const auto tk = t.first.as<std::string>();
            // 0 turns the throttle off; a week is the most that makes sense for a history.
            if (tk == "drugs_min") {
                info.drugs_interval = std::chrono::duration_cast<std::chrono::minutes>(
                    bounded_ms(file, t.second, "info.throttle.drugs_min", 60'000, 0, 10'080));
            } else if (tk == "checkups_min") {
                info.checkups_interval = std::chrono::duration_cast<std::chrono::minutes>(
                    bounded_ms(file, t.second, "info.throttle.checkups_min", 60'000, 0, 10'080));
            } else {
                invalid(file, t.first, fmt::format("unknown key 'info.throttle.{}'", tk));
            }
        }
    }
}

void parse_face(const std::filesystem::path& file, const YAML::Node& node, FaceConfig& f) {
    require_map(file, node, "face");
    for (const auto& e : node) {
        const auto k = e.first.as<std::string>();
        const YAML::Node v = e.second;
        if (k == "model_dir") {
            f.model_dir = path_value(file, v, "face.model_dir");
        } else if (k == "landmarks") {
            f.landmarks = path_value(file, v, "face.landmarks");
        } else if (k == "thresholds") {
            require_map(file, v, "face.thresholds");
            for (const auto& t : v) {
                const auto tk = t.first.as<std::string>();
                if (tk == "match") {
                    f.match = number(file, t.second, "face.thresholds.match", 0, 2);
                } else if (tk == "no_match") {
                    f.no_match = number(file, t.second, "face.thresholds.no_match", 0, 2);
                } else {
                    invalid(file, t.first, fmt::format("unknown key 'face.thresholds.{}'", tk));
                }
            }
            if (f.match > f.no_match)
                invalid(file, v, "'face.thresholds.match' must not exceed 'no_match'");
        } else if (k == "quality") {
            require_map(file, v, "face.quality");
            const auto& gates = face_quality_gates();
            for (const auto& g : v) {
                const auto gk = g.first.as<std::string>();
                if (std::find(gates.begin(), gates.end(), gk) == gates.end())
                    invalid(file, g.first, fmt::format("unknown key 'face.quality.{}'", gk));
                f.quality[gk] = number(file, g.second, "face.quality." + gk, 0, 100000);
            }
        } else {
            invalid(file, e.first, fmt::format("unknown key 'face.{}'", k));
        }
    }
}

}  // namespace

const std::vector<std::string>& face_quality_gates() {
    static const std::vector<std::string> gates = {
        "min_detection_score", "min_eye_distance", "min_card_eye_distance", "min_brightness",
        "max_brightness",      "min_contrast",     "min_sharpness",         "max_yaw",
        "max_pitch",           "max_roll"};
    return gates;
}

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
        } else if (key == "operator") {
            config.operator_name = scalar<std::string>(file, value, "operator");
        } else if (key == "facility") {
            parse_facility(file, value, config);
        } else if (key == "oqs") {
            parse_oqs(file, value, config.oqs);
        } else if (key == "store") {
            parse_store(file, value, config.store);
        } else if (key == "fallback") {
            parse_fallback(file, value, config.fallback);
        } else if (key == "report") {
            parse_report(file, value, config.report);
        } else if (key == "face") {
            parse_face(file, value, config.face);
        } else if (key == "info") {
            parse_info(file, value, config.info);
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
