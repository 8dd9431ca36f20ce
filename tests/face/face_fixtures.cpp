#include "face_fixtures.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <doctest/doctest.h>

namespace mynaq::face::fixtures {

std::filesystem::path image_path(const std::string& name) {
    return std::filesystem::path(MYNAQ_SOURCE_DIR) / "tests/face/images" / name;
}

std::filesystem::path card_photo_path() {
    return std::filesystem::path(MYNAQ_SOURCE_DIR) / "data/sim/face.jp2";
}

std::filesystem::path demo_photo_path(int n) {
    return std::filesystem::path(MYNAQ_SOURCE_DIR) /
           (".cache/npm/face-api/package/demo/sample" + std::to_string(n) + ".jpg");
}

cv::Mat load(const std::filesystem::path& file) {
    cv::Mat m = cv::imread(file.string(), cv::IMREAD_COLOR);
    REQUIRE_MESSAGE(!m.empty(), "cannot read ", file.string(),
                    " (the face-api demo photos come from scripts/fetch-face-model.sh)");
    return m;
}

DecodedImage encoded_as(const cv::Mat& bgr, const std::string& extension,
                        const std::vector<int>& params) {
    std::vector<std::uint8_t> bytes;
    REQUIRE(cv::imencode(extension, bgr, bytes, params));
    return decode_image(bytes);
}

DecodedImage decoded(const cv::Mat& bgr) {
    return encoded_as(bgr, ".png");
}

const Engine& engine() {
    static const Engine shared(ModelPaths{std::filesystem::path(MYNAQ_SOURCE_DIR) / "data/face",
                                          "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"});
    return shared;
}

cv::Mat darkened(const cv::Mat& bgr, double factor) {
    cv::Mat out;
    bgr.convertTo(out, -1, factor, 0);
    return out;
}

cv::Mat blurred(const cv::Mat& bgr, double sigma) {
    cv::Mat out;
    cv::GaussianBlur(bgr, out, cv::Size(), sigma);
    return out;
}

cv::Mat rotated(const cv::Mat& bgr, double degrees) {
    const cv::Point2f centre(static_cast<float>(bgr.cols) / 2, static_cast<float>(bgr.rows) / 2);
    const cv::Mat m = cv::getRotationMatrix2D(centre, degrees, 1.0);
    cv::Mat out;
    cv::warpAffine(bgr, out, m, bgr.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    return out;
}

cv::Mat greyscale(const cv::Mat& bgr) {
    cv::Mat grey, out;
    cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
    cv::cvtColor(grey, out, cv::COLOR_GRAY2BGR);
    return out;
}

cv::Mat resized(const cv::Mat& bgr, double factor) {
    cv::Mat out;
    cv::resize(bgr, out, cv::Size(), factor, factor,
               factor < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
    return out;
}

}  // namespace mynaq::face::fixtures
