#include "mynaq/pcsc.hpp"

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "mynaq/error.hpp"

namespace mynaq::pcsc {

Errc scard_errc(long rv) {
    switch (rv) {
        case SCARD_E_NO_SERVICE:
        case SCARD_E_SERVICE_STOPPED:
        case SCARD_E_NO_ACCESS:
            return Errc::PcscUnavailable;
        case SCARD_E_NO_READERS_AVAILABLE:
            return Errc::NoReader;
        case SCARD_E_UNKNOWN_READER:
        case SCARD_E_READER_UNAVAILABLE:
            return Errc::ReaderNotFound;
        case SCARD_E_NO_SMARTCARD:
        case SCARD_W_REMOVED_CARD:
            return Errc::CardRemoved;
        case SCARD_E_SHARING_VIOLATION:
            return Errc::CardBusy;
        case SCARD_E_TIMEOUT:
            return Errc::CardTimeout;
        case SCARD_W_UNRESPONSIVE_CARD:
        case SCARD_W_UNPOWERED_CARD:
        case SCARD_W_RESET_CARD:
        case SCARD_E_NOT_READY:
        case SCARD_F_COMM_ERROR:
        case SCARD_E_PROTO_MISMATCH:
        case SCARD_E_NOT_TRANSACTED:
            return Errc::CardCommFailed;
        case SCARD_W_UNSUPPORTED_CARD:
        case SCARD_E_CARD_UNSUPPORTED:
            return Errc::NotMyNumberCard;
        default:
            return Errc::Internal;
    }
}

void check(long rv, const char* function) {
    if (rv == SCARD_S_SUCCESS) return;
    throw Error(scard_errc(rv),
                fmt::format("{}: {} (0x{:08X})", function, pcsc_stringify_error(rv),
                            static_cast<unsigned long>(rv)),
                {{"pcsc_function", function},
                 {"pcsc_code", fmt::format("0x{:08X}", static_cast<unsigned long>(rv))}});
}

Context::Context() {
    SCARDCONTEXT ctx = 0;
    check(SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx),
          "SCardEstablishContext");
    handle_ = ctx;
}

Context::~Context() {
    // After a hung transmit the client library's lock is held forever; releasing would block.
    if (!hang_->hung.load()) SCardReleaseContext(handle_);
}

std::vector<std::string> Context::readers() const {
    DWORD size = 0;
    LONG rv = SCardListReaders(handle_, nullptr, nullptr, &size);
    if (rv == SCARD_E_NO_READERS_AVAILABLE) return {};
    check(rv, "SCardListReaders");
    std::string buffer(size, '\0');
    rv = SCardListReaders(handle_, nullptr, buffer.data(), &size);
    if (rv == SCARD_E_NO_READERS_AVAILABLE) return {};
    check(rv, "SCardListReaders");
    std::vector<std::string> names;
    for (std::size_t pos = 0; pos < buffer.size() && buffer[pos] != '\0';) {
        std::string name(buffer.c_str() + pos);
        pos += name.size() + 1;
        names.push_back(std::move(name));
    }
    return names;
}

namespace {

ReaderState to_state(const SCARD_READERSTATE& s) {
    ReaderState r;
    r.name = s.szReader;
    r.card_present = (s.dwEventState & SCARD_STATE_PRESENT) != 0;
    r.in_use = (s.dwEventState & SCARD_STATE_EXCLUSIVE) != 0;
    r.mute = (s.dwEventState & SCARD_STATE_MUTE) != 0;
    if (r.card_present) r.atr.assign(s.rgbAtr, s.rgbAtr + std::min<DWORD>(s.cbAtr, MAX_ATR_SIZE));
    // The upper 16 bits hold an event counter; keep only the state bits for comparisons.
    r.event_state = s.dwEventState & 0xFFFF & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
    return r;
}

std::vector<SCARD_READERSTATE> make_states(const std::vector<std::string>& names,
                                           const std::vector<ReaderState>& known) {
    std::vector<SCARD_READERSTATE> states(names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
        states[i].szReader = names[i].c_str();
        states[i].dwCurrentState = SCARD_STATE_UNAWARE;
        for (const auto& k : known) {
            if (k.name == names[i]) states[i].dwCurrentState = k.event_state;
        }
    }
    return states;
}

}  // namespace

