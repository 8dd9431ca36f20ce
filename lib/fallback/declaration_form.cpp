#include "mynaq/fallback/declaration_form.hpp"

#include <initializer_list>
#include <string_view>

#include "mynaq/error.hpp"
#include "mynaq/html.hpp"

namespace mynaq::fallback {

namespace {

// The page is A4 both in print (@page) and on a 794x1123 px screen (the PNG preview), so the
// screen rules recreate the print margins with padding.
constexpr std::string_view kStyle = R"css(
@page { size: A4 portrait; margin: 15mm; }
* { box-sizing: border-box; }
html { background: #fff; }
body {
  margin: 0; color: #000; background: #fff;
  font-family: "Noto Sans CJK JP", "Noto Serif CJK JP", "IPAexGothic", "IPAGothic", sans-serif;
  font-size: 10.5pt; line-height: 1.4;
  -webkit-print-color-adjust: exact; print-color-adjust: exact;
}
@media screen { body { width: 210mm; min-height: 297mm; padding: 15mm; } }
.sheet { width: 180mm; }
h1 { margin: 0; text-align: center; font-size: 18pt; letter-spacing: 0.4em; font-weight: bold; }
.subtitle { text-align: center; font-size: 8pt; color: #333; }
.to { margin: 3mm 0 2.5mm; }
.to .facility { display: inline-block; min-width: 95mm; border-bottom: 1px solid #000;
  font-size: 13pt; padding: 0 1mm; min-height: 7mm; }
.to .honorific { font-size: 12pt; margin-left: 2mm; }
.to .code { font-size: 8pt; color: #333; margin-top: 1mm; }
.lead { margin: 0 0 2mm; font-size: 9.5pt; }
table.form { width: 100%; border-collapse: collapse; table-layout: fixed; }
table.form th, table.form td { border: 1px solid #000; padding: 1.2mm 2mm; vertical-align: middle; }
table.form th { background: #eee; font-weight: normal; text-align: left; font-size: 9.5pt; }
table.form th.section { background: #d4d4d4; font-weight: bold; font-size: 10pt; }
col.label { width: 36mm; }
col.label2 { width: 18mm; }
col.value2 { width: 42mm; }
tr.kana td { height: 7mm; }
tr.name td.value { height: 12mm; font-size: 15pt; }
tr.address td { height: 15mm; vertical-align: top; }
tr.row td { height: 9mm; }
tr.row2 td { height: 11mm; }
.postcode { display: inline-block; min-width: 30mm; }
.field { display: inline-block; min-width: 42mm; margin-right: 6mm; }
.sub { font-size: 9pt; margin-right: 2mm; }
.hint { display: block; font-size: 7.5pt; color: #333; }
.en { display: block; font-size: 7pt; color: #444; line-height: 1.2; }
.en-inline { font-size: 7pt; color: #444; margin-left: 1mm; }
.choice { display: inline-block; white-space: nowrap; margin-right: 5mm; }
.box { font-family: "DejaVu Sans", "Noto Sans Symbols 2", "Noto Sans CJK JP", sans-serif;
  font-size: 12pt; margin-right: 0.8mm; }
.blank { display: inline-block; border-bottom: 1px dotted #888; height: 1.2em; }
.blank.y { width: 16mm; }
.blank.md { width: 9mm; }
.era { margin-right: 2mm; }
.declare { margin: 3mm 0 2.5mm; font-size: 10.5pt; }
table.sign { margin-top: 0; }
tr.signature td { height: 18mm; }
.note { margin-top: 3mm; border: 1px solid #000; padding: 2mm 3mm; font-size: 8.8pt; }
.note .head { font-weight: bold; }
.sheet tr, .note, .declare { break-inside: avoid; }
/* English subtitles add a line to most rows; tighter cells keep the form on one page. */
body.bilingual table.form th, body.bilingual table.form td { padding: 0.7mm 2mm; }
body.bilingual { font-size: 10pt; }
body.bilingual .en { font-size: 6.5pt; line-height: 1.15; }
body.bilingual .section .en-inline { font-weight: normal; }
)css";

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (const char ch : s) {
        if (ch < '0' || ch > '9') return false;
    }
    return true;
}

// "1985-04-03" → "1985年4月3日"; empty → write-in blanks; anything else is shown as written
// so that nothing the patient or staff entered is lost from the paper.
std::string date_html(std::string_view iso) {
    if (iso.empty()) {
        return R"(<span class="blank y"></span>年<span class="blank md"></span>月)"
               R"(<span class="blank md"></span>日)";
    }
    if (iso.size() == 10 && iso[4] == '-' && iso[7] == '-' && all_digits(iso.substr(0, 4)) &&
        all_digits(iso.substr(5, 2)) && all_digits(iso.substr(8, 2))) {
        const auto unpadded = [](std::string_view two) {
            return std::string(two[0] == '0' ? two.substr(1) : two);
        };
        return std::string(iso.substr(0, 4)) + "年" + unpadded(iso.substr(5, 2)) + "月" +
               unpadded(iso.substr(8, 2)) + "日";
    }
    return html_escape(iso);
}

class Builder {
public:
    explicit Builder(bool english) : english_(english) {}

    // A Japanese label, with its English subtitle when the form is for English readers.
    [[nodiscard]] std::string label(std::string_view ja, std::string_view en) const {
        std::string out(ja);
        if (english_) out += R"(<span class="en">)" + std::string(en) + "</span>";
        return out;
    }

    // The same, with the English on the same line (section headings have room for it).
    [[nodiscard]] std::string inline_label(std::string_view ja, std::string_view en) const {
        std::string out(ja);
        if (english_) out += R"(<span class="en-inline">)" + std::string(en) + "</span>";
        return out;
    }

    [[nodiscard]] std::string choice(bool checked, std::string_view ja, std::string_view en) const {
        std::string out = R"(<span class="choice"><span class="box">)";
        out += checked ? "☑" : "☐";
        out += "</span>";
        out += ja;
        if (english_) out += R"(<span class="en-inline">)" + std::string(en) + "</span>";
        out += "</span>";
        return out;
    }

    [[nodiscard]] bool english() const { return english_; }

private:
    bool english_;
};

struct Option {
    std::string_view id;
    std::string_view ja;
    std::string_view en;
};

std::string choices(const Builder& b, std::string_view selected,
                    std::initializer_list<Option> options) {
    std::string out;
    for (const auto& o : options) {
        out += b.choice(!selected.empty() && selected == o.id, o.ja, o.en);
    }
    return out;
}

std::string row(std::string_view tr_class, const std::string& label, const std::string& value) {
    return "<tr class=\"" + std::string(tr_class) + "\"><th>" + label +
           "</th><td colspan=\"3\" class=\"value\">" + value + "</td></tr>\n";
}

std::string section(const std::string& title) {
    return R"(<tr><th class="section" colspan="4">)" + title + "</th></tr>\n";
}

std::string applicant_rows(const Builder& b, const Declaration& d) {
    std::string out = section(b.inline_label("申立者（受診される方）", "Patient"));
    out += row("kana", b.label("フリガナ", "Name in katakana"), html_escape(d.kana));
    out += "<tr class=\"name\"><th>" + b.label("氏名", "Full name") + "</th><td class=\"value\">" +
           html_escape(d.name) + "</td><th>" + b.label("性別", "Sex") + "</th><td>" +
           choices(b, d.sex, {{"1", "男", "Male"}, {"2", "女", "Female"}}) + "</td></tr>\n";
    out += row("row", b.label("生年月日", "Date of birth"),
               R"(<span class="era">西暦</span>)" + date_html(d.birthdate));
    out += row("address", b.label("郵便番号・住所", "Postcode, address"),
               R"(<div>〒<span class="postcode">)" + html_escape(d.postcode) +
                   "</span></div><div>" + html_escape(d.address) + "</div>");
    out += row("row", b.label("電話番号", "Phone"), html_escape(d.phone));
    return out;
}

std::string insurance_rows(const Builder& b, const Declaration& d) {
    std::string out = section(b.inline_label("加入している医療保険（わかる範囲でご記入ください）",
                                             "Your health insurance (as far as you know)"));
    out += row("row2", b.label("保険種別", "Type of insurance"),
               choices(b, d.insurance_kind,
                       {{"employee", "被用者保険（社保）", "Employee insurance"},
                        {"national", "国民健康保険", "National Health Insurance"},
                        {"elderly", "後期高齢者医療", "Late-stage elderly"},
                        {"other", "その他", "Other"},
                        {"unknown", "わからない", "Don't know"}}));
    out += row("row", b.label("本人・家族の別", "Insured or dependant"),
               choices(b, d.relation,
                       {{"insured", "被保険者（本人）", "Insured person"},
                        {"dependent", "被扶養者（家族）", "Dependant"}}));
    out += row("row",
               b.label(R"(勤務先・事業所名<span class="hint">（社保の場合）</span>)", "Employer"),
               html_escape(d.employer));
    out += row("row", b.label("勤務先の所在地", "Employer's address"),
               html_escape(d.employer_address));
    out += row("row", b.label("保険者名", "Insurer"), html_escape(d.insurer_name));
    out += row("row",
               b.label(R"(記号・番号<span class="hint">（わかる場合）</span>)",
                       "Symbol, number (if known)"),
               R"(<span class="sub">記号</span><span class="field">)" + html_escape(d.symbol) +
                   R"(</span><span class="sub">番号</span><span class="field">)" +
                   html_escape(d.number) + "</span>");
    out += row("row", b.label("一部負担金の割合", "Your co-payment share"),
               choices(b, d.declared_ratio,
                       {{"1", "1割", "10%"}, {"2", "2割", "20%"}, {"3", "3割", "30%"}}));
    return out;
}

std::string head(const Builder& b, const FormContext& ctx) {
    std::string out = "<h1>被保険者資格申立書</h1>\n";
    if (b.english()) {
        out += R"(<div class="subtitle">Declaration of health insurance status</div>)";
        out += "\n";
    }
    out += R"(<div class="to"><span class="facility">)" + html_escape(ctx.facility_name) +
           R"(</span><span class="honorific">御中</span>)";
    if (!ctx.facility_code.empty()) {
        out += R"(<div class="code">医療機関コード )" + html_escape(ctx.facility_code) + "</div>";
    }
    out += "</div>\n";
    out += R"(<p class="lead">)" +
           b.label("マイナ保険証等で資格が確認できなかったため、次のとおりご記入ください。",
                   "Your insurance could not be confirmed online. Please fill in what you "
                   "know.") +
           "</p>\n";
    return out;
}

std::string signing(const Builder& b, const Declaration& d) {
    std::string out = R"(<p class="declare">)" +
                      b.label(
                          "上記のとおり、私が加入している医療保険の資格について申し立てます。"
                          "被保険者番号等がわかりましたら、速やかにこの医療機関等へお知らせ"
                          "します。",
                          "I declare my health insurance status as stated above. I will "
                          "tell this facility my insurance number as soon as I know it.") +
                      "</p>\n";
    out += R"(<table class="form sign"><colgroup><col class="label"><col></colgroup>)";
    out += "\n<tr class=\"row\"><th>" + b.label("申立日", "Date") + "</th><td>" +
           date_html(d.declared_on) + "</td></tr>\n";
    // Never pre-filled: the signature is the patient's own act on paper.
    out += "<tr class=\"signature\"><th>" + b.label("署名", "Signature") +
           "</th><td></td></tr>\n</table>\n";
    return out;
}

std::string patient_note(const Builder& b) {
    return R"(<div class="note"><div class="head">)" +
           b.inline_label("受診される方へ", "To the patient") + "</div>" +
           b.label(
               "この申立書をご記入いただいた場合、窓口でのご負担は3割（未就学児は2割、70歳以上"
               "等の方は1〜3割）で計算します。",
               "With this declaration your share of the cost is computed as 30% (pre-school "
               "children 20%, people aged 70 or over etc. 10 to 30%).") +
           b.label(
               "後日、マイナポータルや資格情報のお知らせ等で被保険者番号等がわかりましたら、"
               "この医療機関等の窓口にお知らせください（保険証等の写しや写真でも結構です）。",
               "When you learn your insurance number (from マイナポータル or your 資格情報"
               "のお知らせ), please tell us. A copy or photo of the card is fine.") +
           "</div>\n";
}

}  // namespace

std::string declaration_form_html(const std::optional<Declaration>& filled,
                                  const FormContext& ctx) {
    if (ctx.lang != "ja" && ctx.lang != "en") {
        throw Error(Errc::Usage, "form language must be ja or en, not '" + ctx.lang + "'");
    }
    const Builder b(ctx.lang == "en");
    // The blank form is the filled one with nothing in it, so both share one layout.
    const Declaration d = filled.value_or(Declaration{});

    std::string html = "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n";
    // Belt and braces to the escaping: the page may run and fetch nothing.
    html +=
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">\n";
    html += "<title>被保険者資格申立書</title>\n<style>";
    html += kStyle;
    html += "</style>\n</head>\n";
    html += b.english() ? "<body class=\"bilingual\">\n" : "<body>\n";
    html += "<div class=\"sheet\">\n";
    html += head(b, ctx);
    html += R"(<table class="form"><colgroup><col class="label"><col>)"
            R"(<col class="label2"><col class="value2"></colgroup>)";
    html += "\n" + applicant_rows(b, d) + insurance_rows(b, d) + "</table>\n";
    html += signing(b, d);
    html += patient_note(b);
    html += "</div>\n</body>\n</html>\n";
    return html;
}

}  // namespace mynaq::fallback
