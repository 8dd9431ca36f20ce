// 照会番号 registration messages and the CSV they are made from.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "error_code_of.hpp"
#include "mynaq/csv.hpp"
#include "mynaq/error.hpp"
#include "mynaq/oqs/reference_number.hpp"
#include "mynaq/oqs/xml.hpp"
#include "mynaq/text_encoding.hpp"

using namespace mynaq;
using namespace mynaq::oqs;
using mynaq::test::error_code_of;

namespace {

// The error an action throws, for its message.
Error error_of(const auto& action) {
    try {
        action();
    } catch (const Error& e) {
        return e;
    }
    FAIL("no mynaq::Error thrown");
    return Error(Errc::Internal, "");
}

std::vector<std::string> names_of(const Node& node) {
    std::vector<std::string> out;
    for (const auto& c : node.children) out.push_back(c.name);
    return out;
}

ReferenceRegistration shaho() {
    return {"K-0042", "06139992", "1234", "5678", "01"};
}
ReferenceRegistration kokuho() {
    return {"24434", "139998", "", "223344", ""};
}

bool any_blocking(const std::vector<InputFinding>& findings) {
    for (const auto& f : findings) {
        if (f.blocking) return true;
    }
    return false;
}

const InputFinding* finding(const std::vector<InputFinding>& findings, const std::string& field) {
    for (const auto& f : findings) {
        if (f.field == field) return &f;
    }
    return nullptr;
}

// OQSsiimm01res as MynaReception's test models the real one: the registration echoed
// (in its own element order), the status, no code or message on success.
const std::string kSingleOk = R"(<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<XmlMsg>
  <MessageHeader>
    <ProcessExecutionTime>20260930221234</ProcessExecutionTime>
    <CharacterCodeIdentifier>0</CharacterCodeIdentifier>
    <SegmentOfResult>1</SegmentOfResult>
    <ArbitraryFileIdentifier>20260930221230123-ab12cd34</ArbitraryFileIdentifier>
    <MedicalInstitutionCode>1312345678</MedicalInstitutionCode>
  </MessageHeader>
  <MessageBody>
    <ReferenceNumberRegistrationInfo>
      <InsurerNumber>  139998</InsurerNumber>
      <InsuredIdentificationNumber>223344</InsuredIdentificationNumber>
      <ReferenceNumber>24434</ReferenceNumber>
      <InsuredBranchNumber>00</InsuredBranchNumber>
    </ReferenceNumberRegistrationInfo>
    <ProcessingResultStatus>1</ProcessingResultStatus>
  </MessageBody>
</XmlMsg>
)";

const std::string kSingleError = R"(<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<XmlMsg>
  <MessageHeader>
    <ProcessExecutionTime>20260930221234</ProcessExecutionTime>
    <MedicalInstitutionCode>1312345678</MedicalInstitutionCode>
    <ArbitraryFileIdentifier>afi-2</ArbitraryFileIdentifier>
    <SegmentOfResult>1</SegmentOfResult>
    <CharacterCodeIdentifier>0</CharacterCodeIdentifier>
  </MessageHeader>
  <MessageBody>
    <ReferenceNumberRegistrationInfo>
      <ReferenceNumber>K-0042</ReferenceNumber>
      <InsurerNumber>06139992</InsurerNumber>
      <InsuredCardSymbol>1234</InsuredCardSymbol>
      <InsuredIdentificationNumber>9999</InsuredIdentificationNumber>
      <InsuredBranchNumber>01</InsuredBranchNumber>
    </ReferenceNumberRegistrationInfo>
    <ProcessingResultStatus>2</ProcessingResultStatus>
    <ProcessingResultCode>E-SYNTH</ProcessingResultCode>
    <ProcessingResultMessage>該当する資格がありません（模擬）</ProcessingResultMessage>
  </MessageBody>
</XmlMsg>
)";

const std::string kBulkProcessing = R"(<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<XmlMsg>
  <MessageHeader>
    <ProcessExecutionTime>20260930221500</ProcessExecutionTime>
    <MedicalInstitutionCode>1312345678</MedicalInstitutionCode>
    <ArbitraryFileIdentifier>bulk-1</ArbitraryFileIdentifier>
    <ReceptionNumber>202609302214000001</ReceptionNumber>
    <SegmentOfResult>2</SegmentOfResult>
    <CharacterCodeIdentifier>0</CharacterCodeIdentifier>
  </MessageHeader>
  <MessageBody/>
