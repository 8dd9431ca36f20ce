// Configuration from YAML: $XDG_CONFIG_HOME/mynaq/config.yaml, then each of
// $XDG_CONFIG_DIRS (default /etc/xdg)/mynaq/config.yaml; --config overrides both.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mynaq {

// The facility this installation works for.
struct FacilityConfig {
    std::string code;  // 医療機関コード, 10 digits (facility.code)
    std::string name;  // facility.name
};

// oqs.folder: the 資格確認端末's shared folder.
struct OqsFolderConfig {
    std::filesystem::path root;                       // oqs.folder.root: has req/ res/ face/
    std::filesystem::path work;                       // oqs.folder.work (default <root>/mynaq-work)
    std::string encoding = "utf-8";                   // oqs.folder.encoding: utf-8 | shift_jis
    std::chrono::milliseconds poll{200};              // oqs.folder.poll_ms
    std::chrono::milliseconds timeout{60'000};        // oqs.folder.timeout_s
    std::chrono::milliseconds bulk_timeout{600'000};  // oqs.folder.bulk_timeout_s
    std::chrono::milliseconds stable_read{300};       // oqs.folder.stable_read_ms
    std::string face_mode = "copy";                   // oqs.folder.face_mode: copy | move
    std::filesystem::path face_done;                  // oqs.folder.face_done (move target)
    bool face_same_day_only = true;                   // oqs.folder.face_same_day_only
};

// oqs.webapi: the Web API with the facility's client certificate.
struct OqsWebApiConfig {
    std::string login_url;
    std::string search_url;
    std::string bulk_upload_url;
    std::string bulk_download_url;
    // oqs.webapi.urls: the other interfaces by file prefix (YZKsiquc01, TKKsiquc01,
    // OQSsiimm01, OQSmuimm01, OQSmuimm02), where the site's Web API offers them.
    std::map<std::string, std::string> urls;
    std::filesystem::path client_cert;
    std::filesystem::path client_key;
    std::filesystem::path ca_file;
    std::filesystem::path login_body;
    std::filesystem::path token_cache;  // default $XDG_STATE_HOME/mynaq/webapi-token.json
    std::chrono::milliseconds timeout{30'000};
    int retries = 3;
    std::vector<std::string> resolve;
};

struct OqsConfig {
    std::string transport = "folder";  // oqs.transport: folder | webapi
    OqsFolderConfig folder;
    OqsWebApiConfig webapi;
    std::size_t max_message_bytes = std::size_t{32} * 1024 * 1024;  // oqs.max_message_bytes
};

struct StoreConfig {
    std::filesystem::path path;  // store.path (default $XDG_DATA_HOME/mynaq/mynaq.db)
    std::string url;             // store.url: postgresql://… for a store shared by terminals
};

// fallback: the outage flows (policy.md §3).
struct FallbackConfig {
    std::string unknown_insurer_number = "77777777";  // fallback.unknown_insurer_number
    std::string unknown_number = "77777777";          // fallback.unknown_number
    std::chrono::milliseconds query_timeout{8'000};   // fallback.query_timeout_s: 資格確認書
                                                      // queried during the flow
    std::string disaster_from;                        // fallback.disaster.from (yyyy-mm-dd)
    std::string disaster_to;                          // fallback.disaster.to
    std::string disaster_area;                        // fallback.disaster.area
};

// report: what the usage-rate reports need to know about each facility (policy.md §1–2).
struct ReportSiteConfig {
    std::string code;  // 医療機関コード, 10 digits
    std::string name;
    std::string type = "medical";       // medical (医科) | dental (歯科) | pharmacy (調剤)
    std::vector<std::string> flags;     // e_prescription, dx_items_all, dx_items_any
    bool paediatric_exception = false;  // 小児科特例
};

struct ReportConfig {
    std::filesystem::path rules;  // report.rules: the 加算 table (default: the one shipped)
    // report.type / report.flags / report.paediatric_exception: this facility (facility.code)
    ReportSiteConfig facility;
    std::vector<ReportSiteConfig> sites;  // report.sites: other facilities of a chain
};

// face: where the models are, the decision thresholds and the quality gates (face-match.md).
struct FaceConfig {
    std::filesystem::path model_dir;  // face.model_dir: face_recognition_model.bin + manifest
    std::filesystem::path landmarks;  // face.landmarks: shape_predictor_68_face_landmarks.dat
    double match = 0.45;              // face.thresholds.match: distance ≤ this → match
    double no_match = 0.60;           // face.thresholds.no_match: distance > this → no match
    // face.quality.<gate>: overrides of the quality gates, by name (min_brightness, max_yaw, …)
    std::map<std::string, double> quality;
};
// The gate names face.quality accepts.
const std::vector<std::string>& face_quality_gates();

// info: how often 薬剤/健診 information may be asked for one patient; a view within the interval
// is served from the stored result (OQSDrug2 asks for drugs every 6 h, check-ups once a day).
struct InfoConfig {
    std::chrono::minutes drugs_interval{360};      // info.throttle.drugs_min
    std::chrono::minutes checkups_interval{1440};  // info.throttle.checkups_min
};

struct Config {
    std::optional<std::string> reader;               // card.reader
    std::chrono::milliseconds apdu_timeout{10'000};  // card.apdu_timeout_ms
    std::chrono::milliseconds wait_for_card{0};      // card.wait_ms
    int expiry_warning_days = 92;                    // card.expiry_warning_days
    std::vector<std::filesystem::path> trust_dirs;   // trust.anchor_dirs
    bool builtin_anchors = true;                     // trust.builtin_anchors
    std::optional<std::string> lang;                 // lang: ja | en
    std::optional<std::string> operator_name;        // operator: who is at the terminal
    FacilityConfig facility;
    OqsConfig oqs;
    StoreConfig store;
    FallbackConfig fallback;
    ReportConfig report;
    FaceConfig face;
    InfoConfig info;
    std::optional<std::filesystem::path> source;  // the file this came from
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
