#include "mynaq/oqs/medical_info.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <set>
#include <span>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "mynaq/error.hpp"

namespace mynaq::oqs {

// ---- layout -----------------------------------------------------------------------------------
//
// Every element name of the two interfaces, and nothing else. Source: YUKI-ENT/OQSDrug2
// @4673bb2c, OQSDrug/Form1.cs — GenerateXML (requests), ProcessResAsync (ResultCode,
// MessageContents), ProcessDrugInfoAsync2 + its elementMappings table, ProcessSinryoInfoAsync
// and ProcessTKKAsync (results). No second public source exists: all of it is
// [uncertain, single source OQSDrug2] unless marked otherwise. Where a name is doubtful the
// alternatives are listed after it: the first is written, all are accepted when reading.

namespace {

struct Names {
    std::string_view primary;
    std::string_view alt1 = {};
    std::string_view alt2 = {};
    [[nodiscard]] std::array<std::string_view, 3> all() const { return {primary, alt1, alt2}; }
};

namespace layout {

constexpr std::string_view kRoot = "XmlMsg";           // [confirmed: every OQS message]
constexpr std::string_view kHeader = "MessageHeader";  // [confirmed]
constexpr std::string_view kBody = "MessageBody";      // [confirmed]

// Requests. The card's keys have other names than in 資格確認 (§2.1) — as OQSDrug2 sends them.
constexpr std::string_view kInstitution = "MedicalInstitutionCode";
constexpr std::string_view kInsurer = "InsurerNumber";
constexpr std::string_view kSymbol = "InsuranceCardSymbol";
constexpr std::string_view kNumber = "InsuredPersonIdentificationNumber";
constexpr std::string_view kBranch = "BranchNumber";
constexpr std::string_view kFileId = "ArbitraryFileIdentifier";
constexpr std::string_view kStartMonth = "StartDate";  // yyyyMM despite the name; 薬剤 only
constexpr std::string_view kEndMonth = "EndDate";
constexpr std::string_view kFileCategory = "FileCategory";
// Always 1 in OQSDrug2; its meaning is not known.
constexpr std::string_view kPrDiInfClassification = "PrDiInfClassification";
constexpr std::string_view kPrDiInfValue = "1";
constexpr std::string_view kTreatmentFlag = "MedicalTreatmentFlag";  // OQSCD028
// FileCategory: 1 PDF, 2 XML; 3/4 the same with 診療情報 (薬剤 only; OQSDrug2's categories
// 13/14, meaning inferred).
constexpr std::string_view kCategoryPdf = "1";
constexpr std::string_view kCategoryXml = "2";
constexpr std::string_view kCategoryTreatmentsPdf = "3";
constexpr std::string_view kCategoryTreatmentsXml = "4";

// Results. OQSDrug2 reads both as //ResultCode and //MessageContents: their position is not
// known, so they are looked for anywhere and written into MessageHeader.
constexpr std::string_view kResultCode = "ResultCode";
constexpr std::string_view kResultOk = "1";
constexpr std::string_view kMessage = "MessageContents";
// A 資格確認-style failure header, in case the 端末 answers that way [inferred].
constexpr std::string_view kSegmentOfResult = "SegmentOfResult";
constexpr std::string_view kErrorCode = "ErrorCode";
constexpr std::string_view kErrorMessage = "ErrorMessage";

// The patient in the header: /XmlMsg/MessageHeader/QuaInf (薬剤) and …/QualificationsInfo
// (健診), with different child names ("KanasName" sic).
struct PatientNames {
    std::string_view container;
    std::string_view name;
    std::string_view kana;
    std::string_view birthdate;
    std::string_view sex;
};
constexpr PatientNames kDrugPatient{"QuaInf", "Name", "KanaName", "Birth", "AdmGendCode"};
constexpr PatientNames kCheckupPatient{"QualificationsInfo", "Name", "KanasName", "Birthday",
                                       "AdministrativeGenderCode"};

// 薬剤: per source, month → date → drug. OQSDrug2 reads /XmlMsg/MessageBody/MeTrMonthInf,
// …/ShPrInf/ShPrMonthInf and …/CzDiInf/CzDiMonthInf, then …DateInfs/…DateInf and
// …DrugInfs/…DrugInf below them. It looks every field up under all three spellings, which
// hints that it was not sure of the per-source names either; the reader here does the same.
struct SourceNames {
    DrugSource source;
    std::string_view wrapper;  // between MessageBody and the month elements ("" = none)
    std::string_view month_info;
    // month level
    Names month;
    Names org_class;
    Names dispensing_code;
    Names dispensing_name;
    Names prescriber_code;
    Names prescriber_name;
    Names issued_here;
    Names in_out;
    // date level
    std::string_view date_infos;
    std::string_view date_info;
    Names date;
    Names prescription_date;
    // drug level
    std::string_view drug_infos;
    std::string_view drug_info;
    Names drug_code;
    Names drug_name;
    Names ingredient;
    Names quantity;
    Names unit;
    Names usage;
    Names special_instruction;
    Names times;
    Names usage_class;
};

// "Prls…" is OQSDrug2's spelling; next to "PrIsOrg" it may be a misread "PrIs…" (prescription
// issuer), so both are accepted.
constexpr std::array<SourceNames, 3> kSources{{
    {
        .source = DrugSource::Receipt,
        .wrapper = "",
        .month_info = "MeTrMonthInf",
        .month = {"MeTrMonth"},
        .org_class = {"DiOrg"},
        .dispensing_code = {"MeTrDiHCd"},
        .dispensing_name = {"MeTrDiHNm"},
        .prescriber_code = {"PrlsHCd", "PrIsHCd"},
        .prescriber_name = {"PrlsHNm", "PrIsHNm"},
        .issued_here = {"PrIsOrg"},
        .in_out = {"InOut"},
        .date_infos = "DiDateInfs",
        .date_info = "DiDateInf",
        .date = {"DiDate"},
        .prescription_date = {"PrDate"},
        .drug_infos = "DrugInfs",
        .drug_info = "DrugInf",
        .drug_code = {"DrugC"},
        .drug_name = {"DrugN"},
        .ingredient = {"IngreN"},
        .quantity = {"Qua1"},
        .unit = {"Unit"},
        .usage = {"UsageN"},
        .special_instruction = {"SpInst"},
        .times = {"Times"},
        .usage_class = {"MeTrIdCl"},
    },
    // 処方箋由来: one date element, ShPrDate, for both dates.
    {
        .source = DrugSource::Prescription,
        .wrapper = "ShPrInf",
        .month_info = "ShPrMonthInf",
        .month = {"ShPrMonth"},
        .org_class = {"ShPrOrg"},
        .dispensing_code = {"ShMeTrDiHCd"},
        .dispensing_name = {"ShMeTrDiHNm"},
        .prescriber_code = {"ShPrHCd"},
        .prescriber_name = {"ShPrHNm"},
        .issued_here = {"ShPrIsOrg"},
        .in_out = {"ShPrCl"},
        .date_infos = "ShPrDateInfs",
        .date_info = "ShPrDateInf",
        .date = {"ShPrDate"},
        .prescription_date = {"ShPrDate"},
        .drug_infos = "ShDrugInfs",
        .drug_info = "ShDrugInf",
        .drug_code = {"ShDrugC"},
        .drug_name = {"ShDrugN"},
        .ingredient = {"ShIngreN"},
        .quantity = {"ShQua1"},
        .unit = {"ShUnit"},
        .usage = {"ShUsageN"},
        .special_instruction = {"ShSpInst"},
        .times = {"ShTimes"},
        .usage_class = {"ShUsageCl"},
    },
    {
        .source = DrugSource::Dispensing,
        .wrapper = "CzDiInf",
        .month_info = "CzDiMonthInf",
        .month = {"CzDiMonth"},
        .org_class = {"CzDiOrg"},
        .dispensing_code = {"CzMeTrDiHCd"},
        .dispensing_name = {"CzMeTrDiHNm"},
        .prescriber_code = {"CzPrlsHCd", "CzPrIsHCd"},
        .prescriber_name = {"CzPrlsHNm", "CzPrIsHNm"},
        .issued_here = {"CzPrIsOrg"},
        .in_out = {"CzPrCl"},
        .date_infos = "CzDiDateInfs",
        .date_info = "CzDiDateInf",
        .date = {"CzDiDate"},
        .prescription_date = {"CzPrDate"},
        .drug_infos = "CzDrugInfs",
        .drug_info = "CzDrugInf",
        .drug_code = {"CzDrugC"},
        .drug_name = {"CzDrugN"},
        .ingredient = {"CzIngreN"},
        .quantity = {"CzQua1"},
        .unit = {"CzUnit"},
        .usage = {"CzUsageN"},
        .special_instruction = {"CzSpInst"},
        .times = {"CzTimes"},
        .usage_class = {"CzUsageCl"},
    },
}};

// 診療情報 with FileCategory 3/4: DateInf → MeTrInfs/MeTrInf (OQSDrug2 ProcessSinryoInfoAsync).
constexpr std::string_view kTreatmentInfos = "MeTrInfs";
constexpr std::string_view kTreatmentInfo = "MeTrInf";
constexpr Names kTreatmentCode{"SinInfCd"};
constexpr Names kTreatmentName{"SinInfN"};
constexpr Names kTreatmentQuantity{"Qua1"};
constexpr Names kTreatmentTimes{"Times"};
constexpr Names kTreatmentUnit{"Unit"};
constexpr Names kTreatmentClass{"MeTrIdCl"};

// 特定健診: //SpecificHealthCheckupInfo (EffectiveTime) →
// HealthCheckupResultAndQuestionInfos/HealthCheckupResultAndQuestionInfo. The element between
// MessageBody and SpecificHealthCheckupInfo, if any, is not known; none is written.
constexpr std::string_view kCheckup = "SpecificHealthCheckupInfo";
constexpr Names kCheckupDate{"EffectiveTime"};
constexpr std::string_view kCheckupItems = "HealthCheckupResultAndQuestionInfos";
constexpr std::string_view kCheckupItem = "HealthCheckupResultAndQuestionInfo";
constexpr Names kItemCode{"ItemCode"};
constexpr Names kItemName{"ItemName"};
constexpr Names kItemType{"DataType"};
constexpr Names kItemValue{"DataValue"};
constexpr Names kItemUnit{"Unit"};
constexpr Names kItemOid{"Oid"};
constexpr Names kItemValueName{"DataValueName"};

constexpr std::string_view kDrugPrefix = "YZKsiquc01";     // [confirmed: OQSDrug2, emr-cloud]
constexpr std::string_view kCheckupPrefix = "TKKsiquc01";  // [confirmed: OQSDrug2, emr-cloud]

}  // namespace layout

// ---- helpers ----------------------------------------------------------------------------------

std::string trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(first, last - first + 1));
}

