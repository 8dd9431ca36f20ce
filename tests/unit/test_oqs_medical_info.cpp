// 薬剤情報 / 特定健診情報: requests, results from the hand-written fixtures, and the reader's
// tolerance for what the unpublished layout may really look like.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "error_code_of.hpp"
#include "mynaq/error.hpp"
#include "mynaq/oqs/medical_info.hpp"
#include "mynaq/oqs/xml.hpp"

using namespace mynaq;
using namespace mynaq::oqs;
using mynaq::test::error_code_of;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures =
    fs::path(MYNAQ_TEST_DATADIR) / ".." / "tests" / "fixtures" / "medical_info";

Document fixture(const char* name) {
    std::ifstream in(kFixtures / name, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "missing fixture ", name);
    const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    return parse_xml(bytes);
}

std::vector<std::string> names_of(const Node& node) {
    std::vector<std::string> out;
    for (const auto& c : node.children) out.push_back(c.name);
    return out;
}

std::string describe(const DrugEntry& e) {
    std::string extra;
    for (const auto& [k, v] : e.extra) extra += fmt::format("{}={};", k, v);
    return fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
                       to_string(e.source), e.month, e.date, e.prescription_date, e.dispensing_code,
                       e.dispensing_name, e.prescriber_code, e.prescriber_name, e.org_class,
                       e.issued_here, e.in_out, e.drug_code, e.drug_name, e.ingredient, e.quantity,
                       e.unit, e.usage, e.special_instruction, e.times, e.usage_class, extra);
}

std::vector<std::string> describe_all(const std::vector<DrugEntry>& v) {
    std::vector<std::string> out;
    for (const auto& e : v) out.push_back(describe(e));
    return out;
}

std::string describe(const Checkup& c) {
    std::string s = c.date;
    for (const auto& [k, v] : c.extra) s += fmt::format(" {}={}", k, v);
    for (const auto& i : c.items) {
        s += fmt::format(" [{}|{}|{}|{}|{}|{}|{}", i.code, i.name, i.data_type, i.value, i.unit,
                         i.value_name, i.oid);
        for (const auto& [k, v] : i.extra) s += fmt::format("|{}={}", k, v);
        s += "]";
    }
    return s;
}

std::string failure_message(const auto& action) {
    try {
        action();
    } catch (const Error& e) {
        return e.detail();
    }
    return "(no error)";
}

void reverse_all(Node& node) {
    std::reverse(node.children.begin(), node.children.end());
    for (auto& c : node.children) reverse_all(c);
}

MedicalInfoQuery a_query() {
    MedicalInfoQuery q;
    q.institution_code = "1312345678";
    q.insurer_number = "139998";
    q.card_symbol = "模擬01";
    q.identification_number = "223344";
    q.branch_number = "";
    q.arbitrary_file_identifier = "chart-42";
    q.from_month = "202606";
    q.to_month = "202611";
    return q;
}

}  // namespace

TEST_CASE("medical info: file name prefixes") {
    CHECK(prefix_of(MedicalInfoKind::Drugs) == "YZKsiquc01");
    CHECK(prefix_of(MedicalInfoKind::Checkups) == "TKKsiquc01");
}

