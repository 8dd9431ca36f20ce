#include "result_pdf.hpp"

#include <vector>

#include <fmt/format.h>

#include "mynaq/oqs/medical_info.hpp"

namespace mynaq::sim {

namespace {

constexpr std::size_t kMaxLines = 60;  // one A4 page at 12 pt leading

// Printable ASCII only, with PDF string escapes; anything else becomes '?'.
std::string pdf_text(std::string_view text) {
    std::string out;
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '(' || c == ')' || c == '\\') out += '\\';
        out += (u >= 0x20 && u < 0x7f) ? c : '?';
    }
    return out;
}

std::vector<std::string> lines_of(const oqs::Node& result, std::string_view prefix) {
    std::vector<std::string> lines{
        fmt::format("mynaq emulator - {}res (synthetic, PDF form)", prefix)};
    const oqs::Document doc{result, {}, TextEncoding::Utf8, {}};
    if (prefix == oqs::prefix_of(oqs::MedicalInfoKind::Drugs)) {
        const auto h = oqs::parse_drug_result(doc);
        lines.push_back(
            fmt::format("Birth date: {}   Entries: {}", h.patient.birthdate, h.entries.size()));
        for (const auto& e : h.entries) {
            lines.push_back(fmt::format("{} {} {} {} {}{} x{}", e.month, oqs::to_string(e.source),
                                        e.institution_code(), e.drug_code, e.quantity,
                                        e.unit.empty() ? "" : " unit", e.times));
        }
    } else {
        const auto h = oqs::parse_checkup_result(doc);
        lines.push_back(
            fmt::format("Birth date: {}   Check-ups: {}", h.patient.birthdate, h.checkups.size()));
        for (const auto& c : h.checkups) {
            for (const auto& i : c.items) {
                lines.push_back(fmt::format("{} {} {}", c.date, i.code, i.value));
            }
        }
    }
    if (lines.size() > kMaxLines) {
        lines.resize(kMaxLines - 1);
        lines.emplace_back("(continued)");
    }
    return lines;
}

}  // namespace

std::string medical_result_pdf(const oqs::Node& result, std::string_view prefix) {
    std::string content = "BT /F1 10 Tf 12 TL 40 800 Td\n";
    for (const auto& line : lines_of(result, prefix)) {
        content += fmt::format("({}) Tj T*\n", pdf_text(line));
    }
    content += "ET\n";
    const std::vector<std::string> objects{
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        " /Resources << /Font << /F1 5 0 R >> >> >>",
        fmt::format("<< /Length {} >>\nstream\n{}endstream", content.size(), content),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    };
    std::string pdf = "%PDF-1.4\n";
    std::vector<std::size_t> offsets;
    for (std::size_t i = 0; i < objects.size(); ++i) {
        offsets.push_back(pdf.size());
        pdf += fmt::format("{} 0 obj\n{}\nendobj\n", i + 1, objects[i]);
    }
    const std::size_t xref = pdf.size();
    pdf += fmt::format("xref\n0 {}\n0000000000 65535 f \n", objects.size() + 1);
    for (const auto offset : offsets) pdf += fmt::format("{:010} 00000 n \n", offset);
    pdf += fmt::format("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{}\n%%EOF\n",
                       objects.size() + 1, xref);
    return pdf;
}

}  // namespace mynaq::sim
