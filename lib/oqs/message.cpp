#include "mynaq/oqs/message.hpp"

#include <algorithm>
#include <chrono>
#include <string_view>

#include <fmt/format.h>

#include "mynaq/error.hpp"
#include "mynaq/jst.hpp"
#include "mynaq/text.hpp"

namespace mynaq::oqs {

namespace {

[[noreturn]] void invalid(const std::string& detail) {
    throw Error(Errc::MessageInvalid, detail);
}

std::string fields_get(const Fields& fields, std::string_view name) {
    return field(fields, name).value_or(std::string());
}

}  // namespace

Fields leaf_fields(const Node& node) {
    Fields out;
    for (const auto& c : node.children) {
        if (c.children.empty()) out.emplace_back(c.name, c.text);
    }
    return out;
}

const Node& result_root(const Document& doc) {
    if (doc.root.name != "XmlMsg") {
        invalid(fmt::format("the root element is {}, not XmlMsg", doc.root.name));
    }
    return doc.root;
}

ResultHeader result_header(const Node& root) {
    const Node* h = root.child("MessageHeader");
    if (h == nullptr) invalid("the message has no MessageHeader");
    ResultHeader out;
    out.fields = leaf_fields(*h);
    out.state = file_state_of(out.get("SegmentOfResult"));
    out.error_code = out.get("ErrorCode");
    out.error_message = out.get("ErrorMessage");
    return out;
}

// ---- states -----------------------------------------------------------------------------------

FileState file_state_of(const std::string& segment_of_result) {
    const auto v = trim_ascii(segment_of_result);
    if (v == "1") return FileState::Completed;
    if (v == "2") return FileState::Processing;
    if (v == "9") return FileState::Failed;
    return FileState::Unknown;
}

PersonState person_state_of(const std::string& processing_result_status) {
    const auto v = trim_ascii(processing_result_status);
    if (v == "1") return PersonState::Ok;
    if (v == "2") return PersonState::Error;
    return PersonState::Unknown;
}

Eligibility eligibility_of(const std::string& qualification_validity) {
    const auto v = trim_ascii(qualification_validity);
    if (v.size() == 1 && v[0] >= '1' && v[0] <= '6') return static_cast<Eligibility>(v[0] - '0');
    return Eligibility::Unknown;
}

std::string_view to_string(FileState state) {
    switch (state) {
        case FileState::Completed:
            return "completed";
        case FileState::Processing:
            return "processing";
        case FileState::Failed:
            return "failed";
        case FileState::Unknown:
            break;
    }
    return "unknown";
}

std::string_view to_string(PersonState state) {
    switch (state) {
        case PersonState::Ok:
            return "ok";
        case PersonState::Error:
            return "error";
        case PersonState::Unknown:
            break;
    }
    return "unknown";
}

std::string_view to_string(Eligibility e) {
    switch (e) {
        case Eligibility::Valid:
            return "valid";
        case Eligibility::Invalid:
            return "invalid";
        case Eligibility::InvalidNewerExists:
            return "invalid_newer";
        case Eligibility::NoQualification:
            return "no_qualification";
        case Eligibility::Multiple:
            return "multiple";
        case Eligibility::ValidUnregistered:
            return "valid_unregistered";
        case Eligibility::Unknown:
            break;
    }
    return "unknown";
}

// ---- records ----------------------------------------------------------------------------------

std::optional<std::string> field(const Fields& fields, std::string_view name) {
    for (const auto& [key, value] : fields) {
        if (key == name) return value;
    }
    return std::nullopt;
}

std::string Coverage::get(std::string_view name) const {
    return fields_get(fields, name);
}
std::string ResultHeader::get(std::string_view name) const {
    return fields_get(fields, name);
}

SearchInfo search_info_from(const Node& info) {
    SearchInfo s;
    s.insurer_number = info.value_or_empty("InsurerNumber");
    s.card_symbol = info.value_or_empty("InsuredCardSymbol");
    s.identification_number = info.value_or_empty("InsuredIdentificationNumber");
    s.branch_number = info.value_or_empty("InsuredBranchNumber");
    s.birthdate = info.value_or_empty("Birthdate");
    s.limit_consent_flag = info.value_or_empty("LimitApplicationCertificateRelatedConsFlg");
    s.arbitrary_identifier = info.value_or_empty("ArbitraryIdentifier");
    return s;
}

namespace {

constexpr std::string_view kConsFlg = "ConsFlg";

Coverage coverage_from(const Node& record) {
    Coverage c;
    c.fields = leaf_fields(record);
    if (const Node* n = record.child("ElderlyRecipientCertificateInfo"))
        c.elderly = leaf_fields(*n);
    if (const Node* n = record.child("LimitApplicationCertificateRelatedInfo")) {
        c.limit = leaf_fields(*n);
    }
    // Found at any depth: sources show them both directly in the record and inside
    // SpecificDiseasesCertificateList / PublicExpenseResultList.
    for (const Node* n : record.find_all("SpecificDiseasesCertificateInfo")) {
        c.specific_diseases.push_back(leaf_fields(*n));
    }
    for (const Node* n : record.find_all("MedicalTicketInfo")) {
        c.medical_tickets.push_back(leaf_fields(*n));
    }
    // Every <Stem>ConsFlg is a consent category; new categories (電子カルテ情報共有サービス)
    // keep appearing under the same naming, so none is listed here.
    for (const auto& [name, value] : c.fields) {
        if (name.size() <= kConsFlg.size() || !name.ends_with(kConsFlg)) continue;
        ConsentEntry e;
        e.element = name.substr(0, name.size() - kConsFlg.size());
        e.flag = value;
        e.cons_time = fields_get(c.fields, e.element + "ConsTime");
        e.available_time = fields_get(c.fields, e.element + "AvailableTime");
        c.consents.push_back(std::move(e));
    }
    return c;
}

std::vector<Coverage> coverages_in(const Node& scope) {
    std::vector<Coverage> out;
    for (const Node* n : scope.find_all("ResultOfQualificationConfirmation")) {
        out.push_back(coverage_from(*n));
    }
    return out;
}

// A value the sources place either in MessageBody or inside the records: the body wins,
// then the first record that has it.
std::string body_or_record(const Node* body, const std::vector<Coverage>& coverages,
                           std::string_view name) {
    if (body != nullptr) {
        if (auto v = body->value(name)) return *v;
    }
    for (const auto& c : coverages) {
        if (auto v = field(c.fields, name)) return *v;
    }
    return {};
}

}  // namespace

QualificationResult parse_qualification_result(Document doc) {
    QualificationResult r;
    const Node& root = result_root(doc);
    r.header = result_header(root);
    const Node* body = root.child("MessageBody");
    if (body != nullptr) {
        r.coverages = coverages_in(*body);
        if (const Node* echo = body->child("QualificationConfirmSearchInfo")) {
            r.echo = search_info_from(*echo);
        }
    }
    r.person = person_state_of(body_or_record(body, r.coverages, "ProcessingResultStatus"));
    r.processing_result_code = body_or_record(body, r.coverages, "ProcessingResultCode");
    r.processing_result_message = body_or_record(body, r.coverages, "ProcessingResultMessage");
    r.eligibility = eligibility_of(body_or_record(body, r.coverages, "QualificationValidity"));
    r.prescription_issue_select = body_or_record(body, r.coverages, "PrescriptionIssueSelect");
    r.document = std::move(doc);
    return r;
}

BulkUploadResult parse_bulk_upload_result(Document doc) {
    BulkUploadResult r;
    const Node& root = result_root(doc);
    r.header = result_header(root);
    const Node* body = root.child("MessageBody");
    auto pick = [&](std::string_view name) {
        if (body != nullptr) {
            if (auto v = body->value(name)) return *v;
        }
        return r.header.get(name);
    };
    r.reception_number = pick("ReceptionNumber");
    r.reception_date_time = pick("ReceptionDateTime");
    if (r.reception_number.empty() && r.header.state == FileState::Completed) {
        invalid("the bulk upload result has no ReceptionNumber");
    }
    r.document = std::move(doc);
    return r;
}

BulkResult parse_bulk_result(Document doc) {
    BulkResult r;
    const Node& root = result_root(doc);
    r.header = result_header(root);
    const Node* body = root.child("MessageBody");
    auto pick = [&](std::string_view name) {
        std::string v = r.header.get(name);
        if (v.empty() && body != nullptr) v = body->value_or_empty(name);
        return v;
    };
    r.reception_number = pick("ReceptionNumber");
    r.number_of_results = pick("NumberOfProcessingResult");
    r.number_of_normal = pick("NumberOfNormalProcessing");
    r.number_of_errors = pick("NumberOfError");
    if (body != nullptr) {
        for (const Node* u : body->find_all("BulkConfirmUnit")) {
            BulkUnit unit;
            unit.coverages = coverages_in(*u);
            if (const Node* echo = u->child("QualificationConfirmSearchInfo")) {
                unit.echo = search_info_from(*echo);
            }
            auto pick_unit = [&](std::string_view name) {
                if (auto v = u->value(name)) return *v;
                for (const auto& c : unit.coverages) {
                    if (auto cv = field(c.fields, name)) return *cv;
                }
                return std::string();
            };
            if (unit.echo.arbitrary_identifier.empty()) {
                unit.echo.arbitrary_identifier = pick_unit("ArbitraryIdentifier");
            }
            unit.person = person_state_of(pick_unit("ProcessingResultStatus"));
            unit.processing_result_code = pick_unit("ProcessingResultCode");
            unit.processing_result_message = pick_unit("ProcessingResultMessage");
            unit.eligibility = eligibility_of(pick_unit("QualificationValidity"));
            unit.reference_number = pick_unit("ReferenceNumber");
            r.units.push_back(std::move(unit));
        }
    }
    r.document = std::move(doc);
    return r;
}

// ---- requests ---------------------------------------------------------------------------------

namespace {

// Element order as in the request layout (oqs-interface.md §2.1).
void add_search_info(Node& parent, const SearchInfo& s) {
    Node& info = parent.add("QualificationConfirmSearchInfo");
    info.add("InsurerNumber", pad_insurer_number(s.insurer_number));
    info.add_if("InsuredCardSymbol", s.card_symbol);
    info.add("InsuredIdentificationNumber", s.identification_number);
    info.add_if("InsuredBranchNumber", s.branch_number);
    info.add("Birthdate", s.birthdate);
    info.add_if("LimitApplicationCertificateRelatedConsFlg", s.limit_consent_flag);
    info.add_if("ArbitraryIdentifier", s.arbitrary_identifier);
}

Node& add_query_header(Node& root, const std::string& date, const std::string& institution,
                       const std::string& file_id) {
    Node& header = root.add("MessageHeader");
    header.add("QualificationConfirmationDate", date);
    header.add("MedicalInstitutionCode", institution);
    header.add_if("ArbitraryFileIdentifier", file_id);
    return header;
}

}  // namespace

Node build_single_query(const SingleQuery& query) {
    Node root("XmlMsg");
    add_query_header(root, query.confirmation_date, query.institution_code,
                     query.arbitrary_file_identifier);
    add_search_info(root.add("MessageBody"), query.search);
    return root;
}

Node build_bulk_upload(const BulkQuery& query) {
    Node root("XmlMsg");
    add_query_header(root, query.confirmation_date, query.institution_code,
                     query.arbitrary_file_identifier);
    Node& body = root.add("MessageBody");
    for (const auto& person : query.people) add_search_info(body, person);
    return root;
}

Node build_bulk_download(const std::string& institution_code, const std::string& reception_number,
                         const std::string& arbitrary_file_identifier) {
    Node root("XmlMsg");
    Node& header = root.add("MessageHeader");
    header.add("MedicalInstitutionCode", institution_code);
    header.add_if("ArbitraryFileIdentifier", arbitrary_file_identifier);
    root.add("MessageBody").add("ReceptionNumber", reception_number);
    return root;
}

// ---- input checks -----------------------------------------------------------------------------

std::string pad_insurer_number(std::string_view digits) {
    const auto t = trim_ascii(digits);
    if (all_digits(t) && t.size() == 6) return "  " + std::string(t);
    if (all_digits(t) && t.size() == 8) return std::string(t);
    return std::string(digits);
}

// 検証番号 of the 保険者番号 (厚生労働省「保険者番号設定要領」, as quoted by
// http://www5f.biglobe.ne.jp/~h-it/mlcont/mc0124.htm and iryoujimu-blog.com 2018-05-15):
// multiply the digits of 法別番号+都道府県番号+保険者別番号 by 2 and 1 alternately, starting
// with 2 at the last digit; add the products, adding both digits of a two-digit product; the
// check digit is 10 minus the last digit of the sum, or 0 when that last digit is 0.
// Worked example there: 3312001 → 6+3+2+2+0+0+2 = 15 → 5, so 33120015.
// 国保 numbers have no 法別番号: the same rule over the first 5 of 6 digits.
bool insurer_check_digit_ok(std::string_view number) {
    const auto t = trim_ascii(number);
    if (!all_digits(t) || (t.size() != 8 && t.size() != 6)) return false;
    const auto body = t.substr(0, t.size() - 1);
    int sum = 0;
    int weight = 2;
    for (auto it = body.rbegin(); it != body.rend(); ++it) {
        const int product = (*it - '0') * weight;
        sum += product / 10 + product % 10;
        weight = weight == 2 ? 1 : 2;
    }
    const int check = (10 - sum % 10) % 10;
    return t.back() - '0' == check;
}

namespace {

bool is_real_date(std::string_view yyyymmdd, std::chrono::year_month_day& out) {
    if (yyyymmdd.size() != 8 || !all_digits(yyyymmdd)) return false;
    const int y = std::stoi(std::string(yyyymmdd.substr(0, 4)));
    const auto m = static_cast<unsigned>(std::stoi(std::string(yyyymmdd.substr(4, 2))));
    const auto d = static_cast<unsigned>(std::stoi(std::string(yyyymmdd.substr(6, 2))));
    out = std::chrono::year_month_day{std::chrono::year{y}, std::chrono::month{m},
                                      std::chrono::day{d}};
    return y >= 1800 && out.ok();
}

std::chrono::year_month_day today_jst() {
    const auto now = std::chrono::system_clock::now() + kJstOffset;
    return std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(now)};
}

}  // namespace

