// Eligibility checks from request to stored record: one place decides how a result becomes a
// CheckRecord, so query, batch and face intake store the same thing the same way.
#pragma once

#include <memory>
#include <string>

#include "mynaq/config.hpp"
#include "mynaq/oqs/exchange.hpp"
#include "mynaq/oqs/message.hpp"
#include "mynaq/store.hpp"

namespace mynaq::oqs {

// The transport named by oqs.transport, with its options from the configuration.
// Throws Error{ConfigInvalid} naming the missing key (oqs.folder.root, facility.code, ...).
std::unique_ptr<Exchange> make_exchange(const Config& config);
FolderOptions folder_options(const Config& config);
WebApiOptions webapi_options(const Config& config);
XmlLimits message_limits(const Config& config);

struct CheckContext {
    std::string facility;
    std::string method;  // "card" | "smartphone" | "certificate" | "fallback"
    std::string source;  // "query" | "bulk" | "face"
    std::string source_file;
    std::string request_id;
};

// One record per result: the first coverage record is summarised (several are kept whole in
// coverage_json); the raw XML is kept as UTF-8.
CheckRecord to_check_record(const QualificationResult& result, const CheckContext& context);
CheckRecord to_check_record(const BulkUnit& unit, const BulkResult& result,
                            const CheckContext& context);

// JSON of the coverage records (every field as sent) and of the consent flags.
std::string coverages_json(const std::vector<Coverage>& coverages);
std::string consents_json(const std::vector<Coverage>& coverages);

struct QueryOutcome {
    QualificationResult result;
    CheckRecord record;  // as committed (id set)
};

// Sends a single query, waits for the result and commits the check before returning.
// A result with SegmentOfResult 9 is stored too (it is evidence of the attempt) and then
// reported as Error{OqsFailed} carrying the ErrorCode/ErrorMessage verbatim and the check id.
QueryOutcome query_eligibility(Exchange& exchange, Store& store, const SingleQuery& query);

}  // namespace mynaq::oqs
