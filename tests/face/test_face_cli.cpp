// The real mynaq binary: decisions and their exit statuses, both languages, JSON, and the
// errors staff meet (a damaged file, no camera, a missing model, a bad configuration).
#include <cstdlib>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <opencv2/imgcodecs.hpp>

#include "face_fixtures.hpp"
#include "mynaq/files.hpp"
#include "mynaq/process.hpp"
#include "readme_check.hpp"

using namespace mynaq;
namespace fx = mynaq::face::fixtures;

namespace {

struct Run {
    int exit_code;
    std::string out;
    std::string err;
};

Run mynaq_run(const std::vector<std::string>& args, std::map<std::string, std::string> env = {}) {
    std::vector<std::string> argv = {MYNAQ_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessOptions options;
    env.emplace("XDG_CONFIG_DIRS", "/nonexistent");
    env.emplace("XDG_CONFIG_HOME", "/nonexistent");
    env.emplace("LANG", "C.UTF-8");
    options.env = std::move(env);
    const ProcessResult r = run_process(argv, options);
    return {r.exit_code, r.out, r.err};
}

nlohmann::json json_of(const Run& r) {
    INFO(r.out, r.err);
    return nlohmann::json::parse(r.out);
}

std::string card() {
    return fx::card_photo_path().string();
}
std::string image(const char* name) {
    return fx::image_path(name).string();
}

std::filesystem::path scratch(const std::string& name) {
    const auto dir =
        std::filesystem::temp_directory_path() / fmt::format("mynaq-face-cli-{}", ::getpid());
    std::filesystem::create_directories(dir);
    return dir / name;
}

}  // namespace

TEST_CASE(
    "face CLI: verify answers match, no match, staff check and not comparable by exit status") {
    const Run same = mynaq_run(
        {"--json", "face", "verify", "--card-photo", card(), "--live", image("astronaut.jpg")});
    CHECK(same.exit_code == 0);
    const auto j = json_of(same);
    CHECK(j["decision"] == "match");
    CHECK(j["distance"].get<double>() < 0.45);
    CHECK(j["similarity"].get<double>() == doctest::Approx(1 - j["distance"].get<double>()));
    CHECK(j["thresholds"]["match"] == 0.45);
    CHECK(j["card"]["faces"] == 1);
    CHECK(j["card"]["width"] == 192);
    CHECK(j["live"]["pose"].contains("yaw"));
    CHECK(j["live"]["ok"] == true);

    const Run other = mynaq_run(
        {"--json", "face", "verify", "--card-photo", card(), "--live", image("grace_hopper.jpg")});
    CHECK(other.exit_code == 1);
    CHECK(json_of(other)["decision"] == "no_match");

    const Run strict = mynaq_run({"--json", "face", "verify", "--card-photo", card(), "--live",
                                  image("astronaut.jpg"), "--match", "0.05"});
    CHECK(strict.exit_code == 2);
    CHECK(json_of(strict)["decision"] == "staff_check");

    cv::Mat wall(480, 640, CV_8UC3);
    cv::randu(wall, cv::Scalar(90, 90, 90), cv::Scalar(170, 170, 170));
    const auto wall_file = scratch("wall.png");
    REQUIRE(cv::imwrite(wall_file.string(), wall));
    const Run none = mynaq_run(
        {"--json", "face", "verify", "--card-photo", card(), "--live", wall_file.string()});
    CHECK(none.exit_code == 3);
    const auto n = json_of(none);
    CHECK(n["decision"] == "not_comparable");
    CHECK(n["distance"].is_null());
    CHECK(n["live"]["issues"][0] == "no_face");
}

TEST_CASE("face CLI: diagnostics and advice in Japanese and English") {
    const auto dark = scratch("dark.jpg");
    REQUIRE(
        cv::imwrite(dark.string(), fx::darkened(fx::load(fx::image_path("astronaut.jpg")), 0.3)));
    const Run ja = mynaq_run(
        {"--lang", "ja", "face", "verify", "--card-photo", card(), "--live", dark.string()});
    INFO(ja.out, ja.err);
    CHECK(ja.out.find("判定") != std::string::npos);
    CHECK(ja.out.find("カードの顔写真") != std::string::npos);
    CHECK(ja.out.find("暗すぎます") != std::string::npos);
    CHECK(ja.out.find("明るさ") != std::string::npos);
    const Run en = mynaq_run({"--lang", "en", "face", "check", "--image", dark.string()});
    INFO(en.out);
    CHECK(en.exit_code == 1);
    CHECK(en.out.find("Too dark") != std::string::npos);
    CHECK(en.out.find("FAIL") != std::string::npos);

    const Run good = mynaq_run({"--json", "face", "check", "--image", image("grace_hopper.jpg")});
    CHECK(good.exit_code == 0);
    const auto g = json_of(good);
    CHECK(g["issues"].empty());
    CHECK(g["eye_distance"].get<double>() > 40);
    // The card photo is judged with the card's size gate.
    const Run as_card = mynaq_run({"--json", "face", "check", "--card-photo", card()});
    CHECK(as_card.exit_code == 0);
    const Run as_live = mynaq_run({"--json", "face", "check", "--image", card()});
    CHECK(as_live.exit_code == 1);
    CHECK(json_of(as_live)["issues"][0] == "face_too_small");
}

TEST_CASE("face CLI: damaged files, no camera and missing models are clear errors") {
    const auto broken = scratch("broken.jp2");
    const std::string jp2 = read_file_bytes(fx::card_photo_path());
    write_file_atomic(broken, std::string_view(jp2).substr(0, 80));
    const Run damaged = mynaq_run({"--json", "face", "check", "--image", broken.string()});
    CHECK(damaged.exit_code == 65);
    CHECK(json_of(damaged)["error"]["code"] == "DATA_INVALID");

    const Run camera = mynaq_run({"--json", "face", "check", "--camera", "63"});
    CHECK(camera.exit_code == 69);
    const auto c = json_of(camera);
    CHECK(c["error"]["code"] == "CAMERA_UNAVAILABLE");
    const Run camera_ja = mynaq_run({"--lang", "ja", "face", "check", "--camera", "63"});
    CHECK(camera_ja.err.find("カメラ") != std::string::npos);

    const Run no_model = mynaq_run({"--json", "face", "check", "--image", image("astronaut.jpg")},
                                   {{"MYNAQ_FACE_MODEL_DIR", "/nonexistent/face"}});
    CHECK(no_model.exit_code == 69);
    const auto m = json_of(no_model);
    CHECK(m["error"]["code"] == "MODEL_MISSING");
    CHECK(m["error"]["detail"].get<std::string>().find("fetch-face-model") != std::string::npos);
    const Run no_landmarks =
        mynaq_run({"--json", "face", "check", "--image", image("astronaut.jpg")},
                  {{"MYNAQ_FACE_LANDMARKS", "/nonexistent/sp68.dat"}});
    CHECK(no_landmarks.exit_code == 69);
    CHECK(json_of(no_landmarks)["error"]["detail"].get<std::string>().find("libdlib-data") !=
          std::string::npos);
    // With --from-card the models are checked before the card is touched: a missing model
    // never costs the patient a typed 照合番号B (here no reader is reached at all).
    const Run no_model_card =
        mynaq_run({"--json", "face", "verify", "--from-card", "--live", image("astronaut.jpg")},
                  {{"MYNAQ_FACE_MODEL_DIR", "/nonexistent/face"}});
    CHECK(no_model_card.exit_code == 69);
    CHECK(json_of(no_model_card)["error"]["code"] == "MODEL_MISSING");
    // A live picture that is not there is FILE_NOT_FOUND before the card is asked for, too.
    const Run no_live = mynaq_run(
        {"--json", "face", "verify", "--from-card", "--live", scratch("gone.jpg").string()});
    CHECK(no_live.exit_code == 66);
    CHECK(json_of(no_live)["error"]["code"] == "FILE_NOT_FOUND");
    CHECK(mynaq_run({"face", "check", "--image", scratch("gone.jpg").string()}).exit_code == 66);

    const Run both = mynaq_run({"face", "verify", "--card-photo", card(), "--live",
                                image("astronaut.jpg"), "--camera", "0"});
    CHECK(both.exit_code == 64);
    const Run neither = mynaq_run({"face", "verify", "--live", image("astronaut.jpg")});
    CHECK(neither.exit_code == 64);
}

TEST_CASE("mynaq --version names the commit it was built from and its features") {
    const ProcessResult v = run_process({MYNAQ_BINARY, "--version"});
    REQUIRE(v.exit_code == 0);
    CHECK(v.out.rfind("mynaq ", 0) == 0);
    const ProcessResult head =
        run_process({"git", "-C", MYNAQ_SOURCE_DIR, "rev-parse", "--short", "HEAD"});
    if (head.exit_code == 0) {
        // Refreshed at build time: a configure-time value went stale with every commit.
        const std::string commit = head.out.substr(0, head.out.find('\n'));
        CHECK(v.out.find("(commit " + commit) != std::string::npos);
    } else {
        // A source tarball: no commit to compare, and the binary must not invent one.
        const char* given = std::getenv("MYNAQ_COMMIT");
        CHECK(v.out.find(std::string("(commit ") + (given ? given : "unknown") + ")") !=
              std::string::npos);
    }
    for (const char* feature :
         {"pcsc", "jpki", "oqs-webapi", "sqlite", "postgresql", "face (", "pdf/png ("}) {
        CHECK(v.out.find(feature) != std::string::npos);
    }
    // Where the face helper is missing, --version says so rather than claiming it.
    ProcessOptions po;
    po.env["MYNAQ_FACE_HELPER"] = "/nonexistent/mynaq-face";
    const ProcessResult moved = run_process({MYNAQ_BINARY, "--version"}, po);
    CHECK(moved.out.find("face (helper mynaq-face not installed)") != std::string::npos);
}

TEST_CASE("face CLI: mynaq itself does not load OpenCV, and hands face commands to mynaq-face") {
    // OpenCV's modules pull in some 250 shared libraries: linked into mynaq they made every
    // command start in 150 ms instead of 11.
    const ProcessResult ldd = run_process({"ldd", MYNAQ_BINARY});
    REQUIRE(ldd.exit_code == 0);
    CHECK(ldd.out.find("libopencv") == std::string::npos);
    CHECK(ldd.out.find("libdlib") == std::string::npos);
    const Run missing = mynaq_run({"--json", "face", "check", "--image", image("astronaut.jpg")},
                                  {{"MYNAQ_FACE_HELPER", "/nonexistent/mynaq-face"}});
    CHECK(missing.exit_code == 69);
    CHECK(json_of(missing)["error"]["code"] == "MODEL_MISSING");
}

TEST_CASE("face CLI: thresholds and gates come from the configuration, and bad ones are refused") {
    const auto config = scratch("face.yaml");
    write_file_atomic(config, std::string_view("face:\n  thresholds: {match: 0.05, no_match: 0.1}\n"
                                               "  quality: {max_brightness: 100}\n"));
    const Run strict = mynaq_run({"--json", "--config", config.string(), "face", "verify",
                                  "--card-photo", card(), "--live", image("astronaut.jpg")});
    CHECK(strict.exit_code == 1);
    const auto j = json_of(strict);
    CHECK(j["thresholds"]["no_match"] == 0.1);
    CHECK(j["live"]["issues"][0] == "too_bright");

    write_file_atomic(config,
                      std::string_view("face:\n  thresholds: {match: 0.7, no_match: 0.6}\n"));
    const Run inverted = mynaq_run({"--json", "--config", config.string(), "face", "check",
                                    "--image", image("astronaut.jpg")});
    CHECK(inverted.exit_code == 78);
    write_file_atomic(config, std::string_view("face:\n  quality: {max_blink: 3}\n"));
    const Run unknown = mynaq_run({"--json", "--config", config.string(), "face", "check",
                                   "--image", image("astronaut.jpg")});
    CHECK(unknown.exit_code == 78);
    CHECK(json_of(unknown)["error"]["detail"].get<std::string>().find("face.quality.max_blink") !=
          std::string::npos);
    // The shipped example configuration is valid and its face section is read.
    const auto example = std::filesystem::path(MYNAQ_SOURCE_DIR) / "examples/config.yaml";
    const Run shipped = mynaq_run({"--json", "--config", example.string(), "face", "verify",
                                   "--card-photo", card(), "--live", image("astronaut.jpg")});
    CHECK(shipped.exit_code == 0);
    CHECK(json_of(shipped)["thresholds"]["no_match"] == 0.6);
    std::filesystem::remove_all(config.parent_path());
}

// The README shows this run on the demo's pictures, named as staff would have them.
TEST_CASE("face CLI: the README's face verify sample is what mynaq prints") {
    const auto card_file = scratch("card.jp2");
    const auto live_file = scratch("counter.jpg");
    std::filesystem::copy_file(std::filesystem::path(MYNAQ_SOURCE_DIR) / "data/sim/face.jp2",
                               card_file, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::copy_file(std::filesystem::path(MYNAQ_SOURCE_DIR) / "data/sim/live.jpg",
                               live_file, std::filesystem::copy_options::overwrite_existing);
    const Run r = mynaq_run({"--lang", "ja", "face", "verify", "--card-photo", card_file.string(),
                             "--live", live_file.string()});
    REQUIRE(r.exit_code == 0);
    readme::check_block("face-verify", r.out, {{card_file.parent_path().string() + "/", ""}});
}
