#include "mynaq/report/usage_export.hpp"

#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "mynaq/error.hpp"
#include "mynaq/html.hpp"

namespace mynaq::report {

namespace {

struct Labels {
    std::string_view range;
    std::string_view range_sep;
    std::string_view chart_title;
    std::string_view total;
    std::string_view notified;
    std::string_view local;
    std::string_view level;
    std::string_view uncertain;
    std::string_view threshold;
    std::string_view site;
    std::string_view month;
    std::string_view users;
    std::string_view receipts;
    std::string_view local_rate;
    std::string_view notified_rate;
    std::string_view rate;
    std::string_view kind_notified;
    std::string_view kind_local;
    std::string_view note_points;
    std::string_view note_lag;  // {0} months, {1} a month, {2} the 算定 month it counts for
    std::string_view note_no_thresholds;
    std::string_view note_uncertain;
    std::string_view applies;  // {0} level label, {1} first and {2} last 算定 month
};

constexpr Labels kJa{
    "対象期間",
    " 〜 ",
    "マイナ保険証利用率 (%)",
    "合計",
    "通知 (支払基金)",
    "推計 (院内)",
    "加算",
    "要確認",
    "加算の基準",
    "施設",
    "月",
    "利用者数",
    "レセプト件数",
    "推計利用率 (%)",
    "通知利用率 (%)",
    "利用率 (%)",
    "通知",
    "推計",
    "●（塗りつぶし）は支払基金から通知された利用率、○（白抜き）は院内の記録から推計した利用率"
    "です。通知された利用率があれば、そちらを使います。",
    "基準線は、各月の利用率が算定に使われる月（{0}か月後。例: {1} の利用率 → {2} 算定分）の"
    "加算の基準です。",
    "この期間に表示できる加算の基準はありません。",
    "要確認: 短い破線の基準は、確定していない情報に基づきます。最新の告示・疑義解釈で確認して"
    "ください。",
    "{0}（算定 {1} 〜 {2}）",
};

constexpr Labels kEn{
    "Period",
    " to ",
    "usage rate (%)",
    "total",
    "notified",
    "local estimate",
    "level ",
    "uncertain",
    "level threshold",
    "site",
    "month",
    "users",
    "receipts",
    "local rate (%)",
    "notified rate (%)",
    "rate (%)",
    "notified",
    "local",
    "Filled points are rates notified by the payment fund (支払基金); hollow points are local "
    "estimates from the clinic's own records. A notified rate, where known, is the one used.",
    "Threshold lines show, for each month's rate, the threshold of the claim (算定) month it "
    "counts for: {0} months later (e.g. the rate of {1} counts for {2}).",
    "No level thresholds apply to this period.",
    "Uncertain: the thresholds drawn with short dashes rest on unconfirmed information. Check "
    "them against the latest official notices.",
    "{0} (claim months {1} to {2})",
};

// The page is 1000 px wide on screen (the PNG preview) and A4 landscape in print, where the
// 960 px chart fits the 277 mm between the margins.
constexpr std::string_view kStyle = R"css(
@page { size: A4 landscape; margin: 10mm; }
* { box-sizing: border-box; }
html { background: #fff; }
body {
  margin: 0; color: #111; background: #fff;
  font-family: "Noto Sans CJK JP", "IPAexGothic", "IPAGothic", "DejaVu Sans", sans-serif;
  font-size: 13px; line-height: 1.5;
  -webkit-print-color-adjust: exact; print-color-adjust: exact;
}
.page { width: 1000px; padding: 16px 20px; }
h1 { margin: 0; font-size: 20px; line-height: 1.4; }
.range { margin: 0 0 8px; color: #444; }
figure.chart { margin: 0; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
svg text { font-family: inherit; font-size: 11px; fill: #444; }
svg text.threshold-label { font-weight: bold; fill: #e8590c; paint-order: stroke;
  stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
.notes { margin: 6px 0 12px; font-size: 12px; color: #333; }
.notes p { margin: 2px 0; }
.notes .warning { color: #8a3200; font-weight: bold; }
table.figures { border-collapse: collapse; width: 100%; font-size: 12px; }
table.figures th, table.figures td { border: 1px solid #999; padding: 2px 6px; }
table.figures th { background: #eee; text-align: left; font-weight: bold; }
table.figures td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.figures td.unknown { text-align: center; color: #888; }
table.figures .code { color: #666; margin-left: 4px; }
table.figures .kind { color: #666; margin-left: 4px; font-size: 11px; }
table.figures tr.total td { font-weight: bold; background: #f4f4f4; }
@media print {
  .page { width: auto; padding: 0; }
  figure.chart, tr { break-inside: avoid; }
  thead { display: table-header-group; }
}
)css";

// Chart geometry in SVG user units (= CSS px): 10 % of rate is 32 px, so whole-percent lines
// fall on whole pixels.
constexpr double kWidth = 960;
constexpr double kLeft = 56;
constexpr double kRight = 944;
constexpr double kTop = 20;
constexpr double kBottom = 340;
constexpr double kLegendTop = 384;
constexpr double kLegendRow = 20;
constexpr std::string_view kThresholdColour = "#e8590c";
constexpr std::string_view kTotalColour = "#222222";
constexpr std::string_view kGridColour = "#d5dbe3";
// Distinct from one another and from the threshold orange; red comes late because it is the
// one closest to it.
constexpr std::string_view kPalette[] = {"#1f77b4", "#2ca02c", "#9467bd", "#17becf",
                                         "#8c564b", "#e377c2", "#bcbd22", "#d62728"};

std::string num(double v) {
    return fmt::format("{:.1f}", v);
}

std::string percent_text(double v) {
    return fmt::format("{:g}", v);
}

int month_index(const Month& from, const Month& m) {
    return (m.year - from.year) * 12 + (m.month - from.month);
}

double y_of(double percent) {
    return kBottom - std::clamp(percent, 0.0, 100.0) * (kBottom - kTop) / 100.0;
}

// Rough text width for laying out the legend: CJK glyphs are square, Latin ones about 0.6 em.
double text_width(std::string_view text) {
    double w = 0;
    for (const char ch : text) {
        const auto byte = static_cast<unsigned char>(ch);
        if (byte < 0x80) {
            w += 6.5;
        } else if (byte >= 0xC0) {
            w += 11;
        }
    }
    return w;
}

struct Series {
    std::string key;  // data-site: the code, or "total"
    std::string name;
    std::string_view colour;
    bool total = false;
    std::vector<const UsageRow*> rows;
};

struct Segment {
    double threshold = 0;
    std::string levels;  // "1/4"
    bool uncertain = false;
    int first = 0;
    int last = 0;
    Month applies_first;  // the 算定 months the segment's rates count for
    Month applies_last;
};

class Chart {
public:
    Chart(const UsageReport& report, const Labels& labels)
        : report_(report), labels_(labels), months_(month_index(report.from, report.to) + 1) {
        band_ = (kRight - kLeft) / months_;
    }

    [[nodiscard]] std::string svg() const {
        const auto series = collect_series();
        const auto segments = collect_segments();
        std::string body = grid() + axis_labels();
        for (const auto& s : segments) body += threshold(s);
        // The totals go underneath so that the sites' own lines stay visible.
        for (const auto& s : series) {
            if (s.total) body += series_svg(s);
        }
        for (const auto& s : series) {
            if (!s.total) body += series_svg(s);
        }
        // Labels last: their white halo keeps them legible where a rate line crosses.
        for (const auto& s : segments) body += threshold_label(s);
        const bool any_uncertain = std::any_of(segments.begin(), segments.end(),
                                               [](const Segment& s) { return s.uncertain; });
        const auto [legend_svg, height] = legend(series, !segments.empty(), any_uncertain);
        body += legend_svg;
        std::string out = fmt::format(
            "<svg class=\"usage-chart\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
            "role=\"img\" aria-label=\"{2}\">\n<title>{2}</title>\n",
            num(kWidth), num(height), html_escape(labels_.chart_title));
        out += body + "</svg>\n";
        return out;
    }

    [[nodiscard]] bool has_thresholds() const { return !collect_segments().empty(); }

private:
    [[nodiscard]] double x_centre(int index) const { return kLeft + (index + 0.5) * band_; }

    [[nodiscard]] std::vector<Series> collect_series() const {
        std::vector<Series> sites;
        std::optional<Series> total;
        std::map<std::string, std::size_t> at;
        for (const auto& row : report_.rows) {
            if (row.site.empty()) {
                if (!total)
                    total = Series{"total", std::string(labels_.total), kTotalColour, true, {}};
                total->rows.push_back(&row);
                continue;
            }
            auto [it, added] = at.try_emplace(row.site, sites.size());
            if (added) {
                std::string name = row.site;
                for (const auto& site : report_.sites) {
                    if (site.code == row.site && !site.name.empty()) name = site.name;
                }
                sites.push_back(
                    {row.site, name, kPalette[sites.size() % std::size(kPalette)], false, {}});
            }
            sites[it->second].rows.push_back(&row);
        }
        // With one site the totals would only repeat its line.
        if (total && sites.size() > 1) sites.push_back(std::move(*total));
        return sites;
    }

    // A line per run of consecutive months in which the same levels share a threshold, so
    // that 加算1 and 加算4 at 60 % are one line "加算1/4 60%".
    [[nodiscard]] std::vector<Segment> collect_segments() const {
        const auto by_number = [](const std::string& a, const std::string& b) {
            return std::tuple(a.size(), a) < std::tuple(b.size(), b);
        };
        using LevelSet = std::set<std::string, decltype(by_number)>;
        std::map<std::pair<int, double>, std::pair<LevelSet, bool>> per_month;
        std::map<int, Month> applies_to;
        for (const auto& mark : report_.thresholds) {
            const int index = month_index(report_.from, mark.month);
            if (index < 0 || index >= months_) continue;
            applies_to[index] = mark.applies_to;
            auto [it, added] =
                per_month.try_emplace({index, mark.threshold}, LevelSet(by_number), false);
            it->second.first.insert(mark.level);
            it->second.second = it->second.second || mark.uncertain;
        }
        std::map<std::tuple<double, std::string, bool>, std::vector<int>> months_of;
        for (const auto& [key, value] : per_month) {
            std::string levels;
            for (const auto& level : value.first) levels += (levels.empty() ? "" : "/") + level;
            months_of[{key.second, levels, value.second}].push_back(key.first);
        }
        std::vector<Segment> out;
        for (const auto& [key, indices] : months_of) {
            for (std::size_t i = 0; i < indices.size(); ++i) {
                const Month applies = applies_to.at(indices[i]);
                if (i > 0 && indices[i] == indices[i - 1] + 1) {
                    out.back().last = indices[i];
                    out.back().applies_last = applies;
                } else {
                    out.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), indices[i],
                                   indices[i], applies, applies});
                }
            }
        }
        std::sort(out.begin(), out.end(), [](const Segment& a, const Segment& b) {
            return std::tuple(-a.threshold, a.first) < std::tuple(-b.threshold, b.first);
        });
        return out;
    }

    [[nodiscard]] std::string grid() const {
        std::string out = "<g class=\"grid\">\n";
        for (int p = 0; p <= 100; p += 10) {
            const double y = y_of(p);
            out += fmt::format(
                "<line class=\"gridline\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" "
                "stroke-width=\"1\"/>\n",
                num(kLeft), num(y), num(kRight), num(y), kGridColour);
            out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}%</text>\n",
                               num(kLeft - 6), num(y + 4), p);
        }
        out += "</g>\n";
        return out;
    }

    [[nodiscard]] std::string axis_labels() const {
        std::string out = fmt::format("<text class=\"axis-title\" x=\"{}\" y=\"{}\">{}</text>\n",
                                      num(kLeft), num(kTop - 8), html_escape(labels_.chart_title));
        // "2025-07" needs about 50 px; label every step-th month so that labels never overlap.
        const int step = std::max(1, static_cast<int>((52.0 * months_) / (kRight - kLeft)) + 1);
        for (int i = 0; i < months_; i += step) {
            out += fmt::format(
                "<text class=\"month-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                num(x_centre(i)), num(kBottom + 18), html_escape(report_.from.plus(i).text()));
        }
        return out;
    }

    [[nodiscard]] std::string level_label(const Segment& s) const {
        std::string text =
            std::string(labels_.level) + s.levels + " " + percent_text(s.threshold) + "%";
        if (s.uncertain) text += " (" + std::string(labels_.uncertain) + ")";
        return text;
    }

    [[nodiscard]] std::string threshold(const Segment& s) const {
        const double x1 = kLeft + s.first * band_;
        const double x2 = kLeft + (s.last + 1) * band_;
        const double y = y_of(s.threshold);
        return fmt::format(
            "<line class=\"threshold\" data-level=\"{}\" data-threshold=\"{}\" "
            "data-uncertain=\"{}\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" "
            "stroke-width=\"2\" stroke-dasharray=\"{}\"><title>{}</title></line>\n",
            html_escape(s.levels), percent_text(s.threshold), s.uncertain ? "true" : "false",
            num(x1), num(y), num(x2), num(y), kThresholdColour, s.uncertain ? "3 4" : "9 5",
            html_escape(fmt::format(fmt::runtime(labels_.applies), level_label(s),
                                    s.applies_first.text(), s.applies_last.text())));
    }

    [[nodiscard]] std::string threshold_label(const Segment& s) const {
        return fmt::format(
            "<text class=\"threshold-label\" data-level=\"{}\" x=\"{}\" y=\"{}\">{}</text>\n",
            html_escape(s.levels), num(kLeft + s.first * band_ + 4), num(y_of(s.threshold) - 5),
            html_escape(level_label(s)));
    }

    [[nodiscard]] std::string series_svg(const Series& s) const {
        std::map<int, std::pair<MonthRate, std::string>> points;
        for (const UsageRow* row : s.rows) {
            const int index = month_index(report_.from, row->month);
            if (index < 0 || index >= months_) continue;
            if (auto rate = row->rate()) points[index] = {*rate, row->month.text()};
        }
        // A month without a rate lifts the pen: the line never bridges an unknown month.
        std::string d;
        int previous = -2;
        for (const auto& [index, point] : points) {
            if (!d.empty()) d += ' ';
            d += (index == previous + 1 ? "L" : "M") + num(x_centre(index)) + "," +
                 num(y_of(point.first.percent));
            previous = index;
        }
        const std::string key = html_escape(s.key);
        const double width = s.total ? 4 : 2.5;
        const double radius = s.total ? 5.5 : 4.5;
        std::string out = fmt::format("<g class=\"series\" data-site=\"{}\">\n", key);
        out += fmt::format(
            "<path class=\"rate-line\" data-site=\"{}\" d=\"{}\" fill=\"none\" stroke=\"{}\" "
            "stroke-width=\"{}\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>\n",
            key, d, s.colour, num(width));
        for (const auto& [index, point] : points) {
            const auto& [rate, month] = point;
            const bool notified = rate.kind == "notified";
            out += fmt::format(
                "<circle class=\"point {}\" data-site=\"{}\" data-month=\"{}\" cx=\"{}\" "
                "cy=\"{}\" r=\"{}\" fill=\"{}\" stroke=\"{}\" stroke-width=\"2\"><title>{} {}: "
                "{:.2f}% ({})</title></circle>\n",
                notified ? "notified" : "local", key, html_escape(month), num(x_centre(index)),
                num(y_of(rate.percent)), num(radius), notified ? s.colour : "#ffffff", s.colour,
                html_escape(s.name), html_escape(month), rate.percent,
                notified ? labels_.notified : labels_.local);
        }
        out += "</g>\n";
        return out;
    }

    struct Legend {
        std::string svg;
        double chart_height = 0;  // the legend is the chart's last part
    };

    // Entries flow left to right and wrap below the month labels.
    [[nodiscard]] Legend legend(const std::vector<Series>& series, bool thresholds,
                                bool uncertain) const {
        struct Entry {
            std::string swatch;  // drawn around (0, 0), from x 0 to 24
            std::string text;
        };
        std::vector<Entry> entries;
        for (const auto& s : series) {
            entries.push_back(
                {fmt::format("<line x1=\"0\" y1=\"0\" x2=\"24\" y2=\"0\" stroke=\"{0}\" "
                             "stroke-width=\"{1}\"/><circle cx=\"12\" cy=\"0\" r=\"4\" "
                             "fill=\"{0}\"/>",
                             s.colour, num(s.total ? 4 : 2.5)),
                 s.name});
        }
        entries.push_back(
            {"<circle cx=\"12\" cy=\"0\" r=\"4.5\" fill=\"#555555\" "
             "stroke=\"#555555\" stroke-width=\"2\"/>",
             std::string(labels_.notified)});
        entries.push_back(
            {"<circle cx=\"12\" cy=\"0\" r=\"4.5\" fill=\"#ffffff\" "
             "stroke=\"#555555\" stroke-width=\"2\"/>",
             std::string(labels_.local)});
        if (thresholds) {
            entries.push_back({fmt::format("<line x1=\"0\" y1=\"0\" x2=\"24\" y2=\"0\" "
                                           "stroke=\"{}\" stroke-width=\"2\" "
                                           "stroke-dasharray=\"9 5\"/>",
                                           kThresholdColour),
                               std::string(labels_.threshold)});
        }
        if (uncertain) {
            entries.push_back(
                {fmt::format("<line x1=\"0\" y1=\"0\" x2=\"24\" y2=\"0\" "
                             "stroke=\"{}\" stroke-width=\"2\" "
                             "stroke-dasharray=\"3 4\"/>",
                             kThresholdColour),
                 std::string(labels_.threshold) + " (" + std::string(labels_.uncertain) + ")"});
        }
        std::string out = "<g class=\"legend\">\n";
        double x = kLeft;
        double y = kLegendTop;
        for (const auto& e : entries) {
            const double w = 30 + text_width(e.text) + 18;
            if (x > kLeft && x + w > kWidth) {
                x = kLeft;
                y += kLegendRow;
            }
            out += fmt::format(
                "<g class=\"legend-entry\" transform=\"translate({},{})\">{}<text x=\"30\" "
                "y=\"4\">{}</text></g>\n",
                num(x), num(y), e.swatch, html_escape(e.text));
            x += w;
        }
        out += "</g>\n";
        return {out, y + 12};
    }

    const UsageReport& report_;
    const Labels& labels_;
    int months_;
    double band_ = 0;
};

std::string rate_cell(const std::optional<double>& rate) {
    if (!rate) return "<td class=\"unknown\">—</td>";
    return fmt::format("<td class=\"num\">{:.2f}</td>", *rate);
}

std::string table(const UsageReport& report, const Labels& l) {
    std::string out = fmt::format(
        "<table class=\"figures\">\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>"
        "<th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
        l.site, l.month, l.users, l.receipts, l.local_rate, l.notified_rate, l.rate);
    for (const auto& row : report.rows) {
        std::string site;
        if (row.site.empty()) {
            site = std::string(l.total);
        } else {
            std::string name;
            for (const auto& s : report.sites) {
                if (s.code == row.site) name = s.name;
            }
            site = name.empty() ? html_escape(row.site)
                                : html_escape(name) + "<span class=\"code\">" +
                                      html_escape(row.site) + "</span>";
        }
        out += row.site.empty() ? "<tr class=\"total\">" : "<tr>";
        out += "<td>" + site + "</td><td>" + html_escape(row.month.text()) + "</td>";
        out += fmt::format("<td class=\"num\">{}</td>", row.users);
        out += row.receipts ? fmt::format("<td class=\"num\">{}</td>", *row.receipts)
                            : std::string("<td class=\"unknown\">—</td>");
        out += rate_cell(row.local_rate) + rate_cell(row.notified_rate);
        if (const auto rate = row.rate()) {
            out += fmt::format("<td class=\"num\">{:.2f}<span class=\"kind\">{}</span></td>",
                               rate->percent,
                               rate->kind == "notified" ? l.kind_notified : l.kind_local);
        } else {
            out += "<td class=\"unknown\">—</td>";
        }
        out += "</tr>\n";
    }
    out += "</tbody>\n</table>\n";
    return out;
}

std::string notes(const UsageReport& report, const Labels& l, bool has_thresholds) {
    std::string out = "<div class=\"notes\">\n<p>" + html_escape(l.note_points) + "</p>\n";
    const auto mark = std::find_if(
        report.thresholds.begin(), report.thresholds.end(),
        [&](const ThresholdMark& m) { return m.month >= report.from && m.month <= report.to; });
    if (has_thresholds && mark != report.thresholds.end()) {
        const int lag = month_index(mark->month, mark->applies_to);
        out += "<p>" +
               html_escape(fmt::format(fmt::runtime(l.note_lag), lag, mark->month.text(),
                                       mark->applies_to.text())) +
               "</p>\n";
    } else {
        out += "<p>" + html_escape(l.note_no_thresholds) + "</p>\n";
    }
    if (report.uncertain) out += "<p class=\"warning\">" + html_escape(l.note_uncertain) + "</p>\n";
    out += "</div>\n";
    return out;
}

}  // namespace

std::string usage_html(const UsageReport& report, const std::string& lang,
                       const std::string& title) {
    if (lang != "ja" && lang != "en") {
        throw Error(Errc::Usage, "report language must be ja or en, not '" + lang + "'");
    }
    if (report.to < report.from) {
        throw Error(Errc::Usage, "the report ends (" + report.to.text() + ") before it starts (" +
                                     report.from.text() + ")");
    }
    const Labels& l = lang == "en" ? kEn : kJa;
    const Chart chart(report, l);

    std::string html = "<!DOCTYPE html>\n<html lang=\"" + lang + "\">\n<head>\n";
    html += "<meta charset=\"utf-8\">\n";
    // Belt and braces to the escaping: the page may run and fetch nothing.
    html +=
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">\n";
    html += "<title>" + html_escape(title) + "</title>\n<style>";
    html += kStyle;
    html += "</style>\n</head>\n<body>\n<main class=\"page\">\n";
    html += "<h1>" + html_escape(title) + "</h1>\n";
    html += "<p class=\"range\">" + html_escape(l.range) + ": " + html_escape(report.from.text()) +
            html_escape(l.range_sep) + html_escape(report.to.text()) + "</p>\n";
    html += "<figure class=\"chart\">\n" + chart.svg() + "</figure>\n";
    html += notes(report, l, chart.has_thresholds());
    html += table(report, l);
    html += "</main>\n</body>\n</html>\n";
    return html;
}

}  // namespace mynaq::report
