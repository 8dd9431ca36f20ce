// Printing HTML to PDF or PNG with a headless Chromium, the one renderer that lays out
// Japanese text and print CSS faithfully and is packaged everywhere we run.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>

namespace mynaq {

enum class RenderFormat { Pdf, Png };

// The screenshot's size in CSS pixels; the default is A4 portrait at 96 dpi.
struct PngSize {
    int width = 794;
    int height = 1123;
};

// $MYNAQ_CHROMIUM when set (a path, or a name looked up in PATH; nothing else is tried then,
// so a wrong setting is noticed), else /usr/bin/chromium, else chromium, chromium-browser,
// google-chrome, google-chrome-stable in PATH.
std::optional<std::filesystem::path> find_chromium();

// Renders the local HTML file `html` to `out` (PDF: A4 as the page's print CSS says, no
// header or footer; PNG: a screenshot of `size`, A4 at 96 dpi unless told), written atomically with
// mode 0600. Throws Error{Unsupported} when no Chromium is found, Error{FileNotFound} when
// `html` is missing, Error{IoError} when Chromium fails, times out or writes no valid file.
void render_html(const std::filesystem::path& html, const std::filesystem::path& out,
                 RenderFormat fmt, std::chrono::seconds timeout = std::chrono::seconds(60),
                 PngSize size = {});

}  // namespace mynaq
