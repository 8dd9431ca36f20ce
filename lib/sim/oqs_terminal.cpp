// The emulator's folder side: requests read from req/, results renamed into res/, card reads
// into face/. What the answers say is built in oqs_answer.cpp.
#include "mynaq/sim/oqs_terminal.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <openssl/rand.h>

#include "mynaq/error.hpp"
#include "mynaq/oqs/exchange.hpp"
#include "mynaq/oqs/medical_info.hpp"
#include "result_pdf.hpp"

namespace mynaq::sim {

namespace fs = std::filesystem;
using oqs::Node;

namespace {

constexpr std::string_view kDownload = "OQSmuquc02";

// A 薬剤/健診 request for the PDF form (FileCategory 1 or 3).
bool asks_for_pdf(const Node& request, std::string_view prefix) {
    if (prefix != oqs::prefix_of(oqs::MedicalInfoKind::Drugs) &&
        prefix != oqs::prefix_of(oqs::MedicalInfoKind::Checkups)) {
        return false;
    }
    return oqs::parse_medical_request(request).query.format == oqs::MedicalFileFormat::Pdf;
}

std::string result_code_of(const Node& result) {
    const Node* code = result.find("ResultCode");
    return code == nullptr ? std::string() : code->text;
}

std::string random_hex(std::size_t bytes) {
    std::vector<unsigned char> r(bytes);
    if (RAND_bytes(r.data(), static_cast<int>(r.size())) != 1) {
        throw Error(Errc::Internal, "the random number generator failed");
    }
    std::string out;
    for (const unsigned char c : r) out += fmt::format("{:02x}", c);
    return out;
}

[[noreturn]] void io_error(const std::string& what, const fs::path& path, int err) {
    throw Error(Errc::IoError, fmt::format("{} {}: {}", what, path.string(), std::strerror(err)),
                {{"file", path.string()}});
}

// Written in `private_dir` and renamed into place: a reader of `target` sees all or nothing.
void publish(const fs::path& private_dir, const fs::path& target, std::string_view bytes) {
    std::string temp = (private_dir / "result.XXXXXX").string();
    const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
    if (fd < 0) io_error("cannot create a file in", private_dir, errno);
    const char* p = bytes.data();
    std::size_t left = bytes.size();
    while (left > 0) {
        const ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int err = errno;
            ::close(fd);
            ::unlink(temp.c_str());
            io_error("cannot write", temp, err);
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    ::fsync(fd);
    ::close(fd);
    if (::rename(temp.c_str(), target.c_str()) != 0) {
        const int err = errno;
        ::unlink(temp.c_str());
        io_error("cannot rename into", target, err);
    }
}

// An archive holding one file, built in memory.
std::string zip_one(const std::string& entry_name, const std::string& data) {
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
    if (buffer == nullptr) throw Error(Errc::Internal, "libzip: cannot create a buffer");
    zip_t* archive = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
    if (archive == nullptr) {
        zip_source_free(buffer);
        zip_error_fini(&error);
        throw Error(Errc::Internal, "libzip: cannot open an archive in memory");
    }
    zip_error_fini(&error);
    zip_source_keep(buffer);  // still needed after zip_close to read the bytes back
    zip_source_t* content = zip_source_buffer(archive, data.data(), data.size(), 0);
    if (content == nullptr ||
        zip_file_add(archive, entry_name.c_str(), content, ZIP_FL_ENC_UTF_8) < 0 ||
        zip_close(archive) != 0) {
        if (content != nullptr) zip_source_free(content);
        zip_discard(archive);
        zip_source_free(buffer);
        throw Error(Errc::Internal, "libzip: cannot write the archive");
    }
    std::string out;
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_source_stat(buffer, &st) == 0 && zip_source_open(buffer) == 0) {
        out.resize(static_cast<std::size_t>(st.size));
        const zip_int64_t n = zip_source_read(buffer, out.data(), st.size);
        zip_source_close(buffer);
        if (n < 0) out.clear();
        out.resize(static_cast<std::size_t>(std::max<zip_int64_t>(n, 0)));
    }
    zip_source_free(buffer);
    if (out.empty()) throw Error(Errc::Internal, "libzip: the archive came out empty");
    return out;
}

void make_private_dir(const fs::path& dir) {
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) io_error("cannot create", dir, errno);
}

}  // namespace

