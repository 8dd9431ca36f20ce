#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <string>

#include <fmt/format.h>

#include "error_code_of.hpp"
#include "mynaq/error.hpp"
#include "mynaq/oqs/message.hpp"

using namespace mynaq;
using namespace mynaq::oqs;
using mynaq::test::error_code_of;

namespace {

// The synthetic face result of oqs-interface.md §2.2, with its consent flags.
const std::string kFace = R"(<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<XmlMsg>
  <MessageHeader>
    <ProcessExecutionTime>20250401091530</ProcessExecutionTime>
    <QualificationConfirmationDate>20250401</QualificationConfirmationDate>
    <MedicalInstitutionCode>1312345678</MedicalInstitutionCode>
    <ArbitraryFileIdentifier>(opaque, set by the reader app)</ArbitraryFileIdentifier>
    <ReferenceClassification>1</ReferenceClassification>
    <SegmentOfResult>1</SegmentOfResult>
    <CharacterCodeIdentifier>0</CharacterCodeIdentifier>
  </MessageHeader>
  <MessageBody>
    <ResultList>
      <ResultOfQualificationConfirmation>
        <InsuredCardClassification>01</InsuredCardClassification>
        <InsurerNumber>  123456</InsurerNumber>
        <InsuredCardSymbol>12-34</InsuredCardSymbol>
        <InsuredIdentificationNumber>4260</InsuredIdentificationNumber>
        <InsuredBranchNumber>01</InsuredBranchNumber>
        <PersonalFamilyClassification>1</PersonalFamilyClassification>
        <Name>診療　太郎</Name><NameKana>ｼﾝﾘｮｳ ﾀﾛｳ</NameKana>
        <Sex1>1</Sex1><Birthdate>20010327</Birthdate>
        <InsuredCardValidDate>20191001</InsuredCardValidDate>
        <InsurerName>（保険者名）</InsurerName>
        <LimitApplicationCertificateRelatedConsFlg>0</LimitApplicationCertificateRelatedConsFlg>
        <SpecificDiseasesCertificateRelatedConsFlg>0</SpecificDiseasesCertificateRelatedConsFlg>
        <PharmacistsInfoConsFlg>1</PharmacistsInfoConsFlg>
        <PharmacistsInfoConsTime>20250401091530</PharmacistsInfoConsTime>
        <PharmacistsInfoAvailableTime>20250402091530</PharmacistsInfoAvailableTime>
        <SpecificHealthCheckupsInfoConsFlg>1</SpecificHealthCheckupsInfoConsFlg>
        <DiagnosisInfoConsFlg>0</DiagnosisInfoConsFlg>
        <ReferenceNumber>24434</ReferenceNumber>
      </ResultOfQualificationConfirmation>
    </ResultList>
    <ProcessingResultStatus>1</ProcessingResultStatus>
    <QualificationValidity>1</QualificationValidity>
  </MessageBody>
</XmlMsg>
)";

void reverse_all(Node& node) {
    std::reverse(node.children.begin(), node.children.end());
    for (auto& c : node.children) reverse_all(c);
}

std::vector<std::string> names_of(const Node& node) {
    std::vector<std::string> out;
    for (const auto& c : node.children) out.push_back(c.name);
    return out;
}

const InputFinding* finding(const std::vector<InputFinding>& findings, const std::string& f) {
    for (const auto& x : findings) {
        if (x.field == f) return &x;
    }
    return nullptr;
}

bool any_blocking(const std::vector<InputFinding>& findings) {
    return std::any_of(findings.begin(), findings.end(),
                       [](const InputFinding& f) { return f.blocking; });
}

SearchInfo good_search() {
    SearchInfo s;
    s.insurer_number = "06139992";
    s.card_symbol = "1234";
    s.identification_number = "5678";
    s.branch_number = "01";
    s.birthdate = "19800101";
    return s;
}

}  // namespace

