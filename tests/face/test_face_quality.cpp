// Quality diagnostics: each failed check is raised by the image fault it names, and a clean
// portrait raises none.
#include <opencv2/imgproc.hpp>

#include <set>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "face_fixtures.hpp"

using namespace mynaq;
using namespace mynaq::face;
namespace fx = mynaq::face::fixtures;

namespace {

Analysis live(const cv::Mat& bgr) {
    return fx::engine().analyse(fx::decoded(bgr), Role::Live);
}

std::string issues_of(const Quality& q) {
    std::string out;
    for (Issue i : q.issues) out += std::string(issue_code(i)) + " ";
    return out;
}

cv::Mat portrait() {
    return fx::load(fx::image_path("astronaut.jpg"));
}

}  // namespace

TEST_CASE("face quality: clean portraits pass every check") {
    for (const char* name : {"astronaut.jpg", "grace_hopper.jpg"}) {
        CAPTURE(name);
        const Analysis a = live(fx::load(fx::image_path(name)));
        INFO(issues_of(a.quality));
        CHECK(a.quality.faces_found == 1);
        CHECK(a.quality.issues.empty());
        CHECK(a.quality.eye_distance > 40);
        CHECK(std::abs(a.quality.pose.yaw) < 15);
        CHECK(std::abs(a.quality.pose.roll) < 10);
        CHECK(a.chip_rgb.size() == static_cast<std::size_t>(kChipSize * kChipSize * 3));
    }
}

TEST_CASE("face quality: darkness, glare, low contrast and blur are each named") {
    const cv::Mat p = portrait();
    const Analysis dark = live(fx::darkened(p, 0.3));
    INFO("dark: ", issues_of(dark.quality));
    CHECK(dark.quality.has(Issue::TooDark));
    CHECK(dark.quality.brightness < 60);

    cv::Mat bright;
    p.convertTo(bright, -1, 0.6, 140);
    const Analysis glare = live(bright);
    INFO("bright: ", issues_of(glare.quality));
    CHECK(glare.quality.has(Issue::TooBright));
    CHECK_FALSE(glare.quality.has(Issue::TooDark));

    cv::Mat flat;
    p.convertTo(flat, -1, 0.3, 90);
    const Analysis low = live(flat);
    INFO("flat: ", issues_of(low.quality));
    CHECK(low.quality.has(Issue::LowContrast));

    const Analysis blur = live(fx::blurred(p, 3.0));
    INFO("blur: ", issues_of(blur.quality));
    CHECK(blur.quality.has(Issue::Blurred));
    CHECK(blur.quality.sharpness < live(p).quality.sharpness / 4);
}

TEST_CASE("face quality: a tilted head is measured and flagged, a level one is not") {
    const cv::Mat p = portrait();
    const Analysis level = live(p);
    const Analysis tilted = live(fx::rotated(p, 35));
    REQUIRE(tilted.quality.faces_found >= 1);
    INFO(issues_of(tilted.quality), " roll ", tilted.quality.pose.roll);
    // warpAffine turns anticlockwise for positive angles: the eye line falls to the left.
    CHECK(tilted.quality.pose.roll < level.quality.pose.roll - 25);
    CHECK(tilted.quality.has(Issue::HeadTilted));
    CHECK_FALSE(level.quality.has(Issue::HeadTilted));
}

TEST_CASE("face quality: a small face is flagged, a card-sized portrait passes the card gate") {
    const cv::Mat p = portrait();
    const Analysis small = live(fx::resized(p, 0.45));
    INFO(issues_of(small.quality));
    REQUIRE(small.quality.faces_found == 1);
    CHECK(small.quality.has(Issue::FaceTooSmall));
    CHECK(small.quality.eye_distance < 40);
    // The card's own photo is small by design; as a card photo it passes.
    const auto card = read_image_file(fx::card_photo_path());
    CHECK_FALSE(fx::engine().analyse(card, Role::Card).quality.has(Issue::FaceTooSmall));
    CHECK(fx::engine().analyse(card, Role::Live).quality.has(Issue::FaceTooSmall));
}

