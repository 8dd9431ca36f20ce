// mynaq consent: the consent ledger. record lives in consent_record.cpp; check, show, list and
// export here.
#include <algorithm>
#include <climits>
#include <iostream>
#include <map>

#include <fmt/format.h>

#include "commands.hpp"
#include "consent_support.hpp"
#include "elig_support.hpp"
#include "mynaq/files.hpp"
#include "mynaq/jst.hpp"

namespace mynaq::cli {

void add_consent_record_command(Registry registry, CLI::App& consent);

namespace {

constexpr std::size_t kLabelWidth = 20;

std::vector<ConsentRecord> entries_of(const Store& store, const std::string& key,
                                      std::optional<std::string> category = std::nullopt) {
    ConsentFilter filter;
    filter.patient_key = key;
    filter.category = std::move(category);
    filter.limit = INT_MAX;
    return store.list_consents(filter);
}

nlohmann::json status_json(const std::string& key, const std::string& stem,
                           const ConsentStatus& s) {
    return {{"patient_key", key},
            {"category", stem},
            {"label", find_consent_category(stem) == nullptr
                          ? stem
                          : std::string(find_consent_category(stem)->label_ja)},
            {"valid", s.valid},
            {"reason", s.reason},
            {"expires_at", s.expires_at},
            {"source", s.latest ? s.latest->source : std::string()},
            {"consent", s.latest ? consent_to_json(*s.latest) : nlohmann::json(nullptr)}};
}

// "有効  期限 2026-12-02 09:30 JST  顔認証付きカードリーダー  #3"
std::string status_text(const AppContext& context, const ConsentStatus& s) {
    std::string text =
        cell(s.valid ? context.t("consent.valid") : context.t("consent.invalid"), 8) +
        reason_text(context, s.reason);
    if (!s.expires_at.empty()) {
        text += fmt::format("  {} {}", context.t("consent.until"), time_text(s.expires_at));
    } else if (s.valid) {
        text += fmt::format("  {}", context.t("consent.no_expiry"));
    }
    if (s.latest) {
        text += fmt::format("  {}: {}  #{}", context.t("consent.source"),
                            source_text(context, s.latest->source), s.latest->id);
    }
    return text;
}

std::string entry_line(const AppContext& context, const ConsentRecord& r, bool with_patient) {
    std::string line = fmt::format("#{:<5} {}  ", r.id, time_text(r.recorded_at));
    if (with_patient) line += cell(r.patient_key, 18);
    line += cell(category_label(context, r.category), 18) + cell(flag_text(context, r.flag), 12) +
            source_text(context, r.source);
    if (!r.expires_at.empty()) {
        line += fmt::format("  {} {}", context.t("consent.until"), time_text(r.expires_at));
    }
    if (!r.recorded_by.empty()) line += "  (" + r.recorded_by + ")";
    if (!r.note.empty()) line += "  " + r.note;
    return line;
}

struct CheckOptions {
    PatientOptions patient;
    std::string category;
};

int run_check(AppContext& context, const CheckOptions& o) {
    const std::string key = resolve_patient(o.patient);
    const std::string stem(consent_category(o.category).stem);
    auto store = open_store(context);
    const auto status = consent_status(entries_of(*store, key, stem), now_seconds());
    if (context.json()) {
        context.emit_json(status_json(key, stem, status));
    } else {
        std::cout << cell(category_label(context, stem), kLabelWidth) << cell(key, 0)
                  << status_text(context, status) << '\n';
    }
    return status.valid ? 0 : 1;
}

int run_show(AppContext& context, const PatientOptions& patient) {
    const std::string key = resolve_patient(patient);
    auto store = open_store(context);
    const auto entries = entries_of(*store, key);
    const auto now = now_seconds();
    // Every known category, then any other stem the ledger holds, in the reader's order.
    std::vector<std::string> stems;
    for (const auto& c : consent_categories()) stems.emplace_back(c.stem);
    for (const auto& e : entries) {
        if (std::find(stems.begin(), stems.end(), e.category) == stems.end()) {
            stems.push_back(e.category);
        }
    }
    std::map<std::string, std::vector<ConsentRecord>> by_category;
    for (const auto& e : entries) by_category[e.category].push_back(e);

    if (context.json()) {
        nlohmann::json states = nlohmann::json::array();
        for (const auto& stem : stems) {
            states.push_back(status_json(key, stem, consent_status(by_category[stem], now)));
        }
        nlohmann::json history = nlohmann::json::array();
        for (const auto& e : entries) history.push_back(consent_to_json(e));
        context.emit_json({{"patient_key", key}, {"categories", states}, {"history", history}});
        return 0;
    }
    std::cout << context.t("consent.patient") << ' ' << key << '\n';
    for (const auto& stem : stems) {
        std::cout << "  " << cell(category_label(context, stem), kLabelWidth)
                  << status_text(context, consent_status(by_category[stem], now)) << '\n';
    }
    std::cout << context.t("consent.history") << '\n';
    if (entries.empty()) std::cout << "  " << context.t("consent.none") << '\n';
    for (const auto& e : entries) std::cout << "  " << entry_line(context, e, false) << '\n';
    return 0;
}

struct ListOptions {
    std::string category;
    int limit = 50;
};

int run_list(AppContext& context, const ListOptions& o) {
    ConsentFilter filter;
    if (!o.category.empty()) filter.category = std::string(consent_category(o.category).stem);
    filter.limit = o.limit;
    auto store = open_store(context);
    const auto entries = store->list_consents(filter);
    if (context.json()) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& e : entries) list.push_back(consent_to_json(e));
        context.emit_json({{"consents", list}, {"count", entries.size()}});
        return 0;
    }
    if (entries.empty()) std::cout << context.t("consent.none") << '\n';
    for (const auto& e : entries) std::cout << entry_line(context, e, true) << '\n';
    return 0;
}