TEST_CASE("medical info: the drug request has OQSDrug2's element names") {
    const Node req = build_drug_request(a_query());
    CHECK(req.name == "XmlMsg");
    CHECK(names_of(req) == std::vector<std::string>{"MessageHeader", "MessageBody"});
    const Node& h = *req.child("MessageHeader");
    CHECK(names_of(h) == std::vector<std::string>{"MedicalInstitutionCode", "InsurerNumber",
                                                  "InsuranceCardSymbol",
                                                  "InsuredPersonIdentificationNumber",
                                                  "BranchNumber", "ArbitraryFileIdentifier"});
    CHECK(h.value_or_empty("InsurerNumber") == "  139998");  // 国保: space-padded to 8
    CHECK(h.value_or_empty("InsuranceCardSymbol") == "模擬01");
    CHECK(h.value_or_empty("InsuredPersonIdentificationNumber") == "223344");
    CHECK(h.value("BranchNumber") == std::optional<std::string>(""));  // sent empty, not left out
    const Node& b = *req.child("MessageBody");
    CHECK(names_of(b) == std::vector<std::string>{"StartDate", "EndDate", "FileCategory",
                                                  "PrDiInfClassification", "MedicalTreatmentFlag"});
    CHECK(b.value_or_empty("StartDate") == "202606");
    CHECK(b.value_or_empty("EndDate") == "202611");
    CHECK(b.value_or_empty("FileCategory") == "2");
    CHECK(b.value_or_empty("PrDiInfClassification") == "1");
    CHECK(b.value_or_empty("MedicalTreatmentFlag") == "1");

    MedicalInfoQuery q = a_query();
    q.format = MedicalFileFormat::Pdf;
    CHECK(build_drug_request(q).find("FileCategory")->text == "1");
    q.with_treatments = true;
    CHECK(build_drug_request(q).find("FileCategory")->text == "3");
    q.format = MedicalFileFormat::Xml;
    q.treatment_flag = "2";
    const Node with = build_drug_request(q);
    CHECK(with.find("FileCategory")->text == "4");
    CHECK(with.find("MedicalTreatmentFlag")->text == "2");

    // What the emulator reads back, after a trip through Shift_JIS bytes as OQSDrug2 writes them.
    const auto parsed =
        parse_medical_request(parse_xml(write_xml(with, TextEncoding::ShiftJis)).root);
    CHECK(parsed.file_category == "4");
    CHECK(parsed.query.with_treatments);
    CHECK(parsed.query.format == MedicalFileFormat::Xml);
    CHECK(parsed.query.insurer_number == "  139998");
    CHECK(parsed.query.card_symbol == "模擬01");
    CHECK(parsed.query.identification_number == "223344");
    CHECK(parsed.query.arbitrary_file_identifier == "chart-42");
    CHECK(parsed.query.from_month == "202606");
    CHECK(parsed.query.to_month == "202611");
    CHECK(parsed.query.treatment_flag == "2");
}

TEST_CASE("medical info: the checkup request has no months") {
    const Node req = build_checkup_request(a_query());
    const Node& b = *req.child("MessageBody");
    CHECK(names_of(b) == std::vector<std::string>{"FileCategory", "PrDiInfClassification",
                                                  "MedicalTreatmentFlag"});
    CHECK(b.value_or_empty("FileCategory") == "2");
    MedicalInfoQuery q = a_query();
    q.format = MedicalFileFormat::Pdf;
    q.with_treatments = true;  // 薬剤 only: ignored here
    CHECK(build_checkup_request(q).find("FileCategory")->text == "1");
    q.from_month.clear();  // not needed for checkups
    CHECK_NOTHROW(build_checkup_request(q));
}

TEST_CASE("medical info: requests missing a key or with bad months are refused") {
    auto without = [](auto change) {
        MedicalInfoQuery q = a_query();
        change(q);
        return q;
    };
    for (const auto& q : {without([](auto& q) { q.institution_code.clear(); }),
                          without([](auto& q) { q.insurer_number = " "; }),
                          without([](auto& q) { q.identification_number.clear(); })}) {
        CHECK(error_code_of([&] { build_drug_request(q); }) == Errc::InvalidArgument);
        CHECK(error_code_of([&] { build_checkup_request(q); }) == Errc::InvalidArgument);
    }
    for (const auto& q : {without([](auto& q) { q.from_month.clear(); }),
                          without([](auto& q) { q.to_month = "2026-11"; }),
                          without([](auto& q) { q.from_month = "202613"; }),
                          without([](auto& q) { q.from_month = "20260601"; })}) {
        CHECK(error_code_of([&] { build_drug_request(q); }) == Errc::InvalidArgument);
    }
    const auto backwards = without([](auto& q) { std::swap(q.from_month, q.to_month); });
    CHECK(failure_message([&] { build_drug_request(backwards); }).find("backwards") !=
          std::string::npos);
}

