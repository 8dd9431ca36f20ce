#include "oqs_rig.hpp"
#include "text_width.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <doctest/doctest.h>
#include <fmt/format.h>

namespace oqsrig {

namespace fs = std::filesystem;

fs::path make_temp_dir(const std::string& tag) {
    std::string pattern = (fs::temp_directory_path() / ("mynaq-oqs-" + tag + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    return pattern;
}

fs::path people_file() {
    return fs::path(MYNAQ_SOURCE_DIR) / "examples" / "people.yaml";
}

std::size_t count_files(const fs::path& dir, const std::string& prefix) {
    std::size_t n = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        if (e.path().filename().string().starts_with(prefix)) ++n;
    }
    return n;
}

std::vector<std::size_t> field_ends(const std::string& line) {
    std::vector<std::size_t> ends;
    for (std::size_t i = 0; i < line.size(); ++i) {
        if (line[i] != ' ' && (i + 1 == line.size() || line[i + 1] == ' '))
            ends.push_back(mynaq::cli::display_width(line.substr(0, i + 1)));
    }
    return ends;
}

nlohmann::json wait_ready(const fs::path& path, int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
        std::ifstream in(path);
        for (std::string line; std::getline(in, line);) {
            auto j = nlohmann::json::parse(line, nullptr, false);
            if (j.is_object() && j.value("event", "") == "ready") return j;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("no ready line in " + path.string());
}

Rig::Rig(Options options) : options_(std::move(options)), dir_(make_temp_dir("rig")) {
    for (const char* sub : {"req", "res", "face"}) fs::create_directories(root() / sub);
    write_config(options_.extra_config);
}

Rig::~Rig() {
    terminal_.reset();
    api_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
}

void Rig::write_config(const std::string& extra) {
    std::ofstream out(config_file());
    out << fmt::format(R"(lang: en
facility:
  code: "1312345678"
oqs:
  transport: folder
  folder:
    root: {}
    poll_ms: 50
    timeout_s: {}
    stable_read_ms: 50
    face_done: {}
store:
  path: {}
)",
                       root().string(), options_.timeout_s, (dir_ / "face-done").string(),
                       store_file().string());
    out << extra;
}

void Rig::start_terminal(const std::vector<std::string>& args) {
    std::vector<std::string> argv{MYNAQ_BINARY,
                                  "sim",
                                  "oqs",
                                  "--root",
                                  root().string(),
                                  "--people",
                                  (people_.empty() ? people_file() : people_).string(),
                                  "--json"};
    argv.insert(argv.end(), args.begin(), args.end());
    terminal_ = std::make_unique<mynaq::BackgroundProcess>(
        argv, std::map<std::string, std::string>{}, (dir_ / "terminal.out").string(),
        (dir_ / "terminal.err").string());
    wait_ready(dir_ / "terminal.out");
}

void Rig::stop_terminal() {
    terminal_.reset();
}

void Rig::stop_api() {
    api_.reset();
}

int Rig::start_api(const std::vector<std::string>& args) {
    std::vector<std::string> argv{MYNAQ_BINARY,
                                  "sim",
                                  "oqs-api",
                                  "--port",
                                  "0",
                                  "--pki",
                                  (dir_ / "pki").string(),
                                  "--people",
                                  people_file().string(),
                                  "--json"};
    argv.insert(argv.end(), args.begin(), args.end());
    api_ = std::make_unique<mynaq::BackgroundProcess>(argv, std::map<std::string, std::string>{},
                                                      (dir_ / "api.out").string(),
                                                      (dir_ / "api.err").string());
    const auto ready = wait_ready(dir_ / "api.out");
    return ready.at("port").get<int>();
}

mynaq::ProcessResult Rig::run(const std::vector<std::string>& args,
                              mynaq::ProcessOptions options) const {
    std::vector<std::string> argv{MYNAQ_BINARY, "--config", config_file().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    // No user configuration or store leaks in; tokens are cached under the rig.
    options.env.emplace("XDG_CONFIG_HOME", (dir_ / "xdg-config").string());
    options.env.emplace("XDG_DATA_HOME", (dir_ / "xdg-data").string());
    options.env.emplace("XDG_STATE_HOME", (dir_ / "xdg-state").string());
    options.env.emplace("LC_ALL", "C.UTF-8");
    return mynaq::run_process(argv, options);
}

nlohmann::json Rig::json(const std::vector<std::string>& args, int expected_exit) const {
    std::vector<std::string> with_json = args;
    with_json.emplace_back("--json");
    const auto r = run(with_json);
    INFO("stdout: " << r.out);
    INFO("stderr: " << r.err);
    CHECK(r.exit_code == expected_exit);
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    return j;
}

std::unique_ptr<mynaq::BackgroundProcess> Rig::spawn(const std::vector<std::string>& args,
                                                     const std::string& tag) const {
    std::vector<std::string> argv{MYNAQ_BINARY, "--config", config_file().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return std::make_unique<mynaq::BackgroundProcess>(
        argv,
        std::map<std::string, std::string>{{"XDG_CONFIG_HOME", (dir_ / "xdg-config").string()},
                                           {"XDG_DATA_HOME", (dir_ / "xdg-data").string()},
                                           {"LC_ALL", "C.UTF-8"}},
        (dir_ / (tag + ".out")).string(), (dir_ / (tag + ".err")).string());
}

void write_faces(const Rig& rig, int n) {
    const auto r =
        mynaq::run_process({MYNAQ_BINARY, "sim", "oqs", "--root", rig.root().string(), "--people",
                            people_file().string(), "--faces", std::to_string(n), "--once"});
    REQUIRE(r.exit_code == 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

}  // namespace oqsrig
