// mynaq's side of mynaq face verify / face check: the command line is handed, unchanged, to
// the mynaq-face executable, which links OpenCV and dlib. Linked into mynaq itself, their
// ~250 shared libraries (GStreamer, ffmpeg, GDAL …) made every command start in 150 ms instead
// of 11 ms. exec keeps the terminal, stdin (for 照合番号B) and the exit status as they are.
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include <fmt/format.h>

#include "face_options.hpp"
#include "mynaq/process.hpp"

namespace mynaq::cli {

namespace {

// $MYNAQ_FACE_HELPER, then beside mynaq (the build tree), then libexec/mynaq of the prefix.
std::filesystem::path face_helper() {
    if (const char* set = std::getenv("MYNAQ_FACE_HELPER"); set != nullptr && *set != '\0')
        return set;
    const std::filesystem::path self = self_executable();
    std::error_code ec;
    for (const auto& candidate :
         {self.parent_path() / "mynaq-face",
          self.parent_path().parent_path() / "libexec" / "mynaq" / "mynaq-face"}) {
        if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
    }
    throw Error(Errc::ModelMissing,
                fmt::format("face support is not installed: no mynaq-face beside {} or in "
                            "libexec/mynaq (or set MYNAQ_FACE_HELPER)",
                            self.string()));
}

}  // namespace

std::string face_feature() {
    try {
        const auto helper = face_helper();
        std::error_code ec;
        if (std::filesystem::is_regular_file(helper, ec)) return "face (" + helper.string() + ")";
    } catch (const Error&) {
        // Not found where it is looked for: said below.
    }
    return "face (helper mynaq-face not installed)";
}

namespace {

[[noreturn]] void hand_over(const AppContext& context) {
    const std::filesystem::path helper = face_helper();
    std::vector<std::string> args = context.argv;
    if (args.empty()) throw Error(Errc::Internal, "the command line was not kept");
    args.front() = helper.string();
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(helper.c_str(), argv.data());
    throw Error(Errc::ModelMissing,
                fmt::format("cannot start {}: {}", helper.string(), std::strerror(errno)));
}

}  // namespace

int run_face_verify(AppContext& context, const FaceOptions& /*options*/) {
    hand_over(context);
}

int run_face_check(AppContext& context, const FaceOptions& /*options*/) {
    hand_over(context);
}

}  // namespace mynaq::cli
