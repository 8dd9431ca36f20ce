// The one error type of libmynaq: a symbolic code, an English detail and structured fields.
// cmd/ turns the code into a localised message, a hint and an exit status.
#pragma once

#include <exception>
#include <map>
#include <string>
#include <string_view>

namespace mynaq {

enum class Errc {
    Usage,              // a command-line or API argument that makes no sense
    InvalidArgument,    // a value given by the user is malformed (hex, PIN format, file name)
    ConfigInvalid,      // the YAML configuration cannot be used
    FileNotFound,       // an input file does not exist
    IoError,            // reading or writing a file failed
    PcscUnavailable,    // pcscd is not running or cannot be reached
    NoReader,           // no reader connected
    ReaderNotFound,     // --reader names a reader that is not there
    NoCard,             // reader present, no card in it
    CardRemoved,        // the card went away during the operation
    CardTimeout,        // the card stopped answering within the configured bound
    CardCommFailed,     // transport-level failure between reader and card
    CardBusy,           // another process holds the card exclusively
    NotMyNumberCard,    // JPKI AP not selectable
    CardError,          // the card answered with an unexpected status word
    DataInvalid,        // a structure read from the card or a file is malformed
    PinRequired,        // the token needs the PIN before this read (Android)
    PinWrong,           // VERIFY failed, tries remain
    PinBlocked,         // no tries left
    PinLastTry,         // refused: one try left and --force not given
    PinFormat,          // the PIN/照合番号 does not have the required form
    NoInput,            // a PIN was needed but nothing could be read (no TTY, empty stdin)
    CertInvalid,        // the certificate cannot be parsed or its signature fails
    CertUntrusted,      // the issuer is not among the installed trust anchors
    SignatureInvalid,   // the card's signature did not verify against the certificate
    Unsupported,        // the feature is not available on this token/build
    Forbidden,          // refused by policy: would read the 個人番号 or use 照合番号A
    ConsentMissing,     // the patient's consent to view this information is absent or expired
    MessageInvalid,     // an OQS message is not well-formed, too large, has a DTD or bad encoding
    OqsTimeout,         // the 資格確認端末 or Web API did not answer in time
    OqsFailed,          // the system answered with an error (.err, SegmentOfResult 9)
    NetworkError,       // the Web API could not be reached, or kept failing with 5xx
    TlsError,           // TLS failed: client certificate refused or server not verified
    AuthFailed,         // the Web API refused the login
    StoreError,         // the store cannot be opened, migrated or written
    NotFound,           // a record asked for by id or key does not exist
    ModelMissing,       // a face model file is not installed
    CameraUnavailable,  // the camera cannot be opened or gives no frame
    Internal,           // a bug: an invariant was broken
};

std::string_view errc_name(Errc code);  // "CARD_TIMEOUT", ...

class Error : public std::exception {
public:
    Error(Errc code, std::string detail, std::map<std::string, std::string> fields = {})
        : code_(code), detail_(std::move(detail)), fields_(std::move(fields)) {}

    [[nodiscard]] Errc code() const noexcept { return code_; }
    [[nodiscard]] const std::string& detail() const noexcept { return detail_; }
    [[nodiscard]] const std::map<std::string, std::string>& fields() const noexcept {
        return fields_;
    }
    [[nodiscard]] const char* what() const noexcept override { return detail_.c_str(); }

private:
    Errc code_;
    std::string detail_;
    std::map<std::string, std::string> fields_;
};

}  // namespace mynaq
