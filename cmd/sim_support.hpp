// The virtual card as configured from the command line or the demo.
#pragma once

#include <filesystem>
#include <string>

#include "mynaq/sim/virtual_card.hpp"

namespace mynaq::cli {

// Test PKI kept in `state_dir` (created on first use), the bundled portrait unless `photo`.
sim::VirtualCardConfig make_virtual_card_config(const std::filesystem::path& state_dir,
                                                const std::string& profile,
                                                const std::string& photo);

}  // namespace mynaq::cli
