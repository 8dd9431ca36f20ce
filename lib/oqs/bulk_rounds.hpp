// Internal to lib/oqs: the download rounds every bulk exchange shares (一括照会 OQSmuquc02 and
// bulk 照会番号 registration OQSmuimm02). Each round's suffix is saved in the job before its
// request is written, so a crashed run resumes the same round instead of asking twice.
#pragma once

#include <chrono>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "mynaq/error.hpp"
#include "mynaq/oqs/exchange.hpp"
#include "mynaq/oqs/message.hpp"
#include "mynaq/store.hpp"

namespace mynaq::oqs::detail {

// yyyyMMdd, JST.
std::string today_compact();

// A new job, state "uploading", with its upload suffix and identifier drawn; not yet saved.
BulkJob new_bulk_job(Store& store, const std::string& input_key, const std::string& facility,
                     const std::string& confirmation_date);

struct RoundTiming {
    std::chrono::milliseconds interval{2'000};
    std::chrono::steady_clock::time_point deadline;
};

// Asks with `fetch(suffix)` until the result is no longer 処理中 and returns it. `what` names
// the job in errors ("the bulk result"). Throws Error{OqsTimeout} past the deadline (the job
// stays resumable), Error{OqsFailed} for a failed result (the job is marked failed) and
// Error{MessageInvalid} when the result is for another reception number.
template <class Result, class Fetch, class Report>
Result download_until_done(Store& store, BulkJob& job, const RoundTiming& timing,
                           std::string_view what, Fetch fetch, Report report) {
    for (;;) {
        if (job.download_suffix.empty()) {
            const std::string today = today_compact();
            job.download_suffix = make_suffix(today, store.next_sequence(today));
            ++job.download_round;
            store.save_bulk_job(job);
        }
        report();
        Result result = fetch(job.download_suffix);
        if (!result.reception_number.empty() && result.reception_number != job.reception_number) {
            throw Error(Errc::MessageInvalid,
                        fmt::format("{} is for reception number {}, not {}", what,
                                    result.reception_number, job.reception_number));
        }
        if (result.header.state == FileState::Processing) {
            if (job.state == "done") return result;
            job.download_suffix.clear();
            store.save_bulk_job(job);
            if (std::chrono::steady_clock::now() + timing.interval > timing.deadline) {
                throw Error(Errc::OqsTimeout,
                            fmt::format("{} for reception number {} was still being processed; "
                                        "run the same command again later to resume",
                                        what, job.reception_number),
                            {{"reception_number", job.reception_number}});
            }
            std::this_thread::sleep_for(timing.interval);
            continue;
        }
        if (result.header.state == FileState::Failed) {
            job.state = "failed";
            store.save_bulk_job(job);
            throw Error(Errc::OqsFailed,
                        fmt::format("{} ended with an error: {} {}", what, result.header.error_code,
                                    result.header.error_message),
                        {{"error_code", result.header.error_code},
                         {"error_message", result.header.error_message}});
        }
        return result;
    }
}

}  // namespace mynaq::oqs::detail
