#include "fallback_support.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "consent_support.hpp"
#include "elig_support.hpp"
#include "mynaq/chromium.hpp"
#include "mynaq/fallback/declaration_form.hpp"
#include "mynaq/fallback/recheck.hpp"
#include "mynaq/files.hpp"
#include "mynaq/jst.hpp"
#include "text_width.hpp"

namespace mynaq::cli {

namespace {

// Names compare without their spaces: the system sends 模擬　太郎, staff type 模擬 太郎.
std::string without_spaces(const std::string& text) {
    std::string out;
    const std::string ideographic = "\u3000";
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == ' ') continue;
        if (text.compare(i, ideographic.size(), ideographic) == 0) {
            i += ideographic.size() - 1;
            continue;
        }
        out += text[i];
    }
    return out;
}

std::string first_word(const std::string& name) {
    auto end = name.find(' ');
    end = std::min(end, name.find("\u3000"));
    return name.substr(0, end);
}

std::optional<fallback::PreviousCoverage> find_previous(const Store& store,
                                                        const fallback::Case& c) {
    if (c.name.empty() || c.birthdate.empty()) return std::nullopt;
    CheckFilter filter;
    filter.patient = first_word(c.name);
    filter.limit = 200;
    std::string birth = c.birthdate;
    std::erase(birth, '-');
    for (const auto& check : store.list_checks(filter)) {
        if (check.birthdate != birth || without_spaces(check.name) != without_spaces(c.name)) {
            continue;
        }
        if (check.eligibility != "valid" && check.eligibility != "valid_unregistered") continue;
        fallback::PreviousCoverage out;
        out.coverage.insurer_number = check.insurer_number;
        while (!out.coverage.insurer_number.empty() && out.coverage.insurer_number.front() == ' ') {
            out.coverage.insurer_number.erase(0, 1);
        }
        out.coverage.symbol = check.card_symbol;
        out.coverage.number = check.identification_number;
        out.coverage.branch = check.branch_number;
        if (const auto ratio = fallback::parse_ratio(check.ratio)) {
            out.coverage.ratio = std::to_string(*ratio);
        }
        out.check_id = check.id;
        out.checked_at = check.checked_at;
        out.eligibility = check.eligibility;
        return out;
    }
    return std::nullopt;
}

std::string tr_or(const AppContext& context, const std::string& key, const std::string& raw) {
    const auto text = context.t(key);
    return text == key ? raw : std::string(text);
}

std::string action_detail(const AppContext& context, const fallback::Case& c);

}  // namespace

fallback::ClaimOptions claim_options(const AppContext& context) {
    return {context.config.fallback.unknown_insurer_number, context.config.fallback.unknown_number};
}

fallback::LadderContext ladder_context(const AppContext& context, const Store& store) {
    fallback::LadderContext out;
    out.today = format_jst_date(now_seconds());
    out.facility = context.config.facility.code;
    out.operator_name = operator_name(context);
    out.disaster_from = context.config.fallback.disaster_from;
    out.disaster_to = context.config.fallback.disaster_to;
    out.disaster_area = context.config.fallback.disaster_area;
    out.claim = claim_options(context);
    out.previous = [&store](const fallback::Case& c) { return find_previous(store, c); };
    return out;
}

void save_case(Store& store, fallback::Case& c) {
    if (c.id == 0) {
        // The document does not know its id yet; from_row() takes it from the row.
        c = load_case(store, store.add_fallback_case(fallback::to_row(c)));
        return;
    } else {
        store.update_fallback_cases({fallback::to_row(c)});
    }
    c = load_case(store, c.id);
}

fallback::Case load_case(const Store& store, std::int64_t id) {
    const auto row = store.fallback_case(id);
    if (!row) {
        throw Error(Errc::NotFound, fmt::format("there is no fallback case {}", id),
                    {{"case", std::to_string(id)}});
    }
    return fallback::from_row(*row);
}

std::string question_text(const AppContext& context, const std::string& id) {
    const std::string key = "fb.q." + id;
    const auto text = context.t(key);
    if (text != key) return std::string(text);
    // portal.insurer_number → the shared label of insurer_number.
    const auto dot = id.rfind('.');
    return dot == std::string::npos ? id : tr_or(context, "fb.q." + id.substr(dot + 1), id);
}

