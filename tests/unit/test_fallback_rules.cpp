// The outage-fallback rules of policy.md §3: shares (§3.4), the dates staff type, claim routes
// (§3.5), the recheck sorting after recovery, and the case's CSV and JSON forms. Expected values
// come from the rules, not from the implementation.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "error_code_of.hpp"
#include "mynaq/error.hpp"
#include "mynaq/fallback/case.hpp"
#include "mynaq/fallback/claim.hpp"
#include "mynaq/fallback/dates.hpp"
#include "mynaq/fallback/export.hpp"
#include "mynaq/fallback/recheck.hpp"
#include "mynaq/fallback/share.hpp"
#include "mynaq/store.hpp"

using namespace mynaq;
using namespace mynaq::fallback;
using mynaq::test::error_code_of;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// A case settled at the counter with numbers read off the マイナポータル screen, charged 3割.
Case portal_case() {
    Case c;
    c.id = 7;
    c.state = "queued";
    c.case_date = "2026-12-01";
    c.reason = "network";
    c.visit = "first";
    c.name = "山田 太郎";
    c.birthdate = "1980-05-10";
    c.resolved_by = "portal";
    c.coverage = {"06139992", "12", "3456", "01", "3", "", ""};
    c.share = {30, "document", 30, ""};
    return c;
}

// A first visit settled by a 被保険者資格申立書 without any numbers.
Case declaration_case() {
    Case c;
    c.id = 8;
    c.state = "queued";
    c.case_date = "2026-12-01";
    c.reason = "power";
    c.visit = "first";
    c.name = "佐藤 花子";
    c.birthdate = "1990-01-20";
    c.resolved_by = "declaration";
    Declaration d;
    d.name = c.name;
    d.birthdate = c.birthdate;
    d.postcode = "100-0001";
    d.address = "東京都千代田区千代田1-1";
    d.phone = "03-1234-5678";
    d.insurance_kind = "employee";
    d.relation = "insured";
    d.employer = "株式会社テスト";
    d.declared_ratio = "3";
    d.declared_on = "2026-12-01";
    d.signed_on_paper = true;
    c.declaration = d;
    c.share = {30, "default", 30, ""};
    return c;
}

CheckRecord check(const std::string& eligibility, const std::string& insurer,
                  const std::string& number, const std::string& ratio) {
    CheckRecord r;
    r.id = 501;
    r.checked_at = "2026-12-03T09:00:00+09:00";
    r.eligibility = eligibility;
    r.processing_code = eligibility == "no_qualification" ? "1" : "";
    r.insurer_number = insurer;
    r.card_symbol = "12";
    r.identification_number = number;
    r.branch_number = "01";
    r.birthdate = "19800510";
    r.ratio = ratio;
    r.valid_to = eligibility == "invalid" ? "20261031" : "";
    return r;
}

}  // namespace

TEST_CASE("fallback rules parse_ratio reads 割 and percent forms") {
    CHECK(parse_ratio("1") == 1);
    CHECK(parse_ratio("2") == 2);
    CHECK(parse_ratio("3") == 3);
    CHECK(parse_ratio("3割") == 3);
    CHECK(parse_ratio("2割") == 2);
    CHECK(parse_ratio("30") == 3);
    CHECK(parse_ratio("20") == 2);
    CHECK(parse_ratio("030") == 3);
    CHECK(parse_ratio("020") == 2);
    CHECK(parse_ratio("010") == 1);
    CHECK(parse_ratio("10割") == 10);
}

TEST_CASE("fallback rules parse_ratio refuses what is not a share") {
    CHECK_FALSE(parse_ratio("").has_value());
    CHECK_FALSE(parse_ratio("abc").has_value());
    CHECK_FALSE(parse_ratio("0").has_value());
    CHECK_FALSE(parse_ratio("4").has_value());
    CHECK_FALSE(parse_ratio("5割").has_value());
    CHECK_FALSE(parse_ratio("40").has_value());
    CHECK_FALSE(parse_ratio("35").has_value());
    CHECK_FALSE(parse_ratio("3.5").has_value());
    CHECK_FALSE(parse_ratio("1234").has_value());
    // A stray digit inside other text is not a share either (a mistyped answer must not pass).
    CHECK_FALSE(parse_ratio("abc3").has_value());
}

