#include <doctest/doctest.h>

#include <string>
#include <utility>

#include "error_code_of.hpp"
#include "mynaq/error.hpp"
#include "mynaq/oqs/xml.hpp"
#include "mynaq/text_encoding.hpp"

using namespace mynaq;
using namespace mynaq::oqs;
using mynaq::test::error_code_of;

namespace {

// The synthetic face result of oqs-interface.md §2.2.
const std::string kFaceBody = R"(<XmlMsg>
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
        <ReferenceNumber>24434</ReferenceNumber>
      </ResultOfQualificationConfirmation>
    </ResultList>
    <ProcessingResultStatus>1</ProcessingResultStatus>
    <QualificationValidity>1</QualificationValidity>
  </MessageBody>
</XmlMsg>
)";

std::string with_declaration(const std::string& encoding, const std::string& body) {
    return R"(<?xml version="1.0" encoding=")" + encoding + R"(" standalone="no"?>)" + "\n" + body;
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
    const auto pos = s.find(from);
    REQUIRE(pos != std::string::npos);
    s.replace(pos, from.size(), to);
    return s;
}

std::string detail_of(const auto& action) {
    try {
        action();
    } catch (const Error& e) {
        return e.detail();
    }
    FAIL("no mynaq::Error thrown");
    return {};
}

const Node& record_of(const Document& doc) {
    const Node* r = doc.root.find("ResultOfQualificationConfirmation");
    REQUIRE(r != nullptr);
    return *r;
}

void check_same(const Node& a, const Node& b) {
    CHECK(a.name == b.name);
    CHECK(a.text == b.text);
    REQUIRE(a.children.size() == b.children.size());
    for (std::size_t i = 0; i < a.children.size(); ++i) check_same(a.children[i], b.children[i]);
}

}  // namespace

TEST_CASE("text encoding: CP932 conversions match what Windows writes") {
    CHECK(utf8_to_sjis("ｱ") == "\xB1");
    CHECK(utf8_to_sjis("①") == "\x87\x40");
    CHECK(utf8_to_sjis("～") == "\x81\x60");
    CHECK(utf8_to_sjis("診療") == "\x90\x66\x97\xC3");
    CHECK(sjis_to_utf8("\x90\x66\x97\xC3 \xBC\xDD") == "診療 ｼﾝ");
    CHECK(sjis_to_utf8(utf8_to_sjis("  123456 ﾀﾛｳ　太郎")) == "  123456 ﾀﾛｳ　太郎");
    CHECK(encoding_label(TextEncoding::Utf8) == "UTF-8");
    CHECK(encoding_label(TextEncoding::ShiftJis) == "Shift_JIS");
}

TEST_CASE("text encoding: an unconvertible byte is MESSAGE_INVALID naming its offset") {
    // An emoji has no CP932 code.
    CHECK(error_code_of([] { (void)utf8_to_sjis("ab😀"); }) == Errc::MessageInvalid);
    CHECK(detail_of([] { (void)utf8_to_sjis("ab😀"); }).find("offset 2") != std::string::npos);
    // A lead byte with no trail byte at the end.
    CHECK(detail_of([] { (void)sjis_to_utf8("abc\x90"); }).find("offset 3") != std::string::npos);
    CHECK(error_code_of([] { (void)utf8_to_sjis("a\xFFz"); }) == Errc::MessageInvalid);
}

TEST_CASE("text encoding: UTF-8 validation") {
    CHECK(is_valid_utf8(""));
    CHECK(is_valid_utf8("plain"));
    CHECK(is_valid_utf8("診療　ｼﾝﾘｮｳ😀"));
    CHECK_FALSE(is_valid_utf8("\x90\x66"));          // Shift_JIS 診
    CHECK_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
    CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
    CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
    CHECK_FALSE(is_valid_utf8("\xE8\xA8"));          // truncated
}