TEST_CASE("face quality: covered eyes and a covered mouth give hints") {
    const cv::Mat p = portrait();
    const Analysis bare = live(p);
    REQUIRE(bare.quality.faces_found == 1);
    const auto& lm = bare.landmarks;

    cv::Mat glasses = p.clone();
    for (int from : {36, 42}) {
        std::vector<cv::Point> eye;
        for (int i = from; i < from + 6; ++i)
            eye.emplace_back(static_cast<int>(lm[i][0]), static_cast<int>(lm[i][1]));
        const cv::Rect r = cv::boundingRect(eye);
        cv::ellipse(glasses, (r.tl() + r.br()) / 2, cv::Size(r.width * 3 / 4, r.height + 3), 0, 0,
                    360, cv::Scalar(15, 15, 15), cv::FILLED);
    }
    const Analysis shades = live(glasses);
    INFO("glasses: ", issues_of(shades.quality), " eye_darkness ", shades.quality.eye_darkness);
    if (shades.quality.faces_found > 0) {
        CHECK(shades.quality.has(Issue::EyesCovered));
    } else {
        CHECK(shades.quality.has(Issue::NoFace));
    }
    CHECK_FALSE(bare.quality.has(Issue::EyesCovered));

    // A surgical mask from the nose bridge to the chin hides the face from HOG altogether: the
    // answer must be "no face" with the advice that mentions masks, never a clean pass.
    auto cover = [&](const std::vector<int>& outline, cv::Scalar colour) {
        cv::Mat out = p.clone();
        std::vector<cv::Point> polygon;
        for (int i : outline)
            polygon.emplace_back(static_cast<int>(lm[i][0]), static_cast<int>(lm[i][1]));
        cv::Mat cloth(p.size(), p.type());
        cv::randn(cloth, colour, cv::Scalar(5, 5, 5));
        cv::Mat region = cv::Mat::zeros(p.size(), CV_8UC1);
        cv::fillConvexPoly(region, polygon, cv::Scalar(255));
        cloth.copyTo(out, region);
        return out;
    };
    const Analysis masked =
        live(cover({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 28}, {215, 205, 195}));
    INFO("mask: ", issues_of(masked.quality));
    CHECK(masked.quality.has(Issue::NoFace));
    CHECK_FALSE(masked.descriptor);
    // A hand or cloth over the mouth alone leaves the face findable, and the hint names it.
    const Analysis mouth = live(cover({4, 5, 6, 7, 8, 9, 10, 11, 12, 33}, {150, 160, 190}));
    INFO("mouth: ", issues_of(mouth.quality), " lower ", mouth.quality.lower_face_texture);
    CHECK((mouth.quality.has(Issue::LowerFaceCovered) || mouth.quality.has(Issue::NoFace)));
    CHECK_FALSE(bare.quality.has(Issue::LowerFaceCovered));
}

TEST_CASE("face quality: no occlusion hint on any bare face of the demo photos") {
    int faces = 0;
    for (int n = 1; n <= 6; ++n) {
        for (const Analysis& a : fx::engine().analyse_faces(
                 fx::decoded(fx::load(fx::demo_photo_path(n))), Role::Live)) {
            INFO("sample", n, " eyes ", a.quality.eye_darkness, " mouth ",
                 a.quality.lower_face_texture);
            CHECK_FALSE(a.quality.has(Issue::EyesCovered));
            CHECK_FALSE(a.quality.has(Issue::LowerFaceCovered));
            ++faces;
        }
    }
    CHECK(faces >= 15);
}

TEST_CASE("face quality: several faces are reported and the largest is used") {
    const auto image = fx::decoded(fx::load(fx::demo_photo_path(5)));
    const Analysis a = fx::engine().analyse(image, Role::Live);
    CHECK(a.quality.faces_found >= 3);
    CHECK(a.quality.has(Issue::SeveralFaces));
    const auto all = fx::engine().analyse_faces(image, Role::Live);
    REQUIRE(all.size() == static_cast<std::size_t>(a.quality.faces_found));
    for (const auto& f : all) CHECK(f.quality.box.width <= a.quality.box.width);
    CHECK(all.front().quality.box.x == a.quality.box.x);
}

TEST_CASE("face quality: a picture with no face says so") {
    cv::Mat wall(480, 640, CV_8UC3);
    cv::randu(wall, cv::Scalar(80, 80, 80), cv::Scalar(180, 180, 180));
    const Analysis a = live(wall);
    CHECK(a.quality.faces_found == 0);
    CHECK(a.quality.has(Issue::NoFace));
    CHECK_FALSE(a.descriptor);
}

TEST_CASE("face quality: every issue has a stable code") {
    std::set<std::string_view> codes;
    for (Issue i : {Issue::NoFace, Issue::SeveralFaces, Issue::WeakDetection, Issue::FaceTooSmall,
                    Issue::TooDark, Issue::TooBright, Issue::LowContrast, Issue::Blurred,
                    Issue::TurnedSideways, Issue::FacingUpOrDown, Issue::HeadTilted,
                    Issue::EyesCovered, Issue::LowerFaceCovered, Issue::Downscaled}) {
        CHECK(issue_code(i) != "unknown");
        codes.insert(issue_code(i));
    }
    CHECK(codes.size() == 14);
}