TEST_CASE("oqs message: state mappers and their names") {
    CHECK(file_state_of("1") == FileState::Completed);
    CHECK(file_state_of("2") == FileState::Processing);
    CHECK(file_state_of("9") == FileState::Failed);
    CHECK(file_state_of("3") == FileState::Unknown);
    CHECK(file_state_of("") == FileState::Unknown);
    CHECK(person_state_of("1") == PersonState::Ok);
    CHECK(person_state_of("2") == PersonState::Error);
    CHECK(person_state_of("0") == PersonState::Unknown);
    CHECK(eligibility_of("1") == Eligibility::Valid);
    CHECK(eligibility_of("3") == Eligibility::InvalidNewerExists);
    CHECK(eligibility_of("6") == Eligibility::ValidUnregistered);
    CHECK(eligibility_of("7") == Eligibility::Unknown);
    CHECK(eligibility_of("01") == Eligibility::Unknown);
    CHECK(to_string(FileState::Failed) == "failed");
    CHECK(to_string(PersonState::Error) == "error");
    CHECK(to_string(Eligibility::InvalidNewerExists) == "invalid_newer");
    CHECK(to_string(Eligibility::NoQualification) == "no_qualification");
    CHECK(to_string(Eligibility::Unknown) == "unknown");
}

TEST_CASE("oqs message: the face result sample reads as a valid coverage with consents") {
    const auto r = parse_qualification_result(parse_xml(kFace));
    CHECK(r.header.state == FileState::Completed);
    CHECK(r.header.get("ReferenceClassification") == "1");
    CHECK(r.header.error_code.empty());
    CHECK(r.person == PersonState::Ok);
    CHECK(r.eligibility == Eligibility::Valid);
    CHECK(r.valid());
    CHECK_FALSE(r.echo.has_value());
    CHECK(r.document.encoding == TextEncoding::Utf8);
    CHECK(r.document.raw == kFace);
    REQUIRE(r.coverages.size() == 1);
    const Coverage& c = r.coverages.front();
    CHECK(c.get("InsurerNumber") == "  123456");
    CHECK(c.get("InsuredBranchNumber") == "01");
    CHECK(c.get("Name") == "診療　太郎");
    CHECK(c.get("ReferenceNumber") == "24434");
    CHECK(c.get("Absent").empty());
    CHECK(c.fields.size() == 20);
    CHECK(c.fields.front().first == "InsuredCardClassification");

    REQUIRE(c.consents.size() == 5);
    CHECK(c.consents[0].element == "LimitApplicationCertificateRelated");
    CHECK(c.consents[0].flag == "0");
    const auto pharm = std::find_if(c.consents.begin(), c.consents.end(),
                                    [](const auto& e) { return e.element == "PharmacistsInfo"; });
    REQUIRE(pharm != c.consents.end());
    CHECK(pharm->flag == "1");
    CHECK(pharm->cons_time == "20250401091530");
    CHECK(pharm->available_time == "20250402091530");
    CHECK(c.consents[3].element == "SpecificHealthCheckupsInfo");
    CHECK(c.consents[3].cons_time.empty());
}

TEST_CASE("oqs message: element order does not matter") {
    auto doc = parse_xml(kFace);
    reverse_all(doc.root);
    REQUIRE(doc.root.children.front().name == "MessageBody");
    const auto shuffled = parse_qualification_result(parse_xml(write_xml(doc.root)));
    CHECK(shuffled.valid());
    CHECK(shuffled.header.state == FileState::Completed);
    REQUIRE(shuffled.coverages.size() == 1);
    CHECK(shuffled.coverages[0].get("InsurerNumber") == "  123456");
    CHECK(shuffled.coverages[0].get("Birthdate") == "20010327");
    CHECK(shuffled.coverages[0].consents.size() == 5);
    CHECK(shuffled.coverages[0].fields.front().first == "ReferenceNumber");
}

