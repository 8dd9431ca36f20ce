// The consent ledger library: categories, patient keys (never the 個人番号), entries from OQS
// flags, the newest-wins status with expiry, and the export formats.
#include <doctest/doctest.h>

#include <chrono>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "error_code_of.hpp"
#include "mynaq/consent.hpp"
#include "mynaq/jst.hpp"

using namespace mynaq;
using namespace std::chrono_literals;
using mynaq::test::error_code_of;

namespace {

std::chrono::sys_seconds at(const char* iso) {
    const auto t = parse_iso_time(iso);
    REQUIRE(t.has_value());
    return *t;
}

ConsentRecord entry(std::int64_t id, const std::string& flag, const std::string& consented_at,
                    const std::string& expires_at = "", const std::string& source = "oral") {
    ConsentRecord r;
    r.id = id;
    r.patient_key = "ref:K1";
    r.category = "PharmacistsInfo";
    r.flag = flag;
    r.consented_at = consented_at;
    r.expires_at = expires_at;
    r.source = source;
    r.recorded_at = consented_at;
    return r;
}

// The 個人番号 check digit computed the long way round, from the right as the ordinance
// states it (Pn times Qn, Qn = n+1 for n <= 6, n-5 for n >= 7), to cross-check the library.
int ordinance_check_digit(const std::string& first11) {
    int sum = 0;
    for (int n = 1; n <= 11; ++n) {
        const int p = first11[static_cast<std::size_t>(11 - n)] - '0';
        const int q = n <= 6 ? n + 1 : n - 5;
        sum += p * q;
    }
    const int r = sum % 11;
    return r <= 1 ? 0 : 11 - r;
}

std::vector<std::string> csv_lines(const std::string& csv) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < csv.size()) {
        const auto end = csv.find("\r\n", start);
        lines.push_back(csv.substr(start, end - start));
        if (end == std::string::npos) break;
        start = end + 2;
    }
    return lines;
}

}  // namespace

TEST_CASE("consent categories name every OQS stem with labels, CLI names and groups") {
    const auto categories = consent_categories();
    CHECK(categories.size() == 12);
    std::set<std::string_view> stems, names;
    for (const auto& c : categories) {
        stems.insert(c.stem);
        names.insert(c.cli_name);
        CHECK_FALSE(c.label_ja.empty());
        CHECK_FALSE(c.label_en.empty());
        CHECK(find_consent_category(c.stem) == &c);
        CHECK(find_consent_category(c.cli_name) == &c);
    }
    CHECK(stems.size() == 12);
    CHECK(names.size() == 12);
    CHECK(consent_category("drugs").stem == "PharmacistsInfo");
    CHECK(consent_category("drugs").label_ja == "薬剤情報");
    CHECK(consent_category("drug-allergy").stem == "ContraindicationInfo");
    CHECK(consent_category("diagnosis-name").oqs_group == "SHJ");
    CHECK(consent_category("checkups").oqs_group == "TKK");
    CHECK(consent_category("specific-disease").oqs_group == "TSR");
    CHECK_FALSE(consent_category("limit").viewing);
    CHECK_FALSE(consent_category("specific-disease").viewing);
    CHECK(consent_category("tests").viewing);
    CHECK(find_consent_category("PharmaceuticalInfo") == nullptr);
    CHECK(error_code_of([] { (void)consent_category("x-ray"); }) == Errc::InvalidArgument);
}

