// Decoding: every format staff meet, and clear errors for damaged, truncated, oversized and
// hostile files; missing models name what to install.
#include <opencv2/imgcodecs.hpp>

#include <fstream>

#include <doctest/doctest.h>

#include "../unit/error_code_of.hpp"
#include "face_fixtures.hpp"
#include "mynaq/error.hpp"
#include "mynaq/files.hpp"

using namespace mynaq;
using namespace mynaq::face;
using mynaq::test::error_code_of;
namespace fx = mynaq::face::fixtures;

namespace {

Bytes file_bytes(const std::filesystem::path& p) {
    const std::string s = read_file_bytes(p);
    return Bytes(s.begin(), s.end());
}

Bytes encode(const cv::Mat& m, const std::string& ext) {
    std::vector<std::uint8_t> out;
    REQUIRE(cv::imencode(ext, m, out));
    return out;
}

// The raw codestream inside a JP2 file's contiguous-codestream box: what some readers store.
Bytes j2k_codestream(const Bytes& jp2) {
    static constexpr std::string_view kBox = "jp2c";
    const auto at = std::search(jp2.begin(), jp2.end(), kBox.begin(), kBox.end());
    REQUIRE(at != jp2.end());
    return Bytes(at + 4, jp2.end());
}

}  // namespace

TEST_CASE("face images: JPEG 2000 (JP2 and raw J2K), JPEG, PNG and BMP decode alike") {
    const auto card = read_image_file(fx::card_photo_path());
    CHECK(card.image.width == 192);
    CHECK(card.image.height == 240);
    CHECK(card.scale == 1.0);
    CHECK(card.image.bgr.size() == 192u * 240 * 3);

    const cv::Mat portrait = fx::load(fx::image_path("astronaut.jpg"));
    for (const char* ext : {".png", ".bmp", ".jp2", ".jpg", ".ppm"}) {
        CAPTURE(ext);
        const DecodedImage d = decode_image(encode(portrait, ext));
        CHECK(d.image.width == 512);
        CHECK(d.image.height == 512);
    }
    const Bytes j2k = j2k_codestream(file_bytes(fx::card_photo_path()));
    CHECK(j2k[0] == 0xFF);
    CHECK(j2k[1] == 0x4F);
    const DecodedImage raw = decode_image(j2k);
    CHECK(raw.image.bgr == card.image.bgr);
    // Lossless formats round-trip exactly.
    const DecodedImage png = decode_image(encode(portrait, ".png"));
    CHECK(std::equal(png.image.bgr.begin(), png.image.bgr.end(), portrait.data));
}

TEST_CASE("face images: damaged, truncated and unknown data are refused clearly") {
    CHECK(error_code_of([] { (void)decode_image(Bytes{}); }) == Errc::DataInvalid);
    CHECK(error_code_of([] { (void)decode_image(to_bytes("GIF89a not supported")); }) ==
          Errc::DataInvalid);
    const Bytes jp2 = file_bytes(fx::card_photo_path());
    // Header only: the codestream is gone.
    CHECK(error_code_of([&] { (void)decode_image(ByteView(jp2).first(60)); }) == Errc::DataInvalid);
    const Bytes jpeg = encode(fx::load(fx::image_path("astronaut.jpg")), ".jpg");
    CHECK(error_code_of([&] { (void)decode_image(ByteView(jpeg).first(400)); }) ==
          Errc::DataInvalid);
    // Garbage after a valid signature.
    Bytes fake_png = from_hex("89504E470D0A1A0A 0000000D 49484452 00000010 00000010 0802000000");
    fake_png.resize(200, 0x41);
    CHECK(error_code_of([&] { (void)decode_image(fake_png); }) == Errc::DataInvalid);
    // Flipped bytes inside a JPEG 2000 codestream: either an error or an image, never a crash.
    for (std::size_t at : {120u, 400u, 1000u, 3000u}) {
        Bytes broken = jp2;
        for (std::size_t i = at; i < at + 16 && i < broken.size(); ++i) broken[i] ^= 0x5A;
        try {
            const auto d = decode_image(broken);
            CHECK(d.image.bgr.size() ==
                  static_cast<std::size_t>(d.image.width) * d.image.height * 3);
        } catch (const Error& e) {
            CHECK(e.code() == Errc::DataInvalid);
        }
    }
    const auto missing = std::filesystem::temp_directory_path() / "mynaq-no-such-photo.jpg";
    CHECK(error_code_of([&] { (void)read_image_file(missing); }) == Errc::FileNotFound);
}