std::string choice_text(const AppContext& context, const std::string& choice) {
    return tr_or(context, "fb.c." + choice, choice);
}
std::string group_text(const AppContext& context, const std::string& group) {
    return tr_or(context, "fb.step." + group, group);
}
std::string state_text(const AppContext& context, const std::string& state) {
    return tr_or(context, "fb.state." + state, state);
}
std::string action_text(const AppContext& context, const std::string& action) {
    return tr_or(context, "fb.action." + action, action);
}
std::string route_text(const AppContext& context, const std::string& route) {
    return tr_or(context, "fb.route." + route, route);
}
std::string basis_text(const AppContext& context, const std::string& basis) {
    return tr_or(context, "fb.basis." + basis, basis);
}
std::string share_text(const AppContext& context, int percent) {
    return choice_text(context, std::to_string(percent));
}

std::string coverage_text(const fallback::CoverageSeen& c) {
    if (!c.has_numbers()) return "-";
    std::string out = c.insurer_number;
    if (!c.symbol.empty()) out += " " + c.symbol;
    out += " " + c.number;
    if (!c.branch.empty()) out += "-" + c.branch;
    if (!c.ratio.empty()) out += fmt::format(" ({}割)", c.ratio);
    return out;
}

nlohmann::json case_json(const fallback::Case& c) {
    auto j = nlohmann::json::parse(fallback::to_json(c));
    j["id"] = c.id;
    j["revision"] = c.revision;
    j.erase("answers");
    return j;
}

std::string case_view(const AppContext& context, const fallback::Case& c) {
    std::string out;
    auto line = [&](std::string_view label, const std::string& value) {
        out += cell(label, 16) + value + '\n';
    };
    line(context.t("fb.h.id"), fmt::format("#{}  {}", c.id, state_text(context, c.state)));
    line(context.t("fb.h.date"), c.case_date);
    line(context.t("fb.h.patient"),
         fmt::format("{}{}{}", c.name, c.kana.empty() ? "" : "（" + c.kana + "）",
                     c.birthdate.empty() ? "" : "  " + c.birthdate));
    line(context.t("fb.h.reason"), choice_text(context, c.reason) +
                                       (c.reason_note.empty() ? "" : "（" + c.reason_note + "）") +
                                       "  / " + choice_text(context, c.visit));
    line(context.t("fb.h.identity"), choice_text(context, c.identity_method));
    out += std::string(context.t("fb.h.steps")) + '\n';
    for (const auto& s : c.steps) {
        const std::string note = tr_or(context, "fb.note." + s.note, s.note);
        out += fmt::format("  {}  {}  {}{}\n", time_text(s.at), group_text(context, s.step),
                           s.outcome == "used"      ? choice_text(context, "yes")
                           : s.outcome == "changed" ? choice_text(context, "changed")
                                                    : choice_text(context, "no"),
                           note.empty() ? "" : "  (" + note + ")");
    }
    line(context.t("fb.h.by"), c.resolved_by.empty() ? "-" : group_text(context, c.resolved_by));
    line(context.t("fb.h.coverage"), coverage_text(c.coverage));
    line(context.t("fb.h.share"),
         fmt::format("{}  ({}: {}){}", share_text(context, c.share.charged),
                     context.t("fb.default"), basis_text(context, c.share.basis),
                     c.share.override_note.empty() ? "" : "  " + c.share.override_note));
    if (c.disaster) {
        line(context.t("fb.h.disaster"),
             fmt::format("{} 〜 {} {}  {}", c.disaster->period_from, c.disaster->period_to,
                         c.disaster->area, choice_text(context, c.disaster->consent)));
    }
    line(context.t("fb.h.claim"),
         fmt::format("{}  {} {} {}", route_text(context, c.claim.route), c.claim.insurer_number,
                     c.claim.symbol, c.claim.number));
    if (!c.claim.remarks.empty()) line(context.t("fb.h.remarks"), c.claim.remarks);
    if (c.recheck.state == "done") {
        const auto detail = action_detail(context, c);
        line(context.t("fb.h.recheck"),
             fmt::format("{}  {}{}", action_text(context, c.recheck.action),
                         coverage_text(c.recheck.found),
                         detail.empty() ? "" : "  (" + detail + ")"));
    }
    if (!c.note.empty()) line(context.t("fb.step.note"), c.note);
    line(context.t("fb.h.recorded_by"), c.recorded_by);
    return out;
}