OqsTerminal::OqsTerminal(OqsTerminalOptions options)
    : options_(std::move(options)), faults_(options_.faults), rate_(options_.faces_per_second) {
    std::error_code ec;
    fs::create_directories(options_.root, ec);
    for (const char* sub : {"req", "res", "face"}) make_private_dir(options_.root / sub);
    private_dir_ = options_.root / ".oqs-terminal";
    make_private_dir(private_dir_);
}

void OqsTerminal::set_faults(const TerminalFaults& faults) {
    std::lock_guard lock(mutex_);
    faults_ = faults;
}

TerminalFaults OqsTerminal::faults() const {
    std::lock_guard lock(mutex_);
    return faults_;
}

void OqsTerminal::set_faces_per_second(double rate) {
    std::lock_guard lock(mutex_);
    rate_ = rate;
}

TerminalStats OqsTerminal::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

void OqsTerminal::note(const std::string& line) const {
    if (options_.log) options_.log(line);
}

fs::path OqsTerminal::write_face_result(std::size_t person_index, const FaceChoices& choices) {
    if (person_index >= options_.people.people.size()) {
        throw Error(Errc::NotFound, fmt::format("there is no person #{} in {}", person_index,
                                                options_.people.source.string()));
    }
    const Person& person = options_.people.people[person_index];
    const TextEncoding encoding = faults().shift_jis ? TextEncoding::ShiftJis : options_.encoding;
    const Node message = face_message(person, choices, encoding);
    const std::string bytes = oqs::write_xml(message, encoding);
    // The name carries the same moment as the header.
    const std::string stamp =
        message.child("MessageHeader")->value_or_empty("ProcessExecutionTime");
    fs::path target;
    do {
        // 20 random hex digits keep names unique within one second.
        target = options_.root / "face" /
                 fmt::format("OQSsiquc01res_face_{}{}_{}.xml", options_.institution_code,
                             random_hex(10), stamp);
    } while (fs::exists(target));
    publish(private_dir_, target, bytes);
    {
        std::lock_guard lock(mutex_);
        ++stats_.faces;
    }
    note(fmt::format("face: {} ({})", target.filename().string(), person.id));
    return target;
}

fs::path OqsTerminal::write_face_result(std::string_view id_or_reference,
                                        const FaceChoices& choices) {
    const Person* p = options_.people.find(id_or_reference);
    if (p == nullptr) {
        throw Error(Errc::NotFound, fmt::format("there is no person '{}' in {}", id_or_reference,
                                                options_.people.source.string()));
    }
    return write_face_result(static_cast<std::size_t>(p - options_.people.people.data()), choices);
}

void OqsTerminal::write_result(const std::string& name, const std::string& bytes) const {
    publish(private_dir_, options_.root / "res" / name, bytes);
}

