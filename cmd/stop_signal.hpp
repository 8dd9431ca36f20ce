// SIGINT/SIGTERM end long-running commands (watch, emulators) between two steps, never in
// the middle of a commit.
#pragma once

namespace mynaq::cli {

void install_stop_handlers();
bool stop_requested();

}  // namespace mynaq::cli