TEST_CASE("medical info: a drug history with all three sources, newest first") {
    const DrugHistory h = parse_drug_result(fixture("drugs_history.xml"));
    CHECK(h.result_code == "1");
    CHECK(h.message.empty());
    CHECK(h.patient.name == "模擬　太郎");
    CHECK(h.patient.kana == "ﾓｷﾞ ﾀﾛｳ");
    CHECK(h.patient.birthdate == "19800101");
    CHECK(h.patient.sex == "1");
    CHECK(field(h.header, "ArbitraryFileIdentifier") == "drug-0001");
    CHECK(field(h.header, "ProcessExecutionTime") == "20261201093000");

    REQUIRE(h.entries.size() == 11);
    // (source, date, drug): months and dates descending; a tie keeps the document order, and
    // receipts are read before prescriptions and dispensing results.
    std::vector<std::string> order;
    for (const auto& e : h.entries) {
        order.push_back(fmt::format("{} {} {}", e.date, to_string(e.source),
                                    e.drug_name.substr(0, e.drug_name.find("錠"))));
    }
    CHECK(order == std::vector<std::string>{
                       "20261112 receipt ロキソプロフェンNaテープ100mg「模擬」",
                       "20261106 receipt アムロジピン",
                       "20261106 receipt ロスバスタチン",
                       "20261106 dispensing アムロジピン",
                       "20261106 dispensing ロスバスタチン",
                       "20261105 prescription アムロジピン",
                       "20261105 prescription ロスバスタチン",
                       "20261008 receipt アムロジピン",
                       "20261008 receipt ロスバスタチン",
                       "20260924 receipt ロキソプロフェンNa",
                       "20260910 receipt アムロジピン",
                   });

    SUBCASE("every field of a receipt entry") {
        const DrugEntry& e = h.entries[9];
        CHECK(e.source == DrugSource::Receipt);
        CHECK(e.month == "202609");
        CHECK(e.date == "20260924");
        CHECK(e.prescription_date == "20260924");
        CHECK(e.org_class == "4");
        CHECK(e.dispensing_code == "1341111116");
        CHECK(e.dispensing_name == "模擬薬局");
        CHECK(e.prescriber_code == "1311111110");
        CHECK(e.prescriber_name == "模擬内科クリニック");
        CHECK(e.institution_name() == "模擬薬局");
        CHECK(e.institution_code() == "1341111116");
        CHECK(e.issued_here == "2");
        CHECK(e.in_out == "2");
        CHECK(e.drug_code == "990000035");
        CHECK(e.drug_name == "ロキソプロフェンNa錠60mg「模擬」");
        CHECK(e.ingredient == "ロキソプロフェンナトリウム水和物");
        CHECK(e.quantity == "3");
        CHECK(e.unit == "錠");
        CHECK(e.usage == "1日3回毎食後");
        CHECK(e.special_instruction == "胃の不快感があれば中止");
        CHECK(e.times == "5");
        CHECK(e.usage_class == "1");
        // Elements outside the layout, from the drug and from its month, kept as sent.
        CHECK(e.extra ==
              std::map<std::string, std::string>{{"GenericFlg", "1"}, {"MeTrDiHNote", "月末締め"}});
        CHECK(h.entries[10].extra ==
              std::map<std::string, std::string>{{"MeTrDiHNote", "月末締め"}});
        CHECK(h.entries[7].extra.empty());
    }
    SUBCASE("every field of a prescription entry (one date element for both dates)") {
        const DrugEntry& e = h.entries[6];
        CHECK(e.source == DrugSource::Prescription);
        CHECK(e.month == "202611");
        CHECK(e.date == "20261105");
        CHECK(e.prescription_date == "20261105");
        CHECK(e.org_class == "1");
        CHECK(e.dispensing_code.empty());
        CHECK(e.prescriber_code == "1311111110");
        CHECK(e.institution_name() == "模擬内科クリニック");
        CHECK(e.issued_here == "2");
        CHECK(e.in_out == "2");
        CHECK(e.drug_code == "990000027");
        CHECK(e.drug_name == "ロスバスタチン錠2.5mg「模擬」");
        CHECK(e.ingredient == "ロスバスタチンカルシウム");
        CHECK(e.quantity == "1");
        CHECK(e.unit == "錠");
        CHECK(e.usage == "1日1回夕食後");
        CHECK(e.times == "28");
        CHECK(e.usage_class == "1");
        CHECK(e.extra.empty());
    }
    SUBCASE("every field of a dispensing entry") {
        const DrugEntry& e = h.entries[3];
        CHECK(e.source == DrugSource::Dispensing);
        CHECK(e.month == "202611");
        CHECK(e.date == "20261106");
        CHECK(e.prescription_date == "20261105");
        CHECK(e.org_class == "4");
        CHECK(e.dispensing_code == "1341111116");
        CHECK(e.dispensing_name == "模擬薬局");
        CHECK(e.prescriber_code == "1311111110");
        CHECK(e.prescriber_name == "模擬内科クリニック");
        CHECK(e.issued_here == "2");
        CHECK(e.in_out == "2");
        CHECK(e.drug_code == "990000011");
        CHECK(e.ingredient == "アムロジピンベシル酸塩");
        CHECK(e.quantity == "1");
        CHECK(e.unit == "錠");
        CHECK(e.usage == "1日1回朝食後");
        CHECK(e.times == "28");
        CHECK(e.usage_class == "1");
    }
    SUBCASE("診療情報 of the receipt dates") {
        REQUIRE(h.treatments.size() == 2);
        CHECK(h.treatments[0].month == "202611");
        CHECK(h.treatments[0].date == "20261112");
        CHECK(h.treatments[0].institution_code == "1312222229");
        CHECK(h.treatments[0].institution_name == "模擬整形外科");
        CHECK(h.treatments[0].code == "990100001");
        CHECK(h.treatments[0].name == "再診料");
        CHECK(h.treatments[0].usage_class == "1");
        CHECK(h.treatments[0].quantity == "1");
        CHECK(h.treatments[0].times == "1");
        CHECK(h.treatments[0].unit == "回");
        CHECK(h.treatments[1].name == "消炎鎮痛等処置（器具等による療法）");
        CHECK(h.treatments[1].quantity.empty());
    }
}