TEST_CASE("oqs message: several coverages, 医療券 and nested lists") {
    const std::string xml = R"(<XmlMsg>
  <MessageHeader><SegmentOfResult>1</SegmentOfResult>
    <ReferenceClassification>2</ReferenceClassification></MessageHeader>
  <MessageBody>
    <QualificationConfirmSearchInfo>
      <InsurerNumber>  138057</InsurerNumber><InsuredIdentificationNumber>0042</InsuredIdentificationNumber>
      <Birthdate>19500505</Birthdate><ArbitraryIdentifier>p-1</ArbitraryIdentifier>
    </QualificationConfirmSearchInfo>
    <ProcessingResultStatus>1</ProcessingResultStatus>
    <ProcessingResultCode>W001</ProcessingResultCode>
    <ProcessingResultMessage>カード失効3か月前</ProcessingResultMessage>
    <QualificationValidity>1</QualificationValidity>
    <ResultList>
      <ResultOfQualificationConfirmation>
        <InsuredCardClassification>01</InsuredCardClassification>
        <InsurerNumber>  138057</InsurerNumber>
        <PrescriptionIssueSelect>1</PrescriptionIssueSelect>
        <ElderlyRecipientCertificateInfo>
          <ElderlyRecipientContributionRatio>020</ElderlyRecipientContributionRatio>
        </ElderlyRecipientCertificateInfo>
        <LimitApplicationCertificateRelatedInfo>
          <LimitApplicationCertificateClassificationFlag>A03</LimitApplicationCertificateClassificationFlag>
          <LimitApplicationCertificateValidEndDate>20260731</LimitApplicationCertificateValidEndDate>
        </LimitApplicationCertificateRelatedInfo>
        <SpecificDiseasesCertificateList>
          <SpecificDiseasesCertificateInfo><SpecificDiseasesDiseaseCategory>1</SpecificDiseasesDiseaseCategory>
            <SpecificDiseasesSelfPay>10000</SpecificDiseasesSelfPay></SpecificDiseasesCertificateInfo>
          <SpecificDiseasesCertificateInfo><SpecificDiseasesDiseaseCategory>2</SpecificDiseasesDiseaseCategory></SpecificDiseasesCertificateInfo>
        </SpecificDiseasesCertificateList>
        <LimitApplicationCertificateRelatedConsFlg>1</LimitApplicationCertificateRelatedConsFlg>
        <LimitApplicationCertificateRelatedConsTime>20250401100000</LimitApplicationCertificateRelatedConsTime>
        <InfectiousInfoConsFlg>1</InfectiousInfoConsFlg>
        <UnknownFutureElement>kept</UnknownFutureElement>
      </ResultOfQualificationConfirmation>
      <ResultOfQualificationConfirmation>
        <InsuredCardClassification>A1</InsuredCardClassification>
        <PublicExpenseNumber>12345678</PublicExpenseNumber>
        <PublicExpenseResultList>
          <MedicalTicketInfo><TicketType>01</TicketType><IssueNumber>0001</IssueNumber></MedicalTicketInfo>
          <MedicalTicketInfo><TicketType>02</TicketType><IssueNumber>0002</IssueNumber></MedicalTicketInfo>
        </PublicExpenseResultList>
      </ResultOfQualificationConfirmation>
    </ResultList>
  </MessageBody>
</XmlMsg>)";
    const auto r = parse_qualification_result(parse_xml(xml));
    CHECK(r.valid());
    CHECK(r.processing_result_code == "W001");
    CHECK(r.processing_result_message == "カード失効3か月前");
    CHECK(r.prescription_issue_select == "1");  // found in the record
    REQUIRE(r.echo.has_value());
    CHECK(r.echo->insurer_number == "  138057");
    CHECK(r.echo->identification_number == "0042");
    CHECK(r.echo->arbitrary_identifier == "p-1");
    REQUIRE(r.coverages.size() == 2);

    const Coverage& insurance = r.coverages[0];
    REQUIRE(insurance.elderly.has_value());
    CHECK(field(*insurance.elderly, "ElderlyRecipientContributionRatio") == "020");
    REQUIRE(insurance.limit.has_value());
    CHECK(field(*insurance.limit, "LimitApplicationCertificateClassificationFlag") == "A03");
    REQUIRE(insurance.specific_diseases.size() == 2);
    CHECK(field(insurance.specific_diseases[0], "SpecificDiseasesSelfPay") == "10000");
    CHECK(field(insurance.specific_diseases[1], "SpecificDiseasesSelfPay") == std::nullopt);
    CHECK(insurance.medical_tickets.empty());
    CHECK(insurance.get("UnknownFutureElement") == "kept");
    REQUIRE(insurance.consents.size() == 2);
    CHECK(insurance.consents[0].element == "LimitApplicationCertificateRelated");
    CHECK(insurance.consents[0].cons_time == "20250401100000");
    CHECK(insurance.consents[1].element == "InfectiousInfo");

    const Coverage& aid = r.coverages[1];
    CHECK_FALSE(aid.elderly.has_value());
    REQUIRE(aid.medical_tickets.size() == 2);
    CHECK(field(aid.medical_tickets[0], "IssueNumber") == "0001");
    CHECK(field(aid.medical_tickets[1], "TicketType") == "02");
    CHECK(aid.consents.empty());
}