std::string digits_of(std::string_view s) {
    std::string out;
    for (const char c : s) {
        if (c >= '0' && c <= '9') out.push_back(c);
    }
    return out;
}

bool is_month(std::string_view s) {
    if (s.size() != 6 || digits_of(s).size() != 6) return false;
    const int m = (s[4] - '0') * 10 + (s[5] - '0');
    return m >= 1 && m <= 12;
}

[[noreturn]] void invalid(const std::string& detail) {
    throw Error(Errc::MessageInvalid, detail);
}

[[noreturn]] void bad_query(const std::string& detail) {
    throw Error(Errc::InvalidArgument, detail);
}

// Reads leaf children of one element and remembers which ones a field took, so that the rest
// can be kept as extras.
class Reader {
public:
    explicit Reader(const Node* node) : node_(node) {}

    // The first of the names present as a child; "" when none is.
    std::string get(const Names& names) {
        if (node_ == nullptr) return {};
        for (const auto name : names.all()) {
            if (name.empty()) continue;
            if (const Node* c = node_->child(name); c != nullptr && c->children.empty()) {
                used_.insert(std::string(name));
                return c->text;
            }
        }
        return {};
    }

    // A drug field: this source's names first, then the other sources' (as OQSDrug2 does).
    std::string get(const layout::SourceNames& own, Names layout::SourceNames::*field) {
        if (auto v = get(own.*field); !v.empty()) return v;
        for (const auto& other : layout::kSources) {
            if (&other == &own) continue;
            if (auto v = get(other.*field); !v.empty()) return v;
        }
        return {};
    }