TEST_CASE("consent 個人番号 check digit matches the ordinance's weights") {
    CHECK(looks_like_individual_number("123456789018"));
    for (char last = '0'; last <= '9'; ++last) {
        if (last == '8') continue;
        CHECK_FALSE(looks_like_individual_number(std::string("12345678901") + last));
    }
    // Every remainder, including r = 0 and r = 1 (check digit 0).
    for (const std::string first11 : {"00000000000", "00000000006", "00000000001", "98765432109",
                                      "55555555555", "31415926535", "27182818284"}) {
        const int check = ordinance_check_digit(first11);
        CHECK(looks_like_individual_number(first11 + static_cast<char>('0' + check)));
        CHECK_FALSE(
            looks_like_individual_number(first11 + static_cast<char>('0' + (check + 1) % 10)));
    }
    CHECK_FALSE(looks_like_individual_number("12345678901"));
    CHECK_FALSE(looks_like_individual_number("1234567890180"));
    CHECK_FALSE(looks_like_individual_number("12345678901a"));
    // As printed on the card, pasted with hyphens, typed with a Japanese IME.
    CHECK(looks_like_individual_number("1234 5678 9018"));
    CHECK(looks_like_individual_number("1234-5678-9018"));
    CHECK(looks_like_individual_number("１２３４　５６７８　９０１８"));
    CHECK(looks_like_individual_number("1234－5678ー9018"));
    CHECK(looks_like_individual_number("1234—5678−9018"));
    // Other characters make it something else; a wrong check digit stays a wrong one.
    CHECK_FALSE(looks_like_individual_number("K1234-5678-9018"));
    CHECK_FALSE(looks_like_individual_number("1234-5678-9019"));
    CHECK_FALSE(looks_like_individual_number("1234.5678.9018"));
    CHECK_FALSE(looks_like_individual_number(""));
    CHECK_FALSE(looks_like_individual_number("--"));
}

TEST_CASE("consent patient key from a reference number is trimmed and prefixed ref:") {
    CHECK(patient_key("K000101", "06139992", "1234", "5678", "01", "19800101") == "ref:K000101");
    CHECK(patient_key("  K000101 ", "", "", "", "", "") == "ref:K000101");
    CHECK(patient_key("\u3000K7\u3000", "", "", "", "", "") == "ref:K7");
    // 12 digits that fail the check digit are an ordinary chart number.
    CHECK(patient_key("123456789019", "", "", "", "", "") == "ref:123456789019");
}

TEST_CASE("consent patient key refuses a 個人番号 as reference number") {
    CHECK(error_code_of([] { (void)patient_key("123456789018", "", "", "", "", ""); }) ==
          Errc::Forbidden);
    CHECK(error_code_of([] {
              (void)patient_key(" 123456789018 ", "06139992", "", "1", "", "1");
          }) == Errc::Forbidden);
    CHECK(error_code_of([] { (void)checked_patient_key("ref:123456789018"); }) == Errc::Forbidden);
    CHECK(error_code_of([] { (void)checked_patient_key("123456789018"); }) == Errc::Forbidden);
}

TEST_CASE("consent patient key from insurance numbers trims the padded insurer and the date") {
    CHECK(patient_key("", "06139992", "1234", "5678", "01", "19800101") ==
          "ins:06139992/1234/5678/01/19800101");
    CHECK(patient_key("", "  139998", "模擬01", "223344", "", "1992-07-15") ==
          "ins:139998/模擬01/223344//19920715");
    CHECK(patient_key("  ", "39139993", "", "00012345", "", "19400302") ==
          "ins:39139993//00012345//19400302");
    CHECK(error_code_of([] { (void)patient_key("", "", "", "5678", "", "19800101"); }) ==
          Errc::InvalidArgument);
    CHECK(error_code_of([] { (void)patient_key("", "06139992", "", "", "", "19800101"); }) ==
          Errc::InvalidArgument);
    CHECK(error_code_of([] { (void)patient_key("", "06139992", "", "5678", "", ""); }) ==
          Errc::InvalidArgument);
    CHECK(error_code_of([] { (void)patient_key("", "06139992", "", "5678", "", "1980-02"); }) ==
          Errc::InvalidArgument);
    CHECK(error_code_of([] { (void)patient_key("", "06139992", "1/2", "5678", "", "19800101"); }) ==
          Errc::InvalidArgument);
}