TEST_CASE("medical info: the element order of the result does not matter") {
    Document doc = fixture("drugs_history.xml");
    const DrugHistory straight = parse_drug_result(doc);
    reverse_all(doc.root);
    const DrugHistory reversed = parse_drug_result(doc);
    auto a = describe_all(straight.entries);
    auto b = describe_all(reversed.entries);
    CHECK(a != b);  // ties come out in the other order ...
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    CHECK(a == b);  // ... but nothing is lost or changed
    CHECK(reversed.entries.front().date == "20261112");
    CHECK(reversed.entries.back().date == "20260910");
    CHECK(reversed.patient.name == "模擬　太郎");
}

TEST_CASE("medical info: an empty drug history") {
    const DrugHistory h = parse_drug_result(fixture("drugs_empty.xml"));
    CHECK(h.result_code == "1");
    CHECK(h.entries.empty());
    CHECK(h.treatments.empty());
    CHECK(h.patient.name == "架空　一郎");
    CHECK(h.patient.birthdate == "19400302");

    // No body at all, no patient: still an empty history, not an error.
    const auto bare = parse_drug_result(
        parse_xml("<XmlMsg><MessageHeader><ResultCode> 1 </ResultCode></MessageHeader></XmlMsg>"));
    CHECK(bare.entries.empty());
    CHECK(bare.patient.empty());
}

TEST_CASE("medical info: a Shift_JIS drug history is decoded") {
    const Document doc = fixture("drugs_sjis.xml");
    CHECK(doc.encoding == TextEncoding::ShiftJis);
    const DrugHistory h = parse_drug_result(doc);
    CHECK(h.patient.name == "髙橋　次郎");
    CHECK(h.patient.kana == "ﾀｶﾊｼ ｼﾞﾛｳ");
    REQUIRE(h.entries.size() == 1);
    const DrugEntry& e = h.entries[0];
    CHECK(e.dispensing_name == "模擬漢方内科～本院");
    CHECK(e.drug_name == "模擬葛根湯エキス顆粒（医療用）");
    CHECK(e.usage == "１日３回毎食前①");
    CHECK(e.unit == "ｇ");
    CHECK(e.quantity == "7.5");
    CHECK(e.date == "20261020");
    CHECK(e.prescription_date.empty());
    CHECK(e.in_out == "1");
}

