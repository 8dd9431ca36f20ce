// mynaq report receipts|notified: the figures the rate is computed from, entered by hand or
// imported from the レセコン's and 支払基金's files.
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "elig_support.hpp"
#include "mynaq/files.hpp"
#include "mynaq/report/inputs.hpp"
#include "report_support.hpp"

namespace mynaq::cli {

namespace {

std::string file_name(const std::string& path) {
    return std::filesystem::path(path).filename().string();
}

struct InputOptions {
    std::string site;
    std::string month;
    std::string value;
    std::string file;
    std::int64_t users = -1;
    std::int64_t receipts = -1;
    std::string from;
    std::string to;
    std::vector<std::string> sites;
};

void print_receipts(const AppContext& context, const std::vector<ReceiptCount>& rows) {
    if (context.json()) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& r : rows) {
            list.push_back({{"site", r.site},
                            {"month", r.month},
                            {"receipts", r.receipts},
                            {"source", r.source},
                            {"updated_at", r.updated_at},
                            {"updated_by", r.updated_by}});
        }
        context.emit_json({{"receipts", list}, {"count", rows.size()}});
        return;
    }
    if (rows.empty()) std::cout << context.t("rp.none") << '\n';
    for (const auto& r : rows) {
        std::cout << fmt::format("{}  {}  {:>10}  {}  {} {}\n", r.site, r.month,
                                 count_text(r.receipts), r.source, r.updated_at, r.updated_by);
    }
}

void print_notified(const AppContext& context, const std::vector<NotifiedRate>& rows) {
    auto optional = [](std::int64_t v) { return v < 0 ? nlohmann::json() : nlohmann::json(v); };
    if (context.json()) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& n : rows) {
            list.push_back({{"site", n.site},
                            {"month", n.month},
                            {"percent", n.percent},
                            {"users", optional(n.users)},
                            {"receipts", optional(n.receipts)},
                            {"source", n.source},
                            {"updated_at", n.updated_at},
                            {"updated_by", n.updated_by}});
        }
        context.emit_json({{"notified", list}, {"count", rows.size()}});
        return;
    }
    if (rows.empty()) std::cout << context.t("rp.none") << '\n';
    for (const auto& n : rows) {
        std::cout << fmt::format("{}  {}  {:>8}  {}  {} {}\n", n.site, n.month,
                                 percent_text(n.percent), n.source, n.updated_at, n.updated_by);
    }
}

int run_receipts_set(AppContext& context, const InputOptions& o) {
    ReceiptCount r;
    r.site = single_site(context, o.site);
    r.month = month_option(o.month, "MONTH").text();
    const auto count = report::parse_count(o.value);
    if (!count) {
        throw Error(Errc::InvalidArgument,
                    fmt::format("{}: give the レセプト件数 as a whole number", o.value));
    }
    r.receipts = *count;
    r.source = "set";
    auto store = open_store(context);
    store->set_receipts({r});
    print_receipts(context, store->list_receipts(r.month, r.month, {r.site}));
    return 0;
}

// Reads the file, records every row in one transaction (or none) and says how many.
template <typename Parse, typename Record>
int run_import(AppContext& context, const InputOptions& o, Parse parse, Record record) {
    const std::string default_site =
        o.site.empty() ? context.config.facility.code : single_site(context, o.site);
    const auto rows = parse(read_file_bytes(o.file), default_site, file_name(o.file));
    auto store = open_store(context);
    record(*store, rows);
    if (context.json()) {
        context.emit_json({{"imported", rows.size()}, {"file", o.file}});
    } else {
        std::cout << fmt::format(fmt::runtime(std::string(context.t("rp.imported"))), rows.size(),
                                 o.file)
                  << '\n';
    }
    return 0;
}

int run_receipts_import(AppContext& context, const InputOptions& o) {
    return run_import(context, o, report::parse_receipts_csv,
                      [](Store& store, const auto& rows) { store.set_receipts(rows); });
}

int run_notified_set(AppContext& context, const InputOptions& o) {
    NotifiedRate n;
    n.site = single_site(context, o.site);
    n.month = month_option(o.month, "MONTH").text();
    const auto percent = report::parse_percent(o.value);
    if (!percent) {
        throw Error(Errc::InvalidArgument,
                    fmt::format("{}: give the notified rate in percent, 0 to 100", o.value));
    }
    n.percent = *percent;
    n.users = o.users;
    n.receipts = o.receipts;
    n.source = "set";
    auto store = open_store(context);
    store->set_notified_rates({n});
    print_notified(context, store->list_notified_rates(n.month, n.month, {n.site}));
    return 0;
}

int run_notified_import(AppContext& context, const InputOptions& o) {
    return run_import(context, o, report::parse_notified_csv,
                      [](Store& store, const auto& rows) { store.set_notified_rates(rows); });
}

