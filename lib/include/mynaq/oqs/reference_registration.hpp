// 照会番号 registration end to end: the chart is kept in the store as "pending" before its
// request is written, then marked registered or failed from the result, so a chart is never
// lost to a terminal that does not answer. Bulk registration keeps its job (upload, reception
// number, rounds) in the store like 一括照会 and resumes it when run again on the same file.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "mynaq/oqs/exchange.hpp"
#include "mynaq/oqs/reference_number.hpp"
#include "mynaq/store.hpp"

namespace mynaq::oqs {

// The registration a chart asks for.
ReferenceRegistration registration_of(const ChartRecord& chart);

// OQSsiimm01. Returns the chart as saved (ref_state "registered" or "failed" with the code and
// message). A blocking finding is Error{InvalidArgument} before anything is saved or sent;
// when the exchange fails (timeout, .err) the chart stays "pending" and the error is thrown.
ChartRecord register_chart(Exchange& exchange, Store& store, const std::string& facility,
                           ChartRecord chart);

struct ChartBulkOptions {
    std::string facility;
    std::chrono::milliseconds round_interval{2'000};
    std::chrono::milliseconds overall_timeout{600'000};
};

struct ChartBulkProgress {
    std::string phase;  // "upload" | "download"
    int round = 0;
};

struct ChartBulkOutcome {
    BulkJob job;
    BulkReferenceResult result;
    std::vector<ChartRecord> charts;  // as saved, in input order
    bool resumed = false;
    int registered = 0;
    int failed = 0;
};

// OQSmuimm01/02. `input_key` identifies the file (a hash of it): the same key resumes its job.
// Every chart is saved "pending" with the reception number once the upload is accepted; a
// chart the result does not mention is marked failed ("not in the result").
ChartBulkOutcome register_charts_bulk(
    Exchange& exchange, Store& store, const std::vector<ChartRecord>& charts,
    const std::string& input_key, const ChartBulkOptions& options,
    const std::function<void(const ChartBulkProgress&)>& progress = {});

}  // namespace mynaq::oqs