TEST_CASE("fallback rules age_on counts whole years") {
    CHECK(age_on("1980-05-10", "2026-05-09") == 45);
    CHECK(age_on("1980-05-10", "2026-05-10") == 46);
    CHECK(age_on("1980-05-10", "2026-12-01") == 46);
    CHECK(age_on("2026-12-01", "2026-12-01") == 0);
    CHECK(age_on("1956-12-31", "2027-01-01") == 70);
    CHECK_FALSE(age_on("garbage", "2026-12-01").has_value());
    CHECK_FALSE(age_on("1980-05-10", "2026-02-30").has_value());
    CHECK_FALSE(age_on("", "2026-12-01").has_value());
}

TEST_CASE("fallback rules age_on with a 29 February birthday") {
    // 年齢計算ニ関スル法律 with 民法143条: without a 29 February the year ends with 28 February,
    // so the new age holds from 1 March in common years and from 29 February in leap years.
    CHECK(age_on("2000-02-29", "2001-02-28") == 0);
    CHECK(age_on("2000-02-29", "2001-03-01") == 1);
    CHECK(age_on("2000-02-29", "2004-02-28") == 3);
    CHECK(age_on("2000-02-29", "2004-02-29") == 4);
    CHECK(age_on("2000-02-29", "2026-12-01") == 26);
}

TEST_CASE("fallback rules preschool_on ends on the first 31 March after reaching 6") {
    // Born 1 April: reaches 6 on 31 March, so school starts the next day.
    CHECK(preschool_on("2020-04-01", "2026-03-31"));
    CHECK_FALSE(preschool_on("2020-04-01", "2026-04-01"));
    // Born 2 April: reaches 6 on 1 April and stays 未就学 for one more school year.
    CHECK(preschool_on("2020-04-02", "2026-04-01"));
    CHECK(preschool_on("2020-04-02", "2027-03-31"));
    CHECK_FALSE(preschool_on("2020-04-02", "2027-04-01"));
    // Born in the autumn.
    CHECK(preschool_on("2020-10-15", "2027-03-31"));
    CHECK_FALSE(preschool_on("2020-10-15", "2027-04-01"));
    // Born 29 February: reaches 6 on 28 February 2026.
    CHECK(preschool_on("2020-02-29", "2026-03-31"));
    CHECK_FALSE(preschool_on("2020-02-29", "2026-04-01"));
    CHECK(preschool_on("2026-11-01", "2026-12-01"));
    CHECK_FALSE(preschool_on("1980-05-10", "2026-12-01"));
    CHECK_FALSE(preschool_on("garbage", "2026-12-01"));
}

TEST_CASE("fallback rules elderly_70_on starts on the 1st of the month after the 70th birthday") {
    CHECK_FALSE(elderly_70_on("1956-05-10", "2026-05-09"));
    CHECK_FALSE(elderly_70_on("1956-05-10", "2026-05-10"));
    CHECK_FALSE(elderly_70_on("1956-05-10", "2026-05-31"));
    CHECK(elderly_70_on("1956-05-10", "2026-06-01"));
    CHECK(elderly_70_on("1956-05-10", "2030-01-01"));
    // Born on the 1st: reaches 70 on the last day of the month before, so from the birthday.
    CHECK_FALSE(elderly_70_on("1956-05-01", "2026-04-30"));
    CHECK(elderly_70_on("1956-05-01", "2026-05-01"));
    // Born on the 2nd: reaches 70 on the 1st, so from the month after.
    CHECK_FALSE(elderly_70_on("1956-05-02", "2026-05-31"));
    CHECK(elderly_70_on("1956-05-02", "2026-06-01"));
    // Across the year end.
    CHECK_FALSE(elderly_70_on("1956-12-15", "2026-12-31"));
    CHECK(elderly_70_on("1956-12-15", "2027-01-01"));
    CHECK_FALSE(elderly_70_on("1956-01-01", "2025-12-31"));
    CHECK(elderly_70_on("1956-01-01", "2026-01-01"));
    CHECK_FALSE(elderly_70_on("garbage", "2026-12-01"));
}

