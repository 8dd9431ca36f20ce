// mynaq elig batch: 一括照会 for a reservations CSV, resumable after a crash.
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "commands.hpp"
#include "elig_render.hpp"
#include "elig_support.hpp"
#include "mynaq/digest.hpp"
#include "mynaq/oqs/bulk.hpp"

namespace mynaq::cli {

namespace {

struct BatchOptions {
    std::string csv;
    std::string date;
    bool fresh = false;
    double interval = 2.0;
};

int run_batch(AppContext& context, const BatchOptions& o) {
    const auto people = oqs::read_reservations(o.csv);
    oqs::BulkOptions options;
    options.facility = facility_code(context);
    options.confirmation_date =
        o.date.empty() ? today_yyyymmdd() : normalise_date(o.date, "--date");
    options.round_interval = std::chrono::milliseconds(static_cast<long>(o.interval * 1000));
    options.overall_timeout = context.config.oqs.folder.bulk_timeout;
    // The same reservations for the same day and facility resume the same job.
    std::string key = sha256_hex(read_file_bytes(o.csv) + "|" + options.confirmation_date + "|" +
                                 options.facility);
    if (o.fresh) key = sha256_hex(key + "|" + oqs::make_file_identifier());

    auto store = open_store(context);
    auto exchange = open_exchange(context);
    const bool tty = ::isatty(STDERR_FILENO) == 1 && !context.json();
    const auto outcome =
        oqs::run_bulk(*exchange, *store, people, key, options, [&](const oqs::BulkProgress& p) {
            if (!tty) return;
            if (p.phase == "upload") {
                std::cerr << fmt::format("\r{} ({}件)…", context.t("batch.uploading"),
                                         people.size());
            } else {
                std::cerr << fmt::format("\r{} {}…   ", context.t("batch.waiting"), p.round);
            }
            std::cerr.flush();
        });
    if (tty) std::cerr << '\r' << std::string(40, ' ') << '\r';

    int normal = 0;
    int abnormal = 0;
    for (const auto& row : outcome.rows) {
        const bool ok = row.unit && row.unit->person == oqs::PersonState::Ok &&
                        row.unit->eligibility == oqs::Eligibility::Valid;
        ok ? ++normal : ++abnormal;
    }
    if (context.json()) {
        nlohmann::json rows = nlohmann::json::array();
        for (const auto& row : outcome.rows) {
            nlohmann::json r{{"line", row.reservation.line},
                             {"chart_id", row.reservation.chart_id},
                             {"check_id", row.check_id}};
            if (row.unit) {
                r["person_state"] = std::string(oqs::to_string(row.unit->person));
                r["eligibility"] = std::string(oqs::to_string(row.unit->eligibility));
                r["processing_result_code"] = row.unit->processing_result_code;
                r["processing_result_message"] = row.unit->processing_result_message;
                r["reference_number"] = row.unit->reference_number;
            } else {
                r["eligibility"] = "missing";
            }
            rows.push_back(std::move(r));
        }
        context.emit_json({{"reception_number", outcome.job.reception_number},
                           {"resumed", outcome.resumed},
                           {"rounds", outcome.job.download_round},
                           {"total", outcome.rows.size()},
                           {"normal", normal},
                           {"abnormal", abnormal},
                           {"reported",
                            {{"processed", outcome.result.number_of_results},
                             {"normal", outcome.result.number_of_normal},
                             {"error", outcome.result.number_of_errors}}},
                           {"rows", rows}});
    } else {
        std::cout << fmt::format(fmt::runtime(std::string(context.t("batch.summary"))),
                                 outcome.rows.size(), normal, abnormal)
                  << fmt::format("  ({} {})", context.t("batch.reception"),
                                 outcome.job.reception_number)
                  << '\n';
        for (const auto& row : outcome.rows) {
            std::string state =
                row.unit ? eligibility_text(context, oqs::to_string(row.unit->eligibility))
                         : std::string(context.t("batch.missing"));
            std::string detail;
            if (row.unit && !row.unit->processing_result_message.empty()) {
                detail = row.unit->processing_result_message;
            }
            std::cout << fmt::format(
                "  {:>4}  {:<12} {:<6} {}  {}\n", row.reservation.line, row.reservation.chart_id,
                row.check_id ? fmt::format("#{}", row.check_id) : "-", state, detail);
        }
    }
    return abnormal == 0 ? 0 : 1;
}

}  // namespace

void add_elig_batch_command(Registry registry, CLI::App& elig) {
    auto& context = registry.context;
    auto& action = registry.action;
    auto o = std::make_shared<BatchOptions>();
    CLI::App* batch =
        elig.add_subcommand("batch", "一括照会: confirm a reservations CSV in one request");
    batch
        ->add_option("--csv", o->csv,
                     "Reservations: chart_id,insurer_number,symbol,number,branch,birthdate")
        ->type_name("FILE")
        ->required();
    batch->add_option("--date", o->date, "資格確認日, the appointment day (default: today)")
        ->type_name("DATE");
    batch->add_option("--interval", o->interval, "Seconds between 処理中 rounds (default 2)")
        ->type_name("SECONDS")
        ->check(CLI::Range(0.05, 600.0));
    batch->add_flag("--new", o->fresh,
                    "Submit again even if this file was already submitted for that day");
    batch->callback(
        [&context, &action, o] { action = [&context, o] { return run_batch(context, *o); }; });
}

}  // namespace mynaq::cli
