// The catalogue part of charts, 照会番号 registration, matching and mynaq info (薬剤/健診).
#include <array>

#include "i18n.hpp"

namespace mynaq::cli {

namespace {

constexpr std::array kInfoCatalogue{
    CatalogueEntry{"chart.state.none", "未登録", "not sent"},
    CatalogueEntry{"chart.state.pending", "処理中", "pending"},
    CatalogueEntry{"chart.state.registered", "登録済", "registered"},
    CatalogueEntry{"chart.state.failed", "登録失敗", "failed"},
    CatalogueEntry{"chart.none", "カルテの登録はありません。", "No charts."},
    CatalogueEntry{"chart.bulk_summary", "{} 件を送信: 登録 {} 件、失敗 {} 件",
                   "{} sent: {} registered, {} failed"},
    CatalogueEntry{"chart.rule.reference", "照会番号", "reference number"},
    CatalogueEntry{"chart.rule.kana_birthdate", "カナ氏名＋生年月日", "kana name + birth date"},
    CatalogueEntry{"chart.rule.insurance", "保険者番号・記号番号", "insurance numbers"},
    CatalogueEntry{"chart.rule.staff", "職員が指定", "chosen by staff"},
    CatalogueEntry{"chart.match.matched", "→ カルテ {} ({})", "→ chart {} ({})"},
    CatalogueEntry{"chart.match.ambiguous", "要確認: 候補カルテ {}（職員が選んでください）",
                   "check: candidate charts {} (staff choose one)"},
    CatalogueEntry{"chart.match.unmatched", "カルテ未特定", "no chart found"},
    CatalogueEntry{"chart.unmatched_none", "カルテ未特定の結果はありません。",
                   "Every result is tied to a chart."},
    CatalogueEntry{"chart.insurance_changed",
                   "保険が登録時と変わっています。照会番号を新しい保険で登録し直してください。",
                   "The insurance differs from the chart's: register the 照会番号 again with the "
                   "new insurance."},
    CatalogueEntry{"info.drugs_title", "薬剤情報", "Medication history (薬剤情報)"},
    CatalogueEntry{"info.checkups_title", "特定健診情報", "Specific health check-ups (特定健診)"},
    CatalogueEntry{"info.fetched", "取得 {}（今回照会）", "fetched {} (asked now)"},
    CatalogueEntry{
        "info.from_store",
        "取得 {}（{}前に照会した結果を表示。照会間隔の設定内のため再照会していません）",
        "fetched {} ({} ago; shown from the store, not asked again within the interval)"},
    CatalogueEntry{"info.age", "{}時間{}分", "{} h {} min"},
    CatalogueEntry{"info.consent", "閲覧同意", "Consent"},
    CatalogueEntry{"info.source.receipt", "レセプト", "claim"},
    CatalogueEntry{"info.source.prescription", "処方箋", "prescription"},
    CatalogueEntry{"info.source.dispensing", "調剤結果", "dispensed"},
    CatalogueEntry{"info.prescribed_by", "処方:", "prescribed by"},
    CatalogueEntry{"info.times", "  ×{}", "  ×{}"},
    CatalogueEntry{"info.treatments", "診療情報", "Treatments"},
    CatalogueEntry{"info.no_drugs", "この期間の薬剤情報はありません。",
                   "No medication in this period."},
    CatalogueEntry{"info.pdf_saved", "PDF を {} に保存しました（{} バイト）。",
                   "PDF saved to {} ({} bytes)."},
    CatalogueEntry{"info.pdf_not_sent", "PDF ではなく XML で返されたため、画面に表示しました。",
                   "The system answered in XML, not PDF: shown above."},
    CatalogueEntry{"info.no_checkups", "特定健診の結果はありません。", "No check-up results."},
};

}  // namespace

std::span<const CatalogueEntry> info_catalogue() {
    return kInfoCatalogue;
}

}  // namespace mynaq::cli
