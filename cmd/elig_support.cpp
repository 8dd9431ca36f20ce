#include "elig_support.hpp"

#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include <fmt/format.h>

#include "mynaq/error.hpp"
#include "mynaq/jst.hpp"
#include "mynaq/oqs/eligibility.hpp"

namespace mynaq::cli {

std::unique_ptr<Store> open_store(const AppContext& context) {
    std::unique_ptr<Store> store;
    if (!context.config.store.url.empty()) {
        // A server database shared by several terminals (store.url wins over store.path).
        store = open_store_url(context.config.store.url);
    } else {
        StoreOptions options;
        options.path =
            context.config.store.path.empty() ? default_store_path() : context.config.store.path;
        context.debug(fmt::format("store: {}", options.path.string()));
        store = open_sqlite_store(options);
    }
    store->set_operator(operator_name(context));
    return store;
}

std::string operator_name(const AppContext& context) {
    if (!context.options.operator_name.empty()) return context.options.operator_name;
    if (context.config.operator_name && !context.config.operator_name->empty()) {
        return *context.config.operator_name;
    }
    // The account, not $USER: the environment is easier to change than the uid.
    if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr && pw->pw_name != nullptr) {
        return pw->pw_name;
    }
    if (const char* user = std::getenv("USER"); user != nullptr && *user != '\0') return user;
    return fmt::format("uid:{}", ::geteuid());
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
    const auto calendar_day = [&d] {
        using namespace std::chrono;
        const year_month_day day{
            year{std::stoi(d.substr(0, 4))},
            month{static_cast<unsigned>(std::stoi(d.substr(4, 2)))},
            std::chrono::day{static_cast<unsigned>(std::stoi(d.substr(6, 2)))}};
        return day.ok();
    };
    // A day that does not exist (2026-02-30) would otherwise reach the 資格確認端末 and end in
    // its error, or in a timeout, instead of a usage error here.
    if (d.size() != 8 || d.find_first_not_of("0123456789") != std::string::npos ||
        !calendar_day()) {
        throw Error(
            Errc::InvalidArgument,
            fmt::format("{} must be a date like 2026-12-01 or 20261201, not '{}'", option, text),
            {{"option", option}});
    }
    return d;
}

}  // namespace mynaq::cli
