// The catalogue part of mynaq report.
#include <array>

#include "i18n.hpp"

namespace mynaq::cli {

namespace {

constexpr std::array kReportCatalogue{
    CatalogueEntry{"rp.none", "記録はありません", "Nothing recorded"},
    CatalogueEntry{"rp.imported", "{}件を取り込みました: {}", "Imported {} rows: {}"},
    CatalogueEntry{"rp.written", "書き出しました: {}", "Written: {}"},
    CatalogueEntry{"rp.kind.notified", "通知", "notified"},
    CatalogueEntry{"rp.kind.local", "推計", "local"},
    CatalogueEntry{"rp.level", "加算{}", "level {}"},
    CatalogueEntry{"rp.no_level", "該当なし", "none"},
    CatalogueEntry{"rp.unknown", "不明", "unknown"},
    CatalogueEntry{"rp.uncertain_mark", "（要確認）", "(uncertain)"},
    CatalogueEntry{"rp.usage_title", "マイナ保険証利用率", "マイナ保険証 usage rate"},
    CatalogueEntry{"rp.col.month", "月", "month"},
    CatalogueEntry{"rp.col.users", "利用者数", "users"},
    CatalogueEntry{"rp.col.receipts", "レセプト件数", "receipts"},
    CatalogueEntry{"rp.col.local", "推計", "local"},
    CatalogueEntry{"rp.col.notified", "通知", "notified"},
    CatalogueEntry{"rp.col.rate", "利用率（採用）と、その月だけで届く区分",
                   "rate used, and the level it alone earns"},
    CatalogueEntry{"rp.total", "合計（全施設）", "Total (all sites)"},
    CatalogueEntry{
        "rp.usage_note",
        "利用者数はこの記録の確認結果から数えた推計です（マイナ保険証・スマホでの確認、"
        "同じ月の同じ人は1人）。支払基金から通知された利用率があれば、それを採用します。"
        "→ の区分は、その月の利用率で3か月後の算定月に届く区分です。",
        "Users are estimated from this store's checks (マイナ保険証 or smartphone, each "
        "person once a month). A rate notified by 支払基金 is used wherever it is known. "
        "The level after → is what that month's rate earns for the 算定 month 3 months "
        "later."},
    CatalogueEntry{
        "rp.uncertain_note",
        "注意: "
        "令和8年度改定（2026年6月以降）の基準は一部未確定です。告示・通知で確認してください。",
        "Note: the rules from 2026-06 (令和8年度改定) are partly uncertain; check them "
        "against the official notices."},
    CatalogueEntry{"rp.type.medical", "医科", "medical (医科)"},
    CatalogueEntry{"rp.type.dental", "歯科", "dental (歯科)"},
    CatalogueEntry{"rp.type.pharmacy", "調剤", "pharmacy (調剤)"},
    CatalogueEntry{"rp.month", "算定月", "算定 month"},
    CatalogueEntry{"rp.result", "区分", "Level"},
    CatalogueEntry{"rp.no_rate_required", "利用率の要件なし", "no rate required"},
    CatalogueEntry{"rp.considered", "対象月の利用率", "Rates of the months considered"},
    CatalogueEntry{"rp.used", "採用する利用率", "Rate used"},
    CatalogueEntry{"rp.no_rate",
                   "不明（レセプト件数を report receipts で、通知された利用率を report notified "
                   "で登録してください）",
                   "unknown (enter receipts with report receipts, notified rates with report "
                   "notified)"},
    CatalogueEntry{"rp.threshold", "基準", "threshold"},
    CatalogueEntry{"rp.points", "点数", "Points"},
    CatalogueEntry{"rp.points_n", "{}点", "{} points"},
    CatalogueEntry{"rp.points_unknown", "不明（表に記載なし）", "unknown (not in the table)"},
    CatalogueEntry{"rp.next", "次の区分", "Next level"},
    CatalogueEntry{"rp.now", "  今月 {0}: 利用者 {1}人 / レセプト {2}件 = {3}",
                   "  This month {0}: {1} users / {2} receipts = {3}"},
    CatalogueEntry{"rp.now_estimated",
                   "  今月 {0}: 利用者 {1}人 / レセプト {2}件（{4} の件数で見込み）= {3}",
                   "  This month {0}: {1} users / {2} receipts (as in {4}) = {3}"},
    CatalogueEntry{"rp.now_no_receipts",
                   "  今月 {0}: 利用者 {1}人（レセプト件数が未登録のため、あと何人かは出せません）",
                   "  This month {0}: {1} users (no receipts entered, so no margin)"},
    CatalogueEntry{"rp.margin", "{0} の算定で {1}（基準 {2}）に届くには、今月あと {3}人",
                   "To reach {1} (threshold {2}) for {0}: {3} more users this month"},
    CatalogueEntry{"rp.margin_reached", "今月の利用率で {0} の算定は {1}（基準 {2}）に届いています",
                   "This month's rate already reaches {1} (threshold {2}) for {0}"},
};

}  // namespace

std::span<const CatalogueEntry> report_catalogue() {
    return kReportCatalogue;
}

}  // namespace mynaq::cli
