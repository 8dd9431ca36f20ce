#include "mynaq/apdu.hpp"

#include <fmt/format.h>

#include "mynaq/error.hpp"

namespace mynaq {

std::string StatusWord::hex() const {
    return fmt::format("{:04X}", value_);
}

std::string StatusWord::meaning() const {
    if (is_retry_counter())
        return fmt::format("verification failed or counter: {} tries left", sw2() & 0x0F);
    switch (value_) {
        case 0x9000:
            return "success";
        case 0x6300:
            return "verification failed (no counter)";
        case 0x6700:
            return "wrong length";
        case 0x6981:
            return "command incompatible with file structure";
        case 0x6982:
            return "security status not satisfied";
        case 0x6983:
            return "authentication method blocked";
        case 0x6984:
            return "reference data not usable (blocked)";
        case 0x6985:
            return "conditions of use not satisfied";
        case 0x6986:
            return "command not allowed (no current EF)";
        case 0x6A80:
            return "incorrect data field";
        case 0x6A81:
            return "function not supported";
        case 0x6A82:
            return "file or application not found";
        case 0x6A86:
            return "incorrect P1-P2";
        case 0x6A88:
            return "referenced data not found";
        case 0x6B00:
            return "offset outside the file";
        case 0x6D00:
            return "instruction not supported";
        case 0x6E00:
            return "class not supported";
        case 0x6F00:
            return "no precise diagnosis";
        default:
            break;
    }
    if (sw1() == 0x61) return fmt::format("{} more bytes available", sw2() == 0 ? 256 : sw2());
    if (sw1() == 0x6C) return fmt::format("wrong Le, exact length is {}", sw2() == 0 ? 256 : sw2());
    return "unknown status";
}

CommandApdu::CommandApdu(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2,
                         Bytes data, std::optional<std::uint16_t> le)
    : cla_(cla), ins_(ins), p1_(p1), p2_(p2), data_(std::move(data)), le_(le) {
    if (data_.size() > 255) {
        throw Error(Errc::InvalidArgument, "command data longer than 255 bytes (short APDU only)");
    }
    if (le_ && *le_ > 256) throw Error(Errc::InvalidArgument, "Le above 256 (short APDU only)");
}

CommandApdu CommandApdu::parse(ByteView raw) {
    if (raw.size() < 4) throw Error(Errc::InvalidArgument, "an APDU has at least 4 bytes");
    const auto cla = raw[0], ins = raw[1], p1 = raw[2], p2 = raw[3];
    if (raw.size() == 4) return {cla, ins, p1, p2};
    if (raw.size() == 5) return {cla, ins, p1, p2, {}, raw[4] == 0 ? 256 : raw[4]};
    const std::size_t lc = raw[4];
    if (lc == 0) throw Error(Errc::InvalidArgument, "extended-length APDUs are not supported");
    if (raw.size() == 5 + lc) return {cla, ins, p1, p2, Bytes(raw.begin() + 5, raw.end())};
    if (raw.size() == 6 + lc) {
        return {cla,
                ins,
                p1,
                p2,
                Bytes(raw.begin() + 5, raw.end() - 1),
                raw.back() == 0 ? 256 : raw.back()};
    }
    throw Error(Errc::InvalidArgument,
                fmt::format("APDU length {} does not match Lc {}", raw.size(), lc));
}

CommandApdu CommandApdu::select_df(ByteView aid) {
    return {0x00, 0xA4, 0x04, 0x0C, Bytes(aid.begin(), aid.end())};
}

CommandApdu CommandApdu::select_ef(std::uint16_t fid) {
    return {0x00, 0xA4, 0x02, 0x0C,
            Bytes{static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid & 0xFF)}};
}

CommandApdu CommandApdu::read_binary(std::uint16_t offset, std::uint16_t le) {
    if (offset > 0x7FFF) throw Error(Errc::InvalidArgument, "READ BINARY offset above 0x7FFF");
    return {0x00,
            0xB0,
            static_cast<std::uint8_t>(offset >> 8),
            static_cast<std::uint8_t>(offset & 0xFF),
            {},
            le};
}

CommandApdu CommandApdu::read_record(std::uint8_t record, std::uint16_t le) {
    return {0x00, 0xB2, record, 0x04, {}, le};
}

CommandApdu CommandApdu::verify_query() {
    return {0x00, 0x20, 0x00, 0x80};
}

CommandApdu CommandApdu::verify(ByteView secret) {
    return {0x00, 0x20, 0x00, 0x80, Bytes(secret.begin(), secret.end())};
}

CommandApdu CommandApdu::get_response(std::uint8_t le) {
    return {0x00, 0xC0, 0x00, 0x00, {}, le == 0 ? 256 : le};
}

int CommandApdu::iso_case() const {
    if (data_.empty()) return le_ ? 2 : 1;
    return le_ ? 4 : 3;
}

Bytes CommandApdu::encode() const {
    Bytes out{cla_, ins_, p1_, p2_};
    if (!data_.empty()) {
        out.push_back(static_cast<std::uint8_t>(data_.size()));
        out.insert(out.end(), data_.begin(), data_.end());
    }
    if (le_) out.push_back(static_cast<std::uint8_t>(*le_ == 256 ? 0 : *le_));
    return out;
}

std::string CommandApdu::redacted_hex() const {
    if (!carries_secret() || data_.empty()) return to_hex(encode());
    std::string out = to_hex(Bytes{cla_, ins_, p1_, p2_});
    out += fmt::format(" {:02X} **", data_.size());
    if (le_) out += fmt::format(" {:02X}", *le_ == 256 ? 0 : *le_);
    return out;
}

CommandApdu CommandApdu::with_le(std::uint16_t le) const {
    CommandApdu copy = *this;
    copy.le_ = le;
    return copy;
}

void CommandApdu::wipe() {
    secure_wipe(data_.data(), data_.size());
    data_.clear();
}

ResponseApdu ResponseApdu::parse(ByteView raw) {
    if (raw.size() < 2) throw Error(Errc::DataInvalid, "response shorter than a status word");
    ResponseApdu r;
    r.data.assign(raw.begin(), raw.end() - 2);
    r.sw = StatusWord(raw[raw.size() - 2], raw[raw.size() - 1]);
    return r;
}

Bytes ResponseApdu::encode() const {
    Bytes out = data;
    out.push_back(sw.sw1());
    out.push_back(sw.sw2());
    return out;
}

}  // namespace mynaq
