#include "sqlite_charts.hpp"

#include <fmt/format.h>

#include "chart_common.hpp"
#include "mynaq/jst.hpp"
#include "mynaq/text.hpp"
#include "sqlite_audit.hpp"

namespace mynaq::store::detail {

ChartRecord read_chart(const Statement& stmt) {
    ChartRecord chart;
    int column = 0;
    for (std::string* field : chart_fields(chart)) *field = stmt.text(column++);
    return chart;
}

MedicalResultRecord read_medical_result(const Statement& stmt) {
    MedicalResultRecord r;
    r.id = stmt.int64(0);
    r.patient_key = stmt.text(1);
    r.kind = stmt.text(2);
    r.fetched_at = stmt.text(3);
    r.from_month = stmt.text(4);
    r.to_month = stmt.text(5);
    r.format = stmt.text(6);
    r.request_id = stmt.text(7);
    r.document = stmt.text(8);
    r.fetched_by = stmt.text(9);
    return r;
}

void upsert_charts(const Database& db, const std::vector<ChartRecord>& charts,
                   const std::string& operator_name) {
    for (const auto& chart : charts) require_chart(chart);
    const auto now = format_jst_iso(now_seconds());
    const auto sql = fmt::format(
        "INSERT OR REPLACE INTO charts ({}, kana_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " ?, ?)",
        kChartColumns);
    WriteTransaction tx(db);
    for (ChartRecord chart : charts) {
        chart.updated_at = now;
        chart.updated_by = operator_name;
        auto stmt = db.prepare(sql);
        int index = 1;
        for (const std::string* field : chart_fields(chart)) stmt.bind(index++, *field);
        stmt.bind(index, chart_kana_key(chart.name_kana));
        stmt.run("cannot save the chart");
        append_audit(db, operator_name, "chart.save", chart_object(chart), chart_detail(chart));
    }
    tx.commit();
}

std::vector<ChartRecord> select_charts(const Database& db, const ChartFilter& filter,
                                       const std::string* chart_id) {
    std::string sql = fmt::format("SELECT {} FROM charts WHERE 1", kChartColumns);
    if (chart_id != nullptr) sql += " AND chart_id = :id";
    if (filter.name_kana) sql += " AND kana_key = :kana";
    if (filter.birthdate) sql += " AND birthdate = :birthdate";
    if (filter.insurer_number) sql += " AND trim(insurer_number) = :insurer";
    if (filter.identification_number) sql += " AND trim(identification_number) = :number";
    if (filter.ref_state) sql += " AND ref_state = :state";
    sql += " ORDER BY chart_id LIMIT :limit";
    auto stmt = db.prepare(sql);
    const auto at = [&stmt](const char* name) { return stmt.parameter_index(name); };
    if (chart_id != nullptr) stmt.bind(at(":id"), *chart_id);
    if (filter.name_kana) stmt.bind(at(":kana"), chart_kana_key(*filter.name_kana));
    if (filter.birthdate) stmt.bind(at(":birthdate"), *filter.birthdate);
    if (filter.insurer_number) stmt.bind(at(":insurer"), trim_ascii(*filter.insurer_number));
    if (filter.identification_number) {
        stmt.bind(at(":number"), trim_ascii(*filter.identification_number));
    }
    if (filter.ref_state) stmt.bind(at(":state"), *filter.ref_state);
    stmt.bind(at(":limit"), filter.limit > 0 ? filter.limit : -1);
    std::vector<ChartRecord> out;
    while (stmt.step("cannot list charts")) out.push_back(read_chart(stmt));
    return out;
}

void update_check_match(const Database& db, std::int64_t check_id, const CheckMatch& match,
                        const std::string& operator_name) {
    require_check_match(match);
    WriteTransaction tx(db);
    db.prepare(
          "UPDATE checks SET chart_id = ?, match_state = ?, match_rule = ?, match_candidates = ?"
          " WHERE id = ?")
        .bind(1, match.chart_id)
        .bind(2, match.state)
        .bind(3, match.rule)
        .bind(4, candidates_json(match))
        .bind(5, check_id)
        .run("cannot record the check's chart");
    if (db.changes() == 0) check_not_found(check_id, db.path().string());
    append_audit(db, operator_name, "check.match", fmt::format("check:{}", check_id),
                 match_detail(match));
    tx.commit();
}

std::int64_t insert_medical_result(const Database& db, const MedicalResultRecord& result,
                                   const std::string& operator_name) {
    require_medical_result(result);
    WriteTransaction tx(db);
    db.prepare(
          "INSERT INTO medical_results (patient_key, kind, fetched_at, from_month, to_month,"
          " format, request_id, document, fetched_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(1, result.patient_key)
        .bind(2, result.kind)
        .bind(3, format_jst_iso(now_seconds()))
        .bind(4, result.from_month)
        .bind(5, result.to_month)
        .bind(6, result.format)
        .bind(7, result.request_id)
        .bind(8, result.document)
        .bind(9, operator_name)
        .run("cannot keep the medical information result");
    const auto id = db.last_insert_rowid();
    append_audit(db, operator_name, "info.fetch", fmt::format("medical:{}", id),
                 medical_result_detail(result));
    tx.commit();
    return id;
}

std::optional<MedicalResultRecord> select_latest_medical_result(const Database& db,
                                                                const std::string& patient_key,
                                                                const std::string& kind,
                                                                const std::string& format) {
    auto stmt =
        db.prepare(fmt::format("SELECT {} FROM medical_results WHERE patient_key = ? AND kind = ?"
                               " AND (?3 = '' OR format = ?3)"
                               " ORDER BY fetched_at DESC, id DESC LIMIT 1",
                               kMedicalResultColumns));
    stmt.bind(1, patient_key).bind(2, kind).bind(3, format);
    if (!stmt.step("cannot read a medical information result")) return std::nullopt;
    return read_medical_result(stmt);
}

}  // namespace mynaq::store::detail