</XmlMsg>
)";

const std::string kBulkDone = R"(<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<XmlMsg>
  <MessageHeader>
    <ProcessExecutionTime>20260930221700</ProcessExecutionTime>
    <MedicalInstitutionCode>1312345678</MedicalInstitutionCode>
    <ArbitraryFileIdentifier>bulk-1</ArbitraryFileIdentifier>
    <ReceptionNumber>202609302214000001</ReceptionNumber>
    <SegmentOfResult>1</SegmentOfResult>
    <NumberOfProcessingResult>2</NumberOfProcessingResult>
    <NumberOfNormalProcessing>1</NumberOfNormalProcessing>
    <NumberOfError>1</NumberOfError>
    <CharacterCodeIdentifier>0</CharacterCodeIdentifier>
  </MessageHeader>
  <MessageBody>
    <BulkRegistrationUnit>
      <ReferenceNumberRegistrationInfo>
        <ReferenceNumber>K-0042</ReferenceNumber>
        <InsurerNumber>06139992</InsurerNumber>
        <InsuredCardSymbol>1234</InsuredCardSymbol>
        <InsuredIdentificationNumber>5678</InsuredIdentificationNumber>
        <InsuredBranchNumber>01</InsuredBranchNumber>
      </ReferenceNumberRegistrationInfo>
      <ProcessingResultStatus>1</ProcessingResultStatus>
    </BulkRegistrationUnit>
    <BulkRegistrationUnit>
      <ProcessingResultMessage>該当する資格がありません（模擬）</ProcessingResultMessage>
      <ProcessingResultCode>E-SYNTH</ProcessingResultCode>
      <ProcessingResultStatus>2</ProcessingResultStatus>
      <ReferenceNumberRegistrationInfo>
        <ReferenceNumber>24434</ReferenceNumber>
        <InsurerNumber>  139998</InsurerNumber>
        <InsuredIdentificationNumber>000000</InsuredIdentificationNumber>
      </ReferenceNumberRegistrationInfo>
    </BulkRegistrationUnit>
  </MessageBody>
</XmlMsg>
)";

}  // namespace

TEST_CASE("reference number: the single request has the documented names, order and padding") {
    const Node msg = build_reference_registration("1312345678", "afi-1", kokuho());
    CHECK(msg.name == "XmlMsg");
    CHECK(names_of(msg) == std::vector<std::string>{"MessageHeader", "MessageBody"});
    const Node& h = *msg.child("MessageHeader");
    CHECK(names_of(h) ==
          std::vector<std::string>{"MedicalInstitutionCode", "ArbitraryFileIdentifier"});
    CHECK(h.value_or_empty("MedicalInstitutionCode") == "1312345678");
    CHECK(h.value_or_empty("ArbitraryFileIdentifier") == "afi-1");
    const Node* info = msg.child("MessageBody")->child("ReferenceNumberRegistrationInfo");
    REQUIRE(info != nullptr);
    // Symbol and branch are left out when the card has none, not sent empty.
    CHECK(names_of(*info) == std::vector<std::string>{"ReferenceNumber", "InsurerNumber",
                                                      "InsuredIdentificationNumber"});
    CHECK(info->value_or_empty("InsurerNumber") == "  139998");
    CHECK(info->value_or_empty("ReferenceNumber") == "24434");

    const Node full = build_reference_registration("1312345678", "", shaho());
    CHECK(full.child("MessageHeader")->child("ArbitraryFileIdentifier") == nullptr);
    const Node* f = full.find("ReferenceNumberRegistrationInfo");
    REQUIRE(f != nullptr);
    CHECK(names_of(*f) ==
          std::vector<std::string>{"ReferenceNumber", "InsurerNumber", "InsuredCardSymbol",
                                   "InsuredIdentificationNumber", "InsuredBranchNumber"});
    CHECK(f->value_or_empty("InsurerNumber") == "06139992");
    const auto back = reference_registration_from(*f);
    CHECK(back.reference_number == "K-0042");
    CHECK(back.symbol == "1234");
    CHECK(back.number == "5678");
    CHECK(back.branch == "01");

    // Written in Shift_JIS and read back, a Japanese symbol and the padding survive.
    ReferenceRegistration jp = kokuho();
    jp.symbol = "模擬01";
    const Document doc = parse_xml(
        write_xml(build_reference_registration("1312345678", "x", jp), TextEncoding::ShiftJis));
    CHECK(doc.encoding == TextEncoding::ShiftJis);
    CHECK(doc.root.find("InsuredCardSymbol")->text == "模擬01");
    CHECK(doc.root.find("InsurerNumber")->text == "  139998");
}