TEST_CASE("oqs message: a failed file, an error person, and what is not a message") {
    const auto failed = parse_qualification_result(parse_xml(
        "<XmlMsg><MessageHeader><SegmentOfResult>9</SegmentOfResult><ErrorCode>EQ0001</ErrorCode>"
        "<ErrorMessage>異常終了</ErrorMessage></MessageHeader></XmlMsg>"));
    CHECK(failed.header.state == FileState::Failed);
    CHECK(failed.header.error_code == "EQ0001");
    CHECK(failed.header.error_message == "異常終了");
    CHECK(failed.coverages.empty());
    CHECK_FALSE(failed.valid());

    const auto error = parse_qualification_result(
        parse_xml("<XmlMsg><MessageHeader><SegmentOfResult>1</SegmentOfResult></MessageHeader>"
                  "<MessageBody><ProcessingResultStatus>2</ProcessingResultStatus>"
                  "<ProcessingResultCode>0042</ProcessingResultCode>"
                  "<QualificationValidity>4</QualificationValidity>"
                  "<PrescriptionIssueSelect>2</PrescriptionIssueSelect></MessageBody></XmlMsg>"));
    CHECK(error.person == PersonState::Error);
    CHECK(error.processing_result_code == "0042");
    CHECK(error.eligibility == Eligibility::NoQualification);
    CHECK(error.prescription_issue_select == "2");
    CHECK_FALSE(error.valid());

    CHECK(error_code_of([] { (void)parse_qualification_result(parse_xml("<Other/>")); }) ==
          Errc::MessageInvalid);
    CHECK(error_code_of([] {
              (void)parse_qualification_result(parse_xml("<XmlMsg><MessageBody/></XmlMsg>"));
          }) == Errc::MessageInvalid);
    CHECK(error_code_of([] { (void)parse_bulk_result(parse_xml("<Other/>")); }) ==
          Errc::MessageInvalid);
}

TEST_CASE("oqs message: bulk upload result keeps the reception number") {
    const auto r = parse_bulk_upload_result(parse_xml(
        "<XmlMsg><MessageHeader><ProcessExecutionTime>20250331180000</ProcessExecutionTime>"
        "<MedicalInstitutionCode>1312345678</MedicalInstitutionCode>"
        "<ArbitraryFileIdentifier>bulk_0001</ArbitraryFileIdentifier>"
        "<SegmentOfResult>1</SegmentOfResult></MessageHeader>"
        "<MessageBody><ReceptionNumber>000123</ReceptionNumber>"
        "<ReceptionDateTime>20250331180001</ReceptionDateTime></MessageBody></XmlMsg>"));
    CHECK(r.reception_number == "000123");
    CHECK(r.reception_date_time == "20250331180001");
    CHECK(r.header.get("ArbitraryFileIdentifier") == "bulk_0001");
    CHECK(r.header.state == FileState::Completed);
    CHECK(error_code_of([] {
              (void)parse_bulk_upload_result(parse_xml(
                  "<XmlMsg><MessageHeader><SegmentOfResult>1</SegmentOfResult></MessageHeader>"
                  "<MessageBody/></XmlMsg>"));
          }) == Errc::MessageInvalid);
}