TEST_CASE("fallback rules elderly_70_on for a 29 February birthday in a common year") {
    // 健康保険法74条: 2割 from the month after the month of the day the patient reaches 70
    // (70歳に達する日). Born 29 February 1956, the patient reaches 70 on 28 February 2026
    // (民法143条 ただし書), so 高齢受給者 from 1 March 2026 — the month after February.
    CHECK_FALSE(elderly_70_on("1956-02-29", "2026-02-28"));
    CHECK(elderly_70_on("1956-02-29", "2026-03-01"));
    CHECK(elderly_70_on("1956-02-29", "2026-03-31"));
}

TEST_CASE("fallback rules elderly_75_on starts on the 75th birthday") {
    CHECK_FALSE(elderly_75_on("1951-07-20", "2026-07-19"));
    CHECK(elderly_75_on("1951-07-20", "2026-07-20"));
    CHECK_FALSE(elderly_75_on("1951-07-01", "2026-06-30"));
    CHECK(elderly_75_on("1951-07-01", "2026-07-01"));
    CHECK_FALSE(elderly_75_on("1956-05-10", "2026-12-01"));
    CHECK_FALSE(elderly_75_on("garbage", "2026-12-01"));
}

TEST_CASE("fallback rules suggest_share follows document, preschool, declared, age, default") {
    const std::string on = "2026-12-01";
    const std::string child = "2023-06-15";     // 3 years old
    const std::string adult = "1980-05-10";     // 46
    const std::string sixty9 = "1957-03-10";    // 69
    const std::string seventy2 = "1954-05-10";  // 72
    const std::string eighty = "1946-02-03";    // 80

    SUBCASE("a ratio from a document or the last record comes first") {
        auto s = suggest_share(child, on, "3", "");
        CHECK(s.percent == 30);
        CHECK(s.basis == "document");
        s = suggest_share(eighty, on, "030", "1");
        CHECK(s.percent == 30);
        CHECK(s.basis == "document");
        s = suggest_share(adult, on, "2割", "");
        CHECK(s.percent == 20);
        CHECK(s.basis == "document");
    }
    SUBCASE("未就学児 2割, whatever was declared") {
        auto s = suggest_share(child, on, "", "");
        CHECK(s.percent == 20);
        CHECK(s.basis == "preschool");
        s = suggest_share(child, on, "", "3");
        CHECK(s.percent == 20);
        CHECK(s.basis == "preschool");
    }
    SUBCASE("70 and over: the declared bracket") {
        auto s = suggest_share(seventy2, on, "", "3");
        CHECK(s.percent == 30);
        CHECK(s.basis == "declared");
        s = suggest_share(seventy2, on, "", "2");
        CHECK(s.percent == 20);
        CHECK(s.basis == "declared");
        s = suggest_share(eighty, on, "", "2");
        CHECK(s.percent == 20);
        CHECK(s.basis == "declared");
        s = suggest_share(eighty, on, "", "3");
        CHECK(s.percent == 30);
        CHECK(s.basis == "declared");
        s = suggest_share(eighty, on, "", "1");
        CHECK(s.percent == 10);
        CHECK(s.basis == "declared");
    }
    SUBCASE("70 and over without a bracket: by age") {
        auto s = suggest_share(seventy2, on, "", "");
        CHECK(s.percent == 20);
        CHECK(s.basis == "age70");
        s = suggest_share(eighty, on, "", "");
        CHECK(s.percent == 10);
        CHECK(s.basis == "age75");
    }
    SUBCASE("everyone else 3割, a declaration under 70 does not lower it") {
        auto s = suggest_share(adult, on, "", "");
        CHECK(s.percent == 30);
        CHECK(s.basis == "default");
        s = suggest_share(adult, on, "", "1");
        CHECK(s.percent == 30);
        CHECK(s.basis == "default");
        s = suggest_share(sixty9, on, "", "");
        CHECK(s.percent == 30);
        CHECK(s.basis == "default");
        s = suggest_share("", on, "", "");
        CHECK(s.percent == 30);
        CHECK(s.basis == "default");
    }
}

