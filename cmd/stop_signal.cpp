#include "stop_signal.hpp"

#include <csignal>

namespace mynaq::cli {

namespace {
volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_stop_signal(int) {
    g_stop = 1;
}
}  // namespace

void install_stop_handlers() {
    (void)std::signal(SIGINT, on_stop_signal);
    (void)std::signal(SIGTERM, on_stop_signal);
}

bool stop_requested() {
    return g_stop != 0;
}

}  // namespace mynaq::cli
