// mynaq report with the real binary on a real SQLite store: face results taken in from the
// emulated 資格確認端末 counted as users, receipts and notified rates entered and imported,
// every output format against its golden file, the level and its margin, bad input.
#include <sys/stat.h>

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <doctest/doctest.h>

#include "mynaq/jst.hpp"
#include "mynaq/store.hpp"
#include "mynaq/text_encoding.hpp"
#include "oqs_rig.hpp"

using oqsrig::Rig;
namespace fs = std::filesystem;

namespace {

const fs::path kGolden = fs::path(MYNAQ_SOURCE_DIR) / "tests" / "golden" / "report";

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Compares with tests/golden/report/<name>; MYNAQ_UPDATE_GOLDEN=1 rewrites the file instead.
void check_golden(const std::string& name, const std::string& actual) {
    const fs::path file = kGolden / name;
    if (const char* update = std::getenv("MYNAQ_UPDATE_GOLDEN"); update && *update == '1') {
        std::ofstream(file, std::ios::binary) << actual;
    }
    REQUIRE_MESSAGE(fs::exists(file), "no golden file " << file);
    const std::string expected = read_file(file);
    INFO("golden: " << file);
    CHECK(actual == expected);
}

constexpr const char* kBranch = "1398765432";

// A chain of two sites with fixed figures from 2025-10 to 2026-03, written through the store
// API the commands use (checks with their dates, receipts, one notified rate).
void seed(const Rig& rig) {
    auto store = mynaq::open_sqlite_store({rig.store_file(), 30'000});
    store->set_operator("seed");
    auto check = [&](const std::string& site, const std::string& day, int person) {
        mynaq::CheckRecord c;
        c.checked_at = day + "T09:30:00+09:00";
        c.facility = site;
        c.method = "card";
        c.source = "face";
        c.person_state = "ok";
        c.file_state = "ok";
        c.eligibility = "valid";
        c.insurer_number = "06139992";
        c.card_symbol = "1234";
        c.identification_number = std::to_string(5000 + person);
        c.branch_number = "01";
        store->add_check(c);
    };
    const std::vector<std::pair<std::string, int>> main_users = {
        {"2025-10", 45}, {"2025-11", 52}, {"2025-12", 40}, {"2026-01", 58}, {"2026-02", 61}};
    for (const auto& [month, users] : main_users) {
        for (int p = 0; p < users; ++p)
            check("1312345678", month + "-1" + std::to_string(p % 9), p);
        check("1312345678", month + "-28", 0);  // a returning patient: still one person
        mynaq::ReceiptCount r{"1312345678", month, 100, "set", "", ""};
        store->set_receipts({r});
    }
    for (const auto& month : {"2025-10", "2025-11", "2025-12"}) {
        for (int p = 0; p < 12; ++p) check(kBranch, std::string(month) + "-05", p);
        store->set_receipts({{kBranch, month, 40, "set", "", ""}});
    }
    mynaq::NotifiedRate n;
    n.site = "1312345678";
    n.month = "2025-12";
    n.percent = 49.0;
    n.source = "set";
    store->set_notified_rates({n});
}

// Every figure ends in the column where its heading ends (full-width headings included).
void check_aligned(const std::string& table) {
    std::istringstream in(table);
    std::vector<std::size_t> heading;
    int rows = 0;
    for (std::string line; std::getline(in, line);) {
        if (!line.starts_with("  ")) {
            heading.clear();
            continue;
        }
        const auto ends = oqsrig::field_ends(line);
        if (heading.empty()) {
            heading = ends;
            continue;
        }
        INFO(line);
        REQUIRE(ends.size() >= 5);
        REQUIRE(heading.size() >= 5);
        for (std::size_t column = 1; column < 5; ++column) CHECK(ends[column] == heading[column]);
        ++rows;
    }
    CHECK(rows == 18);
}

Rig chain_rig() {
    return Rig({R"(report:
  type: medical
  flags: [e_prescription]
  sites:
    - code: "1398765432"
      name: 分院
      type: dental
facility:
  name: 本院
)",
                10});
}

}  // namespace

TEST_CASE("report cli face results taken in count as this month's users") {
    Rig rig;
    const auto w =
        mynaq::run_process({MYNAQ_BINARY, "sim", "oqs", "--root", rig.root().string(), "--people",
                            oqsrig::people_file().string(), "--faces", "20", "--once"});
    REQUIRE(w.exit_code == 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // stable_read_ms is 50
    REQUIRE(rig.run({"elig", "watch", "--once"}).exit_code == 0);
    // The distinct persons the 端末 confirmed, as elig list reports them.
    const auto list = rig.json({"elig", "list", "--source", "face", "--limit", "1000"});
    std::set<std::string> persons;
    for (const auto& c : list["checks"]) {
        if (c["person_state"] != "ok") continue;
        persons.insert(c["insurer_number"].get<std::string>() + "/" +
                       c["card_symbol"].get<std::string>() + "/" +
                       c["identification_number"].get<std::string>() + "/" +
                       c["branch_number"].get<std::string>());
    }
    REQUIRE(list["count"] == 20);
    REQUIRE(persons.size() > 1);
    const std::string month = mynaq::format_jst_date(mynaq::now_seconds()).substr(0, 7);
    REQUIRE(rig.run({"report", "receipts", "set", month, "40"}).exit_code == 0);
    const auto j = rig.json({"report", "usage", "--from", month, "--to", month});
    REQUIRE(j["rows"].size() == 1);
    CHECK(j["rows"][0]["site"] == "1312345678");
    CHECK(j["rows"][0]["users"] == persons.size());
    CHECK(j["rows"][0]["receipts"] == 40);
    CHECK(j["rows"][0]["local_rate"].get<double>() ==
          doctest::Approx(static_cast<double>(persons.size()) * 100.0 / 40).epsilon(0.001));
    CHECK(j["rows"][0]["rate_kind"] == "local");
}

TEST_CASE("report cli usage in every format matches its golden file") {
    auto rig = chain_rig();
    seed(rig);
    const std::vector<std::string> range{"report", "usage", "--from", "2025-10", "--to", "2026-03"};
    auto with = [&](std::vector<std::string> extra) {
        auto args = range;
        args.insert(args.end(), extra.begin(), extra.end());
        const auto r = rig.run(args);
        INFO("stderr: " << r.err);
        CHECK(r.exit_code == 0);
        return r.out;
    };
    check_golden("usage-table.en.txt", with({}));
    check_golden("usage-table.ja.txt", with({"--lang", "ja"}));
    check_aligned(with({}));
    check_aligned(with({"--lang", "ja"}));
    check_golden("usage.csv", with({"--format", "csv"}));
    check_golden("usage.json", with({"--json"}));
    check_golden("usage.en.html", with({"--format", "html"}));
    check_golden("usage-main.ja.html",
                 with({"--format", "html", "--lang", "ja", "--site", "本院"}));
    const std::string sjis = with({"--format", "csv", "--encoding", "sjis"});
    CHECK_FALSE(sjis.starts_with("\xEF\xBB\xBF"));
    CHECK(mynaq::sjis_to_utf8(sjis) == read_file(kGolden / "usage.csv").substr(3));
    // --out writes the file 0600 and says so.
    const auto out = rig.dir() / "usage.csv";
    with({"--format", "csv", "--out", out.string()});
    CHECK(read_file(out) == read_file(kGolden / "usage.csv"));
    struct stat st {};
    REQUIRE(::stat(out.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("report cli level with the months considered, points and the margin") {
    auto rig = chain_rig();
    seed(rig);
    const auto j = rig.json({"report", "level", "--month", "2026-03", "--current", "2026-02"});
    REQUIRE(j["sites"].size() == 2);
    const auto& main = j["sites"][0];
    CHECK(main["site"]["code"] == "1312345678");
    CHECK(main["period"]["from"] == "2026-03");
    REQUIRE(main["considered"].size() == 3);
    // Dec 49 (notified), Nov 52 (local), Oct 45 (local): the best is November.
    CHECK(main["rate_month"] == "2025-11");
    CHECK(main["rate"] == doctest::Approx(52.0));
    CHECK(main["rate_kind"] == "local");
    CHECK(main["level"] == "2");
    CHECK(main["threshold"] == doctest::Approx(50.0));
    CHECK(main["points"] == 11);
    CHECK(main["next_level"] == "1");
    CHECK(main["margin"]["users"] == 61);
    CHECK(main["margin"]["receipts"] == 100);
    CHECK(main["margin"]["applies_to"] == "2026-05");
    CHECK(main["margin"]["users_needed"] == 9);  // 70 % of 100
    const auto& branch = j["sites"][1];
    CHECK(branch["site"]["type"] == "dental");
    CHECK(branch["rate"] == doctest::Approx(30.0));
    // Dental without 電子処方箋: only 加算4–6, and 30 % reaches 加算6, whose points are not known.
    CHECK(branch["level"] == "6");
    CHECK(branch["points"].is_null());
    CHECK(branch["points_known"] == false);
    check_golden("level.en.txt",
                 rig.run({"report", "level", "--month", "2026-03", "--current", "2026-02"}).out);
    check_golden("level.ja.txt", rig.run({"report", "level", "--month", "2026-03", "--current",
                                          "2026-02", "--lang", "ja"})
                                     .out);
}

TEST_CASE("report cli receipts and notified rates imported from office files") {
    Rig rig;
    const auto receipts = rig.dir() / "rece.csv";
    std::ofstream(receipts, std::ios::binary)
        << mynaq::utf8_to_sjis("年月,レセプト件数\r\n2026年8月,\"1,050\"\r\n2026年9月,998\r\n");
    const auto r = rig.json({"report", "receipts", "import", receipts.string()});
    CHECK(r["imported"] == 2);
    const auto listed =
        rig.json({"report", "receipts", "list", "--from", "2026-01", "--to", "2026-12"});
    REQUIRE(listed["receipts"].size() == 2);
    CHECK(listed["receipts"][0]["receipts"] == 1050);
    CHECK(listed["receipts"][0]["source"] == "import:rece.csv");

    const auto rates = rig.dir() / "kikin.csv";
    std::ofstream(rates) << "\xEF\xBB\xBF対象月,利用率\n2026-08,47.26%\n";
    CHECK(rig.json({"report", "notified", "import", rates.string()})["imported"] == 1);
    const auto n = rig.json({"report", "notified", "list", "--from", "2026-08", "--to", "2026-08"});
    CHECK(n["notified"][0]["percent"] == doctest::Approx(47.26));

    // A broken file names the line and changes nothing.
    const auto broken = rig.dir() / "broken.csv";
    std::ofstream(broken) << "month,receipts\n2026-10,1000\n2026-11,lots\n";
    const auto bad = rig.run({"report", "receipts", "import", broken.string()});
    CHECK(bad.exit_code != 0);
    CHECK(bad.err.find("line 3") != std::string::npos);
    const auto after =
        rig.json({"report", "receipts", "list", "--from", "2026-01", "--to", "2026-12"});
    CHECK(after["receipts"].size() == 2);
    // Setting a month again replaces the figure.
    REQUIRE(rig.run({"report", "receipts", "set", "2026-08", "1,100"}).exit_code == 0);
    const auto replaced =
        rig.json({"report", "receipts", "list", "--from", "2026-08", "--to", "2026-08"});
    REQUIRE(replaced["receipts"].size() == 1);
    CHECK(replaced["receipts"][0]["receipts"] == 1100);
    CHECK(replaced["receipts"][0]["source"] == "set");
    // The audit trail has them.
    const auto audit = rig.json({"audit", "list", "--action", "report."});
    CHECK(audit["count"].get<int>() >= 4);
}

TEST_CASE("report cli bad input gets a clear error") {
    Rig rig;
    auto err = [&](const std::vector<std::string>& args) {
        const auto r = rig.run(args);
        CHECK(r.exit_code != 0);
        return r.err;
    };
    CHECK(err({"report", "usage", "--from", "2026-13"}).find("--from") != std::string::npos);
    CHECK(err({"report", "usage", "--from", "2026-10", "--to", "2026-01"}).find("before") !=
          std::string::npos);
    CHECK(err({"report", "receipts", "set", "2026-10", "many"}).find("many") != std::string::npos);
    CHECK(err({"report", "notified", "set", "2026-10", "120"}).find("120") != std::string::npos);
    CHECK(err({"report", "usage", "--site", "nowhere"}).find("nowhere") != std::string::npos);
    CHECK(err({"report", "level", "--month", "2023-01"}).find("2023-01") != std::string::npos);
    const auto rules = rig.dir() / "rules.yaml";
    std::ofstream(rules)
        << "lag: {months_before: [3]}\nperiods:\n  - {from: 2025-01, levels: []}\n";
    CHECK(err({"report", "level", "--rules", rules.string()}).find("no levels") !=
          std::string::npos);
    CHECK(err({"report", "usage", "--format", "png"}).find("--out") != std::string::npos);
}

// The README's picture of the report: MYNAQ_EXAMPLE_OUT=<path> keeps a copy
// (examples/report-usage.png).
TEST_CASE("report cli png of a clinic and its branch, rendered by Chromium") {
    auto rig = chain_rig();
    seed(rig);
    const auto png = rig.dir() / "usage.png";
    mynaq::ProcessOptions options;
    options.timeout = std::chrono::seconds(90);
    const auto r = rig.run({"--lang", "ja", "report", "usage", "--from", "2025-10", "--to",
                            "2026-03", "--format", "png", "--out", png.string()},
                           options);
    INFO("stderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    struct stat st {};
    REQUIRE(::stat(png.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    const std::string data = read_file(png);
    REQUIRE(data.size() > 1000);
    CHECK(data.starts_with("\x89PNG\r\n\x1a\n"));
    CHECK(data.substr(12, 4) == "IHDR");
    const auto be32 = [&](std::size_t at) {
        return (static_cast<unsigned>(static_cast<unsigned char>(data[at])) << 24) |
               (static_cast<unsigned>(static_cast<unsigned char>(data[at + 1])) << 16) |
               (static_cast<unsigned>(static_cast<unsigned char>(data[at + 2])) << 8) |
               static_cast<unsigned>(static_cast<unsigned char>(data[at + 3]));
    };
    CHECK(be32(16) == 1000);
    CHECK(be32(20) > 800);  // both sites, the total and the chart: taller than one screen
    if (const char* keep = std::getenv("MYNAQ_EXAMPLE_OUT"); keep != nullptr && *keep != '\0')
        std::filesystem::copy_file(png, keep, std::filesystem::copy_options::overwrite_existing);
}