TEST_CASE("oqs xml: a UTF-8 face result keeps every value exactly as sent") {
    const auto doc = parse_xml(with_declaration("UTF-8", kFaceBody));
    CHECK(doc.encoding == TextEncoding::Utf8);
    CHECK(doc.root.name == "XmlMsg");
    CHECK(doc.raw == with_declaration("UTF-8", kFaceBody));
    const Node& r = record_of(doc);
    CHECK(r.value_or_empty("InsurerNumber") == "  123456");
    CHECK(r.value_or_empty("InsuredCardClassification") == "01");
    CHECK(r.value_or_empty("InsuredBranchNumber") == "01");
    CHECK(r.value_or_empty("Name") == "診療　太郎");
    CHECK(r.value_or_empty("NameKana") == "ｼﾝﾘｮｳ ﾀﾛｳ");
    CHECK(r.value_or_empty("InsurerName") == "（保険者名）");
    // Elements with children have no text of their own: the layout whitespace is not kept.
    CHECK(doc.root.text.empty());
    CHECK(doc.root.find("ResultList")->text.empty());
}

TEST_CASE("oqs xml: a Shift_JIS face result with a declaration decodes to the same values") {
    const std::string body =
        replace(kFaceBody, "<CharacterCodeIdentifier>0", "<CharacterCodeIdentifier>1");
    for (const std::string label : {"Shift_JIS", "SJIS", "Windows-31J", "cp932", "x-sjis"}) {
        CAPTURE(label);
        const auto doc = parse_xml(utf8_to_sjis(with_declaration(label, body)));
        CHECK(doc.encoding == TextEncoding::ShiftJis);
        const Node& r = record_of(doc);
        CHECK(r.value_or_empty("Name") == "診療　太郎");
        CHECK(r.value_or_empty("NameKana") == "ｼﾝﾘｮｳ ﾀﾛｳ");
        CHECK(r.value_or_empty("InsurerNumber") == "  123456");
    }
    // CP932 extensions Windows writes: ① and ～ and NEC row 13.
    const auto doc =
        parse_xml(utf8_to_sjis(with_declaration("Shift_JIS", "<XmlMsg><A>①～㈱</A></XmlMsg>")));
    CHECK(doc.root.value_or_empty("A") == "①～㈱");
}

TEST_CASE(
    "oqs xml: without a declaration, CharacterCodeIdentifier 1 or non-UTF-8 bytes mean "
    "Shift_JIS") {
    const std::string sjis_body =
        replace(kFaceBody, "<CharacterCodeIdentifier>0", "<CharacterCodeIdentifier>1");
    const auto sjis = parse_xml(utf8_to_sjis(sjis_body));
    CHECK(sjis.encoding == TextEncoding::ShiftJis);
    CHECK(record_of(sjis).value_or_empty("Name") == "診療　太郎");

    // Plain ASCII decodes the same either way; the identifier says what the file is.
    const auto ascii = parse_xml(
        "<XmlMsg><MessageHeader><CharacterCodeIdentifier>1</CharacterCodeIdentifier>"
        "</MessageHeader></XmlMsg>");
    CHECK(ascii.encoding == TextEncoding::ShiftJis);

    // Valid UTF-8 without a declaration stays UTF-8.
    const auto utf8 = parse_xml(kFaceBody);
    CHECK(utf8.encoding == TextEncoding::Utf8);
    CHECK(record_of(utf8).value_or_empty("Name") == "診療　太郎");

    // Shift_JIS bytes without the identifier are still recognised: they are not UTF-8.
    const auto guessed = parse_xml(utf8_to_sjis(kFaceBody));
    CHECK(guessed.encoding == TextEncoding::ShiftJis);
    CHECK(record_of(guessed).value_or_empty("NameKana") == "ｼﾝﾘｮｳ ﾀﾛｳ");
}

