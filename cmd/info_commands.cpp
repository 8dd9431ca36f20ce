// mynaq info drugs / checkups: a patient's 薬剤情報 and 特定健診情報, only with their consent,
// throttled, and every view audited.
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "consent_support.hpp"
#include "elig_support.hpp"
#include "info_render.hpp"
#include "mynaq/files.hpp"
#include "mynaq/jst.hpp"
#include "mynaq/oqs/medical_retrieval.hpp"

namespace mynaq::cli {

namespace {

constexpr int kDefaultMonths = 60;

struct InfoOptions {
    PatientOptions patient;
    std::string from;
    std::string to;
    bool with_treatments = false;
    std::string pdf;
};

// YYYY-MM or YYYYMM → yyyyMM.
std::string month_option(const std::string& text, const char* option) {
    std::string digits;
    for (char c : text) {
        if (c != '-' && c != '/') digits += c;
    }
    const bool ok = digits.size() == 6 &&
                    digits.find_first_not_of("0123456789") == std::string::npos &&
                    digits.substr(4) >= "01" && digits.substr(4) <= "12";
    if (!ok) {
        throw Error(Errc::InvalidArgument,
                    fmt::format("{} must be a month as YYYY-MM, not '{}'", option, text));
    }
    return digits;
}

// yyyyMM of this month (JST) moved back `months`.
std::string month_before(int months) {
    const std::string today = today_yyyymmdd();
    int total = std::stoi(today.substr(0, 4)) * 12 + std::stoi(today.substr(4, 2)) - 1 - months;
    return fmt::format("{:04}{:02}", total / 12, total % 12 + 1);
}

int run_info(AppContext& context, const InfoOptions& o, oqs::MedicalInfoKind kind) {
    const std::string key = resolve_patient(o.patient);
    auto store = open_store(context);
    const auto patient = oqs::resolve_medical_patient(*store, key);

    oqs::MedicalRetrievalOptions options;
    options.facility = facility_code(context);
    options.kind = kind;
    if (kind == oqs::MedicalInfoKind::Drugs) {
        // By default the five years OQS keeps, up to this month.
        options.from_month =
            o.from.empty() ? month_before(kDefaultMonths - 1) : month_option(o.from, "--from");
        options.to_month = o.to.empty() ? month_before(0) : month_option(o.to, "--to");
        options.throttle = context.config.info.drugs_interval;
    } else {
        options.throttle = context.config.info.checkups_interval;
    }
    options.with_treatments = o.with_treatments;
    if (!o.pdf.empty()) options.format = oqs::MedicalFileFormat::Pdf;

    // Opened only when the terminal must be asked: never without consent, nor for a result
    // still within the throttle interval.
    std::unique_ptr<oqs::Exchange> exchange;
    const auto r = oqs::retrieve_medical_info(
        [&]() -> oqs::Exchange& {
            if (!exchange) exchange = open_exchange(context);
            return *exchange;
        },
        *store, patient, options, now_seconds());
    // Who saw which patient's information, which category, when.
    store->audit("view", "patient:" + patient.key,
                 nlohmann::json{{"category", std::string(oqs::consent_stem(kind))},
                                {"kind", r.result.kind},
                                {"result", r.result.id},
                                {"served", r.from_store ? "stored" : "fetched"}}
                     .dump());
    if (!r.pdf.empty()) {
        // Patients' data: 0600 from the first byte, written whole.
        write_file_atomic(o.pdf, std::string_view(r.pdf));
    }
    if (context.json()) {
        auto j = medical_retrieval_json(r);
        if (!r.pdf.empty()) j["pdf"] = {{"file", o.pdf}, {"bytes", r.pdf.size()}};
        context.emit_json(j);
    } else {
        print_medical_retrieval(context, r);
        if (!r.pdf.empty()) {
            std::cout << fmt::format(fmt::runtime(std::string(context.t("info.pdf_saved"))), o.pdf,
                                     r.pdf.size())
                      << '\n';
        } else if (!o.pdf.empty()) {
            std::cout << context.t("info.pdf_not_sent") << '\n';
        }
    }
    return 0;
}

CLI::App* add_info_command(Registry registry, CLI::App& info, const char* name,
                           const char* description, oqs::MedicalInfoKind kind) {
    auto& context = registry.context;
    auto& action = registry.action;
    auto o = std::make_shared<InfoOptions>();
    CLI::App* command = info.add_subcommand(name, description);
    add_patient_options(*command, o->patient);
    if (kind == oqs::MedicalInfoKind::Drugs) {
        command->add_option("--from", o->from, "First month (YYYY-MM); default: five years back")
            ->type_name("MONTH");
        command->add_option("--to", o->to, "Last month (YYYY-MM); default: this month")
            ->type_name("MONTH");
        command->add_flag("--with-treatments", o->with_treatments,
                          "Ask for 診療情報 with the drugs (薬剤＋診療)");
    }
    command->add_option("--pdf", o->pdf, "Ask for the PDF form and keep it in FILE (mode 0600)")
        ->type_name("FILE");
    command->callback([&context, &action, o, kind] {
        action = [&context, o, kind] { return run_info(context, *o, kind); };
    });
    return command;
}

}  // namespace

void add_info_commands(Registry registry) {
    CLI::App* info = registry.app.add_subcommand(
        "info", "A patient's 薬剤情報 and 特定健診情報 (with their consent)");
    info->require_subcommand(1);
    add_info_command(registry, *info, "drugs", "Medication history (薬剤情報), newest first",
                     oqs::MedicalInfoKind::Drugs);
    add_info_command(registry, *info, "checkups", "特定健診 results by year",
                     oqs::MedicalInfoKind::Checkups);
}

}  // namespace mynaq::cli
