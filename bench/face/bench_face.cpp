// In-process face benchmark through the public API of mynaq/face.hpp. Prints one JSON object:
//   load:   Engine construction (landmark model + recognition net), median of 5; the landmark
//           part alone from a construction that fails on a missing recognition directory;
//   verify: Engine::verify(card, live) per pair with decoded images (decoding timed apart);
//   embed:  Engine::embed_chip per aligned chip. The chips go to --chips-out as raw RGB with
//           our descriptors in ours.json, so face-api can be run (and timed) on the same bytes.
// Usage: mynaq_bench_face [--source-dir DIR] --chips-out DIR [--runs N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench_args.hpp"
#include "mynaq/error.hpp"
#include "mynaq/face.hpp"

using namespace mynaq;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Nearest-rank percentile: with 50 runs p90 is an observed time, not an interpolation.
double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    const auto rank = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(rank, v.size() - 1)];
}

double round3(double ms) {
    return static_cast<double>(static_cast<long long>(ms * 1000.0 + 0.5)) / 1000.0;
}

json summary(const std::vector<double>& runs) {
    return {{"median_ms", round3(percentile(runs, 0.5))},
            {"p90_ms", round3(percentile(runs, 0.9))},
            {"min_ms", round3(*std::min_element(runs.begin(), runs.end()))},
            {"max_ms", round3(*std::max_element(runs.begin(), runs.end()))},
            {"runs", runs.size()}};
}

// Times `body` `runs` times after `warmup` untimed calls (first-call allocations, caches).
std::vector<double> time_runs(int warmup, int runs, const std::function<void()>& body) {
    for (int i = 0; i < warmup; ++i) body();
    std::vector<double> times;
    times.reserve(static_cast<std::size_t>(runs));
    for (int i = 0; i < runs; ++i) {
        const auto t0 = Clock::now();
        body();
        times.push_back(ms_since(t0));
    }
    return times;
}

Bytes read_file(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(Errc::InvalidArgument, fmt::format("cannot read {}", file.string()));
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& file, std::string_view data) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!out) throw Error(Errc::InvalidArgument, fmt::format("cannot write {}", file.string()));
}

std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string one, five, fifteen;
    in >> one >> five >> fifteen;
    return fmt::format("{} {} {}", one, five, fifteen);
}

// A width × height window of `from` centred on `box` (shifted to stay inside the image).
face::DecodedImage crop_around(const face::DecodedImage& from, const face::Box& box, int width,
                               int height) {
    const face::Image& src = from.image;
    width = std::min(width, src.width);
    height = std::min(height, src.height);
    const int x0 = std::clamp(box.x + box.width / 2 - width / 2, 0, src.width - width);
    const int y0 = std::clamp(box.y + box.height / 2 - height / 2, 0, src.height - height);
    face::DecodedImage out;
    out.image.width = width;
    out.image.height = height;
    out.image.bgr.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3);
    const auto row_bytes = static_cast<std::size_t>(width) * 3;
    for (int y = 0; y < height; ++y) {
        const auto* row = src.bgr.data() + (static_cast<std::size_t>(y0 + y) * src.width + x0) * 3;
        std::copy_n(row, row_bytes, out.image.bgr.data() + static_cast<std::size_t>(y) * row_bytes);
    }
    out.original_width = width;
    out.original_height = height;
    return out;
}

struct Args {
    fs::path source_dir = MYNAQ_SOURCE_DIR;
    fs::path chips_out;
    int runs = 50;
};

Args parse_args(int argc, char** argv) {
    Args args;
    for (bench::ArgReader in(argc, argv); in.next();) {
        const std::string_view arg = in.option();
        if (arg == "--source-dir") {
            args.source_dir = in.value();
        } else if (arg == "--chips-out") {
            args.chips_out = in.value();
        } else if (arg == "--runs") {
            args.runs = static_cast<int>(in.number(1, 100000));
        } else {
            throw Error(Errc::InvalidArgument,
                        fmt::format("unknown argument {}; usage: mynaq_bench_face [--source-dir "
                                    "DIR] --chips-out DIR [--runs N]",
                                    arg));
        }
    }
    if (args.chips_out.empty()) throw Error(Errc::InvalidArgument, "--chips-out DIR is required");
    return args;
}

struct Live {
    std::string name;
    std::string note;
    face::DecodedImage image;
    std::vector<double> decode_ms;  // empty for the crop (made in memory)
};

