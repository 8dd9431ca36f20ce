// mynaq info drugs / checkups against the emulated terminal: the consent gate (no request file
// without consent), the throttle served from the store, and every view in the audit trail.
#include <filesystem>

#include <doctest/doctest.h>

#include "mynaq/files.hpp"

#include "oqs_rig.hpp"

using oqsrig::Rig;

namespace {

const std::vector<std::string> kP01Numbers{"--insurer",   "06139992",  "--symbol", "1234",
                                           "--number",    "5678",      "--branch", "01",
                                           "--birthdate", "1980-01-01"};

std::vector<std::string> with(std::vector<std::string> head, const std::vector<std::string>& tail) {
    head.insert(head.end(), tail.begin(), tail.end());
    return head;
}

std::size_t medical_files(const Rig& rig, const std::string& prefix) {
    return oqsrig::count_files(rig.root() / "req", prefix) +
           oqsrig::count_files(rig.root() / "res", prefix);
}

}  // namespace

TEST_CASE("info drugs without consent is refused and writes no request file") {
    Rig rig;
    rig.start_terminal();
    // p02 never consented at the reader; its query result records flag 0 or nothing.
    CHECK(rig.run({"elig", "query", "--insurer", "139998", "--symbol", "模擬01", "--number",
                   "223344", "--birthdate", "1992-07-15"})
              .exit_code == 0);
    const auto r = rig.run({"info", "drugs", "--insurer", "139998", "--symbol", "模擬01",
                            "--number", "223344", "--birthdate", "1992-07-15", "--json"});
    CHECK(r.exit_code == 77);
    CHECK((r.out + r.err).find("CONSENT_MISSING") != std::string::npos);
    CHECK(medical_files(rig, "YZKsiquc01") == 0);
    // Nobody was asked, so nothing was seen: no view in the audit trail either.
    CHECK(rig.json({"audit", "list", "--action", "view"})["count"] == 0);

    const auto c = rig.run({"info", "checkups", "--insurer", "139998", "--symbol", "模擬01",
                            "--number", "223344", "--birthdate", "1992-07-15"});
    CHECK(c.exit_code == 77);
    CHECK(medical_files(rig, "TKKsiquc01") == 0);
}

TEST_CASE("info drugs with consent asks once, then serves the stored result within the interval") {
    Rig rig;
    rig.start_terminal();
    // The query records p01's reader consents (keyed by the 照会番号 the result carries).
    REQUIRE(rig.run(with({"elig", "query"}, kP01Numbers)).exit_code == 0);

    const auto first = rig.json(with({"info", "drugs", "--json"}, kP01Numbers));
    CHECK(first["from_store"] == false);
    CHECK(first["consent"]["valid"] == true);
    REQUIRE(first["entries"].size() > 0);
    CHECK(first["person"]["kana"] == "ﾓｷﾞ ﾀﾛｳ");
    // Newest first.
    const auto& entries = first["entries"];
    for (std::size_t i = 1; i < entries.size(); ++i) {
        CHECK(entries[i - 1]["month"].get<std::string>() >= entries[i]["month"].get<std::string>());
    }
    CHECK(medical_files(rig, "YZKsiquc01") >= 1);
    const auto files_after_first = medical_files(rig, "YZKsiquc01");

    const auto second = rig.json(with({"info", "drugs", "--json"}, kP01Numbers));
    CHECK(second["from_store"] == true);
    CHECK(second["result_id"] == first["result_id"]);
    CHECK(second["entries"].size() == first["entries"].size());
    CHECK(medical_files(rig, "YZKsiquc01") == files_after_first);

    // The 端末 down and its share gone: the stored result is still served.
    rig.stop_terminal();
    std::filesystem::rename(rig.root(), rig.dir() / "share-unmounted");
    const auto outage = rig.json(with({"info", "drugs", "--json"}, kP01Numbers));
    CHECK(outage["from_store"] == true);
    CHECK(outage["result_id"] == first["result_id"]);
    std::filesystem::rename(rig.dir() / "share-unmounted", rig.root());
    rig.start_terminal();

    // The text form for staff, in Japanese.
    const auto text = rig.run(with({"--lang", "ja", "info", "drugs"}, kP01Numbers));
    CHECK(text.exit_code == 0);
    CHECK(text.out.find("薬剤情報") != std::string::npos);
    CHECK(text.out.find("再照会していません") != std::string::npos);
    CHECK(text.out.find("アムロジピン") != std::string::npos);

    // Check-ups are their own category and interval.
    const auto checkups = rig.json(with({"info", "checkups", "--json"}, kP01Numbers));
    CHECK(checkups["from_store"] == false);
    CHECK(checkups["checkups"].size() > 0);
    CHECK(medical_files(rig, "TKKsiquc01") >= 1);

    // Every view audited: who, which patient, which category.
    const auto views = rig.json({"audit", "list", "--action", "view"});
    REQUIRE(views["count"] == 5);
    const auto& v = views["audit"][0];
    CHECK(v["action"] == "view");
    CHECK(v["object"].get<std::string>().starts_with("patient:"));
    CHECK(v["detail"].get<std::string>().find("PharmacistsInfo") != std::string::npos);
    CHECK(views["audit"][4]["detail"].get<std::string>().find("SpecificHealthCheckupsInfo") !=
          std::string::npos);
    CHECK(rig.json({"audit", "list", "--action", "info."})["count"] == 2);  // two fetches
}

