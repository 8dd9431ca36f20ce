// Face match: the card's photo against a live capture. Detection and alignment follow dlib's
// recipe (HOG, 68 landmarks, 150×150 chip with padding 0.25), the descriptor is dlib's ResNet-29
// run from face-api's weights, and every image gets quality diagnostics that say why a match
// fails. See face-match.md. No OpenCV or dlib type appears here.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "mynaq/bytes.hpp"
#include "mynaq/config.hpp"

namespace mynaq::face {

inline constexpr int kChipSize = 150;
using Descriptor = std::array<float, 128>;

// An 8-bit BGR image, row-major, no padding.
struct Image {
    int width = 0;
    int height = 0;
    Bytes bgr;  // width × height × 3
};

// Decodes JPEG, PNG, JPEG 2000 (JP2 or raw J2K), BMP or PNM. Images larger than `max_side`
// on their long side are downscaled (the factor is returned). Error{DataInvalid} for corrupt,
// truncated or unknown data; Error{DataInvalid} too for images over the pixel limit.
struct DecodedImage {
    Image image;
    int original_width = 0;
    int original_height = 0;
    double scale = 1.0;  // image / original, < 1 when downscaled
};
DecodedImage decode_image(ByteView encoded, int max_side = 2000);
DecodedImage read_image_file(const std::filesystem::path& file, int max_side = 2000);

// One frame from a V4L2 camera. Error{CameraUnavailable} when it cannot be opened or gives no
// frame within a few seconds.
DecodedImage capture_camera(int index, int max_side = 2000);

// Encodes for saving a capture or a chip (".png", ".jpg", ".jp2").
Bytes encode_image(const Image& image, std::string_view extension);

struct ModelPaths {
    std::filesystem::path recognition_dir;  // face_recognition_model.bin + manifest
    std::filesystem::path landmarks;        // shape_predictor_68_face_landmarks.dat
};
// data_dir()/face and Debian's /usr/share/dlib; environment MYNAQ_FACE_MODEL_DIR and
// MYNAQ_FACE_LANDMARKS override.
ModelPaths default_model_paths();
// The defaults with face.model_dir / face.landmarks of the configuration applied.
ModelPaths model_paths(const FaceConfig& config);

// Distance thresholds: ≤ match → match, > no_match → no match, between → staff check.
struct Thresholds {
    double match = 0.45;
    double no_match = 0.60;
};

// Tentative quality gates (face-match.md §5.2); all configurable.
struct QualityLimits {
    double min_detection_score = 0.3;
    double min_eye_distance = 40;       // px in the original image
    double min_card_eye_distance = 24;  // card photos are small by design (192×240 and up)
    double min_brightness = 60;
    double max_brightness = 200;
    double min_contrast = 15;
    double min_sharpness = 30;  // variance of the Laplacian
    double max_yaw = 25;        // degrees
    double max_pitch = 20;
    double max_roll = 30;
};

// A failed check. The command turns each into an advice line in Japanese or English.
enum class Issue {
    NoFace,
    SeveralFaces,   // the largest face was used
    WeakDetection,  // HOG score under the limit: maybe not a face
    FaceTooSmall,   // eyes closer than the limit: move closer or use a larger photo
    TooDark,
    TooBright,
    LowContrast,
    Blurred,
    TurnedSideways,    // yaw
    FacingUpOrDown,    // pitch
    HeadTilted,        // roll
    EyesCovered,       // sunglasses, hair or glare over the eyes (a hint)
    LowerFaceCovered,  // a mask (a hint)
    Downscaled,        // informational: the image was larger than the decoder limit
};
std::string_view issue_code(Issue issue);  // "too_dark", ...

struct Box {
    int x = 0;
    int y = 0;
    int width = 0;
    int height = 0;
};

struct Pose {
    double yaw = 0;    // + turned to the image's right
    double pitch = 0;  // + looking up
    double roll = 0;   // + tilted clockwise in the image
};

struct Quality {
    int image_width = 0;  // as decoded (before any downscaling: original_*)
    int image_height = 0;
    double scale = 1.0;
    int faces_found = 0;
    Box box;  // in original-image pixels
    double detection_score = 0;
    double eye_distance = 0;  // original-image pixels
    double brightness = 0;    // mean grey level of the chip's centre
    double contrast = 0;      // its standard deviation
    double sharpness = 0;     // variance of the Laplacian there
    Pose pose;
    double eye_darkness = 0;        // eye region brightness / cheek brightness
    double lower_face_texture = 0;  // lower-face detail / upper-face detail
    std::vector<Issue> issues;

    [[nodiscard]] bool has(Issue issue) const;
};

struct Analysis {
    Quality quality;
    Bytes chip_rgb;  // kChipSize² × 3, RGB; empty when no face was found
    std::optional<Descriptor> descriptor;
    std::array<std::array<float, 2>, 68> landmarks{};  // original-image pixels
};

enum class Decision { Match, StaffCheck, NoMatch, NotComparable };
std::string_view decision_code(Decision decision);  // "match", "staff_check", ...

struct Verification {
    Analysis card;
    Analysis live;
    std::optional<double> distance;  // Euclidean; nullopt when a face is missing
    Decision decision = Decision::NotComparable;
};

// Which image an analysis is for: card photos are small portraits and get their own size gate.
enum class Role { Card, Live };

double distance(const Descriptor& a, const Descriptor& b);
Decision decide(std::optional<double> distance, const Thresholds& thresholds);

// Loads both models once (≈0.7 s); analysing and verifying are then cheap. Error{ModelMissing}
// names the missing file and how to get it; Error{DataInvalid} for a damaged model.
class Engine {
public:
    explicit Engine(const ModelPaths& paths, QualityLimits limits = {});
    ~Engine();
    Engine(Engine&&) noexcept;
    Engine& operator=(Engine&&) noexcept;

    // Never throws for a missing face: Quality says so.
    [[nodiscard]] Analysis analyse(const DecodedImage& image, Role role,
                                   bool with_descriptor = true) const;
    // Every face HOG finds at or above the detection-score gate, largest first, each with its
    // own quality and descriptor (a group photo, or who else is in the frame).
    [[nodiscard]] std::vector<Analysis> analyse_faces(const DecodedImage& image, Role role) const;
    [[nodiscard]] Verification verify(const DecodedImage& card, const DecodedImage& live,
                                      const Thresholds& thresholds) const;
    // The descriptor of an aligned chip (kChipSize² × 3, RGB).
    [[nodiscard]] Descriptor embed_chip(ByteView chip_rgb) const;

    [[nodiscard]] const QualityLimits& limits() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mynaq::face
