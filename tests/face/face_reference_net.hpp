// A deliberately plain re-implementation of the face-recognition network (direct convolution
// on HWC activations, straight from the tfjs tensors, no OpenCV) so the tests have an oracle
// that shares no code with the cv::dnn graph. Slow (tens of ms per chip); tests only.
// face-match.md §3.3 "Hand-written implementation (test oracle)".
#pragma once

#include <cstdint>
#include <vector>

#include "mynaq/face.hpp"
#include "recognition_net.hpp"

namespace mynaq::face::testing {

// `tensors` as returned by load_tfjs_weights(); `chip_rgb` is kChipSize × kChipSize × 3 bytes,
// RGB, row-major. Throws std::invalid_argument when a tensor is missing or misshapen.
Descriptor reference_embed(const std::vector<TfjsTensor>& tensors, const std::uint8_t* chip_rgb);

}  // namespace mynaq::face::testing
