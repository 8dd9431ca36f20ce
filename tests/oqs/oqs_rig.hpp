// The eligibility rig: a temporary OQS folder (req/ res/ face/), a configuration naming it and
// a private store, the real `mynaq sim oqs` emulator as a child process, and the real mynaq
// binary run against both.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mynaq/process.hpp"

namespace oqsrig {

std::filesystem::path make_temp_dir(const std::string& tag);
std::filesystem::path people_file();  // examples/people.yaml
std::size_t count_files(const std::filesystem::path& dir, const std::string& prefix);

struct Options {
    std::string extra_config;  // YAML appended to the generated configuration
    int timeout_s = 10;
};

class Rig {
public:
    explicit Rig(Options options = {});
    ~Rig();
    Rig(const Rig&) = delete;
    Rig& operator=(const Rig&) = delete;

    // Starts `mynaq sim oqs --root … --people …` plus `args`; waits for its ready line.
    void start_terminal(const std::vector<std::string>& args = {});
    void stop_terminal();
    // The people file of later start_terminal() calls (default examples/people.yaml).
    void use_people(std::filesystem::path people) { people_ = std::move(people); }
    // Starts `mynaq sim oqs-api` with a PKI under dir()/pki; returns its port.
    int start_api(const std::vector<std::string>& args = {});
    void stop_api();

    mynaq::ProcessResult run(const std::vector<std::string>& args,
                             mynaq::ProcessOptions options = {}) const;
    nlohmann::json json(const std::vector<std::string>& args, int expected_exit = 0) const;
    // A mynaq command in the background (watch), output to files under dir().
    std::unique_ptr<mynaq::BackgroundProcess> spawn(const std::vector<std::string>& args,
                                                    const std::string& tag) const;

    void write_config(const std::string& extra);
    [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
    [[nodiscard]] std::filesystem::path root() const { return dir_ / "oqs"; }
    [[nodiscard]] std::filesystem::path config_file() const { return dir_ / "config.yaml"; }
    [[nodiscard]] std::filesystem::path store_file() const { return dir_ / "store.db"; }

private:
    Options options_;
    std::filesystem::path dir_;
    std::filesystem::path people_;
    std::unique_ptr<mynaq::BackgroundProcess> terminal_;
    std::unique_ptr<mynaq::BackgroundProcess> api_;
};

// `mynaq sim oqs --faces N --once` into the rig's face/ folder (the same people file), then
// a pause for the files to settle (stable_read_ms is 50 in the rig).
void write_faces(const Rig& rig, int n);

// The terminal column (full-width counted as two) where each blank-separated field of a table
// line ends; an ideographic space inside a name does not separate.
std::vector<std::size_t> field_ends(const std::string& line);

// Waits until `path` holds a line that parses as JSON with "event": "ready".
nlohmann::json wait_ready(const std::filesystem::path& path, int timeout_ms = 10'000);

}  // namespace oqsrig