TEST_CASE("reference number: checks of a registration") {
    CHECK(check_reference_registration(shaho()).empty());
    CHECK(check_reference_registration(kokuho()).empty());

    ReferenceRegistration r = shaho();
    r.reference_number = "";
    CHECK(finding(check_reference_registration(r), "reference_number")->code == "required");
    r.reference_number = " K1";
    CHECK(finding(check_reference_registration(r), "reference_number")->code == "format");
    CHECK(any_blocking(check_reference_registration(r)));
    r.reference_number = std::string(50, '7');
    CHECK(check_reference_registration(r).empty());
    r.reference_number = std::string(51, '7');
    CHECK(finding(check_reference_registration(r), "reference_number")->code == "length");
    // Characters, not bytes: fifty kana are within the limit, but only a warning.
    r.reference_number.clear();
    for (int i = 0; i < 50; ++i) r.reference_number += "あ";
    const auto kana = check_reference_registration(r);
    REQUIRE(finding(kana, "reference_number") != nullptr);
    CHECK(finding(kana, "reference_number")->code == "format");
    CHECK_FALSE(any_blocking(kana));

    r = shaho();
    r.insurer_number = "6139992";
    CHECK(finding(check_reference_registration(r), "insurer_number")->code == "length");
    r.insurer_number = "0613999X";
    CHECK(finding(check_reference_registration(r), "insurer_number")->code == "format");
    r.insurer_number = "06139991";  // wrong check digit: a doubt, not a stop
    const auto digit = check_reference_registration(r);
    CHECK(finding(digit, "insurer_number")->code == "check_digit");
    CHECK_FALSE(any_blocking(digit));

    r = shaho();
    r.number = "  ";
    CHECK(finding(check_reference_registration(r), "number")->code == "required");
    r = shaho();
    r.branch = "1";
    CHECK_FALSE(any_blocking(check_reference_registration(r)));
    CHECK(finding(check_reference_registration(r), "branch") != nullptr);
    r = shaho();
    r.symbol = std::string(21, 'S');
    CHECK_FALSE(any_blocking(check_reference_registration(r)));

    r = shaho();
    r.reference_number = std::string(51, '7');
    const Error e = error_of([&] { require_valid_reference_registration(r); });
    CHECK(e.code() == Errc::InvalidArgument);
    CHECK(e.detail() == "the reference number has 51 characters, more than 50");
    CHECK(error_code_of([&] { build_reference_registration("1312345678", "a", r); }) ==
          Errc::InvalidArgument);
    r = shaho();
    r.number.clear();
    CHECK(error_code_of([&] { build_reference_registration("1312345678", "a", r); }) ==
          Errc::InvalidArgument);
}

TEST_CASE("reference number: bulk upload and download requests") {
    const Node up = build_bulk_reference_upload("1312345678", "bulk-1", {shaho(), kokuho()});
    CHECK(up.child("MessageHeader")->value_or_empty("ArbitraryFileIdentifier") == "bulk-1");
    const auto infos = up.child("MessageBody")->children_named("ReferenceNumberRegistrationInfo");
    REQUIRE(infos.size() == 2);
    CHECK(infos[0]->value_or_empty("ReferenceNumber") == "K-0042");
    CHECK(infos[1]->value_or_empty("InsurerNumber") == "  139998");
    CHECK(up.child("MessageBody")->children.size() == 2);

    CHECK(error_code_of([] { build_bulk_reference_upload("1312345678", "b", {}); }) ==
          Errc::InvalidArgument);
    ReferenceRegistration bad = kokuho();
    bad.insurer_number = "";
    const Error e = error_of([&] {
        build_bulk_reference_upload("1312345678", "b", {shaho(), bad});
    });
    CHECK(e.code() == Errc::InvalidArgument);
    CHECK(e.detail() == "entry 2 (reference number '24434'): the insurer number is missing");
    CHECK(e.fields().at("entry") == "2");

    const Node down = build_bulk_reference_download("1312345678", "bulk-1", "202609302214000001");
    CHECK(names_of(*down.child("MessageHeader")) ==
          std::vector<std::string>{"MedicalInstitutionCode", "ArbitraryFileIdentifier"});
    CHECK(down.child("MessageBody")->value_or_empty("ReceptionNumber") == "202609302214000001");
    CHECK(error_code_of([] { build_bulk_reference_download("1312345678", "", " "); }) ==
          Errc::InvalidArgument);
    CHECK(kReferenceSingle == "OQSsiimm01");
    CHECK(kReferenceBulkUpload == "OQSmuimm01");
    CHECK(kReferenceBulkDownload == "OQSmuimm02");
}

