// PC/SC-Lite through RAII types. Every SCARD_* code is mapped to an Errc in one place
// (scard_errc), and every transmit runs under a watchdog: pcsc-lite has no transmit timeout,
// so a card that stops answering would otherwise hang the process (engineering.md §B8).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mynaq/error.hpp"
#include "mynaq/transport.hpp"

namespace mynaq::pcsc {

// Maps a PC/SC return code to the library's error code.
Errc scard_errc(long rv);
// Throws Error with the mapped code when rv is not SCARD_S_SUCCESS.
void check(long rv, const char* function);

struct ReaderState {
    std::string name;
    bool card_present = false;
    bool in_use = false;  // another process holds the card exclusively
    bool mute = false;    // the card does not answer its reset
    Bytes atr;
    unsigned long event_state = 0;  // raw SCARD_STATE_* bits, for change detection
};

// Shared by a context and its connections: once a transmit hung, no further PC/SC call may
// be made on the context (it would block on the client library's lock).
struct HangFlag {
    std::atomic<bool> hung{false};
};

class Context {
public:
    Context();  // throws PcscUnavailable when pcscd cannot be reached
    ~Context();
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    [[nodiscard]] std::vector<std::string> readers() const;  // empty when none
    [[nodiscard]] std::vector<ReaderState> reader_states() const;
    // Blocks until a reader's state differs from `known` or a reader appears or goes, or the
    // timeout ends (nullopt). Use reader_states() for the first snapshot.
    [[nodiscard]] std::optional<std::vector<ReaderState>> wait_for_change(
        const std::vector<ReaderState>& known, std::chrono::milliseconds timeout) const;

    [[nodiscard]] long handle() const { return handle_; }
    [[nodiscard]] const std::shared_ptr<HangFlag>& hang_flag() const { return hang_; }

private:
    long handle_ = 0;
    std::shared_ptr<HangFlag> hang_ = std::make_shared<HangFlag>();
};

// Picks a reader: `wanted` matches a reader name exactly, else as a case-insensitive
// substring. Without `wanted`, the first reader with a card in it.
// Throws NoReader, ReaderNotFound or NoCard.
std::string choose_reader(const std::vector<ReaderState>& states,
                          const std::optional<std::string>& wanted);

enum class ShareMode { Shared, Exclusive };

class CardConnection final : public Transport {
public:
    CardConnection(const Context& context, const std::string& reader, ShareMode mode,
                   std::chrono::milliseconds apdu_timeout);
    ~CardConnection() override;
    CardConnection(const CardConnection&) = delete;
    CardConnection& operator=(const CardConnection&) = delete;

    Bytes transmit(ByteView command) override;

    [[nodiscard]] const Bytes& atr() const { return atr_; }
    [[nodiscard]] std::string protocol_name() const;  // "T=0", "T=1", "RAW"
    [[nodiscard]] const std::string& reader() const { return reader_; }

    // Power the card down on close, so a verified PIN does not stay usable by others.
    void unpower_on_close() { unpower_on_close_ = true; }

    void begin_transaction();
    void end_transaction();

private:
    [[nodiscard]] bool card_still_present() const;

    long handle_ = 0;
    unsigned long protocol_ = 0;
    std::string reader_;
    Bytes atr_;
    std::chrono::milliseconds timeout_;
    std::shared_ptr<HangFlag> hang_;
    bool in_transaction_ = false;
    bool unpower_on_close_ = false;
};

// Holds a transaction for a scope so a multi-APDU sequence is not interleaved with another
// process's commands.
class Transaction {
public:
    explicit Transaction(CardConnection& connection) : connection_(connection) {
        connection_.begin_transaction();
    }
    ~Transaction() { connection_.end_transaction(); }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

private:
    CardConnection& connection_;
};

}  // namespace mynaq::pcsc