TEST_CASE("oqs xml: the declaration wins over a guess") {
    // Declared UTF-8 but written in Shift_JIS: refused, not silently decoded.
    const auto bytes = utf8_to_sjis(with_declaration("UTF-8", kFaceBody));
    CHECK(error_code_of([&] { (void)parse_xml(bytes); }) == Errc::MessageInvalid);
    // Declared Shift_JIS but the bytes are not: the offending line is named.
    const std::string bad = with_declaration("Shift_JIS", "<XmlMsg>\n<A>\x81</A></XmlMsg>");
    const auto detail = detail_of([&] { (void)parse_xml(bad); });
    CHECK(detail.find("line 3") != std::string::npos);
}

TEST_CASE("oqs xml: UTF-16 and other encodings are refused") {
    CHECK(detail_of([] {
              (void)parse_xml(with_declaration("UTF-16", "<XmlMsg/>"));
          }).find("unsupported encoding") != std::string::npos);
    CHECK(error_code_of([] { (void)parse_xml(with_declaration("ISO-8859-1", "<XmlMsg/>")); }) ==
          Errc::MessageInvalid);
    CHECK(error_code_of([] { (void)parse_xml(with_declaration("EUC-JP", "<XmlMsg/>")); }) ==
          Errc::MessageInvalid);
    // UTF-16LE with a byte order mark and no declaration.
    const std::string utf16("\xFF\xFE<\0X\0/\0>\0", 10);
    CHECK(detail_of([&] { (void)parse_xml(utf16); }).find("unsupported encoding") !=
          std::string::npos);
}

TEST_CASE("oqs xml: a DTD or entity declarations are refused (billion laughs)") {
    const std::string laughs = R"(<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<XmlMsg>&lol3;</XmlMsg>)";
    CHECK(error_code_of([&] { (void)parse_xml(laughs); }) == Errc::MessageInvalid);
    CHECK(detail_of([&] { (void)parse_xml(laughs); }).find("document type") != std::string::npos);
    // External entities through a SYSTEM identifier, in lower case to dodge a naive scan.
    const std::string external = R"(<!doctype XmlMsg SYSTEM "file:///etc/passwd"><XmlMsg/>)";
    CHECK(error_code_of([&] { (void)parse_xml(external); }) == Errc::MessageInvalid);
    // A reference to an entity that was never declared.
    CHECK(error_code_of([] { (void)parse_xml("<XmlMsg>&xxe;</XmlMsg>"); }) == Errc::MessageInvalid);
    // The predefined entities and character references are plain text.
    CHECK(parse_xml("<XmlMsg><A>a&amp;b&lt;&#x3042;</A></XmlMsg>").root.value_or_empty("A") ==
          "a&b<あ");
}

TEST_CASE("oqs xml: a message over the size limit is refused before parsing") {
    const std::string doc = with_declaration("UTF-8", kFaceBody);
    XmlLimits limits;
    limits.max_bytes = doc.size() - 1;
    const auto detail = detail_of([&] { (void)parse_xml(doc, limits); });
    CHECK(detail.find("limit") != std::string::npos);
    CHECK(error_code_of([&] { (void)parse_xml(doc, limits); }) == Errc::MessageInvalid);
    // Even malformed bytes get the size error: nothing is parsed first.
    CHECK(detail_of([&] {
              (void)parse_xml(std::string(200, '<'), XmlLimits{100});
          }).find("limit") != std::string::npos);
    limits.max_bytes = doc.size();
    CHECK(parse_xml(doc, limits).root.name == "XmlMsg");
}

TEST_CASE("oqs xml: malformed XML is refused with libxml2's line and reason") {
    const std::string broken = "<XmlMsg>\n  <A>1</A>\n  <B>2</C>\n</XmlMsg>\n";
    const auto detail = detail_of([&] { (void)parse_xml(broken); });
    CHECK(detail.find("line 3") != std::string::npos);
    CHECK(detail.find("mismatch") != std::string::npos);
    CHECK(error_code_of([] { (void)parse_xml(""); }) == Errc::MessageInvalid);
    CHECK(error_code_of([] { (void)parse_xml("<XmlMsg>"); }) == Errc::MessageInvalid);
    CHECK(error_code_of([] { (void)parse_xml("<A/><B/>"); }) == Errc::MessageInvalid);
    CHECK(error_code_of([] { (void)parse_xml("not xml at all"); }) == Errc::MessageInvalid);
}

