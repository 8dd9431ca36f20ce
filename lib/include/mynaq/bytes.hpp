// Byte buffers, hex conversion and buffers that forget their contents.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mynaq {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Upper-case hex; `separator` goes between bytes ("" for compact).
std::string to_hex(ByteView bytes, std::string_view separator = " ");

// Accepts upper/lower case, and ignores spaces, colons and tabs between digits.
// Throws Error{Errc::InvalidArgument} on odd length or a non-hex character.
Bytes from_hex(std::string_view text);

Bytes to_bytes(std::string_view text);

// Overwrites memory in a way the optimiser may not remove.
void secure_wipe(void* data, std::size_t size);

// A string holding a PIN or 照合番号: wiped on destruction, never printed.
class SecretString {
public:
    SecretString() = default;
    explicit SecretString(std::string value) : value_(std::move(value)) {}
    SecretString(const SecretString&) = delete;
    SecretString& operator=(const SecretString&) = delete;
    SecretString(SecretString&& other) noexcept : value_(std::move(other.value_)) { other.clear(); }
    SecretString& operator=(SecretString&& other) noexcept;
    ~SecretString() { clear(); }

    [[nodiscard]] const std::string& reveal() const { return value_; }
    [[nodiscard]] bool empty() const { return value_.empty(); }
    [[nodiscard]] std::size_t size() const { return value_.size(); }
    void clear();

private:
    std::string value_;
};

}  // namespace mynaq