TEST_CASE("consent checked patient key accepts both forms and normalises them") {
    CHECK(checked_patient_key("ref:K000101") == "ref:K000101");
    CHECK(checked_patient_key(" ref: K000101") == "ref:K000101");
    CHECK(checked_patient_key("ins:  139998/模擬01/223344//1992-07-15") ==
          "ins:139998/模擬01/223344//19920715");
    CHECK(error_code_of([] { (void)checked_patient_key("K000101"); }) == Errc::InvalidArgument);
    CHECK(error_code_of([] { (void)checked_patient_key("ref:"); }) == Errc::InvalidArgument);
    CHECK(error_code_of([] { (void)checked_patient_key("ins:06139992/1234/5678"); }) ==
          Errc::InvalidArgument);
}

TEST_CASE("consent OQS times become JST ISO and ISO times parse with any offset") {
    CHECK(oqs_time_to_iso("20261201093000") == "2026-12-01T09:30:00+09:00");
    CHECK(oqs_time_to_iso("202612010930") == "2026-12-01T09:30:00+09:00");
    CHECK(oqs_time_to_iso("20261201") == "2026-12-01T00:00:00+09:00");
    CHECK(oqs_time_to_iso("20260230093000").empty());
    CHECK(oqs_time_to_iso("2026120109300").empty());
    CHECK(oqs_time_to_iso("2026-12-01").empty());
    CHECK(oqs_time_to_iso("").empty());
    CHECK(at("2026-12-01T09:30:00+09:00") == at("2026-12-01T00:30:00Z"));
    CHECK(at("2026-12-01T09:30:00+09:00") == at("2026-11-30T19:30:00-05:00"));
    CHECK(format_jst_iso(at("2026-12-01T00:30:00Z")) == "2026-12-01T09:30:00+09:00");
    CHECK(at("2026-12-01T09:30:00.123+09:00") == at("2026-12-01T09:30:00+09:00"));
    CHECK_FALSE(parse_iso_time("2026-12-01T09:30:00.+09:00").has_value());
    CHECK_FALSE(parse_iso_time("2026-12-01T09:30:00.123").has_value());
    CHECK_FALSE(parse_iso_time("2026-12-01T09:30:00").has_value());
    CHECK_FALSE(parse_iso_time("2026-13-01T09:30:00+09:00").has_value());
    CHECK_FALSE(parse_iso_time("yesterday").has_value());
}

TEST_CASE("consent flags of a reader result take AvailableTime as expiry") {
    const auto records =
        consents_from_flags("ref:K000101",
                            {{"PharmacistsInfo", "1", "20261201093000", "20261202093000"},
                             {"DiagnosisInfo", "0", "", ""},
                             {"OperationInfo", "", "", ""}},
                            "reader");
    REQUIRE(records.size() == 2);  // an empty flag says nothing
    CHECK(records[0].patient_key == "ref:K000101");
    CHECK(records[0].category == "PharmacistsInfo");
    CHECK(records[0].flag == "1");
    CHECK(records[0].consented_at == "2026-12-01T09:30:00+09:00");
    CHECK(records[0].expires_at == "2026-12-02T09:30:00+09:00");
    CHECK(records[0].source == "reader");
    CHECK(records[1].category == "DiagnosisInfo");
    CHECK(records[1].flag == "0");
    CHECK(records[1].consented_at.empty());
    CHECK(records[1].expires_at.empty());
}

