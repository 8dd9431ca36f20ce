// Brightness, contrast and sharpness come from the aligned chip's centre, so they describe the
// face rather than the room; pose and occlusion hints come from the landmarks.
#include "quality.hpp"

#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace mynaq::face {
namespace {

constexpr double kPi = 3.14159265358979323846;
// Where the occlusion hints fire (tuned on the test portraits and the face-api demo faces).
// Bare eyes sit at 0.5–0.8 of the cheeks' brightness; sunglasses fall under 0.1. Bare mouths
// carry 0.36–0.7 of the eyes' detail; flat cloth over the mouth about 0.3.
constexpr double kEyesCoveredBelow = 0.40;
constexpr double kLowerFaceCoveredBelow = 0.33;

cv::Rect bounds(const std::array<cv::Point2f, 68>& p, int from, int to, double grow,
                cv::Size limit) {
    float x0 = p[from].x, x1 = p[from].x, y0 = p[from].y, y1 = p[from].y;
    for (int i = from; i <= to; ++i) {
        x0 = std::min(x0, p[i].x), x1 = std::max(x1, p[i].x);
        y0 = std::min(y0, p[i].y), y1 = std::max(y1, p[i].y);
    }
    const double w = x1 - x0, h = std::max<double>(y1 - y0, w * 0.5);
    const double cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
    cv::Rect r(static_cast<int>(cx - w * (1 + grow) / 2), static_cast<int>(cy - h * (1 + grow) / 2),
               static_cast<int>(w * (1 + grow)), static_cast<int>(h * (1 + grow)));
    return r & cv::Rect(0, 0, limit.width, limit.height);
}

cv::Rect span(cv::Point2f a, cv::Point2f b, cv::Size limit) {
    const cv::Rect r(
        cv::Point(static_cast<int>(std::min(a.x, b.x)), static_cast<int>(std::min(a.y, b.y))),
        cv::Point(static_cast<int>(std::max(a.x, b.x)), static_cast<int>(std::max(a.y, b.y))));
    return r & cv::Rect(0, 0, limit.width, limit.height);
}

double mean_of(const cv::Mat& grey, const cv::Rect& r) {
    return r.area() > 0 ? cv::mean(grey(r))[0] : 0.0;
}

double detail_of(const cv::Mat& grey, const cv::Rect& r) {
    if (r.area() < 4) return 0.0;
    // Smoothed first: sensor noise is not detail, lips and nostrils are.
    cv::Mat smooth, lap;
    cv::GaussianBlur(grey(r), smooth, cv::Size(), 1.5);
    cv::Laplacian(smooth, lap, CV_64F);
    cv::Scalar m, sd;
    cv::meanStdDev(lap, m, sd);
    return sd[0];
}

double wrap_degrees(double a) {
    while (a > 90) a -= 180;
    while (a < -90) a += 180;
    return a;
}

}  // namespace

Pose estimate_pose(const std::array<cv::Point2f, 68>& p, cv::Size image) {
    // A generic head (arbitrary units, y up, z towards the camera) at six stable landmarks.
    static const std::vector<cv::Point3d> model = {
        {0.0, 0.0, 0.0},           // nose tip (30)
        {0.0, -330.0, -65.0},      // chin (8)
        {-225.0, 170.0, -135.0},   // outer corner of the image-left eye (36)
        {225.0, 170.0, -135.0},    // outer corner of the image-right eye (45)
        {-150.0, -150.0, -125.0},  // image-left mouth corner (48)
        {150.0, -150.0, -125.0},   // image-right mouth corner (54)
    };
    const std::vector<cv::Point2d> seen = {p[30], p[8], p[36], p[45], p[48], p[54]};
    // The principal point sits on the face: with a wide lens, a face high in the frame would
    // otherwise read as tilted up or down by its position alone.
    const double f = std::max(image.width, image.height);
    const cv::Point2f centre = (p[0] + p[16] + p[8] + p[27]) * 0.25f;
    const cv::Matx33d camera(f, 0, centre.x, 0, f, centre.y, 0, 0, 1);
    cv::Mat rvec, tvec;
    Pose pose;
    // Roll straight from the eye line: the alignment undoes it, but staff want to see it.
    const cv::Point2f left = (p[36] + p[39]) * 0.5f, right = (p[42] + p[45]) * 0.5f;
    pose.roll = std::atan2(right.y - left.y, right.x - left.x) * 180.0 / kPi;
    if (!cv::solvePnP(model, seen, camera, cv::noArray(), rvec, tvec, false,
                      cv::SOLVEPNP_ITERATIVE))
        return pose;
    cv::Matx33d rotation;
    cv::Rodrigues(rvec, rotation);
    cv::Mat mtx_r, mtx_q;
    const cv::Vec3d euler = cv::RQDecomp3x3(rotation, mtx_r, mtx_q);
    // Image y points down while the model's points up, so x comes out near ±180 for a level head.
    pose.pitch = -wrap_degrees(euler[0] + 180.0);
    pose.yaw = euler[1];
    return pose;
}