std::string case_table(const AppContext& context, const std::vector<fallback::Case>& cases) {
    if (cases.empty()) return std::string(context.t("fb.none")) + '\n';
    std::string out = cell(context.t("fb.h.id"), 6) + cell(context.t("fb.h.date"), 12) +
                      cell(context.t("fb.h.patient"), 22) + cell(context.t("fb.h.reason"), 20) +
                      cell(context.t("fb.h.by"), 16) + cell(context.t("fb.h.share"), 8) +
                      std::string(context.t("fb.h.state")) + '\n';
    for (const auto& c : cases) {
        out += cell(fmt::format("#{}", c.id), 6) + cell(c.case_date, 12) + cell(c.name, 22) +
               cell(choice_text(context, c.reason), 20) +
               cell(c.resolved_by.empty() ? "-"
                                          : tr_or(context, "fb.by." + c.resolved_by, c.resolved_by),
                    16) +
               cell(share_text(context, c.share.charged), 8) +
               (c.state == "rechecked" ? action_text(context, c.recheck.action)
                                       : state_text(context, c.state)) +
               '\n';
    }
    return out;
}

namespace {

// What differed, in the reader's language, from the case itself (the stored detail is for logs).
std::string action_detail(const AppContext& context, const fallback::Case& c) {
    const auto& r = c.recheck;
    const auto fill = [&](const char* key, const std::string& a, const std::string& b) {
        return fmt::format(fmt::runtime(std::string(context.t(key))), a, b);
    };
    if (r.action == "different_share") {
        return fill(
            "fb.detail.share", share_text(context, c.share.charged),
            r.found.ratio.empty() ? "?" : r.found.ratio + (context.lang == Lang::Ja ? "割" : "0%"));
    }
    if (r.action == "different_insurer") {
        const bool same = r.found.insurer_number == c.coverage.insurer_number &&
                          r.found.number == c.coverage.number;
        // 無効（新しい資格あり）: the answer names the lapsed coverage, not the new one.
        if (same || !r.found.has_numbers()) {
            return fill("fb.detail.newer", coverage_text(c.coverage), "");
        }
        return fill("fb.detail.insurer", coverage_text(c.coverage), coverage_text(r.found));
    }
    if (r.action == "ineligible") return fill("fb.detail.ineligible", c.case_date, "");
    if (r.action == "still_unknown") {
        return std::string(
            context.t(r.check_id == 0 ? "fb.detail.no_numbers" : "fb.detail.not_found"));
    }
    return "";
}

}  // namespace

std::string action_list(const AppContext& context, const std::vector<fallback::Case>& cases) {
    std::string out = std::string(context.t("fb.actions.title")) + '\n';
    for (const auto& action : fallback::recheck_actions()) {
        std::vector<const fallback::Case*> in;
        for (const auto& c : cases) {
            if (c.recheck.state == "done" && c.recheck.action == action) in.push_back(&c);
        }
        if (in.empty()) continue;
        out += fmt::format("■ {}  {}\n", action_text(context, action), in.size());
        for (const auto* c : in) {
            const auto detail = action_detail(context, *c);
            out += fmt::format("  #{:<4} {}  {}  {}  {}{}\n", c->id, c->case_date,
                               pad_right(c->name, 16), share_text(context, c->share.charged),
                               route_text(context, c->claim.route),
                               detail.empty() ? "" : "  (" + detail + ")");
        }
    }
    return out;
}

std::filesystem::path default_form_path(const AppContext& context, std::int64_t id) {
    // Beside the store: the forms hold the same patients' details and share its protection.
    const auto store =
        context.config.store.path.empty() ? default_store_path() : context.config.store.path;
    const auto dir = store.parent_path() / "forms";
    std::filesystem::create_directories(dir);
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all);
    return dir / fmt::format("fallback-{}.html", id);
}

void write_form(const AppContext& context, const std::optional<fallback::Declaration>& filled,
                const std::filesystem::path& out) {
    fallback::FormContext form{context.config.facility.name, context.config.facility.code,
                               context.lang == Lang::Ja ? "ja" : "en"};
    const std::string html = fallback::declaration_form_html(filled, form);
    if (out.extension() == ".pdf") {
        const auto temp = out.parent_path() / (out.filename().string() + ".tmp.html");
        write_file_atomic(temp, html);
        try {
            render_html(temp, out, RenderFormat::Pdf);
        } catch (...) {
            std::filesystem::remove(temp);
            throw;
        }
        std::filesystem::remove(temp);
        return;
    }
    write_file_atomic(out, html);
}

}  // namespace mynaq::cli