TEST_CASE("reference number: single results, registered or not") {
    const auto ok = parse_reference_registration_result(parse_xml(kSingleOk));
    CHECK(ok.header.state == FileState::Completed);
    CHECK(ok.header.get("ArbitraryFileIdentifier") == "20260930221230123-ab12cd34");
    CHECK(ok.person == PersonState::Ok);
    CHECK(ok.processing_result_code.empty());
    CHECK(ok.registered());
    REQUIRE(ok.echo.has_value());
    CHECK(ok.echo->reference_number == "24434");
    CHECK(ok.echo->insurer_number == "  139998");
    CHECK(ok.echo->number == "223344");
    CHECK(ok.echo->branch == "00");
    CHECK(ok.echo->symbol.empty());
    CHECK(ok.document.raw == kSingleOk);

    const auto err = parse_reference_registration_result(parse_xml(kSingleError));
    CHECK(err.header.state == FileState::Completed);
    CHECK(err.person == PersonState::Error);
    CHECK_FALSE(err.registered());
    CHECK(err.processing_result_code == "E-SYNTH");
    CHECK(err.processing_result_message == "該当する資格がありません（模擬）");
    CHECK(err.echo->number == "9999");

    // Segment 9: the header's error, no body to speak of.
    const auto failed = parse_reference_registration_result(parse_xml(
        "<XmlMsg><MessageHeader><SegmentOfResult>9</SegmentOfResult><ErrorCode>E9</ErrorCode>"
        "<ErrorMessage>異常終了</ErrorMessage></MessageHeader><MessageBody/></XmlMsg>"));
    CHECK(failed.header.state == FileState::Failed);
    CHECK(failed.header.error_code == "E9");
    CHECK(failed.header.error_message == "異常終了");
    CHECK_FALSE(failed.echo.has_value());
    CHECK_FALSE(failed.registered());

    // A status 1 with a header ErrorCode is not a success either.
    const auto mixed = parse_reference_registration_result(parse_xml(
        "<XmlMsg><MessageHeader><SegmentOfResult>1</SegmentOfResult><ErrorCode>E1</ErrorCode>"
        "</MessageHeader><MessageBody><ProcessingResultStatus>1</ProcessingResultStatus>"
        "</MessageBody></XmlMsg>"));
    CHECK_FALSE(mixed.registered());

    // The older layout: a bare ReferenceNumber in the body.
    const auto bare = parse_reference_registration_result(
        parse_xml("<XmlMsg><MessageHeader><SegmentOfResult>1</SegmentOfResult></MessageHeader>"
                  "<MessageBody><ReferenceNumber>24434</ReferenceNumber>"
                  "<ProcessingResultStatus>1</ProcessingResultStatus></MessageBody></XmlMsg>"));
    REQUIRE(bare.echo.has_value());
    CHECK(bare.echo->reference_number == "24434");
    CHECK(bare.echo->insurer_number.empty());
    CHECK(bare.registered());

    // No status at all is unknown, never success.
    const auto unknown = parse_reference_registration_result(
        parse_xml("<XmlMsg><MessageHeader><SegmentOfResult>1</SegmentOfResult></MessageHeader>"
                  "<MessageBody/></XmlMsg>"));
    CHECK(unknown.person == PersonState::Unknown);
    CHECK_FALSE(unknown.registered());

    CHECK(error_code_of([] { parse_reference_registration_result(parse_xml("<Other/>")); }) ==
          Errc::MessageInvalid);
    CHECK(error_code_of([] {
              parse_reference_registration_result(parse_xml("<XmlMsg><MessageBody/></XmlMsg>"));
          }) == Errc::MessageInvalid);
}

