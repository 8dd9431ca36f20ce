// What the elig commands share: the store and transport from the configuration, the facility
// code, and today's date in the forms OQS uses.
#pragma once

#include <memory>
#include <string>

#include "context.hpp"
#include "mynaq/oqs/exchange.hpp"
#include "mynaq/store.hpp"

namespace mynaq::cli {

// The store from the configuration, its operator set (operator_name()) for the audit trail.
std::unique_ptr<Store> open_store(const AppContext& context);
// Who is at the terminal: --operator, else `operator` in the configuration, else the login
// name of the process.
std::string operator_name(const AppContext& context);
std::unique_ptr<oqs::Exchange> open_exchange(const AppContext& context);
// facility.code, or Error{ConfigInvalid} saying where to set it.
std::string facility_code(const AppContext& context);
// yyyyMMdd in JST.
std::string today_yyyymmdd();
// Accepts yyyymmdd or yyyy-mm-dd; returns yyyymmdd or throws Error{InvalidArgument}.
std::string normalise_date(const std::string& text, const char* option);

}  // namespace mynaq::cli
