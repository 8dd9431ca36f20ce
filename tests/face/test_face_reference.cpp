// Our descriptors against two references on the same aligned chips: face-api itself in Node
// (pure-JS tfjs cpu backend, installed by scripts/install-face-reference.sh) within 1e-4 per
// component, and the plain C++ re-implementation in face_reference_net.cpp within 1e-5.
#include <fstream>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "face_fixtures.hpp"
#include "face_reference_net.hpp"
#include "mynaq/error.hpp"
#include "mynaq/files.hpp"
#include "mynaq/process.hpp"

using namespace mynaq;
using namespace mynaq::face;
namespace fx = mynaq::face::fixtures;

namespace {

struct Chip {
    std::string name;
    Bytes rgb;
};

// Aligned chips of different people and image kinds: the card's greyscale JPEG 2000, two
// colour portraits, a dark variant and the faces of two group photos.
const std::vector<Chip>& chips() {
    static const std::vector<Chip> all = [] {
        std::vector<Chip> out;
        auto add = [&](const std::string& name, const Analysis& a) {
            REQUIRE_MESSAGE(!a.chip_rgb.empty(), name);
            out.push_back({name, a.chip_rgb});
        };
        add("card",
            fx::engine().analyse(read_image_file(fx::card_photo_path()), Role::Card, false));
        for (const char* f : {"astronaut.jpg", "grace_hopper.jpg"})
            add(f,
                fx::engine().analyse(fx::decoded(fx::load(fx::image_path(f))), Role::Live, false));
        add("dark", fx::engine().analyse(
                        fx::decoded(fx::darkened(fx::load(fx::image_path("astronaut.jpg")), 0.4)),
                        Role::Live, false));
        for (int n : {1, 4}) {
            const auto faces = fx::engine().analyse_faces(
                fx::decoded(fx::load(fx::demo_photo_path(n))), Role::Live);
            for (std::size_t i = 0; i < faces.size(); ++i)
                add(fmt::format("sample{}_{}", n, i), faces[i]);
        }
        return out;
    }();
    return all;
}

double max_abs_diff(const Descriptor& a, const std::vector<double>& b) {
    REQUIRE(b.size() == a.size());
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
    return worst;
}

}  // namespace

TEST_CASE("face reference: descriptors agree with face-api in Node within 1e-4 per component") {
    const std::filesystem::path source(MYNAQ_SOURCE_DIR);
    const auto modules = source / ".cache/face-ref";
    REQUIRE_MESSAGE(std::filesystem::exists(modules / "node_modules/@vladmandic/face-api"),
                    "run scripts/install-face-reference.sh (the test command does)");
    const auto dir =
        std::filesystem::temp_directory_path() / fmt::format("mynaq-face-ref-{}", ::getpid());
    std::filesystem::create_directories(dir);
    std::vector<std::string> argv = {
        "node",      (source / "tests/face/faceapi_reference.cjs").string(),
        "--modules", modules.string(),
        "--model",   (source / "data/face").string()};
    for (const Chip& c : chips()) {
        const auto file = dir / (c.name + ".rgb");
        write_file_atomic(file, c.rgb);
        argv.push_back(file.string());
    }
    ProcessOptions options;
    options.timeout = std::chrono::minutes(5);
    const ProcessResult r = run_process(argv, options);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto out = nlohmann::json::parse(r.out);
    REQUIRE(out["backend"] == "cpu");
    double worst = 0;
    for (const Chip& c : chips()) {
        CAPTURE(c.name);
        const auto file = (dir / (c.name + ".rgb")).string();
        REQUIRE(out["descriptors"].contains(file));
        const auto theirs = out["descriptors"][file].get<std::vector<double>>();
        const double diff = max_abs_diff(fx::engine().embed_chip(c.rgb), theirs);
        worst = std::max(worst, diff);
        CHECK(diff < 1e-4);
    }
    MESSAGE(
        fmt::format("{} chips, largest difference from face-api {:.2e}", chips().size(), worst));
    CHECK(chips().size() >= 8);
    std::filesystem::remove_all(dir);
}

TEST_CASE("face reference: the cv::dnn graph agrees with the plain re-implementation") {
    const auto tensors = load_tfjs_weights(std::filesystem::path(MYNAQ_SOURCE_DIR) / "data/face");
    CHECK(tensors.size() == 117);
    std::size_t parameters = 0;
    for (const auto& t : tensors) parameters += t.values.size();
    CHECK(parameters == 5'614'592);
    // Three chips keep this affordable in sanitizer builds.
    for (std::size_t i : {0u, 1u, 4u}) {
        const Chip& c = chips().at(i);
        CAPTURE(c.name);
        const Descriptor ours = fx::engine().embed_chip(c.rgb);
        const Descriptor plain = testing::reference_embed(tensors, c.rgb.data());
        double worst = 0;
        for (std::size_t k = 0; k < ours.size(); ++k)
            worst = std::max(worst, static_cast<double>(std::abs(ours[k] - plain[k])));
        CHECK(worst < 1e-5);
    }
}

TEST_CASE("face reference: a chip of the wrong size is refused") {
    CHECK_THROWS_AS((void)fx::engine().embed_chip(Bytes(100)), mynaq::Error);
}
