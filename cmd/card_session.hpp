// Opens the reader the user means and wraps it as a My Number card.
#pragma once

#include <memory>

#include "context.hpp"
#include "mynaq/card.hpp"
#include "mynaq/pcsc.hpp"

namespace mynaq::cli {

class CardSession {
public:
    // Waits up to the configured/--wait time for a card, connects, and (unless told not to)
    // checks that it is a My Number card.
    CardSession(AppContext& context, pcsc::ShareMode mode, bool detect = true);

    pcsc::Context& pcsc() { return context_; }
    pcsc::CardConnection& connection() { return *connection_; }
    card::MyNumberCard& card() { return *card_; }

private:
    pcsc::Context context_;
    std::unique_ptr<pcsc::CardConnection> connection_;
    std::unique_ptr<card::MyNumberCard> card_;
};

// Reads the face photo (券面事項確認AP, opened with 照合番号B): the counter is asked first and the
// code is refused at one try left unless `force`; the code comes from a prompt, stdin or the
// environment variable `code_env`, never from argv. Power is cut afterwards.
card::FacePhoto read_card_face_photo(AppContext& context, const std::string& code_env, bool force);

// Waits until a card is present in the wanted reader (or any) and returns that reader.
std::string wait_for_card(const pcsc::Context& context, const std::optional<std::string>& wanted,
                          std::chrono::milliseconds wait);

}  // namespace mynaq::cli
