// What every command needs: global options, configuration, language, output streams and the
// APDU trace. Commands print through here so --json always yields exactly one document.
#pragma once

#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "i18n.hpp"
#include "mynaq/config.hpp"
#include "mynaq/error.hpp"
#include "mynaq/files.hpp"
#include "mynaq/transport.hpp"

namespace mynaq::cli {

struct GlobalOptions {
    bool json = false;
    std::string lang;         // "", "ja", "en"
    std::string config_file;  // --config
    std::string reader;       // --reader
    int verbose = 0;
    std::string trace_file;     // --trace
    double wait_seconds = -1;   // card --wait; negative: from the configuration
    std::string operator_name;  // --operator: who is at the terminal (audit trail)
};

class AppContext {
public:
    GlobalOptions options;
    Config config;
    Lang lang = Lang::En;
    std::vector<std::string> argv;  // the command line as given (mynaq face hands it on)

    // After parsing: reads the configuration and settles the language.
    void load();

    [[nodiscard]] std::string_view t(std::string_view key) const { return tr(lang, key); }
    [[nodiscard]] bool json() const { return options.json; }
    [[nodiscard]] std::optional<std::string> reader() const;

    void emit_json(const nlohmann::json& document) const;
    // Verbose diagnostics on stderr (-v).
    void debug(std::string_view line) const;

    // A transcript sink writing to --trace (file 0600), or empty when not tracing.
    TranscriptSink trace_sink();

private:
    std::shared_ptr<PrivateFile> trace_;
};

// The exit status of each error code (sysexits.h); documented in man/mynaq.1.md.
int exit_status(Errc code);

// Prints an error as JSON on stdout or as "ERROR: ..." plus the next step on stderr.
void report_error(const AppContext& context, const Error& error);

}  // namespace mynaq::cli
