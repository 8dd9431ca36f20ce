// Test images for the face match (licences in tests/face/images/README.md) and the synthetic
// variants the tests derive from them with OpenCV.
#pragma once

#include <filesystem>
#include <string>

#include <opencv2/core.hpp>

#include "mynaq/face.hpp"

namespace mynaq::face::fixtures {

// tests/face/images/<name>, data/sim/face.jp2 (the virtual card's photo) and the face-api demo
// photos fetched by scripts/fetch-face-model.sh.
std::filesystem::path image_path(const std::string& name);
std::filesystem::path card_photo_path();
std::filesystem::path demo_photo_path(int n);  // 1..6

cv::Mat load(const std::filesystem::path& file);  // BGR; fails the test when unreadable
DecodedImage decoded(const cv::Mat& bgr);         // through encode → decode_image, as PNG
DecodedImage encoded_as(const cv::Mat& bgr, const std::string& extension,
                        const std::vector<int>& params = {});

// The engine with the models the build uses, loaded once for the whole test binary.
const Engine& engine();

cv::Mat darkened(const cv::Mat& bgr, double factor);
cv::Mat blurred(const cv::Mat& bgr, double sigma);
cv::Mat rotated(const cv::Mat& bgr, double degrees);
cv::Mat greyscale(const cv::Mat& bgr);
cv::Mat resized(const cv::Mat& bgr, double factor);

}  // namespace mynaq::face::fixtures
