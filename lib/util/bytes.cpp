#include "mynaq/bytes.hpp"

#include <openssl/crypto.h>

#include "mynaq/error.hpp"

namespace mynaq {

std::string to_hex(ByteView bytes, std::string_view separator) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(bytes.size() * (2 + separator.size()));
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i != 0) out.append(separator);
        out.push_back(kDigits[bytes[i] >> 4]);
        out.push_back(kDigits[bytes[i] & 0x0F]);
    }
    return out;
}

namespace {
int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

Bytes from_hex(std::string_view text) {
    Bytes out;
    int high = -1;
    for (char c : text) {
        if (c == ' ' || c == ':' || c == '\t' || c == '\n') continue;
        int v = hex_value(c);
        if (v < 0) {
            throw Error(Errc::InvalidArgument, std::string("not a hexadecimal digit: '") + c + "'");
        }
        if (high < 0) {
            high = v;
        } else {
            out.push_back(static_cast<std::uint8_t>(high << 4 | v));
            high = -1;
        }
    }
    if (high >= 0) throw Error(Errc::InvalidArgument, "odd number of hexadecimal digits");
    return out;
}

Bytes to_bytes(std::string_view text) {
    return Bytes(text.begin(), text.end());
}

void secure_wipe(void* data, std::size_t size) {
    if (data != nullptr && size != 0) OPENSSL_cleanse(data, size);
}

SecretString& SecretString::operator=(SecretString&& other) noexcept {
    if (this != &other) {
        clear();
        value_ = std::move(other.value_);
        other.clear();
    }
    return *this;
}

void SecretString::clear() {
    secure_wipe(value_.data(), value_.size());
    value_.clear();
}

}  // namespace mynaq