TEST_CASE("fallback rules parse_staff_date reads western dates") {
    CHECK(parse_staff_date("2026-12-01") == "2026-12-01");
    CHECK(parse_staff_date("20261201") == "2026-12-01");
    CHECK(parse_staff_date("2026/12/1") == "2026-12-01");
    CHECK(parse_staff_date("2026年12月1日") == "2026-12-01");
    CHECK(parse_staff_date("2028-02-29") == "2028-02-29");
}

TEST_CASE("fallback rules parse_staff_date reads 和暦") {
    CHECK(parse_staff_date("S55.1.1") == "1980-01-01");
    CHECK(parse_staff_date("H1.1.8") == "1989-01-08");
    CHECK(parse_staff_date("R1.5.1") == "2019-05-01");
    CHECK(parse_staff_date("昭和55年1月1日") == "1980-01-01");
    CHECK(parse_staff_date("令和元年5月1日") == "2019-05-01");
    CHECK(parse_staff_date("平成2年4月1日") == "1990-04-01");
    CHECK(parse_staff_date("R8.12.1") == "2026-12-01");
}

TEST_CASE("fallback rules parse_staff_date refuses invalid dates and garbage") {
    CHECK_FALSE(parse_staff_date("2026-02-30").has_value());
    CHECK_FALSE(parse_staff_date("20260230").has_value());
    CHECK_FALSE(parse_staff_date("2026-13-01").has_value());
    CHECK_FALSE(parse_staff_date("2027-02-29").has_value());
    CHECK_FALSE(parse_staff_date("R1.2.30").has_value());
    CHECK_FALSE(parse_staff_date("昭和55年2月30日").has_value());
    CHECK_FALSE(parse_staff_date("garbage").has_value());
    CHECK_FALSE(parse_staff_date("hello").has_value());
    CHECK_FALSE(parse_staff_date("").has_value());
    CHECK_FALSE(parse_staff_date("12/1").has_value());
    CHECK_FALSE(parse_staff_date("2026-12").has_value());
}

TEST_CASE("fallback rules add_days crosses month and year ends") {
    CHECK(add_days("2026-12-01", 6) == "2026-12-07");
    CHECK(add_days("2026-12-31", 1) == "2027-01-01");
    CHECK(add_days("2027-01-01", -1) == "2026-12-31");
    CHECK(add_days("2026-01-31", 1) == "2026-02-01");
    CHECK(add_days("2026-02-28", 1) == "2026-03-01");
    CHECK(add_days("2028-02-28", 1) == "2028-02-29");
    CHECK(add_days("2026-03-01", -1) == "2026-02-28");
    CHECK(add_days("2026-12-01", 365) == "2027-12-01");
    CHECK(add_days("2026-12-01", 0) == "2026-12-01");
}

TEST_CASE("fallback rules plan_claim uses known numbers for a normal claim") {
    const Case c = portal_case();
    const Claim claim = plan_claim(c, ClaimOptions{});
    CHECK(claim.route == "normal");
    CHECK(claim.insurer_number == "06139992");
    CHECK(claim.symbol == "12");
    CHECK(claim.number == "3456");
}

TEST_CASE("fallback rules plan_claim claims oral confirmation under the former coverage") {
    Case c = portal_case();
    c.visit = "return";
    c.resolved_by = "oral";
    c.previous_check_id = 42;
    const Claim claim = plan_claim(c, ClaimOptions{});
    CHECK(claim.route == "former");
    CHECK(claim.insurer_number == "06139992");
    CHECK(claim.symbol == "12");
    CHECK(claim.number == "3456");
}

