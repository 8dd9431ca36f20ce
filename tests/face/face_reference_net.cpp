#include "face_reference_net.hpp"

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>

namespace mynaq::face::testing {

namespace {

// Activations in HWC order, one image.
struct Act {
    int h = 0;
    int w = 0;
    int c = 0;
    std::vector<float> v;

    Act(int h_, int w_, int c_) : h(h_), w(w_), c(c_), v(std::size_t(h_) * w_ * c_, 0.0f) {}
    float& at(int y, int x, int ch) { return v[(std::size_t(y) * w + x) * c + ch]; }
    [[nodiscard]] float at(int y, int x, int ch) const {
        return v[(std::size_t(y) * w + x) * c + ch];
    }
};

class Weights {
public:
    explicit Weights(const std::vector<TfjsTensor>& tensors) : tensors_(tensors) {}

    const std::vector<float>& get(const std::string& name, const std::vector<int>& shape) const {
        for (const auto& t : tensors_) {
            if (t.name != name) continue;
            std::size_t n = 1;
            for (int d : shape) n *= std::size_t(d);
            if (t.shape != shape || t.values.size() != n) {
                throw std::invalid_argument("reference net: tensor " + name + " misshapen");
            }
            return t.values;
        }
        throw std::invalid_argument("reference net: tensor " + name + " missing");
    }

private:
    const std::vector<TfjsTensor>& tensors_;
};

void relu(Act& a) {
    for (float& x : a.v) x = std::max(x, 0.0f);
}

// face-api convLayer: conv2d(filters HWIO, stride, 'same' when stride 1, else 'valid') + bias,
// then scale (x·w + b), then optional ReLU. Kept unfolded, unlike the cv::dnn graph.
Act conv(const Act& x, const Weights& wt, const std::string& block, int out_ch, int k, int stride,
         bool with_relu) {
    const int in_ch = x.c;
    const auto& f = wt.get(block + "/conv/filters", {k, k, in_ch, out_ch});
    const auto& bias = wt.get(block + "/conv/bias", {out_ch});
    const auto& sw = wt.get(block + "/scale/weights", {out_ch});
    const auto& sb = wt.get(block + "/scale/biases", {out_ch});

    const int pad = stride == 1 ? (k - 1) / 2 : 0;
    const int oh = stride == 1 ? x.h : (x.h - k) / stride + 1;
    const int ow = stride == 1 ? x.w : (x.w - k) / stride + 1;
    Act y(oh, ow, out_ch);
    std::vector<float> acc(static_cast<std::size_t>(out_ch));
    for (int oy = 0; oy < oh; ++oy) {
        for (int ox = 0; ox < ow; ++ox) {
            std::fill(acc.begin(), acc.end(), 0.0f);
            for (int ky = 0; ky < k; ++ky) {
                const int iy = oy * stride + ky - pad;
                if (iy < 0 || iy >= x.h) continue;
                for (int kx = 0; kx < k; ++kx) {
                    const int ix = ox * stride + kx - pad;
                    if (ix < 0 || ix >= x.w) continue;
                    for (int ci = 0; ci < in_ch; ++ci) {
                        const float v = x.at(iy, ix, ci);
                        const float* fp = &f[((std::size_t(ky) * k + kx) * in_ch + ci) * out_ch];
                        for (int co = 0; co < out_ch; ++co) acc[co] += v * fp[co];
                    }
                }
            }
            for (int co = 0; co < out_ch; ++co) {
                y.at(oy, ox, co) = (acc[co] + bias[co]) * sw[co] + sb[co];
            }
        }
    }
    if (with_relu) relu(y);
    return y;
}

Act max_pool3s2(const Act& x) {
    Act y((x.h - 3) / 2 + 1, (x.w - 3) / 2 + 1, x.c);
    for (int oy = 0; oy < y.h; ++oy) {
        for (int ox = 0; ox < y.w; ++ox) {
            for (int ch = 0; ch < x.c; ++ch) {
                float m = x.at(oy * 2, ox * 2, ch);
                for (int ky = 0; ky < 3; ++ky) {
                    for (int kx = 0; kx < 3; ++kx)
                        m = std::max(m, x.at(oy * 2 + ky, ox * 2 + kx, ch));
                }
                y.at(oy, ox, ch) = m;
            }
        }
    }
    return y;
}

Act avg_pool2s2(const Act& x) {
    Act y((x.h - 2) / 2 + 1, (x.w - 2) / 2 + 1, x.c);
    for (int oy = 0; oy < y.h; ++oy) {
        for (int ox = 0; ox < y.w; ++ox) {
            for (int ch = 0; ch < x.c; ++ch) {
                const float s = x.at(2 * oy, 2 * ox, ch) + x.at(2 * oy, 2 * ox + 1, ch) +
                                x.at(2 * oy + 1, 2 * ox, ch) + x.at(2 * oy + 1, 2 * ox + 1, ch);
                y.at(oy, ox, ch) = s / 4;
            }
        }
    }
    return y;
}

Act residual(const Act& x, const Weights& wt, const std::string& block) {
    Act y = conv(conv(x, wt, block + "/conv1", x.c, 3, 1, true), wt, block + "/conv2", x.c, 3, 1,
                 false);
    for (std::size_t i = 0; i < y.v.size(); ++i) y.v[i] += x.v[i];
    relu(y);
    return y;
}

// face-api residualDown: the conv path is zero-padded at bottom/right up to the pooled size,
// the pooled path is zero-padded in channels up to the conv path's channels.
Act residual_down(const Act& x, const Weights& wt, const std::string& block, int out_ch) {
    const Act a = conv(conv(x, wt, block + "/conv1", out_ch, 3, 2, true), wt, block + "/conv2",
                       out_ch, 3, 1, false);
    const Act pooled = avg_pool2s2(x);
    if (a.h > pooled.h || a.w > pooled.w || pooled.c > out_ch) {
        throw std::invalid_argument("reference net: unexpected residual-down sizes");
    }
    Act y(pooled.h, pooled.w, out_ch);
    for (int yy = 0; yy < y.h; ++yy) {
        for (int xx = 0; xx < y.w; ++xx) {
            for (int ch = 0; ch < out_ch; ++ch) {
                const float conv_part = (yy < a.h && xx < a.w) ? a.at(yy, xx, ch) : 0.0f;
                const float skip_part = ch < pooled.c ? pooled.at(yy, xx, ch) : 0.0f;
                y.at(yy, xx, ch) = conv_part + skip_part;
            }
        }
    }
    relu(y);
    return y;
}

}  // namespace

Descriptor reference_embed(const std::vector<TfjsTensor>& tensors, const std::uint8_t* chip_rgb) {
    const Weights wt(tensors);
    const float mean[3] = {122.782f, 117.001f, 104.298f};
    Act x(kChipSize, kChipSize, 3);
    for (std::size_t i = 0; i < x.v.size(); ++i) x.v[i] = (float(chip_rgb[i]) - mean[i % 3]) / 255;

    Act y = conv(x, wt, "conv32_down", 32, 7, 2, true);  // the first conv has a ReLU too
    y = max_pool3s2(y);
    for (const char* b : {"conv32_1", "conv32_2", "conv32_3"}) y = residual(y, wt, b);
    y = residual_down(y, wt, "conv64_down", 64);
    for (const char* b : {"conv64_1", "conv64_2", "conv64_3"}) y = residual(y, wt, b);
    y = residual_down(y, wt, "conv128_down", 128);
    for (const char* b : {"conv128_1", "conv128_2"}) y = residual(y, wt, b);
    y = residual_down(y, wt, "conv256_down", 256);
    for (const char* b : {"conv256_1", "conv256_2"}) y = residual(y, wt, b);
    y = residual_down(y, wt, "conv256_down_out", 256);

    std::vector<float> mean_hw(std::size_t(y.c), 0.0f);
    for (int yy = 0; yy < y.h; ++yy) {
        for (int xx = 0; xx < y.w; ++xx) {
            for (int ch = 0; ch < y.c; ++ch) mean_hw[ch] += y.at(yy, xx, ch);
        }
    }
    for (float& m : mean_hw) m /= float(y.h * y.w);

    const auto& fc = wt.get("fc", {256, 128});
    Descriptor d{};
    for (int i = 0; i < 256; ++i) {
        for (int o = 0; o < 128; ++o) d[o] += mean_hw[i] * fc[std::size_t(i) * 128 + o];
    }
    return d;
}

}  // namespace mynaq::face::testing
