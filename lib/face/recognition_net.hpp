// dlib's ResNet-29 face-recognition network, built layer by layer as an OpenCV dnn graph from
// face-api's tfjs weights (uint8-quantised tensors dequantised on load). face-match.md §3.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include "mynaq/face.hpp"

namespace mynaq::face {

// One tensor of a tfjs weights manifest, dequantised to float.
struct TfjsTensor {
    std::string name;
    std::vector<int> shape;
    std::vector<float> values;
};

// Reads `<dir>/face_recognition_model-weights_manifest.json` and its shard(s). Throws
// Error{ModelMissing} when a file is absent and Error{DataInvalid} when the manifest is
// malformed or the shard sizes disagree with it.
std::vector<TfjsTensor> load_tfjs_weights(const std::filesystem::path& model_dir);

class RecognitionNet {
public:
    explicit RecognitionNet(const std::filesystem::path& model_dir);

    // `chip_rgb` is a kChipSize × kChipSize CV_8UC3 image in RGB order.
    Descriptor embed(const cv::Mat& chip_rgb);

private:
    cv::dnn::Net net_;
};

}  // namespace mynaq::face
