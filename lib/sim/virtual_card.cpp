#include "mynaq/sim/virtual_card.hpp"

#include "mynaq/card.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <utility>
#include <variant>

#include <fmt/format.h>

#include "mynaq/apdu.hpp"
#include "mynaq/error.hpp"

namespace mynaq::sim {
namespace {

enum class Ap { None, Jpki, Surface, Text, Common, Juki };

std::string_view ap_name(Ap ap) {
    switch (ap) {
        case Ap::Jpki:
            return "jpki";
        case Ap::Surface:
            return "surface";
        case Ap::Text:
            return "text";
        case Ap::Common:
            return "common";
        case Ap::Juki:
            return "juki";
        case Ap::None:
            break;
    }
    return "none";
}

// Status words of mynumber-card.md §2.3.
namespace sw {
constexpr std::uint16_t kOk = 0x9000;
constexpr std::uint16_t kWrongLength = 0x6700;
constexpr std::uint16_t kIncompatibleFile = 0x6981;
constexpr std::uint16_t kSecurityNotSatisfied = 0x6982;
constexpr std::uint16_t kBlocked = 0x6984;
constexpr std::uint16_t kConditionsNotSatisfied = 0x6985;
constexpr std::uint16_t kNoCurrentEf = 0x6986;
constexpr std::uint16_t kNotFound = 0x6A82;
constexpr std::uint16_t kRecordNotFound = 0x6A83;
constexpr std::uint16_t kWrongP1P2 = 0x6A86;
constexpr std::uint16_t kReferenceNotFound = 0x6A88;
constexpr std::uint16_t kWrongOffset = 0x6B00;
constexpr std::uint16_t kInsNotSupported = 0x6D00;
constexpr std::uint16_t kClaNotSupported = 0x6E00;
constexpr std::uint16_t kNoDiagnosis = 0x6F00;
constexpr std::uint16_t retries(int tries) {
    return static_cast<std::uint16_t>(0x63C0 | (tries & 0x0F));
}
}  // namespace sw

constexpr std::size_t kLogCapacity = 100000;
constexpr std::size_t kMaxPkcs1Input = 256 - 11;  // RSA-2048 with PKCS#1 v1.5 type-1 padding

struct KeyEf {
    std::string secret;
    int max_tries = 3;
    int tries = 3;
    bool refuse = false;  // 照合番号A: we never hold it, so no value is accepted
};

struct DataEf {
    Bytes content;                         // transparent EF (READ BINARY)
    std::vector<Bytes> records;            // record EF (READ RECORD) when not empty
    std::vector<std::uint16_t> opened_by;  // key EFs, any one verified opens it; empty = free
};

struct PrivateKeyEf {
    std::string pem;
    std::uint16_t unlocked_by = 0;
};

using Ef = std::variant<DataEf, KeyEf, PrivateKeyEf>;

struct Application {
    Ap id = Ap::None;
    Bytes aid;
    std::map<std::uint16_t, Ef> files;
};

struct Reply {
    Bytes data;
    std::uint16_t sw = sw::kOk;
};

Reply status(std::uint16_t value) {
    return {{}, value};
}

KeyEf key(std::string secret, int usual_max, int initial) {
    initial = std::clamp(initial, 0, 15);  // 63Cx has one nibble
    return {std::move(secret), std::max(usual_max, initial), initial, false};
}

KeyEf refused_key() {
    return {{}, 10, 10, true};
}

DataEf free_file(Bytes content) {
    return {std::move(content), {}, {}};
}

DataEf protected_file(Bytes content, std::vector<std::uint16_t> opened_by) {
    return {std::move(content), {}, std::move(opened_by)};
}

// Certificate EFs are larger than the certificate and zero-padded (§2.4).
Bytes certificate_file(const Bytes& der) {
    Bytes file = der;
    file.resize(der.size() + 300, 0x00);
    return file;
}

// 16-byte key reference (住基AP/共通AP EF 0002): opaque, fabricated.
Bytes key_reference() {
    Bytes ref = to_bytes("6000020");
    ref.resize(16, 0x00);
    return ref;
}

std::vector<Application> build_applications(const VirtualCardConfig& config) {
    const bool android = config.profile == TokenProfile::Android;
    const TestPki& pki = config.pki;
    std::vector<Application> apps;
    if (config.profile == TokenProfile::OtherCard) return apps;

    Application jpki{Ap::Jpki, from_hex("D392F000260100000001"), {}};
    jpki.files[0x0001] = protected_file(certificate_file(pki.sign_cert_der), {0x001B});
    jpki.files[0x0002] = free_file(certificate_file(pki.sign_root_der));
    jpki.files[0x0006] = free_file(token_info_file(config.profile));
    jpki.files[0x0008] = free_file(Bytes{0x8F, 0x8F, 0x00});
    // The Android token wants the PIN before it shows the auth certificate (§3.1).
    jpki.files[0x000A] = android ? protected_file(certificate_file(pki.auth_cert_der), {0x0018})
                                 : free_file(certificate_file(pki.auth_cert_der));
    jpki.files[0x000B] = free_file(certificate_file(pki.auth_root_der));
    jpki.files[0x0017] = PrivateKeyEf{pki.auth_key_pem, 0x0018};
    jpki.files[0x0018] = key(config.auth_pin, 3, config.auth_pin_tries);
    jpki.files[0x001A] = PrivateKeyEf{pki.sign_key_pem, 0x001B};
    jpki.files[0x001B] = key(config.sign_password, 5, config.sign_password_tries);
    apps.push_back(std::move(jpki));

    // A smartphone token carries only the JPKI AP.
    if (android) return apps;

    const CardHolder& holder = config.holder;
    const std::string number_b = verification_number_b(holder);

    Application surface{Ap::Surface, from_hex("D3921000310001010402"), {}};
    surface.files[0x0001] = protected_file(surface_age_file(holder, pki), {0x0011});
    surface.files[0x0002] =
        protected_file(card_face_file(holder, config.face_jp2, pki), {0x0012, 0x0013});
    surface.files[0x0003] = free_file(surface_basic_info_file(holder));
    surface.files[0x0005] = protected_file(surface_my_number_image_file(), {0x0013});
    surface.files[0x0011] = key(card::japanese_era_yymmdd(holder.birth_date), 10, 10);
    surface.files[0x0012] = key(number_b, 10, config.verification_b_tries);
    surface.files[0x0013] = refused_key();
    apps.push_back(std::move(surface));

    Application text{Ap::Text, from_hex("D3921000310001010408"), {}};
    text.files[0x0001] = protected_file(text_my_number_file(), {0x0011, 0x0014});
    text.files[0x0002] = protected_file(text_basic_info_file(holder), {0x0011, 0x0015});
    text.files[0x0011] = key(config.text_pin, 3, config.text_pin_tries);
    text.files[0x0014] = refused_key();
    text.files[0x0015] = key(number_b, 10, config.verification_b_tries);
    apps.push_back(std::move(text));

    Application juki{Ap::Juki, from_hex("D3921000310001010401"), {}};
    juki.files[0x0002] = free_file(key_reference());
    juki.files[0x001C] = key(config.text_pin, 3, 3);
    apps.push_back(std::move(juki));

    Application common{Ap::Common, from_hex("D3921000310001010100"), {}};
    common.files[0x0001] = DataEf{{}, {common_card_info_record(holder)}, {}};
    common.files[0x0002] = free_file(key_reference());
    common.files[0x001C] = key(config.text_pin, 3, 3);
    apps.push_back(std::move(common));
    return apps;
}

bool same_secret(const std::string& expected, ByteView given) {
    return !expected.empty() && expected.size() == given.size() &&
           CRYPTO_memcmp(expected.data(), given.data(), given.size()) == 0;
}

// The log must not learn a secret even from an APDU too malformed to parse.
std::string redacted_command_hex(ByteView raw) {
    try {
        return CommandApdu::parse(raw).redacted_hex();
    } catch (const Error&) {
        if (raw.size() > 4 && (raw[1] == 0x20 || raw[1] == 0x24)) {
            return to_hex(raw.first(4)) + " **";
        }
        return to_hex(raw);
    }
}

}  // namespace

struct VirtualCard::State {
    mutable std::mutex mutex;
    Bytes atr;
    std::vector<Application> apps;
    std::optional<std::size_t> current_app;
    std::optional<std::uint16_t> current_ef;
    std::set<std::uint16_t> verified;  // key EFs of the current application
    std::deque<ApduLogEntry> log;
    std::function<void(const ApduLogEntry&)> sink;