TEST_CASE("medical info: ResultCode other than 1 is OQS_FAILED with MessageContents") {
    const Document doc = fixture("drugs_error.xml");
    for (int kind = 0; kind < 2; ++kind) {
        try {
            if (kind == 0) {
                (void)parse_drug_result(doc);
            } else {
                (void)parse_checkup_result(doc);
            }
            FAIL("no error");
        } catch (const Error& e) {
            CHECK(e.code() == Errc::OqsFailed);
            CHECK(e.detail() == "薬剤情報の閲覧同意が確認できません。");
            CHECK(e.fields().at("result_code") == "0");
            CHECK(e.fields().at("message") == "薬剤情報の閲覧同意が確認できません。");
        }
    }
    // Without MessageContents the code is named.
    const auto silent =
        parse_xml("<XmlMsg><MessageHeader><ResultCode>9</ResultCode></MessageHeader></XmlMsg>");
    CHECK(error_code_of([&] { parse_drug_result(silent); }) == Errc::OqsFailed);
    CHECK(failure_message([&] { parse_drug_result(silent); }).find("'9'") != std::string::npos);
    // A 資格確認-style failure header is a failure too.
    const auto segment9 = parse_xml(
        "<XmlMsg><MessageHeader><SegmentOfResult>9</SegmentOfResult><ErrorCode>E1</ErrorCode>"
        "<ErrorMessage>異常終了</ErrorMessage></MessageHeader></XmlMsg>");
    CHECK(error_code_of([&] { parse_checkup_result(segment9); }) == Errc::OqsFailed);
    CHECK(failure_message([&] { parse_checkup_result(segment9); }) == "異常終了");
}

TEST_CASE("medical info: a result that is not one is MESSAGE_INVALID") {
    const auto other_root = parse_xml("<Result><ResultCode>1</ResultCode></Result>");
    CHECK(error_code_of([&] { parse_drug_result(other_root); }) == Errc::MessageInvalid);
    CHECK(error_code_of([&] { parse_checkup_result(other_root); }) == Errc::MessageInvalid);
    const auto no_code = parse_xml("<XmlMsg><MessageHeader/><MessageBody/></XmlMsg>");
    CHECK(error_code_of([&] { parse_drug_result(no_code); }) == Errc::MessageInvalid);
    CHECK(failure_message([&] { parse_checkup_result(no_code); }).find("ResultCode") !=
          std::string::npos);
}