std::pair<std::string, std::string> list_range(const InputOptions& o) {
    const auto now = current_month();
    const auto to = o.to.empty() ? now : month_option(o.to, "--to");
    const auto from = o.from.empty() ? to.plus(-11) : month_option(o.from, "--from");
    return {from.text(), to.text()};
}

void add_list_options(CLI::App& list, InputOptions& o) {
    list.add_option("--from", o.from, "First month (default: 11 months before --to)")
        ->type_name("YYYY-MM");
    list.add_option("--to", o.to, "Last month (default: this month)")->type_name("YYYY-MM");
    list.add_option("--site", o.sites, "Only this site (code or configured name); repeatable")
        ->type_name("SITE");
}

}  // namespace

void add_report_input_commands(Registry registry, CLI::App& report) {
    auto& context = registry.context;
    auto& action = registry.action;

    CLI::App* receipts = report.add_subcommand(
        "receipts", "レセプト件数 per month, the rate's denominator: set, import, list");
    receipts->require_subcommand(1);
    auto rs = std::make_shared<InputOptions>();
    CLI::App* rset = receipts->add_subcommand("set", "Record one month's レセプト件数");
    rset->add_option("MONTH", rs->month, "The month, e.g. 2026-10")->required();
    rset->add_option("N", rs->value, "レセプト件数")->required();
    rset->add_option("--site", rs->site,
                     "Facility (code or configured name; default facility.code)")
        ->type_name("SITE");
    rset->callback([&context, &action, rs] {
        action = [&context, rs] { return run_receipts_set(context, *rs); };
    });
    auto ri = std::make_shared<InputOptions>();
    CLI::App* rimp = receipts->add_subcommand(
        "import", "Import month,receipts (or site,month,receipts) rows from a CSV file");
    rimp->add_option("FILE", ri->file, "CSV: UTF-8 (BOM or not) or Shift_JIS")->required();
    rimp->add_option("--site", ri->site, "Facility for rows without a site column")
        ->type_name("SITE");
    rimp->callback([&context, &action, ri] {
        action = [&context, ri] { return run_receipts_import(context, *ri); };
    });
    auto rl = std::make_shared<InputOptions>();
    CLI::App* rlist = receipts->add_subcommand("list", "Show the レセプト件数 recorded");
    add_list_options(*rlist, *rl);
    rlist->callback([&context, &action, rl] {
        action = [&context, rl] {
            const auto [from, to] = list_range(*rl);
            auto store = open_store(context);
            print_receipts(context, store->list_receipts(from, to, site_codes(context, rl->sites)));
            return 0;
        };
    });

    CLI::App* notified = report.add_subcommand(
        "notified", "Rates notified by 支払基金 (they take precedence): set, import, list");
    notified->require_subcommand(1);
    auto ns = std::make_shared<InputOptions>();
    CLI::App* nset = notified->add_subcommand("set", "Record one month's notified rate");
    nset->add_option("MONTH", ns->month, "The month the rate was measured in, e.g. 2026-10")
        ->required();
    nset->add_option("RATE", ns->value, "The rate in percent, e.g. 47.26")->required();
    nset->add_option("--users", ns->users, "マイナ保険証利用者数, when notified")->type_name("N");
    nset->add_option("--receipts", ns->receipts, "レセプト件数, when notified")->type_name("N");
    nset->add_option("--site", ns->site,
                     "Facility (code or configured name; default facility.code)")
        ->type_name("SITE");
    nset->callback([&context, &action, ns] {
        action = [&context, ns] { return run_notified_set(context, *ns); };
    });
    auto ni = std::make_shared<InputOptions>();
    CLI::App* nimp = notified->add_subcommand(
        "import", "Import month,rate[,users,receipts] rows (site first optional) from a CSV file");
    nimp->add_option("FILE", ni->file, "CSV: UTF-8 (BOM or not) or Shift_JIS")->required();
    nimp->add_option("--site", ni->site, "Facility for rows without a site column")
        ->type_name("SITE");
    nimp->callback([&context, &action, ni] {
        action = [&context, ni] { return run_notified_import(context, *ni); };
    });
    auto nl = std::make_shared<InputOptions>();
    CLI::App* nlist = notified->add_subcommand("list", "Show the notified rates recorded");
    add_list_options(*nlist, *nl);
    nlist->callback([&context, &action, nl] {
        action = [&context, nl] {
            const auto [from, to] = list_range(*nl);
            auto store = open_store(context);
            print_notified(context,
                           store->list_notified_rates(from, to, site_codes(context, nl->sites)));
            return 0;
        };
    });
}

}  // namespace mynaq::cli
