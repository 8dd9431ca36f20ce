// mynaq config check: which file is in use, what it settles, and whether everything it names
// exists on this machine. An invalid file never gets here: loading it already failed with
// CONFIG_INVALID (exit 78) naming the key and line.
#include <iostream>
#include <vector>

#include <fmt/format.h>

#include "commands.hpp"
#include "mynaq/face.hpp"
#include "mynaq/store.hpp"
#include "text_width.hpp"

namespace mynaq::cli {

namespace {

namespace fs = std::filesystem;

struct Warning {
    std::string key;   // the configuration key concerned
    std::string what;  // catalogue key of the message, "config.warn.<what>"
    std::string path;  // the path it is about, if any
};

// A password inside a PostgreSQL URL is never shown (`user:***@host`, `password=***`).
std::string masked_url(std::string url) {
    if (const auto scheme = url.find("://"); scheme != std::string::npos) {
        const auto at = url.find('@', scheme + 3);
        const auto colon = url.find(':', scheme + 3);
        if (at != std::string::npos && colon != std::string::npos && colon < at)
            url.replace(colon + 1, at - colon - 1, "***");
    }
    if (const auto pw = url.find("password="); pw != std::string::npos) {
        const auto end = url.find_first_of("& ", pw);
        url.replace(pw + 9, (end == std::string::npos ? url.size() : end) - pw - 9, "***");
    }
    return url;
}

class Checker {
public:
    std::vector<Warning> warnings;

