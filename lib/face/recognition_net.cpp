#include "recognition_net.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "mynaq/error.hpp"

namespace mynaq::face {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kManifestName = "face_recognition_model-weights_manifest.json";

[[noreturn]] void throw_missing(const fs::path& file) {
    throw Error(Errc::ModelMissing,
                "face recognition model file " + file.string() +
                    " is missing; run scripts/fetch-face-model.sh",
                {{"file", file.string()}});
}

[[noreturn]] void throw_invalid(const fs::path& file, const std::string& what) {
    throw Error(Errc::DataInvalid, "face recognition model " + file.string() + ": " + what,
                {{"file", file.string()}});
}

std::vector<std::uint8_t> read_binary(const fs::path& file) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) throw_missing(file);
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(Errc::IoError, "cannot open " + file.string(), {{"file", file.string()}});
    std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
    if (in.bad())
        throw Error(Errc::IoError, "cannot read " + file.string(), {{"file", file.string()}});
    return data;
}

// The manifest comes with the model download, but a shard path must not climb out of the
// model directory all the same.
fs::path shard_path(const fs::path& dir, const fs::path& manifest, const json& entry) {
    if (!entry.is_string()) throw_invalid(manifest, "a shard path is not a string");
    const fs::path relative(entry.get<std::string>());
    if (relative.empty() || relative.is_absolute()) {
        throw_invalid(manifest, "shard path '" + relative.string() + "' is not relative");
    }
    for (const auto& part : relative) {
        if (part == "..")
            throw_invalid(manifest, "shard path '" + relative.string() + "' has '..'");
    }
    return dir / relative;
}

std::size_t element_count(const fs::path& manifest, const std::string& name, const json& shape,
                          std::vector<int>& dims) {
    if (!shape.is_array()) throw_invalid(manifest, name + ": shape is not an array");
    std::size_t count = 1;
    for (const auto& d : shape) {
        if (!d.is_number_integer() || d.get<std::int64_t>() < 0 ||
            d.get<std::int64_t>() > std::numeric_limits<int>::max()) {
            throw_invalid(manifest, name + ": bad dimension in shape");
        }
        const auto dim = static_cast<std::size_t>(d.get<std::int64_t>());
        // Far beyond any real model; keeps the product from overflowing.
        if (dim != 0 && count > (std::size_t{1} << 40) / dim) {
            throw_invalid(manifest, name + ": shape too large");
        }
        count *= dim;
        dims.push_back(static_cast<int>(dim));
    }
    return count;
}

double json_number(const fs::path& manifest, const std::string& name, const json& q,
                   const char* key) {
    if (!q.contains(key) || !q[key].is_number()) {
        throw_invalid(manifest, name + ": quantization." + key + " is not a number");
    }
    return q[key].get<double>();
}

// Decodes the weights of one manifest group from its concatenated shards, in manifest order.
void decode_group(const fs::path& manifest, const json& weights,
                  const std::vector<std::uint8_t>& buffer, std::vector<TfjsTensor>& out) {
    if (!weights.is_array()) throw_invalid(manifest, "'weights' is not an array");
    std::size_t offset = 0;
    for (const auto& w : weights) {
        if (!w.is_object() || !w.contains("name") || !w["name"].is_string()) {
            throw_invalid(manifest, "a weight entry has no name");
        }
        TfjsTensor tensor;
        tensor.name = w["name"].get<std::string>();
        if (!w.contains("shape")) throw_invalid(manifest, tensor.name + ": no shape");
        const std::size_t count = element_count(manifest, tensor.name, w["shape"], tensor.shape);
        if (!w.contains("dtype") || w["dtype"] != "float32") {
            throw_invalid(manifest, tensor.name + ": dtype is not float32");
        }

        const bool quantized = w.contains("quantization") && !w["quantization"].is_null();
        const std::size_t bytes_per_value = quantized ? 1 : 4;
        if (buffer.size() - offset < count * bytes_per_value) {
            throw_invalid(manifest, tensor.name + ": shard data ends before this tensor does");
        }
        const std::uint8_t* p = buffer.data() + offset;
        tensor.values.resize(count);
        if (quantized) {
            const json& q = w["quantization"];
            if (!q.is_object() || !q.contains("dtype") || q["dtype"] != "uint8") {
                throw_invalid(manifest, tensor.name + ": only uint8 quantization is supported");
            }
            const double scale = json_number(manifest, tensor.name, q, "scale");
            const double min = json_number(manifest, tensor.name, q, "min");
            // tfjs computes q·scale + min in double and stores float32; so do we.
            for (std::size_t i = 0; i < count; ++i) {
                tensor.values[i] = static_cast<float>(p[i] * scale + min);
            }
        } else {
            for (std::size_t i = 0; i < count; ++i) {
                const std::uint8_t* b = p + 4 * i;
                const std::uint32_t bits = std::uint32_t{b[0]} | std::uint32_t{b[1]} << 8 |
                                           std::uint32_t{b[2]} << 16 | std::uint32_t{b[3]} << 24;
                tensor.values[i] = std::bit_cast<float>(bits);
            }
        }
        offset += count * bytes_per_value;
        out.push_back(std::move(tensor));
    }
    if (offset != buffer.size()) {
        throw_invalid(manifest, "the shards hold " + std::to_string(buffer.size()) +
                                    " bytes but the manifest describes " + std::to_string(offset));
    }
}

