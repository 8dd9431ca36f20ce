// mynaq consent / audit / store with the real binary and a real SQLite store: consents from an
// eligibility result, recorded by flags and through the prompt on a pseudo-terminal, export,
// the audit chain against a tampered file, and the retention rules.
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "mynaq/consent.hpp"
#include "mynaq/jst.hpp"
#include "oqs_rig.hpp"

using oqsrig::Rig;

namespace {

const std::vector<std::string> kP01{"elig",     "query", "--insurer",   "06139992",
                                    "--symbol", "1234",  "--number",    "5678",
                                    "--branch", "01",    "--birthdate", "1980-01-01"};

const std::vector<std::string> kViewing{
    "drugs",     "diagnosis", "checkups",     "surgery", "diagnosis-name",
    "infection", "allergy",   "drug-allergy", "tests",   "prescriptions"};

std::string sh_quote(const std::string& text) {
    std::string out = "'";
    for (const char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// mynaq on a pseudo-terminal (util-linux script), answering with `input`.
mynaq::ProcessResult run_on_terminal(const Rig& rig, const std::vector<std::string>& args,
                                     const std::string& input) {
    std::string command = sh_quote(MYNAQ_BINARY) + " --config " + sh_quote(rig.config_file());
    for (const auto& a : args) command += " " + sh_quote(a);
    mynaq::ProcessOptions options;
    options.stdin_data = input;
    options.env.emplace("XDG_CONFIG_HOME", (rig.dir() / "xdg-config").string());
    options.env.emplace("XDG_DATA_HOME", (rig.dir() / "xdg-data").string());
    options.env.emplace("LC_ALL", "C.UTF-8");
    return mynaq::run_process({"script", "-qec", command, "/dev/null"}, options);
}

// mynaq with another configuration file (a second store).
mynaq::ProcessResult run_with_config(const Rig& rig, const std::filesystem::path& config,
                                     const std::vector<std::string>& args) {
    std::vector<std::string> argv{MYNAQ_BINARY, "--config", config.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    mynaq::ProcessOptions options;
    options.env.emplace("XDG_CONFIG_HOME", (rig.dir() / "xdg-config").string());
    options.env.emplace("XDG_DATA_HOME", (rig.dir() / "xdg-data").string());
    options.env.emplace("LC_ALL", "C.UTF-8");
    return mynaq::run_process(argv, options);
}

int check_exit(const Rig& rig, const std::string& patient, const std::string& category) {
    return rig.run({"consent", "check", "--patient", patient, "--category", category}).exit_code;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string sqlite(const std::filesystem::path& db, const std::string& sql) {
    const auto r = mynaq::run_process({"sqlite3", db.string(), sql});
    INFO("sqlite3: " << r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
}

std::string jst_day_offset(int days) {
    return mynaq::format_jst_date(mynaq::now_seconds() + std::chrono::days(days));
}

}  // namespace

TEST_CASE("consent cli check after an elig query of p01: 薬剤情報 valid, 診療情報 not") {
    Rig rig;
    rig.start_terminal();
    (void)rig.json(kP01, 0);
    const auto j =
        rig.json({"consent", "check", "--patient", "ref:K000101", "--category", "drugs"}, 0);
    CHECK(j["valid"] == true);
    CHECK(j["reason"] == "consented");
    CHECK(j["category"] == "PharmacistsInfo");
    CHECK(j["source"] == "reader");
    CHECK(j["consent"]["check_id"].get<int>() > 0);
    // The reader's consent lasts 24 hours.
    const auto until = mynaq::parse_iso_time(j["expires_at"].get<std::string>());
    REQUIRE(until.has_value());
    CHECK(*until > mynaq::now_seconds() + std::chrono::hours(23));
    CHECK(*until <= mynaq::now_seconds() + std::chrono::hours(25));
    // DiagnosisInfo came as 0; surgery too; tests never came at all.
    const auto d =
        rig.json({"consent", "check", "--patient", "ref:K000101", "--category", "diagnosis"}, 1);
    CHECK(d["valid"] == false);
    CHECK(d["reason"] == "withdrawn");
    const auto t =
        rig.json({"consent", "check", "--patient", "ref:K000101", "--category", "tests"}, 1);
    CHECK(t["reason"] == "none");
    CHECK(check_exit(rig, "ref:K000101", "checkups") == 0);
}

TEST_CASE("consent cli record by flags, check, then withdraw") {
    Rig rig;
    const std::vector<std::string> who{"--insurer", "  139998", "--symbol",    "模擬01",
                                       "--number",  "223344",   "--birthdate", "1992-07-15"};
    std::vector<std::string> record{"consent",        "record", "--category",
                                    "drugs,checkups", "--note", "説明済み, 口頭で同意"};
    record.insert(record.end(), who.begin(), who.end());
    const auto rec = rig.json(record);
    CHECK(rec["patient_key"] == "ins:139998/模擬01/223344//19920715");
    REQUIRE(rec["recorded"].size() == 2);
    CHECK(rec["recorded"][0]["source"] == "oral");
    CHECK(rec["recorded"][0]["note"] == "説明済み, 口頭で同意");
    const std::string key = "ins:139998/模擬01/223344//19920715";

    auto j = rig.json({"consent", "check", "--patient", key, "--category", "drugs"}, 0);
    CHECK(j["valid"] == true);
    CHECK(j["source"] == "oral");
    const auto until = mynaq::parse_iso_time(j["expires_at"].get<std::string>());
    REQUIRE(until.has_value());
    CHECK(*until > mynaq::now_seconds() + std::chrono::hours(23));
    CHECK(check_exit(rig, key, "surgery") == 1);

    // Written consent with no expiry; a withdrawal of 薬剤情報 is a new entry.
    CHECK(rig.run({"consent", "record", "--patient", key, "--category", "surgery", "--source",
                   "written"})
              .exit_code == 0);
    j = rig.json({"consent", "check", "--patient", key, "--category", "surgery"}, 0);
    CHECK(j["expires_at"] == "");
    CHECK(rig.run({"consent", "record", "--patient", key, "--category", "drugs", "--withdraw"})
              .exit_code == 0);
    j = rig.json({"consent", "check", "--patient", key, "--category", "drugs"}, 1);
    CHECK(j["reason"] == "withdrawn");
    const auto text = rig.run({"consent", "check", "--patient", key, "--category", "drugs"});
    CHECK(text.exit_code == 1);
    CHECK(text.out.find("not valid") != std::string::npos);
    // Nothing was deleted: show has the whole history.
    const auto shown = rig.json({"consent", "show", "--patient", key});
    CHECK(shown["history"].size() == 4);
    CHECK(shown["categories"].size() == 12);
    CHECK(rig.json({"consent", "list", "--category", "drugs"})["count"] == 2);
    // --expires-hours 1: valid now, until about an hour from now.
    (void)rig.json(
        {"consent", "record", "--reference", "K9", "--category", "tests", "--expires-hours", "1"});
    j = rig.json({"consent", "check", "--reference", "K9", "--category", "tests"}, 0);
    CHECK(*mynaq::parse_iso_time(j["expires_at"].get<std::string>()) <=
          mynaq::now_seconds() + std::chrono::minutes(61));
}

TEST_CASE("consent cli prompt on a terminal: 1 agrees to every 閲覧同意 category") {
    Rig rig;
    const auto r = run_on_terminal(rig, {"consent", "record", "--reference", "K42"}, "1\n");
    INFO("output: " << r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("Agree to all") != std::string::npos);
    for (const auto& category : kViewing) {
        INFO(category);
        CHECK(check_exit(rig, "ref:K42", category) == 0);
    }
    // 限度額 disclosure is not part of 「すべてに同意する」.
    CHECK(check_exit(rig, "ref:K42", "limit") == 1);
    const auto list = rig.json({"consent", "list"});
    CHECK(list["count"] == kViewing.size());
}

TEST_CASE("consent cli prompt on a terminal: one by one in Japanese, and q cancels") {
    Rig rig;
    // 2: one by one; y for 薬剤情報, then an invalid answer, then n for the other nine.
    std::string answers = "2\ny\nmaybe\n";
    for (int i = 0; i < 9; ++i) answers += "n\n";
    const auto r =
        run_on_terminal(rig, {"--lang", "ja", "consent", "record", "--reference", "K43"}, answers);
    INFO("output: " << r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("すべてに同意する") != std::string::npos);
    CHECK(r.out.find("薬剤情報 の閲覧に同意しますか") != std::string::npos);
    CHECK(check_exit(rig, "ref:K43", "drugs") == 0);
    CHECK(check_exit(rig, "ref:K43", "diagnosis") == 1);
    CHECK(check_exit(rig, "ref:K43", "prescriptions") == 1);

    const auto cancelled = run_on_terminal(rig, {"consent", "record", "--reference", "K44"}, "q\n");
    CHECK(cancelled.exit_code == 1);
    CHECK(cancelled.out.find("nothing was recorded") != std::string::npos);
    CHECK(rig.json({"consent", "show", "--patient", "ref:K44"})["history"].empty());
}

TEST_CASE("consent cli without a terminal and without flags is a usage error") {
    Rig rig;
    auto r = rig.run({"consent", "record", "--reference", "K1"});
    CHECK(r.exit_code == 64);
    CHECK(r.err.find("no prompt without a terminal") != std::string::npos);
    r = rig.run({"consent", "record", "--reference", "K1", "--withdraw"});
    CHECK(r.exit_code == 64);
    r = rig.run({"consent", "record", "--reference", "K1", "--patient", "ref:K1", "--all"});
    CHECK(r.exit_code == 64);
    r = rig.run({"consent", "record", "--reference", "K1", "--category", "x-ray"});
    CHECK(r.exit_code == 64);
    CHECK(rig.json({"consent", "list"})["count"] == 0);
}

TEST_CASE("consent cli refuses a 個人番号 as the patient key") {
    Rig rig;
    auto r = rig.run({"consent", "record", "--reference", "123456789018", "--all", "--json"});
    CHECK(r.exit_code == 77);
    CHECK(nlohmann::json::parse(r.out)["error"]["code"] == "FORBIDDEN");
    r = rig.run({"consent", "check", "--patient", "ref:123456789018", "--category", "drugs"});
    CHECK(r.exit_code == 77);
    CHECK(rig.json({"consent", "list"})["count"] == 0);
    // An ordinary 12-digit chart number is fine.
    CHECK(rig.run({"consent", "record", "--reference", "123456789019", "--all"}).exit_code == 0);
}

TEST_CASE("consent cli export writes CSV with a BOM and one row per entry, mode 0600") {
    Rig rig;
    (void)rig.json({"consent", "record", "--reference", "K1", "--category", "drugs", "--note",
                    "said \"yes\", at the desk"});
    (void)rig.json({"consent", "record", "--reference", "K2", "--all", "--withdraw"});
    const auto out = rig.dir() / "export" / "consents.csv";
    std::filesystem::create_directories(out.parent_path());
    const auto j = rig.json({"consent", "export", "--format", "csv", "--out", out.string()});
    CHECK(j["count"] == 11);
    const std::string csv = read_file(out);
    REQUIRE(csv.size() > 3);
    CHECK(csv.substr(0, 3) == "\xEF\xBB\xBF");
    std::size_t rows = 0;
    for (std::size_t at = csv.find("\r\n"); at != std::string::npos;
         at = csv.find("\r\n", at + 2)) {
        ++rows;
    }
    CHECK(rows == 12);  // header + 11
    CHECK(csv.find("\"said \"\"yes\"\", at the desk\"") != std::string::npos);
    CHECK(csv.find(",ref:K1,PharmacistsInfo,薬剤情報,1,") != std::string::npos);
    struct stat st {};
    REQUIRE(::stat(out.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);

    // JSON to stdout, oldest first.
    const auto r = rig.run({"consent", "export", "--format", "json"});
    REQUIRE(r.exit_code == 0);
    const auto doc = nlohmann::json::parse(r.out);
    CHECK(doc["count"] == 11);
    CHECK(doc["consents"][0]["patient_key"] == "ref:K1");
}

TEST_CASE("consent cli audit verify passes, then names the tampered record seq 2") {
    Rig rig;
    for (const char* category : {"drugs", "checkups", "surgery"}) {
        (void)rig.json({"consent", "record", "--reference", "K1", "--category", category});
    }
    auto j = rig.json({"audit", "verify"}, 0);
    CHECK(j["ok"] == true);
    CHECK(j["records"] == 3);
    // A careless edit is stopped by the store's trigger; a deliberate one is what the chain
    // reveals.
    CHECK(mynaq::run_process(
              {"sqlite3", rig.store_file().string(), "UPDATE audit SET detail='x' WHERE seq=2"})
              .exit_code != 0);
    (void)sqlite(rig.store_file(),
                 "DROP TRIGGER audit_no_update; UPDATE audit SET detail='x' WHERE seq=2;");
    j = rig.json({"audit", "verify"}, 1);
    CHECK(j["ok"] == false);
    CHECK(j["first_bad_seq"] == 2);
    CHECK(j["reason"] == "hash");
    const auto text = rig.run({"audit", "verify"});
    CHECK(text.exit_code == 1);
    CHECK(text.out.find("seq 2") != std::string::npos);
}

TEST_CASE("consent cli audit list filters by action prefix and shows --operator") {
    Rig rig;
    rig.start_terminal();
    (void)rig.json(kP01, 0);
    (void)rig.json({"--operator", "受付 花子", "consent", "record", "--reference", "K1",
                    "--category", "drugs"});
    const auto all = rig.json({"audit", "list"});
    CHECK(all["count"].get<int>() >= 2);
    bool saw_check = false;
    for (const auto& r : all["audit"]) saw_check = saw_check || r["action"] == "check.add";
    CHECK(saw_check);

    const auto consents = rig.json({"audit", "list", "--action", "consent."});
    REQUIRE(consents["count"].get<int>() >= 1);
    bool by_hanako = false;
    for (const auto& r : consents["audit"]) {
        CHECK(r["action"].get<std::string>().starts_with("consent."));
        by_hanako = by_hanako || r["operator"] == "受付 花子";
    }
    CHECK(by_hanako);
    const auto hanako = rig.json({"audit", "list", "--operator", "受付 花子"});
    CHECK(hanako["count"] == 1);
    CHECK(hanako["audit"][0]["object"].get<std::string>().starts_with("consent:"));
    const auto today = mynaq::format_jst_date(mynaq::now_seconds());
    CHECK(rig.json({"audit", "list", "--from", today, "--to", today})["count"] == all["count"]);
    CHECK(rig.json({"audit", "list", "--to", jst_day_offset(-1)})["count"] == 0);
    const auto text = rig.run({"audit", "list", "--action", "consent."});
    CHECK(text.out.find("受付 花子") != std::string::npos);
}

TEST_CASE("consent cli store purge refuses inside retention and needs --yes off a terminal") {
    Rig rig;
    (void)rig.json({"consent", "record", "--reference", "K1", "--category", "drugs"});
    const std::string tomorrow = jst_day_offset(1);
    auto r = rig.run({"store", "purge", "--before", tomorrow});
    CHECK(r.exit_code == 64);
    r = rig.run({"store", "purge", "--before", tomorrow, "--yes", "--json"});
    CHECK(r.exit_code == 77);
    const auto err = nlohmann::json::parse(r.out)["error"];
    CHECK(err["code"] == "FORBIDDEN");
    CHECK(err["detail"].get<std::string>().find("consents") != std::string::npos);
    r = rig.run({"store", "purge", "--before", tomorrow, "--yes"});
    CHECK(r.exit_code == 77);
    CHECK(r.err.find("retention rules") != std::string::npos);
    CHECK(rig.json({"consent", "list"})["count"] == 1);

    // Before the oldest record: allowed, nothing deleted, and audited.
    const auto j = rig.json({"store", "purge", "--before", "2000-01-01", "--yes"});
    CHECK(j["deleted"]["consents"] == 0);
    CHECK(rig.json({"audit", "list", "--action", "store.purge"})["count"] == 1);
    CHECK(rig.json({"audit", "verify"}, 0)["ok"] == true);
}

TEST_CASE("consent cli store migrate and copy to a new SQLite store") {
    Rig rig;
    (void)rig.json({"consent", "record", "--reference", "K1", "--all"});
    const auto m = rig.json({"store", "migrate"});
    CHECK(m["location"] == rig.store_file().string());
    // Reported by backends that implement Store::schema_version(); the audit trail came in
    // with version 2.
    if (!m["schema_version"].is_null()) CHECK(m["schema_version"].get<int>() >= 2);

    const auto records = rig.json({"audit", "verify"})["records"];
    CHECK(records.get<int>() >= 10);
    const auto target = rig.dir() / "copy.db";
    const auto c = rig.json({"store", "copy", "--to", target.string()});
    CHECK(c["copied"]["consents"] == 10);
    CHECK(c["copied"]["audit"] == records);
    CHECK(c["audit_ok"] == true);
    // The copy holds the same ledger and its chain verifies on its own.
    const auto config = rig.dir() / "copy.yaml";
    std::ofstream(config) << fmt::format("store:\n  path: {}\n", target.string());
    const auto list = run_with_config(rig, config, {"consent", "list", "--json"});
    REQUIRE(list.exit_code == 0);
    CHECK(nlohmann::json::parse(list.out)["count"] == 10);
    CHECK(run_with_config(rig, config, {"audit", "verify"}).exit_code == 0);
    CHECK(run_with_config(rig, config,
                          {"consent", "check", "--patient", "ref:K1", "--category", "drugs"})
              .exit_code == 0);
    // A store that already holds records is never a copy target.
    const auto again = rig.run({"store", "copy", "--to", target.string()});
    CHECK(again.exit_code == 77);
    CHECK(again.err.find("not empty") != std::string::npos);
}
