#include "mynaq/text_encoding.hpp"

#include <cerrno>
#include <cstddef>

#include <fmt/format.h>
#include <iconv.h>

#include "mynaq/error.hpp"

namespace mynaq {

namespace {

// iconv_t is a handle that must be closed exactly once; this owns one conversion direction.
class Iconv {
public:
    Iconv(const char* to, const char* from) : handle_(iconv_open(to, from)) {
        if (handle_ == invalid()) {
            throw Error(Errc::Unsupported,
                        fmt::format("iconv cannot convert from {} to {}", from, to));
        }
    }
    ~Iconv() { iconv_close(handle_); }
    Iconv(const Iconv&) = delete;
    Iconv& operator=(const Iconv&) = delete;

    // Converts all of `in`; `what` names the source encoding in the error.
    std::string convert(std::string_view in, std::string_view what) {
        std::string out;
        out.resize(in.size() * 2 + 16);
        // iconv's interface is not const-correct; it never writes through the input pointer.
        char* in_ptr = const_cast<char*>(in.data());
        std::size_t in_left = in.size();
        std::size_t written = 0;
        while (in_left > 0) {
            char* out_ptr = out.data() + written;
            std::size_t out_left = out.size() - written;
            const std::size_t rc = iconv(handle_, &in_ptr, &in_left, &out_ptr, &out_left);
            written = out.size() - out_left;
            if (rc != static_cast<std::size_t>(-1)) break;
            if (errno == E2BIG) {
                out.resize(out.size() * 2);
                continue;
            }
            const auto offset = in.size() - in_left;
            const auto byte = static_cast<unsigned char>(in[offset]);
            throw Error(Errc::MessageInvalid,
                        fmt::format("{} text cannot be converted at byte offset {} (0x{:02X}){}",
                                    what, offset, byte,
                                    errno == EINVAL ? ": incomplete sequence at the end" : ""),
                        {{"offset", std::to_string(offset)}});
        }
        out.resize(written);
        return out;
    }

private:
    static iconv_t invalid() { return reinterpret_cast<iconv_t>(-1); }
    iconv_t handle_;
};

}  // namespace

std::string_view encoding_label(TextEncoding encoding) {
    return encoding == TextEncoding::ShiftJis ? "Shift_JIS" : "UTF-8";
}

std::string utf8_to_sjis(std::string_view utf8) {
    // iconv reports an unconvertible but valid character at the same offset, so both cases
    // (not UTF-8 / not in CP932) end up naming the first byte that could not be written.
    Iconv cd("CP932", "UTF-8");
    return cd.convert(utf8, "UTF-8");
}

std::string sjis_to_utf8(std::string_view sjis) {
    Iconv cd("UTF-8", "CP932");
    return cd.convert(sjis, "Shift_JIS");
}

bool is_valid_utf8(std::string_view bytes) {
    std::size_t i = 0;
    const std::size_t n = bytes.size();
    auto at = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
    auto cont = [&](std::size_t k) { return k < n && (at(k) & 0xC0U) == 0x80U; };
    while (i < n) {
        const unsigned c = at(i);
        if (c < 0x80U) {
            ++i;
        } else if (c >= 0xC2U && c <= 0xDFU) {
            if (!cont(i + 1)) return false;
            i += 2;
        } else if (c >= 0xE0U && c <= 0xEFU) {
            if (!cont(i + 1) || !cont(i + 2)) return false;
            const unsigned c1 = at(i + 1);
            if (c == 0xE0U && c1 < 0xA0U) return false;  // overlong
            if (c == 0xEDU && c1 > 0x9FU) return false;  // surrogates
            i += 3;
        } else if (c >= 0xF0U && c <= 0xF4U) {
            if (!cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return false;
            const unsigned c1 = at(i + 1);
            if (c == 0xF0U && c1 < 0x90U) return false;  // overlong
            if (c == 0xF4U && c1 > 0x8FU) return false;  // above U+10FFFF
            i += 4;
        } else {
            return false;
        }
    }
    return true;
}

}  // namespace mynaq
