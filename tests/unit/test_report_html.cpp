#include <png.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "error_code_of.hpp"
#include "mynaq/chromium.hpp"
#include "mynaq/error.hpp"
#include "mynaq/files.hpp"
#include "mynaq/report/usage_export.hpp"

using namespace mynaq;
using namespace mynaq::report;
using mynaq::test::error_code_of;
namespace fs = std::filesystem;

namespace {

constexpr Month kApril{2025, 4};

UsageRow rate_row(const std::string& site, const Month& month, std::optional<double> local,
                  std::optional<double> notified = std::nullopt) {
    UsageRow row;
    row.site = site;
    row.month = month;
    row.local_rate = local;
    row.notified_rate = notified;
    if (local) {
        row.receipts = 200;
        row.users = static_cast<std::int64_t>(*local * 2);
    }
    return row;
}

ThresholdMark mark(const Month& month, const std::string& level, double threshold,
                   bool uncertain = false) {
    return {month, month.plus(3), level, threshold, uncertain};
}

// Six months from 2025-04 of one site; `rates[i]` is the local rate of month i.
UsageReport one_site(const std::vector<std::optional<double>>& rates) {
    UsageReport r;
    r.from = kApril;
    r.to = kApril.plus(static_cast<int>(rates.size()) - 1);
    r.sites = {{"1312345678", "模擬クリニック", {}}};
    for (std::size_t i = 0; i < rates.size(); ++i) {
        r.rows.push_back(rate_row("1312345678", kApril.plus(static_cast<int>(i)), rates[i]));
    }
    return r;
}

std::size_t count(const std::string& text, std::string_view needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

bool contains(const std::string& text, std::string_view needle) {
    return text.find(needle) != std::string::npos;
}

// Every start tag that begins with `start`, up to its closing '>'.
std::vector<std::string> tags(const std::string& html, std::string_view start) {
    std::vector<std::string> out;
    for (auto at = html.find(start); at != std::string::npos; at = html.find(start, at + 1)) {
        out.push_back(html.substr(at, html.find('>', at) - at + 1));
    }
    return out;
}

std::string attr(const std::string& tag, const std::string& name) {
    const std::string key = " " + name + "=\"";
    const auto at = tag.find(key);
    REQUIRE_MESSAGE(at != std::string::npos, "no " << name << " in " << tag);
    const auto begin = at + key.size();
    return tag.substr(begin, tag.find('"', begin) - begin);
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Rgb {
    int r = 0;
    int g = 0;
    int b = 0;
};

Rgb hex_colour(const std::string& hex) {
    REQUIRE_MESSAGE(hex.size() == 7, "not a #rrggbb colour: " << hex);
    REQUIRE(hex[0] == '#');
    const auto channel = [&](std::size_t at) { return std::stoi(hex.substr(at, 2), nullptr, 16); };
    return {channel(1), channel(3), channel(5)};
}

struct Image {
    int width = 0;
    int height = 0;
    std::vector<unsigned char> rgb;

    [[nodiscard]] Rgb at(int x, int y) const {
        const auto i = (static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                        static_cast<std::size_t>(x)) *
                       3;
        return {rgb[i], rgb[i + 1], rgb[i + 2]};
    }
};

Image decode_png(const std::string& data) {
    png_image png{};
    png.version = PNG_IMAGE_VERSION;
    REQUIRE_MESSAGE(png_image_begin_read_from_memory(&png, data.data(), data.size()) != 0,
                    "libpng cannot read the screenshot: " << png.message);
    png.format = PNG_FORMAT_RGB;
    Image image;
    image.width = static_cast<int>(png.width);
    image.height = static_cast<int>(png.height);
    image.rgb.resize(static_cast<std::size_t>(png.width) * png.height * 3);
    REQUIRE_MESSAGE(png_image_finish_read(&png, nullptr, image.rgb.data(), 0, nullptr) != 0,
                    "libpng cannot decode the screenshot: " << png.message);
    return image;
}

// Anti-aliased edges blend into the white page; the stroke's middle keeps its colour.
bool near(const Rgb& a, const Rgb& b, int tolerance = 24) {
    return std::abs(a.r - b.r) <= tolerance && std::abs(a.g - b.g) <= tolerance &&
           std::abs(a.b - b.b) <= tolerance;
}

// A horizontal run of rows in which a colour is drawn across many pixels: a threshold line.
struct Band {
    double y = 0;  // the middle row
    int x_min = 0;
    int x_max = 0;
};

std::vector<Band> horizontal_bands(const Image& image, const Rgb& colour, int min_pixels) {
    std::vector<Band> bands;
    int first = -1;
    const auto close = [&](int last) {
        Band band{(first + last) / 2.0, image.width, -1};
        for (int y = first; y <= last; ++y) {
            for (int x = 0; x < image.width; ++x) {
                if (!near(image.at(x, y), colour)) continue;
                band.x_min = std::min(band.x_min, x);
                band.x_max = std::max(band.x_max, x);
            }
        }
        bands.push_back(band);
    };
    for (int y = 0; y < image.height; ++y) {
        int n = 0;
        for (int x = 0; x < image.width; ++x) n += near(image.at(x, y), colour) ? 1 : 0;
        if (n >= min_pixels) {
            if (first < 0) first = y;
        } else if (first >= 0) {
            close(y - 1);
            first = -1;
        }
    }
    if (first >= 0) close(image.height - 1);
    return bands;
}

// Pixels of `colour` in the rectangle [x0, x1) x [y0, y1).
int pixels_in(const Image& image, const Rgb& colour, double x0, double x1, double y0, double y1) {
    int n = 0;
    for (int y = std::max(0, static_cast<int>(y0));
         y < std::min(image.height, static_cast<int>(y1)); ++y) {
        for (int x = std::max(0, static_cast<int>(x0));
             x < std::min(image.width, static_cast<int>(x1)); ++x) {
            n += near(image.at(x, y), colour) ? 1 : 0;
        }
    }
    return n;
}

// The CI installs Chromium with scripts/install-deps.sh, so its absence is a failure.
void require_chromium() {
    REQUIRE_MESSAGE(find_chromium().has_value(),
                    "Chromium is required for the usage report chart test: run "
                    "scripts/install-deps.sh (Debian package chromium) or set MYNAQ_CHROMIUM");
}

}  // namespace

TEST_CASE("report html: one rate line per site and a thicker total when there are several") {
    UsageReport r;
    r.from = kApril;
    r.to = kApril.plus(2);
    r.sites = {{"1311111111", "本院", {}}, {"1322222222", "", {}}};
    for (const std::string site : {"1311111111", "1322222222", ""}) {
        for (int i = 0; i < 3; ++i) r.rows.push_back(rate_row(site, kApril.plus(i), 20.0 + i));
    }
    const std::string html = usage_html(r, "ja", "利用率");
    const auto lines = tags(html, "<path class=\"rate-line\"");
    REQUIRE(lines.size() == 3);
    std::map<std::string, std::string> by_site;
    for (const auto& line : lines) by_site[attr(line, "data-site")] = line;
    REQUIRE(by_site.size() == 3);
    CHECK(by_site.contains("1311111111"));
    CHECK(by_site.contains("1322222222"));
    REQUIRE(by_site.contains("total"));
    std::set<std::string> colours;
    for (const auto& line : lines) colours.insert(attr(line, "stroke"));
    CHECK(colours.size() == 3);
    CHECK(std::stod(attr(by_site["total"], "stroke-width")) >
          std::stod(attr(by_site["1311111111"], "stroke-width")));
    // The legend names the site, falls back to the code, and labels the totals.
    const auto legend = html.substr(html.find("<g class=\"legend\">"));
    CHECK(contains(legend, ">本院</text>"));
    CHECK(contains(legend, ">1322222222</text>"));
    CHECK(contains(legend, ">合計</text>"));

    const std::string single = usage_html(one_site({10, 20, 30}), "ja", "利用率");
    const auto single_lines = tags(single, "<path class=\"rate-line\"");
    REQUIRE(single_lines.size() == 1);
    CHECK(attr(single_lines[0], "data-site") == "1312345678");
    CHECK(!contains(single, "data-site=\"total\""));
    CHECK(contains(single, ">模擬クリニック</text>"));
}

TEST_CASE("report html: points are filled when notified and hollow when local") {
    UsageReport r = one_site({30, 35, std::nullopt, 45});
    r.rows[1].notified_rate = 40;  // takes precedence over the local 35
    r.rows.push_back(rate_row("1312345678", kApril.plus(4), std::nullopt, 55));
    r.to = kApril.plus(4);
    const std::string html = usage_html(r, "en", "usage");
    const auto notified = tags(html, "<circle class=\"point notified\"");
    const auto local = tags(html, "<circle class=\"point local\"");
    REQUIRE(notified.size() == 2);
    REQUIRE(local.size() == 2);
    CHECK(attr(notified[0], "data-month") == "2025-05");
    CHECK(attr(notified[1], "data-month") == "2025-08");
    CHECK(attr(local[0], "data-month") == "2025-04");
    CHECK(attr(local[1], "data-month") == "2025-07");
    CHECK(attr(notified[0], "fill") == attr(notified[0], "stroke"));
    CHECK(attr(local[0], "fill") == "#ffffff");
    CHECK(attr(local[0], "stroke") != "#ffffff");
    // A higher rate is drawn higher: 40 % (notified) above 30 % (local), 55 % above both.
    const double y30 = std::stod(attr(local[0], "cy"));
    const double y40 = std::stod(attr(notified[0], "cy"));
    const double y55 = std::stod(attr(notified[1], "cy"));
    CHECK(y40 < y30);
    CHECK(y55 < y40);
    CHECK(contains(html, "40.00% (notified)"));
}

TEST_CASE("report html: a month without a rate splits the line") {
    const std::string gap = usage_html(one_site({50, 50, std::nullopt, 50, 50}), "ja", "t");
    const auto lines = tags(gap, "<path class=\"rate-line\"");
    REQUIRE(lines.size() == 1);
    const std::string d = attr(lines[0], "d");
    CHECK(count(d, "M") == 2);
    CHECK(count(d, "L") == 2);
    CHECK(count(gap, "<circle class=\"point") == 4);

    const std::string whole = usage_html(one_site({50, 50, 50, 50, 50}), "ja", "t");
    const std::string d_whole = attr(tags(whole, "<path class=\"rate-line\"")[0], "d");
    CHECK(count(d_whole, "M") == 1);
    CHECK(count(d_whole, "L") == 4);

    // A lone month between gaps is a point without a line.
    const std::string lone = usage_html(one_site({std::nullopt, 42, std::nullopt}), "en", "t");
    const std::string d_lone = attr(tags(lone, "<path class=\"rate-line\"")[0], "d");
    CHECK(count(d_lone, "M") == 1);
    CHECK(count(d_lone, "L") == 0);
    CHECK(count(lone, "<circle class=\"point local\"") == 1);
}

TEST_CASE("report html: threshold lines follow a period change and levels sharing one merge") {
    UsageReport r = one_site({35, 45, 45, 48, 52, 55});
    for (int i = 0; i < 6; ++i) {
        const double top = i < 3 ? 40 : 50;  // the period changes between months 2 and 3
        r.thresholds.push_back(mark(kApril.plus(i), "1", top));
        r.thresholds.push_back(mark(kApril.plus(i), "2", 30));
        r.thresholds.push_back(mark(kApril.plus(i), "4", top));
    }
    const std::string html = usage_html(r, "ja", "t");
    const auto lines = tags(html, "<line class=\"threshold\"");
    REQUIRE(lines.size() == 3);
    // Highest first: 加算1/4 at 50 % in the later months, at 40 % before, 加算2 throughout.
    CHECK(attr(lines[0], "data-level") == "1/4");
    CHECK(attr(lines[0], "data-threshold") == "50");
    CHECK(attr(lines[1], "data-level") == "1/4");
    CHECK(attr(lines[1], "data-threshold") == "40");
    CHECK(attr(lines[2], "data-level") == "2");
    CHECK(attr(lines[2], "data-threshold") == "30");
    for (const auto& line : lines) CHECK(attr(line, "data-uncertain") == "false");
    // The later period's line starts where the earlier one ends; 加算2 spans both.
    CHECK(attr(lines[0], "x1") == attr(lines[1], "x2"));
    CHECK(attr(lines[2], "x1") == attr(lines[1], "x1"));
    CHECK(attr(lines[2], "x2") == attr(lines[0], "x2"));
    CHECK(std::stod(attr(lines[0], "y1")) < std::stod(attr(lines[1], "y1")));
    CHECK(contains(html, ">加算1/4 40%</text>"));
    CHECK(contains(html, ">加算1/4 50%</text>"));
    CHECK(contains(html, ">加算2 30%</text>"));
    CHECK(!contains(html, "要確認"));
    // The note ties a month's rate to its 算定 month (applies_to).
    CHECK(contains(html, "3か月後"));
    CHECK(contains(html, "2025-04 の利用率 → 2025-07 算定分"));
    CHECK(contains(html, "算定 2025-10 〜 2025-12"));

    const std::string en = usage_html(r, "en", "t");
    CHECK(contains(en, ">level 1/4 50%</text>"));
    CHECK(contains(en, "3 months later"));
}

TEST_CASE("report html: uncertain thresholds are marked and warned about") {
    UsageReport r = one_site({25, 28, 31, 33});
    for (int i = 0; i < 4; ++i) {
        r.thresholds.push_back(mark(kApril.plus(i), "1", 30, i >= 2));
    }
    r.uncertain = true;
    const std::string html = usage_html(r, "ja", "t");
    const auto lines = tags(html, "<line class=\"threshold\"");
    REQUIRE(lines.size() == 2);
    const auto uncertain = std::find_if(lines.begin(), lines.end(), [](const std::string& l) {
        return attr(l, "data-uncertain") == "true";
    });
    REQUIRE(uncertain != lines.end());
    const auto certain = uncertain == lines.begin() ? lines.end() - 1 : lines.begin();
    CHECK(attr(*uncertain, "stroke-dasharray") != attr(*certain, "stroke-dasharray"));
    CHECK(contains(html, ">加算1 30% (要確認)</text>"));
    CHECK(contains(html, ">加算1 30%</text>"));
    CHECK(contains(html, "<p class=\"warning\">要確認"));

    const std::string en = usage_html(r, "en", "t");
    CHECK(contains(en, ">level 1 30% (uncertain)</text>"));
    CHECK(contains(en, "<p class=\"warning\">Uncertain"));

    r.uncertain = false;
    CHECK(!contains(usage_html(r, "ja", "t"), "class=\"warning\""));
}

TEST_CASE("report html: gridlines every 10 percent from 0 to 100") {
    const std::string html = usage_html(one_site({12.5}), "en", "t");
    const auto grid = tags(html, "<line class=\"gridline\"");
    REQUIRE(grid.size() == 11);
    std::set<double> ys;
    for (const auto& g : grid) ys.insert(std::stod(attr(g, "y1")));
    CHECK(ys.size() == 11);
    const double step = (*ys.rbegin() - *ys.begin()) / 10;
    for (auto it = std::next(ys.begin()); it != ys.end(); ++it) {
        CHECK(*it - *std::prev(it) == doctest::Approx(step));
    }
    CHECK(contains(html, ">100%</text>"));
    CHECK(contains(html, ">0%</text>"));
    // A 12.5 % point lies between the 10 % and 20 % lines (y grows downwards).
    const double cy = std::stod(attr(tags(html, "<circle class=\"point")[0], "cy"));
    const double y0 = *ys.rbegin();
    CHECK(cy == doctest::Approx(y0 - 1.25 * step));
}

TEST_CASE("report html: names and the title are escaped") {
    UsageReport r = one_site({10, 20});
    r.sites[0].name = "<b>&\"";
    r.rows.push_back(rate_row("13\"<x>", kApril, 5));
    const std::string html = usage_html(r, "ja", "<script>alert('x')</script> & co");
    CHECK(contains(html, "&lt;b&gt;&amp;&quot;"));
    CHECK(!contains(html, "<b>"));
    CHECK(!contains(html, "&\""));
    CHECK(contains(html, "<h1>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co</h1>"));
    CHECK(contains(html, "data-site=\"13&quot;&lt;x&gt;\""));
    CHECK(!contains(html, "<x>"));
    CHECK(!contains(html, "<script"));
}

TEST_CASE("report html: Japanese and English labels") {
    UsageReport r = one_site({30, std::nullopt});
    r.rows[1].notified_rate = 61;
    r.thresholds.push_back(mark(kApril, "1", 60));
    const std::string ja = usage_html(r, "ja", "利用率の推移");
    CHECK(contains(ja, "<html lang=\"ja\">"));
    CHECK(contains(ja, "<h1>利用率の推移</h1>"));
    for (const std::string_view label :
         {"マイナ保険証利用率", "利用者数", "レセプト件数", "通知 (支払基金)", "推計 (院内)",
          "加算1 60%", "対象期間: 2025-04 〜 2025-05"}) {
        CHECK_MESSAGE(contains(ja, label), label);
    }
    CHECK(!contains(ja, "local estimate"));

    const std::string en = usage_html(r, "en", "Usage");
    CHECK(contains(en, "<html lang=\"en\">"));
    for (const std::string_view label :
         {"usage rate", ">users<", ">receipts<", ">notified<", ">local estimate<", "level 1 60%",
          "Period: 2025-04 to 2025-05"}) {
        CHECK_MESSAGE(contains(en, label), label);
    }
    for (const std::string_view label : {"利用者数", "レセプト件数", "加算", "推計", "合計"}) {
        CHECK_MESSAGE(!contains(en, label), label);
    }
}

TEST_CASE("report html: an unknown language or an empty range is a usage error") {
    const UsageReport r = one_site({30});
    for (const std::string lang : {"fr", "", "JA", "ja-JP"}) {
        CHECK(error_code_of([&] { (void)usage_html(r, lang, "t"); }) == Errc::Usage);
    }
    UsageReport backwards = r;
    backwards.to = kApril.plus(-1);
    CHECK(error_code_of([&] { (void)usage_html(backwards, "ja", "t"); }) == Errc::Usage);
}

TEST_CASE("report html: self-contained with no scripts and no external resources") {
    UsageReport r = one_site({30, 40});
    r.thresholds.push_back(mark(kApril, "1", 45));
    const std::string html = usage_html(r, "ja", "t");
    CHECK(html.starts_with("<!DOCTYPE html>"));
    CHECK(contains(html,
                   "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
                   "'none'; style-src 'unsafe-inline'\">"));
    CHECK(contains(html, "<svg class=\"usage-chart\""));
    CHECK(contains(html, "@page { size: A4 landscape;"));
    for (const std::string_view bad : {"<script", "http:", "https:", "//www.", " src=", "href=",
                                       "url(", "@import", "<link", "<img", "<iframe", "<object"}) {
        CHECK_MESSAGE(!contains(html, bad), bad);
    }
}

TEST_CASE("report html: the table lists every row with two decimals and dashes for unknowns") {
    UsageReport r = one_site({100.0 / 3, std::nullopt});
    r.rows[0].users = 12;
    r.rows[0].receipts = 36;
    r.rows[1].notified_rate = 61.456;
    const std::string html = usage_html(r, "ja", "t");
    const auto body = html.substr(html.find("<tbody>"));
    CHECK(count(body, "<tr") == 2);
    CHECK(contains(body,
                   "<td class=\"num\">12</td><td class=\"num\">36</td>"
                   "<td class=\"num\">33.33</td><td class=\"unknown\">—</td>"
                   "<td class=\"num\">33.33<span class=\"kind\">推計</span></td>"));
    CHECK(contains(body,
                   "<td class=\"unknown\">—</td><td class=\"unknown\">—</td>"
                   "<td class=\"num\">61.46</td>"
                   "<td class=\"num\">61.46<span class=\"kind\">通知</span></td>"));
    CHECK(contains(body, "模擬クリニック<span class=\"code\">1312345678</span>"));
    CHECK(contains(html, "<th>利用者数</th><th>レセプト件数</th>"));
}

// The chart as Chromium draws it: a flat 50 % series between thresholds of 30 % (first three
// months) and 70 % (last three). The threshold lines found in the screenshot give the scale,
// and the rate line must sit halfway between them, leave the gap month empty, and show its
// notified point filled and its local point hollow.
TEST_CASE("report html: chromium draws the rate line at its height and the threshold lines") {
    require_chromium();
    UsageReport r = one_site({50, std::nullopt, 50, std::nullopt, std::nullopt, 50});
    r.rows[1].notified_rate = 50;  // month 1 notified, months 0, 2 and 5 local
    r.rows[4].notified_rate = 50;  // month 3 has no rate at all
    for (int i = 0; i < 6; ++i) r.thresholds.push_back(mark(kApril.plus(i), "1", i < 3 ? 30 : 70));
    const std::string html = usage_html(r, "ja", "マイナ保険証利用率");
    const Rgb line = hex_colour(attr(tags(html, "<path class=\"rate-line\"")[0], "stroke"));
    const Rgb threshold = hex_colour(attr(tags(html, "<line class=\"threshold\"")[0], "stroke"));
    const Rgb grid = hex_colour(attr(tags(html, "<line class=\"gridline\"")[0], "stroke"));
    REQUIRE(!near(line, threshold));

    const TemporaryDirectory dir("mynaq-unit-report-html");
    const fs::path page = dir.path() / "usage.html";
    const fs::path png = dir.path() / "usage.png";
    write_file_atomic(page, std::string_view(html));
    render_html(page, png, RenderFormat::Png, std::chrono::seconds(60), PngSize{1000, 800});
    const Image image = decode_png(slurp(png));
    REQUIRE(image.width == 1000);
    REQUIRE(image.height == 800);

    // Two dashed threshold lines: 70 % above, starting at month 3; 30 % below, from month 0.
    const auto bands = horizontal_bands(image, threshold, 80);
    REQUIRE(bands.size() == 2);
    const Band& at70 = bands[0];
    const Band& at30 = bands[1];
    const double per_percent = (at30.y - at70.y) / 40;
    REQUIRE(per_percent > 1);
    const auto y_of = [&](double p) { return at30.y - (p - 30) * per_percent; };
    const double left = at30.x_min;
    const double band = (at70.x_min - left) / 3;
    REQUIRE(band > 20);
    CHECK(at70.x_max == doctest::Approx(left + 6 * band).epsilon(0.02));
    CHECK(at30.x_max < at70.x_min + 2);
    const double right = left + 6 * band;
    // The scale is 0–100 %: gridlines where 0 % and 100 % fall.
    CHECK(pixels_in(image, grid, left, right, y_of(0) - 1.5, y_of(0) + 2.5) > 400);
    CHECK(pixels_in(image, grid, left, right, y_of(100) - 1.5, y_of(100) + 2.5) > 400);
    CHECK(y_of(100) > 0);
    CHECK(y_of(0) < image.height);

    // The 50 % line: halfway between the thresholds, nothing of it near the top.
    const int total = pixels_in(image, line, left, right, y_of(100) - 2, y_of(0) + 3);
    const int at_50 = pixels_in(image, line, left, right, y_of(50) - 8, y_of(50) + 9);
    CHECK(at_50 > 200);
    CHECK(total == at_50);
    CHECK(pixels_in(image, line, left, right, y_of(100) - 2, y_of(60)) == 0);

    // Month 3 has no rate: nothing drawn across the middle of its column.
    CHECK(pixels_in(image, line, left + 3.25 * band, left + 3.75 * band, y_of(100), y_of(0)) == 0);
    CHECK(pixels_in(image, line, left + 0.75 * band, left + 1.25 * band, y_of(60), y_of(40)) > 0);

    // Filled (notified, month 1) and hollow (local, month 0) points.
    const auto centre = [&](int month) {
        return image.at(static_cast<int>(left + (month + 0.5) * band),
                        static_cast<int>(y_of(50) + 0.5));
    };
    CHECK(near(centre(1), line));
    CHECK(near(centre(4), line));
    CHECK(near(centre(0), Rgb{255, 255, 255}, 16));
    CHECK(near(centre(5), Rgb{255, 255, 255}, 16));
}
