// File contents of the virtual card: token info, 券面 records, 共通AP record, synthetic PNGs.
// Layouts follow mynumber-card.md §3.1, §4.2, §4.3 and §2.7; the data is fabricated.
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "mynaq/card.hpp"
#include "mynaq/error.hpp"
#include "mynaq/sim/virtual_card.hpp"

namespace mynaq::sim {
namespace {

// Real card EFs are fixed-size and longer than their record; readers must stop at the BER
// length, so some filler is always there to catch readers that do not.
constexpr std::size_t kMinimumFiller = 32;

bool all_digits(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void append(Bytes& out, ByteView data) {
    out.insert(out.end(), data.begin(), data.end());
}

void append(Bytes& out, std::string_view text) {
    out.insert(out.end(), text.begin(), text.end());
}

void append_u16(Bytes& out, std::size_t value) {
    out.push_back(static_cast<std::uint8_t>(value >> 8));
    out.push_back(static_cast<std::uint8_t>(value & 0xFF));
}

void append_u32(Bytes& out, std::uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) {
        out.push_back(static_cast<std::uint8_t>((value >> shift) & 0xFF));
    }
}

// Minimal BER length (short form, 81 xx or 82 xx xx).
void append_length(Bytes& out, std::size_t length) {
    if (length < 0x80) {
        out.push_back(static_cast<std::uint8_t>(length));
    } else if (length <= 0xFF) {
        out.push_back(0x81);
        out.push_back(static_cast<std::uint8_t>(length));
    } else if (length <= 0xFFFF) {
        out.push_back(0x82);
        append_u16(out, length);
    } else {
        throw Error(Errc::InvalidArgument, "TLV value longer than 65535 bytes");
    }
}

// Tags are written as given: one byte (0x01) or two (0xDF21, and the non-minimal 0xFF10).
Bytes tlv(std::uint16_t tag, ByteView value) {
    Bytes out;
    if (tag > 0xFF) out.push_back(static_cast<std::uint8_t>(tag >> 8));
    out.push_back(static_cast<std::uint8_t>(tag & 0xFF));
    append_length(out, value.size());
    append(out, value);
    return out;
}

Bytes tlv(std::uint16_t tag, std::string_view text) {
    return tlv(tag, ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

void pad_with_ff(Bytes& file) {
    const std::size_t size = (file.size() + kMinimumFiller + 0xFF) & ~std::size_t{0xFF};
    file.resize(size, 0xFF);
}

// A constructed record FF xx (DF21 offset table, children...): the offsets are those of each
// child's tag from the start of the file. The outer length uses the 82 form when `long_form`
// (the 券面事項確認AP record, several KB) and the minimal form otherwise.
Bytes offset_table_record(std::uint16_t tag, const std::vector<Bytes>& children, bool long_form) {
    const std::size_t table_tlv_size = 3 + 2 * children.size();  // DF 21 LL <offsets>
    std::size_t content_size = table_tlv_size;
    for (const Bytes& child : children) content_size += child.size();
    if (content_size > 0xFFFF) throw Error(Errc::InvalidArgument, "record too large");

    Bytes header;
    header.push_back(static_cast<std::uint8_t>(tag >> 8));
    header.push_back(static_cast<std::uint8_t>(tag & 0xFF));
    if (long_form) {
        header.push_back(0x82);
        append_u16(header, content_size);
    } else {
        append_length(header, content_size);
    }

    Bytes offsets;
    std::size_t offset = header.size() + table_tlv_size;
    for (const Bytes& child : children) {
        append_u16(offsets, offset);
        offset += child.size();
    }

    Bytes record = header;
    append(record, tlv(0xDF21, offsets));
    for (const Bytes& child : children) append(record, child);
    return record;
}

Bytes sha256(ByteView data) {
    Bytes digest(32);
    unsigned int size = 0;
    if (EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1) {
        throw Error(Errc::Internal, "SHA-256 failed");
    }
    return digest;
}

Bytes sha256_digest_info(ByteView data) {
    Bytes info = from_hex("3031300D060960864801650304020105000420");
    append(info, sha256(data));
    return info;
}

// DF24/DF12-style public key: 90 03 <e> 91 82 01 00 <n>.
Bytes public_key_value(const TestPki& pki) {
    Bytes modulus =
        pki.auth_cert_der.empty() ? Bytes(256, 0) : rsa_modulus_of_certificate(pki.auth_cert_der);
    Bytes value = tlv(0x90, Bytes{0x01, 0x00, 0x01});
    append(value, tlv(0x91, modulus));
    return value;
}

Bytes signature_over(const TestPki& pki, ByteView data) {
    if (pki.sign_key_pem.empty()) return Bytes(256, 0);
    return rsa_pkcs1_sign(pki.sign_key_pem, sha256_digest_info(data));
}

// --- PNG ---------------------------------------------------------------------------------

std::uint32_t crc32(ByteView data) {
    static const auto table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t n = 0; n < 256; ++n) {
            std::uint32_t c = n;
            for (int k = 0; k < 8; ++k) c = (c & 1) != 0 ? 0xEDB88320U ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }();
    std::uint32_t crc = 0xFFFFFFFFU;
    for (const std::uint8_t b : data) crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
    return crc ^ 0xFFFFFFFFU;
}

std::uint32_t adler32(ByteView data) {
    std::uint32_t a = 1, b = 0;
    for (const std::uint8_t byte : data) {
        a = (a + byte) % 65521;
        b = (b + a) % 65521;
    }
    return b << 16 | a;
}

void append_chunk(Bytes& png, std::string_view type, ByteView data) {
    append_u32(png, static_cast<std::uint32_t>(data.size()));
    Bytes typed(type.begin(), type.end());
    append(typed, data);
    append(png, typed);
    append_u32(png, crc32(typed));
}

// zlib stream of stored (uncompressed) deflate blocks: valid, and needs no zlib here.
Bytes zlib_stored(ByteView raw) {
    Bytes out{0x78, 0x01};
    std::size_t pos = 0;
    do {
        const std::size_t n = std::min<std::size_t>(raw.size() - pos, 0xFFFF);
        const bool last = pos + n == raw.size();
        out.push_back(last ? 1 : 0);
        out.push_back(static_cast<std::uint8_t>(n & 0xFF));
        out.push_back(static_cast<std::uint8_t>(n >> 8));
        out.push_back(static_cast<std::uint8_t>(~n & 0xFF));
        out.push_back(static_cast<std::uint8_t>((~n >> 8) & 0xFF));
        append(out, raw.subspan(pos, n));
        pos += n;
    } while (pos < raw.size());
    append_u32(out, adler32(raw));
    return out;
}

}  // namespace

std::string verification_number_b(const CardHolder& holder) {
    if (holder.card_expiry.size() < 4 || !all_digits(holder.card_expiry.substr(0, 4))) {
        throw Error(Errc::InvalidArgument, "card expiry must start with YYYY");
    }
    if (holder.security_code.size() != 4 || !all_digits(holder.security_code)) {
        throw Error(Errc::InvalidArgument, "security code must be 4 digits");
    }
    return card::japanese_era_yymmdd(holder.birth_date) + holder.card_expiry.substr(0, 4) +
           holder.security_code;
}

Bytes token_info_file(TokenProfile profile) {
    // PKCS#11 CK_TOKEN_INFO as the card serialises it (mynumber-card.md §3.1).
    const auto padded = [](std::string_view text, std::size_t width) {
        std::string out(text.substr(0, width));
        out.resize(width, ' ');
        return out;
    };
    Bytes file;
    append(file,
           padded(profile == TokenProfile::Android ? "JPKIAPGPSETOKEN" : "JPKIAPICCTOKEN2", 32));
    append(file, padded("mynaq virtual card", 32));  // manufacturerID
    append(file, padded("MYNAQSIM", 16));            // model
    append(file, padded("0000000000000001", 16));    // serialNumber
    append_u32(file, 0x040D);  // RNG | LOGIN_REQUIRED | USER_PIN_INITIALIZED | TOKEN_INITIALIZED
    for (int i = 0; i < 4; ++i) append_u32(file, 0);            // session counts
    append_u32(file, 16);                                       // ulMaxPinLen
    append_u32(file, 6);                                        // ulMinPinLen
    for (int i = 0; i < 4; ++i) append_u32(file, 0xFFFFFFFFU);  // memory: unavailable
    append(file, std::string_view("0301"));                     // hardware, firmware version
    append(file, padded("", 16));                               // utcTime
    return file;
}

Bytes synthetic_png(std::uint32_t width, std::uint32_t height, std::string_view seed) {
    if (width == 0 || height == 0 || width > 4096 || height > 4096) {
        throw Error(Errc::InvalidArgument, "PNG size out of range");
    }
    // 1-bit greyscale rows, filter byte 0 each; a frame plus blocks keyed by the seed, so
    // different fields get different, recognisably synthetic pictures.
    const std::size_t stride = (width + 7) / 8;
    Bytes raw;
    raw.reserve((stride + 1) * height);
    const std::uint32_t key =
        crc32(ByteView(reinterpret_cast<const std::uint8_t*>(seed.data()), seed.size()));
    for (std::uint32_t y = 0; y < height; ++y) {
        raw.push_back(0);
        for (std::size_t byte = 0; byte < stride; ++byte) {
            std::uint8_t bits = 0xFF;  // white
            for (int bit = 0; bit < 8; ++bit) {
                const std::uint32_t x =
                    static_cast<std::uint32_t>(byte * 8) + static_cast<std::uint32_t>(bit);
                if (x >= width) continue;
                const bool frame = x == 0 || y == 0 || x + 1 == width || y + 1 == height;
                const std::uint32_t cell = (x / 4 + y / 4 * 7) % 32;
                const bool ink = frame || (((key >> cell) & 1U) != 0 && (x / 4 + y / 4) % 3 == 0);
                if (ink) bits = static_cast<std::uint8_t>(bits & ~(0x80U >> bit));
            }
            raw.push_back(bits);
        }
    }

    Bytes png = from_hex("89504E470D0A1A0A");
    Bytes ihdr;
    append_u32(ihdr, width);
    append_u32(ihdr, height);
    append(ihdr, Bytes{1, 0, 0, 0, 0});  // bit depth 1, greyscale, deflate, filter 0, no interlace
    append_chunk(png, "IHDR", ihdr);
    append_chunk(png, "IDAT", zlib_stored(raw));
    append_chunk(png, "IEND", {});
    return png;
}

Bytes card_face_file(const CardHolder& holder, ByteView face_jp2, const TestPki& pki) {
    if (holder.birth_date.size() != 8 || holder.card_expiry.size() != 8) {
        throw Error(Errc::InvalidArgument, "birth date and card expiry must be YYYYMMDD");
    }
    std::vector<Bytes> children;
    children.push_back(tlv(0xDF22, holder.birth_date));
    children.push_back(tlv(0xDF23, std::string_view(&holder.sex, 1)));
    children.push_back(tlv(0xDF24, public_key_value(pki)));
    children.push_back(tlv(0xDF25, synthetic_png(160, 24, holder.name)));
    children.push_back(tlv(0xDF26, synthetic_png(320, 32, holder.address)));
    children.push_back(tlv(0xDF27, face_jp2));
    Bytes digests;
    {
        Bytes part;
        for (std::size_t i = 0; i < 3; ++i) append(part, children[i]);
        append(digests, sha256(part));
        part.clear();
        for (std::size_t i = 3; i < 5; ++i) append(part, children[i]);
        append(digests, sha256(part));
        append(digests, sha256(children[5]));
    }
    children.push_back(tlv(0xDF28, signature_over(pki, digests)));
    children.push_back(tlv(0xDF29, holder.card_expiry));
    children.push_back(tlv(0xDF2A, synthetic_png(24, 12, holder.security_code)));

    Bytes file = offset_table_record(0xFF20, children, true);
    pad_with_ff(file);
    // READ BINARY offsets have 15 bits: everything must be reachable.
    if (file.size() > 0x7FFF + 0x100) {
        throw Error(Errc::InvalidArgument,
                    fmt::format("face photo of {} bytes makes the card-face file too large",
                                face_jp2.size()));
    }
    return file;
}

Bytes text_basic_info_file(const CardHolder& holder) {
    std::vector<Bytes> children;
    children.push_back(tlv(0xDF22, holder.name));
    children.push_back(tlv(0xDF23, holder.address));
    children.push_back(tlv(0xDF24, holder.birth_date));
    children.push_back(tlv(0xDF25, std::string_view(&holder.sex, 1)));
    Bytes file = offset_table_record(0xFF20, children, false);
    pad_with_ff(file);
    return file;
}

Bytes common_card_info_record(const CardHolder& holder) {
    const std::string value = holder.card_serial + holder.municipality + holder.card_expiry;
    if (value.size() > 0xFF) throw Error(Errc::InvalidArgument, "card info too long");
    Bytes record{0x01, static_cast<std::uint8_t>(value.size())};
    append(record, std::string_view(value));
    return record;
}

Bytes surface_age_file(const CardHolder& holder, const TestPki& pki) {
    Bytes body = tlv(0xDF11, holder.birth_date);
    append(body, tlv(0xDF12, public_key_value(pki)));
    Bytes signature = tlv(0xDF13, signature_over(pki, body));
    append(body, signature);
    Bytes file{0xFF, 0x10, 0x82};
    append_u16(file, body.size());
    append(file, body);
    pad_with_ff(file);
    return file;
}

Bytes surface_basic_info_file(const CardHolder& holder) {
    Bytes body = tlv(0xDF31, Bytes{0x06, 0x03, 0x0E, 0x01});
    // Key ids of the real test hierarchy start with "6" (production "5"), see §4.2.
    Bytes key_id = to_bytes("6000023");
    append(key_id, Bytes{0x08, 0x05});
    append(key_id, std::string_view("001"));
    key_id.resize(16, 0x00);
    append(body, tlv(0xDF32, key_id));
    append(body, tlv(0xDF34, holder.municipality));
    Bytes file = tlv(0xFF30, body);
    pad_with_ff(file);
    return file;
}

Bytes surface_my_number_image_file() {
    Bytes file = tlv(0xFF40, tlv(0xDF41, synthetic_png(72, 12, kFakeMyNumber)));
    pad_with_ff(file);
    return file;
}

Bytes text_my_number_file() {
    // 17 bytes physical: the 15-byte object and two bytes of filler.
    Bytes file = tlv(0xFF10, kFakeMyNumber);
    file.resize(17, 0xFF);
    return file;
}

}  // namespace mynaq::sim