std::vector<ReaderState> Context::reader_states() const {
    const auto names = readers();
    if (names.empty()) return {};
    auto states = make_states(names, {});
    LONG rv = SCardGetStatusChange(handle_, 0, states.data(), static_cast<DWORD>(states.size()));
    if (rv != SCARD_E_TIMEOUT) check(rv, "SCardGetStatusChange");
    std::vector<ReaderState> out;
    for (const auto& s : states) out.push_back(to_state(s));
    return out;
}

std::optional<std::vector<ReaderState>> Context::wait_for_change(
    const std::vector<ReaderState>& known, std::chrono::milliseconds timeout) const {
    const auto names = readers();
    auto states = make_states(names, known);
    // The PnP pseudo-reader reports readers that appear or go away.
    static const char kPnp[] = "\\\\?PnP?\\Notification";
    SCARD_READERSTATE pnp{};
    pnp.szReader = kPnp;
    pnp.dwCurrentState = static_cast<DWORD>(names.size()) << 16;
    states.push_back(pnp);
    const LONG rv = SCardGetStatusChange(handle_, static_cast<DWORD>(timeout.count()),
                                         states.data(), static_cast<DWORD>(states.size()));
    if (rv == SCARD_E_TIMEOUT) return std::nullopt;
    check(rv, "SCardGetStatusChange");
    return reader_states();
}