bool OqsTerminal::serve_file(const fs::path& file) {
    const std::string name = file.filename().string();
    const auto pos = name.find("req_");
    if (pos == std::string::npos || pos == 0 || !name.ends_with(".xml")) return false;
    const std::string prefix = name.substr(0, pos);
    const std::string suffix = name.substr(pos + 4, name.size() - pos - 4 - 4);
    const TerminalFaults f = faults();

    std::ifstream in(file, std::ios::binary);
    if (!in) return false;  // taken away meanwhile
    const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    in.close();
    if (f.delay.count() > 0) std::this_thread::sleep_for(f.delay);

    auto refuse = [&](const std::string& why) {
        // The 連携アプリ's .err files come in the 端末's code page.
        write_result(prefix + "req_" + suffix + ".err", utf8_to_sjis(why));
        std::error_code ec;
        fs::rename(file, options_.root / "res" / name, ec);
        {
            std::lock_guard lock(mutex_);
            ++stats_.err_answers;
        }
        note(fmt::format("err: {}", name));
        return true;
    };
    if (f.err) return refuse("要求ファイルの処理でエラーが発生しました（エミュレータの故障注入）");

    oqs::Document doc;
    try {
        doc = oqs::parse_xml(bytes);
    } catch (const Error& e) {
        {
            std::lock_guard lock(mutex_);
            ++stats_.parse_errors;
        }
        note(fmt::format("parse error: {}: {}", name, e.detail()));
        // A writer without a rename may still be at it; refuse only a file that stays broken.
        std::error_code ec;
        const auto age = fs::file_time_type::clock::now() - fs::last_write_time(file, ec);
        if (ec || age < std::chrono::seconds(2)) return false;
        return refuse("要求ファイルの形式が不正です（エミュレータ）");
    }
    const TextEncoding encoding = f.shift_jis ? TextEncoding::ShiftJis : options_.encoding;
    const Node result = answer_with(doc.root, prefix, encoding);
    const std::string xml = oqs::write_xml(result, encoding);
    const std::string res_base = prefix + "res_" + suffix;
    if (asks_for_pdf(doc.root, prefix) && result_code_of(result) == "1") {
        write_result(res_base + ".pdf", medical_result_pdf(result, prefix));
    } else if (f.zip_bulk && prefix == kDownload) {
        write_result(res_base + ".zip", zip_one(res_base + ".xml", xml));
    } else {
        write_result(res_base + ".xml", xml);
    }
    // Taken away only after the result is in place: a client resuming in between sees the
    // result, never a gap in which it would send the request again.
    std::error_code ec;
    fs::remove(file, ec);
    {
        std::lock_guard lock(mutex_);
        ++stats_.answered;
    }
    note(fmt::format("answered: {}", name));
    return true;
}

std::size_t OqsTerminal::serve_once() {
    if (faults().never_answer) return 0;
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(options_.root / "req", ec)) {
        const std::string name = entry.path().filename().string();
        if (name.starts_with('.') || !entry.is_regular_file(ec)) continue;
        files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    std::size_t answered = 0;
    for (const auto& f : files) {
        if (serve_file(f)) ++answered;
    }
    return answered;
}

void OqsTerminal::run(std::stop_token stop) {
    const int watch_fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (watch_fd >= 0) {
        ::inotify_add_watch(watch_fd, (options_.root / "req").c_str(),
                            IN_CLOSE_WRITE | IN_MOVED_TO);
    }
    const int wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    std::stop_callback on_stop(stop, [wake_fd] {
        const std::uint64_t one = 1;
        if (wake_fd >= 0 && ::write(wake_fd, &one, sizeof one) < 0) {
            // The loop still notices the stop within one poll interval.
        }
    });
    using Steady = std::chrono::steady_clock;
    auto next_face = Steady::now();
    while (!stop.stop_requested()) {
        try {
            serve_once();
        } catch (const std::exception& e) {
            note(fmt::format("error: {}", e.what()));
        }
        double rate = 0;
        {
            std::lock_guard lock(mutex_);
            rate = rate_;
        }
        auto wait = options_.poll;
        if (rate > 0 && !options_.people.people.empty()) {
            const auto now = Steady::now();
            if (now >= next_face) {
                try {
                    std::size_t index = 0;
                    {
                        std::lock_guard lock(mutex_);
                        index = face_cursor_++ % options_.people.people.size();
                    }
                    write_face_result(index);
                } catch (const std::exception& e) {
                    note(fmt::format("error: {}", e.what()));
                }
                const auto period = std::chrono::duration_cast<Steady::duration>(
                    std::chrono::duration<double>(1.0 / rate));
                // After a stall, carry on at the rate instead of writing a burst.
                next_face = std::max(next_face + period, now);
            }
            wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(
                                      std::max(next_face - Steady::now(), Steady::duration(0))));
        }
        std::array<pollfd, 2> fds{pollfd{watch_fd, POLLIN, 0}, pollfd{wake_fd, POLLIN, 0}};
        if (::poll(fds.data(), fds.size(), static_cast<int>(wait.count())) > 0 && watch_fd >= 0 &&
            (fds[0].revents & POLLIN) != 0) {
            std::array<char, 4096> buf{};
            while (::read(watch_fd, buf.data(), buf.size()) > 0) {
            }
        }
    }
    if (watch_fd >= 0) ::close(watch_fd);
    if (wake_fd >= 0) ::close(wake_fd);
}

}  // namespace mynaq::sim