TEST_CASE("oqs message: bulk result with counts and one unit per person") {
    const std::string xml = R"(<XmlMsg>
  <MessageHeader>
    <QualificationConfirmationDate>20250401</QualificationConfirmationDate>
    <ReceptionNumber>000123</ReceptionNumber>
    <SegmentOfResult>1</SegmentOfResult>
    <NumberOfProcessingResult>3</NumberOfProcessingResult>
    <NumberOfNormalProcessing>2</NumberOfNormalProcessing>
    <NumberOfError>1</NumberOfError>
  </MessageHeader>
  <MessageBody>
    <BulkConfirmUnit>
      <QualificationConfirmSearchInfo><InsurerNumber>06139992</InsurerNumber>
        <InsuredIdentificationNumber>0001</InsuredIdentificationNumber>
        <ArbitraryIdentifier>pt1_h1</ArbitraryIdentifier></QualificationConfirmSearchInfo>
      <ProcessingResultStatus>1</ProcessingResultStatus>
      <QualificationValidity>1</QualificationValidity>
      <ResultOfQualificationConfirmation><Name>一　太郎</Name>
        <LimitApplicationCertificateChanged>0</LimitApplicationCertificateChanged>
      </ResultOfQualificationConfirmation>
      <ReferenceNumber>A-1</ReferenceNumber>
    </BulkConfirmUnit>
    <BulkConfirmUnit>
      <ReferenceNumber>A-2</ReferenceNumber>
      <ResultList>
        <ResultOfQualificationConfirmation><InsurerNumber>  138057</InsurerNumber></ResultOfQualificationConfirmation>
        <ResultOfQualificationConfirmation><InsuredCardClassification>A1</InsuredCardClassification></ResultOfQualificationConfirmation>
      </ResultList>
      <QualificationValidity>5</QualificationValidity>
      <ProcessingResultStatus>1</ProcessingResultStatus>
      <QualificationConfirmSearchInfo><InsurerNumber>  138057</InsurerNumber>
        <ArbitraryIdentifier>pt2_h1</ArbitraryIdentifier></QualificationConfirmSearchInfo>
    </BulkConfirmUnit>
    <BulkConfirmUnit>
      <QualificationConfirmSearchInfo><ArbitraryIdentifier>pt3_h1</ArbitraryIdentifier></QualificationConfirmSearchInfo>
      <ProcessingResultStatus>2</ProcessingResultStatus>
      <ProcessingResultCode>1234</ProcessingResultCode>
      <ProcessingResultMessage>該当者なし</ProcessingResultMessage>
    </BulkConfirmUnit>
  </MessageBody>
</XmlMsg>)";
    const auto r = parse_bulk_result(parse_xml(xml));
    CHECK(r.header.state == FileState::Completed);
    CHECK(r.reception_number == "000123");
    CHECK(r.number_of_results == "3");
    CHECK(r.number_of_normal == "2");
    CHECK(r.number_of_errors == "1");
    REQUIRE(r.units.size() == 3);

    CHECK(r.units[0].echo.arbitrary_identifier == "pt1_h1");
    CHECK(r.units[0].echo.identification_number == "0001");
    CHECK(r.units[0].person == PersonState::Ok);
    CHECK(r.units[0].eligibility == Eligibility::Valid);
    CHECK(r.units[0].reference_number == "A-1");
    REQUIRE(r.units[0].coverages.size() == 1);
    CHECK(r.units[0].coverages[0].get("LimitApplicationCertificateChanged") == "0");

    CHECK(r.units[1].echo.arbitrary_identifier == "pt2_h1");
    CHECK(r.units[1].echo.insurer_number == "  138057");
    CHECK(r.units[1].eligibility == Eligibility::Multiple);
    CHECK(r.units[1].coverages.size() == 2);
    CHECK(r.units[1].reference_number == "A-2");

    CHECK(r.units[2].person == PersonState::Error);
    CHECK(r.units[2].processing_result_code == "1234");
    CHECK(r.units[2].processing_result_message == "該当者なし");
    CHECK(r.units[2].coverages.empty());
    CHECK(r.units[2].eligibility == Eligibility::Unknown);

    const auto processing = parse_bulk_result(parse_xml(
        "<XmlMsg><MessageHeader><SegmentOfResult>2</SegmentOfResult></MessageHeader></XmlMsg>"));
    CHECK(processing.header.state == FileState::Processing);
    CHECK(processing.units.empty());
}