    // Leaves no field took, into `extra`; a name met twice keeps both values.
    void keep_rest(std::map<std::string, std::string>& extra) const {
        if (node_ == nullptr) return;
        for (const auto& c : node_->children) {
            if (!c.children.empty() || used_.contains(c.name)) continue;
            auto [it, inserted] = extra.try_emplace(c.name, c.text);
            if (!inserted) it->second += "\n" + c.text;
        }
    }

private:
    const Node* node_;
    std::set<std::string, std::less<>> used_;
};

// Elements named `name` below `node`, at any depth (so with or without their "…Infs"
// wrapper), in document order, not looking inside elements named in `stops`: those are scopes
// of their own. A drug nested in another date is thus read once, with its nearest date, and
// no hostile nesting can make it count once per level.
void collect(const Node& node, std::string_view name, std::span<const std::string_view> stops,
             std::vector<const Node*>& out) {
    for (const auto& c : node.children) {
        if (c.name == name) out.push_back(&c);
        // Leaves, most of a history, have nothing to search.
        if (!c.children.empty() && std::find(stops.begin(), stops.end(), c.name) == stops.end()) {
            collect(c, name, stops, out);
        }
    }
}

// The first of the names that has elements in scope.
std::vector<const Node*> first_named(const Node& scope,
                                     std::initializer_list<std::string_view> names,
                                     std::span<const std::string_view> stops) {
    std::vector<const Node*> out;
    for (const auto name : names) {
        collect(scope, name, stops, out);
        if (!out.empty()) break;
    }
    return out;
}

// Scopes a drug or date lookup must not enter: other months and other dates.
constexpr std::array<std::string_view, 3> kMonthScopes{
    layout::kSources[0].month_info, layout::kSources[1].month_info, layout::kSources[2].month_info};
constexpr std::array<std::string_view, 6> kDateScopes{
    layout::kSources[0].month_info, layout::kSources[1].month_info, layout::kSources[2].month_info,
    layout::kSources[0].date_info,  layout::kSources[1].date_info,  layout::kSources[2].date_info};