TEST_CASE("medical info: drug elements are found wherever they are") {
    // No …Infs wrappers, no ShPrInf/CzDiInf wrappers, drugs straight under a month, a month
    // left to its dates, the prescriber spelt PrIsHCd, a prescription month with receipt names
    // and the patient under the 健診 names.
    const auto doc = parse_xml(R"(<XmlMsg>
      <MessageHeader><ResultCode>1</ResultCode>
        <QualificationsInfo><Name>模擬　花子</Name><KanasName>ﾓｷﾞ ﾊﾅｺ</KanasName>
          <Birthday>19900202</Birthday><AdministrativeGenderCode>2</AdministrativeGenderCode>
        </QualificationsInfo></MessageHeader>
      <MessageBody>
        <MeTrMonthInf><PrIsHCd>1311111110</PrIsHCd>
          <DiDateInf><DiDate>20260703</DiDate><DrugInf><DrugN>A</DrugN></DrugInf></DiDateInf>
        </MeTrMonthInf>
        <CzDiMonthInf><CzDiMonth>202605</CzDiMonth>
          <CzDrugInf><CzDrugN>B</CzDrugN><CzQua1>2</CzQua1></CzDrugInf>
        </CzDiMonthInf>
        <Other><ShPrMonthInf><ShPrMonth>202606</ShPrMonth><MeTrDiHNm>模擬病院</MeTrDiHNm>
          <ShPrDateInfs><ShPrDateInf><ShPrDate>20260615</ShPrDate>
            <ShDrugInfs><ShDrugInf><DrugN>C</DrugN><ShUnit>包</ShUnit></ShDrugInf></ShDrugInfs>
          </ShPrDateInf></ShPrDateInfs></ShPrMonthInf></Other>
      </MessageBody></XmlMsg>)");
    const DrugHistory h = parse_drug_result(doc);
    CHECK(h.patient.name == "模擬　花子");
    CHECK(h.patient.kana == "ﾓｷﾞ ﾊﾅｺ");
    CHECK(h.patient.birthdate == "19900202");
    CHECK(h.patient.sex == "2");
    REQUIRE(h.entries.size() == 3);
    CHECK(h.entries[0].drug_name == "A");
    CHECK(h.entries[0].month == "202607");  // from its date
    CHECK(h.entries[0].prescriber_code == "1311111110");
    CHECK(h.entries[1].drug_name == "C");
    CHECK(h.entries[1].source == DrugSource::Prescription);
    CHECK(h.entries[1].dispensing_name == "模擬病院");
    CHECK(h.entries[1].unit == "包");
    CHECK(h.entries[2].drug_name == "B");
    CHECK(h.entries[2].date.empty());
    CHECK(h.entries[2].month == "202605");
    CHECK(h.entries[2].quantity == "2");
}

TEST_CASE("medical info: a checkup history over three years, newest first") {
    const CheckupHistory h = parse_checkup_result(fixture("checkups_3years.xml"));
    CHECK(h.result_code == "1");
    CHECK(h.patient.name == "模擬　太郎");
    CHECK(h.patient.kana == "ﾓｷﾞ ﾀﾛｳ");
    CHECK(h.patient.birthdate == "19800101");
    CHECK(h.patient.sex == "1");
    CHECK(field(h.header, "ArbitraryFileIdentifier") == "tkk-0001");
    REQUIRE(h.checkups.size() == 3);
    CHECK(h.checkups[0].date == "20260618");
    CHECK(h.checkups[1].date == "20250620");
    CHECK(h.checkups[2].date == "20240615");
    CHECK(h.checkups[0].items.size() == 7);
    CHECK(h.checkups[1].items.size() == 6);
    CHECK(h.checkups[2].items.size() == 5);
    CHECK(h.checkups[0].extra ==
          std::map<std::string, std::string>{{"CheckupOrgName", "模擬健診センター"}});
    CHECK(h.checkups[1].extra.empty());

    const CheckupItem& weight = h.checkups[0].items[1];
    CHECK(weight.code == "9N006000000000001");
    CHECK(weight.name == "体重");
    CHECK(weight.data_type == "PQ");
    CHECK(weight.value == "76.4");
    CHECK(weight.unit == "kg");
    CHECK(weight.value_name.empty());
    CHECK(weight.oid.empty());
    const CheckupItem& hba1c = h.checkups[0].items[4];
    CHECK(hba1c.value == "6.0");
    CHECK(hba1c.unit == "%");
    CHECK(hba1c.extra == std::map<std::string, std::string>{{"ReferenceRange", "4.6-5.5"}});
    const CheckupItem& metabo = h.checkups[0].items[5];
    CHECK(metabo.data_type == "CD");
    CHECK(metabo.value == "1");
    CHECK(metabo.value_name == "基準該当");
    CHECK(metabo.oid == "1.2.392.200119.6.1005");
    CHECK(metabo.unit.empty());
}

