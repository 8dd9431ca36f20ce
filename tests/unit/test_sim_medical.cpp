// The emulated 資格確認端末 answering 薬剤情報 and 特定健診情報 requests: mynaq's own requests
// in, results read back with mynaq's own parsers.
#include <unistd.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "error_code_of.hpp"
#include "mynaq/error.hpp"
#include "mynaq/oqs/medical_info.hpp"
#include "mynaq/oqs/xml.hpp"
#include "mynaq/sim/oqs_terminal.hpp"
#include "mynaq/sim/people.hpp"

using namespace mynaq;
using namespace mynaq::oqs;
namespace fs = std::filesystem;
using mynaq::test::error_code_of;

namespace {

const fs::path kPeopleFile = fs::path(MYNAQ_TEST_DATADIR) / "sim" / "people.yaml";

// yyyyMMddHHmmss in JST, `hours_ago` before now.
std::string stamp_hours_ago(int hours_ago) {
    using namespace std::chrono;
    const auto t = floor<seconds>(system_clock::now()) + hours(9) - hours(hours_ago);
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss hms{t - day};
    return fmt::format("{:04}{:02}{:02}{:02}{:02}{:02}", static_cast<int>(ymd.year()),
                       static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                       hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

// Four card holders: one with a full history, one without consent, one whose consent lapsed
// and one consenting with nothing on record.
std::string people_yaml() {
    return fmt::format(R"(people:
  - id: full
    insurer_number: "06139992"
    symbol: "1234"
    number: "5678"
    branch: "01"
    birthdate: "19800101"
    name: 模擬　太郎
    kana: ﾓｷﾞ ﾀﾛｳ
    sex: "1"
    consent_time: "{}"
    consents: {{PharmacistsInfo: "1", SpecificHealthCheckupsInfo: "1"}}
    records: [{{InsuredCardClassification: "01"}}]
    drugs:
      - {{source: receipt, month: "202609", date: "20260910", institution: 模擬薬局,
          institution_code: "1341111116", code: "990000011", name: アムロジピン錠5mg「模擬」,
          ingredient: アムロジピンベシル酸塩, quantity: "1", unit: 錠, usage: 1日1回朝食後, days: "28"}}
      - {{source: receipt, month: "202611", date: "20261106", institution: 模擬薬局,
          code: "990000011", name: アムロジピン錠5mg「模擬」, quantity: "1", unit: 錠, days: "28"}}
      - {{source: dispensing, date: "20261106", institution: 模擬薬局,
          code: "990000011", name: アムロジピン錠5mg「模擬」, quantity: "1", unit: 錠, days: "28"}}
      - {{source: prescription, date: "20261105", institution: 模擬内科クリニック,
          institution_code: "1311111110", code: "990000011", name: アムロジピン錠5mg「模擬」,
          quantity: "1", unit: 錠, usage: 1日1回朝食後, days: "28"}}
      - {{source: receipt, month: "202610", institution: 模擬整形外科, name: 模擬湿布, quantity: "7",
          unit: 枚}}
    checkups:
      - date: "20240615"
        items:
          - {{code: 9N006000000000001, name: 体重, type: PQ, value: "72.9", unit: kg}}
      - date: "20260618"
        items:
          - {{code: 9N006000000000001, name: 体重, type: PQ, value: "76.4", unit: kg}}
          - {{code: 9N501000000000011, name: メタボリックシンドローム判定, type: CD, value: "1",
              judgement: 基準該当, oid: 1.2.392.200119.6.1005}}
      - date: "20250620"
        items: []
  - id: none
    insurer_number: "139998"
    symbol: "模擬01"
    number: "223344"
    birthdate: "19920715"
    name: 試験　花子
    kana: ｼｹﾝ ﾊﾅｺ
    sex: "2"
    consents: {{PharmacistsInfo: "0"}}
    records: [{{InsuredCardClassification: "01"}}]
    drugs:
      - {{month: "202611", name: 模擬薬}}
  - id: lapsed
    insurer_number: "34139998"
    number: "17"
    branch: "04"
    birthdate: "20210808"
    name: 幼児　七海
    kana: ﾖｳｼﾞ ﾅﾅﾐ
    sex: "2"
    consent_time: "{}"
    consents: {{PharmacistsInfo: "1", SpecificHealthCheckupsInfo: "2"}}
    records: [{{InsuredCardClassification: "01"}}]
    drugs:
      - {{month: "202611", name: 模擬シロップ}}
  - id: empty
    insurer_number: "39139993"
    number: "00012345"
    birthdate: "19400302"
    name: 架空　一郎
    kana: ｶｸｳ ｲﾁﾛｳ
    sex: "1"
    consents: {{PharmacistsInfo: "1", SpecificHealthCheckupsInfo: "1"}}
    records: [{{InsuredCardClassification: "01"}}]
)",
                       stamp_hours_ago(3), stamp_hours_ago(25));
}

fs::path unique_dir() {
    static std::atomic<int> counter{0};
    const auto dir =
        fs::temp_directory_path() / fmt::format("mynaq-unit-medical-{}-{}", ::getpid(), counter++);
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

struct Rig {
    fs::path dir = unique_dir();
    sim::OqsTerminal terminal;

    explicit Rig(sim::People people, TextEncoding encoding = TextEncoding::Utf8)
        : terminal(options(std::move(people), encoding)) {}
    explicit Rig(TextEncoding encoding = TextEncoding::Utf8)
        : Rig(sim::parse_people(people_yaml(), "people.yaml"), encoding) {}
    ~Rig() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    Rig(const Rig&) = delete;
    Rig& operator=(const Rig&) = delete;

    sim::OqsTerminalOptions options(sim::People people, TextEncoding encoding) const {
        sim::OqsTerminalOptions o;
        o.root = dir;
        o.people = std::move(people);
        o.encoding = encoding;
        return o;
    }

    // The answer as bytes on the wire and read back, as a client would see it.
    Document ask(const Node& request, MedicalInfoKind kind) {
        const Node answer = terminal.answer(request, prefix_of(kind));
        return parse_xml(write_xml(answer, terminal.options().encoding));
    }
};

MedicalInfoQuery card(std::string insurer, std::string symbol, std::string number,
                      std::string branch) {
    MedicalInfoQuery q;
    q.institution_code = "1312345678";
    q.insurer_number = std::move(insurer);
    q.card_symbol = std::move(symbol);
    q.identification_number = std::move(number);
    q.branch_number = std::move(branch);
    q.arbitrary_file_identifier = "chart-7";
    q.from_month = "202601";
    q.to_month = "202612";
    return q;
}

const MedicalInfoQuery kFull = card("06139992", "1234", "5678", "01");
const MedicalInfoQuery kNone = card("139998", "模擬01", "223344", "");
const MedicalInfoQuery kLapsed = card("34139998", "", "17", "04");
const MedicalInfoQuery kEmpty = card("39139993", "", "00012345", "");

std::string refusal_of(const auto& action) {
    try {
        action();
    } catch (const Error& e) {
        CHECK(e.code() == Errc::OqsFailed);
        CHECK(e.fields().at("result_code") == "0");
        return e.detail();
    }
    FAIL("no refusal");
    return {};
}

std::vector<std::string> drug_lines(const std::vector<DrugEntry>& entries) {
    std::vector<std::string> out;
    for (const auto& e : entries) {
        out.push_back(fmt::format("{} {} {} {} {} {}{} {} {}", to_string(e.source), e.month, e.date,
                                  e.institution_name(), e.drug_name, e.quantity, e.unit, e.times,
                                  e.usage));
    }
    return out;
}

}  // namespace

TEST_CASE("sim medical: a drug history answers and reads back, newest first") {
    Rig rig;
    const DrugHistory h =
        parse_drug_result(rig.ask(build_drug_request(kFull), MedicalInfoKind::Drugs));
    CHECK(h.result_code == "1");
    CHECK(h.patient.name == "模擬　太郎");
    CHECK(h.patient.kana == "ﾓｷﾞ ﾀﾛｳ");
    CHECK(h.patient.birthdate == "19800101");
    CHECK(h.patient.sex == "1");
    CHECK(field(h.header, "ArbitraryFileIdentifier") == "chart-7");
    CHECK(field(h.header, "MedicalInstitutionCode") == "1312345678");
    CHECK(field(h.header, "CharacterCodeIdentifier") == "0");
    CHECK(drug_lines(h.entries) ==
          std::vector<std::string>{
              "receipt 202611 20261106 模擬薬局 アムロジピン錠5mg「模擬」 1錠 28 ",
              "dispensing 202611 20261106 模擬薬局 アムロジピン錠5mg「模擬」 1錠 28 ",
              "prescription 202611 20261105 模擬内科クリニック アムロジピン錠5mg「模擬」 1錠 28 "
              "1日1回朝食後",
              "receipt 202610  模擬整形外科 模擬湿布 7枚  ",
              "receipt 202609 20260910 模擬薬局 アムロジピン錠5mg「模擬」 1錠 28 1日1回朝食後",
          });
    const DrugEntry& first = h.entries.back();
    CHECK(first.dispensing_code == "1341111116");
    CHECK(first.drug_code == "990000011");
    CHECK(first.ingredient == "アムロジピンベシル酸塩");
    const DrugEntry& prescription = h.entries[2];
    CHECK(prescription.prescriber_code == "1311111110");
    CHECK(prescription.prescription_date == "20261105");
    CHECK(prescription.dispensing_name.empty());
}

TEST_CASE("sim medical: the requested months filter the drug history") {
    Rig rig;
    MedicalInfoQuery q = kFull;
    q.from_month = "202610";
    q.to_month = "202610";
    auto h = parse_drug_result(rig.ask(build_drug_request(q), MedicalInfoKind::Drugs));
    REQUIRE(h.entries.size() == 1);
    CHECK(h.entries[0].drug_name == "模擬湿布");

    q.from_month = "202610";
    q.to_month = "202612";
    h = parse_drug_result(rig.ask(build_drug_request(q), MedicalInfoKind::Drugs));
    CHECK(h.entries.size() == 4);

    q.from_month = "202501";
    q.to_month = "202608";
    h = parse_drug_result(rig.ask(build_drug_request(q), MedicalInfoKind::Drugs));
    CHECK(h.entries.empty());
    CHECK(h.patient.name == "模擬　太郎");  // an answer, not a refusal
}

TEST_CASE("sim medical: a checkup history answers and reads back, newest first") {
    Rig rig;
    const CheckupHistory h =
        parse_checkup_result(rig.ask(build_checkup_request(kFull), MedicalInfoKind::Checkups));
    CHECK(h.patient.name == "模擬　太郎");
    REQUIRE(h.checkups.size() == 3);
    CHECK(h.checkups[0].date == "20260618");
    CHECK(h.checkups[1].date == "20250620");
    CHECK(h.checkups[2].date == "20240615");
    CHECK(h.checkups[1].items.empty());
    REQUIRE(h.checkups[0].items.size() == 2);
    const CheckupItem& metabo = h.checkups[0].items[1];
    CHECK(metabo.code == "9N501000000000011");
    CHECK(metabo.name == "メタボリックシンドローム判定");
    CHECK(metabo.data_type == "CD");
    CHECK(metabo.value == "1");
    CHECK(metabo.value_name == "基準該当");
    CHECK(metabo.oid == "1.2.392.200119.6.1005");
    CHECK(h.checkups[2].items[0].value == "72.9");
    CHECK(h.checkups[2].items[0].unit == "kg");
}

TEST_CASE("sim medical: no consent, or a lapsed one, is refused with ResultCode 0") {
    Rig rig;
    CHECK(refusal_of([&] {
              parse_drug_result(rig.ask(build_drug_request(kNone), MedicalInfoKind::Drugs));
          }).find("同意が得られていません") != std::string::npos);
    // No consent recorded at all for the category.
    CHECK(refusal_of([&] {
              parse_checkup_result(
                  rig.ask(build_checkup_request(kNone), MedicalInfoKind::Checkups));
          }).find("特定健診情報") != std::string::npos);
    // Flag 1 given 25 hours ago: past the 24 hours.
    const std::string lapsed = refusal_of(
        [&] { parse_drug_result(rig.ask(build_drug_request(kLapsed), MedicalInfoKind::Drugs)); });
    CHECK(lapsed.find("有効期限が切れています") != std::string::npos);
    CHECK(lapsed.find("薬剤情報") != std::string::npos);
    // Flag 2 (期限切れ) as such.
    CHECK(refusal_of([&] {
              parse_checkup_result(
                  rig.ask(build_checkup_request(kLapsed), MedicalInfoKind::Checkups));
          }).find("有効期限が切れています") != std::string::npos);
    // A refusal names nobody.
    const Document raw = rig.ask(build_drug_request(kNone), MedicalInfoKind::Drugs);
    CHECK(raw.root.find("QuaInf") == nullptr);
    CHECK(raw.root.find("ResultCode")->text == "0");
}

TEST_CASE("sim medical: an unknown card holder is refused") {
    Rig rig;
    for (const auto& q : {card("06139992", "1234", "5679", "01"),     // another number
                          card("06139992", "9999", "5678", "01"),     // another symbol
                          card("06139992", "1234", "5678", "02"),     // another branch
                          card("01139997", "1234", "5678", "01")}) {  // another insurer
        CHECK(refusal_of([&] {
                  parse_drug_result(rig.ask(build_drug_request(q), MedicalInfoKind::Drugs));
              }).find("見つかりません") != std::string::npos);
        CHECK(refusal_of([&] {
                  parse_checkup_result(
                      rig.ask(build_checkup_request(q), MedicalInfoKind::Checkups));
              }).find("見つかりません") != std::string::npos);
    }
    // Keys left out on the card still find the person; 国保 padding does not matter.
    CHECK_NOTHROW(parse_drug_result(
        rig.ask(build_drug_request(card("06139992", "", "5678", "")), MedicalInfoKind::Drugs)));
    CHECK(refusal_of([&] {
              parse_drug_result(
                  rig.ask(build_drug_request(card("00139998", "模擬01", "223344", "")),
                          MedicalInfoKind::Drugs));
          }).find("同意") != std::string::npos);  // found, then refused for want of consent

    // A PDF request is answered (the folder turns the answer into res/….pdf).
    MedicalInfoQuery pdf = kFull;
    pdf.format = MedicalFileFormat::Pdf;
    CHECK(
        parse_drug_result(rig.ask(build_drug_request(pdf), MedicalInfoKind::Drugs)).entries.size() >
        0);
}

TEST_CASE("sim medical: consent with nothing on record is an empty history") {
    Rig rig;
    const DrugHistory d =
        parse_drug_result(rig.ask(build_drug_request(kEmpty), MedicalInfoKind::Drugs));
    CHECK(d.result_code == "1");
    CHECK(d.entries.empty());
    CHECK(d.patient.name == "架空　一郎");
    const CheckupHistory c =
        parse_checkup_result(rig.ask(build_checkup_request(kEmpty), MedicalInfoKind::Checkups));
    CHECK(c.checkups.empty());
    CHECK(c.patient.kana == "ｶｸｳ ｲﾁﾛｳ");
}

TEST_CASE("sim medical: Shift_JIS and shuffled answers read the same") {
    Rig utf8;
    Rig sjis(TextEncoding::ShiftJis);
    const Document doc = sjis.ask(build_drug_request(kFull), MedicalInfoKind::Drugs);
    CHECK(doc.encoding == TextEncoding::ShiftJis);
    const DrugHistory a =
        parse_drug_result(utf8.ask(build_drug_request(kFull), MedicalInfoKind::Drugs));
    const DrugHistory b = parse_drug_result(doc);
    CHECK(field(b.header, "CharacterCodeIdentifier") == "1");
    CHECK(drug_lines(b.entries) == drug_lines(a.entries));
    CHECK(b.patient.name == a.patient.name);

    sim::TerminalFaults faults;
    faults.shuffle = true;
    utf8.terminal.set_faults(faults);
    const DrugHistory c =
        parse_drug_result(utf8.ask(build_drug_request(kFull), MedicalInfoKind::Drugs));
    auto sorted = [](std::vector<std::string> v) {
        std::sort(v.begin(), v.end());
        return v;
    };
    CHECK(sorted(drug_lines(c.entries)) == sorted(drug_lines(a.entries)));
    CHECK(c.entries.front().date == "20261106");
    CHECK(c.entries.back().month == "202609");
    const CheckupHistory checkups =
        parse_checkup_result(utf8.ask(build_checkup_request(kFull), MedicalInfoKind::Checkups));
    CHECK(checkups.checkups.front().date == "20260618");

    faults = {};
    faults.segment9 = true;  // the 端末's own failure, not this interface's ResultCode
    utf8.terminal.set_faults(faults);
    CHECK(error_code_of([&] {
              parse_drug_result(utf8.ask(build_drug_request(kFull), MedicalInfoKind::Drugs));
          }) == Errc::OqsFailed);
}

TEST_CASE("sim medical: requests in req/ are answered in res/") {
    Rig rig;
    const fs::path req = rig.dir / "req" / "YZKsiquc01req_02medical0001.xml";
    {
        std::ofstream out(req, std::ios::binary);
        out << write_xml(build_drug_request(kFull), TextEncoding::ShiftJis);
    }
    const fs::path tkk = rig.dir / "req" / "TKKsiquc01req_02medical0002.xml";
    {
        std::ofstream out(tkk, std::ios::binary);
        out << write_xml(build_checkup_request(kNone), TextEncoding::ShiftJis);
    }
    CHECK(rig.terminal.serve_once() == 2);
    CHECK_FALSE(fs::exists(req));
    auto read = [](const fs::path& p) {
        std::ifstream in(p, std::ios::binary);
        return parse_xml(
            std::string{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()});
    };
    const fs::path res = rig.dir / "res" / "YZKsiquc01res_02medical0001.xml";
    REQUIRE(fs::exists(res));
    CHECK(parse_drug_result(read(res)).entries.size() == 5);
    const fs::path tkk_res = rig.dir / "res" / "TKKsiquc01res_02medical0002.xml";
    REQUIRE(fs::exists(tkk_res));
    CHECK(error_code_of([&] { parse_checkup_result(read(tkk_res)); }) == Errc::OqsFailed);
}

TEST_CASE("sim medical: drugs and checkups in the people file are checked with line numbers") {
    auto error_of = [](const std::string& extra) {
        const std::string yaml = R"(people:
  - id: x
    insurer_number: "06139992"
    number: "1"
    birthdate: "19800101"
    name: 模擬
    kana: ﾓｷﾞ
    sex: "1"
)" + extra;
        try {
            sim::parse_people(yaml, "p.yaml");
        } catch (const Error& e) {
            CHECK(e.code() == Errc::ConfigInvalid);
            return e.detail();
        }
        return std::string("(accepted)");
    };
    CHECK(error_of("    drugs:\n      - {source: ledger, month: \"202611\", name: A}\n") ==
          "p.yaml:10: drug source 'ledger' is not receipt, prescription or dispensing");
    CHECK(error_of("    drugs:\n      - {month: \"202613\", name: A}\n") ==
          "p.yaml:10: 'month' must be yyyyMM");
    CHECK(error_of("    drugs:\n      - {month: \"202611\", date: \"20261201\", name: A}\n") ==
          "p.yaml:10: drug date 20261201 is not in month 202611");
    CHECK(error_of("    drugs:\n      - {month: \"202611\"}\n") ==
          "p.yaml:10: a drug needs a 'name'");
    CHECK(error_of("    drugs:\n      - {name: A}\n") ==
          "p.yaml:10: a drug needs 'month' or 'date'");
    CHECK(error_of("    drugs:\n      - {month: \"202611\", name: A, dose: \"1\"}\n") ==
          "p.yaml:10: unknown key 'dose' for a drug");
    CHECK(error_of("    drugs:\n      - {month: \"202611\", name: A, days: 2w}\n") ==
          "p.yaml:10: 'days' must be a whole number");
    CHECK(error_of("    drugs: {name: A}\n") == "p.yaml:9: 'drugs' must be a list of mappings");
    CHECK(error_of("    checkups:\n      - items: []\n") == "p.yaml:10: a checkup needs a 'date'");
    CHECK(error_of("    checkups:\n      - date: \"20261301\"\n") ==
          "p.yaml:10: 'date' is not a date: 20261301");
    CHECK(error_of("    checkups:\n      - date: \"20261101\"\n        items:\n"
                   "          - {code: X, name: Y, grade: A}\n") ==
          "p.yaml:12: unknown key 'grade' for a checkup item");
    CHECK(error_of("    checkups:\n      - date: \"20261101\"\n        items:\n"
                   "          - {name: Y}\n") ==
          "p.yaml:12: a checkup item needs a 'code' and a 'name'");
}

TEST_CASE("sim medical: the shipped people file has histories to show") {
    const sim::People people = sim::load_people(kPeopleFile);
    const sim::Person* p01 = people.find("p01");
    REQUIRE(p01 != nullptr);
    bool sources[3] = {false, false, false};
    for (const auto& d : p01->drugs) sources[static_cast<int>(d.source)] = true;
    CHECK((sources[0] && sources[1] && sources[2]));
    CHECK(p01->checkups.size() >= 3);

    Rig rig(people);
    MedicalInfoQuery q = card("06139992", "1234", "5678", "01");
    q.from_month = "200001";
    q.to_month = "209912";
    const DrugHistory h = parse_drug_result(rig.ask(build_drug_request(q), MedicalInfoKind::Drugs));
    CHECK(h.entries.size() == p01->drugs.size());
    const CheckupHistory c =
        parse_checkup_result(rig.ask(build_checkup_request(q), MedicalInfoKind::Checkups));
    CHECK(c.checkups.size() == p01->checkups.size());
    CHECK(std::is_sorted(c.checkups.begin(), c.checkups.end(),
                         [](const Checkup& a, const Checkup& b) { return a.date > b.date; }));

    // p03 consented to 薬剤情報 and has nothing on record; p10's consent is long past.
    q = card("39139993", "", "00012345", "");
    q.from_month = "200001";
    q.to_month = "209912";
    CHECK(
        parse_drug_result(rig.ask(build_drug_request(q), MedicalInfoKind::Drugs)).entries.empty());
    CHECK(error_code_of([&] {
              parse_checkup_result(rig.ask(build_checkup_request(q), MedicalInfoKind::Checkups));
          }) == Errc::OqsFailed);
    q = card("34139998", "4646", "17", "04");
    q.from_month = "200001";
    q.to_month = "209912";
    const sim::Person* p10 = people.find("p10");
    REQUIRE(p10 != nullptr);
    CHECK_FALSE(p10->drugs.empty());
    CHECK(refusal_of([&] {
              parse_drug_result(rig.ask(build_drug_request(q), MedicalInfoKind::Drugs));
          }).find("有効期限") != std::string::npos);
}
