// mynaq consent record: staff record a consent given orally, in writing or seen in
// マイナポータル — by flags for scripts, or through a prompt that mirrors the card reader's
// consent screens (「すべてに同意する」 or one by one).
#include <algorithm>
#include <iostream>
#include <optional>

#include <fmt/format.h>

#include "commands.hpp"
#include "consent_support.hpp"
#include "elig_support.hpp"
#include "mynaq/jst.hpp"

namespace mynaq::cli {

namespace {

struct RecordOptions {
    PatientOptions patient;
    std::vector<std::string> categories;
    bool all = false;
    bool withdraw = false;
    std::string source = "oral";
    int expires_hours = -1;  // -1: the default for the source
    std::string note;
};

struct Choice {
    const ConsentCategory* category;
    bool consent;
};

// The categories 「すべてに同意する」 and --all cover: those the reader asks about. The 限度額 and
// 特定疾病 disclosures are named one by one.
std::vector<const ConsentCategory*> viewing_categories() {
    std::vector<const ConsentCategory*> out;
    for (const auto& c : consent_categories()) {
        if (c.viewing) out.push_back(&c);
    }
    return out;
}

std::optional<std::string> ask(const std::string& prompt) {
    std::cerr << prompt << std::flush;
    std::string line;
    if (!std::getline(std::cin, line)) return std::nullopt;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    while (!line.empty() && line.front() == ' ') line.erase(0, 1);
    return line;
}

std::optional<bool> ask_yes_no(const AppContext& context, const std::string& prompt) {
    for (int tries = 0; tries < 5; ++tries) {
        const auto answer = ask(prompt);
        if (!answer || *answer == "q") return std::nullopt;
        if (*answer == "y" || *answer == "Y" || *answer == "yes" || *answer == "はい" ||
            *answer == "1") {
            return true;
        }
        if (*answer == "n" || *answer == "N" || *answer == "no" || *answer == "いいえ" ||
            *answer == "0") {
            return false;
        }
        std::cerr << context.t("consent_prompt.yes_no") << '\n';
    }
    return std::nullopt;
}

// nullopt: the staff member gave up (q, end of input) and nothing is recorded.
std::optional<std::vector<Choice>> prompt(const AppContext& context, const std::string& key) {
    std::cerr << fmt::format(fmt::runtime(std::string(context.t("consent_prompt.title"))), key)
              << '\n'
              << context.t("consent_prompt.intro") << '\n';
    for (const auto* c : viewing_categories()) {
        std::cerr << "  ・" << category_label(context, c->stem) << '\n';
    }
    std::cerr << "  1) " << context.t("consent_prompt.all") << '\n'
              << "  2) " << context.t("consent_prompt.each") << '\n'
              << "  3) " << context.t("consent_prompt.none") << '\n';
    int choice = 0;
    for (int tries = 0; tries < 5 && choice == 0; ++tries) {
        const auto answer = ask(std::string(context.t("consent_prompt.choose")));
        if (!answer || *answer == "q") return std::nullopt;
        if (*answer == "1" || *answer == "2" || *answer == "3") {
            choice = (*answer)[0] - '0';
        } else {
            std::cerr << context.t("consent_prompt.again") << '\n';
        }
    }
    if (choice == 0) return std::nullopt;
    std::vector<Choice> out;
    for (const auto* c : viewing_categories()) {
        bool consent = choice == 1;
        if (choice == 2) {
            const auto answer = ask_yes_no(
                context, fmt::format(fmt::runtime(std::string(context.t("consent_prompt.item"))),
                                     category_label(context, c->stem)));
            if (!answer) return std::nullopt;
            consent = *answer;
        }
        out.push_back({c, consent});
    }
    return out;
}

std::vector<Choice> from_flags(const RecordOptions& o) {
    std::vector<Choice> out;
    if (o.all) {
        for (const auto* c : viewing_categories()) out.push_back({c, !o.withdraw});
    }
    for (const auto& name : o.categories) {
        const auto& c = consent_category(name);
        const bool listed = std::any_of(out.begin(), out.end(),
                                        [&](const Choice& ch) { return ch.category == &c; });
        if (!listed) out.push_back({&c, !o.withdraw});
    }
    return out;
}

int run_record(AppContext& context, const RecordOptions& o) {
    const std::string key = resolve_patient(o.patient);
    std::vector<Choice> choices;
    if (!o.categories.empty() || o.all) {
        choices = from_flags(o);
    } else if (o.withdraw) {
        throw Error(Errc::Usage, "--withdraw needs --category NAME or --all");
    } else if (!stdin_is_terminal()) {
        throw Error(Errc::Usage, "no prompt without a terminal: use --category or --all");
    } else {
        auto answered = prompt(context, key);
        if (!answered) {
            std::cerr << context.t("consent_prompt.cancelled") << '\n';
            return 1;
        }
        choices = std::move(*answered);
    }

    // Oral consent is treated like the reader's: good for 24 hours (policy.md §4 leaves its
    // lifetime open, so the stricter reading is the default).
    const int hours = o.expires_hours >= 0 ? o.expires_hours : (o.source == "oral" ? 24 : 0);
    const auto now = now_seconds();
    auto store = open_store(context);
    const std::string by = operator_name(context);
    std::vector<ConsentRecord> recorded;
    for (const auto& choice : choices) {
        ConsentRecord r;
        r.patient_key = key;
        r.category = std::string(choice.category->stem);
        r.flag = choice.consent ? "1" : "0";
        r.consented_at = format_jst_iso(now);
        if (choice.consent && hours > 0) {
            r.expires_at = format_jst_iso(now + std::chrono::hours(hours));
        }
        r.source = o.source;
        r.recorded_by = by;
        r.note = o.note;
        r.id = store->add_consent(r);
        recorded.push_back(std::move(r));
    }

    if (context.json()) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& r : recorded) list.push_back(consent_to_json(r));
        context.emit_json({{"patient_key", key}, {"recorded", list}, {"count", recorded.size()}});
        return 0;
    }
    std::cout << fmt::format("{} {}\n", context.t("consent.patient"), key);
    for (const auto& r : recorded) {
        std::string line =
            fmt::format("  #{:<5} {}{}", r.id, cell(category_label(context, r.category), 20),
                        flag_text(context, r.flag));
        if (!r.expires_at.empty()) {
            line += fmt::format("  ({} {})", context.t("consent.until"), time_text(r.expires_at));
        }
        std::cout << line << '\n';
    }
    std::cout << fmt::format(fmt::runtime(std::string(context.t("consent.recorded"))),
                             recorded.size(), source_text(context, o.source))
              << '\n';
    return 0;
}

}  // namespace

