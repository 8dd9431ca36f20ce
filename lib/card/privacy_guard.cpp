#include <algorithm>

#include "mynaq/card.hpp"
#include "mynaq/error.hpp"

namespace mynaq::card {

namespace {

constexpr std::uint8_t kSelect = 0xA4;
constexpr std::uint8_t kReadBinary = 0xB0;
constexpr std::uint8_t kVerify = 0x20;

// Which application a SELECT by DF name reaches. The card accepts a prefix of a DF name
// (JICSAP 4.2(1)); a prefix shared by several applications is treated as unknown.
Application application_for_aid(ByteView aid) {
    Application found = Application::Other;
    int matches = 0;
    for (Application app : {Application::Jpki, Application::Text, Application::Surface,
                            Application::Common, Application::Juki}) {
        const ByteView full = application_aid(app);
        if (!aid.empty() && aid.size() <= full.size() &&
            std::equal(aid.begin(), aid.end(), full.begin())) {
            found = app;
            ++matches;
        }
    }
    return matches == 1 ? found : Application::Other;
}

std::uint16_t selected_fid(const CommandApdu& command) {
    const Bytes& d = command.data();
    if (d.size() < 2) return 0;
    return static_cast<std::uint16_t>(d[d.size() - 2] << 8 | d[d.size() - 1]);
}

[[noreturn]] void refuse(const std::string& what) {
    throw Error(Errc::Forbidden, what + ": mynaq never reads the 個人番号 nor uses 照合番号A");
}

}  // namespace

void PrivacyGuard::check(const CommandApdu& command) const {
    if (command.cla() != 0x00) return;
    // An unknown application might be 券面事項入力補助AP: be as careful as there. That includes
    // "nothing selected yet": in a shared connection another process may have left the card
    // in any application.
    const bool unknown = application_ == Application::Other || application_ == Application::None;
    const bool text = application_ == Application::Text || unknown;
    const bool surface = application_ == Application::Surface || unknown;
    const std::uint8_t p1 = command.p1();
    const std::uint8_t p2 = command.p2();

    if (command.ins() == kSelect && p1 != 0x04) {
        const std::uint16_t fid = selected_fid(command);
        if (text && (fid == 0x0001 || fid == 0x0014)) {
            refuse("selecting EF 0001/0014 of 券面事項入力補助AP");
        }
        if (surface && (fid == 0x0005 || fid == 0x0013)) {
            refuse("selecting EF 0005/0013 of 券面事項確認AP");
        }
    }
    // READ BINARY with P1 = 80|SFI selects the EF implicitly.
    if (command.ins() == kReadBinary && (p1 & 0x80) != 0) {
        const int sfi = p1 & 0x1F;
        if (text && sfi == 0x01) refuse("reading 券面事項入力補助AP EF 0001 by SFI");
        if (surface && sfi == 0x05) refuse("reading 券面事項確認AP EF 0005 by SFI");
    }
    // VERIFY by SFI (P2 = 80|SFI) against the 照合番号A keys.
    if (command.ins() == kVerify && p2 != 0x80 && (p2 & 0x80) != 0) {
        const int sfi = p2 & 0x1F;
        if (text && sfi == 0x14) refuse("VERIFY of 照合番号A");
        if (surface && sfi == 0x13) refuse("VERIFY of 照合番号A");
    }
}

void PrivacyGuard::observe(const CommandApdu& command, StatusWord sw) {
    if (command.cla() != 0x00 || command.ins() != kSelect || command.p1() != 0x04) return;
    // A failed SELECT by name may still have changed the current DF on some cards.
    application_ = sw.ok() ? application_for_aid(command.data()) : Application::Other;
}

}  // namespace mynaq::card