TEST_CASE("fallback rules plan_claim makes a 不詳請求 from a declaration without numbers") {
    const Case c = declaration_case();
    const auto d = *c.declaration;

    SUBCASE("77777777 and the 7-filled number by default") {
        const Claim claim = plan_claim(c, ClaimOptions{});
        CHECK(claim.route == "unknown");
        CHECK(claim.insurer_number == "77777777");
        CHECK(claim.number == "77777777");
        CHECK(claim.number.find_first_not_of('7') == std::string::npos);
        CHECK(contains(claim.remarks, "住所"));
        CHECK(contains(claim.remarks, d.address));
        CHECK(contains(claim.remarks, "連絡先"));
        CHECK(contains(claim.remarks, d.phone));
        CHECK(contains(claim.remarks, "事業所名"));
        CHECK(contains(claim.remarks, d.employer));
    }
    SUBCASE("77777779 and a longer number where the レセコン needs them") {
        ClaimOptions options;
        options.unknown_insurer_number = "77777779";
        options.unknown_number = "7777777777";
        const Claim claim = plan_claim(c, options);
        CHECK(claim.route == "unknown");
        CHECK(claim.insurer_number == "77777779");
        CHECK(claim.number == "7777777777");
        CHECK(contains(claim.remarks, d.address));
    }
}

TEST_CASE("fallback rules plan_claim after a recheck") {
    SUBCASE("numbers found by the recheck make a declaration case a normal claim") {
        Case c = declaration_case();
        c.recheck.state = "done";
        c.recheck.action = "different_insurer";
        c.recheck.found = {"139998", "34", "5678", "00", "3", "", ""};
        const Claim claim = plan_claim(c, ClaimOptions{});
        CHECK(claim.route == "normal");
        CHECK(claim.insurer_number == "139998");
        CHECK(claim.symbol == "34");
        CHECK(claim.number == "5678");
    }
    SUBCASE("an oral case confirmed by the recheck is claimed normally") {
        Case c = portal_case();
        c.resolved_by = "oral";
        c.recheck.state = "done";
        c.recheck.action = "as_recorded";
        c.recheck.found = c.coverage;
        CHECK(plan_claim(c, ClaimOptions{}).route == "normal");
    }
    SUBCASE("an ineligible patient is claimed on the recorded numbers") {
        Case c = portal_case();
        c.recheck.state = "done";
        c.recheck.action = "ineligible";
        c.recheck.found = {"139998", "34", "5678", "00", "", "", ""};
        const Claim claim = plan_claim(c, ClaimOptions{});
        CHECK(claim.insurer_number == "06139992");
        CHECK(claim.number == "3456");
        CHECK(claim.route != "unknown");
    }
}