constexpr std::array<std::string_view, 1> kCheckupScopes{layout::kCheckup};

[[noreturn]] void too_big(std::size_t max_bytes) {
    invalid(fmt::format("the drug history would take more than {} bytes in memory", max_bytes));
}

std::size_t weight(const DrugEntry& e) {
    std::size_t n = sizeof(DrugEntry);
    for (const std::string* s :
         {&e.month, &e.date, &e.prescription_date, &e.dispensing_code, &e.dispensing_name,
          &e.prescriber_code, &e.prescriber_name, &e.org_class, &e.issued_here, &e.in_out,
          &e.drug_code, &e.drug_name, &e.ingredient, &e.quantity, &e.unit, &e.usage,
          &e.special_instruction, &e.times, &e.usage_class}) {
        n += s->size();
    }
    for (const auto& [k, v] : e.extra) n += k.size() + v.size() + 64;
    return n;
}

const Node& message_root(const Document& doc) {
    if (doc.root.name != layout::kRoot) {
        invalid(fmt::format("the root element is {}, not XmlMsg", doc.root.name));
    }
    return doc.root;
}

Fields header_fields(const Node& root) {
    Fields out;
    if (const Node* h = root.child(layout::kHeader)) {
        for (const auto& c : h->children) {
            if (c.children.empty()) out.emplace_back(c.name, c.text);
        }
    }
    return out;
}

// ResultCode 1 or a throw; returns (code, message).
std::pair<std::string, std::string> result_status(const Node& root, std::string_view what) {
    const Node* code = root.find(layout::kResultCode);
    const Node* message = root.find(layout::kMessage);
    const std::string text = message != nullptr ? trim(message->text) : std::string();
    if (code == nullptr) {
        // Not this layout's way of failing, but the 端末's usual one.
        const Node* segment = root.find(layout::kSegmentOfResult);
        const Node* error_code = root.find(layout::kErrorCode);
        if ((segment != nullptr && trim(segment->text) == "9") || error_code != nullptr) {
            const Node* error_message = root.find(layout::kErrorMessage);
            const std::string ec = error_code != nullptr ? trim(error_code->text) : "";
            const std::string em = error_message != nullptr ? trim(error_message->text) : text;
            throw Error(Errc::OqsFailed,
                        em.empty() ? fmt::format("the {} request failed with error code {}", what,
                                                 ec.empty() ? "(none)" : ec)
                                   : em,
                        {{"result_code", ""}, {"error_code", ec}, {"message", em}});
        }
        invalid(fmt::format("the {} result has no ResultCode", what));
    }
    const std::string rc = trim(code->text);
    if (rc != layout::kResultOk) {
        throw Error(Errc::OqsFailed,
                    text.empty() ? fmt::format("the {} request ended with ResultCode '{}' and no "
                                               "MessageContents",
                                               what, rc)
                                 : text,
                    {{"result_code", rc}, {"message", text}});
    }
    return {rc, text};
}

MedicalPatient patient_from(const Node& root, const layout::PatientNames& own,
                            const layout::PatientNames& other) {
    const Node* p = root.find(own.container);
    if (p == nullptr) p = root.find(other.container);
    MedicalPatient out;
    if (p == nullptr) return out;
    Reader r(p);
    out.name = r.get(Names{own.name, other.name});
    out.kana = r.get(Names{own.kana, other.kana});
    out.birthdate = r.get(Names{own.birthdate, other.birthdate});
    out.sex = r.get(Names{own.sex, other.sex});
    return out;
}

void add_patient(Node& header, const MedicalPatient& p, const layout::PatientNames& names) {
    if (p.empty()) return;
    Node& n = header.add(std::string(names.container));
    n.add_if(std::string(names.name), p.name);
    n.add_if(std::string(names.kana), p.kana);
    n.add_if(std::string(names.birthdate), p.birthdate);
    n.add_if(std::string(names.sex), p.sex);
}

Node result_message(const Fields& header, const MedicalPatient& patient,
                    const layout::PatientNames& names, const std::string& result_code,
                    const std::string& message) {
    Node root{std::string(layout::kRoot)};
    Node& h = root.add(std::string(layout::kHeader));
    for (const auto& [name, value] : header) {
        if (name == layout::kResultCode || name == layout::kMessage) continue;
        h.add(name, value);
    }
    add_patient(h, patient, names);
    h.add(std::string(layout::kResultCode), result_code);
    h.add_if(std::string(layout::kMessage), message);
    root.add(std::string(layout::kBody));
    return root;
}

void add_extra(Node& node, const std::map<std::string, std::string>& extra) {
    for (const auto& [name, value] : extra) {
        // Joined repeats go back out as repeated elements.
        std::size_t start = 0;
        while (true) {
            const auto end = value.find('\n', start);
            node.add(name, value.substr(start, end == std::string::npos ? end : end - start));
            if (end == std::string::npos) break;
            start = end + 1;
        }
    }
}