std::vector<InputFinding> check_search_info(const SearchInfo& info) {
    std::vector<InputFinding> out;
    auto add = [&](std::string f, std::string code, std::string detail, bool blocking) {
        out.push_back({std::move(f), std::move(code), std::move(detail), blocking});
    };

    const auto insurer = trim_ascii(info.insurer_number);
    if (insurer.empty()) {
        add("insurer_number", "required", "the insurer number is missing", true);
    } else if (!all_digits(insurer)) {
        add("insurer_number", "format", "the insurer number must be digits only", true);
    } else if (insurer.size() != 6 && insurer.size() != 8) {
        add("insurer_number", "length",
            fmt::format("the insurer number has {} digits, not 6 or 8", insurer.size()), true);
    } else if (!insurer_check_digit_ok(insurer)) {
        // Some numbers in use (e.g. test and special numbers) do not follow the rule; the
        // system is the authority, so this only warns.
        add("insurer_number", "check_digit",
            fmt::format("the check digit of insurer number {} does not match", insurer), false);
    }

    if (trim_ascii(info.identification_number).empty()) {
        add("identification_number", "required", "the insured person's number is missing", true);
    }

    const auto branch = trim_ascii(info.branch_number);
    if (!branch.empty() && (branch.size() != 2 || !all_digits(branch))) {
        add("branch_number", "format", "the branch number should be 2 digits", false);
    }

    const auto birth = trim_ascii(info.birthdate);
    std::chrono::year_month_day ymd{};
    if (birth.empty()) {
        add("birthdate", "required", "the birthdate is missing", true);
    } else if (!is_real_date(birth, ymd)) {
        add("birthdate", "date", fmt::format("'{}' is not a date in yyyyMMdd form", birth), true);
    } else if (std::chrono::sys_days{ymd} > std::chrono::sys_days{today_jst()}) {
        add("birthdate", "future", fmt::format("the birthdate {} is in the future", birth), false);
    }

    const auto flag = trim_ascii(info.limit_consent_flag);
    if (!flag.empty() && flag != "0" && flag != "1") {
        add("limit_consent_flag", "format",
            "LimitApplicationCertificateRelatedConsFlg must be 0 or 1", true);
    }
    return out;
}

}  // namespace mynaq::oqs