TEST_CASE("medical info: checkups inside an unknown wrapper, dates in other forms") {
    const auto doc = parse_xml(R"(<XmlMsg><MessageBody>
      <SpecificHealthCheckupInfoList>
        <SpecificHealthCheckupInfo><EffectiveTime>2023-06-01</EffectiveTime>
          <HealthCheckupResultAndQuestionInfo><ItemName>身長</ItemName></HealthCheckupResultAndQuestionInfo>
        </SpecificHealthCheckupInfo>
        <SpecificHealthCheckupInfo><EffectiveTime>20250601</EffectiveTime></SpecificHealthCheckupInfo>
        <SpecificHealthCheckupInfo/>
      </SpecificHealthCheckupInfoList>
      <ResultCode>1</ResultCode></MessageBody></XmlMsg>)");
    const CheckupHistory h = parse_checkup_result(doc);
    REQUIRE(h.checkups.size() == 3);
    CHECK(h.checkups[0].date == "20250601");
    CHECK(h.checkups[0].items.empty());
    CHECK(h.checkups[1].date == "2023-06-01");
    REQUIRE(h.checkups[1].items.size() == 1);
    CHECK(h.checkups[1].items[0].name == "身長");
    CHECK(h.checkups[2].date.empty());
    CHECK(h.patient.empty());
}

TEST_CASE("medical info: built results read back the same") {
    SUBCASE("drug history") {
        const DrugHistory h = parse_drug_result(fixture("drugs_history.xml"));
        const Node built = build_drug_result(h);
        // The layout's skeleton: MeTr months straight in the body, the others in their wrappers.
        const Node& body = *built.child("MessageBody");
        CHECK(names_of(body) == std::vector<std::string>{"MeTrMonthInf", "MeTrMonthInf",
                                                         "MeTrMonthInf", "MeTrMonthInf", "ShPrInf",
                                                         "CzDiInf"});
        CHECK(built.child("MessageHeader")->value_or_empty("ResultCode") == "1");
        CHECK(built.child("MessageHeader")->child("QuaInf") != nullptr);
        for (const auto encoding : {TextEncoding::Utf8, TextEncoding::ShiftJis}) {
            const DrugHistory again = parse_drug_result(parse_xml(write_xml(built, encoding)));
            CHECK(describe_all(again.entries) == describe_all(h.entries));
            CHECK(again.treatments.size() == h.treatments.size());
            CHECK(again.treatments[1].name == h.treatments[1].name);
            CHECK(again.patient.kana == h.patient.kana);
            CHECK(again.header == h.header);
        }
    }
    SUBCASE("checkup history") {
        const CheckupHistory h = parse_checkup_result(fixture("checkups_3years.xml"));
        const Node built = build_checkup_result(h);
        CHECK(built.child("MessageHeader")->child("QualificationsInfo") != nullptr);
        const CheckupHistory again = parse_checkup_result(parse_xml(write_xml(built)));
        REQUIRE(again.checkups.size() == h.checkups.size());
        for (std::size_t i = 0; i < h.checkups.size(); ++i) {
            CHECK(describe(again.checkups[i]) == describe(h.checkups[i]));
        }
        CHECK(again.patient.kana == "ﾓｷﾞ ﾀﾛｳ");
    }
    SUBCASE("a refusal has no patient and carries its message") {
        DrugHistory refusal;
        refusal.result_code = "0";
        refusal.message = "同意がありません";
        const Node built = build_drug_result(refusal);
        CHECK(built.find("QuaInf") == nullptr);
        CHECK(failure_message([&] { parse_drug_result(parse_xml(write_xml(built))); }) ==
              "同意がありません");
    }
}

