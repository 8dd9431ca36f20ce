#include "card_session.hpp"

#include <algorithm>
#include <thread>

#include "secret_input.hpp"

namespace mynaq::cli {

std::string wait_for_card(const pcsc::Context& context, const std::optional<std::string>& wanted,
                          std::chrono::milliseconds wait) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    auto states = context.reader_states();
    while (true) {
        try {
            std::string name = pcsc::choose_reader(states, wanted);
            for (const auto& s : states) {
                if (s.name == name && s.card_present) return name;
            }
            throw Error(Errc::NoCard, "no card in reader \"" + name + "\"", {{"reader", name}});
        } catch (const Error& e) {
            const bool may_wait = e.code() == Errc::NoCard || e.code() == Errc::NoReader;
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (!may_wait || left.count() <= 0) throw;
            if (auto changed = context.wait_for_change(states, left)) states = *changed;
        }
    }
}

CardSession::CardSession(AppContext& context, pcsc::ShareMode mode, bool detect) {
    const std::string reader =
        wait_for_card(context_, context.reader(), context.config.wait_for_card);
    context.debug("reader: " + reader);
    // Another program may hold the card for a moment (a PIN check takes it exclusively):
    // wait a little for it rather than fail at the counter.
    const auto busy_deadline =
        std::chrono::steady_clock::now() +
        std::max<std::chrono::milliseconds>(std::chrono::seconds(3), context.config.wait_for_card);
    while (true) {
        try {
            connection_ = std::make_unique<pcsc::CardConnection>(context_, reader, mode,
                                                                 context.config.apdu_timeout);
            break;
        } catch (const Error& e) {
            if (e.code() != Errc::CardBusy || std::chrono::steady_clock::now() > busy_deadline) {
                throw;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    // One transaction for the whole command: another program sharing the reader cannot slip
    // a SELECT between our SELECT and READ BINARY. The connection ends it on close.
    if (mode == pcsc::ShareMode::Shared) connection_->begin_transaction();
    card_ = std::make_unique<card::MyNumberCard>(*connection_);
    card_->channel().set_transcript(context.trace_sink());
    if (detect) card_->detect();
}

card::FacePhoto read_card_face_photo(AppContext& context, const std::string& code_env, bool force) {
    CardSession session(context, pcsc::ShareMode::Exclusive);
    session.connection().unpower_on_close();
    auto& card = session.card();
    card.select_application(card::Application::Surface);
    card::check_may_send(card.pin_status(card::Credential::VerificationB), force);
    const SecretString code =
        card::verification_b_from_input(read_secret(context, "prompt.verification_b", {code_env}));
    return card.read_face_photo(code, force);
}

}  // namespace mynaq::cli
