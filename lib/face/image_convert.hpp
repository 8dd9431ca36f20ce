// Between mynaq's Image value type and OpenCV matrices, inside lib/face only.
#pragma once

#include <opencv2/core.hpp>

#include "mynaq/face.hpp"

namespace mynaq::face {

// Copies a CV_8UC3 matrix (any stride) into an Image.
inline Image from_mat(const cv::Mat& bgr) {
    Image image;
    image.width = bgr.cols;
    image.height = bgr.rows;
    image.bgr.resize(static_cast<std::size_t>(bgr.cols) * bgr.rows * 3);
    cv::Mat packed(bgr.rows, bgr.cols, CV_8UC3, image.bgr.data());
    bgr.copyTo(packed);
    return image;
}

// A read-only view of an Image; valid while the Image lives.
inline cv::Mat to_mat(const Image& image) {
    return cv::Mat(image.height, image.width, CV_8UC3, const_cast<std::uint8_t*>(image.bgr.data()));
}

}  // namespace mynaq::face
