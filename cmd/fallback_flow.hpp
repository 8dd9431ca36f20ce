// The guided fallback flow, shared by `mynaq fallback start` and the offer made when
// `mynaq elig query` times out.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "context.hpp"

namespace mynaq::cli {

struct FlowOptions {
    std::map<std::string, std::string> answers;  // given beforehand (file, flags, elig query)
    std::int64_t resume = 0;                     // continue this in-progress case
    bool query = true;  // query a 資格確認書's numbers at once when the system answers
    std::filesystem::path form;  // where to write the 申立書 (default under the data dir)
};

// Runs the flow: prompts at a terminal, or the answers alone without one. Returns the exit
// status (0 recorded, 1 stopped by staff and saved so far).
int run_fallback_flow(AppContext& context, const FlowOptions& options);

// Reads an answers file: YAML maps flattened to dotted keys (portal: {number: "5678"} →
// portal.number), booleans as yes/no.
std::map<std::string, std::string> read_answers_file(const std::filesystem::path& file);

}  // namespace mynaq::cli
