// The usage report for people and scripts: CSV for Excel, JSON, and a self-contained HTML page
// with an SVG chart of the rate against the thresholds.
#pragma once

#include <string>

#include "mynaq/report/usage.hpp"

namespace mynaq::report {

// UTF-8 with a BOM, CRLF, stable English column names: site, site_name, month, users,
// receipts, local_rate, notified_rate, rate, rate_kind (rates in percent with two decimals,
// empty when unknown). Totals rows have site "total".
std::string usage_csv(const UsageReport& report);

// {"from","to","sites":[{code,name,type}],"rows":[{site,month,users,receipts,local_rate,
//  notified_rate,rate,rate_kind}],"thresholds":[...],"uncertain":bool}; unknown values null.
std::string usage_json(const UsageReport& report);

// A self-contained HTML document (inline CSS and SVG, no scripts, no external resources), laid
// out for a 1000 px wide screen and A4 landscape print: the title and range, one line chart
// of the rate that counts per site (notified points filled, local estimates hollow), a
// dashed line per level threshold across the months its period covers (labelled, uncertain
// periods marked "要確認"/"uncertain"), and the table of figures. lang: "ja" | "en" (else
// Error{Usage}). Every text is HTML-escaped.
std::string usage_html(const UsageReport& report, const std::string& lang,
                       const std::string& title);

}  // namespace mynaq::report
