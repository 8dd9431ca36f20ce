// Same person matches, different people do not: the card photo (data/sim/face.jp2, a greyscale
// JPEG 2000 crop of the astronaut portrait) against variants of the same portrait, another
// person, and every pair of different people inside the face-api demo photos.
#include <opencv2/imgcodecs.hpp>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "face_fixtures.hpp"

using namespace mynaq;
using namespace mynaq::face;
namespace fx = mynaq::face::fixtures;

namespace {

DecodedImage card_photo() {
    return read_image_file(fx::card_photo_path());
}

double distance_to_card(const DecodedImage& live) {
    const Verification v = fx::engine().verify(card_photo(), live, Thresholds{});
    REQUIRE_MESSAGE(v.distance.has_value(), "no face in the live image");
    return *v.distance;
}

}  // namespace

TEST_CASE("face match: the card photo matches the portrait it was cut from, in colour") {
    const auto live = fx::decoded(fx::load(fx::image_path("astronaut.jpg")));
    const Verification v = fx::engine().verify(card_photo(), live, Thresholds{});
    REQUIRE(v.distance);
    CHECK(*v.distance < 0.35);
    CHECK(v.decision == Decision::Match);
    CHECK(v.card.quality.faces_found == 1);
    CHECK(v.live.quality.faces_found == 1);
    REQUIRE(v.card.descriptor);
    // dlib's descriptors are not normalised; their norm sits near 1.4–1.5 for a real face.
    double norm = 0;
    for (float x : *v.card.descriptor) norm += static_cast<double>(x) * x;
    CHECK(std::sqrt(norm) > 1.2);
    CHECK(std::sqrt(norm) < 1.7);
}

TEST_CASE("face match: same-person variants still match") {
    const cv::Mat portrait = fx::load(fx::image_path("astronaut.jpg"));
    struct Variant {
        const char* name;
        DecodedImage image;
    };
    const std::vector<Variant> variants = {
        {"greyscale", fx::decoded(fx::greyscale(portrait))},
        {"blur sigma 2", fx::decoded(fx::blurred(portrait, 2.0))},
        {"rotated 15 degrees", fx::decoded(fx::rotated(portrait, 15))},
        {"JPEG quality 25", fx::encoded_as(portrait, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 25})},
        {"JPEG 2000 at 1:50",
         fx::encoded_as(portrait, ".jp2", {cv::IMWRITE_JPEG2000_COMPRESSION_X1000, 20})},
        {"scaled to 70%", fx::decoded(fx::resized(portrait, 0.7))},
        {"darkened to 60%", fx::decoded(fx::darkened(portrait, 0.6))},
    };
    for (const auto& v : variants) {
        CAPTURE(v.name);
        const double d = distance_to_card(v.image);
        INFO(fmt::format("{}: distance {:.3f}", v.name, d));
        CHECK(d <= Thresholds{}.match);
    }
}

TEST_CASE("face match: a recompressed card photo still matches its portrait") {
    // The card's own JPEG 2000 squeezed harder (what an older card or a bad read looks like).
    const cv::Mat card = fx::load(fx::card_photo_path());
    const auto squeezed =
        fx::encoded_as(card, ".jp2", {cv::IMWRITE_JPEG2000_COMPRESSION_X1000, 60});
    const auto live = fx::decoded(fx::load(fx::image_path("astronaut.jpg")));
    const Verification v = fx::engine().verify(squeezed, live, Thresholds{});
    REQUIRE(v.distance);
    CHECK(v.decision == Decision::Match);
}

TEST_CASE("face match: a different person is not a match") {
    const auto other = fx::decoded(fx::load(fx::image_path("grace_hopper.jpg")));
    const double d = distance_to_card(other);
    INFO(fmt::format("distance {:.3f}", d));
    CHECK(d > Thresholds{}.no_match);
    const Verification v = fx::engine().verify(card_photo(), other, Thresholds{});
    CHECK(v.decision == Decision::NoMatch);
}

TEST_CASE("face match: no two different people in the demo photos reach the match threshold") {
    // Faces in one photo are different people; 20 or so faces give over 30 pairs.
    int pairs = 0;
    double closest = 10;
    for (int n = 1; n <= 6; ++n) {
        const auto faces =
            fx::engine().analyse_faces(fx::decoded(fx::load(fx::demo_photo_path(n))), Role::Live);
        std::vector<Descriptor> people;
        for (const auto& f : faces) {
            REQUIRE(f.descriptor);
            CHECK(f.quality.faces_found == static_cast<int>(faces.size()));
            people.push_back(*f.descriptor);
        }
        CHECK(!people.empty());
        for (std::size_t i = 0; i < people.size(); ++i) {
            for (std::size_t j = i + 1; j < people.size(); ++j) {
                const double d = distance(people[i], people[j]);
                closest = std::min(closest, d);
                ++pairs;
                CHECK_MESSAGE(decide(d, Thresholds{}) != Decision::Match,
                              fmt::format("sample{} faces {} and {}: {:.3f}", n, i, j, d));
            }
        }
    }
    INFO(fmt::format("{} pairs, closest {:.3f}", pairs, closest));
    CHECK(pairs >= 20);
    CHECK(closest > Thresholds{}.match);
}

TEST_CASE("face match: thresholds decide three ways and a missing face decides nothing") {
    const Thresholds t{0.45, 0.60};
    CHECK(decide(0.30, t) == Decision::Match);
    CHECK(decide(0.45, t) == Decision::Match);
    CHECK(decide(0.50, t) == Decision::StaffCheck);
    CHECK(decide(0.60, t) == Decision::StaffCheck);
    CHECK(decide(0.61, t) == Decision::NoMatch);
    CHECK(decide(std::nullopt, t) == Decision::NotComparable);
    // A stricter clinic setting turns the same pair into a staff check.
    const auto live = fx::decoded(fx::load(fx::image_path("astronaut.jpg")));
    const Verification strict = fx::engine().verify(card_photo(), live, Thresholds{0.05, 0.60});
    CHECK(strict.decision == Decision::StaffCheck);

    cv::Mat empty(480, 640, CV_8UC3, cv::Scalar(120, 130, 140));
    cv::randn(empty, cv::Scalar(120, 130, 140), cv::Scalar(20, 20, 20));
    const Verification none = fx::engine().verify(card_photo(), fx::decoded(empty), Thresholds{});
    CHECK(none.decision == Decision::NotComparable);
    CHECK_FALSE(none.distance.has_value());
    CHECK(none.live.quality.has(Issue::NoFace));
    CHECK(none.live.chip_rgb.empty());
}