    void need_dir(const std::string& key, const fs::path& dir) {
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) warnings.push_back({key, "no_dir", dir.string()});
    }
    void need_file(const std::string& key, const fs::path& file) {
        std::error_code ec;
        if (!fs::is_regular_file(file, ec)) warnings.push_back({key, "no_file", file.string()});
    }
    void need_set(const std::string& key, bool set) {
        if (!set) warnings.push_back({key, "unset", ""});
    }
};

void check_oqs(const OqsConfig& oqs, Checker& check) {
    if (oqs.transport == "folder") {
        check.need_set("oqs.folder.root", !oqs.folder.root.empty());
        if (oqs.folder.root.empty()) return;
        check.need_dir("oqs.folder.root", oqs.folder.root);
        std::error_code ec;
        if (!fs::is_directory(oqs.folder.root, ec)) return;
        for (const char* sub : {"req", "res", "face"})
            check.need_dir("oqs.folder.root", oqs.folder.root / sub);
        return;
    }
    const auto& w = oqs.webapi;
    check.need_set("oqs.webapi.login_url", !w.login_url.empty());
    check.need_set("oqs.webapi.search_url", !w.search_url.empty());
    const std::pair<const char*, const fs::path*> files[] = {
        {"oqs.webapi.client_cert", &w.client_cert},
        {"oqs.webapi.client_key", &w.client_key},
        {"oqs.webapi.ca_file", &w.ca_file},
        {"oqs.webapi.login_body", &w.login_body}};
    for (const auto& [key, path] : files) {
        if (path->empty()) {
            check.need_set(key, false);
        } else {
            check.need_file(key, *path);
        }
    }
    // The face readers still write their results into the 端末's face/ folder, which
    // `elig watch` reads under either transport.
    if (!oqs.folder.root.empty()) check.need_dir("oqs.folder.root", oqs.folder.root / "face");
}

struct StoreSummary {
    std::string kind;
    std::string location;
};

StoreSummary check_store(const StoreConfig& store, Checker& check) {
    if (!store.url.empty()) return {"postgresql", masked_url(store.url)};
    const fs::path path = store.path.empty() ? default_store_path() : store.path;
    // mynaq creates the file and its directory on first use; only a parent that exists as
    // something else, or is unwritable, would stop it, and opening is the honest test of that.
    std::error_code ec;
    if (fs::exists(path, ec) && !fs::is_regular_file(path, ec))
        check.warnings.push_back({"store.path", "no_file", path.string()});
    return {"sqlite", path.string()};
}

nlohmann::json summary_json(const Config& c, const StoreSummary& store,
                            const face::ModelPaths& models, const std::vector<Warning>& warnings) {
    nlohmann::json w = nlohmann::json::array();
    for (const auto& x : warnings)
        w.push_back({{"key", x.key}, {"problem", x.what}, {"path", x.path}});
    nlohmann::json sites = nlohmann::json::array();
    for (const auto& site : c.report.sites)
        sites.push_back({{"code", site.code}, {"name", site.name}, {"type", site.type}});
    nlohmann::json oqs{{"transport", c.oqs.transport}};
    if (c.oqs.transport == "folder") {
        oqs["root"] = c.oqs.folder.root.string();
        oqs["encoding"] = c.oqs.folder.encoding;
        oqs["timeout_s"] = c.oqs.folder.timeout.count() / 1000;
    } else {
        oqs["search_url"] = c.oqs.webapi.search_url;
    }
    return {{"file", c.source ? nlohmann::json(c.source->string()) : nlohmann::json(nullptr)},
            {"valid", true},
            {"facility",
             {{"code", c.facility.code},
              {"name", c.facility.name},
              {"type", c.report.facility.type},
              {"flags", c.report.facility.flags}}},
            {"sites", sites},
            {"lang", c.lang.value_or("")},
            {"operator", c.operator_name.value_or("")},
            {"card",
             {{"reader", c.reader.value_or("")},
              {"apdu_timeout_ms", c.apdu_timeout.count()},
              {"wait_ms", c.wait_for_card.count()}}},
            {"oqs", oqs},
            {"store", {{"kind", store.kind}, {"location", store.location}}},
            {"face",
             {{"model_dir", models.recognition_dir.string()},
              {"landmarks", models.landmarks.string()},
              {"match", c.face.match},
              {"no_match", c.face.no_match}}},
            {"info",
             {{"drugs_min", c.info.drugs_interval.count()},
              {"checkups_min", c.info.checkups_interval.count()}}},
            {"warnings", w}};
}

void print_summary(const AppContext& context, const Config& c, const StoreSummary& store,
                   const face::ModelPaths& models, const std::vector<Warning>& warnings) {
    const auto t = [&](std::string_view key) { return std::string(context.t(key)); };
    const std::string none = t("config.not_set");
    const auto or_none = [&](const std::string& s) { return s.empty() ? none : s; };
    std::cout << t("config.file") << ": " << (c.source ? c.source->string() : t("config.no_file"))
              << '\n';
    std::vector<std::pair<std::string, std::string>> rows{
        {t("config.facility"),
         c.facility.code.empty()
             ? none
             : fmt::format("{} {} ({})", c.facility.code, c.facility.name, c.report.facility.type)},
        {t("config.operator"), or_none(c.operator_name.value_or(""))},
        {t("config.reader"), or_none(c.reader.value_or(""))},
        {t("config.transport"),
         c.oqs.transport == "folder"
             ? fmt::format("folder {} ({}, {} s)", or_none(c.oqs.folder.root.string()),
                           c.oqs.folder.encoding, c.oqs.folder.timeout.count() / 1000)
             : fmt::format("webapi {}", or_none(c.oqs.webapi.search_url))},
        {t("config.store"), fmt::format("{} {}", store.kind, store.location)},
        {t("config.face"), fmt::format("{:.2f} / {:.2f} ({})", c.face.match, c.face.no_match,
                                       models.recognition_dir.string())},
        {t("config.throttle"), fmt::format("{} / {} min", c.info.drugs_interval.count(),
                                           c.info.checkups_interval.count())},
    };
    if (!c.report.sites.empty())
        rows.emplace_back(t("config.sites"), std::to_string(c.report.sites.size()));
    std::size_t width = 0;
    for (const auto& row : rows) width = std::max(width, display_width(row.first));
    for (const auto& [label, value] : rows)
        std::cout << "  " << pad_right(label, width) << "  " << value << '\n';
    if (warnings.empty()) {
        std::cout << t("config.ok") << '\n';
        return;
    }
    std::cout << fmt::format(fmt::runtime(t("config.warnings")), warnings.size()) << '\n';
    for (const auto& w : warnings) {
        std::cout << "  " << w.key << ": "
                  << fmt::format(fmt::runtime(t("config.warn." + w.what)), w.path) << '\n';
    }
}

int run_check(AppContext& context) {
    const Config& c = context.config;
    Checker check;
    check.need_set("facility.code", !c.facility.code.empty());
    check_oqs(c.oqs, check);
    const StoreSummary store = check_store(c.store, check);
    for (const auto& dir : c.trust_dirs) check.need_dir("trust.anchor_dirs", dir);
    if (!c.report.rules.empty()) check.need_file("report.rules", c.report.rules);
    const face::ModelPaths models = face::model_paths(c.face);
    check.need_file("face.model_dir",
                    models.recognition_dir / "face_recognition_model-weights_manifest.json");
    check.need_file("face.landmarks", models.landmarks);

    if (context.json()) {
        context.emit_json(summary_json(c, store, models, check.warnings));
    } else {
        print_summary(context, c, store, models, check.warnings);
    }
    return check.warnings.empty() ? 0 : 1;
}

}  // namespace

void add_config_command(Registry registry) {
    auto* config = registry.app.add_subcommand(
        "config", "The configuration in use: which file, what it settles, what is missing");
    config->require_subcommand(1);
    auto* check = config->add_subcommand(
        "check",
        "Load the configuration (--config or the XDG search), show its settings and warn about "
        "anything it names that does not exist here; exit 0 all present, 1 warnings, 78 invalid");
    check->callback([&context = registry.context, &action = registry.action] {
        action = [&context] { return run_check(context); };
    });
}

}  // namespace mynaq::cli
