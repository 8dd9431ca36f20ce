#include "mynaq/base64.hpp"

#include <openssl/evp.h>

#include <limits>

#include "mynaq/error.hpp"

namespace mynaq {

namespace {

int checked_size(std::size_t size) {
    if (size > static_cast<std::size_t>(std::numeric_limits<int>::max() / 4 * 3 - 4)) {
        throw Error(Errc::DataInvalid, "too large for base64 in memory");
    }
    return static_cast<int>(size);
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
    const int n = checked_size(bytes.size());
    std::string out(static_cast<std::size_t>(4 * ((n + 2) / 3)) + 1, '\0');
    const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                        reinterpret_cast<const unsigned char*>(bytes.data()), n);
    out.resize(static_cast<std::size_t>(written));
    return out;
}

std::string base64_decode(std::string_view text) {
    const int n = checked_size(text.size());
    if (n % 4 != 0)
        throw Error(Errc::DataInvalid, "base64 text whose length is not a multiple of 4");
    std::string out(static_cast<std::size_t>(n / 4 * 3) + 1, '\0');
    const int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                        reinterpret_cast<const unsigned char*>(text.data()), n);
    if (written < 0) throw Error(Errc::DataInvalid, "not base64");
    // EVP_DecodeBlock counts the padding as zero bytes.
    std::size_t size = static_cast<std::size_t>(written);
    if (n > 0 && text[text.size() - 1] == '=') --size;
    if (n > 1 && text[text.size() - 2] == '=') --size;
    out.resize(size);
    return out;
}

}  // namespace mynaq
