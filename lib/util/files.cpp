#include "mynaq/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "mynaq/error.hpp"

namespace mynaq {

namespace {

[[noreturn]] void io_error(const std::string& what, const std::filesystem::path& path, int err) {
    std::string detail = fmt::format("{} {}: {}", what, path.string(), std::strerror(err));
    if (err == ENOSPC || err == EDQUOT) detail += " (the disk is full)";
    throw Error(Errc::IoError, detail, {{"file", path.string()}});
}

void write_all(int fd, const char* data, std::size_t size, const std::filesystem::path& path) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            io_error("writing", path, errno);
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
}

void write_atomic(const std::filesystem::path& path, const char* data, std::size_t size) {
    // Not a regular file (a device, a FIFO): write straight to it, never chmod or rename it.
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
        const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) io_error("cannot open", path, errno);
        try {
            write_all(fd, data, size, path);
        } catch (...) {
            ::close(fd);
            throw;
        }
        ::close(fd);
        return;
    }
    const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
    std::string temp = (dir / ("." + path.filename().string() + ".XXXXXX")).string();
    const int fd = ::mkostemp(temp.data(), O_CLOEXEC);  // mode 0600
    if (fd < 0) io_error("cannot create a file in", dir, errno);
    try {
        write_all(fd, data, size, path);
        if (::fsync(fd) != 0) io_error("cannot flush", path, errno);
        if (::close(fd) != 0) {
            ::unlink(temp.c_str());
            io_error("cannot close", path, errno);
        }
    } catch (...) {
        ::close(fd);
        ::unlink(temp.c_str());
        throw;
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(temp.c_str());
        io_error("cannot rename into", path, err);
    }
}

}  // namespace

void write_file_atomic(const std::filesystem::path& path, ByteView data) {
    write_atomic(path, reinterpret_cast<const char*>(data.data()), data.size());
}

void write_file_atomic(const std::filesystem::path& path, std::string_view text) {
    write_atomic(path, text.data(), text.size());
}

std::string read_file_bytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Error(Errc::FileNotFound, "cannot read " + path.string(), {{"file", path.string()}});
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) io_error("reading", path, errno);
    return ss.str();
}

PrivateFile::PrivateFile(const std::filesystem::path& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd_ < 0) io_error("cannot create", path, errno);
    struct stat st {};
    // An existing file keeps its mode on open; narrow it, but never a device's.
    if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode)) ::fchmod(fd_, 0600);
}

PrivateFile::~PrivateFile() {
    if (fd_ >= 0) ::close(fd_);
}

void PrivateFile::write(std::string_view text) {
    write_all(fd_, text.data(), text.size(), path_);
}

TemporaryDirectory::TemporaryDirectory(const std::string& prefix) {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw Error(Errc::IoError, fmt::format("cannot create a temporary directory {}: {}",
                                               pattern, std::strerror(errno)));
    }
    path_ = pattern;
}

TemporaryDirectory::~TemporaryDirectory() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

}  // namespace mynaq