TEST_CASE("oqs message: the single query is built in the documented element order") {
    SingleQuery q;
    q.confirmation_date = "20250401";
    q.institution_code = "1312345678";
    q.arbitrary_file_identifier = "clinic_000123";
    q.search = good_search();
    q.search.limit_consent_flag = "1";
    const Node root = build_single_query(q);
    CHECK(root.name == "XmlMsg");
    CHECK(names_of(root) == std::vector<std::string>{"MessageHeader", "MessageBody"});
    CHECK(names_of(*root.child("MessageHeader")) ==
          std::vector<std::string>{"QualificationConfirmationDate", "MedicalInstitutionCode",
                                   "ArbitraryFileIdentifier"});
    const Node* info = root.find("QualificationConfirmSearchInfo");
    REQUIRE(info != nullptr);
    CHECK(names_of(*info) == std::vector<std::string>{"InsurerNumber", "InsuredCardSymbol",
                                                      "InsuredIdentificationNumber",
                                                      "InsuredBranchNumber", "Birthdate",
                                                      "LimitApplicationCertificateRelatedConsFlg"});

    // Optional fields left empty are omitted; a 6-digit 国保 number is space-padded.
    q.arbitrary_file_identifier.clear();
    q.search.card_symbol.clear();
    q.search.limit_consent_flag.clear();
    q.search.insurer_number = "138057";
    const Node lean = build_single_query(q);
    CHECK(names_of(*lean.child("MessageHeader")) ==
          std::vector<std::string>{"QualificationConfirmationDate", "MedicalInstitutionCode"});
    const Node* lean_info = lean.find("QualificationConfirmSearchInfo");
    CHECK(names_of(*lean_info) == std::vector<std::string>{"InsurerNumber",
                                                           "InsuredIdentificationNumber",
                                                           "InsuredBranchNumber", "Birthdate"});
    // Through the wire format and back, the padding survives.
    const auto back = parse_xml(write_xml(lean, TextEncoding::ShiftJis));
    CHECK(back.root.find("InsurerNumber")->text == "  138057");
}

TEST_CASE("oqs message: bulk upload and download requests") {
    BulkQuery q;
    q.confirmation_date = "20250402";
    q.institution_code = "1312345678";
    q.arbitrary_file_identifier = "bulk_0001";
    for (int i = 1; i <= 3; ++i) {
        SearchInfo s = good_search();
        s.arbitrary_identifier = fmt::format("pt{}_h1", i);
        q.people.push_back(s);
    }
    const Node up = build_bulk_upload(q);
    CHECK(names_of(*up.child("MessageHeader")) ==
          std::vector<std::string>{"QualificationConfirmationDate", "MedicalInstitutionCode",
                                   "ArbitraryFileIdentifier"});
    const auto infos = up.child("MessageBody")->children_named("QualificationConfirmSearchInfo");
    REQUIRE(infos.size() == 3);
    CHECK(infos[2]->value_or_empty("ArbitraryIdentifier") == "pt3_h1");
    CHECK(names_of(*infos[0]).back() == "ArbitraryIdentifier");
    CHECK(search_info_from(*infos[1]).arbitrary_identifier == "pt2_h1");

    const Node down = build_bulk_download("1312345678", "000123", "bulk_0002");
    CHECK(names_of(down) == std::vector<std::string>{"MessageHeader", "MessageBody"});
    CHECK(names_of(*down.child("MessageHeader")) ==
          std::vector<std::string>{"MedicalInstitutionCode", "ArbitraryFileIdentifier"});
    CHECK(names_of(*down.child("MessageBody")) == std::vector<std::string>{"ReceptionNumber"});
    CHECK(down.find("ReceptionNumber")->text == "000123");
    CHECK(build_bulk_download("1312345678", "000123", "").child("MessageHeader")->children.size() ==
          1);
}

