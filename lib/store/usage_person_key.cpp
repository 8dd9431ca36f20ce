// usage_person_key(): who a check was for, when counting persons per month. Migration 4 of
// both backends backfills old rows with the same rule in SQL; the two must stay alike.
#include "mynaq/store.hpp"

namespace mynaq {

std::string usage_person_key(const CheckRecord& record) {
    // A failed file or "no such person" names nobody, whatever fields it carries.
    if (record.person_state != "ok") return {};
    if (!record.identification_number.empty()) {
        // As sent, spaces kept: the same card gives the same text every time.
        return "ins:" + record.insurer_number + "/" + record.card_symbol + "/" +
               record.identification_number + "/" + record.branch_number;
    }
    if (!record.birthdate.empty() && !record.name_kana.empty()) {
        return "kana:" + record.birthdate + "/" + record.name_kana;
    }
    return {};
}

}  // namespace mynaq
