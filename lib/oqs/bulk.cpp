#include "mynaq/oqs/bulk.hpp"

#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "bulk_rounds.hpp"
#include "mynaq/csv.hpp"
#include "mynaq/error.hpp"
#include "mynaq/jst.hpp"
#include "mynaq/oqs/eligibility.hpp"
#include "mynaq/text_encoding.hpp"

namespace mynaq::oqs {

namespace {

std::string trim(std::string s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// Spreadsheets write 1980-01-01 or 1980/01/01; OQS wants 19800101.
std::string compact_date(std::string d) {
    if (d.size() == 10 && (d[4] == '-' || d[4] == '/') && d[7] == d[4]) {
        d.erase(7, 1);
        d.erase(4, 1);
    }
    return d;
}

std::string row_identifier(const Reservation& r) {
    return r.chart_id.empty() ? fmt::format("L{}", r.line) : r.chart_id;
}

}  // namespace

std::vector<Reservation> read_reservations(const std::filesystem::path& csv) {
    std::ifstream in(csv, std::ios::binary);
    if (!in) {
        throw Error(Errc::FileNotFound, fmt::format("cannot open {}", csv.string()),
                    {{"file", csv.string()}});
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    const std::string text = office_text_to_utf8(ss.str());

    std::istringstream lines(text);
    std::string line;
    std::map<std::string, std::size_t> column;
    std::vector<Reservation> out;
    int number = 0;
    auto bad = [&](const std::string& why) {
        throw Error(Errc::DataInvalid, fmt::format("{}:{}: {}", csv.string(), number, why),
                    {{"file", csv.string()}, {"line", std::to_string(number)}});
    };
    while (std::getline(lines, line)) {
        ++number;
        if (trim(line).empty()) continue;
        auto cells = csv_split_line(line);
        if (column.empty()) {
            for (std::size_t i = 0; i < cells.size(); ++i) column[trim(cells[i])] = i;
            for (const char* required : {"insurer_number", "number", "birthdate"}) {
                if (!column.contains(required)) {
                    bad(fmt::format("the header has no '{}' column", required));
                }
            }
            continue;
        }
        auto get = [&](const char* name) -> std::string {
            const auto it = column.find(name);
            if (it == column.end() || it->second >= cells.size()) return {};
            return trim(cells[it->second]);
        };
        Reservation r;
        r.line = number;
        r.chart_id = get("chart_id");
        r.search.insurer_number = pad_insurer_number(get("insurer_number"));
        r.search.card_symbol = get("symbol");
        r.search.identification_number = get("number");
        r.search.branch_number = get("branch");
        r.search.birthdate = compact_date(get("birthdate"));
        r.search.limit_consent_flag = get("limit_consent");
        if (r.search.identification_number.empty()) bad("the number is empty");
        for (const auto& finding : check_search_info(r.search)) {
            if (finding.blocking) bad(finding.detail);
        }
        r.search.arbitrary_identifier = row_identifier(r);
        out.push_back(std::move(r));
    }
    if (out.empty()) {
        throw Error(Errc::DataInvalid, fmt::format("{} has no reservations", csv.string()),
                    {{"file", csv.string()}});
    }
    return out;
}

BulkOutcome run_bulk(Exchange& exchange, Store& store, const std::vector<Reservation>& people,
                     const std::string& input_key, const BulkOptions& options,
                     const std::function<void(const BulkProgress&)>& progress) {
    BulkOutcome out;
    const auto deadline = std::chrono::steady_clock::now() + options.overall_timeout;
    if (auto existing = store.find_bulk_job(input_key)) {
        out.job = *existing;
        out.resumed = true;
    } else {
        out.job =
            detail::new_bulk_job(store, input_key, options.facility, options.confirmation_date);
        // Saved before anything is written to req/: a crash from here on resumes this job.
        out.job.id = store.save_bulk_job(out.job);
    }
    auto report = [&](const char* phase) {
        if (progress) progress({phase, out.job.download_round, out.resumed});
    };

    if (out.job.state == "uploading") {
        report("upload");
        BulkQuery query{options.confirmation_date, options.facility, out.job.upload_identifier, {}};
        for (const auto& p : people) query.people.push_back(p.search);
        auto upload = parse_bulk_upload_result(exchange.exchange(
            {std::string(kBulkUpload), out.job.upload_suffix, build_bulk_upload(query)}));
        if (upload.header.state == FileState::Failed || upload.reception_number.empty()) {
            out.job.state = "failed";
            store.save_bulk_job(out.job);
            throw Error(Errc::OqsFailed,
                        fmt::format("the bulk upload was refused: {} {}", upload.header.error_code,
                                    upload.header.error_message),
                        {{"error_code", upload.header.error_code},
                         {"error_message", upload.header.error_message}});
        }
        out.job.reception_number = upload.reception_number;
        out.job.state = "waiting";
        store.save_bulk_job(out.job);
    }
    if (out.job.state == "failed") {
        throw Error(Errc::OqsFailed,
                    fmt::format("bulk job {} failed earlier; start it again with --new",
                                out.job.upload_suffix));
    }

    out.result = detail::download_until_done<BulkResult>(
        store, out.job, {options.round_interval, deadline}, "the bulk result",
        [&](const std::string& suffix) {
            return parse_bulk_result(
                exchange.exchange({std::string(kBulkDownload), suffix,
                                   // The upload's identifier: the 02res header may echo either
                                   // request's, and with one identifier per job both correlate.
                                   build_bulk_download(options.facility, out.job.reception_number,
                                                       out.job.upload_identifier)}));
        },
        [&] { report("download"); });

    std::map<std::string, const BulkUnit*> by_id;
    for (const auto& unit : out.result.units) by_id[unit.echo.arbitrary_identifier] = &unit;
    const std::string source = std::string(kBulkDownload) + "res_" + out.job.download_suffix;
    for (const auto& p : people) {
        BulkRow row{p, std::nullopt, 0};
        const auto it = by_id.find(p.search.arbitrary_identifier);
        if (it != by_id.end()) {
            row.unit = *it->second;
            CheckContext context{options.facility, "certificate", "bulk", source + ".xml",
                                 p.search.arbitrary_identifier};
            CheckRecord record = to_check_record(*it->second, out.result, context);
            // Recorded once per job and row, however often the job is resumed.
            const std::string key =
                fmt::format("bulk:{}:{}", out.job.reception_number, p.search.arbitrary_identifier);
            if (auto added = store.add_intake({key, input_key, 0, true}, record)) {
                row.check_id = added->check_id;
            } else if (auto known = store.intake(key, input_key)) {
                row.check_id = known->check_id;
            }
        }
        out.rows.push_back(std::move(row));
    }
    out.job.state = "done";
    store.save_bulk_job(out.job);
    return out;
}

namespace detail {

BulkJob new_bulk_job(Store& store, const std::string& input_key, const std::string& facility,
                     const std::string& confirmation_date) {
    const std::string today = today_compact();
    BulkJob job;
    job.input_sha256 = input_key;
    job.confirmation_date = confirmation_date;
    job.facility = facility;
    job.upload_suffix = make_suffix(today, store.next_sequence(today));
    job.upload_identifier = make_file_identifier();
    job.state = "uploading";
    job.created_at = format_jst_iso(now_seconds());
    return job;
}

std::string today_compact() {
    std::string d = format_jst_date(now_seconds());
    std::erase(d, '-');
    return d;
}

}  // namespace detail

}  // namespace mynaq::oqs