TEST_CASE("fallback rules apply_recheck sorts the case by what the system returned") {
    const ClaimOptions options;
    const std::string at = "2026-12-03T09:00:00+09:00";

    SUBCASE("valid, same numbers, same share: as recorded") {
        Case c = portal_case();
        const auto r = check("valid", "06139992", "3456", "030");
        apply_recheck(c, &r, at, options);
        CHECK(c.recheck.state == "done");
        CHECK(c.recheck.at == at);
        CHECK(c.recheck.check_id == 501);
        CHECK(c.recheck.action == "as_recorded");
        CHECK(c.state == "rechecked");
        CHECK(c.claim.route == "normal");
        CHECK(c.claim.insurer_number == "06139992");
        CHECK(c.claim.number == "3456");
    }
    SUBCASE("valid, a 6-digit insurer sent space-padded is the same insurer") {
        Case c = portal_case();
        c.coverage.insurer_number = "139998";
        const auto r = check("valid", "  139998", "3456", "030");
        apply_recheck(c, &r, at, options);
        CHECK(c.recheck.action == "as_recorded");
        CHECK(c.recheck.found.insurer_number == "139998");
    }
    SUBCASE("valid under another insurer: different insurer, claimed on what was found") {
        Case c = portal_case();
        const auto r = check("valid", "139998", "5678", "030");
        apply_recheck(c, &r, at, options);
        CHECK(c.recheck.action == "different_insurer");
        CHECK_FALSE(c.recheck.detail.empty());
        CHECK(c.claim.route == "normal");
        CHECK(c.claim.insurer_number == "139998");
        CHECK(c.claim.number == "5678");
    }
    SUBCASE("valid, same insurer, 2割 where 3割 was charged: different share") {
        Case c = portal_case();
        const auto r = check("valid", "06139992", "3456", "020");
        apply_recheck(c, &r, at, options);
        CHECK(c.recheck.action == "different_share");
        CHECK(c.recheck.found.ratio == "2");
        CHECK(contains(c.recheck.detail, "2"));
        CHECK(c.claim.route == "normal");
    }
    SUBCASE("invalid: ineligible, the claim keeps the recorded numbers") {
        Case c = portal_case();
        const auto r = check("invalid", "06139992", "3456", "030");
        apply_recheck(c, &r, at, options);
        CHECK(c.recheck.action == "ineligible");
        CHECK(c.state == "rechecked");
        CHECK(c.claim.insurer_number == "06139992");
        CHECK(c.claim.number == "3456");
    }
    SUBCASE("no qualification found: still unknown") {
        Case c = declaration_case();
        auto r = check("no_qualification", "", "", "");
        apply_recheck(c, &r, at, options);
        CHECK(c.recheck.action == "still_unknown");
        CHECK(c.claim.route == "unknown");
        CHECK(c.claim.insurer_number == "77777777");
    }
    SUBCASE("no answer at all: still unknown") {
        Case c = declaration_case();
        apply_recheck(c, nullptr, at, options);
        CHECK(c.recheck.action == "still_unknown");
        CHECK(c.recheck.state == "done");
        CHECK(c.recheck.check_id == 0);
        CHECK(c.claim.route == "unknown");
        CHECK(c.claim.number == "77777777");
    }
}

TEST_CASE("fallback rules cases_to_csv is Excel CSV with a header and quoting") {
    Case a = portal_case();
    a.note = "来院時, 端末停止";
    a.claim = plan_claim(a, ClaimOptions{});
    Case b = declaration_case();
    b.claim = plan_claim(b, ClaimOptions{});
    const std::string csv = cases_to_csv({a, b});

    REQUIRE(csv.starts_with("\xEF\xBB\xBF"));
    const std::string body = csv.substr(3);
    const auto first_end = body.find("\r\n");
    REQUIRE(first_end != std::string::npos);
    const std::string header = body.substr(0, first_end);
    CHECK(header.starts_with("id,"));
    for (const char* column : {"case_date", "name", "resolved_by", "insurer_number", "claim_route",
                               "claim_insurer_number", "claim_number", "claim_remarks",
                               "share_charged", "recheck_action"}) {
        CHECK_MESSAGE(contains(header, column), column);
    }
    // CRLF only: every LF follows a CR, and header plus two rows make three lines.
    int lines = 0;
    for (std::size_t i = 0; i < body.size(); ++i) {
        if (body[i] == '\n') {
            ++lines;
            CHECK(i > 0);
            CHECK(body[i - 1] == '\r');
        }
    }
    CHECK(lines == 3);
    CHECK(body.ends_with("\r\n"));
    CHECK(contains(csv, "\"来院時, 端末停止\""));
    CHECK(contains(csv, "77777777"));
    CHECK(contains(csv, "06139992"));
}

TEST_CASE("fallback rules cases_to_json_text lists the cases without answers") {
    Case a = portal_case();
    a.answers["reason"] = "network";
    const auto doc = nlohmann::json::parse(cases_to_json_text({a, declaration_case()}));
    CHECK(doc.at("count") == 2);
    REQUIRE(doc.at("cases").size() == 2);
    CHECK(doc["cases"][0].at("name") == "山田 太郎");
    CHECK_FALSE(doc["cases"][0].contains("answers"));
}