// Newest first by (month, date) digits; ties keep document order. The keys are made once and
// the entries moved once: rebuilding both keys in every comparison and merging whole entries
// took 40 % of parse_drug_result on a 3,000-entry history (bench/info).
template <typename T>
void newest_first(std::vector<T>& v) {
    struct Key {
        std::string month;
        std::string date;
        std::size_t index;
    };
    std::vector<Key> keys;
    keys.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
        keys.push_back({digits_of(v[i].month), digits_of(v[i].date), i});
    }
    std::stable_sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
        return std::tie(a.month, a.date) > std::tie(b.month, b.date);
    });
    std::vector<T> sorted;
    sorted.reserve(v.size());
    for (const Key& k : keys) sorted.push_back(std::move(v[k.index]));
    v = std::move(sorted);
}

void check_query(const MedicalInfoQuery& q, std::string_view what) {
    if (trim(q.institution_code).empty()) {
        bad_query(fmt::format("a {} request needs the institution code", what));
    }
    if (trim(q.insurer_number).empty()) {
        bad_query(fmt::format("a {} request needs the insurer number", what));
    }
    if (trim(q.identification_number).empty()) {
        bad_query(fmt::format("a {} request needs the insured person's number", what));
    }
}

Node request_message(const MedicalInfoQuery& q) {
    Node root{std::string(layout::kRoot)};
    Node& h = root.add(std::string(layout::kHeader));
    // All keys are written, empty ones too, as the one known working client does.
    h.add(std::string(layout::kInstitution), q.institution_code);
    h.add(std::string(layout::kInsurer), pad_insurer_number(q.insurer_number));
    h.add(std::string(layout::kSymbol), q.card_symbol);
    h.add(std::string(layout::kNumber), q.identification_number);
    h.add(std::string(layout::kBranch), q.branch_number);
    h.add(std::string(layout::kFileId), q.arbitrary_file_identifier);
    root.add(std::string(layout::kBody));
    return root;
}

void add_body_tail(Node& body, std::string_view category, const MedicalInfoQuery& q) {
    body.add(std::string(layout::kFileCategory), std::string(category));
    body.add(std::string(layout::kPrDiInfClassification), std::string(layout::kPrDiInfValue));
    body.add(std::string(layout::kTreatmentFlag),
             q.treatment_flag.empty() ? std::string("1") : q.treatment_flag);
}

}  // namespace

// ---- requests ---------------------------------------------------------------------------------

std::string_view prefix_of(MedicalInfoKind kind) {
    return kind == MedicalInfoKind::Drugs ? layout::kDrugPrefix : layout::kCheckupPrefix;
}

std::string_view to_string(DrugSource source) {
    switch (source) {
        case DrugSource::Receipt:
            return "receipt";
        case DrugSource::Prescription:
            return "prescription";
        case DrugSource::Dispensing:
            break;
    }
    return "dispensing";
}

Node build_drug_request(const MedicalInfoQuery& query) {
    check_query(query, "drug information");
    const std::string from = trim(query.from_month);
    const std::string to = trim(query.to_month);
    if (!is_month(from) || !is_month(to)) {
        bad_query(
            fmt::format("the months of a drug information request must be yyyyMM, not "
                        "'{}' and '{}'",
                        query.from_month, query.to_month));
    }
    if (from > to) {
        bad_query(fmt::format("the drug information months run backwards: {} to {}", from, to));
    }
    Node root = request_message(query);
    Node& body = *root.child(layout::kBody);
    body.add(std::string(layout::kStartMonth), from);
    body.add(std::string(layout::kEndMonth), to);
    const bool pdf = query.format == MedicalFileFormat::Pdf;
    const std::string_view category =
        query.with_treatments
            ? (pdf ? layout::kCategoryTreatmentsPdf : layout::kCategoryTreatmentsXml)
            : (pdf ? layout::kCategoryPdf : layout::kCategoryXml);
    add_body_tail(body, category, query);
    return root;
}

Node build_checkup_request(const MedicalInfoQuery& query) {
    check_query(query, "health checkup");
    Node root = request_message(query);
    add_body_tail(
        *root.child(layout::kBody),
        query.format == MedicalFileFormat::Pdf ? layout::kCategoryPdf : layout::kCategoryXml,
        query);
    return root;
}

