// What the consent commands share: naming the patient on the command line, and showing
// categories, sources and times the way staff read them.
#pragma once

#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "context.hpp"
#include "mynaq/consent.hpp"

namespace mynaq::cli {

// --patient KEY, or --reference N, or --insurer … --number … [--symbol …] [--branch …]
// --birthdate D.
struct PatientOptions {
    std::string patient;
    std::string reference;
    std::string insurer;
    std::string symbol;
    std::string number;
    std::string branch;
    std::string birthdate;
};

void add_patient_options(CLI::App& command, PatientOptions& options);
// The ledger key (patient_key() of lib/consent); Error{Usage} unless exactly one way of naming
// the patient is given.
std::string resolve_patient(const PatientOptions& options);

// Every CLI category name (drugs, diagnosis, ...), for --category.
std::vector<std::string> category_names();

std::string category_label(const AppContext& context, std::string_view stem);
std::string source_text(const AppContext& context, std::string_view source);
std::string flag_text(const AppContext& context, std::string_view flag);
std::string reason_text(const AppContext& context, std::string_view reason);
// "2026-12-02 09:30 JST" for an ISO time; anything else as it is.
std::string time_text(std::string_view iso);

bool stdin_is_terminal();

// Text padded to a column, always followed by at least two spaces.
std::string cell(std::string_view text, std::size_t width);

}  // namespace mynaq::cli