json run(const Args& args) {
    const fs::path src = args.source_dir;
    const fs::path faceapi_demo = src / ".cache/npm/face-api/package/demo";
    face::ModelPaths paths = face::default_model_paths();
    paths.recognition_dir = src / "data/face";
    fs::create_directories(args.chips_out);

    json out;
    out["load_average_before"] = load_average();
    out["hardware_threads"] = std::thread::hardware_concurrency();
    out["runs"] = args.runs;
    out["models"] = {{"recognition_dir", paths.recognition_dir.string()},
                     {"landmarks", paths.landmarks.string()}};

    // ---- (a) model load ------------------------------------------------------------------
    constexpr int kLoads = 5;
    std::vector<double> load_ms;
    std::vector<double> landmarks_ms;
    face::ModelPaths landmarks_only = paths;
    landmarks_only.recognition_dir = args.chips_out / "no-such-model-dir";
    for (int i = 0; i < kLoads; ++i) {
        auto t0 = Clock::now();
        { const face::Engine engine(paths); }
        load_ms.push_back(ms_since(t0));
        // The Engine reads the landmark model before the recognition net, so a construction
        // that fails on a missing recognition directory has paid for the landmarks alone.
        t0 = Clock::now();
        try {
            const face::Engine engine(landmarks_only);
            throw Error(Errc::Internal, "an Engine was built without a recognition model");
        } catch (const Error& e) {
            if (e.code() != Errc::ModelMissing) throw;
        }
        landmarks_ms.push_back(ms_since(t0));
    }
    const double load_median = percentile(load_ms, 0.5);
    const double landmarks_median = percentile(landmarks_ms, 0.5);
    out["load"] = {
        {"engine", summary(load_ms)},
        {"landmarks", summary(landmarks_ms)},
        {"recognition_derived_ms", round3(load_median - landmarks_median)},
        {"note",
         "engine = face::Engine construction, both models (the recognition net includes one "
         "warm-up pass); landmarks = a construction that fails on a missing recognition "
         "directory after reading the 68-point model; recognition = engine - landmarks "
         "(medians)"}};

    const face::Engine engine(paths);

    // ---- decoding --------------------------------------------------------------------------
    const fs::path card_file = src / "data/sim/face.jp2";
    const Bytes card_bytes = read_file(card_file);
    face::DecodedImage card;
    const auto card_decode =
        time_runs(2, args.runs, [&] { card = face::decode_image(card_bytes); });
    out["card"] = {{"file", "data/sim/face.jp2"},
                   {"bytes", card_bytes.size()},
                   {"width", card.image.width},
                   {"height", card.image.height},
                   {"decode", summary(card_decode)}};

    auto decode_live = [&](std::string name, std::string note, const fs::path& file) {
        const Bytes bytes = read_file(file);
        Live live{std::move(name), std::move(note), {}, {}};
        live.decode_ms = time_runs(1, std::max(5, args.runs / 5),
                                   [&] { live.image = face::decode_image(bytes); });
        return live;
    };
    std::vector<Live> lives;
    lives.push_back(decode_live("astronaut", "tests/face/images/astronaut.jpg, same person",
                                src / "tests/face/images/astronaut.jpg"));
    lives.push_back(decode_live("grace_hopper", "tests/face/images/grace_hopper.jpg",
                                src / "tests/face/images/grace_hopper.jpg"));
    const Live sample1 = decode_live("sample1_full", "face-api demo/sample1.jpg, group photo",
                                     faceapi_demo / "sample1.jpg");
    const auto sample1_faces = engine.analyse_faces(sample1.image, face::Role::Live);
    if (sample1_faces.empty()) throw Error(Errc::Internal, "no face found in sample1.jpg");
    {
        // A webcam-sized frame: 640×480 around the largest face of the group photo. Box is in
        // original pixels; sample1 is 1920 px wide, so decoding did not downscale it.
        face::Box box = sample1_faces.front().quality.box;
        const double s = sample1.image.scale;
        box = {static_cast<int>(box.x * s), static_cast<int>(box.y * s),
               static_cast<int>(box.width * s), static_cast<int>(box.height * s)};
        lives.push_back(Live{"sample1_crop",
                             "640x480 crop of sample1.jpg around its largest face",
                             crop_around(sample1.image, box, 640, 480),
                             {}});
    }
    lives.push_back(sample1);

    // ---- (b) verify per pair ----------------------------------------------------------------
    json verify = json::array();
    for (const Live& live : lives) {
        face::Verification result;
        const auto times = time_runs(
            2, args.runs, [&] { result = engine.verify(card, live.image, face::Thresholds{}); });
        json row = {{"live", live.name},
                    {"note", live.note},
                    {"width", live.image.image.width},
                    {"height", live.image.image.height},
                    {"faces_in_live", result.live.quality.faces_found},
                    {"decision", face::decision_code(result.decision)},
                    {"distance", result.distance ? json(*result.distance) : json(nullptr)},
                    {"verify", summary(times)}};
        if (!live.decode_ms.empty()) row["decode"] = summary(live.decode_ms);
        verify.push_back(std::move(row));
    }
    out["verify"] = std::move(verify);

    // ---- (c) embedding per chip -------------------------------------------------------------
    struct Chip {
        std::string name;
        Bytes rgb;
    };
    std::vector<Chip> chips;
    auto add_chip = [&](std::string name, const face::Analysis& a) {
        if (a.chip_rgb.size() != static_cast<std::size_t>(face::kChipSize) * face::kChipSize * 3)
            throw Error(Errc::Internal, fmt::format("no aligned chip for {}", name));
        chips.push_back({std::move(name), a.chip_rgb});
    };
    add_chip("card", engine.analyse(card, face::Role::Card, false));
    add_chip("astronaut", engine.analyse(lives[0].image, face::Role::Live, false));
    add_chip("grace_hopper", engine.analyse(lives[1].image, face::Role::Live, false));
    for (std::size_t i = 0; i < sample1_faces.size(); ++i)
        add_chip(fmt::format("sample1_{}", i), sample1_faces[i]);

    json ours = json::object();
    json per_chip = json::array();
    std::vector<double> all_embed;
    for (const Chip& chip : chips) {
        const fs::path file = args.chips_out / (chip.name + ".rgb");
        write_file(file, std::string_view(reinterpret_cast<const char*>(chip.rgb.data()),
                                          chip.rgb.size()));
        face::Descriptor d{};
        const auto times = time_runs(1, args.runs, [&] { d = engine.embed_chip(chip.rgb); });
        ours[file.string()] = json(std::vector<float>(d.begin(), d.end()));
        all_embed.insert(all_embed.end(), times.begin(), times.end());
        per_chip.push_back(
            {{"name", chip.name}, {"path", file.string()}, {"embed", summary(times)}});
    }
    write_file(args.chips_out / "ours.json", ours.dump());
    out["embed"] = {{"chips", per_chip}, {"all", summary(all_embed)}};
    out["load_average_after"] = load_average();
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        std::cout << run(parse_args(argc, argv)).dump(2) << '\n';
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "mynaq_bench_face: " << e.what() << '\n';
        return 1;
    }
}