std::string choose_reader(const std::vector<ReaderState>& states,
                          const std::optional<std::string>& wanted) {
    if (states.empty()) throw Error(Errc::NoReader, "no smart-card reader is connected");
    if (wanted) {
        for (const auto& s : states) {
            if (s.name == *wanted) return s.name;
        }
        auto lower = [](std::string text) {
            std::transform(text.begin(), text.end(), text.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            return text;
        };
        const std::string needle = lower(*wanted);
        for (const auto& s : states) {
            if (lower(s.name).find(needle) != std::string::npos) return s.name;
        }
        throw Error(Errc::ReaderNotFound, fmt::format("no reader matches \"{}\"", *wanted),
                    {{"reader", *wanted}});
    }
    for (const auto& s : states) {
        if (s.card_present) return s.name;
    }
    throw Error(Errc::NoCard, "no card in any reader", {{"reader", states.front().name}});
}

CardConnection::CardConnection(const Context& context, const std::string& reader, ShareMode mode,
                               std::chrono::milliseconds apdu_timeout)
    : reader_(reader), timeout_(apdu_timeout), hang_(context.hang_flag()) {
    SCARDHANDLE card = 0;
    DWORD protocol = 0;
    const LONG rv =
        SCardConnect(context.handle(), reader.c_str(),
                     mode == ShareMode::Exclusive ? SCARD_SHARE_EXCLUSIVE : SCARD_SHARE_SHARED,
                     SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &protocol);
    if (rv == SCARD_E_NO_SMARTCARD || rv == SCARD_W_REMOVED_CARD) {
        throw Error(Errc::NoCard, fmt::format("no card in reader \"{}\"", reader),
                    {{"reader", reader}});
    }
    check(rv, "SCardConnect");
    handle_ = card;
    protocol_ = protocol;

    char name[256];
    DWORD name_len = sizeof name;
    DWORD state = 0;
    BYTE atr[MAX_ATR_SIZE];
    DWORD atr_len = sizeof atr;
    if (SCardStatus(card, name, &name_len, &state, &protocol, atr, &atr_len) == SCARD_S_SUCCESS) {
        atr_.assign(atr, atr + atr_len);
    }
}

CardConnection::~CardConnection() {
    if (hang_->hung.load()) return;
    if (in_transaction_) SCardEndTransaction(handle_, SCARD_LEAVE_CARD);
    SCardDisconnect(handle_, unpower_on_close_ ? SCARD_UNPOWER_CARD : SCARD_LEAVE_CARD);
}

std::string CardConnection::protocol_name() const {
    switch (protocol_) {
        case SCARD_PROTOCOL_T0:
            return "T=0";
        case SCARD_PROTOCOL_T1:
            return "T=1";
        case SCARD_PROTOCOL_RAW:
            return "RAW";
        default:
            return "unknown";
    }
}

void CardConnection::begin_transaction() {
    if (hang_->hung.load()) throw Error(Errc::CardTimeout, "the card stopped answering");
    check(SCardBeginTransaction(handle_), "SCardBeginTransaction");
    in_transaction_ = true;
}

void CardConnection::end_transaction() {
    if (!in_transaction_ || hang_->hung.load()) return;
    SCardEndTransaction(handle_, SCARD_LEAVE_CARD);
    in_transaction_ = false;
}

bool CardConnection::card_still_present() const {
    for (int i = 0; i < 15; ++i) {
        char name[256];
        DWORD name_len = sizeof name;
        DWORD state = 0;
        DWORD protocol = 0;
        BYTE atr[MAX_ATR_SIZE];
        DWORD atr_len = sizeof atr;
        const LONG rv = SCardStatus(handle_, name, &name_len, &state, &protocol, atr, &atr_len);
        if (rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD ||
            (rv == SCARD_S_SUCCESS && (state & SCARD_PRESENT) == 0)) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return true;
}

namespace {

// State of one transmit shared with its worker thread; the worker may outlive the caller
// when the card hangs, so everything it touches lives here.
struct TransmitJob {
    std::mutex mutex;
    std::condition_variable done_cv;
    bool done = false;
    LONG rv = SCARD_S_SUCCESS;
    Bytes command;
    Bytes response = Bytes(258 + 2);
    DWORD response_len = 0;
};

}  // namespace

Bytes CardConnection::transmit(ByteView command) {
    if (hang_->hung.load()) {
        throw Error(Errc::CardTimeout, "the card stopped answering earlier in this session");
    }
    auto job = std::make_shared<TransmitJob>();
    job->command.assign(command.begin(), command.end());
    job->response_len = static_cast<DWORD>(job->response.size());
    const SCARDHANDLE handle = handle_;
    const SCARD_IO_REQUEST* pci = protocol_ == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;

    std::thread worker([job, handle, pci] {
        SCARD_IO_REQUEST recv_pci{};
        const LONG rv =
            SCardTransmit(handle, pci, job->command.data(), static_cast<DWORD>(job->command.size()),
                          &recv_pci, job->response.data(), &job->response_len);
        secure_wipe(job->command.data(), job->command.size());
        std::lock_guard lock(job->mutex);
        job->rv = rv;
        job->done = true;
        job->done_cv.notify_one();
    });

    std::unique_lock lock(job->mutex);
    if (!job->done_cv.wait_for(lock, timeout_, [&] { return job->done; })) {
        lock.unlock();
        hang_->hung.store(true);
        worker.detach();  // blocked inside pcsc-lite; the process ends soon after
        throw Error(Errc::CardTimeout,
                    fmt::format("the card did not answer within {} ms", timeout_.count()),
                    {{"timeout_ms", std::to_string(timeout_.count())}, {"reader", reader_}});
    }
    lock.unlock();
    worker.join();
    check(job->rv, "SCardTransmit");
    if (job->response_len < 2) {
        // vpcd (and some readers) report a vanished card as an empty answer; pcscd notices the
        // removal on its next poll, so ask it for a moment before calling it a removal.
        throw Error(card_still_present() ? Errc::CardCommFailed : Errc::CardRemoved,
                    "the reader returned no status word", {{"reader", reader_}});
    }
    job->response.resize(job->response_len);
    return std::move(job->response);
}

}  // namespace mynaq::pcsc