void add_consent_record_command(Registry registry, CLI::App& consent) {
    auto& context = registry.context;
    auto& action = registry.action;
    auto o = std::make_shared<RecordOptions>();
    CLI::App* record = consent.add_subcommand(
        "record", "Record consent given orally, in writing or in マイナポータル (prompt or flags)");
    add_patient_options(*record, o->patient);
    record->add_option("--category", o->categories, "Category (repeatable): drugs, diagnosis, …")
        ->type_name("NAME")
        ->delimiter(',')
        ->check(CLI::IsMember(category_names()));
    record->add_flag("--all", o->all, "Every 閲覧同意 category (as 「すべてに同意する」)");
    record->add_flag("--withdraw", o->withdraw, "Record a withdrawal (flag 0) instead");
    record->add_option("--source", o->source, "How consent was given (default oral)")
        ->type_name("SOURCE")
        ->check(CLI::IsMember({"oral", "written", "portal"}));
    record
        ->add_option("--expires-hours", o->expires_hours,
                     "Consent lasts H hours (default 24 for oral, none otherwise; 0: none)")
        ->type_name("H")
        ->check(CLI::Range(0, 24 * 366 * 5));
    record->add_option("--note", o->note, "Free text kept with the entry")->type_name("TEXT");
    record->callback(
        [&context, &action, o] { action = [&context, o] { return run_record(context, *o); }; });
}

}  // namespace mynaq::cli
