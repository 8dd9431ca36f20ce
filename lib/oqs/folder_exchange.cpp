// The 資格確認端末's folder exchange. The 連携アプリ on the 端末 polls req/ and answers in res/;
// mynaq may run on another machine with the folder mounted over SMB, where inotify can miss
// events, so every wait also polls.
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <openssl/rand.h>

#include "mynaq/error.hpp"
#include "mynaq/oqs/exchange.hpp"
#include "mynaq/text_encoding.hpp"

namespace mynaq::oqs {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

[[noreturn]] void io_error(const std::string& what, const fs::path& path, int err) {
    throw Error(Errc::IoError, fmt::format("{} {}: {}", what, path.string(), std::strerror(err)),
                {{"file", path.string()}});
}

// Closes a descriptor on every path out.
class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    [[nodiscard]] int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }

private:
    int fd_;
};

bool present(const fs::path& p) {
    std::error_code ec;
    return fs::exists(p, ec);
}

// nullopt when the file is not there (it may have been renamed away between two looks).
std::optional<std::string> read_file(const fs::path& path, std::size_t max_bytes) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::string data;
    std::array<char, 64 * 1024> buf{};
    while (in.read(buf.data(), buf.size()) || in.gcount() > 0) {
        data.append(buf.data(), static_cast<std::size_t>(in.gcount()));
        if (data.size() > max_bytes) {
            throw Error(
                Errc::MessageInvalid,
                fmt::format("{} is larger than the allowed {} bytes", path.string(), max_bytes),
                {{"file", path.string()}});
        }
    }
    return data;
}

void fsync_dir(const fs::path& dir) {
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    // Some SMB mounts refuse fsync on a directory; the rename itself is still atomic there.
    if (fd.get() >= 0) ::fsync(fd.get());
}

void write_request(const fs::path& work, const fs::path& req_dir, const std::string& name,
                   const std::string& bytes) {
    std::error_code ec;
    if (!fs::is_directory(work, ec)) {
        if (::mkdir(work.c_str(), 0700) != 0 && errno != EEXIST) {
            io_error("cannot create the work folder", work, errno);
        }
    }
    const fs::path temp = work / name;
    {
        // The request holds a patient's insurance data: 0600 from the first byte.
        Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        if (fd.get() < 0) io_error("cannot create", temp, errno);
        const char* p = bytes.data();
        std::size_t left = bytes.size();
        while (left > 0) {
            const ssize_t n = ::write(fd.get(), p, left);
            if (n < 0) {
                if (errno == EINTR) continue;
                const int err = errno;
                ::unlink(temp.c_str());
                io_error("cannot write", temp, err);
            }
            p += n;
            left -= static_cast<std::size_t>(n);
        }
        if (::fsync(fd.get()) != 0) {
            const int err = errno;
            ::unlink(temp.c_str());
            io_error("cannot flush", temp, err);
        }
        if (::close(fd.release()) != 0) {
            const int err = errno;
            ::unlink(temp.c_str());
            io_error("cannot close", temp, err);
        }
    }
    const fs::path target = req_dir / name;
    if (::rename(temp.c_str(), target.c_str()) != 0) {
        const int err = errno;
        ::unlink(temp.c_str());
        if (err == EXDEV) {
            throw Error(Errc::IoError,
                        fmt::format("the work folder {} is not on the same file system as {}; set "
                                    "oqs.folder.work to a folder inside the OQS folder",
                                    work.string(), req_dir.string()),
                        {{"file", target.string()}});
        }
        io_error("cannot move the request into", target, err);
    }
    fsync_dir(req_dir);
}

std::string header_identifier(const Node& message) {
    if (const Node* header = message.child("MessageHeader")) {
        return header->value_or_empty("ArbitraryFileIdentifier");
    }
    return {};
}

std::string trim(std::string s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    const auto last = s.find_last_not_of(" \t\r\n");
    return s.substr(first, last - first + 1);
}

// The .err text as UTF-8, whichever encoding the 連携アプリ wrote it in.
std::string decode_err_text(std::string bytes) {
    if (bytes.starts_with("\xEF\xBB\xBF")) bytes.erase(0, 3);
    if (!is_valid_utf8(bytes)) {
        try {
            bytes = sjis_to_utf8(bytes);
        } catch (const Error&) {
            return "(the .err file is neither UTF-8 nor Shift_JIS)";
        }
    }
    return trim(std::move(bytes));
}

