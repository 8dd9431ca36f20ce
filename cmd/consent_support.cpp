#include "consent_support.hpp"

#include <unistd.h>

#include <algorithm>

#include "elig_support.hpp"
#include "mynaq/error.hpp"
#include "mynaq/jst.hpp"
#include "text_width.hpp"

namespace mynaq::cli {

void add_patient_options(CLI::App& command, PatientOptions& o) {
    command.add_option("--patient", o.patient, "Patient key: ref:<照会番号> or ins:<…> (see man)")
        ->type_name("KEY");
    command.add_option("--reference", o.reference, "照会番号 (ReferenceNumber)")->type_name("N");
    command.add_option("--insurer", o.insurer, "保険者番号")->type_name("NUMBER");
    command.add_option("--symbol", o.symbol, "記号")->type_name("TEXT");
    command.add_option("--number", o.number, "番号")->type_name("TEXT");
    command.add_option("--branch", o.branch, "枝番")->type_name("NN");
    command.add_option("--birthdate", o.birthdate, "生年月日 (YYYY-MM-DD or YYYYMMDD)")
        ->type_name("DATE");
}

std::string resolve_patient(const PatientOptions& o) {
    const bool by_numbers = !o.insurer.empty() || !o.number.empty() || !o.symbol.empty() ||
                            !o.branch.empty() || !o.birthdate.empty();
    const int ways = static_cast<int>(!o.patient.empty()) + static_cast<int>(!o.reference.empty()) +
                     static_cast<int>(by_numbers);
    if (ways != 1) {
        throw Error(Errc::Usage,
                    "name the patient once: --patient KEY, --reference N, or --insurer, --number "
                    "and --birthdate");
    }
    if (!o.patient.empty()) return checked_patient_key(o.patient);
    if (!o.reference.empty()) return patient_key(o.reference, "", "", "", "", "");
    if (o.insurer.empty() || o.number.empty() || o.birthdate.empty()) {
        throw Error(Errc::Usage, "--insurer, --number and --birthdate are all needed");
    }
    return patient_key("", o.insurer, o.symbol, o.number, o.branch,
                       normalise_date(o.birthdate, "--birthdate"));
}

std::vector<std::string> category_names() {
    std::vector<std::string> names;
    for (const auto& c : consent_categories()) names.emplace_back(c.cli_name);
    return names;
}

std::string category_label(const AppContext& context, std::string_view stem) {
    const auto* c = find_consent_category(stem);
    if (c == nullptr) return std::string(stem);  // a category this version does not name
    return std::string(context.lang == Lang::Ja ? c->label_ja : c->label_en);
}

namespace {

std::string lookup(const AppContext& context, const std::string& key, std::string_view value) {
    const auto text = context.t(key);
    return text == key ? std::string(value) : std::string(text);
}

}  // namespace

std::string source_text(const AppContext& context, std::string_view source) {
    return lookup(context, "consent_source." + std::string(source), source);
}

std::string flag_text(const AppContext& context, std::string_view flag) {
    return lookup(context, "consent_flag." + std::string(flag), flag);
}

std::string reason_text(const AppContext& context, std::string_view reason) {
    return lookup(context, "consent_reason." + std::string(reason), reason);
}

std::string time_text(std::string_view iso) {
    const auto t = parse_iso_time(iso);
    return t ? format_jst_human(*t) : std::string(iso);
}

std::string cell(std::string_view text, std::size_t width) {
    return pad_right(text, std::max(width, display_width(text) + 2));
}

bool stdin_is_terminal() {
    return ::isatty(STDIN_FILENO) == 1;
}

}  // namespace mynaq::cli