TEST_CASE("oqs message: insurer check digit") {
    // 0613999 from the right: 9×2=18→9, 9, 9×2→9, 3, 1×2=2, 6, 0×2=0; sum 38 → 10-8 = 2.
    CHECK(insurer_check_digit_ok("06139992"));
    CHECK_FALSE(insurer_check_digit_ok("06139999"));
    // The worked example of the 設定要領 quote: 3312001 → 6+3+2+2+0+0+2 = 15 → 5.
    CHECK(insurer_check_digit_ok("33120015"));
    CHECK_FALSE(insurer_check_digit_ok("33120016"));
    // 国保 13805: 5×2=10→1, 0, 8×2=16→7, 3, 1×2=2; sum 13 → 7.
    CHECK(insurer_check_digit_ok("138057"));
    CHECK(insurer_check_digit_ok("  138057"));
    CHECK_FALSE(insurer_check_digit_ok("138050"));
    // 3912345: 5×2=10→1, 4, 3×2=6, 2, 1×2=2, 9, 3×2=6; sum 30 → 0.
    CHECK(insurer_check_digit_ok("39123450"));
    CHECK_FALSE(insurer_check_digit_ok("0613999"));
    CHECK_FALSE(insurer_check_digit_ok("0613999X"));
}

TEST_CASE("oqs message: input checks block only what cannot be sent") {
    CHECK(check_search_info(good_search()).empty());

    SearchInfo s = good_search();
    s.insurer_number = "06139999";  // wrong check digit: warn, still send
    auto f = check_search_info(s);
    REQUIRE(finding(f, "insurer_number") != nullptr);
    CHECK(finding(f, "insurer_number")->code == "check_digit");
    CHECK_FALSE(any_blocking(f));

    s.insurer_number = "77777777";  // a number in real use that fails the rule
    CHECK_FALSE(any_blocking(check_search_info(s)));

    s.insurer_number = "  138057";
    CHECK(check_search_info(s).empty());

    s.insurer_number = "0613999";
    f = check_search_info(s);
    CHECK(finding(f, "insurer_number")->code == "length");
    CHECK(finding(f, "insurer_number")->blocking);

    s.insurer_number = "06A39992";
    f = check_search_info(s);
    CHECK(finding(f, "insurer_number")->code == "format");
    CHECK(finding(f, "insurer_number")->blocking);

    s = good_search();
    s.branch_number = "1";
    f = check_search_info(s);
    CHECK(finding(f, "branch_number")->code == "format");
    CHECK_FALSE(any_blocking(f));
    s.branch_number.clear();  // 後期高齢: no 枝番
    CHECK(check_search_info(s).empty());

    for (const std::string bad : {"20230230", "19801301", "1980-01-01", "abc", "19800132"}) {
        CAPTURE(bad);
        s.birthdate = bad;
        f = check_search_info(s);
        REQUIRE(finding(f, "birthdate") != nullptr);
        CHECK(finding(f, "birthdate")->code == "date");
        CHECK(finding(f, "birthdate")->blocking);
    }
    s.birthdate = "20240229";  // a leap day
    CHECK(check_search_info(s).empty());

    const auto next_year =
        static_cast<int>(std::chrono::year_month_day{
            std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())}
                             .year()) +
        1;
    s.birthdate = fmt::format("{}0101", next_year);
    f = check_search_info(s);
    CHECK(finding(f, "birthdate")->code == "future");

    s = good_search();
    s.identification_number.clear();
    s.birthdate.clear();
    f = check_search_info(s);
    CHECK(finding(f, "identification_number")->blocking);
    CHECK(finding(f, "birthdate")->blocking);
}

TEST_CASE("oqs message: insurer numbers are padded to 8 characters with spaces") {
    CHECK(pad_insurer_number("138057") == "  138057");
    CHECK(pad_insurer_number(" 138057 ") == "  138057");
    CHECK(pad_insurer_number("06139992") == "06139992");
    CHECK(pad_insurer_number("  138057") == "  138057");
    CHECK(pad_insurer_number("0613999") == "0613999");
    CHECK(pad_insurer_number("") == "");
}
