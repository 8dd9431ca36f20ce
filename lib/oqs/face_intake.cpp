#include "mynaq/oqs/face_intake.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "mynaq/digest.hpp"
#include "mynaq/error.hpp"
#include "mynaq/jst.hpp"
#include "mynaq/oqs/eligibility.hpp"

namespace mynaq::oqs {

namespace {

namespace fs = std::filesystem;

std::string read_whole(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string today_compact() {
    std::string d = format_jst_date(now_seconds());
    std::erase(d, '-');
    return d;
}

// Moves into done/ without ever leaving the file nowhere: rename within one filesystem,
// otherwise copy, fsync and only then unlink the original.
void move_done(const fs::path& from, const fs::path& done_dir) {
    std::error_code ec;
    fs::create_directories(done_dir, ec);
    const fs::path to = done_dir / from.filename();
    fs::rename(from, to, ec);
    if (!ec || ec == std::errc::no_such_file_or_directory) return;
    fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
    if (ec) {
        throw Error(
            Errc::IoError,
            fmt::format("cannot move {} to {}: {}", from.string(), to.string(), ec.message()),
            {{"file", from.string()}});
    }
    const int fd = ::open(to.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
    fs::remove(from, ec);
}

bool is_face_file(const std::string& name) {
    return name.starts_with(kFacePrefix) && name.ends_with(".xml");
}

}  // namespace

std::optional<std::string> face_file_date(std::string_view file_name) {
    static const std::regex stamp(R"((\d{14})\.xml$)");
    std::match_results<std::string_view::const_iterator> m;
    if (!std::regex_search(file_name.begin(), file_name.end(), m, stamp)) return std::nullopt;
    return m[1].str().substr(0, 8);
}

FaceIntake::FaceIntake(FaceIntakeOptions options) : options_(std::move(options)) {
    if (options_.move && options_.done_dir.empty()) {
        options_.done_dir = options_.face_dir.parent_path() / "mynaq-face-done";
    }
    inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_fd_ >= 0) {
        watch_ = ::inotify_add_watch(inotify_fd_, options_.face_dir.c_str(),
                                     IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE);
    }
}

FaceIntake::~FaceIntake() {
    if (inotify_fd_ >= 0) ::close(inotify_fd_);
}

void FaceIntake::wait_for_change(std::chrono::milliseconds timeout) {
    if (inotify_fd_ < 0 || watch_ < 0) {
        // No notification (e.g. an SMB mount): plain polling.
        ::usleep(static_cast<useconds_t>(std::min<long long>(timeout.count(), 1000) * 1000));
        return;
    }
    pollfd p{inotify_fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) > 0) {
        alignas(inotify_event) char buf[8192];
        while (::read(inotify_fd_, buf, sizeof buf) > 0) {
        }
    }
}

std::size_t FaceIntake::scan_once(Store& store,
                                  const std::function<void(const IntakeEvent&)>& on_event,
                                  const std::function<bool()>& stop) {
    std::error_code ec;
    if (!fs::is_directory(options_.face_dir, ec)) {
        throw Error(Errc::FileNotFound,
                    fmt::format("the face folder {} does not exist", options_.face_dir.string()),
                    {{"folder", options_.face_dir.string()}});
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(options_.face_dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (!is_face_file(name) || settled_.contains(name)) continue;
        if (entry.is_regular_file(ec)) files.push_back(entry.path());
    }
    // Oldest first by name: the timestamp is in the name, so readers see reads in order.
    std::sort(files.begin(), files.end());

    const std::string today = today_compact();
    const auto now = fs::file_time_type::clock::now();
    std::size_t recorded = 0;
    for (const auto& path : files) {
        if (stop && stop()) break;
        const std::string name = path.filename().string();
        if (options_.same_day_only) {
            const auto date = face_file_date(name);
            if (date && *date != today) {
                if (reported_.insert(name).second) {
                    on_event({IntakeEvent::Kind::NotToday, name, std::nullopt, std::nullopt,
                              fmt::format("read on {}, not today", *date)});
                }
                continue;
            }
        }
        const auto mtime = fs::last_write_time(path, ec);
        if (ec) continue;                             // taken by another consumer meanwhile
        if (now - mtime < options_.settle) continue;  // may still be being written

        const std::string bytes = read_whole(path);
        if (bytes.empty()) continue;
        const std::string sha = sha256_hex(bytes);

        if (auto known = store.intake(name, sha)) {
            // Committed earlier (by us before a restart, or by another process).
            if (options_.move) {
                move_done(path, options_.done_dir);
                store.mark_intake_done(name, sha);
            }
            settled_.insert(name);
            continue;
        }

        QualificationResult result;
        try {
            result = parse_qualification_result(parse_xml(bytes, options_.limits));
        } catch (const Error& e) {
            if (reported_.insert(name).second) {
                on_event(
                    {IntakeEvent::Kind::Invalid, name, std::nullopt, std::nullopt, e.detail()});
            }
            continue;  // never moved nor deleted: staff or the vendor must look at it
        }
        CheckContext context{options_.facility, "card", "face", name, {}};
        CheckRecord record = to_check_record(result, context);
        auto added = store.add_intake({name, sha, 0, false}, record);
        if (added) {
            record.id = added->check_id;
            ++recorded;
            if (options_.move) {
                move_done(path, options_.done_dir);
                store.mark_intake_done(name, sha);
            }
            on_event({IntakeEvent::Kind::Recorded, name, record, std::move(result), {}});
        } else if (options_.move) {
            move_done(path, options_.done_dir);
        }
        settled_.insert(name);
    }
    return recorded;
}

}  // namespace mynaq::oqs
