#include <array>

#include <fmt/format.h>

#include "mynaq/consent.hpp"
#include "mynaq/error.hpp"

namespace mynaq {

namespace {

// OQSCD036 groups several of the newer 電子カルテ情報共有 categories under the older ones
// (oqs-interface.md §4): 薬剤(・処方), 診療(・アレルギー・検査), 手術(・傷病名・感染症).
constexpr std::array kCategories{
    ConsentCategory{"PharmacistsInfo", "drugs", "薬剤情報", "Medication", "YZK", true},
    ConsentCategory{"DiagnosisInfo", "diagnosis", "診療情報", "Treatment", "SRJ", true},
    ConsentCategory{"SpecificHealthCheckupsInfo", "checkups", "特定健診情報", "Health check-ups",
                    "TKK", true},
    ConsentCategory{"OperationInfo", "surgery", "手術情報", "Surgery", "SHJ", true},
    ConsentCategory{"DiagnosisName", "diagnosis-name", "傷病名", "Diagnoses", "SHJ", true},
    ConsentCategory{"InfectiousInfo", "infection", "感染症", "Infections", "SHJ", true},
    ConsentCategory{"AllergyInfo", "allergy", "その他アレルギー等", "Other allergies", "SRJ", true},
    ConsentCategory{"ContraindicationInfo", "drug-allergy", "薬剤アレルギー等", "Drug allergies",
                    "SRJ", true},
    ConsentCategory{"TestInfo", "tests", "検査", "Tests", "SRJ", true},
    ConsentCategory{"PrescriptionInfo", "prescriptions", "処方", "Prescriptions", "YZK", true},
    // Disclosure of certificate data rather than consent to view: no 24-hour lifetime.
    ConsentCategory{"LimitApplicationCertificateRelated", "limit", "限度額適用認定証",
                    "Limit certificate", "", false},
    ConsentCategory{"SpecificDiseasesCertificateRelated", "specific-disease", "特定疾病療養受療証",
                    "Specified-disease certificate", "TSR", false},
};

}  // namespace

std::span<const ConsentCategory> consent_categories() {
    return kCategories;
}

const ConsentCategory* find_consent_category(std::string_view name) {
    for (const auto& c : kCategories) {
        if (c.stem == name || c.cli_name == name) return &c;
    }
    return nullptr;
}

const ConsentCategory& consent_category(std::string_view name) {
    if (const auto* c = find_consent_category(name)) return *c;
    std::string names;
    for (const auto& c : kCategories)
        names += (names.empty() ? "" : ", ") + std::string(c.cli_name);
    throw Error(Errc::InvalidArgument,
                fmt::format("unknown consent category '{}': use one of {}", name, names),
                {{"category", std::string(name)}});
}

}  // namespace mynaq
