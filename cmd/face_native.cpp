// mynaq-face's side of mynaq face verify / face check: the card photo against a live capture,
// and the quality diagnostics that tell staff why a match fails. Exit status of verify: 0
// match, 1 no match, 2 check by staff, 3 a face is missing (documented in mynaq-face(1)).
// Only the mynaq-face executable links this file and OpenCV with it (see face_exec.cpp).
#include <algorithm>
#include <iostream>
#include <optional>

#include <fmt/format.h>

#include "card_session.hpp"
#include "face_options.hpp"
#include "mynaq/face.hpp"
#include "mynaq/files.hpp"
#include "text_width.hpp"

namespace mynaq::cli {

namespace {

template <typename... Args>
std::string tf(const AppContext& context, std::string_view key, Args&&... args) {
    return fmt::format(fmt::runtime(std::string(context.t(key))), std::forward<Args>(args)...);
}

face::QualityLimits quality_limits(const FaceConfig& config) {
    face::QualityLimits l;
    const std::pair<const char*, double*> gates[] = {
        {"min_detection_score", &l.min_detection_score},
        {"min_eye_distance", &l.min_eye_distance},
        {"min_card_eye_distance", &l.min_card_eye_distance},
        {"min_brightness", &l.min_brightness},
        {"max_brightness", &l.max_brightness},
        {"min_contrast", &l.min_contrast},
        {"min_sharpness", &l.min_sharpness},
        {"max_yaw", &l.max_yaw},
        {"max_pitch", &l.max_pitch},
        {"max_roll", &l.max_roll}};
    for (const auto& [name, field] : gates) {
        if (auto it = config.quality.find(name); it != config.quality.end()) *field = it->second;
    }
    return l;
}

face::Engine make_engine(const AppContext& context) {
    const face::ModelPaths paths = face::model_paths(context.config.face);
    const FaceConfig& config = context.config.face;
    context.debug(fmt::format("face models: {} and {}", paths.recognition_dir.string(),
                              paths.landmarks.string()));
    return face::Engine(paths, quality_limits(config));
}

face::Thresholds thresholds(const AppContext& context, const FaceOptions& options) {
    face::Thresholds t{context.config.face.match, context.config.face.no_match};
    if (options.match) t.match = *options.match;
    if (options.no_match) t.no_match = *options.no_match;
    if (t.match > t.no_match)
        throw Error(Errc::InvalidArgument, "--match must not exceed --no-match");
    return t;
}

std::string describe_source(const AppContext& context, const ImageSource& source) {
    if (source.from_card) return std::string(context.t("fc.from_card"));
    if (source.camera) return tf(context, "fc.camera", *source.camera);
    return source.file;
}

face::DecodedImage load(AppContext& context, const ImageSource& source,
                        const FaceOptions& options) {
    if (source.from_card) {
        const card::FacePhoto photo =
            read_card_face_photo(context, options.code_env, options.force);
        return face::decode_image(photo.jp2);
    }
    if (source.camera) {
        auto captured = face::capture_camera(*source.camera);
        if (!options.save_live.empty()) {
            // A patient's face: written 0600 like every file holding patients' data.
            write_file_atomic(options.save_live, face::encode_image(captured.image, ".png"));
            if (!context.json()) std::cout << tf(context, "fc.saved", options.save_live) << '\n';
        }
        return captured;
    }
    return face::read_image_file(source.file);
}

struct Row {
    std::string_view item;
    std::string value;
    std::string limit;
    bool ok;
};

std::vector<Row> quality_rows(const face::Quality& q, const face::QualityLimits& l,
                              face::Role role) {
    using face::Issue;
    std::vector<Row> rows;
    rows.push_back({"fc.item.faces", std::to_string(q.faces_found), "≥ 1", q.faces_found >= 1});
    if (q.faces_found == 0) return rows;
    rows.push_back({"fc.item.score", fmt::format("{:.2f}", q.detection_score),
                    fmt::format("≥ {:.2f}", l.min_detection_score), !q.has(Issue::WeakDetection)});
    rows.push_back({"fc.item.eyes", fmt::format("{:.0f} px", q.eye_distance),
                    fmt::format("≥ {:.0f} px", role == face::Role::Card ? l.min_card_eye_distance
                                                                        : l.min_eye_distance),
                    !q.has(Issue::FaceTooSmall)});
    rows.push_back({"fc.item.brightness", fmt::format("{:.0f}", q.brightness),
                    fmt::format("{:.0f}–{:.0f}", l.min_brightness, l.max_brightness),
                    !q.has(Issue::TooDark) && !q.has(Issue::TooBright)});
    rows.push_back({"fc.item.contrast", fmt::format("{:.0f}", q.contrast),
                    fmt::format("≥ {:.0f}", l.min_contrast), !q.has(Issue::LowContrast)});
    rows.push_back({"fc.item.sharpness", fmt::format("{:.0f}", q.sharpness),
                    fmt::format("≥ {:.0f}", l.min_sharpness), !q.has(Issue::Blurred)});
    rows.push_back({"fc.item.yaw", fmt::format("{:+.0f}°", q.pose.yaw),
                    fmt::format("±{:.0f}°", l.max_yaw), !q.has(Issue::TurnedSideways)});
    rows.push_back({"fc.item.pitch", fmt::format("{:+.0f}°", q.pose.pitch),
                    fmt::format("±{:.0f}°", l.max_pitch), !q.has(Issue::FacingUpOrDown)});
    rows.push_back({"fc.item.roll", fmt::format("{:+.0f}°", q.pose.roll),
                    fmt::format("±{:.0f}°", l.max_roll), !q.has(Issue::HeadTilted)});
    rows.push_back({"fc.item.eyes_visible", fmt::format("{:.2f}", q.eye_darkness), "",
                    !q.has(Issue::EyesCovered)});
    rows.push_back({"fc.item.lower_face", fmt::format("{:.2f}", q.lower_face_texture), "",
                    !q.has(Issue::LowerFaceCovered)});
    return rows;
}

void print_analysis(const AppContext& context, std::string_view title, const std::string& source,
                    const face::Analysis& a, const face::QualityLimits& limits, face::Role role) {
    const auto& q = a.quality;
    std::cout << title << ": " << source << '\n';
    std::cout << "  " << tf(context, "fc.size", q.image_width, q.image_height);
    if (q.scale < 1.0) std::cout << ' ' << tf(context, "fc.downscaled", q.scale * 100);
    std::cout << '\n';
    std::cout << "  " << pad_right(context.t("fc.col.item"), 18)
              << pad_right(context.t("fc.col.value"), 10)
              << pad_right(context.t("fc.col.limit"), 12) << context.t("fc.col.result") << '\n';
    for (const Row& row : quality_rows(q, limits, role)) {
        std::cout << "  " << pad_right(context.t(row.item), 18) << pad_right(row.value, 10)
                  << pad_right(row.limit, 12) << context.t(row.ok ? "fc.ok" : "fc.ng") << '\n';
    }
    bool any = false;
    for (const face::Issue issue : q.issues) {
        std::cout << "  ! " << context.t(fmt::format("fc.issue.{}", face::issue_code(issue)))
                  << '\n';
        any = true;
    }
    if (!any) std::cout << "  " << context.t("fc.no_problem") << '\n';
}

nlohmann::json analysis_json(const AppContext& context, const std::string& source,
                             const face::Analysis& a) {
    const auto& q = a.quality;
    nlohmann::json issues = nlohmann::json::array();
    nlohmann::json advice = nlohmann::json::array();
    for (const face::Issue issue : q.issues) {
        issues.push_back(face::issue_code(issue));
        advice.push_back(context.t(fmt::format("fc.issue.{}", face::issue_code(issue))));
    }
    nlohmann::json j{{"source", source},
                     {"width", q.image_width},
                     {"height", q.image_height},
                     {"scale", q.scale},
                     {"faces", q.faces_found},
                     {"issues", issues},
                     {"advice", advice},
                     {"ok", q.issues.empty() ||
                                (q.issues.size() == 1 && q.issues[0] == face::Issue::Downscaled)}};
    if (q.faces_found > 0) {
        j["box"] = {
            {"x", q.box.x}, {"y", q.box.y}, {"width", q.box.width}, {"height", q.box.height}};
        j["detection_score"] = q.detection_score;
        j["eye_distance"] = q.eye_distance;
        j["brightness"] = q.brightness;
        j["contrast"] = q.contrast;
        j["sharpness"] = q.sharpness;
        j["pose"] = {{"yaw", q.pose.yaw}, {"pitch", q.pose.pitch}, {"roll", q.pose.roll}};
        j["eye_darkness"] = q.eye_darkness;
        j["lower_face_texture"] = q.lower_face_texture;
    }
    return j;
}

int verify_exit_status(face::Decision decision) {
    switch (decision) {
        case face::Decision::Match:
            return 0;
        case face::Decision::NoMatch:
            return 1;
        case face::Decision::StaffCheck:
            return 2;
        case face::Decision::NotComparable:
            return 3;
    }
    return 3;
}

}  // namespace

std::string face_feature() {
    return "face (built in)";
}

// A named file that is not there is FILE_NOT_FOUND (66) before anything else happens: before
// the models load and, above all, before the patient types their 照合番号B.
void require_file(const ImageSource& source) {
    std::error_code ec;
    if (!source.file.empty() && !std::filesystem::is_regular_file(source.file, ec)) {
        throw Error(Errc::FileNotFound, fmt::format("cannot read {}", source.file),
                    {{"file", source.file}});
    }
}

int run_face_verify(AppContext& context, const FaceOptions& options) {
    const face::Thresholds limits = thresholds(context, options);
    require_file(options.card);
    require_file(options.live);
    // The models before the card: a missing model must not cost the patient a typed 照合番号B.
    const face::Engine engine = make_engine(context);
    // The card next: it needs the patient's 照合番号B while they are at the counter.
    const face::DecodedImage card = load(context, options.card, options);
    const face::DecodedImage live = load(context, options.live, options);
    const face::Verification v = engine.verify(card, live, limits);
    const std::string card_source = describe_source(context, options.card);
    const std::string live_source = describe_source(context, options.live);

    if (context.json()) {
        nlohmann::json j{{"decision", face::decision_code(v.decision)},
                         {"decision_text", context.t(fmt::format("fc.decision.{}",
                                                                 face::decision_code(v.decision)))},
                         {"thresholds", {{"match", limits.match}, {"no_match", limits.no_match}}},
                         {"card", analysis_json(context, card_source, v.card)},
                         {"live", analysis_json(context, live_source, v.live)}};
        j["distance"] = v.distance ? nlohmann::json(*v.distance) : nlohmann::json(nullptr);
        j["similarity"] = v.distance ? nlohmann::json(1.0 - *v.distance) : nlohmann::json(nullptr);
        context.emit_json(j);
        return verify_exit_status(v.decision);
    }
    std::cout << context.t("fc.title") << '\n';
    std::cout << "  " << context.t("fc.decision") << ": "
              << context.t(fmt::format("fc.decision.{}", face::decision_code(v.decision))) << '\n';
    if (v.distance)
        std::cout << "  " << context.t("fc.distance") << ": "
                  << tf(context, "fc.distance_value", *v.distance, limits.match, limits.no_match)
                  << '\n';
    std::cout << '\n';
    print_analysis(context, context.t("fc.card"), card_source, v.card, engine.limits(),
                   face::Role::Card);
    std::cout << '\n';
    print_analysis(context, context.t("fc.live"), live_source, v.live, engine.limits(),
                   face::Role::Live);
    const auto& cq = v.card.quality.issues;
    const bool card_faulty = std::any_of(cq.begin(), cq.end(), [](face::Issue i) {
        return i != face::Issue::Downscaled && i != face::Issue::SeveralFaces;
    });
    if (card_faulty && v.decision != face::Decision::Match)
        std::cout << '\n' << context.t("fc.card_hint") << '\n';
    return verify_exit_status(v.decision);
}

int run_face_check(AppContext& context, const FaceOptions& options) {
    const bool card = !options.card.file.empty() || options.card.from_card;
    const ImageSource& from = card ? options.card : options.live;
    const face::Role role = card ? face::Role::Card : face::Role::Live;
    const face::Engine engine = make_engine(context);  // before any 照合番号B is asked for
    const face::DecodedImage image = load(context, from, options);
    const face::Analysis a = engine.analyse(image, role, false);
    const std::string source = describe_source(context, from);
    const bool ok = a.quality.faces_found > 0 &&
                    std::all_of(a.quality.issues.begin(), a.quality.issues.end(),
                                [](face::Issue i) { return i == face::Issue::Downscaled; });
    if (context.json()) {
        context.emit_json(analysis_json(context, source, a));
        return ok ? 0 : 1;
    }
    std::cout << context.t("fc.check_title") << '\n';
    print_analysis(context, context.t(card ? "fc.card" : "fc.image"), source, a, engine.limits(),
                   role);
    return ok ? 0 : 1;
}

}  // namespace mynaq::cli
