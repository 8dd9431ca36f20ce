// The README's samples of eligibility and configuration output, against fresh runs
// (tests/support/readme_check.hpp).
#include <doctest/doctest.h>

#include "oqs_rig.hpp"
#include "readme_check.hpp"

using oqsrig::Rig;
namespace fs = std::filesystem;

TEST_CASE("readme: the elig query sample is what mynaq prints") {
    Rig rig;
    rig.start_terminal();
    const auto r =
        rig.run({"--lang", "ja", "elig", "query", "--insurer", "06139984", "--number", "101",
                 "--branch", "02", "--birthdate", "1975-11-22", "--limit-consent"});
    REQUIRE(r.exit_code == 0);
    readme::check_block("elig-query", r.out);
}

TEST_CASE("readme: the config check sample is what mynaq prints for examples/clinic.yaml") {
    const auto clinic = fs::path(MYNAQ_SOURCE_DIR) / "examples" / "clinic.yaml";
    mynaq::ProcessOptions options;
    options.env = {{"MYNAQ_FACE_MODEL_DIR", ""}, {"MYNAQ_DATADIR", ""}};
    const auto r = mynaq::run_process(
        {MYNAQ_BINARY, "--config", clinic.string(), "--lang", "ja", "config", "check"}, options);
    REQUIRE(r.exit_code == 1);  // /mnt/oqs is not mounted here
    readme::check_block("config-check", r.out);
}