MedicalRequest parse_medical_request(const Node& request) {
    MedicalRequest out;
    auto pick = [&](std::string_view name) {
        const Node* n = request.find(name);
        return n != nullptr && n->children.empty() ? n->text : std::string();
    };
    MedicalInfoQuery& q = out.query;
    q.institution_code = pick(layout::kInstitution);
    q.insurer_number = pick(layout::kInsurer);
    q.card_symbol = pick(layout::kSymbol);
    q.identification_number = pick(layout::kNumber);
    q.branch_number = pick(layout::kBranch);
    q.arbitrary_file_identifier = pick(layout::kFileId);
    q.from_month = pick(layout::kStartMonth);
    q.to_month = pick(layout::kEndMonth);
    q.treatment_flag = pick(layout::kTreatmentFlag);
    out.file_category = trim(pick(layout::kFileCategory));
    q.format = out.file_category == layout::kCategoryPdf ||
                       out.file_category == layout::kCategoryTreatmentsPdf
                   ? MedicalFileFormat::Pdf
                   : MedicalFileFormat::Xml;
    q.with_treatments = out.file_category == layout::kCategoryTreatmentsPdf ||
                        out.file_category == layout::kCategoryTreatmentsXml;
    return out;
}

// ---- 薬剤 results -----------------------------------------------------------------------------

DrugHistory parse_drug_result(const Document& doc, std::size_t max_bytes) {
    const Node& root = message_root(doc);
    DrugHistory out;
    std::tie(out.result_code, out.message) = result_status(root, "drug information");
    out.header = header_fields(root);
    out.patient = patient_from(root, layout::kDrugPatient, layout::kCheckupPatient);
    const Node* body = root.child(layout::kBody);
    if (body == nullptr) return out;  // nothing to list: an empty history

    using S = layout::SourceNames;
    std::size_t bytes = 0;
    for (const auto& src : layout::kSources) {
        std::vector<const Node*> months;
        collect(*body, src.month_info, {}, months);
        for (const Node* month_node : months) {
            Reader m(month_node);
            DrugEntry base;
            base.source = src.source;
            base.month = m.get(src, &S::month);
            base.org_class = m.get(src, &S::org_class);
            base.dispensing_code = m.get(src, &S::dispensing_code);
            base.dispensing_name = m.get(src, &S::dispensing_name);
            base.prescriber_code = m.get(src, &S::prescriber_code);
            base.prescriber_name = m.get(src, &S::prescriber_name);
            base.issued_here = m.get(src, &S::issued_here);
            base.in_out = m.get(src, &S::in_out);
            std::map<std::string, std::string> month_extra;
            m.keep_rest(month_extra);

            auto dates = first_named(*month_node,
                                     {src.date_info, layout::kSources[0].date_info,
                                      layout::kSources[1].date_info, layout::kSources[2].date_info},
                                     kMonthScopes);
            // Drugs straight below the month (no date level) still count, dated by the month.
            if (dates.empty()) dates.push_back(month_node);
            for (const Node* date_node : dates) {
                DrugEntry dated = base;
                std::map<std::string, std::string> date_extra;
                if (date_node != month_node) {
                    Reader d(date_node);
                    dated.date = d.get(src, &S::date);
                    dated.prescription_date = d.get(src, &S::prescription_date);
                    d.keep_rest(date_extra);
                }
                if (dated.month.empty() && dated.date.size() >= 6) {
                    dated.month = dated.date.substr(0, 6);
                }
                for (const Node* drug_node :
                     first_named(*date_node,
                                 {src.drug_info, layout::kSources[0].drug_info,
                                  layout::kSources[1].drug_info, layout::kSources[2].drug_info},
                                 kDateScopes)) {
                    DrugEntry e = dated;
                    Reader r(drug_node);
                    e.drug_code = r.get(src, &S::drug_code);
                    e.drug_name = r.get(src, &S::drug_name);
                    e.ingredient = r.get(src, &S::ingredient);
                    e.quantity = r.get(src, &S::quantity);
                    e.unit = r.get(src, &S::unit);
                    e.usage = r.get(src, &S::usage);
                    e.special_instruction = r.get(src, &S::special_instruction);
                    e.times = r.get(src, &S::times);
                    e.usage_class = r.get(src, &S::usage_class);
                    r.keep_rest(e.extra);
                    for (const auto* level : {&date_extra, &month_extra}) {
                        for (const auto& [k, v] : *level) e.extra.try_emplace(k, v);
                    }
                    bytes += weight(e);
                    if (bytes > max_bytes) too_big(max_bytes);
                    out.entries.push_back(std::move(e));
                }
                if (date_node == month_node) continue;
                std::vector<const Node*> treatments;
                collect(*date_node, layout::kTreatmentInfo, kDateScopes, treatments);
                for (const Node* t : treatments) {
                    TreatmentEntry te;
                    te.month = dated.month;
                    te.date = dated.date;
                    te.institution_code = dated.institution_code();
                    te.institution_name = dated.institution_name();
                    Reader r(t);
                    te.code = r.get(layout::kTreatmentCode);
                    te.name = r.get(layout::kTreatmentName);
                    te.quantity = r.get(layout::kTreatmentQuantity);
                    te.times = r.get(layout::kTreatmentTimes);
                    te.unit = r.get(layout::kTreatmentUnit);
                    te.usage_class = r.get(layout::kTreatmentClass);
                    r.keep_rest(te.extra);
                    bytes += sizeof(TreatmentEntry) + te.institution_code.size() +
                             te.institution_name.size() + te.month.size() + te.date.size();
                    if (bytes > max_bytes) too_big(max_bytes);
                    out.treatments.push_back(std::move(te));
                }
            }
        }
    }
    newest_first(out.entries);
    newest_first(out.treatments);
    return out;
}