bool ends_with_ci(std::string_view s, std::string_view tail) {
    if (s.size() < tail.size()) return false;
    for (std::size_t i = 0; i < tail.size(); ++i) {
        const char a = s[s.size() - tail.size() + i];
        const char b = tail[i];
        if ((a >= 'A' && a <= 'Z' ? a + 32 : a) != (b >= 'A' && b <= 'Z' ? b + 32 : b)) {
            return false;
        }
    }
    return true;
}

// The result XML inside a zipped result: the entry named like the expected result, else
// the only XML in the archive.
std::string unzip_result(const std::string& zip_bytes, const std::string& prefix,
                         const fs::path& file, std::size_t max_bytes) {
    auto invalid = [&](const std::string& why) {
        return Error(Errc::MessageInvalid, fmt::format("{}: {}", file.string(), why),
                     {{"file", file.string()}});
    };
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* source = zip_source_buffer_create(zip_bytes.data(), zip_bytes.size(), 0, &error);
    if (source == nullptr) {
        zip_error_fini(&error);
        throw invalid("cannot read the zip archive");
    }
    zip_t* archive = zip_open_from_source(source, ZIP_RDONLY, &error);
    if (archive == nullptr) {
        zip_source_free(source);
        const std::string why = zip_error_strerror(&error);
        zip_error_fini(&error);
        throw invalid("not a zip archive: " + why);
    }
    zip_error_fini(&error);
    // zip_discard frees the source as well.
    struct Closer {
        zip_t* z;
        ~Closer() { zip_discard(z); }
    } closer{archive};

    const zip_int64_t count = zip_get_num_entries(archive, 0);
    std::optional<zip_uint64_t> named;
    std::vector<zip_uint64_t> xmls;
    for (zip_int64_t i = 0; i < count; ++i) {
        const char* raw_name = zip_get_name(archive, static_cast<zip_uint64_t>(i), 0);
        if (raw_name == nullptr) continue;
        std::string_view name(raw_name);
        if (const auto slash = name.find_last_of('/'); slash != std::string_view::npos) {
            name.remove_prefix(slash + 1);
        }
        if (!ends_with_ci(name, ".xml")) continue;
        xmls.push_back(static_cast<zip_uint64_t>(i));
        if (name.starts_with(prefix + "res_")) named = static_cast<zip_uint64_t>(i);
    }
    if (!named) {
        if (xmls.size() != 1) {
            throw invalid(fmt::format("the archive holds {} XML files and none named {}res_*.xml",
                                      xmls.size(), prefix));
        }
        named = xmls.front();
    }
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(archive, *named, 0, &st) != 0 || (st.valid & ZIP_STAT_SIZE) == 0) {
        throw invalid("cannot read the size of the result in the archive");
    }
    if (st.size > max_bytes) {
        throw invalid(fmt::format("the result in the archive is {} bytes, more than the allowed {}",
                                  st.size, max_bytes));
    }
    zip_file_t* entry = zip_fopen_index(archive, *named, 0);
    if (entry == nullptr) throw invalid("cannot open the result in the archive");
    std::string out(static_cast<std::size_t>(st.size), '\0');
    const zip_int64_t n = zip_fread(entry, out.data(), st.size);
    zip_fclose(entry);
    if (n < 0 || static_cast<zip_uint64_t>(n) != st.size) {
        throw invalid("the result in the archive is damaged");
    }
    return out;
}

// Watches res/ for new files; without inotify (or on mounts where it stays silent) the
// caller's polling interval still bounds every wait.
class DirWatch {
public:
    explicit DirWatch(const fs::path& dir) : fd_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
        if (fd_.get() >= 0 &&
            ::inotify_add_watch(fd_.get(), dir.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO) < 0) {
            ::close(fd_.release());
        }
    }
    void wait(std::chrono::milliseconds at_most) {
        if (at_most.count() <= 0) return;
        if (fd_.get() < 0) {
            std::this_thread::sleep_for(at_most);
            return;
        }
        pollfd p{fd_.get(), POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(at_most.count())) > 0) {
            std::array<char, 4096> buf{};
            while (::read(fd_.get(), buf.data(), buf.size()) > 0) {
            }
        }
    }

