// Quality diagnostics of one located face: the numbers technicians need to see why a match
// fails, and the failed checks. face-match.md §5 and §5.2.
#pragma once

#include <opencv2/core.hpp>

#include "face_locator.hpp"
#include "mynaq/face.hpp"

namespace mynaq::face {

// Fills the measurements and issues of `quality` for `face` in `bgr` (the searched image, which
// is `scale` × the original) and its aligned `chip_rgb`.
void measure_quality(const cv::Mat& bgr, const LocatedFace& face, const cv::Mat& chip_rgb,
                     double scale, const QualityLimits& limits, Role role, Quality& quality);

// Yaw, pitch and roll in degrees from six landmarks and a generic 3D face (solvePnP, focal
// length = image width). Rough, but enough to tell "turned away" from "facing the camera".
Pose estimate_pose(const std::array<cv::Point2f, 68>& landmarks, cv::Size image);

}  // namespace mynaq::face