// ---------------------------------------------------------------------------------------------
// Graph construction

class GraphBuilder {
public:
    GraphBuilder(cv::dnn::Net& net, const std::vector<TfjsTensor>& tensors, fs::path manifest)
        : net_(net), manifest_(std::move(manifest)) {
        for (const auto& t : tensors) {
            if (!by_name_.emplace(t.name, &t).second) {
                throw_invalid(manifest_, "tensor " + t.name + " appears twice");
            }
        }
    }

    static constexpr int kInput = 0;  // cv::dnn's implicit input layer

    // conv2d + bias, then face-api's `scale` (x·w + b), folded into one Convolution:
    // (conv + bias)·w + b = conv(filters·w) + (bias·w + b). Stride 2 is 'valid' (pad 0),
    // stride 1 is 'same' (pad k/2), as in dlib's `con` layers.
    int conv(int input, const std::string& block, int in_ch, int out_ch, int kernel, int stride,
             bool with_relu) {
        const auto& filters = tensor(block + "/conv/filters", {kernel, kernel, in_ch, out_ch});
        const auto& bias = tensor(block + "/conv/bias", {out_ch});
        const auto& sw = tensor(block + "/scale/weights", {out_ch});
        const auto& sb = tensor(block + "/scale/biases", {out_ch});

        // HWIO -> OIHW
        const int w_shape[] = {out_ch, in_ch, kernel, kernel};
        cv::Mat weights(4, w_shape, CV_32F);
        auto* wp = weights.ptr<float>();
        for (int ky = 0; ky < kernel; ++ky) {
            for (int kx = 0; kx < kernel; ++kx) {
                for (int i = 0; i < in_ch; ++i) {
                    for (int o = 0; o < out_ch; ++o) {
                        const float f = filters[((ky * kernel + kx) * in_ch + i) * out_ch + o];
                        wp[((o * in_ch + i) * kernel + ky) * kernel + kx] = f * sw[o];
                    }
                }
            }
        }
        cv::Mat biases(1, out_ch, CV_32F);
        for (int o = 0; o < out_ch; ++o) biases.at<float>(0, o) = bias[o] * sw[o] + sb[o];

        cv::dnn::LayerParams lp;
        lp.set("num_output", out_ch);
        lp.set("kernel_size", kernel);
        lp.set("stride", stride);
        lp.set("pad", stride == 1 ? kernel / 2 : 0);
        lp.set("bias_term", true);
        lp.blobs = {weights, biases};
        int id = add(block + "/conv", "Convolution", lp, {input});
        if (with_relu) id = relu(id, block + "/relu");
        return id;
    }

    int relu(int input, const std::string& name) {
        cv::dnn::LayerParams lp;
        return add(name, "ReLU", lp, {input});
    }

    int pool(int input, const std::string& name, const char* type, int kernel, int stride) {
        cv::dnn::LayerParams lp;
        lp.set("pool", type);
        lp.set("kernel_size", kernel);
        lp.set("stride", stride);
        lp.set("pad", 0);
        // cv::dnn defaults to Caffe's ceil mode; tfjs 'valid' pooling floors.
        lp.set("ceil_mode", false);
        return add(name, "Pooling", lp, {input});
    }

