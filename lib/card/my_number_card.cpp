#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "mynaq/card.hpp"
#include "mynaq/error.hpp"
#include "mynaq/tlv.hpp"

namespace mynaq::card {

namespace {

constexpr std::uint16_t kEfTokenInfo = 0x0006;
constexpr std::uint16_t kEfAuthCert = 0x000A;
constexpr std::uint16_t kEfAuthCa = 0x000B;
constexpr std::uint16_t kEfAuthKey = 0x0017;
constexpr std::uint16_t kEfCardFace = 0x0002;
constexpr std::uint16_t kEfCardInfo = 0x0001;
constexpr std::size_t kChunk = 256;

[[noreturn]] void unexpected(const char* what, StatusWord sw) {
    throw Error(Errc::CardError,
                fmt::format("{}: card answered {} ({})", what, sw.hex(), sw.meaning()),
                {{"sw", sw.hex()}});
}

// Token labels are space-padded; some tokens pad with NUL.
std::string trim(std::string_view text) {
    auto padding = [](char c) { return c == ' ' || c == '\0'; };
    while (!text.empty() && padding(text.front())) text.remove_prefix(1);
    while (!text.empty() && padding(text.back())) text.remove_suffix(1);
    return std::string(text);
}

bool is_jpeg2000(ByteView data) {
    static constexpr std::uint8_t kJp2[] = {0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50,
                                            0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A};
    static constexpr std::uint8_t kJ2k[] = {0xFF, 0x4F, 0xFF, 0x51};
    return (data.size() >= sizeof kJp2 &&
            std::equal(std::begin(kJp2), std::end(kJp2), data.begin())) ||
           (data.size() >= sizeof kJ2k &&
            std::equal(std::begin(kJ2k), std::end(kJ2k), data.begin()));
}

}  // namespace

MyNumberCard::MyNumberCard(Transport& transport) : channel_(transport) {}

ResponseApdu MyNumberCard::send(const CommandApdu& command) {
    guard_.check(command);
    ResponseApdu response = channel_.send(command);
    guard_.observe(command, response.sw);
    return response;
}

ResponseApdu MyNumberCard::send_raw(const CommandApdu& command) {
    selected_ef_.reset();  // a technician's command may change the selection
    return send(command);
}

void MyNumberCard::select_application(Application app) {
    const ResponseApdu r = send(CommandApdu::select_df(application_aid(app)));
    selected_ef_.reset();
    if (r.ok()) return;
    if (app == Application::Jpki) {
        throw Error(
            Errc::NotMyNumberCard,
            fmt::format("the card has no JPKI application (SELECT answered {})", r.sw.hex()),
            {{"sw", r.sw.hex()}});
    }
    if (r.sw.value() == 0x6A82) {
        throw Error(Errc::Unsupported,
                    fmt::format("this token has no {} application", application_name(app)),
                    {{"sw", r.sw.hex()}, {"application", std::string(application_name(app))}});
    }
    unexpected("SELECT application", r.sw);
}

void MyNumberCard::detect() {
    select_application(Application::Jpki);
}

void MyNumberCard::select_ef(std::uint16_t fid) {
    if (selected_ef_ == fid) return;
    const ResponseApdu r = send(CommandApdu::select_ef(fid));
    if (!r.ok()) {
        selected_ef_.reset();
        if (r.sw.value() == 0x6A82) {
            throw Error(Errc::CardError, fmt::format("EF {:04X} not found on the card", fid),
                        {{"sw", r.sw.hex()}, {"ef", fmt::format("{:04X}", fid)}});
        }
        unexpected("SELECT EF", r.sw);
    }
    selected_ef_ = fid;
}

Bytes MyNumberCard::read_object(std::uint16_t fid) {
    select_ef(fid);
    // The first chunk holds the object's header, which tells its exact size: files are
    // larger than their object and padded, so only the object's bytes are read after that.
    Bytes data;
    std::optional<std::size_t> total;
    while (!total || data.size() < *total) {
        const std::size_t want = total ? std::min(kChunk, *total - data.size()) : kChunk;
        if (data.size() > 0x7FFF) throw Error(Errc::DataInvalid, "object larger than 32 KiB");
        const ResponseApdu r = send(CommandApdu::read_binary(
            static_cast<std::uint16_t>(data.size()), static_cast<std::uint16_t>(want)));
        if (r.sw.value() == 0x6982) {
            throw Error(Errc::PinRequired, fmt::format("EF {:04X} needs verification first", fid),
                        {{"sw", r.sw.hex()}});
        }
        const bool end_of_file = r.sw.value() == 0x6B00 || r.sw.value() == 0x6282;
        if (!r.ok() && !end_of_file) unexpected("READ BINARY", r.sw);
        data.insert(data.end(), r.data.begin(), r.data.end());
        if (!total) {
            total = object_size_from_header(data);
            if (!total && data.size() >= 16) {
                throw Error(Errc::DataInvalid,
                            fmt::format("EF {:04X} does not start with a TLV", fid));
            }
        }
        if (total && data.size() >= *total) break;
        if (end_of_file || r.data.empty()) {
            throw Error(
                Errc::DataInvalid,
                fmt::format("EF {:04X} ends after {} bytes, inside its object", fid, data.size()));
        }
    }
    if (total && data.size() > *total) data.resize(*total);
    return data;
}

TokenInfo MyNumberCard::token_info() {
    select_application(Application::Jpki);
    select_ef(kEfTokenInfo);
    const ResponseApdu r = send(CommandApdu::read_binary(0, 0x20));
    if (!r.ok()) unexpected("READ BINARY token info", r.sw);
    TokenInfo info;
    info.label =
        trim(std::string_view(reinterpret_cast<const char*>(r.data.data()), r.data.size()));
    if (info.label.starts_with("JPKIAPICCTOKEN")) {
        info.type = TokenType::PlasticCard;
    } else if (info.label.starts_with("JPKIAPGPSETOKEN")) {
        info.type = TokenType::AndroidToken;
    } else if (info.label.starts_with("JPKIAPIOSTOKEN")) {
        info.type = TokenType::IphoneToken;
    }
    return info;
}

Bytes MyNumberCard::read_auth_certificate() {
    if (current_application() != Application::Jpki) select_application(Application::Jpki);
    try {
        return read_object(kEfAuthCert);
    } catch (const Error& e) {
        if (e.code() != Errc::PinRequired) throw;
        throw Error(Errc::PinRequired,
                    "this token (smartphone) only shows its 利用者証明用電子証明書 after the PIN",
                    e.fields());
    }
}

Bytes MyNumberCard::read_auth_ca_certificate() {
    if (current_application() != Application::Jpki) select_application(Application::Jpki);
    return read_object(kEfAuthCa);
}

PinStatus MyNumberCard::pin_status(Credential credential) {
    const CredentialSpec& spec = credential_spec(credential);
    PinStatus status;
    status.credential = credential;
    try {
        if (current_application() != spec.application) select_application(spec.application);
        select_ef(spec.key_ef);
    } catch (const Error& e) {
        if (e.code() != Errc::Unsupported && e.code() != Errc::CardError) throw;
        status.unavailable = true;
        auto sw = e.fields().find("sw");
        status.sw = sw == e.fields().end() ? "" : sw->second;
        return status;
    }
    const ResponseApdu r = send(CommandApdu::verify_query());
    status.sw = r.sw.hex();
    if (r.sw.is_retry_counter()) {
        status.tries_left = r.sw.sw2() & 0x0F;
        status.blocked = *status.tries_left == 0;
    } else if (r.sw.value() == 0x6984 || r.sw.value() == 0x6983) {
        status.tries_left = 0;
        status.blocked = true;
    } else if (r.ok()) {
        status.verified = true;
    } else if (r.sw.value() != 0x6300) {
        unexpected("VERIFY (counter query)", r.sw);
    }
    return status;
}

std::vector<PinStatus> MyNumberCard::all_pin_status() {
    std::vector<PinStatus> out;
    for (Credential c : all_credentials()) out.push_back(pin_status(c));
    return out;
}

void MyNumberCard::verify(Credential credential, const SecretString& secret, bool force) {
    check_secret_format(credential, secret);
    const CredentialSpec& spec = credential_spec(credential);
    const PinStatus before = pin_status(credential);
    check_may_send(before, force);
    if (before.verified) return;
    Bytes value(secret.reveal().begin(), secret.reveal().end());
    CommandApdu command = CommandApdu::verify(value);
    secure_wipe(value.data(), value.size());
    ResponseApdu r;
    try {
        r = send(command);
    } catch (...) {
        command.wipe();
        throw;
    }
    command.wipe();
    if (r.ok()) return;
    if (r.sw.is_retry_counter()) {
        const int left = r.sw.sw2() & 0x0F;
        throw Error(left == 0 ? Errc::PinBlocked : Errc::PinWrong,
                    left == 0 ? fmt::format("wrong {}; it is now blocked", spec.id)
                              : fmt::format("wrong {}; {} tries left", spec.id, left),
                    {{"credential", std::string(spec.id)}, {"retries", std::to_string(left)}});
    }
    if (r.sw.value() == 0x6984 || r.sw.value() == 0x6983) {
        throw Error(Errc::PinBlocked, fmt::format("{} is blocked", spec.id),
                    {{"credential", std::string(spec.id)}, {"retries", "0"}});
    }
    unexpected("VERIFY", r.sw);
}

Bytes MyNumberCard::sign_with_auth_key(ByteView digest_info) {
    if (current_application() != Application::Jpki) {
        throw Error(Errc::Internal, "sign_with_auth_key needs the JPKI AP and a verified PIN");
    }
    select_ef(kEfAuthKey);
    const ResponseApdu r = send(
        CommandApdu(0x80, 0x2A, 0x00, 0x80, Bytes(digest_info.begin(), digest_info.end()), 256));
    if (r.sw.value() == 0x6982) {
        throw Error(Errc::PinRequired, "the auth key needs a verified PIN", {{"sw", r.sw.hex()}});
    }
    if (!r.ok()) unexpected("COMPUTE DIGITAL SIGNATURE", r.sw);
    if (r.data.size() != 256) {
        throw Error(Errc::DataInvalid,
                    fmt::format("signature of {} bytes, expected 256", r.data.size()));
    }
    return r.data;
}

FacePhoto MyNumberCard::read_face_photo(const SecretString& verification_b, bool force) {
    check_secret_format(Credential::VerificationB, verification_b);
    select_application(Application::Surface);
    verify(Credential::VerificationB, verification_b, force);
    const Bytes record = read_object(kEfCardFace);

    FacePhoto photo;
    photo.record_size = record.size();
    const auto outer = read_tlv(record);
    if (!outer || outer->tag != 0xFF20) {
        throw Error(Errc::DataInvalid, "券面事項 record does not start with FF 20");
    }
    const auto children = read_tlvs(outer->value);
    const Tlv* offsets = nullptr;
    const Tlv* face = nullptr;
    for (const auto& t : children) {
        photo.record_tags.push_back(fmt::format("{:X}", t.tag));
        if (t.tag == 0xDF21) offsets = &t;
        if (t.tag == 0xDF27) face = &t;
    }
    if (offsets == nullptr || offsets->value.size() % 2 != 0) {
        throw Error(Errc::DataInvalid, "券面事項 record lacks a valid DF21 offset table");
    }
    // The offset table points at each following element, counted from the start of the file.
    const std::size_t value_base = outer->offset + (outer->total_size - outer->value.size());
    std::vector<std::size_t> starts;
    for (const auto& t : children) {
        if (t.tag != 0xDF21) starts.push_back(value_base + t.offset);
    }
    for (std::size_t i = 0; i + 1 < offsets->value.size(); i += 2) {
        const std::size_t off =
            static_cast<std::size_t>(offsets->value[i] << 8 | offsets->value[i + 1]);
        if (std::find(starts.begin(), starts.end(), off) == starts.end()) {
            throw Error(Errc::DataInvalid,
                        fmt::format("DF21 offset {} does not point at an element", off));
        }
    }
    if (face == nullptr || !is_jpeg2000(face->value)) {
        throw Error(Errc::DataInvalid, "券面事項 record has no JPEG 2000 photo in DF27");
    }
    photo.jp2.assign(face->value.begin(), face->value.end());
    return photo;
}

CardInfo MyNumberCard::card_info() {
    select_application(Application::Common);
    select_ef(kEfCardInfo);
    const ResponseApdu r = send(CommandApdu::read_record(1, 256));
    if (!r.ok()) unexpected("READ RECORD card info", r.sw);
    const auto tlv = read_tlv(r.data);
    if (!tlv || tlv->tag != 0x01 || tlv->value.size() < 28) {
        throw Error(Errc::DataInvalid, "共通AP EF 0001 record 1 has an unexpected layout");
    }
    const std::string text(tlv->value.begin(), tlv->value.end());
    CardInfo info;
    info.serial = text.substr(0, 15);
    info.municipality = text.substr(15, 5);
    const std::string e = text.substr(20, 8);
    info.expiry = fmt::format("{}-{}-{}", e.substr(0, 4), e.substr(4, 2), e.substr(6, 2));
    return info;
}

void check_may_send(const PinStatus& status, bool force) {
    const CredentialSpec& spec = credential_spec(status.credential);
    const std::string id(spec.id);
    if (status.unavailable) {
        throw Error(Errc::Unsupported, fmt::format("this token has no {}", id),
                    {{"credential", id}});
    }
    if (status.blocked) {
        throw Error(Errc::PinBlocked, fmt::format("{} is blocked", id),
                    {{"credential", id}, {"retries", "0"}});
    }
    if (!status.verified && status.tries_left && *status.tries_left <= 1 && !force) {
        throw Error(Errc::PinLastTry,
                    fmt::format("{} has one try left; refusing without --force", id),
                    {{"credential", id}, {"retries", "1"}});
    }
}

}  // namespace mynaq::card
