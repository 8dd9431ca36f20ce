// The terminal rig itself, with plain shell programs: Japanese prompts and answers, the exit
// status, the environment, signals, and clean-up.
#include <signal.h>
#include <stdlib.h>

#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <string>

#include <doctest/doctest.h>

#include "tty_session.hpp"

using ttyrig::TtyOptions;
using ttyrig::TtySession;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> sh(const std::string& script) {
    return {"sh", "-c", script};
}

// True once no process has this pid (a zombie would still count as existing).
bool process_gone(int pid) {
    return ::kill(pid, 0) != 0 && errno == ESRCH;
}

}  // namespace

TEST_CASE("tty session answers a Japanese prompt and reports the exit status") {
    TtySession tty(sh(R"(printf "名前? "; read x; echo "こんにちは $x"; exit 3)"));
    tty.expect("名前? ");
    CHECK(tty.running());
    CHECK_FALSE(tty.wait_exit(100ms).has_value());
    tty.send_line("山田太郎");
    tty.expect("こんにちは 山田太郎");
    CHECK(tty.wait_exit() == 3);
    CHECK_FALSE(tty.running());
    const auto screen = tty.screen();
    CHECK(screen.find("名前? 山田太郎\nこんにちは 山田太郎\n") != std::string::npos);
}

TEST_CASE("tty session passes environment variables to the program") {
    ::setenv("MYNAQ_TTY_UNSET_PROBE", "leaked", 1);
    TtyOptions options;
    options.env = {{"MYNAQ_TTY_PROBE", "値 with space;"}, {"LANG", "ja_JP.UTF-8"}};
    options.unset_env = {"MYNAQ_TTY_UNSET_PROBE"};
    TtySession tty(
        sh(R"(echo "probe=[$MYNAQ_TTY_PROBE] lang=[$LANG] unset=[${MYNAQ_TTY_UNSET_PROBE-none}]")"
           R"( term=[$TERM]; read x)"),
        options);
    ::unsetenv("MYNAQ_TTY_UNSET_PROBE");
    tty.expect("probe=[値 with space;] lang=[ja_JP.UTF-8] unset=[none] term=[tmux-256color]");
}

TEST_CASE("tty session runs the program in the given directory on a terminal of the given size") {
    TtyOptions options;
    options.width = 80;
    options.height = 24;
    options.cwd = "/";
    TtySession tty(sh(R"(echo "size=[$(stty size)] dir=[$(pwd)]"; read x)"), options);
    tty.expect("size=[24 80] dir=[/]");
}

TEST_CASE("tty session observes kill -9 of the program as its exit status") {
    TtySession tty(sh("echo ready; read x"));
    tty.expect("ready");
    const int pid = tty.program_pid();
    REQUIRE(pid > 0);
    CHECK_FALSE(process_gone(pid));
    tty.kill_program(SIGKILL);
    CHECK(tty.wait_exit() == 128 + SIGKILL);
    CHECK(process_gone(pid));
    CHECK(tty.screen().find("Pane is dead (signal 9") != std::string::npos);
}

TEST_CASE("tty session sends control keys to the program") {
    TtySession tty(sh("echo waiting; read x; echo 'not interrupted'"));
    tty.expect("waiting");
    tty.send_keys({"C-c"});
    CHECK(tty.wait_exit() == 128 + SIGINT);
    CHECK(tty.screen().find("not interrupted") == std::string::npos);
}

TEST_CASE("tty session types text literally") {
    TtySession tty(sh(R"(read x; printf "[%s]\n" "$x"; read y)"));
    tty.send_line("-n ;#{pane_id} C-c Enter $HOME 'q';");
    tty.expect("[-n ;#{pane_id} C-c Enter $HOME 'q';]");
    CHECK(tty.running());
}

TEST_CASE("tty session waits for repeated prompts") {
    TtySession tty(sh(R"(while :; do printf "番号? "; read x; [ "$x" = q ] && exit 0; )"
                      R"(echo "受付 $x"; done)"));
    tty.expect("番号? ");
    tty.send_line("1");
    tty.expect("番号? ", 10s, 2);
    tty.send_line("2");
    tty.expect("番号? ", 10s, 3);
    CHECK(tty.count("受付 1") == 1);
    CHECK(tty.count("受付 2") == 1);
    CHECK(tty.count("番号? ") == 3);
    tty.send_line("q");
    CHECK(tty.wait_exit() == 0);
}

TEST_CASE("tty session wait_for times out and expect shows the screen") {
    TtySession tty(sh("echo visible-line; read x"));
    tty.expect("visible-line");
    const auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(tty.wait_for("absent-text", 300ms));
    CHECK(std::chrono::steady_clock::now() - start >= 300ms);

    std::string message;
    try {
        tty.expect("absent-text", 200ms);
    } catch (const std::runtime_error& e) {
        message = e.what();
    }
    CHECK(message.find("absent-text") != std::string::npos);
    CHECK(message.find("visible-line") != std::string::npos);
    CHECK(message.find("still running") != std::string::npos);
}

TEST_CASE("tty session stops waiting once the program has ended") {
    TtySession tty(sh("echo finished; exit 5"));
    const auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(tty.wait_for("never shown", 20s));
    CHECK(std::chrono::steady_clock::now() - start < 10s);
    // The screen is not checked here: once the program has ended its pane may already be
    // gone when it is captured (seen once in CI); output is covered by the other cases.
    CHECK(tty.wait_exit(0ms) == 5);
}

TEST_CASE("tty session two sessions run side by side without sharing a server") {
    TtySession first(sh("echo first-program; read x"));
    TtySession second(sh("echo second-program; read x"));
    CHECK(first.socket_path() != second.socket_path());
    first.expect("first-program");
    second.expect("second-program");
    CHECK(first.count("second-program") == 0);
    CHECK(second.count("first-program") == 0);
    first.kill_program(SIGTERM);
    CHECK(first.wait_exit() == 128 + SIGTERM);
    CHECK(second.running());
}

TEST_CASE("tty session destructor ends a program that ignores hangups") {
    int pid = -1;
    std::filesystem::path socket;
    {
        TtySession tty(sh(R"(trap "" HUP; echo ready; read x)"));
        tty.expect("ready");
        pid = tty.program_pid();
        socket = tty.socket_path();
        CHECK(std::filesystem::exists(socket));
    }
    CHECK(process_gone(pid));
    CHECK_FALSE(std::filesystem::exists(socket.parent_path()));
}

TEST_CASE("tty session reports a program that cannot be started") {
    TtySession tty({"/nonexistent/mynaq-tty-probe"});
    CHECK(tty.wait_exit() == 127);
}
