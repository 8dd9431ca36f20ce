// ISO 7816-4 command and response APDUs as value types (short length only: the card needs
// nothing else, see reference/mynumber-card.md §1.3).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "mynaq/bytes.hpp"

namespace mynaq {

class StatusWord {
public:
    constexpr StatusWord() = default;
    constexpr explicit StatusWord(std::uint16_t value) : value_(value) {}
    constexpr StatusWord(std::uint8_t sw1, std::uint8_t sw2)
        : value_(static_cast<std::uint16_t>(sw1 << 8 | sw2)) {}

    [[nodiscard]] constexpr std::uint16_t value() const { return value_; }
    [[nodiscard]] constexpr std::uint8_t sw1() const { return value_ >> 8; }
    [[nodiscard]] constexpr std::uint8_t sw2() const { return value_ & 0xFF; }
    [[nodiscard]] constexpr bool ok() const { return value_ == 0x9000; }
    // 63Cx: a key's retry counter (x tries left).
    [[nodiscard]] constexpr bool is_retry_counter() const { return (value_ & 0xFFF0) == 0x63C0; }
    [[nodiscard]] std::string hex() const;  // "9000"
    // Short English meaning for technicians ("security status not satisfied").
    [[nodiscard]] std::string meaning() const;

    friend constexpr bool operator==(StatusWord, StatusWord) = default;

private:
    std::uint16_t value_ = 0;
};

inline constexpr StatusWord kSwOk{0x9000};

class CommandApdu {
public:
    // Case 1 (no data, no Le), 2 (Le), 3 (data), 4 (data + Le). le = 0 means 256.
    CommandApdu(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2,
                Bytes data = {}, std::optional<std::uint16_t> le = std::nullopt);

    static CommandApdu parse(ByteView raw);  // throws Error{InvalidArgument}

    // Named constructors for the commands the My Number card understands.
    static CommandApdu select_df(ByteView aid);                              // 00 A4 04 0C
    static CommandApdu select_ef(std::uint16_t fid);                         // 00 A4 02 0C 02 ...
    static CommandApdu read_binary(std::uint16_t offset, std::uint16_t le);  // 15-bit offset
    static CommandApdu read_record(std::uint8_t record, std::uint16_t le);   // current EF
    static CommandApdu verify_query();                                       // 00 20 00 80 (case 1)
    static CommandApdu verify(ByteView secret);                              // 00 20 00 80 Lc ...
    static CommandApdu get_response(std::uint8_t le);

    [[nodiscard]] std::uint8_t cla() const { return cla_; }
    [[nodiscard]] std::uint8_t ins() const { return ins_; }
    [[nodiscard]] std::uint8_t p1() const { return p1_; }
    [[nodiscard]] std::uint8_t p2() const { return p2_; }
    [[nodiscard]] const Bytes& data() const { return data_; }
    [[nodiscard]] std::optional<std::uint16_t> le() const { return le_; }
    [[nodiscard]] int iso_case() const;  // 1..4
    // VERIFY and CHANGE REFERENCE DATA carry secrets in their data field.
    [[nodiscard]] bool carries_secret() const { return ins_ == 0x20 || ins_ == 0x24; }

    [[nodiscard]] Bytes encode() const;
    // Hex for transcripts; the data of a command carrying a secret is shown as "**".
    [[nodiscard]] std::string redacted_hex() const;

    CommandApdu with_le(std::uint16_t le) const;
    void wipe();  // clears the data field in place (PIN buffers)

private:
    std::uint8_t cla_, ins_, p1_, p2_;
    Bytes data_;
    std::optional<std::uint16_t> le_;
};

struct ResponseApdu {
    Bytes data;
    StatusWord sw;

    static ResponseApdu parse(ByteView raw);  // throws Error{DataInvalid} when shorter than 2
    [[nodiscard]] Bytes encode() const;
    [[nodiscard]] bool ok() const { return sw.ok(); }
};

}  // namespace mynaq
