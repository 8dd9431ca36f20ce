#include "mynaq/report/inputs.hpp"

#include <charconv>
#include <sstream>

#include <fmt/format.h>

#include "mynaq/csv.hpp"
#include "mynaq/error.hpp"
#include "mynaq/report/rules.hpp"

namespace mynaq::report {

namespace {

// Full-width ASCII (U+FF01–U+FF5E, as Japanese IMEs type digits, %, commas) to ASCII, and
// surrounding blanks dropped.
std::string fold(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto b0 = static_cast<unsigned char>(text[i]);
        if (b0 == 0xEF && i + 2 < text.size()) {
            const auto b1 = static_cast<unsigned char>(text[i + 1]);
            const auto b2 = static_cast<unsigned char>(text[i + 2]);
            const unsigned code = ((b0 & 0x0Fu) << 12) | ((b1 & 0x3Fu) << 6) | (b2 & 0x3Fu);
            if (code >= 0xFF01 && code <= 0xFF5E) {
                out += static_cast<char>(code - 0xFF01 + 0x21);
                i += 2;
                continue;
            }
        }
        if (b0 == 0xE3 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
            static_cast<unsigned char>(text[i + 2]) == 0x80) {
            out += ' ';  // U+3000 ideographic space
            i += 2;
            continue;
        }
        out += text[i];
    }
    const auto b = out.find_first_not_of(" \t");
    if (b == std::string::npos) return {};
    return out.substr(b, out.find_last_not_of(" \t") - b + 1);
}

bool all_digits(std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

struct Table {
    std::vector<std::vector<std::string>> rows;  // folded cells
    std::vector<int> lines;                      // 1-based line numbers
};

Table read_table(std::string_view bytes) {
    const std::string text = office_text_to_utf8(bytes);
    Table t;
    std::istringstream in(text);
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        auto cells = csv_split_line(line);
        bool blank = true;
        for (auto& c : cells) {
            c = fold(c);
            blank = blank && c.empty();
        }
        if (blank) continue;
        // Excel leaves trailing empty cells when a sheet had wider rows.
        while (cells.size() > 1 && cells.back().empty()) cells.pop_back();
        t.rows.push_back(std::move(cells));
        t.lines.push_back(number);
    }
    return t;
}

[[noreturn]] void bad(const std::string& source, int line, const std::string& what) {
    throw Error(Errc::DataInvalid, fmt::format("{}: line {}: {}", source, line, what),
                {{"line", std::to_string(line)}});
}

// Where the month column is: 0 (no site column) or 1; nullopt for a header row.
std::optional<std::size_t> month_column(const std::vector<std::string>& cells) {
    if (parse_month_loose(cells[0])) return 0;
    if (cells.size() > 1 && parse_month_loose(cells[1])) return 1;
    return std::nullopt;
}

std::string site_of(const std::vector<std::string>& cells, std::size_t month_at,
                    const std::string& default_site, const std::string& source, int line) {
    if (month_at == 0) {
        if (default_site.empty()) {
            throw Error(Errc::Usage,
                        fmt::format("{}: line {}: no site column and no facility.code "
                                    "configured; add the 医療機関コード as the first column or "
                                    "give --site",
                                    source, line));
        }
        return default_site;
    }
    if (cells[0].size() != 10 || !all_digits(cells[0])) {
        bad(source, line, fmt::format("'{}' is not a 10-digit 医療機関コード", cells[0]));
    }
    return cells[0];
}

}  // namespace

std::optional<std::string> parse_month_loose(std::string_view raw) {
    std::string text = fold(raw);
    if (text.ends_with("月")) text.erase(text.size() - 3);
    if (const auto y = text.find("年"); y != std::string::npos) text.replace(y, 3, "-");
    if (text.size() == 6 && all_digits(text)) text.insert(4, "-");
    const auto m = parse_month(text);
    if (!m) return std::nullopt;
    return m->text();
}

std::optional<double> parse_percent(std::string_view raw) {
    std::string text = fold(raw);
    if (text.ends_with('%')) text.pop_back();
    if (text.empty() || text.find_first_not_of("0123456789.") != std::string::npos) {
        return std::nullopt;
    }
    double value = -1;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    if (value < 0 || value > 100) return std::nullopt;
    return value;
}

std::optional<std::int64_t> parse_count(std::string_view raw) {
    std::string text = fold(raw);
    std::erase(text, ',');
    if (!all_digits(text) || text.size() > 12) return std::nullopt;
    return std::stoll(text);
}

std::vector<ReceiptCount> parse_receipts_csv(std::string_view bytes,
                                             const std::string& default_site,
                                             const std::string& source) {
    const Table t = read_table(bytes);
    std::vector<ReceiptCount> out;
    for (std::size_t i = 0; i < t.rows.size(); ++i) {
        const auto& cells = t.rows[i];
        const int line = t.lines[i];
        const auto at = month_column(cells);
        if (!at) {
            if (i == 0) continue;  // the header
            bad(source, line, fmt::format("'{}' is not a month like 2026-10", cells[0]));
        }
        if (cells.size() < *at + 2) bad(source, line, "the レセプト件数 is missing");
        ReceiptCount r;
        r.site = site_of(cells, *at, default_site, source, line);
        r.month = *parse_month_loose(cells[*at]);
        const auto count = parse_count(cells[*at + 1]);
        if (!count) {
            bad(source, line,
                fmt::format("'{}' is not a number of receipts (レセプト件数)", cells[*at + 1]));
        }
        r.receipts = *count;
        r.source = "import:" + source;
        out.push_back(std::move(r));
    }
    if (out.empty()) {
        throw Error(Errc::DataInvalid, fmt::format("{} has no rows of month and receipts", source));
    }
    return out;
}

std::vector<NotifiedRate> parse_notified_csv(std::string_view bytes,
                                             const std::string& default_site,
                                             const std::string& source) {
    const Table t = read_table(bytes);
    std::vector<NotifiedRate> out;
    for (std::size_t i = 0; i < t.rows.size(); ++i) {
        const auto& cells = t.rows[i];
        const int line = t.lines[i];
        const auto at = month_column(cells);
        if (!at) {
            if (i == 0) continue;
            bad(source, line, fmt::format("'{}' is not a month like 2026-10", cells[0]));
        }
        if (cells.size() < *at + 2) bad(source, line, "the rate is missing");
        NotifiedRate n;
        n.site = site_of(cells, *at, default_site, source, line);
        n.month = *parse_month_loose(cells[*at]);
        const auto percent = parse_percent(cells[*at + 1]);
        if (!percent) {
            bad(source, line, fmt::format("'{}' is not a rate of 0 to 100 %", cells[*at + 1]));
        }
        n.percent = *percent;
        auto optional_count = [&](std::size_t column, const char* what) -> std::int64_t {
            if (cells.size() <= column || cells[column].empty()) return -1;
            const auto v = parse_count(cells[column]);
            if (!v)
                bad(source, line, fmt::format("'{}' is not a number of {}", cells[column], what));
            return *v;
        };
        n.users = optional_count(*at + 2, "users");
        n.receipts = optional_count(*at + 3, "receipts");
        n.source = "import:" + source;
        out.push_back(std::move(n));
    }
    if (out.empty()) {
        throw Error(Errc::DataInvalid, fmt::format("{} has no rows of month and rate", source));
    }
    return out;
}

}  // namespace mynaq::report
