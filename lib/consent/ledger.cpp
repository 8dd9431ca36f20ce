#include <algorithm>

#include "mynaq/consent.hpp"
#include "mynaq/jst.hpp"

namespace mynaq {

namespace {

void note_unreadable(ConsentRecord& record, const char* element, const std::string& value) {
    record.note += (record.note.empty() ? "" : "; ") + std::string(element) + " as sent: " + value;
}

// Categories this version does not name are new 閲覧同意 categories (they keep being added
// under the same naming), so they get the reader's lifetime too.
bool is_viewing(const std::string& stem) {
    const auto* c = find_consent_category(stem);
    return c == nullptr || c->viewing;
}

// When the decision was made: the consent time, else when the entry was recorded.
std::optional<std::chrono::sys_seconds> decided_at(const ConsentRecord& r) {
    if (auto t = parse_iso_time(r.consented_at)) return t;
    return parse_iso_time(r.recorded_at);
}

std::string effective_expiry(const ConsentRecord& r) {
    if (!r.expires_at.empty() || r.source != "reader" || !is_viewing(r.category)) {
        return r.expires_at;
    }
    const auto from = decided_at(r);
    return from ? format_jst_iso(*from + kReaderConsentLifetime) : std::string();
}

}  // namespace

std::vector<ConsentRecord> consents_from_flags(const std::string& patient_key,
                                               const std::vector<ConsentFlag>& flags,
                                               const std::string& source) {
    std::vector<ConsentRecord> out;
    for (const auto& [stem, flag, cons_time, available_time] : flags) {
        if (stem.empty() || flag.empty()) continue;  // the result says nothing about it
        ConsentRecord r;
        r.patient_key = patient_key;
        r.category = stem;
        r.flag = flag;
        r.source = source;
        r.consented_at = oqs_time_to_iso(cons_time);
        if (r.consented_at.empty() && !cons_time.empty()) note_unreadable(r, "ConsTime", cons_time);
        if (!available_time.empty()) {
            r.expires_at = oqs_time_to_iso(available_time);
            if (r.expires_at.empty()) note_unreadable(r, "AvailableTime", available_time);
        } else if (source == "reader" && flag == "1" && is_viewing(stem) &&
                   !r.consented_at.empty()) {
            r.expires_at = format_jst_iso(*parse_iso_time(r.consented_at) + kReaderConsentLifetime);
        }
        out.push_back(std::move(r));
    }
    return out;
}

ConsentStatus consent_status(const std::vector<ConsentRecord>& entries,
                             std::chrono::sys_seconds now) {
    ConsentStatus status;
    if (entries.empty()) {
        status.reason = "none";
        return status;
    }
    // Entries without a readable time sort first: anything dated is a later decision.
    const auto newer = [](const ConsentRecord& a, const ConsentRecord& b) {
        const auto ta = decided_at(a);
        const auto tb = decided_at(b);
        if (ta != tb) return ta < tb;
        return a.id < b.id;
    };
    const auto& latest = *std::max_element(entries.begin(), entries.end(), newer);
    status.latest = latest;
    if (latest.flag == "2") {
        status.reason = "expired";
        return status;
    }
    if (latest.flag != "1") {
        status.reason = "withdrawn";
        return status;
    }
    status.expires_at = effective_expiry(latest);
    if (!status.expires_at.empty()) {
        const auto until = parse_iso_time(status.expires_at);
        // An expiry that cannot be read is not a licence to show data.
        if (!until || now >= *until) {
            status.reason = "expired";
            return status;
        }
    }
    status.valid = true;
    status.reason = "consented";
    return status;
}

}  // namespace mynaq
