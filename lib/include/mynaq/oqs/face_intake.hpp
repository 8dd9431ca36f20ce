// Intake of the face-reader results (face/OQSsiquc01res_face_*.xml): every file exactly once
// across restarts and across processes sharing the store; a file is moved (or left, in copy
// mode) only after its check has been committed.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>

#include "mynaq/oqs/message.hpp"
#include "mynaq/store.hpp"

namespace mynaq::oqs {

struct FaceIntakeOptions {
    std::filesystem::path face_dir;
    bool move = false;                      // copy mode leaves files for other consumers
    std::filesystem::path done_dir;         // move target (created 0700)
    bool same_day_only = true;              // act only on today's (JST) files
    std::chrono::milliseconds settle{300};  // a file younger than this may still be written
    XmlLimits limits;
    std::string facility;
};

struct IntakeEvent {
    enum class Kind { Recorded, Invalid, NotToday };
    Kind kind = Kind::Recorded;
    std::string file_name;
    std::optional<CheckRecord> record;          // Recorded: as committed
    std::optional<QualificationResult> result;  // Recorded
    std::string detail;                         // Invalid / NotToday: why
};

class FaceIntake {
public:
    explicit FaceIntake(FaceIntakeOptions options);

    // Takes in every settled file now in face/; calls `on_event` once per recorded file (after
    // the commit) and once per file it cannot take. Returns the number recorded by this call.
    // `stop`, when given, is asked before each file, so a long backlog can be left between
    // files (the rest is taken at the next scan).
    std::size_t scan_once(Store& store, const std::function<void(const IntakeEvent&)>& on_event,
                          const std::function<bool()>& stop = {});

    // Blocks until face/ changes (inotify) or `timeout` passes.
    void wait_for_change(std::chrono::milliseconds timeout);

    [[nodiscard]] const FaceIntakeOptions& options() const { return options_; }

private:
    FaceIntakeOptions options_;
    std::set<std::string> settled_;   // handled in this process: skip without re-reading
    std::set<std::string> reported_;  // invalid/not-today already reported once
    int inotify_fd_ = -1;
    int watch_ = -1;

public:
    ~FaceIntake();
    FaceIntake(const FaceIntake&) = delete;
    FaceIntake& operator=(const FaceIntake&) = delete;
};

// yyyyMMdd from the name's 14-digit timestamp (…_yyyyMMddHHmmss.xml), if it has one.
std::optional<std::string> face_file_date(std::string_view file_name);

}  // namespace mynaq::oqs