private:
    Fd fd_;
};

std::chrono::milliseconds until(Clock::time_point t) {
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::ceil<std::chrono::milliseconds>(t - Clock::now()));
}

}  // namespace

FolderExchange::FolderExchange(FolderOptions options) : options_(std::move(options)) {
    if (options_.work.empty()) options_.work = options_.root / "mynaq-work";
}

Document FolderExchange::exchange(const ExchangeRequest& request) {
    auto name_ok = [](std::string_view s) {
        if (s.empty()) return false;
        for (const char c : s) {
            if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                  c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    };
    if (!name_ok(request.prefix) || !name_ok(request.suffix)) {
        throw Error(Errc::InvalidArgument,
                    fmt::format("request file name parts must be ASCII letters, digits, '_' or "
                                "'-': prefix '{}', suffix '{}'",
                                request.prefix, request.suffix));
    }
    const fs::path req_dir = options_.root / "req";
    const fs::path res_dir = options_.root / "res";
    for (const auto& dir : {req_dir, res_dir}) {
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) {
            throw Error(Errc::IoError,
                        fmt::format("{} is not a folder: is oqs.folder.root the 資格確認端末's "
                                    "shared folder, and is it mounted?",
                                    dir.string()),
                        {{"folder", options_.root.string()}});
        }
    }
    const std::string req_name = request.prefix + "req_" + request.suffix + ".xml";
    const fs::path res_xml = res_dir / (request.prefix + "res_" + request.suffix + ".xml");
    const fs::path res_zip = res_dir / (request.prefix + "res_" + request.suffix + ".zip");
    const fs::path res_pdf = res_dir / (request.prefix + "res_" + request.suffix + ".pdf");
    const fs::path res_err = res_dir / (request.prefix + "req_" + request.suffix + ".err");
    const fs::path res_moved = res_dir / req_name;
    const fs::path pending = req_dir / req_name;
    const std::map<std::string, std::string> where{{"request", req_name},
                                                   {"folder", options_.root.string()}};
    const auto deadline = Clock::now() + options_.timeout;

    // Watching starts before the request is written so that a fast answer is not missed.
    DirWatch watch(res_dir);
    std::string expected_id = header_identifier(request.message);
    auto have_result = [&] {
        return present(res_xml) || present(res_zip) || present(res_pdf) || present(res_err) ||
               present(res_moved);
    };
    if (!have_result()) {
        if (present(pending)) {
            // Resuming: the request on disk is the one the 端末 will answer, so correlate
            // with its identifier rather than a new one.
            try {
                if (auto bytes = read_file(pending, options_.limits.max_bytes)) {
                    const std::string on_disk =
                        header_identifier(parse_xml(*bytes, options_.limits).root);
                    if (!on_disk.empty()) expected_id = on_disk;
                }
            } catch (const Error&) {
                // Unreadable or just taken by the 連携アプリ: keep the caller's identifier.
            }
        } else {
            write_request(options_.work, req_dir, req_name,
                          write_xml(request.message, options_.encoding));
        }
    }

    auto timeout = [&](const std::string& why) {
        return Error(Errc::OqsTimeout,
                     fmt::format("{} for {} in {} within {} ms; the 資格確認端末 or its 連携アプリ "
                                 "may be down: check it, or work on with `mynaq fallback start`",
                                 why, req_name, res_dir.string(), options_.timeout.count()),
                     where);
    };

    // Two reads `stable_read` apart that agree: the 連携アプリ has finished writing.
    auto stable_read = [&](const fs::path& file) -> std::optional<std::string> {
        auto previous = read_file(file, options_.limits.max_bytes);
        if (!previous) return std::nullopt;
        for (;;) {
            if (Clock::now() >= deadline) throw timeout("the result kept changing");
            std::this_thread::sleep_for(std::min(options_.stable_read, until(deadline)));
            auto current = read_file(file, options_.limits.max_bytes);
            if (!current) return std::nullopt;
            if (*current == *previous) return current;
            previous = std::move(current);
        }
    };

    auto finish = [&](const fs::path& file, std::string xml) {
        Document doc;
        try {
            doc = parse_xml(xml, options_.limits);
        } catch (const Error& e) {
            auto fields = e.fields();
            fields["file"] = file.string();
            throw Error(Errc::MessageInvalid,
                        fmt::format("result {}: {}", file.filename().string(), e.detail()), fields);
        }
        const std::string got = header_identifier(doc.root);
        if (!got.empty() && !expected_id.empty() && got != expected_id) {
            throw Error(Errc::MessageInvalid,
                        fmt::format("result {} belongs to another request (ArbitraryFileIdentifier "
                                    "{}, expected {})",
                                    file.filename().string(), got, expected_id),
                        {{"file", file.string()}, {"expected", expected_id}, {"got", got}});
        }
        return doc;
    };

    std::optional<Clock::time_point> moved_seen;
    for (;;) {
        if (present(res_xml)) {
            if (auto bytes = stable_read(res_xml)) return finish(res_xml, std::move(*bytes));
        }
        if (present(res_zip)) {
            // The archive may be larger than the XML it holds, but not beyond reason.
            if (auto bytes = stable_read(res_zip)) {
                return finish(res_zip, unzip_result(*bytes, request.prefix, res_zip,
                                                    options_.limits.max_bytes));
            }
        }
        if (present(res_pdf)) {
            // 薬剤情報 / 特定健診 asked as PDF: kept as it is, never parsed.
            if (auto bytes = stable_read(res_pdf)) {
                if (!bytes->starts_with("%PDF-")) {
                    throw Error(Errc::MessageInvalid,
                                fmt::format("result {} is not a PDF", res_pdf.filename().string()),
                                {{"file", res_pdf.string()}});
                }
                Document doc;
                doc.raw = std::move(*bytes);
                doc.media_type = "application/pdf";
                return doc;
            }
        }
        if (present(res_err)) {
            if (auto bytes = stable_read(res_err)) {
                const std::string text = decode_err_text(std::move(*bytes));
                auto fields = where;
                fields["message"] = text;
                throw Error(Errc::OqsFailed,
                            fmt::format("the 資格確認端末 refused {}: {}", req_name,
                                        text.empty() ? "(empty .err file)" : text),
                            fields);
            }
        }
        if (present(res_moved)) {
            // The request came back without its .err yet; give the .err a moment to follow.
            const auto grace = std::max(std::chrono::milliseconds(1000), 2 * options_.poll);
            if (!moved_seen) moved_seen = Clock::now();
            if (Clock::now() - *moved_seen >= grace || Clock::now() >= deadline) {
                throw Error(Errc::OqsFailed,
                            fmt::format("the 資格確認端末 returned {} unprocessed, without an .err "
                                        "file",
                                        req_name),
                            where);
            }
        }
        if (Clock::now() >= deadline) throw timeout("no result");
        watch.wait(std::min(options_.poll, until(deadline)));
    }
}