Node build_drug_result(const DrugHistory& history) {
    Node root = result_message(history.header, history.patient, layout::kDrugPatient,
                               history.result_code, history.message);
    Node& body = *root.child(layout::kBody);

    // One month element per source, month and institutions; dates within it. Found through
    // maps: a long history must not make this quadratic.
    struct Month {
        const layout::SourceNames* src;
        DrugEntry key;  // its month-level fields
        std::vector<Node> dates;
        std::map<std::pair<std::string, std::string>, std::size_t> by_dates;
        std::map<std::string, std::size_t> by_day;
    };
    using MonthKey = std::tuple<DrugSource, std::string, std::string, std::string, std::string,
                                std::string, std::string, std::string, std::string>;
    using PlaceKey = std::tuple<DrugSource, std::string, std::string, std::string>;
    std::vector<Month> months;
    std::map<MonthKey, std::size_t> by_month;
    std::map<PlaceKey, std::size_t> by_place;
    // `loose`: any month element of the same source, month and institution, and any date
    // element of the same date, will do: 診療情報 join the receipt dates they belong to.
    auto date_node = [&](const DrugEntry& e, bool loose) -> Node& {
        const auto& src = *std::find_if(layout::kSources.begin(), layout::kSources.end(),
                                        [&](const auto& s) { return s.source == e.source; });
        MonthKey month_key{e.source,          e.month,           e.dispensing_code,
                           e.dispensing_name, e.prescriber_code, e.prescriber_name,
                           e.org_class,       e.issued_here,     e.in_out};
        PlaceKey place_key{e.source, e.month, e.dispensing_code, e.dispensing_name};
        std::size_t mi = months.size();
        if (loose) {
            if (auto it = by_place.find(place_key); it != by_place.end()) mi = it->second;
        } else if (auto it = by_month.find(month_key); it != by_month.end()) {
            mi = it->second;
        }
        if (mi == months.size()) {
            Month m{&src, e, {}, {}, {}};
            m.key.extra.clear();
            months.push_back(std::move(m));
            by_month.try_emplace(std::move(month_key), mi);
            by_place.try_emplace(std::move(place_key), mi);
        }
        Month& m = months[mi];
        const std::string date = e.date.empty() ? e.prescription_date : e.date;
        std::pair<std::string, std::string> dates_key{date, e.prescription_date};
        std::size_t di = m.dates.size();
        if (loose) {
            if (auto it = m.by_day.find(date); it != m.by_day.end()) di = it->second;
        } else if (auto it = m.by_dates.find(dates_key); it != m.by_dates.end()) {
            di = it->second;
        }
        if (di == m.dates.size()) {
            Node n{std::string(src.date_info)};
            n.add_if(std::string(src.date.primary), date);
            if (src.prescription_date.primary != src.date.primary) {
                n.add_if(std::string(src.prescription_date.primary), e.prescription_date);
            }
            m.dates.push_back(std::move(n));
            m.by_dates.try_emplace(std::move(dates_key), di);
            m.by_day.try_emplace(date, di);
        }
        return m.dates[di];
    };

    for (const auto& e : history.entries) {
        const auto& src = *std::find_if(layout::kSources.begin(), layout::kSources.end(),
                                        [&](const auto& s) { return s.source == e.source; });
        Node& d = date_node(e, false);
        Node* drugs = d.child(src.drug_infos);
        if (drugs == nullptr) drugs = &d.add(std::string(src.drug_infos));
        Node& n = drugs->add(std::string(src.drug_info));
        n.add_if(std::string(src.drug_code.primary), e.drug_code);
        n.add_if(std::string(src.drug_name.primary), e.drug_name);
        n.add_if(std::string(src.ingredient.primary), e.ingredient);
        n.add_if(std::string(src.quantity.primary), e.quantity);
        n.add_if(std::string(src.unit.primary), e.unit);
        n.add_if(std::string(src.usage.primary), e.usage);
        n.add_if(std::string(src.special_instruction.primary), e.special_instruction);
        n.add_if(std::string(src.times.primary), e.times);
        n.add_if(std::string(src.usage_class.primary), e.usage_class);
        add_extra(n, e.extra);
    }
    for (const auto& t : history.treatments) {
        DrugEntry e;
        e.source = DrugSource::Receipt;
        e.month = t.month;
        e.date = t.date;
        e.dispensing_code = t.institution_code;
        e.dispensing_name = t.institution_name;
        Node& d = date_node(e, true);
        Node* infos = d.child(layout::kTreatmentInfos);
        if (infos == nullptr) infos = &d.add(std::string(layout::kTreatmentInfos));
        Node& n = infos->add(std::string(layout::kTreatmentInfo));
        n.add_if(std::string(layout::kTreatmentCode.primary), t.code);
        n.add_if(std::string(layout::kTreatmentName.primary), t.name);
        n.add_if(std::string(layout::kTreatmentQuantity.primary), t.quantity);
        n.add_if(std::string(layout::kTreatmentTimes.primary), t.times);
        n.add_if(std::string(layout::kTreatmentUnit.primary), t.unit);
        n.add_if(std::string(layout::kTreatmentClass.primary), t.usage_class);
        add_extra(n, t.extra);
    }

    for (const auto& src : layout::kSources) {
        Node* parent = &body;
        for (auto& m : months) {
            if (m.src != &src) continue;
            if (!src.wrapper.empty() && parent == &body) {
                parent = &body.add(std::string(src.wrapper));
            }
            Node& n = parent->add(std::string(src.month_info));
            const DrugEntry& k = m.key;
            n.add_if(std::string(src.month.primary), k.month);
            n.add_if(std::string(src.org_class.primary), k.org_class);
            n.add_if(std::string(src.dispensing_code.primary), k.dispensing_code);
            n.add_if(std::string(src.dispensing_name.primary), k.dispensing_name);
            n.add_if(std::string(src.prescriber_code.primary), k.prescriber_code);
            n.add_if(std::string(src.prescriber_name.primary), k.prescriber_name);
            n.add_if(std::string(src.issued_here.primary), k.issued_here);
            n.add_if(std::string(src.in_out.primary), k.in_out);
            Node& dates = n.add(std::string(src.date_infos));
            for (auto& d : m.dates) dates.children.push_back(std::move(d));
        }
    }
    return root;
}

