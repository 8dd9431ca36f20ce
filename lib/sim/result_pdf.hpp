// Internal to lib/sim: the emulator's PDF form of a 薬剤/健診 result. A real PDF (one page,
// Helvetica, ASCII text: codes and figures, since a base-14 font has no Japanese), so that a
// client keeps and opens what a PDF request gets.
#pragma once

#include <string>

#include "mynaq/oqs/xml.hpp"

namespace mynaq::sim {

// The result message (as answer_drugs / answer_checkups build it) as a PDF.
std::string medical_result_pdf(const oqs::Node& result, std::string_view prefix);

}  // namespace mynaq::sim