    Application* app() { return current_app ? &apps[*current_app] : nullptr; }

    Ef* find(std::uint16_t fid) {
        Application* a = app();
        if (a == nullptr) return nullptr;
        const auto it = a->files.find(fid);
        return it == a->files.end() ? nullptr : &it->second;
    }

    void reset_session() {
        current_app.reset();
        current_ef.reset();
        verified.clear();
    }

    bool opened(const DataEf& file) const {
        if (file.opened_by.empty()) return true;
        return std::any_of(file.opened_by.begin(), file.opened_by.end(),
                           [this](std::uint16_t k) { return verified.contains(k); });
    }

    // P2 of VERIFY / CHANGE / 80 2A: 80 = current EF, 80|SFI = the EF with FID 00 SFI.
    std::optional<std::uint16_t> key_reference(std::uint8_t p2) const {
        if (p2 == 0x80) return current_ef;
        if (p2 > 0x80 && p2 <= 0x9E) return static_cast<std::uint16_t>(p2 & 0x1F);
        return std::nullopt;
    }

    Reply dispatch(ByteView raw);
    Reply select(const CommandApdu& c);
    Reply read_binary(const CommandApdu& c);
    Reply read_record(const CommandApdu& c);
    Reply verify(const CommandApdu& c);
    Reply change_reference_data(const CommandApdu& c);
    Reply sign(const CommandApdu& c);
};

Reply VirtualCard::State::dispatch(ByteView raw) {
    if (raw.size() < 4) return status(sw::kWrongLength);
    std::optional<CommandApdu> parsed;
    try {
        parsed.emplace(CommandApdu::parse(raw));
    } catch (const Error&) {
        return status(sw::kWrongLength);  // Lc that does not match the data, Lc=00, ...
    }
    CommandApdu& command = *parsed;

    // Secrets do not outlive the command.
    struct Wiper {
        CommandApdu& c;
        ~Wiper() {
            if (c.carries_secret()) c.wipe();
        }
    } wiper{command};

    const std::uint8_t cla = command.cla(), ins = command.ins();
    if (cla != 0x00 && cla != 0x80) return status(sw::kClaNotSupported);
    const bool iso = ins == 0xA4 || ins == 0xB0 || ins == 0xB2 || ins == 0x20 || ins == 0x24;
    const bool proprietary = ins == 0x2A;
    if (!iso && !proprietary) return status(sw::kInsNotSupported);
    if ((cla == 0x00) != iso) return status(sw::kClaNotSupported);

    switch (ins) {
        case 0xA4:
            return select(command);
        case 0xB0:
            return read_binary(command);
        case 0xB2:
            return read_record(command);
        case 0x20:
            return verify(command);
        case 0x24:
            return change_reference_data(command);
        case 0x2A:
            return sign(command);
        default:
            break;
    }
    return status(sw::kInsNotSupported);
}

Reply VirtualCard::State::select(const CommandApdu& c) {
    if (c.p2() != 0x0C && c.p2() != 0x00) return status(sw::kWrongP1P2);
    switch (c.p1()) {
        case 0x00:  // MF: leaves every application
            if (!c.data().empty() && c.data() != Bytes{0x3F, 0x00}) return status(sw::kNotFound);
            reset_session();
            return status(sw::kOk);
        case 0x04: {  // DF by name; a failed SELECT leaves the selection as it was
            for (std::size_t i = 0; i < apps.size(); ++i) {
                if (apps[i].aid != c.data()) continue;
                reset_session();  // selecting an AP clears the security status (§2.1)
                current_app = i;
                if (c.p2() == 0x0C) return status(sw::kOk);
                Bytes fci{0x6F, static_cast<std::uint8_t>(2 + apps[i].aid.size()), 0x84,
                          static_cast<std::uint8_t>(apps[i].aid.size())};
                fci.insert(fci.end(), apps[i].aid.begin(), apps[i].aid.end());
                return {fci, sw::kOk};
            }
            return status(sw::kNotFound);
        }
        case 0x02: {  // EF by FID within the current AP
            if (c.data().size() != 2) return status(sw::kWrongLength);
            if (app() == nullptr) return status(sw::kNoCurrentEf);
            const auto fid = static_cast<std::uint16_t>(c.data()[0] << 8 | c.data()[1]);
            if (find(fid) == nullptr) return status(sw::kNotFound);
            current_ef = fid;
            return status(sw::kOk);
        }
        default:
            return status(sw::kWrongP1P2);
    }
}

Reply VirtualCard::State::read_binary(const CommandApdu& c) {
    if (!c.data().empty() || !c.le()) return status(sw::kWrongLength);
    std::size_t offset = 0;
    if ((c.p1() & 0x80) != 0) {  // short EF identifier in P1, 8-bit offset in P2
        if ((c.p1() & 0x60) != 0) return status(sw::kWrongP1P2);
        if (app() == nullptr) return status(sw::kNoCurrentEf);
        const auto fid = static_cast<std::uint16_t>(c.p1() & 0x1F);
        if (find(fid) == nullptr) return status(sw::kNotFound);
        current_ef = fid;
        offset = c.p2();
    } else {
        offset = static_cast<std::size_t>(c.p1()) << 8 | c.p2();
    }
    if (!current_ef) return status(sw::kNoCurrentEf);
    Ef* ef = find(*current_ef);
    auto* file = ef != nullptr ? std::get_if<DataEf>(ef) : nullptr;
    if (file == nullptr || !file->records.empty()) return status(sw::kIncompatibleFile);
    if (!opened(*file)) return status(sw::kSecurityNotSatisfied);
    if (offset >= file->content.size()) return status(sw::kWrongOffset);
    // Near the end of the file the answer is simply shorter than Le.
    const std::size_t n = std::min<std::size_t>(*c.le(), file->content.size() - offset);
    const auto begin = file->content.begin() + static_cast<std::ptrdiff_t>(offset);
    return {Bytes(begin, begin + static_cast<std::ptrdiff_t>(n)), sw::kOk};
}

Reply VirtualCard::State::read_record(const CommandApdu& c) {
    if (!c.data().empty()) return status(sw::kWrongLength);
    if ((c.p2() & 0x07) != 0x04 || c.p1() == 0) return status(sw::kWrongP1P2);
    if (app() == nullptr) return status(sw::kNoCurrentEf);
    if (const std::uint8_t sfi = c.p2() >> 3; sfi != 0) {
        if (find(sfi) == nullptr) return status(sw::kNotFound);
        current_ef = sfi;
    }
    if (!current_ef) return status(sw::kNoCurrentEf);
    Ef* ef = find(*current_ef);
    auto* file = ef != nullptr ? std::get_if<DataEf>(ef) : nullptr;
    if (file == nullptr || file->records.empty()) return status(sw::kIncompatibleFile);
    if (!opened(*file)) return status(sw::kSecurityNotSatisfied);
    if (c.p1() > file->records.size()) return status(sw::kRecordNotFound);
    Bytes record = file->records[c.p1() - 1U];
    if (c.le() && record.size() > *c.le()) record.resize(*c.le());
    return {std::move(record), sw::kOk};
}

Reply VirtualCard::State::verify(const CommandApdu& c) {
    if (c.p1() != 0x00) return status(sw::kWrongP1P2);
    if (c.le()) return status(sw::kWrongLength);
    if (c.p2() < 0x80 || c.p2() > 0x9E) return status(sw::kWrongP1P2);
    if (app() == nullptr) return status(sw::kNoCurrentEf);
    const auto fid = key_reference(c.p2());
    if (!fid) return status(sw::kNoCurrentEf);
    Ef* ef = find(*fid);
    if (ef == nullptr) return status(sw::kReferenceNotFound);
    auto* k = std::get_if<KeyEf>(ef);
    if (k == nullptr) return status(sw::kIncompatibleFile);
    if (k->refuse) return status(sw::kSecurityNotSatisfied);

    // No data: the retry counter, without spending a try (§5).
    if (c.data().empty()) return status(k->tries == 0 ? sw::kBlocked : sw::retries(k->tries));
    if (k->tries == 0) return status(sw::kBlocked);
    if (same_secret(k->secret, c.data())) {
        k->tries = k->max_tries;  // only a success resets the counter
        verified.insert(*fid);
        return status(sw::kOk);
    }
    --k->tries;
    verified.erase(*fid);
    return status(sw::retries(k->tries));
}

Reply VirtualCard::State::change_reference_data(const CommandApdu& c) {
    // Only the form real clients use: P1=01, the new value alone, after a VERIFY (§2.2).
    if (c.p1() != 0x01) return status(sw::kWrongP1P2);
    if (app() == nullptr) return status(sw::kNoCurrentEf);
    const auto fid = key_reference(c.p2());
    if (!fid) return status(c.p2() == 0x80 ? sw::kNoCurrentEf : sw::kWrongP1P2);
    Ef* ef = find(*fid);
    if (ef == nullptr) return status(sw::kReferenceNotFound);
    auto* k = std::get_if<KeyEf>(ef);
    if (k == nullptr) return status(sw::kIncompatibleFile);
    if (k->refuse || !verified.contains(*fid)) return status(sw::kSecurityNotSatisfied);
    if (c.data().empty()) return status(sw::kWrongLength);
    k->secret.assign(c.data().begin(), c.data().end());
    return status(sw::kOk);
}

Reply VirtualCard::State::sign(const CommandApdu& c) {
    // P1 = signature scheme; only 00 (PKCS#1 v1.5 over the data as given) is emulated.
    if (c.p1() != 0x00) return status(sw::kWrongP1P2);
    if (c.p2() < 0x80 || c.p2() > 0x9E) return status(sw::kWrongP1P2);
    const auto fid = key_reference(c.p2());
    if (app() == nullptr || !fid) return status(sw::kNoCurrentEf);
    Ef* ef = find(*fid);
    if (ef == nullptr) return status(sw::kReferenceNotFound);
    auto* k = std::get_if<PrivateKeyEf>(ef);
    if (k == nullptr) return status(sw::kIncompatibleFile);
    if (!verified.contains(k->unlocked_by)) return status(sw::kSecurityNotSatisfied);
    if (c.data().empty()) return status(sw::kWrongLength);
    if (c.data().size() > kMaxPkcs1Input || k->pem.empty()) {
        return status(sw::kConditionsNotSatisfied);
    }
    return {rsa_pkcs1_sign(k->pem, c.data()), sw::kOk};
}

VirtualCard::VirtualCard(VirtualCardConfig config) : state_(std::make_unique<State>()) {
    state_->atr = config.atr;
    state_->apps = build_applications(config);
    // The config's copies of the secrets are no longer needed.
    for (std::string* s : {&config.auth_pin, &config.sign_password, &config.text_pin}) {
        secure_wipe(s->data(), s->size());
    }
}

VirtualCard::~VirtualCard() = default;

Bytes VirtualCard::atr() const {
    const std::lock_guard lock(state_->mutex);
    return state_->atr;
}

Bytes VirtualCard::process(ByteView command) {
    try {
        ApduLogEntry entry;
        entry.command_hex = redacted_command_hex(command);
        std::function<void(const ApduLogEntry&)> sink;
        Bytes response;
        {
            const std::lock_guard lock(state_->mutex);
            Reply reply;
            try {
                reply = state_->dispatch(command);
            } catch (...) {
                reply = status(sw::kNoDiagnosis);
            }
            response = std::move(reply.data);
            response.push_back(static_cast<std::uint8_t>(reply.sw >> 8));
            response.push_back(static_cast<std::uint8_t>(reply.sw & 0xFF));

            const Application* app = state_->app();
            entry.application = ap_name(app != nullptr ? app->id : Ap::None);
            entry.ef = state_->current_ef;
            entry.sw_hex = fmt::format("{:04X}", reply.sw);
            state_->log.push_back(entry);
            if (state_->log.size() > kLogCapacity) state_->log.pop_front();
            sink = state_->sink;
        }
        // Outside the lock, so a sink may call back into the card.
        if (sink) {
            try {
                sink(entry);
            } catch (...) {  // NOLINT(bugprone-empty-catch): a logging failure is not the card's
            }
        }
        return response;
    } catch (...) {
        return {0x6F, 0x00};
    }
}

void VirtualCard::power_off() {
    const std::lock_guard lock(state_->mutex);
    state_->reset_session();
}

void VirtualCard::set_log_sink(std::function<void(const ApduLogEntry&)> sink) {
    const std::lock_guard lock(state_->mutex);
    state_->sink = std::move(sink);
}

std::vector<ApduLogEntry> VirtualCard::log() const {
    const std::lock_guard lock(state_->mutex);
    return {state_->log.begin(), state_->log.end()};
}

int VirtualCard::remaining_tries(std::string_view application, std::uint16_t key_ef) const {
    const std::lock_guard lock(state_->mutex);
    for (const Application& app : state_->apps) {
        if (ap_name(app.id) != application) continue;
        const auto it = app.files.find(key_ef);
        if (it == app.files.end()) return -1;
        const auto* k = std::get_if<KeyEf>(&it->second);
        return k != nullptr ? k->tries : -1;
    }
    return -1;
}

}  // namespace mynaq::sim