TEST_CASE("face images: the inputs fuzz_image found are handled") {
    const auto seeds = std::filesystem::path(MYNAQ_SOURCE_DIR) / "tests/fuzz/image_seeds";
    // A 63760×11 JPEG strip once shrank to nothing in the downscale (an escaped cv::Exception).
    const auto strip = decode_image(file_bytes(seeds / "wide-strip.jpg"), 512);
    CHECK(strip.image.width >= 511);
    CHECK(strip.image.width <= 512);
    CHECK(strip.image.height >= 1);
    // Forged tiling (OpenJPEG took gigabytes) and a SIZ cut short (read past the end).
    // A codestream with "DICM" at byte 128 went to OpenCV's DICOM reader, which asked for 4 GB.
    for (const char* name : {"forged-tiles.j2k", "short-siz.j2k", "dicom-signature.j2k"}) {
        CAPTURE(name);
        CHECK(error_code_of([&] { (void)decode_image(file_bytes(seeds / name)); }) ==
              Errc::DataInvalid);
    }
}

TEST_CASE("face images: a header claiming a gigantic image is refused before decoding") {
    // A PNG that says 100000×100000: decoding would ask for 30 GB.
    Bytes bomb = from_hex("89504E470D0A1A0A 0000000D 49484452 000186A0 000186A0 0802000000");
    bomb.resize(64, 0);
    try {
        (void)decode_image(bomb);
        FAIL("a decompression bomb was decoded");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::DataInvalid);
        CHECK(std::string(e.what()).find("100000") != std::string::npos);
    }
}

TEST_CASE("face images: huge photos are downscaled and their face still found") {
    const cv::Mat big = fx::resized(fx::load(fx::image_path("astronaut.jpg")), 6.0);  // 3072²
    const DecodedImage jpeg = decode_image(encode(big, ".jpg"));
    CHECK(std::max(jpeg.image.width, jpeg.image.height) <= 2000);
    CHECK(jpeg.original_width == 3072);
    CHECK(jpeg.scale < 1.0);
    const DecodedImage png = decode_image(encode(big, ".png"));
    CHECK(png.image.width <= 2000);
    const Analysis a = fx::engine().analyse(png, Role::Live);
    CHECK(a.quality.faces_found == 1);
    CHECK(a.quality.has(Issue::Downscaled));
    // Reported in the original's pixels: six times the 512² portrait's eye distance.
    const Analysis small =
        fx::engine().analyse(fx::decoded(fx::load(fx::image_path("astronaut.jpg"))), Role::Live);
    CHECK(a.quality.eye_distance == doctest::Approx(small.quality.eye_distance * 6).epsilon(0.1));
}

TEST_CASE("face images: a missing or damaged model is named") {
    const auto dir = std::filesystem::temp_directory_path() / "mynaq-face-model-test";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const ModelPaths good{std::filesystem::path(MYNAQ_SOURCE_DIR) / "data/face",
                          "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"};
    try {
        Engine e(ModelPaths{dir, good.landmarks});
        FAIL("loaded a model from an empty directory");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::ModelMissing);
        CHECK(std::string(e.what()).find("fetch-face-model") != std::string::npos);
    }
    CHECK(error_code_of([&] {
              Engine e(ModelPaths{good.recognition_dir, dir / "none.dat"});
          }) == Errc::ModelMissing);
    write_file_atomic(dir / "broken.dat", std::string_view("not a dlib model"));
    CHECK(error_code_of([&] {
              Engine e(ModelPaths{good.recognition_dir, dir / "broken.dat"});
          }) == Errc::DataInvalid);
    // A weights file one byte short of what the manifest says.
    for (const char* f : {"face_recognition_model-weights_manifest.json"})
        std::filesystem::copy_file(good.recognition_dir / f, dir / f);
    const std::string bin = read_file_bytes(good.recognition_dir / "face_recognition_model.bin");
    write_file_atomic(dir / "face_recognition_model.bin",
                      std::string_view(bin).substr(0, bin.size() - 1));
    CHECK(error_code_of([&] { Engine e(ModelPaths{dir, good.landmarks}); }) == Errc::DataInvalid);
    std::filesystem::remove_all(dir);
}
