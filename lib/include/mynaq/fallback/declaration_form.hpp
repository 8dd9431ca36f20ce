// The printable 被保険者資格申立書 (policy.md §3.3): one A4 page the patient fills in, or checks
// and signs, when the insurance cannot be confirmed online.
#pragma once

#include <optional>
#include <string>

#include "mynaq/fallback/case.hpp"

namespace mynaq::fallback {

struct FormContext {
    std::string facility_name;  // the form is addressed to it (御中)
    std::string facility_code;  // 医療機関コード, printed small under the name when given
    // "ja" | "en". The form stays Japanese-first either way: "en" adds small English
    // subtitles under the labels for patients who do not read Japanese.
    std::string lang = "ja";
};

// A self-contained HTML document (inline CSS, no scripts, no external resources) laid out
// for A4 portrait print and for a 794x1123 px (A4 at 96 dpi) screen. nullopt gives the blank
// form with every box empty and every checkbox unchecked. The signature box is always empty:
// only the patient signs. Every value is HTML-escaped. Throws Error{Usage} for an unknown
// lang.
std::string declaration_form_html(const std::optional<Declaration>& filled, const FormContext& ctx);

}  // namespace mynaq::fallback
