#include "mynaq/error.hpp"

namespace mynaq {

std::string_view errc_name(Errc code) {
    switch (code) {
        case Errc::Usage:
            return "USAGE";
        case Errc::InvalidArgument:
            return "INVALID_ARGUMENT";
        case Errc::ConfigInvalid:
            return "CONFIG_INVALID";
        case Errc::FileNotFound:
            return "FILE_NOT_FOUND";
        case Errc::IoError:
            return "IO_ERROR";
        case Errc::PcscUnavailable:
            return "PCSC_UNAVAILABLE";
        case Errc::NoReader:
            return "NO_READER";
        case Errc::ReaderNotFound:
            return "READER_NOT_FOUND";
        case Errc::NoCard:
            return "NO_CARD";
        case Errc::CardRemoved:
            return "CARD_REMOVED";
        case Errc::CardTimeout:
            return "CARD_TIMEOUT";
        case Errc::CardCommFailed:
            return "CARD_COMM_FAILED";
        case Errc::CardBusy:
            return "CARD_BUSY";
        case Errc::NotMyNumberCard:
            return "NOT_MYNUMBER_CARD";
        case Errc::CardError:
            return "CARD_ERROR";
        case Errc::DataInvalid:
            return "DATA_INVALID";
        case Errc::PinRequired:
            return "PIN_REQUIRED";
        case Errc::PinWrong:
            return "PIN_WRONG";
        case Errc::PinBlocked:
            return "PIN_BLOCKED";
        case Errc::PinLastTry:
            return "PIN_LAST_TRY";
        case Errc::PinFormat:
            return "PIN_FORMAT";
        case Errc::NoInput:
            return "NO_INPUT";
        case Errc::CertInvalid:
            return "CERT_INVALID";
        case Errc::CertUntrusted:
            return "CERT_UNTRUSTED";
        case Errc::SignatureInvalid:
            return "SIGNATURE_INVALID";
        case Errc::Unsupported:
            return "UNSUPPORTED";
        case Errc::Forbidden:
            return "FORBIDDEN";
        case Errc::ConsentMissing:
            return "CONSENT_MISSING";
        case Errc::MessageInvalid:
            return "MESSAGE_INVALID";
        case Errc::OqsTimeout:
            return "OQS_TIMEOUT";
        case Errc::OqsFailed:
            return "OQS_FAILED";
        case Errc::NetworkError:
            return "NETWORK_ERROR";
        case Errc::TlsError:
            return "TLS_ERROR";
        case Errc::AuthFailed:
            return "AUTH_FAILED";
        case Errc::StoreError:
            return "STORE_ERROR";
        case Errc::NotFound:
            return "NOT_FOUND";
        case Errc::ModelMissing:
            return "MODEL_MISSING";
        case Errc::CameraUnavailable:
            return "CAMERA_UNAVAILABLE";
        case Errc::Internal:
            return "INTERNAL";
    }
    return "INTERNAL";
}

}  // namespace mynaq
