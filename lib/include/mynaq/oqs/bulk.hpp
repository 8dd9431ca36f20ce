// 一括照会 (OQSmuquc01/02) for the day's reservations: upload, then download rounds until the
// result is no longer 処理中. The job is kept in the store so that a crashed run resumes with
// the same request files instead of submitting the reservations twice.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "mynaq/oqs/exchange.hpp"
#include "mynaq/oqs/message.hpp"
#include "mynaq/store.hpp"

namespace mynaq::oqs {

struct Reservation {
    int line = 0;          // CSV line number, for messages
    std::string chart_id;  // the clinic's own id, sent as ArbitraryIdentifier
    SearchInfo search;
};

// CSV with a header row naming columns: chart_id, insurer_number, symbol, number, branch,
// birthdate, limit_consent (order free; symbol, branch and limit_consent optional).
// UTF-8 (BOM allowed) or Shift_JIS. Throws Error{DataInvalid} with the line of a bad row.
std::vector<Reservation> read_reservations(const std::filesystem::path& csv);

struct BulkOptions {
    std::string confirmation_date;  // yyyyMMdd
    std::string facility;
    std::chrono::milliseconds round_interval{2'000};  // wait between 処理中 rounds
    std::chrono::milliseconds overall_timeout{600'000};
};

struct BulkProgress {
    std::string phase;  // "upload" | "download"
    int round = 0;
    bool resumed = false;
};

struct BulkRow {
    Reservation reservation;
    std::optional<BulkUnit> unit;  // absent when the result had no unit for this row
    std::int64_t check_id = 0;
};

struct BulkOutcome {
    BulkJob job;
    BulkResult result;
    std::vector<BulkRow> rows;  // in reservation order
    bool resumed = false;
};

// input_key: a hash of the reservations file; the job is found again by it and the date.
BulkOutcome run_bulk(Exchange& exchange, Store& store, const std::vector<Reservation>& people,
                     const std::string& input_key, const BulkOptions& options,
                     const std::function<void(const BulkProgress&)>& progress = {});

}  // namespace mynaq::oqs