TEST_CASE(
    "consent reader flags without AvailableTime last 24 hours, 限度額 and 特定疾病 never expire") {
    const auto records =
        consents_from_flags("ref:K1",
                            {{"SpecificHealthCheckupsInfo", "1", "20261201235959", ""},
                             {"LimitApplicationCertificateRelated", "1", "20261201090000", ""},
                             {"SpecificDiseasesCertificateRelated", "1", "20261201090000", ""},
                             {"FutureNewInfo", "1", "20261201090000", ""}},
                            "reader");
    REQUIRE(records.size() == 4);
    CHECK(records[0].expires_at == "2026-12-02T23:59:59+09:00");
    CHECK(records[1].expires_at.empty());
    CHECK(records[2].expires_at.empty());
    // A category this version does not know is a new 閲覧同意 category: 24 hours too.
    CHECK(records[3].category == "FutureNewInfo");
    CHECK(records[3].expires_at == "2026-12-02T09:00:00+09:00");

    // The same flags asserted in a query get no implicit lifetime.
    const auto asserted = consents_from_flags(
        "ref:K1", {{"LimitApplicationCertificateRelated", "1", "20261201090000", ""}},
        "query_flag");
    REQUIRE(asserted.size() == 1);
    CHECK(asserted[0].expires_at.empty());
    CHECK(asserted[0].source == "query_flag");
}

TEST_CASE("consent flags keep unreadable times as sent in the note") {
    const auto records = consents_from_flags(
        "ref:K1", {{"PharmacistsInfo", "1", "2026/12/01 09:30", "tomorrow"}}, "reader");
    REQUIRE(records.size() == 1);
    CHECK(records[0].consented_at.empty());
    CHECK(records[0].expires_at.empty());
    CHECK(records[0].note.find("ConsTime as sent: 2026/12/01 09:30") != std::string::npos);
    CHECK(records[0].note.find("AvailableTime as sent: tomorrow") != std::string::npos);
}

TEST_CASE("consent status: no entries is none, a live consent is valid until its expiry") {
    const auto now = at("2026-12-01T12:00:00+09:00");
    auto s = consent_status({}, now);
    CHECK_FALSE(s.valid);
    CHECK(s.reason == "none");
    CHECK_FALSE(s.latest.has_value());

    s = consent_status({entry(1, "1", "2026-12-01T09:00:00+09:00", "2026-12-02T09:00:00+09:00")},
                       now);
    CHECK(s.valid);
    CHECK(s.reason == "consented");
    CHECK(s.expires_at == "2026-12-02T09:00:00+09:00");
    REQUIRE(s.latest.has_value());
    CHECK(s.latest->id == 1);

    // At the expiry instant it is over.
    s = consent_status({entry(1, "1", "2026-12-01T09:00:00+09:00", "2026-12-02T09:00:00+09:00")},
                       at("2026-12-02T09:00:00+09:00"));
    CHECK_FALSE(s.valid);
    CHECK(s.reason == "expired");

    // Written consent without an expiry holds.
    s = consent_status({entry(1, "1", "2026-01-01T09:00:00+09:00", "", "written")}, now);
    CHECK(s.valid);
    CHECK(s.expires_at.empty());
}

TEST_CASE("consent status: the newest entry wins and a withdrawal ends consent") {
    const auto now = at("2026-12-01T12:00:00+09:00");
    const auto given = entry(1, "1", "2026-12-01T09:00:00+09:00", "2026-12-02T09:00:00+09:00");
    const auto withdrawn = entry(2, "0", "2026-12-01T10:00:00+09:00");
    auto s = consent_status({given, withdrawn}, now);
    CHECK_FALSE(s.valid);
    CHECK(s.reason == "withdrawn");
    CHECK(s.latest->id == 2);
    // Order of the input does not matter.
    s = consent_status({withdrawn, given}, now);
    CHECK(s.reason == "withdrawn");
    // Consent given again after the withdrawal.
    const auto again = entry(3, "1", "2026-12-01T11:00:00+09:00", "2026-12-02T11:00:00+09:00");
    s = consent_status({given, withdrawn, again}, now);
    CHECK(s.valid);
    CHECK(s.latest->id == 3);
    // Same time: the later entry (higher id) decides.
    s = consent_status(
        {entry(5, "0", "2026-12-01T09:00:00+09:00"), entry(4, "1", "2026-12-01T09:00:00+09:00")},
        now);
    CHECK(s.reason == "withdrawn");
    // OQSCD016 2 (同意有効期限切れ) is expired, 3 (同意取得困難) is not consent.
    s = consent_status({entry(6, "2", "2026-12-01T09:00:00+09:00")}, now);
    CHECK(s.reason == "expired");
    s = consent_status({entry(7, "3", "2026-12-01T09:00:00+09:00")}, now);
    CHECK_FALSE(s.valid);
}

