#include "mynaq/oqs/reference_number.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "mynaq/csv.hpp"
#include "mynaq/error.hpp"
#include "mynaq/text.hpp"

namespace mynaq::oqs {

namespace {

// Characters, not bytes: the limits are stated in 文字.
std::size_t utf8_length(std::string_view s) {
    return static_cast<std::size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool has_control(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7F;
    });
}

bool is_ascii(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

[[noreturn]] void invalid_message(const std::string& detail) {
    throw Error(Errc::MessageInvalid, detail);
}

// Element order as in MynaReception's request builder and the §6 layout.
void add_registration(Node& body, const ReferenceRegistration& r) {
    Node& info = body.add("ReferenceNumberRegistrationInfo");
    info.add("ReferenceNumber", r.reference_number);
    info.add("InsurerNumber", pad_insurer_number(r.insurer_number));
    info.add_if("InsuredCardSymbol", r.symbol);
    info.add("InsuredIdentificationNumber", r.number);
    info.add_if("InsuredBranchNumber", r.branch);
}

Node request_root(const std::string& institution_code, const std::string& file_id) {
    Node root("XmlMsg");
    Node& header = root.add("MessageHeader");
    header.add("MedicalInstitutionCode", institution_code);
    header.add_if("ArbitraryFileIdentifier", file_id);
    return root;
}

// A body value first, the header's as a fallback (or the other way round): the sources do
// not agree on where ReceptionNumber and the counts sit.
std::string body_then_header(const Node* body, const ResultHeader& header, std::string_view name) {
    if (body != nullptr) {
        if (auto v = body->value(name)) return *v;
    }
    return header.get(name);
}
std::string header_then_body(const Node* body, const ResultHeader& header, std::string_view name) {
    std::string v = header.get(name);
    if (v.empty() && body != nullptr) v = body->value_or_empty(name);
    return v;
}

}  // namespace

ReferenceRegistration reference_registration_from(const Node& info) {
    ReferenceRegistration r;
    r.reference_number = info.value_or_empty("ReferenceNumber");
    r.insurer_number = info.value_or_empty("InsurerNumber");
    r.symbol = info.value_or_empty("InsuredCardSymbol");
    r.number = info.value_or_empty("InsuredIdentificationNumber");
    r.branch = info.value_or_empty("InsuredBranchNumber");
    return r;
}

// ---- checks -----------------------------------------------------------------------------------

std::vector<InputFinding> check_reference_registration(const ReferenceRegistration& r) {
    std::vector<InputFinding> out;
    auto add = [&](std::string f, std::string code, std::string detail, bool blocking) {
        out.push_back({std::move(f), std::move(code), std::move(detail), blocking});
    };

    const std::string_view ref = r.reference_number;
    if (trim_ascii(ref).empty()) {
        add("reference_number", "required", "the reference number (照会番号) is missing", true);
    } else if (trim_ascii(ref).size() != ref.size() || has_control(ref)) {
        // A stray space would be registered as part of the number and never match the chart.
        add("reference_number", "format",
            fmt::format("the reference number '{}' has surrounding spaces or control characters",
                        ref),
            true);
    } else if (utf8_length(ref) > kMaxReferenceNumberChars) {
        add("reference_number", "length",
            fmt::format("the reference number has {} characters, more than {}", utf8_length(ref),
                        kMaxReferenceNumberChars),
            true);
    } else if (!is_ascii(ref)) {
        add("reference_number", "format",
            fmt::format("the reference number '{}' has characters other than ASCII; the system "
                        "may refuse it",
                        ref),
            false);
    }

    const auto insurer = trim_ascii(r.insurer_number);
    if (insurer.empty()) {
        add("insurer_number", "required", "the insurer number is missing", true);
    } else if (!all_digits(insurer)) {
        add("insurer_number", "format",
            fmt::format("the insurer number '{}' must be digits only", insurer), true);
    } else if (insurer.size() != 6 && insurer.size() != 8) {
        add("insurer_number", "length",
            fmt::format("the insurer number {} has {} digits, not 6 or 8", insurer, insurer.size()),
            true);
    } else if (!insurer_check_digit_ok(insurer)) {
        // As in check_search_info: numbers in use that break the rule exist, and the system
        // answers for the unit anyway.
        add("insurer_number", "check_digit",
            fmt::format("the check digit of insurer number {} does not match", insurer), false);
    }

    // MynaReception's spec: 記号 and 番号 at most 20 characters each [single source].
    const auto symbol = trim_ascii(r.symbol);
    if (utf8_length(symbol) > 20) {
        add("symbol", "length",
            fmt::format("the symbol has {} characters, more than 20", utf8_length(symbol)), false);
    }
    const auto number = trim_ascii(r.number);
    if (number.empty()) {
        add("number", "required", "the insured person's number (番号) is missing", true);
    } else if (utf8_length(number) > 20) {
        add("number", "length",
            fmt::format("the number has {} characters, more than 20", utf8_length(number)), false);
    }

    const auto branch = trim_ascii(r.branch);
    if (!branch.empty() && (branch.size() != 2 || !all_digits(branch))) {
        add("branch", "format", fmt::format("the branch number '{}' should be 2 digits", branch),
            false);
    }
    return out;
}

void require_valid_reference_registration(const ReferenceRegistration& r) {
    for (const auto& f : check_reference_registration(r)) {
        if (f.blocking) {
            throw Error(Errc::InvalidArgument, f.detail, {{"field", f.field}, {"code", f.code}});
        }
    }
}

// ---- requests ---------------------------------------------------------------------------------

Node build_reference_registration(const std::string& institution_code, const std::string& file_id,
                                  const ReferenceRegistration& registration) {
    require_valid_reference_registration(registration);
    Node root = request_root(institution_code, file_id);
    add_registration(root.add("MessageBody"), registration);
    return root;
}

Node build_bulk_reference_upload(const std::string& institution_code, const std::string& file_id,
                                 const std::vector<ReferenceRegistration>& registrations) {
    if (registrations.empty()) {
        throw Error(Errc::InvalidArgument, "a bulk registration needs at least one entry");
    }
    Node root = request_root(institution_code, file_id);
    Node& body = root.add("MessageBody");
    for (std::size_t i = 0; i < registrations.size(); ++i) {
        const auto& r = registrations[i];
        try {
            require_valid_reference_registration(r);
        } catch (const Error& e) {
            auto fields = e.fields();
            fields["entry"] = std::to_string(i + 1);
            throw Error(Errc::InvalidArgument,
                        fmt::format("entry {} (reference number '{}'): {}", i + 1,
                                    r.reference_number, e.detail()),
                        std::move(fields));
        }
        add_registration(body, r);
    }
    return root;
}

Node build_bulk_reference_download(const std::string& institution_code, const std::string& file_id,
                                   const std::string& reception_number) {
    if (trim_ascii(reception_number).empty()) {
        throw Error(Errc::InvalidArgument, "the reception number (受付番号) is missing");
    }
    Node root = request_root(institution_code, file_id);
    root.add("MessageBody").add("ReceptionNumber", reception_number);
    return root;
}

// ---- results ----------------------------------------------------------------------------------

ReferenceRegistrationResult parse_reference_registration_result(Document doc) {
    ReferenceRegistrationResult r;
    const Node& root = result_root(doc);
    r.header = result_header(root);
    if (const Node* body = root.child("MessageBody")) {
        if (const Node* info = body->find("ReferenceNumberRegistrationInfo")) {
            r.echo = reference_registration_from(*info);
        } else if (auto ref = body->value("ReferenceNumber")) {
            r.echo = ReferenceRegistration{*ref, {}, {}, {}, {}};
        }
        r.person = person_state_of(body->value_or_empty("ProcessingResultStatus"));
        r.processing_result_code = body->value_or_empty("ProcessingResultCode");
        r.processing_result_message = body->value_or_empty("ProcessingResultMessage");
    }
    r.document = std::move(doc);
    return r;
}

BulkReferenceUploadResult parse_bulk_reference_upload_result(Document doc) {
    BulkReferenceUploadResult r;
    const Node& root = result_root(doc);
    r.header = result_header(root);
    const Node* body = root.child("MessageBody");
    r.reception_number =
        std::string(trim_ascii(body_then_header(body, r.header, "ReceptionNumber")));
    r.reception_date_time = body_then_header(body, r.header, "ReceptionDateTime");
    if (body != nullptr) {
        r.status = person_state_of(body->value_or_empty("ProcessingResultStatus"));
        r.processing_result_code = body->value_or_empty("ProcessingResultCode");
        r.processing_result_message = body->value_or_empty("ProcessingResultMessage");
    }
    if (r.reception_number.empty() && r.header.state == FileState::Completed &&
        r.status != PersonState::Error) {
        invalid_message("the bulk registration upload result has no ReceptionNumber");
    }
    r.document = std::move(doc);
    return r;
}

BulkReferenceResult parse_bulk_reference_result(Document doc) {
    BulkReferenceResult r;
    const Node& root = result_root(doc);
    r.header = result_header(root);
    const Node* body = root.child("MessageBody");
    r.reception_number = header_then_body(body, r.header, "ReceptionNumber");
    r.number_of_results = header_then_body(body, r.header, "NumberOfProcessingResult");
    r.number_of_normal = header_then_body(body, r.header, "NumberOfNormalProcessing");
    r.number_of_errors = header_then_body(body, r.header, "NumberOfError");
    if (body != nullptr) {
        for (const Node* u : body->find_all("BulkRegistrationUnit")) {
            BulkRegistrationUnit unit;
            // The registration is echoed inside the unit; a flat unit is read the same way.
            const Node* info = u->child("ReferenceNumberRegistrationInfo");
            unit.info = reference_registration_from(info != nullptr ? *info : *u);
            unit.person = person_state_of(u->value_or_empty("ProcessingResultStatus"));
            unit.processing_result_code = u->value_or_empty("ProcessingResultCode");
            unit.processing_result_message = u->value_or_empty("ProcessingResultMessage");
            r.units.push_back(std::move(unit));
        }
    }
    r.document = std::move(doc);
    return r;
}

// ---- CSV --------------------------------------------------------------------------------------

namespace {

enum class Column { Reference, Insurer, Symbol, Number, Branch, Kana, Birthdate };

struct Alias {
    std::string_view name;
    Column column;
};

constexpr std::array kAliases{
    Alias{"chart", Column::Reference},     Alias{"chart_id", Column::Reference},
    Alias{"reference", Column::Reference}, Alias{"reference_number", Column::Reference},
    Alias{"照会番号", Column::Reference},  Alias{"カルテ番号", Column::Reference},
    Alias{"insurer", Column::Insurer},     Alias{"insurer_number", Column::Insurer},
    Alias{"保険者番号", Column::Insurer},  Alias{"symbol", Column::Symbol},
    Alias{"記号", Column::Symbol},         Alias{"number", Column::Number},
    Alias{"番号", Column::Number},         Alias{"branch", Column::Branch},
    Alias{"枝番", Column::Branch},         Alias{"kana", Column::Kana},
    Alias{"name_kana", Column::Kana},      Alias{"カナ氏名", Column::Kana},
    Alias{"フリガナ", Column::Kana},       Alias{"birthdate", Column::Birthdate},
    Alias{"birth", Column::Birthdate},     Alias{"生年月日", Column::Birthdate},
};

std::string_view column_label(Column c) {
    switch (c) {
        case Column::Reference:
            return "chart (照会番号)";
        case Column::Insurer:
            return "insurer (保険者番号)";
        case Column::Symbol:
            return "symbol (記号)";
        case Column::Number:
            return "number (番号)";
        case Column::Branch:
            return "branch (枝番)";
        case Column::Kana:
            return "kana (カナ氏名)";
        case Column::Birthdate:
            break;
    }
    return "birthdate (生年月日)";
}

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

[[noreturn]] void bad_line(int line, const std::string& why) {
    throw Error(Errc::InvalidArgument, fmt::format("line {}: {}", line, why),
                {{"line", std::to_string(line)}});
}

}  // namespace

std::vector<ReferenceRegistration> parse_reference_csv(std::string_view bytes) {
    std::vector<ReferenceRegistration> out;
    for (auto& row : parse_chart_csv(bytes)) out.push_back(std::move(row.registration));
    return out;
}

std::vector<ChartCsvRow> parse_chart_csv(std::string_view bytes) {
    std::string text;
    try {
        text = office_text_to_utf8(bytes);
    } catch (const Error& e) {
        throw Error(Errc::InvalidArgument,
                    fmt::format("the file is neither UTF-8 nor Shift_JIS: {}", e.detail()));
    }

    std::istringstream lines(text);
    std::string line;
    std::map<Column, std::size_t> column;
    bool have_header = false;
    std::map<std::string, int> seen;  // 照会番号 → line, to catch one number given twice
    std::vector<ChartCsvRow> out;
    int number = 0;
    while (std::getline(lines, line)) {
        ++number;
        if (trim_ascii(line).empty()) continue;
        const auto cells = csv_split_line(line);
        if (!have_header) {
            have_header = true;
            for (std::size_t i = 0; i < cells.size(); ++i) {
                const std::string name = ascii_lower(trim_ascii(cells[i]));
                const auto* alias = std::find_if(kAliases.begin(), kAliases.end(),
                                                 [&](const Alias& a) { return a.name == name; });
                if (alias == kAliases.end()) continue;  // extra columns (names, notes) are fine
                if (column.contains(alias->column)) {
                    bad_line(number, fmt::format("the header names the {} column twice",
                                                 column_label(alias->column)));
                }
                column[alias->column] = i;
            }
            for (const Column required : {Column::Reference, Column::Insurer, Column::Number}) {
                if (!column.contains(required)) {
                    bad_line(number, fmt::format("the header has no {} column; expected a header "
                                                 "row such as chart,insurer,symbol,number,branch",
                                                 column_label(required)));
                }
            }
            continue;
        }
        auto get = [&](Column c) -> std::string {
            const auto it = column.find(c);
            if (it == column.end() || it->second >= cells.size()) return {};
            return std::string(trim_ascii(cells[it->second]));
        };
        ReferenceRegistration r;
        r.reference_number = get(Column::Reference);
        r.insurer_number = get(Column::Insurer);
        r.symbol = get(Column::Symbol);
        r.number = get(Column::Number);
        r.branch = get(Column::Branch);
        for (const auto& f : check_reference_registration(r)) {
            if (!f.blocking) continue;
            std::string why = f.detail;
            if (f.field == "insurer_number" && r.insurer_number.size() == 7 &&
                all_digits(r.insurer_number)) {
                why += " (a spreadsheet may have dropped a leading 0; format the column as text)";
            }
            bad_line(number, why);
        }
        if (const auto [it, fresh] = seen.emplace(r.reference_number, number); !fresh) {
            bad_line(number, fmt::format("reference number '{}' is already on line {}",
                                         r.reference_number, it->second));
        }
        ChartCsvRow row{std::move(r), get(Column::Kana), get(Column::Birthdate), number};
        row.birthdate.erase(std::remove(row.birthdate.begin(), row.birthdate.end(), '-'),
                            row.birthdate.end());
        if (!row.birthdate.empty() && (row.birthdate.size() != 8 || !all_digits(row.birthdate))) {
            bad_line(number, fmt::format("birthdate '{}' is not YYYY-MM-DD or YYYYMMDD",
                                         get(Column::Birthdate)));
        }
        out.push_back(std::move(row));
    }
    if (!have_header) throw Error(Errc::InvalidArgument, "the file is empty: no header row");
    if (out.empty()) {
        throw Error(Errc::InvalidArgument, "the file has a header row but no registrations");
    }
    return out;
}

}  // namespace mynaq::oqs
