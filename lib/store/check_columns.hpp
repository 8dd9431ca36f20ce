// The columns of `checks`, shared by both backends (the schema is the same): INSERT, SELECT
// and the store copy are all built from this one list.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "mynaq/store.hpp"

namespace mynaq::store::detail {

// Every text column of `checks`, in table order; INSERT and SELECT are built from this list.
// The table also has person_key (migration 4): usage_person_key() of the row, written by every
// INSERT of a check (and by the copy) but never read back into CheckRecord.
inline constexpr std::array<std::pair<std::string_view, std::string CheckRecord::*>, 33>
    kCheckColumns{{
        {"checked_at", &CheckRecord::checked_at},
        {"facility", &CheckRecord::facility},
        {"method", &CheckRecord::method},
        {"identity_method", &CheckRecord::identity_method},
        {"source", &CheckRecord::source},
        {"source_file", &CheckRecord::source_file},
        {"request_id", &CheckRecord::request_id},
        {"confirmation_date", &CheckRecord::confirmation_date},
        {"file_state", &CheckRecord::file_state},
        {"person_state", &CheckRecord::person_state},
        {"eligibility", &CheckRecord::eligibility},
        {"processing_code", &CheckRecord::processing_code},
        {"processing_message", &CheckRecord::processing_message},
        {"insurer_number", &CheckRecord::insurer_number},
        {"card_symbol", &CheckRecord::card_symbol},
        {"identification_number", &CheckRecord::identification_number},
        {"branch_number", &CheckRecord::branch_number},
        {"birthdate", &CheckRecord::birthdate},
        {"name", &CheckRecord::name},
        {"name_kana", &CheckRecord::name_kana},
        {"ratio", &CheckRecord::ratio},
        {"valid_from", &CheckRecord::valid_from},
        {"valid_to", &CheckRecord::valid_to},
        {"limit_summary", &CheckRecord::limit_summary},
        {"specific_disease_summary", &CheckRecord::specific_disease_summary},
        {"reference_number", &CheckRecord::reference_number},
        {"consents_json", &CheckRecord::consents_json},
        {"coverage_json", &CheckRecord::coverage_json},
        {"raw_xml", &CheckRecord::raw_xml},
        // Migration 5.
        {"chart_id", &CheckRecord::chart_id},
        {"match_state", &CheckRecord::match_state},
        {"match_rule", &CheckRecord::match_rule},
        {"match_candidates", &CheckRecord::match_candidates},
    }};

}  // namespace mynaq::store::detail
