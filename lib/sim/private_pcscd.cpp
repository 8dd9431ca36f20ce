#include "mynaq/sim/private_pcscd.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <PCSC/winscard.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "mynaq/error.hpp"

namespace mynaq::sim {

namespace {

constexpr const char* kPcscd = "/usr/sbin/pcscd";
constexpr const char* kVpcdDriver = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";
constexpr const char* kRunDir = "/run/pcscd";  // hard-coded in pcscd 1.9.9

bool port_free(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

bool write_file(const char* path, const std::string& text) {
    const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    return ok;
}

// In the child: a private mount namespace where our run directory is /run/pcscd, then pcscd.
[[noreturn]] void exec_pcscd(const std::filesystem::path& run_dir,
                             const std::filesystem::path& conf_dir,
                             const std::filesystem::path& log_file) {
    const int log = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (log >= 0) {
        ::dup2(log, STDOUT_FILENO);
        ::dup2(log, STDERR_FILENO);
    }
    const int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, STDIN_FILENO);
    const uid_t uid = ::getuid();
    const gid_t gid = ::getgid();
    if (::geteuid() == 0) {
        if (::unshare(CLONE_NEWNS) != 0) _exit(90);
    } else {
        // Without root, a user namespace grants the mount; map ourselves to its root.
        if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) _exit(91);
        write_file("/proc/self/setgroups", "deny");
        write_file("/proc/self/uid_map", fmt::format("0 {} 1", uid));
        write_file("/proc/self/gid_map", fmt::format("0 {} 1", gid));
    }
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) _exit(92);
    ::mkdir(kRunDir, 0755);
    if (::mount(run_dir.c_str(), kRunDir, nullptr, MS_BIND, nullptr) != 0) _exit(93);
    const std::string conf = conf_dir.string();
    ::execl(kPcscd, kPcscd, "--foreground", "--config", conf.c_str(), static_cast<char*>(nullptr));
    _exit(94);
}

bool reader_listed(const std::string& name) {
    SCARDCONTEXT ctx = 0;
    if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx) != SCARD_S_SUCCESS) {
        return false;
    }
    DWORD size = 0;
    bool found = false;
    if (SCardListReaders(ctx, nullptr, nullptr, &size) == SCARD_S_SUCCESS) {
        std::string buffer(size, '\0');
        if (SCardListReaders(ctx, nullptr, buffer.data(), &size) == SCARD_S_SUCCESS) {
            found = buffer.find(name) != std::string::npos;
        }
    }
    SCardReleaseContext(ctx);
    return found;
}

}  // namespace

std::uint16_t PrivatePcscd::find_free_port_pair() {
    std::random_device rd;
    std::uniform_int_distribution<int> dist(20000, 29998);
    for (int attempt = 0; attempt < 200; ++attempt) {
        const auto port = static_cast<std::uint16_t>(dist(rd));
        if (port_free(port) && port_free(static_cast<std::uint16_t>(port + 1))) return port;
    }
    throw Error(Errc::PcscUnavailable, "no two consecutive free TCP ports for vpcd");
}

PrivatePcscd::PrivatePcscd(Options options) : options_(std::move(options)) {
    namespace fs = std::filesystem;
    for (const char* needed : {kPcscd, kVpcdDriver}) {
        if (!fs::exists(needed)) {
            throw Error(Errc::PcscUnavailable,
                        fmt::format("{} is missing: install pcscd and vsmartcard-vpcd", needed));
        }
    }
    // Ports are checked free before pcscd binds them, so another process may take them in
    // between; with ports of our own choosing, try again with fresh ones.
    const bool choose_ports = options_.port == 0;
    for (int attempt = 1;; ++attempt) {
        if (choose_ports) options_.port = find_free_port_pair();
        if (start_once()) return;
        const std::string tail = log_tail();
        stop();
        if (!choose_ports || attempt == 3) {
            throw Error(Errc::PcscUnavailable, "private pcscd did not become ready: " + tail);
        }
    }
}

bool PrivatePcscd::start_once() {
    namespace fs = std::filesystem;
    const fs::path run_dir = options_.work_dir / "run";
    const fs::path conf_dir = options_.work_dir / "conf";
    fs::create_directories(run_dir);
    fs::create_directories(conf_dir);
    fs::permissions(options_.work_dir, fs::perms::owner_all, fs::perm_options::replace);
    // Stale files from a crashed run would make pcscd think another daemon is running.
    std::error_code ec;
    fs::remove(run_dir / "pcscd.comm", ec);
    fs::remove(run_dir / "pcscd.pid", ec);
    if (options_.with_reader) {
        std::ofstream conf(conf_dir / "vpcd");
        conf << fmt::format(
            "FRIENDLYNAME \"{}\"\nDEVICENAME /dev/null:0x{:04X}\nLIBPATH {}\n"
            "CHANNELID 0x{:04X}\n",
            options_.reader_name, options_.port, kVpcdDriver, options_.port);
    }
    ::setenv("PCSCLITE_CSOCK_NAME", socket_path().c_str(), 1);

    pid_ = ::fork();
    if (pid_ < 0) throw Error(Errc::PcscUnavailable, "fork failed");
    if (pid_ == 0) exec_pcscd(run_dir, conf_dir, options_.work_dir / "pcscd.log");

    const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw Error(Errc::PcscUnavailable,
                        fmt::format("private pcscd exited at start (status {}): {}",
                                    WIFEXITED(status) ? WEXITSTATUS(status) : -1, log_tail()));
        }
        if (fs::exists(socket_path()) &&
            (!options_.with_reader || reader_listed(options_.reader_name))) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

PrivatePcscd::~PrivatePcscd() {
    stop();
}

void PrivatePcscd::stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 200; ++i) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
            pid_ = -1;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

std::filesystem::path PrivatePcscd::socket_path() const {
    return options_.work_dir / "run" / "pcscd.comm";
}

std::string PrivatePcscd::log_tail() const {
    std::ifstream in(options_.work_dir / "pcscd.log");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    if (text.size() > 600) text = text.substr(text.size() - 600);
    return text;
}

}  // namespace mynaq::sim