// ---- 特定健診 results -------------------------------------------------------------------------

CheckupHistory parse_checkup_result(const Document& doc) {
    const Node& root = message_root(doc);
    CheckupHistory out;
    std::tie(out.result_code, out.message) = result_status(root, "health checkup");
    out.header = header_fields(root);
    out.patient = patient_from(root, layout::kCheckupPatient, layout::kDrugPatient);
    const Node* body = root.child(layout::kBody);
    if (body == nullptr) return out;
    std::vector<const Node*> checkups;
    collect(*body, layout::kCheckup, {}, checkups);
    for (const Node* c : checkups) {
        Checkup checkup;
        Reader r(c);
        checkup.date = r.get(layout::kCheckupDate);
        r.keep_rest(checkup.extra);
        std::vector<const Node*> items;
        collect(*c, layout::kCheckupItem, kCheckupScopes, items);
        for (const Node* i : items) {
            CheckupItem item;
            Reader ir(i);
            item.code = ir.get(layout::kItemCode);
            item.name = ir.get(layout::kItemName);
            item.data_type = ir.get(layout::kItemType);
            item.value = ir.get(layout::kItemValue);
            item.unit = ir.get(layout::kItemUnit);
            item.oid = ir.get(layout::kItemOid);
            item.value_name = ir.get(layout::kItemValueName);
            ir.keep_rest(item.extra);
            checkup.items.push_back(std::move(item));
        }
        out.checkups.push_back(std::move(checkup));
    }
    std::stable_sort(
        out.checkups.begin(), out.checkups.end(),
        [](const Checkup& a, const Checkup& b) { return digits_of(a.date) > digits_of(b.date); });
    return out;
}

Node build_checkup_result(const CheckupHistory& history) {
    Node root = result_message(history.header, history.patient, layout::kCheckupPatient,
                               history.result_code, history.message);
    Node& body = *root.child(layout::kBody);
    for (const auto& c : history.checkups) {
        Node& n = body.add(std::string(layout::kCheckup));
        n.add_if(std::string(layout::kCheckupDate.primary), c.date);
        add_extra(n, c.extra);
        Node& items = n.add(std::string(layout::kCheckupItems));
        for (const auto& i : c.items) {
            Node& in = items.add(std::string(layout::kCheckupItem));
            in.add_if(std::string(layout::kItemCode.primary), i.code);
            in.add_if(std::string(layout::kItemName.primary), i.name);
            in.add_if(std::string(layout::kItemType.primary), i.data_type);
            in.add_if(std::string(layout::kItemValue.primary), i.value);
            in.add_if(std::string(layout::kItemUnit.primary), i.unit);
            in.add_if(std::string(layout::kItemOid.primary), i.oid);
            in.add_if(std::string(layout::kItemValueName.primary), i.value_name);
            add_extra(in, i.extra);
        }
    }
    return root;
}

}  // namespace mynaq::oqs
