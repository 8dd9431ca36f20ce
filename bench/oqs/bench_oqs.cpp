// In-process eligibility benchmark: what mynaq itself costs per query and per 一括照会, with
// the emulated 資格確認端末 answering on its own thread. Prints one JSON object.
//   query: FolderExchange + parse + SQLite commit per query, minus the emulator's own time
//          (measured around each answer it writes);
//   bulk:  building the OQSmuquc01req of 1,000 reservations and parsing a 1,000-unit result.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "mynaq/oqs/eligibility.hpp"
#include "mynaq/sim/oqs_terminal.hpp"

using namespace mynaq;
using Clock = std::chrono::steady_clock;

namespace {

double ms(Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
    const int queries = argc > 1 ? std::atoi(argv[1]) : 300;
    std::string pattern = (std::filesystem::temp_directory_path() / "mynaq-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) return 1;
    const std::filesystem::path dir = pattern;

    sim::OqsTerminalOptions t;
    t.root = dir / "oqs";
    t.people =
        sim::load_people(std::filesystem::path(MYNAQ_SOURCE_DIR) / "examples" / "people.yaml");
    t.poll = std::chrono::milliseconds(1000);  // inotify does the work; polling is the fallback
    sim::OqsTerminal terminal(t);
    std::jthread serving([&terminal](std::stop_token stop) { terminal.run(stop); });

    oqs::FolderOptions f;
    f.root = t.root;
    f.work = dir / "work";
    f.poll = std::chrono::milliseconds(1000);
    f.stable_read = std::chrono::milliseconds(0);
    oqs::FolderExchange exchange(f);
    auto store = open_sqlite_store({dir / "store.db"});

    oqs::SingleQuery q;
    q.institution_code = "1312345678";
    q.confirmation_date = "20261201";
    q.search = {"06139992", "1234", "5678", "01", "19800101", "0", ""};
    std::vector<double> total;
    std::vector<double> emulator;
    for (int i = 0; i < queries + 10; ++i) {
        q.arbitrary_file_identifier = oqs::make_file_identifier();
        // The emulator's share: the time it takes to answer this same request itself.
        const auto request = oqs::build_single_query(q);
        const auto e0 = Clock::now();
        (void)oqs::write_xml(terminal.answer(request, oqs::kSingleQuery));
        const auto e1 = Clock::now();
        const auto t0 = Clock::now();
        const auto outcome = oqs::query_eligibility(exchange, *store, q);
        const auto t1 = Clock::now();
        if (!outcome.result.valid()) return 2;
        if (i >= 10) {  // warm-up
            total.push_back(ms(t1 - t0));
            emulator.push_back(ms(e1 - e0));
        }
    }
    serving.request_stop();

    // 一括照会 of 1,000: build the upload, and parse a 1,000-unit result.
    oqs::BulkQuery bulk{"20261201", "1312345678", oqs::make_file_identifier(), {}};
    const std::vector<oqs::SearchInfo> people{
        {"06139992", "1234", "5678", "01", "19800101", "0", ""},
        {"  139998", "模擬01", "223344", "", "19920715", "0", ""},
        {"39139993", "", "00012345", "", "19400302", "0", ""},
        {"06139976", "3333", "909", "01", "19851231", "0", ""}};
    for (int i = 0; i < 1000; ++i) {
        auto p = people[static_cast<std::size_t>(i) % people.size()];
        p.arbitrary_identifier = fmt::format("C{}", i);
        bulk.people.push_back(p);
    }
    const auto b0 = Clock::now();
    const std::string upload_xml = oqs::write_xml(oqs::build_bulk_upload(bulk));
    const auto b1 = Clock::now();
    const auto upload = terminal.answer(oqs::parse_xml(upload_xml).root, oqs::kBulkUpload);
    const std::string reception = upload.find("ReceptionNumber")->text;
    oqs::Node result;
    for (int round = 0; round < 5; ++round) {  // past the 処理中 rounds
        result = terminal.answer(
            oqs::build_bulk_download("1312345678", reception, bulk.arbitrary_file_identifier),
            oqs::kBulkDownload);
        const auto* seg = result.find("SegmentOfResult");
        if (seg != nullptr && seg->text == "1") break;
    }
    const std::string result_xml = oqs::write_xml(result);
    const auto p0 = Clock::now();
    const auto parsed = oqs::parse_bulk_result(oqs::parse_xml(result_xml));
    const auto p1 = Clock::now();

    const double mean_total =
        std::accumulate(total.begin(), total.end(), 0.0) / static_cast<double>(total.size());
    const double mean_emulator = std::accumulate(emulator.begin(), emulator.end(), 0.0) /
                                 static_cast<double>(emulator.size());
    std::printf(
        "{\"queries\": %zu, \"query_mean_ms\": %.3f, \"query_p50_ms\": %.3f, \"query_p95_ms\": "
        "%.3f, "
        "\"emulator_answer_mean_ms\": %.3f, \"overhead_mean_ms\": %.3f, "
        "\"bulk_units\": %zu, \"bulk_result_bytes\": %zu, \"bulk_build_ms\": %.3f, "
        "\"bulk_parse_ms\": %.3f}\n",
        total.size(), mean_total, percentile(total, 0.5), percentile(total, 0.95), mean_emulator,
        mean_total - mean_emulator, parsed.units.size(), result_xml.size(), ms(b1 - b0),
        ms(p1 - p0));
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return parsed.units.size() == 1000 ? 0 : 3;
}
