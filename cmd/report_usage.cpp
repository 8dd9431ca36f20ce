// mynaq report usage: the rate per site and month for people (a table with bars, HTML with a
// chart, PNG) and for scripts (JSON, CSV for Excel).
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "elig_support.hpp"
#include "mynaq/chromium.hpp"
#include "mynaq/csv.hpp"
#include "mynaq/files.hpp"
#include "mynaq/report/usage_export.hpp"
#include "mynaq/text_encoding.hpp"
#include "report_support.hpp"
#include "text_width.hpp"

namespace mynaq::cli {

namespace {

constexpr int kBarCells = 25;  // 100 %

struct UsageOptions {
    std::string from;
    std::string to;
    std::vector<std::string> sites;
    std::string format = "table";
    std::string encoding = "utf-8";
    std::string out;
    std::string rules;
    std::string title;
};

// A bar of eighth blocks, 100 % = kBarCells cells.
std::string bar(double percent) {
    static constexpr std::array<std::string_view, 8> kEighths = {"",  "▏", "▎", "▍",
                                                                 "▌", "▋", "▊", "▉"};
    const int eighths =
        static_cast<int>(std::lround(std::clamp(percent, 0.0, 100.0) / 100.0 * kBarCells * 8));
    std::string out;
    for (int i = 0; i < eighths / 8; ++i) out += "█";
    out += kEighths.at(static_cast<std::size_t>(eighths % 8));
    return out;
}

// What this month's rate earns on its own in the first 算定 month it counts for.
std::string earns(const AppContext& context, const report::Rules& rules, const report::Site* site,
                  const report::UsageRow& row, const report::Facility& unlisted) {
    const auto rate = row.rate();
    if (!rate || row.site.empty()) return {};
    const int lag = report::first_lag(rules);
    const auto applies = row.month.plus(lag);
    try {
        const auto d = report::decide_level(rules, applies, site ? site->facility : unlisted,
                                            {{row.month, *rate}});
        if (!d.period->rate_required) return {};
        const auto what =
            d.level ? level_text(context, d.level->level) : std::string(context.t("rp.no_level"));
        return fmt::format("→ {} ({}){}", what, applies.text(),
                           d.period->uncertain
                               ? std::string(" ") + std::string(context.t("rp.uncertain_mark"))
                               : "");
    } catch (const Error&) {
        return {};  // no period in the table for that month
    }
}

std::string table_text(const AppContext& context, const report::Rules& rules,
                       const report::UsageReport& r, const report::Facility& unlisted) {
    std::string out =
        fmt::format("{}  {} 〜 {}\n", context.t("rp.usage_title"), r.from.text(), r.to.text());
    // Headings end where the figures below them end; widths as in the rows' format.
    const auto header = fmt::format(
        "  {}{}  {}  {}  {}  {}\n", pad_right(context.t("rp.col.month"), 7),
        pad_left(context.t("rp.col.users"), 8), pad_left(context.t("rp.col.receipts"), 12),
        pad_left(context.t("rp.col.local"), 8), pad_left(context.t("rp.col.notified"), 8),
        context.t("rp.col.rate"));
    std::string current = "-";
    for (const auto& row : r.rows) {
        if (row.site != current) {
            current = row.site;
            const auto label = row.site.empty() ? std::string(context.t("rp.total"))
                                                : site_label(r.sites, row.site);
            out += "\n" + label + "\n" + header;
        }
        const auto site = std::find_if(r.sites.begin(), r.sites.end(),
                                       [&](const report::Site& s) { return s.code == row.site; });
        const auto rate = row.rate();
        std::string shown = "—";
        if (rate) {
            const auto kind_width = std::max(display_width(rate_kind_text(context, "notified")),
                                             display_width(rate_kind_text(context, "local")));
            shown = fmt::format("{:>7} {} {}", percent_text(rate->percent),
                                pad_right(rate_kind_text(context, rate->kind), kind_width),
                                pad_right(bar(rate->percent), kBarCells + 1));
        }
        auto line = fmt::format(
            "  {}{:>8}  {:>12}  {:>8}  {:>8}  {} {}", row.month.text(), count_text(row.users),
            row.receipts ? count_text(*row.receipts) : "—", percent_text(row.local_rate),
            percent_text(row.notified_rate), shown,
            earns(context, rules, site == r.sites.end() ? nullptr : &*site, row, unlisted));
        line.erase(line.find_last_not_of(' ') + 1);
        out += line + "\n";
    }
    out += "\n" + std::string(context.t("rp.usage_note")) + "\n";
    if (r.uncertain) out += std::string(context.t("rp.uncertain_note")) + "\n";
    return out;
}

std::string default_title(const AppContext& context, const report::UsageReport& r) {
    std::string title =
        fmt::format("{} {}〜{}", context.t("rp.usage_title"), r.from.text(), r.to.text());
    if (r.sites.size() == 1 && !r.sites.front().name.empty()) {
        title = r.sites.front().name + " " + title;
    }
    return title;
}

int run_usage(AppContext& context, const UsageOptions& o) {
    const auto rules = load_report_rules(context, o.rules);
    report::UsageQuery query;
    query.to = o.to.empty() ? current_month() : month_option(o.to, "--to");
    query.from = o.from.empty() ? query.to.plus(-11) : month_option(o.from, "--from");
    query.known = configured_sites(context);
    query.selected = site_codes(context, o.sites);
    query.unlisted = default_facility(context);
    if (o.encoding != "utf-8" && o.encoding != "sjis") {
        throw Error(Errc::Usage, "--encoding must be utf-8 or sjis");
    }
    if (o.format == "png" && o.out.empty()) {
        throw Error(Errc::Usage, "--format png needs --out FILE.png");
    }
    auto store = open_store(context);
    const auto r = report::build_usage(*store, rules, query);

    const std::string format = context.json() && o.out.empty() ? "json" : o.format;
    if (format == "json") {
        deliver(report::usage_json(r), o.out);
    } else if (format == "csv") {
        std::string csv = report::usage_csv(r);
        if (o.encoding == "sjis") csv = utf8_to_sjis(std::string_view(csv).substr(kUtf8Bom.size()));
        deliver(csv, o.out);
    } else if (format == "html" || format == "png") {
        const auto html = report::usage_html(r, context.lang == Lang::Ja ? "ja" : "en",
                                             o.title.empty() ? default_title(context, r) : o.title);
        if (format == "html") {
            deliver(html, o.out);
        } else {
            const TemporaryDirectory work("mynaq-report");
            const auto page = work.path() / "usage.html";
            write_file_atomic(page, std::string_view(html));
            const int height = std::min(4000, 640 + 24 * static_cast<int>(r.rows.size()));
            render_html(page, o.out, RenderFormat::Png, std::chrono::seconds(60),
                        PngSize{1000, height});
        }
    } else {
        deliver(table_text(context, rules, r, query.unlisted), o.out);
    }
    if (!o.out.empty() && context.json() && format != "json") {
        context.emit_json({{"out", o.out}, {"format", format}, {"rows", r.rows.size()}});
    } else if (!o.out.empty() && !context.json()) {
        std::cerr << fmt::format(fmt::runtime(std::string(context.t("rp.written"))), o.out) << '\n';
    }
    return 0;
}

}  // namespace

void add_report_usage_command(Registry registry, CLI::App& report) {
    auto& context = registry.context;
    auto& action = registry.action;
    auto o = std::make_shared<UsageOptions>();
    CLI::App* usage = report.add_subcommand(
        "usage", "マイナ保険証利用率 per month: users, receipts, local and notified rates");
    usage->add_option("--from", o->from, "First month (default: 11 months before --to)")
        ->type_name("YYYY-MM");
    usage->add_option("--to", o->to, "Last month (default: this month)")->type_name("YYYY-MM");
    usage->add_option("--site", o->sites, "Only this site (code or configured name); repeatable")
        ->type_name("SITE");
    usage->add_option("--format", o->format, "table, csv, json, html or png (png needs --out)")
        ->check(CLI::IsMember({"table", "csv", "json", "html", "png"}))
        ->type_name("FORMAT");
    usage
        ->add_option("--encoding", o->encoding, "CSV encoding: utf-8 (with BOM, for Excel) or sjis")
        ->check(CLI::IsMember({"utf-8", "sjis"}))
        ->type_name("ENC");
    usage->add_option("--out", o->out, "Write to FILE (0600) instead of stdout")->type_name("FILE");
    usage->add_option("--title", o->title, "Title of the HTML/PNG report")->type_name("TEXT");
    usage
        ->add_option("--rules", o->rules,
                     "The 加算 table (default: report.rules or the shipped one)")
        ->type_name("FILE");
    usage->callback(
        [&context, &action, o] { action = [&context, o] { return run_usage(context, *o); }; });
}

}  // namespace mynaq::cli