TEST_CASE("oqs xml: comments and processing instructions are ignored, CDATA is text") {
    const auto doc = parse_xml(
        "<XmlMsg><!-- note --><?app x?><A><![CDATA[ <raw> & ]]></A><B>x<!-- c -->y</B>"
        "<C> mixed <D/> </C></XmlMsg>");
    CHECK(doc.root.children.size() == 3);
    CHECK(doc.root.value_or_empty("A") == " <raw> & ");
    CHECK(doc.root.value_or_empty("B") == "xy");
    // Only leaves have text.
    CHECK(doc.root.child("C")->text.empty());
    CHECK(doc.root.child("C")->children.size() == 1);
}

TEST_CASE("oqs xml: Node lookups by name") {
    Node root("XmlMsg");
    Node& body = root.add("MessageBody");
    body.add("R").add("X", "1");
    body.add("R").add("X", "2");
    body.add_if("Empty", "");
    body.add_if("Kept", "0");
    CHECK(body.child("Empty") == nullptr);
    CHECK(body.value("Kept") == std::optional<std::string>("0"));
    CHECK(body.value("Missing") == std::nullopt);
    CHECK(body.value_or_empty("Missing").empty());
    CHECK(body.children_named("R").size() == 2);
    CHECK(root.find("X")->text == "1");
    const auto all = root.find_all("X");
    REQUIRE(all.size() == 2);
    CHECK(all[1]->text == "2");
    CHECK(root.find("Nothing") == nullptr);
    root.child("MessageBody")->add("Late", "v");
    CHECK(std::as_const(root).child("MessageBody")->value_or_empty("Late") == "v");
}

TEST_CASE("oqs xml: write_xml layout and round trip in both encodings") {
    Node root("XmlMsg");
    Node& header = root.add("MessageHeader");
    header.add("InsurerNumber", "  123456");
    header.add("Code", "0012");
    Node& body = root.add("MessageBody");
    body.add("Name", "診療　太郎");
    body.add("NameKana", "ｼﾝﾘｮｳ ﾀﾛｳ");
    body.add("Tricky", "a & b < c > d ]]> \"q\" 'q'\r\n\tend ");
    body.add("Empty");

    const std::string utf8 = write_xml(root);
    CHECK(
        utf8.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n<XmlMsg>\n"
                         "  <MessageHeader>\n    <InsurerNumber>  123456</InsurerNumber>\n"));
    CHECK(utf8.find("a &amp; b &lt; c &gt; d ]]&gt;") != std::string::npos);
    const auto back = parse_xml(utf8);
    CHECK(back.encoding == TextEncoding::Utf8);
    check_same(back.root, root);

    const std::string sjis = write_xml(root, TextEncoding::ShiftJis);
    CHECK(sjis.starts_with(
        "<?xml version=\"1.0\" encoding=\"Shift_JIS\" standalone=\"no\"?>\n<XmlMsg>"));
    CHECK(sjis.find("\xBC\xDD\xD8\xAE\xB3") != std::string::npos);  // ｼﾝﾘｮｳ in CP932
    const auto back_sjis = parse_xml(sjis);
    CHECK(back_sjis.encoding == TextEncoding::ShiftJis);
    check_same(back_sjis.root, root);

    // Text that XML cannot carry is refused rather than written broken.
    Node bad("XmlMsg");
    bad.add("A", std::string("\x01", 1));
    CHECK(error_code_of([&] { (void)write_xml(bad); }) == Errc::MessageInvalid);
    Node emoji("XmlMsg");
    emoji.add("A", "😀");
    CHECK(error_code_of([&] { (void)write_xml(emoji, TextEncoding::ShiftJis); }) ==
          Errc::MessageInvalid);
}
