#include "context.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iostream>

#include <fmt/format.h>

namespace mynaq::cli {

void AppContext::load() {
    // The language is needed to report a broken configuration, so settle it first.
    lang = detect_lang(options.lang, "");
    if (!options.config_file.empty()) {
        config = load_config(options.config_file);
    } else if (auto file = find_config_file()) {
        config = load_config(*file);
    }
    lang = detect_lang(options.lang, config.lang.value_or(""));
    if (options.wait_seconds >= 0) {
        config.wait_for_card =
            std::chrono::milliseconds(static_cast<long>(options.wait_seconds * 1000));
    }
}

std::optional<std::string> AppContext::reader() const {
    if (!options.reader.empty()) return options.reader;
    return config.reader;
}

void AppContext::emit_json(const nlohmann::json& document) const {
    std::cout << document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    std::cout.flush();
}

void AppContext::debug(std::string_view line) const {
    if (options.verbose > 0) std::cerr << "mynaq: " << line << '\n';
}

TranscriptSink AppContext::trace_sink() {
    if (options.trace_file.empty()) return {};
    if (!trace_) trace_ = std::make_shared<PrivateFile>(options.trace_file);
    auto out = trace_;
    return [out](const TranscriptEntry& e) {
        out->write(fmt::format("> {}\n< {}{}  ({:.1f} ms)\n", e.command_hex,
                               e.response_hex.empty() ? "" : e.response_hex + " ", e.sw_hex,
                               static_cast<double>(e.elapsed.count()) / 1000.0));
    };
}

int exit_status(Errc code) {
    switch (code) {
        case Errc::Usage:
        case Errc::InvalidArgument:
        case Errc::PinFormat:
            return 64;  // EX_USAGE
        case Errc::DataInvalid:
        case Errc::MessageInvalid:
        case Errc::CertInvalid:
        case Errc::CertUntrusted:
        case Errc::SignatureInvalid:
            return 65;  // EX_DATAERR
        case Errc::FileNotFound:
        case Errc::NoInput:
            return 66;  // EX_NOINPUT
        case Errc::PcscUnavailable:
        case Errc::NoReader:
        case Errc::ReaderNotFound:
        case Errc::NoCard:
        case Errc::NotMyNumberCard:
        case Errc::Unsupported:
        case Errc::NotFound:
        case Errc::ModelMissing:
        case Errc::CameraUnavailable:
            return 69;  // EX_UNAVAILABLE
        case Errc::Internal:
            return 70;  // EX_SOFTWARE
        case Errc::IoError:
        case Errc::StoreError:
            return 74;  // EX_IOERR
        case Errc::CardRemoved:
        case Errc::CardTimeout:
        case Errc::CardCommFailed:
        case Errc::CardBusy:
        case Errc::OqsTimeout:
        case Errc::NetworkError:
            return 75;  // EX_TEMPFAIL
        case Errc::CardError:
        case Errc::OqsFailed:
        case Errc::TlsError:
            return 76;  // EX_PROTOCOL
        case Errc::PinRequired:
        case Errc::PinWrong:
        case Errc::PinBlocked:
        case Errc::PinLastTry:
        case Errc::Forbidden:
        case Errc::ConsentMissing:
        case Errc::AuthFailed:
            return 77;  // EX_NOPERM
        case Errc::ConfigInvalid:
            return 78;  // EX_CONFIG
    }
    return 70;
}

// A card or reader failure at the counter leaves the patient unconfirmed: point staff to the
// fallback flow with the matching reason.
std::string_view fallback_reason(Errc code) {
    switch (code) {
        case Errc::PcscUnavailable:
        case Errc::NoReader:
        case Errc::ReaderNotFound:
            return "reader";
        case Errc::CardRemoved:
        case Errc::CardTimeout:
        case Errc::CardCommFailed:
        case Errc::NotMyNumberCard:
        case Errc::CardError:
            return "chip";
        case Errc::CertInvalid:
        case Errc::CertUntrusted:
            return "certificate";
        case Errc::PinBlocked:
            return "identity";
        default:
            return "";
    }
}

void report_error(const AppContext& context, const Error& error) {
    const ErrorText text = error_text(context.lang, error.code());
    const auto reason = fallback_reason(error.code());
    const std::string fallback =
        reason.empty() ? "" : fmt::format("mynaq fallback start --reason {}", reason);
    if (context.json()) {
        nlohmann::json e{{"code", std::string(errc_name(error.code()))},
                         {"message", std::string(text.message)},
                         {"detail", error.detail()},
                         {"hint", std::string(text.hint)}};
        for (const auto& [k, v] : error.fields()) e[k] = v;
        if (!fallback.empty()) e["fallback"] = fallback;
        context.emit_json({{"error", e}});
        return;
    }
    std::cerr << context.t("error.prefix") << ": " << text.message << " (" << error.detail()
              << ")\n"
              << "  " << context.t("hint.prefix") << ": " << text.hint << '\n';
    if (!fallback.empty()) {
        std::cerr << "  "
                  << fmt::format(fmt::runtime(std::string(context.t("fb.card_hint"))), fallback)
                  << '\n';
    }
}

}  // namespace mynaq::cli
