// mynaq elig watch: face results taken in exactly once across restarts, kill -9 and two
// watchers on one folder.
#include <signal.h>

#include <fstream>
#include <sstream>
#include <thread>

#include <doctest/doctest.h>

#include "oqs_rig.hpp"

using oqsrig::Rig;
using oqsrig::write_faces;

namespace {

int count_lines_with(const std::filesystem::path& file, const std::string& needle) {
    std::ifstream in(file);
    int n = 0;
    for (std::string line; std::getline(in, line);) {
        if (line.find(needle) != std::string::npos) ++n;
    }
    return n;
}

}  // namespace

TEST_CASE("elig watch --once records every face file once and emits JSON lines") {
    Rig rig;
    write_faces(rig, 12);
    const auto r = rig.run({"elig", "watch", "--once", "--json"});
    CHECK(r.exit_code == 0);
    int recorded = 0;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
        const auto j = nlohmann::json::parse(line);
        CHECK(j["event"] == "recorded");
        CHECK(j["check"]["source"] == "face");
        CHECK(j["check"]["method"] == "card");
        ++recorded;
    }
    CHECK(recorded == 12);
    const auto again = rig.run({"elig", "watch", "--once", "--json"});
    CHECK(again.out.empty());
    CHECK(rig.json({"elig", "list", "--source", "face", "--limit", "1000"})["count"] == 12);
    // Copy mode: the files are still there for the レセコン.
    CHECK(oqsrig::count_files(rig.root() / "face", "OQSsiquc01res_face_") == 12);
}

TEST_CASE("elig watch in move mode moves files after committing them") {
    Rig rig;
    write_faces(rig, 5);
    const auto r = rig.run({"elig", "watch", "--once", "--mode", "move"});
    CHECK(r.exit_code == 0);
    CHECK(oqsrig::count_files(rig.root() / "face", "OQSsiquc01res_face_") == 0);
    CHECK(oqsrig::count_files(rig.dir() / "face-done", "OQSsiquc01res_face_") == 5);
    CHECK(rig.json({"elig", "list", "--source", "face"})["count"] == 5);
}

TEST_CASE("elig watch killed with SIGKILL during intake loses and duplicates nothing") {
    Rig rig;
    write_faces(rig, 400);
    {
        auto watch = rig.spawn({"elig", "watch", "--json", "--mode", "move"}, "watch1");
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (count_lines_with(rig.dir() / "watch1.out", "recorded") < 30 &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        watch->signal(SIGKILL);
        CHECK(watch->wait(std::chrono::seconds(5)) == 128 + SIGKILL);
    }
    const auto r = rig.run({"elig", "watch", "--once", "--mode", "move", "--json"});
    CHECK(r.exit_code == 0);
    CHECK(rig.json({"elig", "list", "--source", "face", "--limit", "1000"})["count"] == 400);
    CHECK(oqsrig::count_files(rig.root() / "face", "OQSsiquc01res_face_") == 0);
    CHECK(oqsrig::count_files(rig.dir() / "face-done", "OQSsiquc01res_face_") == 400);
}

TEST_CASE("two elig watch processes on one folder do not double-count") {
    Rig rig;
    rig.start_terminal({"--faces-per-second", "200"});
    {
        auto a = rig.spawn({"elig", "watch", "--json", "--interval", "0.05"}, "wa");
        auto b = rig.spawn({"elig", "watch", "--json", "--interval", "0.05"}, "wb");
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        rig.stop_terminal();
        // Both keep taking files in until the folder is drained (slow under sanitizers).
        const auto files_now = oqsrig::count_files(rig.root() / "face", "OQSsiquc01res_face_");
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
        while (static_cast<std::size_t>(count_lines_with(rig.dir() / "wa.out", "\"recorded\"") +
                                        count_lines_with(rig.dir() / "wb.out", "\"recorded\"")) <
                   files_now &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a late duplicate shows
        a->signal(SIGTERM);
        b->signal(SIGTERM);
        CHECK(a->wait(std::chrono::seconds(5)) == 0);
        CHECK(b->wait(std::chrono::seconds(5)) == 0);
    }
    const auto files = oqsrig::count_files(rig.root() / "face", "OQSsiquc01res_face_");
    CHECK(files > 50);
    const int from_a = count_lines_with(rig.dir() / "wa.out", "\"recorded\"");
    const int from_b = count_lines_with(rig.dir() / "wb.out", "\"recorded\"");
    CHECK(static_cast<std::size_t>(from_a + from_b) == files);
    CHECK(rig.json({"elig", "list", "--source", "face", "--limit", "100000"})["count"] == files);
}

TEST_CASE("elig watch reports an unreadable face file and leaves it") {
    Rig rig;
    const auto name = "OQSsiquc01res_face_131234567800000000000000000001_20200101000000.xml";
    std::ofstream(rig.root() / "face" / name) << "<XmlMsg><oops>";
    // Older than the settle time (stable_read_ms), as a file left there earlier would be.
    std::filesystem::last_write_time(
        rig.root() / "face" / name,
        std::filesystem::file_time_type::clock::now() - std::chrono::seconds(5));
    const auto r = rig.run({"elig", "watch", "--once", "--all-days", "--json"});
    CHECK(r.exit_code == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["event"] == "invalid");
    CHECK(std::filesystem::exists(rig.root() / "face" / name));
}
