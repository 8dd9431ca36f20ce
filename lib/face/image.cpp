// Decoding photos for the face match: the card's JPEG 2000, a camera's frame, files staff bring.
// The header is read before decoding so a decompression bomb is refused instead of allocated,
// and large JPEGs are decoded at a reduced size directly.
#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <algorithm>
#include <chrono>
#include <optional>

#include <fmt/format.h>

#include "image_convert.hpp"
#include "mynaq/error.hpp"
#include "mynaq/face.hpp"
#include "mynaq/files.hpp"

namespace mynaq::face {
namespace {

constexpr std::size_t kMaxFileBytes = 64u << 20;
constexpr std::uint64_t kMaxPixels = 100'000'000;  // a 100-megapixel photo is already absurd

struct Header {
    std::string_view format;
    std::uint32_t width = 0;
    std::uint32_t height = 0;
};

std::uint32_t be16(ByteView b, std::size_t at) {
    return static_cast<std::uint32_t>(b[at] << 8 | b[at + 1]);
}
std::uint32_t be32(ByteView b, std::size_t at) {
    return be16(b, at) << 16 | be16(b, at + 2);
}
bool starts_with(ByteView b, std::initializer_list<std::uint8_t> magic) {
    return b.size() >= magic.size() && std::equal(magic.begin(), magic.end(), b.begin());
}

// JPEG: the first SOFn segment holds height then width.
std::optional<Header> jpeg_header(ByteView b) {
    std::size_t at = 2;
    while (at + 9 < b.size()) {
        if (b[at] != 0xFF) return std::nullopt;
        const std::uint8_t marker = b[at + 1];
        if (marker == 0xFF) {
            ++at;
            continue;
        }
        const std::uint32_t length = be16(b, at + 2);
        const bool sof =
            marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (sof) return Header{"jpeg", be16(b, at + 7), be16(b, at + 5)};
        at += 2 + length;
    }
    return std::nullopt;
}

// J2K codestream: SIZ follows SOC. Besides the size, the tiling and components are checked:
// OpenJPEG sizes its buffers from them, and a forged SIZ made it take gigabytes for a
// 192×240 image (found by fuzz_image).
std::optional<Header> j2k_header(ByteView b, std::size_t at) {
    if (at + 42 > b.size() || b[at] != 0xFF || b[at + 1] != 0x4F || b[at + 2] != 0xFF ||
        b[at + 3] != 0x51)
        return std::nullopt;
    const std::size_t siz = at + 4;  // Lsiz
    const std::uint32_t x = be32(b, siz + 4), y = be32(b, siz + 8);
    const std::uint32_t x0 = be32(b, siz + 12), y0 = be32(b, siz + 16);
    const std::uint32_t tile_w = be32(b, siz + 20), tile_h = be32(b, siz + 24);
    const std::uint32_t tile_x0 = be32(b, siz + 28), tile_y0 = be32(b, siz + 32);
    const std::uint32_t components = be16(b, siz + 36);
    const bool sane = x > x0 && y > y0 && tile_w > 0 && tile_h > 0 && tile_w <= x && tile_h <= y &&
                      tile_x0 <= x0 && tile_y0 <= y0 && std::uint64_t{tile_x0} + tile_w > x0 &&
                      std::uint64_t{tile_y0} + tile_h > y0 && components >= 1 && components <= 4;
    if (!sane) return std::nullopt;
    return Header{"jpeg2000", x - x0, y - y0};
}

// JP2: the boxes are walked to the contiguous codestream, whose SIZ is then checked.
std::optional<Header> jp2_header(ByteView b) {
    std::size_t at = 0;
    while (at + 8 <= b.size()) {
        std::uint64_t length = be32(b, at);
        const bool codestream =
            b[at + 4] == 'j' && b[at + 5] == 'p' && b[at + 6] == '2' && b[at + 7] == 'c';
        std::size_t header = 8;
        if (length == 1) {  // a 64-bit length follows
            if (at + 16 > b.size()) return std::nullopt;
            length = std::uint64_t{be32(b, at + 8)} << 32 | be32(b, at + 12);
            header = 16;
        }
        if (codestream) return j2k_header(b, at + header);
        if (length < header || length > b.size() - at) return std::nullopt;
        at += static_cast<std::size_t>(length);
    }
    return std::nullopt;
}

std::optional<Header> sniff(ByteView b) {
    if (starts_with(b, {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}) && b.size() >= 24)
        return Header{"png", be32(b, 16), be32(b, 20)};
    if (starts_with(b, {0xFF, 0xD8, 0xFF})) return jpeg_header(b);
    if (starts_with(b, {0xFF, 0x4F, 0xFF, 0x51})) return j2k_header(b, 0);
    if (starts_with(b, {0x00, 0x00, 0x00, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A}))
        return jp2_header(b);
    if (starts_with(b, {'B', 'M'})) return Header{"bmp", 0, 0};
    if (starts_with(b, {'P'}) && b.size() > 2 && b[1] >= '1' && b[1] <= '6')
        return Header{"pnm", 0, 0};
    return std::nullopt;
}

void silence_opencv_logging() {
    // Raw J2K makes OpenCV warn "unknown color space, SRGB assumed" on stderr; lib/ never prints.
    static const bool done = [] {
        cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
        return true;
    }();
    (void)done;
}

cv::Mat to_8bit_bgr(const cv::Mat& decoded, std::string_view format) {
    cv::Mat eight;
    if (decoded.depth() == CV_8U) {
        eight = decoded;
    } else if (decoded.depth() == CV_16U) {
        decoded.convertTo(eight, CV_8U, 1.0 / 257.0);
    } else {
        throw Error(Errc::DataInvalid,
                    fmt::format("the {} image has an unsupported sample type", format));
    }
    cv::Mat bgr;
    switch (eight.channels()) {
        case 1:
            cv::cvtColor(eight, bgr, cv::COLOR_GRAY2BGR);
            break;
        case 3:
            bgr = eight;
            break;
        case 4:
            cv::cvtColor(eight, bgr, cv::COLOR_BGRA2BGR);
            break;
        default:
            throw Error(Errc::DataInvalid,
                        fmt::format("the {} image has {} channels", format, eight.channels()));
    }
    return bgr;
}

DecodedImage fit(cv::Mat bgr, int original_width, int original_height, int max_side) {
    DecodedImage out;
    out.original_width = original_width;
    out.original_height = original_height;
    const int long_side = std::max(bgr.cols, bgr.rows);
    if (long_side > max_side) {
        // Explicit sizes of at least one pixel: a 60000×11 strip would otherwise shrink to
        // nothing (found by fuzz_image).
        const double f = static_cast<double>(max_side) / long_side;
        const cv::Size size(std::max(1, static_cast<int>(bgr.cols * f)),
                            std::max(1, static_cast<int>(bgr.rows * f)));
        cv::Mat smaller;
        cv::resize(bgr, smaller, size, 0, 0, cv::INTER_AREA);
        bgr = smaller;
    }
    out.scale = static_cast<double>(bgr.cols) / original_width;
    out.image = from_mat(bgr);
    return out;
}

}  // namespace

DecodedImage decode_image(ByteView encoded, int max_side) {
    silence_opencv_logging();
    if (encoded.empty()) throw Error(Errc::DataInvalid, "the image is empty");
    if (encoded.size() > kMaxFileBytes)
        throw Error(Errc::DataInvalid, fmt::format("the image is {} MB; at most {} MB is read",
                                                   encoded.size() >> 20, kMaxFileBytes >> 20));
    const auto header = sniff(encoded);
    if (!header)
        throw Error(Errc::DataInvalid,
                    "not a JPEG, PNG, JPEG 2000, BMP or PNM image (or its header is damaged)");
    // OpenCV picks its decoder by signature, and the DICOM reader looks for "DICM" at byte
    // 128: a JPEG 2000 file carrying that went to GDCM, which asked for 4 GB (fuzz_image).
    // Nothing we accept is DICOM, so such a file is refused as ambiguous.
    static constexpr std::string_view kDicom = "DICM";
    if (encoded.size() >= 132 && std::equal(kDicom.begin(), kDicom.end(), encoded.begin() + 128))
        throw Error(Errc::DataInvalid, fmt::format("the {} image also carries a DICOM signature; "
                                                   "refused as ambiguous",
                                                   header->format));
    const std::uint64_t pixels = std::uint64_t{header->width} * header->height;
    if (pixels > kMaxPixels)
        throw Error(Errc::DataInvalid, fmt::format("the {} image claims {}×{} pixels; at most {} "
                                                   "megapixels are decoded",
                                                   header->format, header->width, header->height,
                                                   kMaxPixels / 1'000'000));
    // Other formats are decoded as stored and converted here: OpenCV cannot turn a greyscale
    // raw J2K codestream (one component, no colour space) into colour itself. JPEGs go through
    // IMREAD_COLOR, which also applies a phone's EXIF orientation.
    int flags = header->format == "jpeg" ? cv::IMREAD_COLOR : cv::IMREAD_UNCHANGED;
    int reduction = 1;
    if (header->format == "jpeg") {
        // libjpeg scales by 1/2, 1/4 or 1/8 while decoding: far cheaper than full size + resize.
        const std::uint32_t long_side = std::max(header->width, header->height);
        while (reduction < 8 && long_side / static_cast<std::uint32_t>(reduction * 2) >=
                                    static_cast<std::uint32_t>(max_side))
            reduction *= 2;
        if (reduction == 2) flags = cv::IMREAD_REDUCED_COLOR_2;
        if (reduction == 4) flags = cv::IMREAD_REDUCED_COLOR_4;
        if (reduction == 8) flags = cv::IMREAD_REDUCED_COLOR_8;
    }
    cv::Mat bgr;
    try {
        const cv::Mat raw(1, static_cast<int>(encoded.size()), CV_8UC1,
                          const_cast<std::uint8_t*>(encoded.data()));
        bgr = cv::imdecode(raw, flags);
        if (!bgr.empty()) bgr = to_8bit_bgr(bgr, header->format);
    } catch (const cv::Exception& e) {
        throw Error(Errc::DataInvalid,
                    fmt::format("the {} image cannot be decoded: {}", header->format, e.msg));
    }
    if (bgr.empty())
        throw Error(Errc::DataInvalid, fmt::format("the {} image cannot be decoded (damaged or "
                                                   "truncated)",
                                                   header->format));
    const int original_width = header->width ? static_cast<int>(header->width) : bgr.cols;
    const int original_height = header->height ? static_cast<int>(header->height) : bgr.rows;
    try {
        return fit(bgr, original_width, original_height, max_side);
    } catch (const cv::Exception& e) {
        throw Error(Errc::DataInvalid,
                    fmt::format("the {} image cannot be used: {}", header->format, e.msg));
    }
}

DecodedImage read_image_file(const std::filesystem::path& file, int max_side) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    if (!ec && size > kMaxFileBytes)
        throw Error(Errc::DataInvalid, fmt::format("{} is {} MB; at most {} MB is read",
                                                   file.string(), size >> 20, kMaxFileBytes >> 20));
    const std::string bytes = read_file_bytes(file);
    try {
        return decode_image(
            ByteView(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), max_side);
    } catch (const Error& e) {
        throw Error(e.code(), fmt::format("{}: {}", file.string(), e.what()),
                    {{"file", file.string()}});
    }
}

