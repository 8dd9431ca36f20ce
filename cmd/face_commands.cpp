// mynaq face verify / face check: the options, the same in mynaq and mynaq-face so that help
// and completions come from one tree. What runs is in face_native.cpp (mynaq-face) or
// face_exec.cpp (mynaq, which hands the command to mynaq-face).
#include "commands.hpp"
#include "face_options.hpp"

namespace mynaq::cli {

namespace {

// --from-card's 照合番号B and --camera's keeping of the frame, shared by verify and check.
void add_capture_options(CLI::App& command, FaceOptions& options) {
    command
        .add_option("--code-env", options.code_env,
                    "With --from-card: read 照合番号B from environment variable VAR (never from "
                    "argv)")
        ->type_name("VAR");
    command.add_flag("--force", options.force,
                     "With --from-card: send 照合番号B even with one try left");
    command
        .add_option("--save-live", options.save_live,
                    "With --camera: keep the capture as PNG (mode 0600)")
        ->type_name("FILE");
}

}  // namespace

void add_face_commands(Registry registry) {
    auto& context = registry.context;
    auto& action = registry.action;
    static FaceOptions options;

    auto* face = registry.app.add_subcommand(
        "face", "Face match: the card photo against a live capture, with quality diagnostics");
    face->require_subcommand(1);

    auto* verify = face->add_subcommand(
        "verify", "Compare the card photo with a live capture: distance, decision, diagnostics");
    auto* card_group = verify->add_option_group("card photo", "Where the card photo comes from");
    card_group
        ->add_option("--card-photo", options.card.file,
                     "Card photo file (JPEG 2000 from mynaq card photo, JPEG or PNG)")
        ->type_name("FILE");
    card_group->add_flag("--from-card", options.card.from_card,
                         "Read the photo from the card in the reader (asks for 照合番号B)");
    card_group->require_option(1);
    auto* live_group = verify->add_option_group("live image", "Where the live image comes from");
    live_group->add_option("--live", options.live.file, "Live picture file (JPEG, PNG, …)")
        ->type_name("FILE");
    live_group->add_option("--camera", options.live.camera, "Capture from camera N (/dev/videoN)")
        ->type_name("N");
    live_group->require_option(1);
    add_capture_options(*verify, options);
    verify->add_option("--match", options.match, "Distance at or below which faces match")
        ->type_name("D")
        ->check(CLI::Range(0.0, 2.0));
    verify->add_option("--no-match", options.no_match, "Distance above which faces do not match")
        ->type_name("D")
        ->check(CLI::Range(0.0, 2.0));
    verify->callback([&] { action = [&] { return run_face_verify(context, options); }; });

    auto* check = face->add_subcommand("check", "Quality diagnostics of one face image");
    auto* source = check->add_option_group("image", "The image to check");
    source->add_option("--image", options.live.file, "Picture file (JPEG, PNG, JPEG 2000, …)")
        ->type_name("FILE");
    source->add_option("--camera", options.live.camera, "Capture from camera N (/dev/videoN)")
        ->type_name("N");
    source
        ->add_option("--card-photo", options.card.file,
                     "A card photo file, checked with the card's size gate")
        ->type_name("FILE");
    source->add_flag("--from-card", options.card.from_card,
                     "Check the photo on the card in the reader (asks for 照合番号B)");
    source->require_option(1);
    add_capture_options(*check, options);
    check->callback([&] { action = [&] { return run_face_check(context, options); }; });
}

}  // namespace mynaq::cli