void measure_quality(const cv::Mat& bgr, const LocatedFace& face, const cv::Mat& chip_rgb,
                     double scale, const QualityLimits& limits, Role role, Quality& q) {
    const auto& p = face.landmarks;
    q.box = {static_cast<int>(face.box.x / scale), static_cast<int>(face.box.y / scale),
             static_cast<int>(face.box.width / scale), static_cast<int>(face.box.height / scale)};
    q.detection_score = face.score;
    const cv::Point2f left_eye = (p[36] + p[39]) * 0.5f, right_eye = (p[42] + p[45]) * 0.5f;
    q.eye_distance = cv::norm(right_eye - left_eye) / scale;

    cv::Mat chip_grey;
    cv::cvtColor(chip_rgb, chip_grey, cv::COLOR_RGB2GRAY);
    const cv::Rect centre(30, 30, 90, 90);
    cv::Scalar mean, sd;
    cv::meanStdDev(chip_grey(centre), mean, sd);
    q.brightness = mean[0];
    q.contrast = sd[0];
    cv::Mat lap;
    cv::Laplacian(chip_grey(centre), lap, CV_64F);
    cv::Scalar lap_mean, lap_sd;
    cv::meanStdDev(lap, lap_mean, lap_sd);
    q.sharpness = lap_sd[0] * lap_sd[0];

    q.pose = estimate_pose(p, bgr.size());

    cv::Mat grey;
    cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
    const cv::Size size = grey.size();
    const cv::Rect eye_l = bounds(p, 36, 41, 0.3, size), eye_r = bounds(p, 42, 47, 0.3, size);
    const cv::Rect cheek_l = span({p[2].x, p[29].y}, {p[31].x, p[33].y}, size);
    const cv::Rect cheek_r = span({p[35].x, p[29].y}, {p[14].x, p[33].y}, size);
    const double cheeks = (mean_of(grey, cheek_l) + mean_of(grey, cheek_r)) / 2;
    const double eyes = (mean_of(grey, eye_l) + mean_of(grey, eye_r)) / 2;
    q.eye_darkness = cheeks > 1 ? eyes / cheeks : 1.0;
    const cv::Rect mouth = bounds(p, 48, 59, 0.1, size);
    const double upper = (detail_of(grey, eye_l) + detail_of(grey, eye_r)) / 2;
    q.lower_face_texture = upper > 0 ? detail_of(grey, mouth) / upper : 1.0;

    auto fail = [&q](Issue issue) { q.issues.push_back(issue); };
    if (q.detection_score < limits.min_detection_score) fail(Issue::WeakDetection);
    const double min_eyes =
        role == Role::Card ? limits.min_card_eye_distance : limits.min_eye_distance;
    if (q.eye_distance < min_eyes) fail(Issue::FaceTooSmall);
    if (q.brightness < limits.min_brightness) fail(Issue::TooDark);
    if (q.brightness > limits.max_brightness) fail(Issue::TooBright);
    if (q.contrast < limits.min_contrast) fail(Issue::LowContrast);
    if (q.sharpness < limits.min_sharpness) fail(Issue::Blurred);
    if (std::abs(q.pose.yaw) > limits.max_yaw) fail(Issue::TurnedSideways);
    if (std::abs(q.pose.pitch) > limits.max_pitch) fail(Issue::FacingUpOrDown);
    if (std::abs(q.pose.roll) > limits.max_roll) fail(Issue::HeadTilted);
    if (q.eye_darkness < kEyesCoveredBelow) fail(Issue::EyesCovered);
    if (q.lower_face_texture < kLowerFaceCoveredBelow) fail(Issue::LowerFaceCovered);
}

}  // namespace mynaq::face