DecodedImage capture_camera(int index, int max_side) {
    silence_opencv_logging();
    if (index < 0) throw Error(Errc::InvalidArgument, "the camera number must be 0 or more");
    cv::VideoCapture camera;
    try {
        camera.open(index, cv::CAP_V4L2);
    } catch (const cv::Exception& e) {
        throw Error(
            Errc::CameraUnavailable,
            fmt::format("camera {} (/dev/video{}) cannot be opened: {}", index, index, e.msg));
    }
    if (!camera.isOpened())
        throw Error(Errc::CameraUnavailable,
                    fmt::format("camera {} (/dev/video{}) cannot be opened", index, index));
    // Auto exposure needs a few frames to settle; keep the last good one within a bound.
    cv::Mat frame;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    int good = 0;
    while (good < 5 && std::chrono::steady_clock::now() < deadline) {
        cv::Mat next;
        if (camera.read(next) && !next.empty()) {
            frame = next;
            ++good;
        }
    }
    if (frame.empty())
        throw Error(Errc::CameraUnavailable,
                    fmt::format("camera {} gave no picture within 5 s", index));
    const cv::Mat bgr = to_8bit_bgr(frame, "camera");
    return fit(bgr, bgr.cols, bgr.rows, max_side);
}

Bytes encode_image(const Image& image, std::string_view extension) {
    silence_opencv_logging();
    std::vector<std::uint8_t> out;
    const cv::Mat mat = to_mat(image);
    bool ok = false;
    try {
        ok = cv::imencode(std::string(extension), mat, out);
    } catch (const cv::Exception& e) {
        throw Error(Errc::InvalidArgument,
                    fmt::format("cannot encode as {}: {}", extension, e.msg));
    }
    if (!ok) throw Error(Errc::InvalidArgument, fmt::format("cannot encode as {}", extension));
    return out;
}

}  // namespace mynaq::face
