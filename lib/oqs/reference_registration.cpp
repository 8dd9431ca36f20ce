#include "mynaq/oqs/reference_registration.hpp"

#include <map>

#include <fmt/format.h>

#include "bulk_rounds.hpp"
#include "mynaq/error.hpp"
#include "mynaq/jst.hpp"

namespace mynaq::oqs {

namespace {

void mark(ChartRecord& chart, std::string state, std::string code, std::string message) {
    chart.ref_state = std::move(state);
    chart.ref_code = std::move(code);
    chart.ref_message = std::move(message);
}

}  // namespace

ReferenceRegistration registration_of(const ChartRecord& chart) {
    return {chart.chart_id, chart.insurer_number, chart.card_symbol, chart.identification_number,
            chart.branch_number};
}

ChartRecord register_chart(Exchange& exchange, Store& store, const std::string& facility,
                           ChartRecord chart) {
    const auto registration = registration_of(chart);
    require_valid_reference_registration(registration);
    const std::string today = detail::today_compact();
    const auto suffix = make_suffix(today, store.next_sequence(today));
    const auto request =
        build_reference_registration(facility, make_file_identifier(), registration);
    mark(chart, "pending", "", "");
    chart.reception_number.clear();
    store.save_charts({chart});

    const auto result = parse_reference_registration_result(
        exchange.exchange({std::string(kReferenceSingle), suffix, request}));
    if (result.registered()) {
        mark(chart, "registered", result.processing_result_code, result.processing_result_message);
    } else {
        const bool file_error = !result.header.error_code.empty();
        mark(chart, "failed", file_error ? result.header.error_code : result.processing_result_code,
             file_error ? result.header.error_message : result.processing_result_message);
    }
    store.save_charts({chart});
    return chart;
}

ChartBulkOutcome register_charts_bulk(
    Exchange& exchange, Store& store, const std::vector<ChartRecord>& charts,
    const std::string& input_key, const ChartBulkOptions& options,
    const std::function<void(const ChartBulkProgress&)>& progress) {
    if (charts.empty()) throw Error(Errc::InvalidArgument, "no charts to register");
    std::vector<ReferenceRegistration> registrations;
    registrations.reserve(charts.size());
    for (const auto& chart : charts) registrations.push_back(registration_of(chart));

    ChartBulkOutcome out;
    out.charts = charts;
    const auto deadline = std::chrono::steady_clock::now() + options.overall_timeout;
    const auto report = [&](const char* phase) {
        if (progress) progress({phase, out.job.download_round});
    };
    if (auto existing = store.find_bulk_job(input_key)) {
        out.job = *existing;
        out.resumed = true;
    } else {
        // Built (and so checked) before the job exists: a bad row leaves nothing behind.
        out.job = detail::new_bulk_job(store, input_key, options.facility, "");
        build_bulk_reference_upload(options.facility, out.job.upload_identifier, registrations);
        out.job.id = store.save_bulk_job(out.job);
    }
    if (out.job.state == "failed") {
        throw Error(Errc::OqsFailed,
                    fmt::format("bulk registration {} failed earlier; start it again with --new",
                                out.job.upload_suffix));
    }
    if (out.job.state == "uploading") {
        report("upload");
        const auto upload = parse_bulk_reference_upload_result(
            exchange.exchange({std::string(kReferenceBulkUpload), out.job.upload_suffix,
                               build_bulk_reference_upload(
                                   options.facility, out.job.upload_identifier, registrations)}));
        if (upload.header.state == FileState::Failed || upload.reception_number.empty()) {
            out.job.state = "failed";
            store.save_bulk_job(out.job);
            throw Error(Errc::OqsFailed,
                        fmt::format("the bulk registration was refused: {} {}",
                                    upload.header.error_code, upload.header.error_message),
                        {{"error_code", upload.header.error_code},
                         {"error_message", upload.header.error_message}});
        }
        out.job.reception_number = upload.reception_number;
        for (auto& chart : out.charts) {
            mark(chart, "pending", "", "");
            chart.reception_number = upload.reception_number;
        }
        store.save_charts(out.charts);
        out.job.state = "waiting";
        store.save_bulk_job(out.job);
    }

    out.result = detail::download_until_done<BulkReferenceResult>(
        store, out.job, {options.round_interval, deadline}, "the bulk registration result",
        [&](const std::string& suffix) {
            return parse_bulk_reference_result(exchange.exchange(
                {std::string(kReferenceBulkDownload), suffix,
                 build_bulk_reference_download(options.facility, out.job.upload_identifier,
                                               out.job.reception_number)}));
        },
        [&] { report("download"); });

    std::map<std::string, const BulkRegistrationUnit*> by_reference;
    for (const auto& unit : out.result.units) by_reference[unit.info.reference_number] = &unit;
    for (auto& chart : out.charts) {
        chart.reception_number = out.job.reception_number;
        const auto it = by_reference.find(chart.chart_id);
        if (it == by_reference.end()) {
            mark(chart, "failed", "", "not in the result");
        } else if (it->second->person == PersonState::Ok) {
            mark(chart, "registered", it->second->processing_result_code,
                 it->second->processing_result_message);
        } else {
            mark(chart, "failed", it->second->processing_result_code,
                 it->second->processing_result_message);
        }
        ++(chart.ref_state == "registered" ? out.registered : out.failed);
    }
    store.save_charts(out.charts);
    out.job.state = "done";
    store.save_bulk_job(out.job);
    return out;
}

}  // namespace mynaq::oqs
