// The face-match engine: both models loaded once, then analyse and verify per image pair.
#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "face_locator.hpp"
#include "image_convert.hpp"
#include "mynaq/config.hpp"
#include "mynaq/error.hpp"
#include "mynaq/face.hpp"
#include "quality.hpp"
#include "recognition_net.hpp"

namespace mynaq::face {

std::string_view issue_code(Issue issue) {
    switch (issue) {
        case Issue::NoFace:
            return "no_face";
        case Issue::SeveralFaces:
            return "several_faces";
        case Issue::WeakDetection:
            return "weak_detection";
        case Issue::FaceTooSmall:
            return "face_too_small";
        case Issue::TooDark:
            return "too_dark";
        case Issue::TooBright:
            return "too_bright";
        case Issue::LowContrast:
            return "low_contrast";
        case Issue::Blurred:
            return "blurred";
        case Issue::TurnedSideways:
            return "turned_sideways";
        case Issue::FacingUpOrDown:
            return "facing_up_or_down";
        case Issue::HeadTilted:
            return "head_tilted";
        case Issue::EyesCovered:
            return "eyes_covered";
        case Issue::LowerFaceCovered:
            return "lower_face_covered";
        case Issue::Downscaled:
            return "downscaled";
    }
    return "unknown";
}

std::string_view decision_code(Decision decision) {
    switch (decision) {
        case Decision::Match:
            return "match";
        case Decision::StaffCheck:
            return "staff_check";
        case Decision::NoMatch:
            return "no_match";
        case Decision::NotComparable:
            return "not_comparable";
    }
    return "not_comparable";
}

bool Quality::has(Issue issue) const {
    return std::find(issues.begin(), issues.end(), issue) != issues.end();
}

double distance(const Descriptor& a, const Descriptor& b) {
    double sum = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const double d = static_cast<double>(a[i]) - b[i];
        sum += d * d;
    }
    return std::sqrt(sum);
}

Decision decide(std::optional<double> d, const Thresholds& t) {
    if (!d) return Decision::NotComparable;
    if (*d <= t.match) return Decision::Match;
    if (*d > t.no_match) return Decision::NoMatch;
    return Decision::StaffCheck;
}

struct Engine::Impl {
    FaceLocator locator;
    RecognitionNet net;
    QualityLimits limits;

    // Quality, landmarks, chip and (optionally) descriptor of one located face.
    Analysis describe(const cv::Mat& bgr, const DecodedImage& image, const LocatedFace& face,
                      Role role, bool with_descriptor, Analysis analysis);
};

Engine::Engine(const ModelPaths& paths, QualityLimits limits)
    : impl_(std::make_unique<Impl>(
          Impl{FaceLocator(paths.landmarks), RecognitionNet(paths.recognition_dir), limits})) {}
Engine::~Engine() = default;
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;

const QualityLimits& Engine::limits() const {
    return impl_->limits;
}

namespace {

void begin(const DecodedImage& image, Quality& q) {
    q.image_width = image.original_width;
    q.image_height = image.original_height;
    q.scale = image.scale;
    if (image.scale < 1.0) q.issues.push_back(Issue::Downscaled);
}

// HOG takes badges and patterns for faces now and then, with low scores, and a masked or
// half-turned face scores low too: only detections at or above the gate count as faces, the
// strong ones first. Returns how many count.
int rank_faces(std::vector<LocatedFace>& faces, double min_score) {
    const auto strong_end =
        std::stable_partition(faces.begin(), faces.end(),
                              [min_score](const LocatedFace& f) { return f.score >= min_score; });
    return static_cast<int>(strong_end - faces.begin());
}

}  // namespace

Analysis Engine::Impl::describe(const cv::Mat& bgr, const DecodedImage& image,
                                const LocatedFace& face, Role role, bool with_descriptor,
                                Analysis analysis) {
    const cv::Mat chip = locator.chip(bgr, face);
    measure_quality(bgr, face, chip, image.scale, limits, role, analysis.quality);
    for (std::size_t i = 0; i < face.landmarks.size(); ++i) {
        analysis.landmarks[i] = {static_cast<float>(face.landmarks[i].x / image.scale),
                                 static_cast<float>(face.landmarks[i].y / image.scale)};
    }
    analysis.chip_rgb.assign(chip.data, chip.data + chip.total() * chip.elemSize());
    if (with_descriptor) analysis.descriptor = net.embed(chip);
    return analysis;
}

Analysis Engine::analyse(const DecodedImage& image, Role role, bool with_descriptor) const {
    Analysis analysis;
    Quality& q = analysis.quality;
    begin(image, q);
    const cv::Mat bgr = to_mat(image.image);
    auto faces = impl_->locator.locate(bgr);
    q.faces_found = rank_faces(faces, impl_->limits.min_detection_score);
    if (q.faces_found == 0) {
        q.issues.push_back(Issue::NoFace);
        // Something face-like was there: say so, it is often a mask or a turned head.
        if (!faces.empty()) {
            q.issues.push_back(Issue::WeakDetection);
            q.detection_score = faces.front().score;
        }
        return analysis;
    }
    // A card photo with two faces is suspect; a live frame may catch someone behind the patient.
    if (q.faces_found > 1) q.issues.push_back(Issue::SeveralFaces);
    return impl_->describe(bgr, image, faces.front(), role, with_descriptor, std::move(analysis));
}

std::vector<Analysis> Engine::analyse_faces(const DecodedImage& image, Role role) const {
    const cv::Mat bgr = to_mat(image.image);
    auto faces = impl_->locator.locate(bgr);
    const int counted = rank_faces(faces, impl_->limits.min_detection_score);
    std::vector<Analysis> all;
    for (int i = 0; i < counted; ++i) {
        Analysis analysis;
        begin(image, analysis.quality);
        analysis.quality.faces_found = counted;
        all.push_back(impl_->describe(bgr, image, faces[static_cast<std::size_t>(i)], role, true,
                                      std::move(analysis)));
    }
    return all;
}

Verification Engine::verify(const DecodedImage& card, const DecodedImage& live,
                            const Thresholds& thresholds) const {
    Verification v;
    v.card = analyse(card, Role::Card);
    v.live = analyse(live, Role::Live);
    if (v.card.descriptor && v.live.descriptor)
        v.distance = distance(*v.card.descriptor, *v.live.descriptor);
    v.decision = decide(v.distance, thresholds);
    return v;
}

Descriptor Engine::embed_chip(ByteView chip_rgb) const {
    if (chip_rgb.size() != static_cast<std::size_t>(kChipSize) * kChipSize * 3)
        throw Error(Errc::InvalidArgument, fmt::format("a face chip is {}×{}×3 bytes, not {}",
                                                       kChipSize, kChipSize, chip_rgb.size()));
    const cv::Mat chip(kChipSize, kChipSize, CV_8UC3, const_cast<std::uint8_t*>(chip_rgb.data()));
    return impl_->net.embed(chip);
}

}  // namespace mynaq::face
