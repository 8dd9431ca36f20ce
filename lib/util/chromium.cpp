#include "mynaq/chromium.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "mynaq/error.hpp"
#include "mynaq/files.hpp"
#include "mynaq/process.hpp"

namespace mynaq {

namespace {

namespace fs = std::filesystem;

bool is_executable_file(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

std::optional<fs::path> in_path(std::string_view name) {
    const char* path = std::getenv("PATH");
    if (path == nullptr) return std::nullopt;
    std::string_view rest = path;
    while (true) {
        const auto colon = rest.find(':');
        const auto dir = rest.substr(0, colon);
        if (!dir.empty()) {
            const fs::path candidate = fs::path(dir) / name;
            if (is_executable_file(candidate)) return candidate;
        }
        if (colon == std::string_view::npos) return std::nullopt;
        rest.remove_prefix(colon + 1);
    }
}

// Chromium's profile must not be the user's (it may be open, and the print must not depend
// on it), so each render gets a fresh one, removed afterwards with whatever Chromium wrote.

// file:// URL of an absolute path, percent-encoding everything but unreserved bytes and '/'.
std::string file_url(const fs::path& absolute) {
    static constexpr std::string_view kHex = "0123456789ABCDEF";
    std::string url = "file://";
    for (const char ch : absolute.string()) {
        const auto byte = static_cast<unsigned char>(ch);
        const bool plain = (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
                           (byte >= '0' && byte <= '9') || ch == '/' || ch == '-' || ch == '_' ||
                           ch == '.' || ch == '~';
        if (plain) {
            url += ch;
        } else {
            url += '%';
            url += kHex[byte >> 4];
            url += kHex[byte & 0x0F];
        }
    }
    return url;
}

std::string read_all(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A process's command line, "" when it is gone: a process that exits while its cmdline is
// read makes read() fail with ESRCH, which libstdc++'s filebuf reports by throwing.
std::string proc_cmdline(const fs::path& proc_dir) {
    try {
        return read_all(proc_dir / "cmdline");
    } catch (const std::exception&) {
        return {};
    }
}

bool looks_complete(const std::string& data, RenderFormat fmt) {
    if (fmt == RenderFormat::Pdf) {
        return data.starts_with("%PDF-") && data.find("%%EOF") != std::string::npos;
    }
    return data.starts_with("\x89PNG\r\n\x1a\n") && data.find("IEND") != std::string::npos;
}

// Chromium's helpers (renderer, zygote, crash handler) outlive a browser killed on timeout for
// a moment and keep writing into the profile. They are found by the profile's unique path on
// their command lines, ended, and waited for, so the profile can really be removed.
void end_leftovers(const fs::path& profile) {
    const std::string marker = profile.string();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
        bool any = false;
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator("/proc", ec)) {
            const std::string name = entry.path().filename().string();
            if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) {
                continue;
            }
            const std::string cmdline = proc_cmdline(entry.path());
            if (cmdline.find(marker) == std::string::npos) continue;
            any = true;
            ::kill(static_cast<pid_t>(std::stol(name)), SIGKILL);
        }
        if (!any) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

std::string tail(const std::string& text, std::size_t max) {
    return text.size() <= max ? text : text.substr(text.size() - max);
}

}  // namespace

std::optional<fs::path> find_chromium() {
    if (const char* env = std::getenv("MYNAQ_CHROMIUM"); env != nullptr && *env != '\0') {
        const std::string_view chosen = env;
        if (chosen.find('/') != std::string_view::npos) {
            return is_executable_file(chosen) ? std::optional<fs::path>(chosen) : std::nullopt;
        }
        return in_path(chosen);
    }
    if (is_executable_file("/usr/bin/chromium")) return fs::path("/usr/bin/chromium");
    for (const std::string_view name :
         {"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}) {
        if (auto found = in_path(name)) return found;
    }
    return std::nullopt;
}

void render_html(const fs::path& html, const fs::path& out, RenderFormat fmt,
                 std::chrono::seconds timeout, PngSize size) {
    const auto chromium = find_chromium();
    if (!chromium) {
        const char* env = std::getenv("MYNAQ_CHROMIUM");
        throw Error(Errc::Unsupported,
                    env != nullptr && *env != '\0'
                        ? "MYNAQ_CHROMIUM is set to '" + std::string(env) +
                              "', which is not an executable Chromium; fix it or unset it"
                        : "no Chromium found to render HTML: install chromium "
                          "(apt-get install chromium) or set MYNAQ_CHROMIUM to its path");
    }
    std::error_code ec;
    if (!fs::is_regular_file(html, ec)) {
        throw Error(Errc::FileNotFound, "no HTML file to render at " + html.string());
    }
    const fs::path source = fs::absolute(html);

    const TemporaryDirectory work("mynaq-chromium");
    const fs::path rendered = work.path() / (fmt == RenderFormat::Pdf ? "out.pdf" : "out.png");
    // --no-sandbox: the sandbox cannot start as root or in containers without user
    // namespaces. What is rendered is our own escaped local file whose Content-Security-Policy
    // forbids scripts and fetches, and name resolution is switched off besides. (Scripts cannot
    // be disabled by flag: headless printing needs them.)
    std::vector<std::string> argv = {chromium->string(),
                                     "--headless",
                                     "--no-sandbox",
                                     "--disable-gpu",
                                     "--disable-quic",
                                     "--no-first-run",
                                     "--no-default-browser-check",
                                     "--disable-background-networking",
                                     "--disable-component-update",
                                     "--disable-sync",
                                     "--disable-extensions",
                                     "--mute-audio",
                                     "--host-resolver-rules=MAP * ~NOTFOUND",
                                     "--user-data-dir=" + (work.path() / "profile").string()};
    if (fmt == RenderFormat::Pdf) {
        argv.push_back("--print-to-pdf=" + rendered.string());
        // The flag was renamed in Chromium 111; each version ignores the name it lacks.
        argv.emplace_back("--no-pdf-header-footer");
        argv.emplace_back("--print-to-pdf-no-header");
    } else {
        argv.push_back("--screenshot=" + rendered.string());
        argv.push_back("--window-size=" + std::to_string(size.width) + "," +
                       std::to_string(size.height));
        argv.emplace_back("--force-device-scale-factor=1");
        argv.emplace_back("--hide-scrollbars");
    }
    argv.push_back(file_url(source));

    ProcessOptions options;
    options.timeout = timeout;
    const ProcessResult result = run_process(argv, options);
    end_leftovers(work.path());
    if (result.timed_out) {
        throw Error(
            Errc::IoError,
            "Chromium did not finish rendering within " + std::to_string(timeout.count()) + " s",
            {{"chromium", chromium->string()}, {"stderr", tail(result.err, 2000)}});
    }
    // Chromium logs plenty to stderr even when it works; only a missing or broken output
    // file means it failed.
    const std::string data = read_all(rendered);
    if (!looks_complete(data, fmt)) {
        throw Error(Errc::IoError,
                    "Chromium wrote no valid " +
                        std::string(fmt == RenderFormat::Pdf ? "PDF" : "PNG") + " (exit status " +
                        std::to_string(result.exit_code) + ")",
                    {{"chromium", chromium->string()}, {"stderr", tail(result.err, 2000)}});
    }
    write_file_atomic(out, std::string_view(data));
}

}  // namespace mynaq