    // relu(conv3×3(relu(conv3×3(x))) + x)
    int residual(int input, const std::string& block, int ch) {
        const int a = conv(input, block + "/conv1", ch, ch, 3, 1, true);
        const int b = conv(a, block + "/conv2", ch, ch, 3, 1, false);
        return relu(sum(b, input, block + "/add"), block + "/out");
    }

    // relu(conv3×3(relu(conv3×3/2(x))) + zero-pad(avgpool2×2/2(x))). `size` is the spatial size
    // of x. The skip path gets its extra channels as zeros; where the valid stride-2 conv comes
    // out one pixel smaller than the floor-mode pool (odd → even sizes), the conv path gets a
    // zero row and column at bottom/right, as face-api's concat of zeros does.
    int residual_down(int input, const std::string& block, int in_ch, int out_ch, int size) {
        const int conv_size = (size - 3) / 2 + 1;
        const int pool_size = (size - 2) / 2 + 1;
        int a = conv(input, block + "/conv1", in_ch, out_ch, 3, 2, true);
        a = conv(a, block + "/conv2", out_ch, out_ch, 3, 1, false);
        if (conv_size != pool_size) {
            if (pool_size != conv_size + 1) throw Error(Errc::Internal, "bad residual-down sizes");
            cv::dnn::LayerParams lp;
            const int paddings[] = {0, 0, 0, 0, 0, 1, 0, 1};  // N, C, H, W: (before, after)
            lp.set("paddings", cv::dnn::DictValue::arrayInt(paddings, 8));
            a = add(block + "/pad", "Padding", lp, {a});
        }
        const int skip = pool(input, block + "/skip", "ave", 2, 2);
        // The conv path has out_ch ≥ in_ch channels and must be input 0: the output takes
        // input 0's channel count and the narrower skip is added into its leading channels.
        return relu(sum(a, skip, block + "/add"), block + "/out");
    }

    int global_mean_and_fc(int input) {
        cv::dnn::LayerParams gp;
        gp.set("pool", "ave");
        gp.set("global_pooling", true);
        const int mean = add("global_mean", "Pooling", gp, {input});

        const auto& fc = tensor("fc", {256, 128});
        cv::Mat weights(128, 256, CV_32F);  // InnerProduct wants [out, in]; tfjs has [in, out]
        for (int i = 0; i < 256; ++i) {
            for (int o = 0; o < 128; ++o) weights.at<float>(o, i) = fc[i * 128 + o];
        }
        cv::dnn::LayerParams lp;
        lp.set("num_output", 128);
        lp.set("bias_term", false);
        lp.set("axis", 1);
        lp.blobs = {weights};
        return add(kOutputName, "InnerProduct", lp, {mean});
    }

    static constexpr const char* kOutputName = "fc";

private:
    const std::vector<float>& tensor(const std::string& name, const std::vector<int>& shape) const {
        const auto it = by_name_.find(name);
        if (it == by_name_.end()) throw_invalid(manifest_, "tensor " + name + " is missing");
        const TfjsTensor& t = *it->second;
        std::size_t count = 1;
        for (int d : shape) count *= static_cast<std::size_t>(d);
        if (t.shape != shape || t.values.size() != count) {
            throw_invalid(manifest_, "tensor " + name + " does not have the expected shape");
        }
        return t.values;
    }

    int sum(int first, int second, const std::string& name) {
        cv::dnn::LayerParams lp;
        lp.set("operation", "sum");
        lp.set("output_channels_mode", "input_0");
        return add(name, "Eltwise", lp, {first, second});
    }

    int add(const std::string& name, const std::string& type, cv::dnn::LayerParams& lp,
            std::initializer_list<int> inputs) {
        lp.name = name;
        lp.type = type;
        const int id = net_.addLayer(name, type, lp);
        int pin = 0;
        for (int in : inputs) net_.connect(in, 0, id, pin++);
        return id;
    }

    cv::dnn::Net& net_;
    fs::path manifest_;
    std::map<std::string, const TfjsTensor*, std::less<>> by_name_;
};

