// How mynaq info shows a medication history and check-ups: newest first, grouped the way a
// doctor or pharmacist reads them (month, source, date, institution), and as JSON.
#pragma once

#include <nlohmann/json.hpp>

#include "context.hpp"
#include "mynaq/oqs/medical_retrieval.hpp"

namespace mynaq::cli {

void print_medical_retrieval(const AppContext& context, const oqs::MedicalRetrieval& r);
nlohmann::json medical_retrieval_json(const oqs::MedicalRetrieval& r);

}  // namespace mynaq::cli
