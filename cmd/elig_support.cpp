#include "elig_support.hpp"

#include <fmt/format.h>

#include "mynaq/error.hpp"
#include "mynaq/jst.hpp"
#include "mynaq/oqs/eligibility.hpp"

namespace mynaq::cli {

std::unique_ptr<Store> open_store(const AppContext& context) {
    StoreOptions options;
    options.path =
        context.config.store.path.empty() ? default_store_path() : context.config.store.path;
    context.debug(fmt::format("store: {}", options.path.string()));
    return open_sqlite_store(options);
}

std::unique_ptr<oqs::Exchange> open_exchange(const AppContext& context) {
    auto exchange = oqs::make_exchange(context.config);
    context.debug(fmt::format("transport: {}", exchange->kind()));
    return exchange;
}

std::string facility_code(const AppContext& context) {
    if (context.config.facility.code.empty()) {
        throw Error(Errc::ConfigInvalid,
                    "facility.code is not set: put the 10-digit 医療機関コード in the "
                    "configuration",
                    {{"key", "facility.code"}});
    }
    return context.config.facility.code;
}

std::string today_yyyymmdd() {
    std::string d = format_jst_date(now_seconds());
    std::erase(d, '-');
    return d;
}

std::string normalise_date(const std::string& text, const char* option) {
    std::string d = text;
    if (d.size() == 10 && d[4] == '-' && d[7] == '-') std::erase(d, '-');
    if (d.size() != 8 || d.find_first_not_of("0123456789") != std::string::npos) {
        throw Error(
            Errc::InvalidArgument,
            fmt::format("{} must be a date like 2026-12-01 or 20261201, not '{}'", option, text),
            {{"option", option}});
    }
    return d;
}

}  // namespace mynaq::cli