struct ExportOptions {
    std::string format = "csv";
    std::string out;
};

int run_export(AppContext& context, const ExportOptions& o) {
    ConsentFilter filter;
    filter.limit = INT_MAX;
    auto store = open_store(context);
    auto entries = store->list_consents(filter);
    std::reverse(entries.begin(), entries.end());  // oldest first: the order they happened
    // With --json, stdout carries one JSON document whatever the format.
    const bool as_json = o.format == "json" || (context.json() && o.out.empty());
    const std::string text = as_json ? consents_to_json_text(entries) : consents_to_csv(entries);
    if (o.out.empty()) {
        std::cout << text;
        return 0;
    }
    write_file_atomic(o.out, text);
    if (context.json()) {
        context.emit_json({{"out", o.out}, {"format", o.format}, {"count", entries.size()}});
    } else {
        std::cout << fmt::format(fmt::runtime(std::string(context.t("consent.exported"))),
                                 entries.size(), o.out)
                  << '\n';
    }
    return 0;
}

}  // namespace

void add_consent_commands(Registry registry) {
    auto& context = registry.context;
    auto& action = registry.action;
    CLI::App* consent = registry.app.add_subcommand(
        "consent", "Consent ledger (閲覧同意): record, check, show, list, export");
    consent->require_subcommand(1);

    add_consent_record_command(registry, *consent);

    auto c = std::make_shared<CheckOptions>();
    CLI::App* check =
        consent->add_subcommand("check", "Is consent valid now? Exit status 0 valid, 1 not valid");
    add_patient_options(*check, c->patient);
    check->add_option("--category", c->category, "Category: drugs, diagnosis, …")
        ->type_name("NAME")
        ->required()
        ->check(CLI::IsMember(category_names()));
    check->callback(
        [&context, &action, c] { action = [&context, c] { return run_check(context, *c); }; });

    auto s = std::make_shared<PatientOptions>();
    CLI::App* show =
        consent->add_subcommand("show", "Latest state of every category and the history");
    add_patient_options(*show, *s);
    show->callback(
        [&context, &action, s] { action = [&context, s] { return run_show(context, *s); }; });

    auto l = std::make_shared<ListOptions>();
    CLI::App* list = consent->add_subcommand("list", "List ledger entries, newest first");
    list->add_option("--category", l->category, "Only this category")
        ->type_name("NAME")
        ->check(CLI::IsMember(category_names()));
    list->add_option("--limit", l->limit, "At most this many (default 50)")
        ->type_name("N")
        ->check(CLI::Range(1, 1000000));
    list->callback(
        [&context, &action, l] { action = [&context, l] { return run_list(context, *l); }; });

    auto e = std::make_shared<ExportOptions>();
    CLI::App* exp = consent->add_subcommand("export", "Every entry as CSV or JSON");
    exp->add_option("--format", e->format, "csv (UTF-8 with BOM) or json (default csv)")
        ->type_name("FORMAT")
        ->check(CLI::IsMember({"csv", "json"}));
    exp->add_option("--out", e->out, "Write to FILE (mode 0600) instead of stdout")
        ->type_name("FILE");
    exp->callback(
        [&context, &action, e] { action = [&context, e] { return run_export(context, *e); }; });
}

}  // namespace mynaq::cli