TEST_CASE("reference number: bulk upload result and the reception number") {
    const auto up = parse_bulk_reference_upload_result(parse_xml(
        "<XmlMsg><MessageHeader><MedicalInstitutionCode>1312345678</MedicalInstitutionCode>"
        "<ArbitraryFileIdentifier>bulk-1</ArbitraryFileIdentifier>"
        "<SegmentOfResult>1</SegmentOfResult></MessageHeader><MessageBody>"
        "<ReceptionNumber>202609302214000001</ReceptionNumber>"
        "<ReceptionDateTime>20260930221400</ReceptionDateTime></MessageBody></XmlMsg>"));
    CHECK(up.header.state == FileState::Completed);
    CHECK(up.reception_number == "202609302214000001");
    CHECK(up.reception_date_time == "20260930221400");
    CHECK(up.status == PersonState::Unknown);

    // In the header when the body has none.
    const auto in_header = parse_bulk_reference_upload_result(
        parse_xml("<XmlMsg><MessageHeader><ReceptionNumber>R1</ReceptionNumber>"
                  "<SegmentOfResult>1</SegmentOfResult></MessageHeader></XmlMsg>"));
    CHECK(in_header.reception_number == "R1");

    // A refused upload: no number, and that is the answer rather than a broken message.
    const auto refused = parse_bulk_reference_upload_result(parse_xml(
        "<XmlMsg><MessageHeader><SegmentOfResult>9</SegmentOfResult><ErrorCode>E9</ErrorCode>"
        "</MessageHeader><MessageBody/></XmlMsg>"));
    CHECK(refused.header.state == FileState::Failed);
    CHECK(refused.reception_number.empty());
    const auto status2 = parse_bulk_reference_upload_result(
        parse_xml("<XmlMsg><MessageHeader><SegmentOfResult>1</SegmentOfResult></MessageHeader>"
                  "<MessageBody><ProcessingResultStatus>2</ProcessingResultStatus>"
                  "<ProcessingResultCode>E2</ProcessingResultCode></MessageBody></XmlMsg>"));
    CHECK(status2.status == PersonState::Error);
    CHECK(status2.processing_result_code == "E2");

    CHECK(error_code_of([] {
              parse_bulk_reference_upload_result(
                  parse_xml("<XmlMsg><MessageHeader><SegmentOfResult>1</SegmentOfResult>"
                            "</MessageHeader><MessageBody/></XmlMsg>"));
          }) == Errc::MessageInvalid);
}

TEST_CASE("reference number: bulk result while processing, then with its units") {
    const auto waiting = parse_bulk_reference_result(parse_xml(kBulkProcessing));
    CHECK(waiting.header.state == FileState::Processing);
    CHECK(waiting.reception_number == "202609302214000001");
    CHECK(waiting.units.empty());
    CHECK(waiting.number_of_results.empty());

    const auto done = parse_bulk_reference_result(parse_xml(kBulkDone));
    CHECK(done.header.state == FileState::Completed);
    CHECK(done.reception_number == "202609302214000001");
    CHECK(done.number_of_results == "2");
    CHECK(done.number_of_normal == "1");
    CHECK(done.number_of_errors == "1");
    REQUIRE(done.units.size() == 2);
    CHECK(done.units[0].person == PersonState::Ok);
    CHECK(done.units[0].info.reference_number == "K-0042");
    CHECK(done.units[0].info.symbol == "1234");
    CHECK(done.units[0].processing_result_code.empty());
    // Element order inside a unit does not matter.
    CHECK(done.units[1].person == PersonState::Error);
    CHECK(done.units[1].info.reference_number == "24434");
    CHECK(done.units[1].info.insurer_number == "  139998");
    CHECK(done.units[1].processing_result_code == "E-SYNTH");
    CHECK(done.units[1].processing_result_message == "該当する資格がありません（模擬）");

    const auto failed = parse_bulk_reference_result(
        parse_xml("<XmlMsg><MessageHeader><SegmentOfResult>9</SegmentOfResult>"
                  "<ErrorCode>E9</ErrorCode><ErrorMessage>受付番号不明</ErrorMessage>"
                  "</MessageHeader><MessageBody/></XmlMsg>"));
    CHECK(failed.header.state == FileState::Failed);
    CHECK(failed.header.error_message == "受付番号不明");
    CHECK(error_code_of([] { parse_bulk_reference_result(parse_xml("<XmlMsg/>")); }) ==
          Errc::MessageInvalid);
}

