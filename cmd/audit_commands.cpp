// mynaq audit: verify the hash chain of the audit trail, and list its records.
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "elig_support.hpp"
#include "text_width.hpp"

namespace mynaq::cli {

namespace {

std::string iso_day(const std::string& text, const char* option) {
    const std::string d = normalise_date(text, option);
    return fmt::format("{}-{}-{}", d.substr(0, 4), d.substr(4, 2), d.substr(6, 2));
}

int run_verify(AppContext& context) {
    auto store = open_store(context);
    const auto v = verify_audit_chain(*store);
    if (context.json()) {
        context.emit_json({{"ok", v.ok},
                           {"records", v.records},
                           {"first_bad_seq", v.first_bad_seq},
                           {"reason", v.reason}});
    } else if (v.ok) {
        std::cout << fmt::format(fmt::runtime(std::string(context.t("audit.ok"))), v.records)
                  << '\n';
    } else {
        const std::string key = "audit_reason." + v.reason;
        const auto reason = context.t(key) == key ? std::string_view(v.reason) : context.t(key);
        std::cout << fmt::format(fmt::runtime(std::string(context.t("audit.broken"))),
                                 v.first_bad_seq, reason)
                  << '\n';
    }
    return v.ok ? 0 : 1;
}

struct ListOptions {
    std::string from;
    std::string to;
    std::string operator_name;
    std::string action;
    int limit = 1000;
};

nlohmann::json audit_json(const AuditRecord& r) {
    return {{"seq", r.seq},
            {"at", r.at},
            {"operator", r.operator_name},
            {"action", r.action},
            {"object", r.object},
            {"detail", r.detail},
            {"prev_hash", r.prev_hash},
            {"hash", r.hash}};
}

int run_list(AppContext& context, const ListOptions& o) {
    AuditFilter filter;
    if (!o.from.empty()) filter.from = iso_day(o.from, "--from");
    if (!o.to.empty()) filter.to = iso_day(o.to, "--to");
    if (!o.operator_name.empty()) filter.operator_name = o.operator_name;
    if (!o.action.empty()) filter.action = o.action;
    filter.limit = o.limit;
    auto store = open_store(context);
    const auto records = store->list_audit(filter);
    if (context.json()) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& r : records) list.push_back(audit_json(r));
        context.emit_json({{"audit", list}, {"count", records.size()}});
        return 0;
    }
    if (records.empty()) std::cout << context.t("audit.none") << '\n';
    for (const auto& r : records) {
        std::cout << fmt::format("{:>6}  {}  {}  {}  {}  {}\n", r.seq, r.at,
                                 pad_right(r.operator_name, 12), pad_right(r.action, 14),
                                 pad_right(r.object, 16), r.detail);
    }
    return 0;
}

}  // namespace

void add_audit_commands(Registry registry) {
    auto& context = registry.context;
    auto& action = registry.action;
    CLI::App* audit = registry.app.add_subcommand(
        "audit", "Audit trail of the store: verify the hash chain, list records");
    audit->require_subcommand(1);

    CLI::App* verify = audit->add_subcommand(
        "verify", "Walk the hash chain; exit status 0 intact, 1 broken (first bad record shown)");
    verify->callback([&context, &action] { action = [&context] { return run_verify(context); }; });

    auto l = std::make_shared<ListOptions>();
    CLI::App* list = audit->add_subcommand("list", "List audit records, oldest first");
    list->add_option("--from", l->from, "From this day (JST), inclusive")->type_name("DATE");
    list->add_option("--to", l->to, "To this day (JST), inclusive")->type_name("DATE");
    list->add_option("--operator", l->operator_name, "Only records by this operator")
        ->type_name("NAME");
    list->add_option("--action", l->action, "Action, or a prefix ending in '.' (consent.)")
        ->type_name("ACTION");
    list->add_option("--limit", l->limit, "At most this many (default 1000)")
        ->type_name("N")
        ->check(CLI::Range(1, 10000000));
    list->callback(
        [&context, &action, l] { action = [&context, l] { return run_list(context, *l); }; });
}

}  // namespace mynaq::cli
