#include <sys/stat.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "error_code_of.hpp"
#include "mynaq/chromium.hpp"
#include "mynaq/error.hpp"
#include "mynaq/fallback/declaration_form.hpp"
#include "mynaq/files.hpp"
#include "mynaq/process.hpp"

using namespace mynaq;
using namespace mynaq::fallback;
using mynaq::test::error_code_of;
namespace fs = std::filesystem;

namespace {

// An invented person and employer; the addresses use fictional wards (架空区, 架空市).
Declaration example() {
    Declaration d;
    d.name = "模擬　花子";
    d.kana = "モギ　ハナコ";
    d.birthdate = "1985-04-03";
    d.sex = "2";
    d.postcode = "123-4567";
    d.address = "東京都架空区見本町1-2-3";
    d.phone = "090-0000-0000";
    d.insurance_kind = "employee";
    d.relation = "dependent";
    d.employer = "株式会社サンプル商事";
    d.employer_address = "大阪府架空市試験町4-5-6";
    d.insurer_name = "サンプル健康保険組合";
    d.symbol = "12";
    d.number = "3456";
    d.declared_ratio = "3";
    d.declared_on = "2026-11-30";
    d.signed_on_paper = true;
    return d;
}

FormContext facility() {
    return {"模擬クリニック", "1312345678", "ja"};
}

std::size_t count(const std::string& text, std::string_view needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

bool contains(const std::string& text, std::string_view needle) {
    return text.find(needle) != std::string::npos;
}

// Text without spaces: pdftotext turns the ideographic space (U+3000) into an ASCII one and
// adds layout spaces of its own.
std::string without_spaces(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text.substr(i).starts_with("\u3000")) {
            i += std::string_view("\u3000").size() - 1;
        } else if (text[i] != ' ') {
            out += text[i];
        }
    }
    return out;
}

// Each test's files in a private directory removed afterwards.
struct TempDir : mynaq::TemporaryDirectory {
    TempDir() : TemporaryDirectory("mynaq-unit-declform") {}
};

