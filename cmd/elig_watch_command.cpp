// mynaq elig watch: takes in the face-reader results as they arrive, one JSON line each.
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "elig_render.hpp"
#include "elig_support.hpp"
#include "mynaq/chart_match.hpp"
#include "mynaq/oqs/eligibility.hpp"
#include "mynaq/oqs/face_intake.hpp"
#include "stop_signal.hpp"

namespace mynaq::cli {

namespace {

struct WatchOptions {
    bool once = false;
    double interval = 1.0;
    std::string mode;  // overrides oqs.folder.face_mode
    bool all_days = false;
};

nlohmann::json event_json(const oqs::IntakeEvent& e, const ChartMatchResult* match) {
    using Kind = oqs::IntakeEvent::Kind;
    nlohmann::json j{{"file", e.file_name}};
    switch (e.kind) {
        case Kind::Recorded:
            j["event"] = "recorded";
            j["check"] = check_json(*e.record);
            if (match != nullptr) j["insurance_changed"] = match->insurance_changed;
            break;
        case Kind::Invalid:
            j["event"] = "invalid";
            j["detail"] = e.detail;
            break;
        case Kind::NotToday:
            j["event"] = "not_today";
            j["detail"] = e.detail;
            break;
    }
    return j;
}

bool store_has_charts(const Store& store) {
    ChartFilter any;
    any.limit = 1;
    return !store.list_charts(any).empty();
}

int run_watch(AppContext& context, const WatchOptions& o) {
    const auto& folder = context.config.oqs.folder;
    if (folder.root.empty()) {
        throw Error(Errc::ConfigInvalid,
                    "oqs.folder.root is not set: name the face folder's parent",
                    {{"key", "oqs.folder.root"}});
    }
    oqs::FaceIntakeOptions options;
    options.face_dir = folder.root / "face";
    const std::string mode = o.mode.empty() ? folder.face_mode : o.mode;
    options.move = mode == "move";
    options.done_dir = folder.face_done;
    options.same_day_only = folder.face_same_day_only && !o.all_days;
    options.settle = folder.stable_read;
    options.limits = oqs::message_limits(context.config);
    options.facility = context.config.facility.code;

    auto store = open_store(context);
    oqs::FaceIntake intake(options);
    install_stop_handlers();
    // Asked once per scan, at its first recorded file: charts registered meanwhile count from
    // the next scan on.
    std::optional<bool> has_charts;
    const auto on_event = [&](const oqs::IntakeEvent& original) {
        // Each result is tied to a chart as it is taken in; what was decided goes out with it.
        oqs::IntakeEvent e = original;
        std::optional<ChartMatchResult> match;
        // A clinic that keeps no charts here is not told that every result lacks one.
        const bool recorded = e.kind == oqs::IntakeEvent::Kind::Recorded && e.record;
        if (recorded && !has_charts) has_charts = store_has_charts(*store);
        if (recorded && *has_charts) {
            match = match_and_record_chart(*store, *e.record);
            e.record->chart_id = match->match.chart_id;
            e.record->match_state = match->match.state;
            e.record->match_rule = match->match.rule;
            e.record->match_candidates = match->match.candidates.empty()
                                             ? std::string()
                                             : nlohmann::json(match->match.candidates).dump();
        }
        if (context.json()) {
            // JSON lines: one object per file, flushed so a pipe sees it at once.
            std::cout << event_json(e, match ? &*match : nullptr)
                             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                      << std::endl;
        } else if (e.kind == oqs::IntakeEvent::Kind::Recorded) {
            std::cout << check_line_with_chart(context, *e.record) << std::endl;
            if (match && match->insurance_changed) {
                std::cout << "        " << context.t("chart.insurance_changed") << std::endl;
            }
        } else {
            std::cerr << fmt::format("{}: {}: {}\n", context.t("elig.warning"), e.file_name,
                                     e.detail);
        }
    };
    const auto wait = std::chrono::milliseconds(static_cast<long>(o.interval * 1000));
    for (;;) {
        has_charts.reset();
        intake.scan_once(*store, on_event, [] { return stop_requested(); });
        if (o.once || stop_requested()) break;
        intake.wait_for_change(wait);
        if (stop_requested()) break;
    }
    return 0;
}

}  // namespace

void add_elig_watch_command(Registry registry, CLI::App& elig) {
    auto& context = registry.context;
    auto& action = registry.action;
    auto o = std::make_shared<WatchOptions>();
    CLI::App* watch = elig.add_subcommand(
        "watch", "Take in face-reader results from the face folder as they arrive");
    watch->add_flag("--once", o->once, "Take in what is there now and exit");
    watch
        ->add_option("--interval", o->interval,
                     "Seconds between scans when no change is notified (default 1)")
        ->type_name("SECONDS")
        ->check(CLI::Range(0.01, 3600.0));
    watch->add_option("--mode", o->mode, "copy (leave files) or move (to oqs.folder.face_done)")
        ->type_name("MODE")
        ->check(CLI::IsMember({"copy", "move"}));
    watch->add_flag("--all-days", o->all_days, "Also take in files read on earlier days");
    watch->callback(
        [&context, &action, o] { action = [&context, o] { return run_watch(context, *o); }; });
}

}  // namespace mynaq::cli