TEST_CASE("medical info: nested look-alikes are read once, with their nearest scope") {
    const auto drugs = parse_drug_result(parse_xml(R"(<XmlMsg>
      <MessageHeader><ResultCode>1</ResultCode></MessageHeader><MessageBody>
        <MeTrMonthInf><MeTrMonth>202610</MeTrMonth>
          <DiDateInf><DiDate>20261001</DiDate>
            <DrugInf><DrugN>X</DrugN><DrugInf><DrugN>Y</DrugN></DrugInf></DrugInf>
            <DiDateInf><DiDate>20261002</DiDate><DrugInf><DrugN>Z</DrugN></DrugInf></DiDateInf>
          </DiDateInf>
          <MeTrMonthInf><MeTrMonth>202609</MeTrMonth><DrugInf><DrugN>W</DrugN></DrugInf>
          </MeTrMonthInf>
        </MeTrMonthInf>
      </MessageBody></XmlMsg>)"));
    std::vector<std::string> seen;
    for (const auto& e : drugs.entries) seen.push_back(e.drug_name + " " + e.date + e.month);
    CHECK(seen == std::vector<std::string>{"Z 20261002202610", "X 20261001202610",
                                           "Y 20261001202610", "W 202609"});

    const auto checkups = parse_checkup_result(parse_xml(R"(<XmlMsg>
      <MessageHeader><ResultCode>1</ResultCode></MessageHeader><MessageBody>
        <SpecificHealthCheckupInfo><EffectiveTime>20250101</EffectiveTime>
          <HealthCheckupResultAndQuestionInfo><ItemName>a</ItemName></HealthCheckupResultAndQuestionInfo>
          <SpecificHealthCheckupInfo><EffectiveTime>20260101</EffectiveTime>
            <HealthCheckupResultAndQuestionInfo><ItemName>b</ItemName></HealthCheckupResultAndQuestionInfo>
          </SpecificHealthCheckupInfo>
        </SpecificHealthCheckupInfo>
      </MessageBody></XmlMsg>)"));
    REQUIRE(checkups.checkups.size() == 2);
    REQUIRE(checkups.checkups[0].items.size() == 1);
    CHECK(checkups.checkups[0].items[0].name == "b");
    REQUIRE(checkups.checkups[1].items.size() == 1);
    CHECK(checkups.checkups[1].items[0].name == "a");
}

TEST_CASE("medical info: a drug history that would blow up in memory is refused") {
    // One 100 kB month field shared by 100 drugs: 10 MB once copied into each.
    std::string xml =
        "<XmlMsg><MessageHeader><ResultCode>1</ResultCode></MessageHeader>"
        "<MessageBody><MeTrMonthInf><MeTrDiHNm>" +
        std::string(100 * 1024, 'A') + "</MeTrDiHNm><DiDateInf>";
    for (int i = 0; i < 100; ++i) xml += "<DrugInf/>";
    xml += "</DiDateInf></MeTrMonthInf></MessageBody></XmlMsg>";
    const Document doc = parse_xml(xml);
    CHECK(parse_drug_result(doc).entries.size() == 100);
    CHECK(error_code_of([&] { parse_drug_result(doc, 1024 * 1024); }) == Errc::MessageInvalid);
}

TEST_CASE("medical info: a long drug history builds and reads back whole") {
    DrugHistory h;
    h.result_code = "1";
    for (int i = 0; i < 3000; ++i) {
        DrugEntry e;
        e.source = static_cast<DrugSource>(i % 3);
        e.month = fmt::format("{:04}{:02}", 2000 + i / 240, (i / 20) % 12 + 1);
        e.date = fmt::format("{}{:02}", e.month, i % 20 + 1);
        e.dispensing_name = fmt::format("薬局{}", i % 7);
        e.drug_name = fmt::format("薬{}", i);
        h.entries.push_back(e);
    }
    TreatmentEntry t;
    t.month = h.entries[3].month;
    t.date = h.entries[3].date;
    t.institution_name = h.entries[3].dispensing_name;
    t.name = "再診料";
    h.treatments.push_back(t);
    const Node built = build_drug_result(h);
    // The 診療情報 joined the date of the receipt it belongs to.
    CHECK(built.child("MessageBody")->children.size() < 3000);
    const DrugHistory again = parse_drug_result(parse_xml(write_xml(built)));
    CHECK(again.entries.size() == 3000);
    REQUIRE(again.treatments.size() == 1);
    CHECK(again.treatments[0].institution_name == "薬局3");
    std::size_t months_with_treatment = 0;
    for (const Node* m : built.find_all("MeTrMonthInf")) {
        if (m->find("MeTrInf") != nullptr) {
            ++months_with_treatment;
            CHECK(m->find("DrugInf") != nullptr);
        }
    }
    CHECK(months_with_treatment == 1);
}