std::string make_suffix(std::string_view yyyymmdd, int sequence) {
    const bool date_ok =
        yyyymmdd.size() == 8 && yyyymmdd.find_first_not_of("0123456789") == std::string_view::npos;
    if (!date_ok || sequence < 0) {
        throw Error(Errc::InvalidArgument,
                    fmt::format("cannot make a request suffix from date '{}' and sequence {}",
                                yyyymmdd, sequence));
    }
    std::string suffix = fmt::format("{}{:04}", yyyymmdd, sequence);
    if (suffix.size() > 13) {
        throw Error(Errc::InvalidArgument,
                    fmt::format("request sequence {} for {} is too large for a 13-character "
                                "file-name suffix",
                                sequence, yyyymmdd));
    }
    return suffix;
}

std::string make_file_identifier() {
    using namespace std::chrono;
    const auto now = time_point_cast<milliseconds>(system_clock::now()) + hours(9);
    const auto day = floor<days>(now);
    const year_month_day ymd{day};
    const hh_mm_ss hms{now - day};
    std::array<unsigned char, 4> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
        throw Error(Errc::Internal, "the random number generator failed");
    }
    return fmt::format("{:04}{:02}{:02}{:02}{:02}{:02}{:03}-{:02x}{:02x}{:02x}{:02x}",
                       static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                       static_cast<unsigned>(ymd.day()), hms.hours().count(), hms.minutes().count(),
                       hms.seconds().count(), hms.subseconds().count(), random[0], random[1],
                       random[2], random[3]);
}

}  // namespace mynaq::oqs
