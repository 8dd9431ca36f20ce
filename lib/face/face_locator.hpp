// Finding faces the way dlib's recognition model expects them: the HOG frontal-face detector,
// the 68-point shape predictor and dlib's face-chip alignment (150×150, padding 0.25).
// dlib stays inside face_locator.cpp: it is slow to compile and nothing else needs it.
#pragma once

#include <array>
#include <filesystem>
#include <memory>
#include <vector>

#include <opencv2/core.hpp>

#include "mynaq/face.hpp"

namespace mynaq::face {

struct LocatedFace {
    cv::Rect box;  // in the searched image's pixels
    double score = 0;
    std::array<cv::Point2f, 68> landmarks{};
};

class FaceLocator {
public:
    // Error{ModelMissing} / Error{DataInvalid} for a missing or damaged predictor file.
    explicit FaceLocator(const std::filesystem::path& shape_predictor);
    ~FaceLocator();
    FaceLocator(FaceLocator&&) noexcept;
    FaceLocator& operator=(FaceLocator&&) noexcept;

    // Every face HOG finds, largest first. Small images are searched again at twice the size
    // when nothing is found at their own, since HOG's window is 80×80.
    std::vector<LocatedFace> locate(const cv::Mat& bgr);

    // The aligned kChipSize² chip, RGB.
    cv::Mat chip(const cv::Mat& bgr, const LocatedFace& face) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mynaq::face
