// dlib's HOG detector, shape predictor and chip extraction behind FaceLocator.
#include "face_locator.hpp"

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_transforms.h>
#include <dlib/opencv/cv_image.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

#include "mynaq/error.hpp"

namespace mynaq::face {

namespace {

// Images whose long side is under this are searched again at twice the size.
constexpr int kUpsampleBelow = 1000;
// Larger images are searched downscaled to this long side.
constexpr int kDetectAtMost = 1280;

dlib::matrix<dlib::rgb_pixel> to_dlib_rgb(const cv::Mat& bgr) {
    dlib::matrix<dlib::rgb_pixel> rgb;
    dlib::assign_image(rgb, dlib::cv_image<dlib::bgr_pixel>(bgr));
    return rgb;
}

}  // namespace

struct FaceLocator::Impl {
    dlib::frontal_face_detector detector = dlib::get_frontal_face_detector();
    dlib::shape_predictor predictor;
};

FaceLocator::FaceLocator(const std::filesystem::path& shape_predictor)
    : impl_(std::make_unique<Impl>()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(shape_predictor, ec))
        throw Error(Errc::ModelMissing,
                    fmt::format("the 68-point landmark model {} is missing (Debian package "
                                "libdlib-data; or set face.landmarks)",
                                shape_predictor.string()),
                    {{"file", shape_predictor.string()}});
    try {
        dlib::deserialize(shape_predictor.string()) >> impl_->predictor;
    } catch (const std::exception& e) {
        throw Error(Errc::DataInvalid,
                    fmt::format("the landmark model {} cannot be read: {}",
                                shape_predictor.string(), e.what()),
                    {{"file", shape_predictor.string()}});
    }
    if (impl_->predictor.num_parts() != 68)
        throw Error(Errc::DataInvalid,
                    fmt::format("the landmark model {} has {} points, not 68",
                                shape_predictor.string(), impl_->predictor.num_parts()));
}

FaceLocator::~FaceLocator() = default;
FaceLocator::FaceLocator(FaceLocator&&) noexcept = default;
FaceLocator& FaceLocator::operator=(FaceLocator&&) noexcept = default;

std::vector<LocatedFace> FaceLocator::locate(const cv::Mat& bgr) {
    const auto rgb = to_dlib_rgb(bgr);
    std::vector<dlib::rect_detection> found;
    double factor = 1.0;
    const int long_side = std::max(bgr.cols, bgr.rows);
    if (long_side > kDetectAtMost) {
        // HOG's cost grows with the pixels: a full-HD frame is searched at 1280 pixels, where
        // a face at a counter still spans far more than the 80-pixel window. The landmarks
        // are then placed on the full image.
        factor = static_cast<double>(long_side) / kDetectAtMost;
        cv::Mat smaller;
        cv::resize(
            bgr, smaller,
            cv::Size(static_cast<int>(bgr.cols / factor), static_cast<int>(bgr.rows / factor)), 0,
            0, cv::INTER_AREA);
        impl_->detector(to_dlib_rgb(smaller), found);
    } else {
        impl_->detector(rgb, found);
    }
    if (found.empty() && long_side < kUpsampleBelow) {
        dlib::matrix<dlib::rgb_pixel> larger = rgb;
        dlib::resize_image(2.0, larger);
        impl_->detector(larger, found);
        factor = 0.5;
    }
    std::vector<LocatedFace> faces;
    faces.reserve(found.size());
    for (const auto& d : found) {
        const dlib::rectangle r(
            static_cast<long>(std::lround(static_cast<double>(d.rect.left()) * factor)),
            static_cast<long>(std::lround(static_cast<double>(d.rect.top()) * factor)),
            static_cast<long>(std::lround(static_cast<double>(d.rect.right()) * factor)),
            static_cast<long>(std::lround(static_cast<double>(d.rect.bottom()) * factor)));
        const dlib::full_object_detection shape = impl_->predictor(rgb, r);
        LocatedFace face;
        face.box = cv::Rect(static_cast<int>(r.left()), static_cast<int>(r.top()),
                            static_cast<int>(r.width()), static_cast<int>(r.height()));
        face.score = d.detection_confidence;
        for (unsigned long i = 0; i < 68; ++i) {
            face.landmarks[i] = cv::Point2f(static_cast<float>(shape.part(i).x()),
                                            static_cast<float>(shape.part(i).y()));
        }
        faces.push_back(face);
    }
    std::sort(faces.begin(), faces.end(), [](const LocatedFace& a, const LocatedFace& b) {
        return a.box.area() > b.box.area();
    });
    return faces;
}

cv::Mat FaceLocator::chip(const cv::Mat& bgr, const LocatedFace& face) const {
    std::vector<dlib::point> parts;
    parts.reserve(68);
    for (const auto& p : face.landmarks)
        parts.emplace_back(static_cast<long>(std::lround(p.x)),
                           static_cast<long>(std::lround(p.y)));
    const dlib::rectangle box(face.box.x, face.box.y, face.box.x + face.box.width - 1,
                              face.box.y + face.box.height - 1);
    const dlib::full_object_detection shape(box, parts);
    const auto details = dlib::get_face_chip_details(shape, kChipSize, 0.25);
    dlib::matrix<dlib::rgb_pixel> chip;
    dlib::extract_image_chip(to_dlib_rgb(bgr), details, chip);
    cv::Mat out(kChipSize, kChipSize, CV_8UC3);
    for (int y = 0; y < kChipSize; ++y) {
        auto* pixel = out.ptr<cv::Vec3b>(y);
        for (int x = 0; x < kChipSize; ++x) {
            const dlib::rgb_pixel& p = chip(y, x);
            pixel[x] = cv::Vec3b(p.red, p.green, p.blue);
        }
    }
    return out;
}

}  // namespace mynaq::face
