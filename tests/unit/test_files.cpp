#include <sys/stat.h>

#include <doctest/doctest.h>

#include <fstream>

#include "mynaq/base64.hpp"
#include "mynaq/error.hpp"
#include "mynaq/files.hpp"

using namespace mynaq;

namespace {

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

unsigned mode_of(const std::filesystem::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 0777;
}

}  // namespace

TEST_CASE("files: atomic writes are 0600 and replace the old content whole") {
    const auto dir = std::filesystem::temp_directory_path() / "mynaq-unit-files";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const auto file = dir / "photo.jp2";
    std::ofstream(file) << "old";
    std::filesystem::permissions(file, std::filesystem::perms::all);
    write_file_atomic(file, std::string_view("new content"));
    CHECK(slurp(file) == "new content");
    CHECK(mode_of(file) == 0600);
    // No temporary file is left behind.
    CHECK(std::distance(std::filesystem::directory_iterator(dir), {}) == 1);

    // A missing directory: IO_ERROR, nothing created.
    try {
        write_file_atomic(dir / "no" / "such" / "dir.jp2", std::string_view("x"));
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::IoError);
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("files: a full disk is a clear IO_ERROR and a device is never chmod-ed") {
    struct stat before {};
    REQUIRE(::stat("/dev/full", &before) == 0);
    try {
        write_file_atomic("/dev/full", std::string_view("certificate"));
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::IoError);
        CHECK(e.detail().find("disk is full") != std::string::npos);
    }
    try {
        PrivateFile trace("/dev/full");
        trace.write("> 00 A4 04 0C\n");
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::IoError);
    }
    struct stat after {};
    REQUIRE(::stat("/dev/full", &after) == 0);
    CHECK(before.st_mode == after.st_mode);
}

TEST_CASE("base64 round trip and refusal") {
    CHECK(mynaq::base64_encode("") == "");
    CHECK(mynaq::base64_encode("f") == "Zg==");
    CHECK(mynaq::base64_encode("fo") == "Zm8=");
    CHECK(mynaq::base64_encode("foo") == "Zm9v");
    std::string binary;
    for (int i = 0; i < 256; ++i) binary += static_cast<char>(i);
    CHECK(mynaq::base64_decode(mynaq::base64_encode(binary)) == binary);
    CHECK(mynaq::base64_decode("Zg==") == "f");
    CHECK(mynaq::base64_decode("Zm8=") == "fo");
    CHECK_THROWS_AS(mynaq::base64_decode("Zm8"), mynaq::Error);
    CHECK_THROWS_AS(mynaq::base64_decode("Z!8="), mynaq::Error);
}
