// What mynaq face verify / face check were asked to do, and the two ways of doing it: in
// mynaq-face (face_native.cpp, linked with OpenCV and dlib) or by handing the command line to
// mynaq-face (face_exec.cpp), so that mynaq itself starts without OpenCV's 250 libraries.
#pragma once

#include <optional>
#include <string>

#include "context.hpp"

namespace mynaq::cli {

struct ImageSource {
    std::string file;
    std::optional<int> camera;
    bool from_card = false;
};

struct FaceOptions {
    ImageSource card;
    ImageSource live;
    std::string code_env;
    bool force = false;
    std::string save_live;
    std::optional<double> match;
    std::optional<double> no_match;
};

int run_face_verify(AppContext& context, const FaceOptions& options);
int run_face_check(AppContext& context, const FaceOptions& options);

}  // namespace mynaq::cli