// Sets (or unsets, with nullopt) an environment variable for one scope.
class ScopedEnv {
public:
    ScopedEnv(std::string name, const std::optional<std::string>& value) : name_(std::move(name)) {
        if (const char* old = std::getenv(name_.c_str())) old_ = old;
        if (value) {
            ::setenv(name_.c_str(), value->c_str(), 1);
        } else {
            ::unsetenv(name_.c_str());
        }
    }
    ~ScopedEnv() {
        if (old_) {
            ::setenv(name_.c_str(), old_->c_str(), 1);
        } else {
            ::unsetenv(name_.c_str());
        }
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    std::string name_;
    std::optional<std::string> old_;
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

unsigned mode_of(const fs::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 0777;
}

// The CI installs Chromium with scripts/install-deps.sh, so its absence is a failure.
void require_tools() {
    REQUIRE_MESSAGE(find_chromium().has_value(),
                    "Chromium is required for the declaration form tests: run "
                    "scripts/install-deps.sh (Debian package chromium) or set MYNAQ_CHROMIUM");
}

std::string tool_output(const std::vector<std::string>& argv) {
    const auto r = run_process(argv);
    const std::string why = argv[0] + " failed (poppler-utils installed?): " + r.err;
    REQUIRE_MESSAGE(r.exit_code == 0, why);
    return r.out;
}

int page_count(const fs::path& pdf) {
    const std::string info = tool_output({"pdfinfo", pdf.string()});
    const auto at = info.find("Pages:");
    REQUIRE(at != std::string::npos);
    return std::stoi(info.substr(at + 6));
}

// Dark pixels on the page rasterised to a grey PGM (P5) at 50 dpi.
std::size_t dark_pixels(const fs::path& pdf, const fs::path& dir) {
    const fs::path prefix = dir / ("page-" + pdf.stem().string());
    tool_output({"pdftoppm", "-gray", "-r", "50", "-singlefile", pdf.string(), prefix.string()});
    const std::string pgm = slurp(prefix.string() + ".pgm");
    REQUIRE(pgm.starts_with("P5"));
    // Header: magic, width, height, maxval, each after whitespace; '#' comments to line end.
    std::size_t pos = 2;
    int fields[3] = {0, 0, 0};
    for (int& field : fields) {
        while (pos < pgm.size() &&
               (std::isspace(static_cast<unsigned char>(pgm[pos])) != 0 || pgm[pos] == '#')) {
            if (pgm[pos] == '#') {
                pos = pgm.find('\n', pos);
                REQUIRE(pos != std::string::npos);
            }
            ++pos;
        }
        const auto start = pos;
        while (pos < pgm.size() && std::isdigit(static_cast<unsigned char>(pgm[pos])) != 0) ++pos;
        field = std::stoi(pgm.substr(start, pos - start));
    }
    ++pos;  // the single whitespace byte before the raster
    REQUIRE(fields[2] == 255);
    const auto pixels = static_cast<std::size_t>(fields[0]) * static_cast<std::size_t>(fields[1]);
    REQUIRE(pgm.size() - pos == pixels);
    std::size_t dark = 0;
    for (std::size_t i = pos; i < pgm.size(); ++i) {
        if (static_cast<unsigned char>(pgm[i]) < 128) ++dark;
    }
    return dark;
}

fs::path write_html(const fs::path& dir, const std::string& name, const std::string& html) {
    const fs::path p = dir / name;
    write_file_atomic(p, std::string_view(html));
    return p;
}

std::uint32_t big_endian32(const std::string& data, std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(data[at + i]);
    return v;
}

}  // namespace

TEST_CASE("declaration form: filled values appear and the chosen boxes are checked") {
    const std::string html = declaration_form_html(example(), facility());
    CHECK(html.starts_with("<!DOCTYPE html>"));
    for (const std::string_view value :
         {"模擬　花子", "モギ　ハナコ", "1985年4月3日", "123-4567", "東京都架空区見本町1-2-3",
          "090-0000-0000", "株式会社サンプル商事", "大阪府架空市試験町4-5-6",
          "サンプル健康保険組合", "2026年11月30日", "模擬クリニック", "1312345678"}) {
        CHECK_MESSAGE(contains(html, value), value);
    }
    // sex, insurance kind, relation and share: one box each.
    CHECK(count(html, "☑") == 4);
    CHECK(contains(html, "☑</span>女"));
    CHECK(contains(html, "☐</span>男"));
    CHECK(contains(html, "☑</span>被用者保険（社保）"));
    for (const std::string_view other :
         {"国民健康保険", "後期高齢者医療", "その他", "わからない"}) {
        CHECK(contains(html, "☐</span>" + std::string(other)));
    }
    CHECK(contains(html, "☑</span>被扶養者（家族）"));
    CHECK(contains(html, "☑</span>3割"));
    CHECK(contains(html, "☐</span>1割"));

    // Every other kind checks its own box and no other.
    for (const auto& [kind, label] :
         {std::pair{"national", "国民健康保険"}, std::pair{"elderly", "後期高齢者医療"},
          std::pair{"other", "その他"}, std::pair{"unknown", "わからない"}}) {
        Declaration d = example();
        d.insurance_kind = kind;
        const std::string h = declaration_form_html(d, facility());
        CHECK(contains(h, "☑</span>" + std::string(label)));
        CHECK(contains(h, "☐</span>被用者保険（社保）"));
        CHECK(count(h, "☑") == 4);
    }

    // The signature box stays empty even when the patient has signed the paper.
    CHECK(contains(html, R"(<tr class="signature"><th>署名</th><td></td></tr>)"));
    // The share the patient is charged is explained on the form.
    CHECK(contains(html, "3割（未就学児は2割、70歳以上等の方は1〜3割）"));
}

TEST_CASE("declaration form: the blank form has empty boxes and nothing checked") {
    const std::string html = declaration_form_html(std::nullopt, FormContext{});
    CHECK(count(html, "☑") == 0);
    CHECK(count(html, "☐") == 12);  // 2 sex + 5 kinds + 2 relation + 3 shares
    for (const std::string_view value : {"模擬", "モギ", "1985", "123-4567", "架空", "サンプル",
                                         "090-", "2026", "1312345678", "医療機関コード"}) {
        CHECK_MESSAGE(!contains(html, value), value);
    }
    // 生年月日 and 申立日 are write-in blanks.
    CHECK(count(html, R"(<span class="blank y"></span>年<span class="blank md"></span>月)") == 2);
    CHECK(contains(html, "被保険者資格申立書"));
    CHECK(contains(html, "御中"));
    // One self-contained file: nothing fetched, nothing run.
    CHECK(contains(html, "content=\"default-src 'none'; style-src 'unsafe-inline'\""));
    for (const std::string_view external :
         {"<link", "src=", "url(", "@import", "http:", "https:", "<script"}) {
        CHECK_MESSAGE(!contains(html, external), external);
    }
}

TEST_CASE("declaration form: markup in values is escaped") {
    Declaration d = example();
    d.name = R"(<script>alert("x")</script> & 'Co')";
    d.address = "A&B <b>";
    d.birthdate = "1985/04/03<i>";  // not ISO: shown as written, escaped
    FormContext ctx = facility();
    ctx.facility_name = "<img src=x onerror=alert(1)>";
    const std::string html = declaration_form_html(d, ctx);
    CHECK(!contains(html, "<script"));
    CHECK(!contains(html, "<img"));
    CHECK(!contains(html, "<b>"));
    CHECK(!contains(html, "<i>"));
    CHECK(contains(html, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Co&#39;"));
    CHECK(contains(html, "A&amp;B &lt;b&gt;"));
    CHECK(contains(html, "1985/04/03&lt;i&gt;"));
    CHECK(contains(html, "&lt;img src=x onerror=alert(1)&gt;"));
}

TEST_CASE("declaration form: English subtitles only for lang en") {
    const std::string ja = declaration_form_html(example(), facility());
    FormContext ctx = facility();
    ctx.lang = "en";
    const std::string en = declaration_form_html(example(), ctx);
    CHECK(!contains(ja, "Date of birth"));
    CHECK(!contains(ja, "class=\"en"));
    CHECK(contains(en, "Date of birth"));
    CHECK(contains(en, "Declaration of health insurance status"));
    // Still Japanese-first: the Japanese labels and title stay.
    CHECK(contains(en, "生年月日"));
    CHECK(contains(en, "<h1>被保険者資格申立書</h1>"));
    CHECK(count(en, "☑") == 4);

    ctx.lang = "fr";
    CHECK(error_code_of([&] { (void)declaration_form_html(example(), ctx); }) == Errc::Usage);
}

TEST_CASE("declaration form: chromium prints one A4 page with the filled values") {
    require_tools();
    const TempDir dir;
    const fs::path filled_pdf = dir.path() / "filled.pdf";
    const fs::path blank_pdf = dir.path() / "blank.pdf";
    render_html(write_html(dir.path(), "filled.html", declaration_form_html(example(), facility())),
                filled_pdf, RenderFormat::Pdf);
    render_html(write_html(dir.path(), "blank.html", declaration_form_html(std::nullopt, {})),
                blank_pdf, RenderFormat::Pdf);
    CHECK(mode_of(filled_pdf) == 0600);
    CHECK(page_count(filled_pdf) == 1);
    CHECK(page_count(blank_pdf) == 1);
    const std::string info = tool_output({"pdfinfo", filled_pdf.string()});
    CHECK(contains(info, "(A4)"));

    const std::string text =
        without_spaces(tool_output({"pdftotext", "-layout", filled_pdf.string(), "-"}));
    for (const std::string_view value :
         {"被保険者資格申立書", "模擬　花子", "モギ　ハナコ", "1985年4月3日",
          "東京都架空区見本町1-2-3", "株式会社サンプル商事", "大阪府架空市試験町4-5-6",
          "サンプル健康保険組合", "模擬クリニック", "2026年11月30日"}) {
        CHECK_MESSAGE(contains(text, without_spaces(value)), value);
    }
    CHECK(contains(text, "☑女"));
    CHECK(contains(text, "☑被用者保険（社保）"));
    // No browser header or footer (date, file URL, page number).
    CHECK(!contains(text, "file://"));
    CHECK(!contains(text, "1/1"));

    const std::string blank_text = tool_output({"pdftotext", "-layout", blank_pdf.string(), "-"});
    CHECK(contains(blank_text, "被保険者資格申立書"));
    CHECK(!contains(blank_text, "模擬"));

    // The filled page carries more ink than the blank one.
    const auto filled_ink = dark_pixels(filled_pdf, dir.path());
    const auto blank_ink = dark_pixels(blank_pdf, dir.path());
    CHECK(blank_ink > 1000);  // the blank form is not an empty page either
    CHECK(filled_ink > blank_ink + 500);
}

TEST_CASE("declaration form: chromium prints the English-subtitled form on one page too") {
    require_tools();
    const TempDir dir;
    const fs::path pdf = dir.path() / "en.pdf";
    FormContext ctx = facility();
    ctx.lang = "en";
    Declaration d = example();
    d.address = "東京都架空区見本町1-2-3 サンプルマンション101号室";
    d.employer_address = "大阪府架空市試験町4-5-6 見本ビル7階";
    render_html(write_html(dir.path(), "en.html", declaration_form_html(d, ctx)), pdf,
                RenderFormat::Pdf);
    CHECK(page_count(pdf) == 1);
    const std::string text =
        without_spaces(tool_output({"pdftotext", "-layout", pdf.string(), "-"}));
    CHECK(contains(text, "Dateofbirth"));
    CHECK(contains(text, "サンプルマンション101号室"));
    CHECK(contains(text, "見本ビル7階"));
}

// MYNAQ_EXAMPLE_OUT=<path> keeps a copy of the rendered PNG (examples/declaration-form.png).
TEST_CASE("declaration form: chromium screenshots an A4 page at 96 dpi") {
    require_tools();
    const TempDir dir;
    const fs::path png = dir.path() / "filled.png";
    render_html(write_html(dir.path(), "filled.html", declaration_form_html(example(), facility())),
                png, RenderFormat::Png);
    CHECK(mode_of(png) == 0600);
    const std::string data = slurp(png);
    REQUIRE(data.size() > 33);
    CHECK(data.starts_with("\x89PNG\r\n\x1a\n"));
    CHECK(data.substr(12, 4) == "IHDR");
    CHECK(big_endian32(data, 16) == 794);
    CHECK(big_endian32(data, 20) == 1123);
    if (const char* keep = std::getenv("MYNAQ_EXAMPLE_OUT"); keep != nullptr && *keep != '\0') {
        fs::copy_file(png, keep, fs::copy_options::overwrite_existing);
    }
}

TEST_CASE("declaration form: chromium missing, failing or hanging is a clear error") {
    const TempDir dir;
    const fs::path html =
        write_html(dir.path(), "form.html", declaration_form_html(std::nullopt, {}));
    const fs::path out = dir.path() / "out.pdf";

    {
        const ScopedEnv env("MYNAQ_CHROMIUM", (dir.path() / "no-such-chromium").string());
        CHECK(!find_chromium().has_value());
        try {
            render_html(html, out, RenderFormat::Pdf);
            FAIL("expected an error");
        } catch (const Error& e) {
            CHECK(e.code() == Errc::Unsupported);
            CHECK(contains(e.detail(), "MYNAQ_CHROMIUM"));
        }
    }
    {
        const ScopedEnv env("MYNAQ_CHROMIUM", "/bin/false");
        REQUIRE(find_chromium() == fs::path("/bin/false"));
        CHECK(error_code_of([&] { render_html(html, out, RenderFormat::Pdf); }) == Errc::IoError);
    }
    {
        const fs::path hang = dir.path() / "hang.sh";
        std::ofstream(hang) << "#!/bin/sh\nexec sleep 30\n";
        fs::permissions(hang, fs::perms::owner_all);
        const ScopedEnv env("MYNAQ_CHROMIUM", hang.string());
        const auto started = std::chrono::steady_clock::now();
        try {
            render_html(html, out, RenderFormat::Png, std::chrono::seconds(1));
            FAIL("expected an error");
        } catch (const Error& e) {
            CHECK(e.code() == Errc::IoError);
            CHECK(contains(e.detail(), "within 1 s"));
        }
        CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
    }
    CHECK(!fs::exists(out));
    {
        const ScopedEnv env("MYNAQ_CHROMIUM", "/bin/false");
        CHECK(error_code_of([&] {
                  render_html(dir.path() / "missing.html", out, RenderFormat::Pdf);
              }) == Errc::FileNotFound);
    }
}
