// mynaq config check with the real binary: a complete configuration, a 端末 folder missing a
// subfolder, a PostgreSQL password that must never be shown, an invalid file, and the Japanese
// table's alignment.
#include <sstream>

#include <doctest/doctest.h>

#include "oqs_rig.hpp"
#include "text_width.hpp"

using oqsrig::Rig;
namespace fs = std::filesystem;

TEST_CASE("config check: a complete configuration is exit 0 and names its file and settings") {
    Rig rig({.extra_config = "operator: \"受付2\"\n"});
    const auto j = rig.json({"config", "check"});
    CHECK(j["file"] == rig.config_file().string());
    CHECK(j["valid"] == true);
    CHECK(j["facility"]["code"] == "1312345678");
    CHECK(j["operator"] == "受付2");
    CHECK(j["oqs"]["transport"] == "folder");
    CHECK(j["oqs"]["root"] == rig.root().string());
    CHECK(j["store"]["kind"] == "sqlite");
    CHECK(j["store"]["location"] == rig.store_file().string());
    CHECK(j["warnings"].empty());
}

TEST_CASE("config check: a missing res folder and trust directory are warnings with exit 1") {
    Rig rig({.extra_config = "trust:\n  anchor_dirs: [/nonexistent/mynaq-trust]\n"});
    fs::remove(rig.root() / "res");
    const auto j = rig.json({"config", "check"}, 1);
    REQUIRE(j["warnings"].size() == 2);
    CHECK(j["warnings"][0]["key"] == "oqs.folder.root");
    CHECK(j["warnings"][0]["path"] == (rig.root() / "res").string());
    CHECK(j["warnings"][1]["key"] == "trust.anchor_dirs");

    const auto text = rig.run({"config", "check"});
    CHECK(text.exit_code == 1);
    CHECK(text.out.find("no folder " + (rig.root() / "res").string()) != std::string::npos);
}

TEST_CASE("config check: a password in store.url is never printed") {
    Rig rig(
        {.extra_config = "  url: postgresql://clinic:s3cret-pw@db.local/mynaq?password=again\n"});
    const auto j = rig.json({"config", "check"});
    CHECK(j["store"]["kind"] == "postgresql");
    CHECK(j["store"]["location"] == "postgresql://clinic:***@db.local/mynaq?password=***");
    const auto text = rig.run({"config", "check"});
    CHECK(text.exit_code == 0);
    CHECK(text.out.find("s3cret") == std::string::npos);
    CHECK(text.out.find("again") == std::string::npos);
    CHECK(text.out.find("db.local") != std::string::npos);
}

TEST_CASE("config check: an invalid file is CONFIG_INVALID, exit 78, naming key and line") {
    Rig rig;
    rig.write_config("face:\n  thresholds:\n    match: lots\n");
    const auto r = rig.run({"config", "check"});
    CHECK(r.exit_code == 78);
    CHECK(r.err.find("face.thresholds.match") != std::string::npos);
    CHECK(r.err.find("config.yaml:16:") != std::string::npos);
}

TEST_CASE("config check: the Japanese table puts every value in one column") {
    Rig rig;
    const auto r = rig.run({"--lang", "ja", "config", "check"});
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("設定ファイル") != std::string::npos);
    std::size_t column = 0;
    int rows = 0;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
        if (!line.starts_with("  ")) continue;
        // The value starts after the first run of two or more blanks following the label.
        const auto gap = line.find("  ", 2);
        REQUIRE(gap != std::string::npos);
        const auto value = line.find_first_not_of(' ', gap);
        const auto at = mynaq::cli::display_width(line.substr(0, value));
        if (rows++ == 0) column = at;
        INFO(line);
        CHECK(at == column);
    }
    CHECK(rows >= 7);
}
