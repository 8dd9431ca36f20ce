#include "fallback_common.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "audit_common.hpp"
#include "mynaq/error.hpp"

namespace mynaq::store::detail {

void require_fallback_row(const FallbackCaseRow& row) {
    require_iso_date(row.case_date, "the date of a fallback case");
    if (row.state.empty()) throw Error(Errc::InvalidArgument, "a fallback case needs a state");
}

std::string substring_like_pattern(std::string_view text) {
    std::string out = "%";
    for (char c : text) {
        if (c == '%' || c == '_' || c == '\\') out += '\\';
        out += c;
    }
    out += '%';
    return out;
}

std::string fallback_object(std::int64_t id) {
    return fmt::format("fallback:{}", id);
}

std::string fallback_add_detail(const FallbackCaseRow& row) {
    return nlohmann::json{{"state", row.state}, {"date", row.case_date}}.dump();
}

std::string fallback_update_detail(const FallbackCaseRow& row, int new_revision) {
    return nlohmann::json{{"state", row.state}, {"revision", new_revision}}.dump();
}

void fallback_not_found(std::int64_t id, std::string_view location) {
    throw Error(Errc::NotFound, fmt::format("no fallback case {} in the store {}", id, location),
                {{"path", std::string(location)}, {"id", std::to_string(id)}});
}

void fallback_conflict(const FallbackCaseRow& row, int stored_revision, std::string_view location) {
    throw Error(Errc::StoreError,
                fmt::format("fallback case {} was changed by another terminal since it was read; "
                            "show it again and retry",
                            row.id),
                {{"path", std::string(location)},
                 {"id", std::to_string(row.id)},
                 {"revision", std::to_string(row.revision)},
                 {"stored_revision", std::to_string(stored_revision)}});
}

}  // namespace mynaq::store::detail