TEST_CASE("reference number: CSV in UTF-8, with a BOM and in Shift_JIS") {
    const auto plain = parse_reference_csv(
        "chart,insurer,symbol,number,branch\n"
        "K-0042,06139992,1234,5678,01\n"
        "\n"
        "24434,139998,,223344,\n");
    REQUIRE(plain.size() == 2);
    CHECK(plain[0].reference_number == "K-0042");
    CHECK(plain[0].insurer_number == "06139992");
    CHECK(plain[0].branch == "01");
    CHECK(plain[1].insurer_number == "139998");  // padded when sent, not here
    CHECK(plain[1].symbol.empty());
    CHECK(plain[1].branch.empty());

    // Japanese headers in another order, a BOM, CRLF, an extra column and a quoted comma.
    const std::string japanese = std::string(kUtf8Bom) +
                                 "氏名,枝番,番号,記号,保険者番号,カルテ番号\r\n"
                                 "\"模擬, 太郎\",01,5678,1234,06139992,K-0042\r\n"
                                 "試験　花子,,223344,模擬01,139998,24434\r\n";
    const auto bom = parse_reference_csv(japanese);
    REQUIRE(bom.size() == 2);
    CHECK(bom[0].reference_number == "K-0042");
    CHECK(bom[0].symbol == "1234");
    CHECK(bom[1].symbol == "模擬01");
    CHECK(bom[1].number == "223344");

    const auto sjis = parse_reference_csv(
        utf8_to_sjis("照会番号,保険者番号,記号,番号,枝番\r\n24434,139998,模擬01,223344,\r\n"));
    REQUIRE(sjis.size() == 1);
    CHECK(sjis[0].reference_number == "24434");
    CHECK(sjis[0].symbol == "模擬01");

    // Header names are matched without regard to ASCII case.
    CHECK(parse_reference_csv("Reference,Insurer_Number,NUMBER\nA1,06139992,5678\n").size() == 1);
}

TEST_CASE("reference number: a bad CSV row names its line and nothing is returned") {
    const Error bad = error_of([] {
        parse_reference_csv(
            "chart,insurer,symbol,number,branch\n"
            "K-0042,06139992,1234,5678,01\n"
            "\n"
            "K-0043,06139992,1234,,01\n");
    });
    CHECK(bad.code() == Errc::InvalidArgument);
    CHECK(bad.detail() == "line 4: the insured person's number (番号) is missing");
    CHECK(bad.fields().at("line") == "4");

    const Error dropped_zero =
        error_of([] { parse_reference_csv("chart,insurer,number\nK-1,6139992,5678\n"); });
    CHECK(dropped_zero.detail().starts_with("line 2: the insurer number 6139992 has 7 digits"));
    CHECK(dropped_zero.detail().find("leading 0") != std::string::npos);

    const Error twice = error_of([] {
        parse_reference_csv("chart,insurer,number\nK-1,06139992,5678\nK-1,139998,223344\n");
    });
    CHECK(twice.detail() == "line 3: reference number 'K-1' is already on line 2");

    const Error too_long = error_of([] {
        parse_reference_csv("chart,insurer,number\n" + std::string(51, '9') + ",06139992,5678\n");
    });
    CHECK(too_long.detail() == "line 2: the reference number has 51 characters, more than 50");

    const Error no_column =
        error_of([] { parse_reference_csv("name,insurer,number\nx,06139992,5678\n"); });
    CHECK(no_column.detail().starts_with("line 1: the header has no chart (照会番号) column"));
    const Error two_columns = error_of(
        [] { parse_reference_csv("chart,カルテ番号,insurer,number\nx,y,06139992,5678\n"); });
    CHECK(two_columns.detail() == "line 1: the header names the chart (照会番号) column twice");

    CHECK(error_code_of([] { parse_reference_csv("chart,insurer,number\n\n"); }) ==
          Errc::InvalidArgument);
    CHECK(error_code_of([] { parse_reference_csv(""); }) == Errc::InvalidArgument);
    CHECK(error_code_of([] { parse_reference_csv("chart,insurer,number\n\xff\xff,1,2\n"); }) ==
          Errc::InvalidArgument);
}
