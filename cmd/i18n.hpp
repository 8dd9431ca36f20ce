// What staff read, in Japanese and English. One catalogue; the locale (or --lang) picks.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "mynaq/error.hpp"

namespace mynaq::cli {

enum class Lang { Ja, En };

// --lang wins, then config, then LC_ALL / LC_MESSAGES / LANG (ja_* -> Japanese).
Lang detect_lang(std::string_view from_option, std::string_view from_config);

struct CatalogueEntry {
    std::string_view key, ja, en;
};
// The catalogue is kept in parts by command group; tr() reads them all.
std::span<const CatalogueEntry> fallback_catalogue();
std::span<const CatalogueEntry> report_catalogue();
std::span<const CatalogueEntry> face_catalogue();
std::span<const CatalogueEntry> info_catalogue();

// Text for a catalogue key; an unknown key is a bug and returns the key itself.
std::string_view tr(Lang lang, std::string_view key);

struct ErrorText {
    std::string_view message;  // what happened
    std::string_view hint;     // what to do next
};
ErrorText error_text(Lang lang, Errc code);

}  // namespace mynaq::cli
