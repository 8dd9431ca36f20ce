// Files holding patients' data or transcripts: mode 0600 from the first byte, written whole
// or not at all (temp file + fsync + rename), and a clear IO_ERROR when the disk is full.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "mynaq/bytes.hpp"

namespace mynaq {

// Replaces `path` atomically with `data`; on any failure the old file (if any) is untouched
// and no temporary file is left behind. Throws Error{IoError}.
void write_file_atomic(const std::filesystem::path& path, ByteView data);
void write_file_atomic(const std::filesystem::path& path, std::string_view text);

// A whole file as bytes. Throws Error{FileNotFound} when it cannot be opened, Error{IoError}
// when reading fails.
std::string read_file_bytes(const std::filesystem::path& path);

// A log or transcript written line by line; created (or truncated) with mode 0600.
class PrivateFile {
public:
    explicit PrivateFile(const std::filesystem::path& path);
    ~PrivateFile();
    PrivateFile(const PrivateFile&) = delete;
    PrivateFile& operator=(const PrivateFile&) = delete;

    void write(std::string_view text);  // throws Error{IoError}

private:
    std::filesystem::path path_;
    int fd_ = -1;
};

// A private directory (mode 0700) under the system's temporary directory, named
// <prefix>-XXXXXX, removed with everything in it on destruction. Throws Error{IoError}.
class TemporaryDirectory {
public:
    explicit TemporaryDirectory(const std::string& prefix);
    ~TemporaryDirectory();
    TemporaryDirectory(const TemporaryDirectory&) = delete;
    TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace mynaq