TEST_CASE("fallback rules JSON round trip keeps every field") {
    Case c;
    c.id = 31;
    c.created_at = "2026-12-01T09:00:00+09:00";
    c.updated_at = "2026-12-03T10:00:00+09:00";
    c.state = "rechecked";
    c.case_date = "2026-12-01";
    c.facility = "1312345678";
    c.recorded_by = "受付A";
    c.reason = "disaster";
    c.reason_note = "停電, 通信不可";
    c.visit = "return";
    c.name = "山田 太郎";
    c.kana = "ヤマダ タロウ";
    c.birthdate = "1980-05-10";
    c.sex = "1";
    c.identity_method = "card_photo";
    c.steps = {{"disaster", "unavailable", "2026-12-01T09:05:00+09:00", "consent refused"},
               {"portal", "used", "2026-12-01T09:06:00+09:00", "screen \"shown\""}};
    c.resolved_by = "portal";
    c.coverage = {"06139992", "12", "3456", "01", "3", "テスト健保", "2027-07-31"};
    c.previous_check_id = 41;
    c.online_check_id = 43;
    Declaration d;
    d.name = "山田 太郎";
    d.kana = "ヤマダ タロウ";
    d.birthdate = "1980-05-10";
    d.sex = "1";
    d.postcode = "100-0001";
    d.address = "東京都千代田区千代田1-1";
    d.phone = "03-1234-5678";
    d.insurance_kind = "employee";
    d.relation = "dependent";
    d.employer = "株式会社テスト";
    d.employer_address = "東京都港区1-2";
    d.insurer_name = "テスト健保";
    d.symbol = "12";
    d.number = "3456";
    d.declared_ratio = "3";
    d.declared_on = "2026-12-01";
    d.signed_on_paper = true;
    c.declaration = d;
    DisasterUse u;
    u.period_from = "2026-11-28";
    u.period_to = "2026-12-04";
    u.area = "石川県輪島市";
    u.lookup_name = "山田 太郎";
    u.lookup_birthdate = "1980-05-10";
    u.lookup_sex = "1";
    u.lookup_address = "輪島市1-1";
    u.consent = "oral";
    u.found = true;
    u.consent_ids = {5, 6};
    c.disaster = u;
    c.share = {20, "preschool", 30, "保護者の申出"};
    c.claim = {"normal", "06139992", "12", "3456", "摘要"};
    c.recheck.state = "done";
    c.recheck.via = "single";
    c.recheck.key = "k-001";
    c.recheck.check_id = 44;
    c.recheck.at = "2026-12-03T10:00:00+09:00";
    c.recheck.action = "different_share";
    c.recheck.detail = "share 3割 → 2割";
    c.recheck.found = {"06139992", "12", "3456", "01", "2", "健保", "2027-03-31"};
    c.note = "メモ\n二行目";
    c.answers = {{"reason", "disaster"}, {"portal", "yes"}, {"@portal", "2026-12-01T09:06"}};

    const Case r = case_from_json(to_json(c));
    CHECK(r.id == c.id);
    CHECK(r.created_at == c.created_at);
    CHECK(r.updated_at == c.updated_at);
    CHECK(r.state == c.state);
    CHECK(r.case_date == c.case_date);
    CHECK(r.facility == c.facility);
    CHECK(r.recorded_by == c.recorded_by);
    CHECK(r.reason == c.reason);
    CHECK(r.reason_note == c.reason_note);
    CHECK(r.visit == c.visit);
    CHECK(r.name == c.name);
    CHECK(r.kana == c.kana);
    CHECK(r.birthdate == c.birthdate);
    CHECK(r.sex == c.sex);
    CHECK(r.identity_method == c.identity_method);
    REQUIRE(r.steps.size() == c.steps.size());
    for (std::size_t i = 0; i < c.steps.size(); ++i) {
        CHECK(r.steps[i].step == c.steps[i].step);
        CHECK(r.steps[i].outcome == c.steps[i].outcome);
        CHECK(r.steps[i].at == c.steps[i].at);
        CHECK(r.steps[i].note == c.steps[i].note);
    }
    CHECK(r.resolved_by == c.resolved_by);
    const auto same_coverage = [](const CoverageSeen& x, const CoverageSeen& y) {
        CHECK(x.insurer_number == y.insurer_number);
        CHECK(x.symbol == y.symbol);
        CHECK(x.number == y.number);
        CHECK(x.branch == y.branch);
        CHECK(x.ratio == y.ratio);
        CHECK(x.insurer_name == y.insurer_name);
        CHECK(x.valid_to == y.valid_to);
    };
    same_coverage(r.coverage, c.coverage);
    CHECK(r.previous_check_id == c.previous_check_id);
    CHECK(r.online_check_id == c.online_check_id);
    REQUIRE(r.declaration.has_value());
    CHECK(r.declaration->name == d.name);
    CHECK(r.declaration->kana == d.kana);
    CHECK(r.declaration->birthdate == d.birthdate);
    CHECK(r.declaration->sex == d.sex);
    CHECK(r.declaration->postcode == d.postcode);
    CHECK(r.declaration->address == d.address);
    CHECK(r.declaration->phone == d.phone);
    CHECK(r.declaration->insurance_kind == d.insurance_kind);
    CHECK(r.declaration->relation == d.relation);
    CHECK(r.declaration->employer == d.employer);
    CHECK(r.declaration->employer_address == d.employer_address);
    CHECK(r.declaration->insurer_name == d.insurer_name);
    CHECK(r.declaration->symbol == d.symbol);
    CHECK(r.declaration->number == d.number);
    CHECK(r.declaration->declared_ratio == d.declared_ratio);
    CHECK(r.declaration->declared_on == d.declared_on);
    CHECK(r.declaration->signed_on_paper == d.signed_on_paper);
    REQUIRE(r.disaster.has_value());
    CHECK(r.disaster->period_from == u.period_from);
    CHECK(r.disaster->period_to == u.period_to);
    CHECK(r.disaster->area == u.area);
    CHECK(r.disaster->lookup_name == u.lookup_name);
    CHECK(r.disaster->lookup_birthdate == u.lookup_birthdate);
    CHECK(r.disaster->lookup_sex == u.lookup_sex);
    CHECK(r.disaster->lookup_address == u.lookup_address);
    CHECK(r.disaster->consent == u.consent);
    CHECK(r.disaster->found == u.found);
    CHECK(r.disaster->consent_ids == u.consent_ids);
    CHECK(r.share.suggested == c.share.suggested);
    CHECK(r.share.basis == c.share.basis);
    CHECK(r.share.charged == c.share.charged);
    CHECK(r.share.override_note == c.share.override_note);
    CHECK(r.claim.route == c.claim.route);
    CHECK(r.claim.insurer_number == c.claim.insurer_number);
    CHECK(r.claim.symbol == c.claim.symbol);
    CHECK(r.claim.number == c.claim.number);
    CHECK(r.claim.remarks == c.claim.remarks);
    CHECK(r.recheck.state == c.recheck.state);
    CHECK(r.recheck.via == c.recheck.via);
    CHECK(r.recheck.key == c.recheck.key);
    CHECK(r.recheck.check_id == c.recheck.check_id);
    CHECK(r.recheck.at == c.recheck.at);
    CHECK(r.recheck.action == c.recheck.action);
    CHECK(r.recheck.detail == c.recheck.detail);
    same_coverage(r.recheck.found, c.recheck.found);
    CHECK(r.note == c.note);
    CHECK(r.answers == c.answers);
}

TEST_CASE("fallback rules JSON round trip keeps absent declaration and disaster absent") {
    const Case c = portal_case();
    const Case r = case_from_json(to_json(c));
    CHECK_FALSE(r.declaration.has_value());
    CHECK_FALSE(r.disaster.has_value());
    CHECK(r.coverage.insurer_number == "06139992");
    CHECK(r.state == "queued");
}

TEST_CASE("fallback rules case_from_json refuses what is not a case") {
    for (const char* text : {"garbage", "", "[1, 2]", "\"text\"", "42", "{\"state\": "}) {
        CAPTURE(text);
        CHECK(error_code_of([&] { (void)case_from_json(text); }) == Errc::DataInvalid);
    }
}
