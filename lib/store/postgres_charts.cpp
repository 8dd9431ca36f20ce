// Charts, check matches and stored medical results on the PostgreSQL store: the same
// behaviour as sqlite_charts.cpp. Writers queue on the audit head row like every other write.
#include <fmt/format.h>

#include "chart_common.hpp"
#include "mynaq/jst.hpp"
#include "mynaq/text.hpp"
#include "postgres_store.hpp"

namespace mynaq::store::detail::pg {

ChartRecord read_chart(const Result& result, int row) {
    ChartRecord chart;
    int column = 0;
    for (std::string* field : chart_fields(chart)) *field = result.text(row, column++);
    return chart;
}

MedicalResultRecord read_medical_result(const Result& result, int row) {
    MedicalResultRecord r;
    r.id = result.int64(row, 0);
    r.patient_key = result.text(row, 1);
    r.kind = result.text(row, 2);
    r.fetched_at = result.text(row, 3);
    r.from_month = result.text(row, 4);
    r.to_month = result.text(row, 5);
    r.format = result.text(row, 6);
    r.request_id = result.text(row, 7);
    r.document = result.text(row, 8);
    r.fetched_by = result.text(row, 9);
    return r;
}

void PostgresStore::save_charts(const std::vector<ChartRecord>& charts) {
    for (const auto& chart : charts) require_chart(chart);
    const auto now = format_jst_iso(now_seconds());
    std::string updates;
    for (std::string_view column :
         {"name_kana", "birthdate", "insurer_number", "card_symbol", "identification_number",
          "branch_number", "ref_state", "ref_code", "ref_message", "reception_number", "updated_at",
          "updated_by", "kana_key"}) {
        updates += fmt::format("{}{} = EXCLUDED.{}", updates.empty() ? "" : ", ", column, column);
    }
    const auto sql = fmt::format(
        "INSERT INTO charts ({}, kana_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
        " $12, $13, $14) ON CONFLICT (chart_id) DO UPDATE SET {}",
        kChartColumns, updates);
    Transaction tx(conn_);
    auto head = lock_head();
    for (ChartRecord chart : charts) {
        chart.updated_at = now;
        chart.updated_by = operator_;
        Params params;
        for (const std::string* field : chart_fields(chart)) params.add(*field);
        params.add(chart_kana_key(chart.name_kana));
        conn_.query(sql, params, "cannot save the chart");
        append_audit(head, "chart.save", chart_object(chart), chart_detail(chart));
    }
    tx.commit();
}

std::optional<ChartRecord> PostgresStore::chart(const std::string& chart_id) const {
    const auto result =
        conn_.query(fmt::format("SELECT {} FROM charts WHERE chart_id = $1", kChartColumns),
                    Params{}.add(chart_id), "cannot read a chart");
    if (result.rows() == 0) return std::nullopt;
    return read_chart(result, 0);
}

std::vector<ChartRecord> PostgresStore::list_charts(const ChartFilter& filter) const {
    std::string sql = fmt::format("SELECT {} FROM charts WHERE true", kChartColumns);
    Params params;
    const auto where = [&](std::string_view condition, std::string_view value) {
        params.add(value);
        sql += fmt::format(fmt::runtime(condition), params.size());
    };
    if (filter.name_kana) where(" AND kana_key = ${}", chart_kana_key(*filter.name_kana));
    if (filter.birthdate) where(" AND birthdate = ${}", *filter.birthdate);
    if (filter.insurer_number)
        where(" AND trim(insurer_number) = ${}", trim_ascii(*filter.insurer_number));
    if (filter.identification_number) {
        where(" AND trim(identification_number) = ${}", trim_ascii(*filter.identification_number));
    }
    if (filter.ref_state) where(" AND ref_state = ${}", *filter.ref_state);
    sql += " ORDER BY chart_id";
    if (filter.limit > 0) {
        params.add(filter.limit);
        sql += fmt::format(" LIMIT ${}", params.size());
    }
    const auto result = conn_.query(sql, params, "cannot list charts");
    std::vector<ChartRecord> out;
    out.reserve(static_cast<std::size_t>(result.rows()));
    for (int row = 0; row < result.rows(); ++row) out.push_back(read_chart(result, row));
    return out;
}

void PostgresStore::set_check_match(std::int64_t check_id, const CheckMatch& match) {
    require_check_match(match);
    Transaction tx(conn_);
    auto head = lock_head();
    const auto result = conn_.query(
        "UPDATE checks SET chart_id = $1, match_state = $2, match_rule = $3,"
        " match_candidates = $4 WHERE id = $5",
        Params{}
            .add(match.chart_id)
            .add(match.state)
            .add(match.rule)
            .add(candidates_json(match))
            .add(check_id),
        "cannot record the check's chart");
    if (result.affected() == 0) check_not_found(check_id, conn_.display_url());
    append_audit(head, "check.match", fmt::format("check:{}", check_id), match_detail(match));
    tx.commit();
}

std::int64_t PostgresStore::add_medical_result(const MedicalResultRecord& r) {
    require_medical_result(r);
    Transaction tx(conn_);
    auto head = lock_head();
    const auto result = conn_.query(
        "INSERT INTO medical_results (patient_key, kind, fetched_at, from_month, to_month,"
        " format, request_id, document, fetched_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        " RETURNING id",
        Params{}
            .add(r.patient_key)
            .add(r.kind)
            .add(format_jst_iso(now_seconds()))
            .add(r.from_month)
            .add(r.to_month)
            .add(r.format)
            .add(r.request_id)
            .add(r.document)
            .add(operator_),
        "cannot keep the medical information result");
    const auto id = result.int64(0, 0);
    append_audit(head, "info.fetch", fmt::format("medical:{}", id), medical_result_detail(r));
    tx.commit();
    return id;
}

std::optional<MedicalResultRecord> PostgresStore::latest_medical_result(
    const std::string& patient_key, const std::string& kind, const std::string& format) const {
    const auto result = conn_.query(
        fmt::format("SELECT {} FROM medical_results WHERE patient_key = $1 AND kind = $2"
                    " AND ($3 = '' OR format = $3)"
                    " ORDER BY fetched_at DESC, id DESC LIMIT 1",
                    kMedicalResultColumns),
        Params{}.add(patient_key).add(kind).add(format),
        "cannot read a medical information result");
    if (result.rows() == 0) return std::nullopt;
    return read_medical_result(result, 0);
}

}  // namespace mynaq::store::detail::pg