void build(cv::dnn::Net& net, const std::vector<TfjsTensor>& tensors, const fs::path& manifest) {
    GraphBuilder g(net, tensors, manifest);
    int x = g.conv(GraphBuilder::kInput, "conv32_down", 3, 32, 7, 2, true);  // 72×72
    x = g.pool(x, "max_pool", "max", 3, 2);                                  // 35×35
    for (const char* b : {"conv32_1", "conv32_2", "conv32_3"}) x = g.residual(x, b, 32);
    x = g.residual_down(x, "conv64_down", 32, 64, 35);  // 17×17
    for (const char* b : {"conv64_1", "conv64_2", "conv64_3"}) x = g.residual(x, b, 64);
    x = g.residual_down(x, "conv128_down", 64, 128, 17);  // 8×8
    for (const char* b : {"conv128_1", "conv128_2"}) x = g.residual(x, b, 128);
    x = g.residual_down(x, "conv256_down", 128, 256, 8);  // 4×4 (conv path 3×3, padded)
    for (const char* b : {"conv256_1", "conv256_2"}) x = g.residual(x, b, 256);
    x = g.residual_down(x, "conv256_down_out", 256, 256, 4);  // 2×2 (conv path 1×1, padded)
    g.global_mean_and_fc(x);
}

}  // namespace

std::vector<TfjsTensor> load_tfjs_weights(const std::filesystem::path& model_dir) {
    const fs::path manifest_file = model_dir / kManifestName;
    const auto text = read_binary(manifest_file);
    const json manifest = json::parse(text.begin(), text.end(), nullptr, false);
    if (manifest.is_discarded()) throw_invalid(manifest_file, "not valid JSON");
    if (!manifest.is_array() || manifest.empty()) {
        throw_invalid(manifest_file, "expected a non-empty array of weight groups");
    }

    std::vector<TfjsTensor> tensors;
    try {
        for (const auto& group : manifest) {
            if (!group.is_object() || !group.contains("paths") || !group["paths"].is_array() ||
                !group.contains("weights")) {
                throw_invalid(manifest_file, "a weight group lacks 'paths' or 'weights'");
            }
            std::vector<std::uint8_t> buffer;
            for (const auto& entry : group["paths"]) {
                const auto shard = read_binary(shard_path(model_dir, manifest_file, entry));
                buffer.insert(buffer.end(), shard.begin(), shard.end());
            }
            decode_group(manifest_file, group["weights"], buffer, tensors);
        }
    } catch (const json::exception& e) {
        // Only a type surprise the checks above missed can get here.
        throw_invalid(manifest_file, e.what());
    }
    return tensors;
}

RecognitionNet::RecognitionNet(const std::filesystem::path& model_dir) {
    const auto tensors = load_tfjs_weights(model_dir);
    try {
        build(net_, tensors, model_dir / kManifestName);
        net_.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
        net_.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
        // One pass now, so that layer set-up (and any inconsistency in the graph) happens at
        // load time rather than on the first chip.
        embed(cv::Mat(kChipSize, kChipSize, CV_8UC3, cv::Scalar::all(0)));
    } catch (const cv::Exception& e) {
        throw Error(Errc::Internal, std::string("building the recognition network: ") + e.what());
    }
}

Descriptor RecognitionNet::embed(const cv::Mat& chip_rgb) {
    if (chip_rgb.type() != CV_8UC3 || chip_rgb.rows != kChipSize || chip_rgb.cols != kChipSize) {
        throw Error(Errc::InvalidArgument, "face chip must be a " + std::to_string(kChipSize) +
                                               "x" + std::to_string(kChipSize) +
                                               " 8-bit RGB image");
    }
    cv::Mat out;
    try {
        // (x - mean) / 255 per RGB channel, like face-api's normalize().div(255).
        const cv::Mat blob =
            cv::dnn::blobFromImage(chip_rgb, 1.0 / 255, {}, cv::Scalar(122.782, 117.001, 104.298),
                                   /*swapRB=*/false, /*crop=*/false);
        net_.setInput(blob);
        out = net_.forward(GraphBuilder::kOutputName);
    } catch (const cv::Exception& e) {
        throw Error(Errc::Internal, std::string("recognition network forward pass: ") + e.what());
    }
    Descriptor d{};
    if (out.type() != CV_32F || out.total() != d.size()) {
        throw Error(Errc::Internal, "recognition network gave an output of the wrong size");
    }
    const auto* p = out.ptr<float>();
    std::copy(p, p + d.size(), d.begin());
    return d;
}

}  // namespace mynaq::face
