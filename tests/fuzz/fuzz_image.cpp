// libFuzzer target: the face-match image decoder (header sniffing, the size and pixel limits,
// then OpenCV with libjpeg, libpng and OpenJPEG underneath) must never crash or hang on any
// input — only return an image or throw Error{DataInvalid}. The card photo is JPEG 2000 read
// from a card, and OpenJPEG has had CVEs: this is the input path to keep fuzzing.
#include <cstddef>
#include <cstdint>

#include "mynaq/error.hpp"
#include "mynaq/face.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const auto decoded = mynaq::face::decode_image(mynaq::ByteView(data, size), 512);
        const auto& image = decoded.image;
        if (image.bgr.size() != static_cast<std::size_t>(image.width) * image.height * 3)
            __builtin_trap();
    } catch (const mynaq::Error& e) {
        if (e.code() != mynaq::Errc::DataInvalid) __builtin_trap();
    }
    return 0;
}
