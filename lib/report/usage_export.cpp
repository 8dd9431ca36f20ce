#include "mynaq/report/usage_export.hpp"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "mynaq/csv.hpp"

namespace mynaq::report {

namespace {

std::string two_decimals(const std::optional<double>& v) {
    return v ? fmt::format("{:.2f}", *v) : std::string();
}

nlohmann::json number_or_null(const std::optional<double>& v) {
    // Rounded as shown, so that a script and a person read the same figure.
    return v ? nlohmann::json(std::round(*v * 100.0) / 100.0) : nlohmann::json(nullptr);
}

std::string site_name(const UsageReport& report, const std::string& code) {
    for (const auto& s : report.sites) {
        if (s.code == code) return s.name;
    }
    return {};
}

}  // namespace

std::string usage_csv(const UsageReport& report) {
    std::string out(kUtf8Bom);
    out += csv_row({"site", "site_name", "month", "users", "receipts", "local_rate",
                    "notified_rate", "rate", "rate_kind"});
    for (const auto& row : report.rows) {
        const auto rate = row.rate();
        out += csv_row({row.site.empty() ? "total" : row.site, site_name(report, row.site),
                        row.month.text(), std::to_string(row.users),
                        row.receipts ? std::to_string(*row.receipts) : "",
                        two_decimals(row.local_rate), two_decimals(row.notified_rate),
                        two_decimals(rate ? std::optional(rate->percent) : std::nullopt),
                        rate ? rate->kind : ""});
    }
    return out;
}

std::string usage_json(const UsageReport& report) {
    nlohmann::json out;
    out["from"] = report.from.text();
    out["to"] = report.to.text();
    out["sites"] = nlohmann::json::array();
    for (const auto& s : report.sites) {
        out["sites"].push_back({{"code", s.code},
                                {"name", s.name},
                                {"type", s.facility.type},
                                {"paediatric_exception", s.facility.paediatric_exception}});
    }
    out["rows"] = nlohmann::json::array();
    for (const auto& row : report.rows) {
        const auto rate = row.rate();
        out["rows"].push_back(
            {{"site", row.site},
             {"month", row.month.text()},
             {"users", row.users},
             {"receipts", row.receipts ? nlohmann::json(*row.receipts) : nlohmann::json()},
             {"local_rate", number_or_null(row.local_rate)},
             {"notified_rate", number_or_null(row.notified_rate)},
             {"rate", number_or_null(rate ? std::optional(rate->percent) : std::nullopt)},
             {"rate_kind", rate ? nlohmann::json(rate->kind) : nlohmann::json()}});
    }
    out["thresholds"] = nlohmann::json::array();
    for (const auto& t : report.thresholds) {
        out["thresholds"].push_back({{"month", t.month.text()},
                                     {"applies_to", t.applies_to.text()},
                                     {"level", t.level},
                                     {"threshold", t.threshold},
                                     {"uncertain", t.uncertain}});
    }
    out["uncertain"] = report.uncertain;
    return out.dump(2) + "\n";
}

}  // namespace mynaq::report
