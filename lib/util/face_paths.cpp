// Where the face models are looked for. Kept out of mynaq_face so that `mynaq config check`
// can name them without linking OpenCV or dlib.
#include <cstdlib>

#include "mynaq/config.hpp"
#include "mynaq/face.hpp"

namespace mynaq::face {

ModelPaths default_model_paths() {
    ModelPaths paths{data_dir() / "face", "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"};
    if (const char* dir = std::getenv("MYNAQ_FACE_MODEL_DIR"); dir && *dir)
        paths.recognition_dir = dir;
    if (const char* file = std::getenv("MYNAQ_FACE_LANDMARKS"); file && *file)
        paths.landmarks = file;
    return paths;
}

ModelPaths model_paths(const FaceConfig& config) {
    ModelPaths paths = default_model_paths();
    if (!config.model_dir.empty()) paths.recognition_dir = config.model_dir;
    if (!config.landmarks.empty()) paths.landmarks = config.landmarks;
    return paths;
}

}  // namespace mynaq::face
