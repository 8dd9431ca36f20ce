// Recheck after recovery: every case that was not confirmed online is queried again for the
// day of the visit — one 一括照会 per visit day, or single queries — and sorted into what staff
// and claims must do: confirmed as recorded, a different share, a different insurer,
// ineligible (不当利得 follow-up) or still unknown (不詳請求).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "mynaq/fallback/case.hpp"
#include "mynaq/fallback/claim.hpp"
#include "mynaq/oqs/exchange.hpp"
#include "mynaq/store.hpp"

namespace mynaq::fallback {

// The recheck actions, in the order the action list shows them.
const std::vector<std::string>& recheck_actions();

// Sorts a case by the check the recheck returned (nullptr: no answer for it) and plans its
// claim again. `at` is the JST time of the recheck.
void apply_recheck(Case& c, const CheckRecord* check, const std::string& at,
                   const ClaimOptions& options);

struct RecheckOptions {
    std::string via = "bulk";  // "bulk" | "single"
    std::string facility;
    std::chrono::milliseconds round_interval{2'000};
    std::chrono::milliseconds overall_timeout{600'000};
    ClaimOptions claim;
};

struct RecheckProgress {
    std::string phase;  // "upload" | "download" | "query" | "save"
    int done = 0;
    int total = 0;
    std::string day;  // the visit day being rechecked (yyyy-mm-dd)
};

struct RecheckReport {
    std::vector<Case> cases;  // every case rechecked now, as saved
    int queried = 0;          // cases sent to the system
    int without_numbers = 0;  // cases with nothing to query by (不詳 until the patient tells)
    bool resumed = false;     // an interrupted recheck was continued
};

// Queries one case for its visit day with a single request whose suffix is kept in the case
// (recheck.key, saved before the request is written): asked again after a timeout or a crash,
// it reads the same request's answer instead of sending another. The check is recorded once.
// Throws what the exchange throws; the case stays "pending" then.
CheckRecord query_case(oqs::Exchange& exchange, Store& store, Case& c, const std::string& facility);

// The cases waiting for a recheck (state "queued"), oldest first.
std::vector<Case> queued_cases(const Store& store);

// Rechecks every queued case and saves the outcome of each visit day in one transaction. A
// recheck interrupted at any point resumes with the same requests: nothing is sent twice.
// Throws what the exchange throws (OQS_TIMEOUT when the system is still down); cases of the
// days already finished stay saved.
RecheckReport run_recheck(oqs::Exchange& exchange, Store& store, const RecheckOptions& options,
                          const std::function<void(const RecheckProgress&)>& progress = {});

}  // namespace mynaq::fallback