TEST_CASE("consent status: a reader entry without times expires 24 hours after recording") {
    ConsentRecord r = entry(1, "1", "", "", "reader");
    r.recorded_at = "2026-12-01T09:00:00.250+09:00";  // as the store writes it
    CHECK(consent_status({r}, at("2026-12-02T08:59:59+09:00")).valid);
    const auto s = consent_status({r}, at("2026-12-02T09:00:00+09:00"));
    CHECK_FALSE(s.valid);
    CHECK(s.reason == "expired");
    CHECK(s.expires_at == "2026-12-02T09:00:00+09:00");
    // An unreadable expiry never counts as "no expiry".
    ConsentRecord odd = entry(2, "1", "2026-12-01T09:00:00+09:00", "garbage");
    CHECK_FALSE(consent_status({odd}, at("2026-12-01T10:00:00+09:00")).valid);
}

TEST_CASE("consent CSV export has the BOM, a header and RFC 4180 quoting") {
    ConsentRecord a = entry(1, "1", "2026-12-01T09:00:00+09:00", "2026-12-02T09:00:00+09:00");
    a.recorded_by = "受付 花子";
    a.note = "said \"yes\", twice\nat the desk";
    ConsentRecord b = entry(2, "0", "2026-12-01T10:00:00+09:00");
    b.category = "LimitApplicationCertificateRelated";
    b.check_id = 42;
    const std::string csv = consents_to_csv({a, b});
    REQUIRE(csv.size() > 3);
    CHECK(csv.substr(0, 3) == "\xEF\xBB\xBF");
    const auto lines = csv_lines(csv.substr(3));
    // header, a (its note spans two physical lines inside quotes), b
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] ==
          "id,patient_key,category,label,flag,consented_at,expires_at,source,recorded_by,"
          "check_id,note,recorded_at");
    CHECK(lines[1].starts_with("1,ref:K1,PharmacistsInfo,薬剤情報,1,2026-12-01T09:00:00+09:00,"));
    CHECK(lines[1].find(",\"said \"\"yes\"\", twice\nat the desk\",") != std::string::npos);
    CHECK(lines[1].find(",受付 花子,") != std::string::npos);
    CHECK(lines[2] ==
          "2,ref:K1,LimitApplicationCertificateRelated,限度額適用認定証,0,"
          "2026-12-01T10:00:00+09:00,,oral,,42,,2026-12-01T10:00:00+09:00");
    CHECK(csv.ends_with("\r\n"));
    // No entries: only the header.
    CHECK(csv_lines(consents_to_csv({}).substr(3)).size() == 1);
}

TEST_CASE("consent JSON export carries every field and the count") {
    ConsentRecord a = entry(9, "1", "2026-12-01T09:00:00+09:00", "2026-12-02T09:00:00+09:00");
    a.note = "口頭";
    const auto doc = nlohmann::json::parse(consents_to_json_text({a}));
    CHECK(doc["count"] == 1);
    const auto& j = doc["consents"][0];
    CHECK(j["id"] == 9);
    CHECK(j["patient_key"] == "ref:K1");
    CHECK(j["category"] == "PharmacistsInfo");
    CHECK(j["label"] == "薬剤情報");
    CHECK(j["expires_at"] == "2026-12-02T09:00:00+09:00");
    CHECK(j["note"] == "口頭");
    CHECK(j["source"] == "oral");
}