TEST_CASE("info drugs with the throttle off asks every time") {
    Rig rig({"info:\n  throttle:\n    drugs_min: 0\n", 10});
    rig.start_terminal();
    REQUIRE(rig.run(with({"elig", "query"}, kP01Numbers)).exit_code == 0);
    const auto a = rig.json(with({"info", "drugs", "--json"}, kP01Numbers));
    const auto b = rig.json(with({"info", "drugs", "--json"}, kP01Numbers));
    CHECK(a["from_store"] == false);
    CHECK(b["from_store"] == false);
    CHECK(b["result_id"] != a["result_id"]);
}

TEST_CASE("info drugs by 照会番号 finds the insurance from the stored check") {
    Rig rig;
    rig.start_terminal();
    CHECK(rig.run({"info", "drugs", "--reference", "K000101"}).exit_code == 69);  // unknown yet
    REQUIRE(rig.run(with({"elig", "query"}, kP01Numbers)).exit_code == 0);
    const auto r = rig.json({"info", "drugs", "--reference", "K000101", "--json"});
    CHECK(r["patient"] == "ref:K000101");
    CHECK(r["entries"].size() > 0);
    // Bad months are refused before anything is sent.
    CHECK(rig.run({"info", "drugs", "--reference", "K000101", "--from", "2026-13"}).exit_code ==
          64);
}

TEST_CASE("info drugs --pdf keeps the PDF result 0600 and serves it again from the store") {
    Rig rig;
    rig.start_terminal();
    REQUIRE(rig.run(with({"elig", "query"}, kP01Numbers)).exit_code == 0);
    const auto file = rig.dir() / "drugs.pdf";
    const auto first =
        rig.json(with({"info", "drugs", "--json", "--pdf", file.string()}, kP01Numbers));
    CHECK(first["format"] == "pdf");
    CHECK(first["from_store"] == false);
    REQUIRE(std::filesystem::exists(file));
    const auto bytes = mynaq::read_file_bytes(file);
    CHECK(bytes.starts_with("%PDF-"));
    CHECK(bytes.find("%%EOF") != std::string::npos);
    CHECK(first["pdf"]["bytes"] == bytes.size());
    CHECK((std::filesystem::status(file).permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
    CHECK(oqsrig::count_files(rig.root() / "res", "YZKsiquc01res_") == 1);

    std::filesystem::remove(file);
    const auto again =
        rig.json(with({"info", "drugs", "--json", "--pdf", file.string()}, kP01Numbers));
    CHECK(again["from_store"] == true);
    CHECK(mynaq::read_file_bytes(file) == bytes);
    CHECK(oqsrig::count_files(rig.root() / "res", "YZKsiquc01res_") == 1);

    // The XML form is its own result: asked for, not taken from the PDF.
    const auto xml = rig.json(with({"info", "drugs", "--json"}, kP01Numbers));
    CHECK(xml["format"] == "xml");
    CHECK(xml["from_store"] == false);
    // Each format keeps its own interval: the PDF is still served from the store after the XML.
    const auto pdf_after_xml =
        rig.json(with({"info", "drugs", "--json", "--pdf", file.string()}, kP01Numbers));
    CHECK(pdf_after_xml["from_store"] == true);
    CHECK(pdf_after_xml["result_id"] == first["result_id"]);
    CHECK(rig.json(with({"info", "drugs", "--json"}, kP01Numbers))["from_store"] == true);
}
