// In-process 薬剤情報 benchmark through the public API of mynaq/oqs/medical_info.hpp.
//   1. generates a five-year drug history (deterministic: a fixed seed and no std::
//      distributions, whose output differs between standard libraries), written by
//      build_drug_result + write_xml once as UTF-8 and once as Shift_JIS (CP932, what the
//      資格確認端末 writes);
//   2. times, per encoding, (a) bytes → Document (parse_xml, decoding included),
//      (b) Document → DrugHistory (parse_drug_result), (c) the whole read: file → DrugHistory;
//   3. checks the answer: every generated entry back exactly once, newest first.
// The parsed entries go to mynaq_<encoding>.tsv in the work directory (the fields OQSDrug2
// reads, in the order returned), so run.sh can check that the peer extracted the same.
// Prints "key value" lines: no JSON tool is needed to read them.
// Usage: mynaq_bench_info --work DIR [--runs N] [--entries N] [--months N] [--seed N]
#include <time.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "bench_args.hpp"
#include "mynaq/error.hpp"
#include "mynaq/files.hpp"
#include "mynaq/oqs/medical_info.hpp"
#include "mynaq/oqs/xml.hpp"
#include "mynaq/text_encoding.hpp"

using namespace mynaq;
using namespace mynaq::oqs;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;
namespace chr = std::chrono;

namespace {

// ---- timing -----------------------------------------------------------------------------

double ms_since(Clock::time_point start) {
    return chr::duration<double, std::milli>(Clock::now() - start).count();
}

// This thread's CPU time: on a machine shared with builds it leaves out the time spent
// waiting for a CPU, which the wall clock counts.
double thread_cpu_ms() {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// Nearest-rank percentile: with 50 runs p90 is an observed time, not an interpolation.
double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    const auto rank = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(rank, v.size() - 1)];
}

struct Times {
    std::vector<double> wall;
    std::vector<double> cpu;
};

struct Measure {
    std::string key;
    std::function<void()> body;
    Times times;
};

// Runs every measure once per round, `warmup` untimed rounds first (first-call allocations,
// caches), then `runs` timed ones. Taking turns, rather than one measure's runs after the
// other's, spreads a slow spell of a shared machine over all of them alike.
void time_rounds(int warmup, int runs, std::vector<Measure>& measures) {
    for (int i = 0; i < warmup; ++i) {
        for (auto& m : measures) m.body();
    }
    for (auto& m : measures) {
        m.times.wall.reserve(static_cast<std::size_t>(runs));
        m.times.cpu.reserve(static_cast<std::size_t>(runs));
    }
    for (int i = 0; i < runs; ++i) {
        for (auto& m : measures) {
            const double c0 = thread_cpu_ms();
            const auto t0 = Clock::now();
            m.body();
            m.times.wall.push_back(ms_since(t0));
            m.times.cpu.push_back(thread_cpu_ms() - c0);
        }
    }
}

void print(std::string_view key, const Times& runs) {
    const auto& w = runs.wall;
    fmt::print("{}.median_ms {:.3f}\n", key, percentile(w, 0.5));
    fmt::print("{}.p90_ms {:.3f}\n", key, percentile(w, 0.9));
    fmt::print("{}.min_ms {:.3f}\n", key, *std::min_element(w.begin(), w.end()));
    fmt::print("{}.max_ms {:.3f}\n", key, *std::max_element(w.begin(), w.end()));
    fmt::print("{}.cpu_median_ms {:.3f}\n", key, percentile(runs.cpu, 0.5));
}

void write_file(const fs::path& file, std::string_view data) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!out) throw Error(Errc::InvalidArgument, fmt::format("cannot write {}", file.string()));
}

// ---- the history ------------------------------------------------------------------------

// splitmix64: the same numbers on every platform for the same seed.
class Rng {
public:
    explicit Rng(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    int below(int n) { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }
    bool percent(int p) { return below(100) < p; }

private:
    std::uint64_t state_;
};

struct Institution {
    std::string_view code;
    std::string_view name;
};

// Invented, like every code and name in tests/fixtures/medical_info.
constexpr Institution kInternal{"1311111110", "模擬内科クリニック"};
constexpr Institution kOrthopedics{"1312222229", "模擬整形外科"};
constexpr Institution kEnt{"1313333338", "模擬耳鼻咽喉科医院"};
constexpr Institution kHospital{"1314444447", "模擬総合病院"};
constexpr Institution kDermatology{"1315555556", "模擬皮膚科クリニック"};
constexpr Institution kOphthalmology{"1316666665", "模擬眼科"};
constexpr Institution kPharmacy{"1341111116", "模擬薬局"};
constexpr Institution kPharmacySakura{"1342222225", "模擬さくら薬局"};
constexpr Institution kPharmacyStation{"1343333334", "模擬調剤薬局駅前店"};
constexpr int kInstitutions = 9;

struct Drug {
    std::string_view code;
    std::string_view name;
    std::string_view ingredient;
    std::string_view quantity;
    std::string_view unit;
    std::string_view usage;
    std::string_view usage_class;  // 1 内服, 2 外用 as in the fixtures; 3 頓服 assumed
    int days;                      // Times: 日数, or 1 for a 外用 pack
};

// Codes 99xxxxxxx: not real YJ/レセ電 codes.
constexpr Drug kAmlodipine{"990000011",
                           "アムロジピン錠5mg「模擬」",
                           "アムロジピンベシル酸塩",
                           "1",
                           "錠",
                           "1日1回朝食後",
                           "1",
                           28};
constexpr Drug kRosuvastatin{"990000027",
                             "ロスバスタチン錠2.5mg「模擬」",
                             "ロスバスタチンカルシウム",
                             "1",
                             "錠",
                             "1日1回夕食後",
                             "1",
                             28};
constexpr Drug kMetformin{"990000051",
                          "メトホルミン塩酸塩錠250mgMT「模擬」",
                          "メトホルミン塩酸塩",
                          "4",
                          "錠",
                          "1日2回朝夕食後",
                          "1",
                          28};
constexpr Drug kSitagliptin{"990000060",
                            "シタグリプチン錠50mg「模擬」",
                            "シタグリプチンリン酸塩水和物",
                            "1",
                            "錠",
                            "1日1回朝食後",
                            "1",
                            28};
constexpr Drug kLansoprazole{"990000078",
                             "ランソプラゾールOD錠15mg「模擬」",
                             "ランソプラゾール",
                             "1",
                             "錠",
                             "1日1回朝食後",
                             "1",
                             28};
constexpr Drug kMagnesium{"990000086",
                          "酸化マグネシウム錠330mg「模擬」",
                          "酸化マグネシウム",
                          "3",
                          "錠",
                          "1日3回毎食後",
                          "1",
                          28};
constexpr Drug kTelmisartan{
    "990000094", "テルミサルタン錠40mg「模擬」", "テルミサルタン", "1", "錠", "1日1回朝食後", "1",
    28};
constexpr Drug kEzetimibe{
    "990000108", "エゼチミブ錠10mg「模擬」", "エゼチミブ", "1", "錠", "1日1回夕食後", "1", 28};
constexpr Drug kZolpidem{"990000116",
                         "ゾルピデム酒石酸塩錠5mg「模擬」",
                         "ゾルピデム酒石酸塩",
                         "1",
                         "錠",
                         "1日1回就寝前",
                         "1",
                         28};
constexpr Drug kLoxoprofen{"990000035",
                           "ロキソプロフェンNa錠60mg「模擬」",
                           "ロキソプロフェンナトリウム水和物",
                           "3",
                           "錠",
                           "1日3回毎食後",
                           "1",
                           14};
constexpr Drug kRebamipide{
    "990000124", "レバミピド錠100mg「模擬」", "レバミピド", "3", "錠", "1日3回毎食後", "1", 14};
constexpr Drug kLoxoprofenTape{"990000043",
                               "ロキソプロフェンNaテープ100mg「模擬」",
                               "ロキソプロフェンナトリウム水和物",
                               "14",
                               "枚",
                               "1日1回貼付",
                               "2",
                               1};
constexpr Drug kCelecoxib{
    "990000132", "セレコキシブ錠100mg「模擬」", "セレコキシブ", "2", "錠", "1日2回朝夕食後", "1",
    14};
constexpr Drug kFexofenadine{"990000141",
                             "フェキソフェナジン塩酸塩錠60mg「模擬」",
                             "フェキソフェナジン塩酸塩",
                             "2",
                             "錠",
                             "1日2回朝夕食後",
                             "1",
                             14};
constexpr Drug kMontelukast{"990000159",
                            "モンテルカスト錠10mg「模擬」",
                            "モンテルカストナトリウム",
                            "1",
                            "錠",
                            "1日1回就寝前",
                            "1",
                            14};
constexpr Drug kFluticasone{"990000167",
                            "フルチカゾンプロピオン酸エステル点鼻液50μg「模擬」56噴霧用",
                            "フルチカゾンプロピオン酸エステル",
                            "1",
                            "瓶",
                            "1日2回各鼻腔に1噴霧",
                            "2",
                            1};
constexpr Drug kClarithromycin{"990000175",
                               "クラリスロマイシン錠200mg「模擬」",
                               "クラリスロマイシン",
                               "2",
                               "錠",
                               "1日2回朝夕食後",
                               "1",
                               7};
constexpr Drug kCarbocisteine{"990000183",
                              "カルボシステイン錠500mg「模擬」",
                              "L-カルボシステイン",
                              "3",
                              "錠",
                              "1日3回毎食後",
                              "1",
                              7};
constexpr Drug kAmbroxol{"990000191",
                         "アンブロキソール塩酸塩錠15mg「模擬」",
                         "アンブロキソール塩酸塩",
                         "3",
                         "錠",
                         "1日3回毎食後",
                         "1",
                         7};
constexpr Drug kEdoxaban{"990000205",
                         "エドキサバン錠30mg「模擬」",
                         "エドキサバントシル酸塩水和物",
                         "1",
                         "錠",
                         "1日1回朝食後",
                         "1",
                         56};
constexpr Drug kBisoprolol{"990000213",
                           "ビソプロロールフマル酸塩錠2.5mg「模擬」",
                           "ビソプロロールフマル酸塩",
                           "1",
                           "錠",
                           "1日1回朝食後",
                           "1",
                           56};
constexpr Drug kHeparinoid{"990000221",
                           "ヘパリン類似物質油性クリーム0.3%「模擬」",
                           "ヘパリン類似物質",
                           "100",
                           "g",
                           "1日2回患部に塗布",
                           "2",
                           1};
constexpr Drug kBetamethasone{"990000230",
                              "ベタメタゾン吉草酸エステル軟膏0.12%「模擬」",
                              "ベタメタゾン吉草酸エステル",
                              "10",
                              "g",
                              "1日2回患部に塗布",
                              "2",
                              1};
constexpr Drug kAcetaminophen{"990000248",
                              "アセトアミノフェン錠200mg「模擬」",
                              "アセトアミノフェン",
                              "2",
                              "錠",
                              "発熱時（38.5℃以上）",
                              "3",
                              5};
constexpr Drug kTranexamic{"990000256",
                           "トラネキサム酸錠250mg「模擬」",
                           "トラネキサム酸",
                           "3",
                           "錠",
                           "1日3回毎食後",
                           "1",
                           5};
constexpr Drug kLevofloxacin{"990000264",
                             "レボフロキサシン錠500mg「模擬」",
                             "レボフロキサシン水和物",
                             "1",
                             "錠",
                             "1日1回朝食後",
                             "1",
                             5};
constexpr Drug kKakkonto{
    "990000272", "葛根湯エキス顆粒「模擬」", "葛根湯エキス", "7.5", "g", "1日3回毎食前", "1", 5};
constexpr Drug kFurosemide{
    "990000299", "フロセミド錠20mg「模擬」", "フロセミド", "1", "錠", "1日1回朝食後", "1", 28};
constexpr Drug kLatanoprost{"990000302",
                            "ラタノプロスト点眼液0.005%「模擬」",
                            "ラタノプロスト",
                            "1",
                            "本",
                            "1日1回両眼に1滴点眼",
                            "2",
                            1};
constexpr Drug kHyaluronate{"990000311",
                            "ヒアルロン酸ナトリウム点眼液0.1%「模擬」",
                            "精製ヒアルロン酸ナトリウム",
                            "2",
                            "本",
                            "1日5回両眼に1滴点眼",
                            "2",
                            1};
constexpr Drug kPrednisolone{"990000281",
                             "プレドニゾロン錠5mg「模擬」",
                             "プレドニゾロン",
                             "0.5",
                             "錠",
                             "1日1回朝食後",
                             "1",
                             5};

constexpr std::array kAcute{&kAcetaminophen, &kTranexamic, &kLevofloxacin, &kKakkonto,
                            &kCarbocisteine, &kAmbroxol,   &kPrednisolone, &kClarithromycin};

std::string yyyymmdd(chr::sys_days day) {
    const chr::year_month_day d{day};
    return fmt::format("{:04}{:02}{:02}", static_cast<int>(d.year()),
                       static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
}

struct Generated {
    std::vector<DrugEntry> entries;
    int visits = 0;
    std::size_t regular = 0;  // entries of the regular visits, before acute ones and the trim
};

// A patient in their seventies with five years of care: 内科 every four weeks (院外, more
// drugs over the years), 整形外科 every two weeks with its own dispensary (院内), 耳鼻科 in
// hay-fever season and for winter colds, 皮膚科 and 眼科 every four weeks, a hospital's
// cardiology every four weeks from the third year, and acute visits. From 2023 (電子処方箋)
// 60 % of 院外 prescriptions come back as 処方箋 and 調剤結果 records as well; レセプト records
// lag a month, so the newest month has only those.
class HistoryGenerator {
public:
    HistoryGenerator(std::uint64_t seed, int months) : rng_(seed) {
        // The window ends with November 2026, as in the fixtures.
        const chr::year_month last = chr::year{2026} / chr::November;
        first_ = chr::sys_days{(last - chr::months{months - 1}) / 1};
        end_ = chr::sys_days{(last + chr::months{1}) / 1};
        last_month_ = fmt::format("{:04}{:02}", static_cast<int>(last.year()),
                                  static_cast<unsigned>(last.month()));
    }

    Generated run(std::size_t target) {
        const auto day = [this](int offset) { return first_ + chr::days{offset}; };
        const int span = static_cast<int>((end_ - first_).count());
        const int year3 = span * 2 / 5;

        for (int d = rng_.below(7); d < span; d += 28 + rng_.below(5) - 2) {
            std::vector<const Drug*> drugs{&kAmlodipine, &kRosuvastatin, &kMetformin,
                                           &kLansoprazole, &kMagnesium};
            if (d > span / 5) drugs.push_back(&kSitagliptin);
            if (d > span / 3) drugs.push_back(&kTelmisartan);
            if (d > span * 3 / 5) drugs.push_back(&kEzetimibe);
            if (d > span * 2 / 3 && rng_.percent(80)) drugs.push_back(&kZolpidem);
            if (rng_.percent(15)) drugs.push_back(kAcute[static_cast<std::size_t>(rng_.below(8))]);
            outside(day(d), kInternal, kPharmacy, drugs);
        }
        for (int d = rng_.below(14); d < span; d += 14 + rng_.below(9) - 4) {
            std::vector<const Drug*> drugs{&kLoxoprofen, &kRebamipide, &kLoxoprofenTape};
            if (rng_.percent(30)) drugs[0] = &kCelecoxib;
            inside(day(d), kOrthopedics, drugs);
        }
        for (int d = rng_.below(10); d < span; d += 7 + rng_.below(5)) {
            const unsigned m = static_cast<unsigned>(chr::year_month_day{day(d)}.month());
            if (m >= 2 && m <= 4) {
                outside(day(d), kEnt, kPharmacySakura,
                        {&kFexofenadine, &kMontelukast, &kFluticasone});
            } else if ((m == 12 || m == 1) && rng_.percent(50)) {
                outside(day(d), kEnt, kPharmacySakura,
                        {&kClarithromycin, &kCarbocisteine, &kAmbroxol, &kAcetaminophen});
            }
        }
        for (int d = rng_.below(28); d < span; d += 28 + rng_.below(7) - 3) {
            outside(day(d), kDermatology, kPharmacySakura, {&kHeparinoid, &kBetamethasone});
        }
        for (int d = year3 + rng_.below(28); d < span; d += 28 + rng_.below(7) - 3) {
            outside(day(d), kHospital, kPharmacyStation, {&kEdoxaban, &kBisoprolol, &kFurosemide});
        }
        for (int d = rng_.below(28); d < span; d += 28 + rng_.below(7) - 3) {
            outside(day(d), kOphthalmology, kPharmacyStation, {&kLatanoprost, &kHyaluronate});
        }
        out_.regular = out_.entries.size();
        // Acute visits until there are enough entries, then drop entries at random down to
        // the target, so the count is exact whatever the visits above came to.
        while (out_.entries.size() < target) {
            std::vector<const Drug*> drugs;
            const int n = 2 + rng_.below(3);
            for (int i = 0; i < n; ++i) {
                const Drug* d = kAcute[static_cast<std::size_t>(rng_.below(8))];
                if (std::find(drugs.begin(), drugs.end(), d) == drugs.end()) drugs.push_back(d);
            }
            outside(day(rng_.below(span)), rng_.percent(50) ? kInternal : kEnt, kPharmacy, drugs);
        }
        while (out_.entries.size() > target) {
            out_.entries.erase(out_.entries.begin() +
                               rng_.below(static_cast<int>(out_.entries.size())));
        }
        // As a terminal would list them: oldest first.
        std::stable_sort(out_.entries.begin(), out_.entries.end(),
                         [](const DrugEntry& a, const DrugEntry& b) { return a.date < b.date; });
        return std::move(out_);
    }

private:
    DrugEntry drug_entry(const Drug& d) {
        DrugEntry e;
        e.drug_code = d.code;
        e.drug_name = d.name;
        e.ingredient = d.ingredient;
        e.quantity = d.quantity;
        e.unit = d.unit;
        e.usage = d.usage;
        e.times = std::to_string(d.days);
        e.usage_class = d.usage_class;
        if (&d == &kLoxoprofen && rng_.percent(50))
            e.special_instruction = "胃の不快感があれば中止";
        if (&d == &kZolpidem) e.special_instruction = "服用後の自動車運転は避けること";
        // An element outside the layout (as in drugs_history.xml): kept as sent.
        if (rng_.percent(20)) e.extra["GenericFlg"] = "1";
        return e;
    }

    // 院外処方: prescribed at `clinic`, dispensed at `pharmacy` the same day or the next.
    void outside(chr::sys_days visit, const Institution& clinic, const Institution& pharmacy,
                 const std::vector<const Drug*>& drugs) {
        ++out_.visits;
        const chr::sys_days dispensed = visit + chr::days{rng_.percent(80) ? 0 : 1};
        const std::string prescribed = yyyymmdd(visit);
        const std::string dispensing_day = yyyymmdd(dispensed);
        const bool electronic = visit >= chr::sys_days{chr::year{2023} / 1 / 1} && rng_.percent(60);
        for (const Drug* d : drugs) {
            const DrugEntry drug = drug_entry(*d);
            // One drug as one source reports it, dated `day`, prescribed on `prescribed`.
            const auto add = [&](DrugSource source, const std::string& day,
                                 const Institution& dispenser, const char* dispenser_kind) {
                DrugEntry e = drug;
                e.source = source;
                e.month = day.substr(0, 6);
                e.date = day;
                e.prescription_date = prescribed;
                set_places(e, dispenser, clinic, dispenser_kind, "2");
                out_.entries.push_back(std::move(e));
            };
            if (dispensing_day.substr(0, 6) < last_month_)
                add(DrugSource::Receipt, dispensing_day, pharmacy, "4");
            if (!electronic) continue;
            // One element, ShPrDate, holds both dates of a prescription.
            add(DrugSource::Prescription, prescribed, {}, "1");
            add(DrugSource::Dispensing, dispensing_day, pharmacy, "4");
        }
    }

    // 院内処方: the clinic dispenses; a レセプト record only, without 処方日.
    void inside(chr::sys_days visit, const Institution& clinic,
                const std::vector<const Drug*>& drugs) {
        ++out_.visits;
        const std::string date = yyyymmdd(visit);
        if (date.substr(0, 6) >= last_month_) return;
        for (const Drug* d : drugs) {
            DrugEntry e = drug_entry(*d);
            e.source = DrugSource::Receipt;
            e.month = date.substr(0, 6);
            e.date = date;
            set_places(e, clinic, {}, "1", "1");
            out_.entries.push_back(std::move(e));
        }
    }

    static void set_places(DrugEntry& e, const Institution& dispensing,
                           const Institution& prescriber, std::string_view org_class,
                           std::string_view in_out) {
        e.dispensing_code = dispensing.code;
        e.dispensing_name = dispensing.name;
        e.prescriber_code = prescriber.code;
        e.prescriber_name = prescriber.name;
        e.org_class = org_class;
        e.issued_here = "2";
        e.in_out = in_out;
    }

    Rng rng_;
    chr::sys_days first_;
    chr::sys_days end_;
    std::string last_month_;
    Generated out_;
};

// ---- checking -----------------------------------------------------------------------------

// The fields OQSDrug2 reads (its elementMappings), tab-separated, source first.
std::string tsv_line(const DrugEntry& e) {
    return fmt::format(
        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
        to_string(e.source), e.month, e.date, e.prescription_date, e.org_class, e.dispensing_code,
        e.dispensing_name, e.prescriber_code, e.prescriber_name, e.issued_here, e.in_out,
        e.drug_code, e.drug_name, e.ingredient, e.quantity, e.unit, e.usage, e.special_instruction,
        e.times, e.usage_class);
}

// Everything, extras too: what must survive build → write → parse.
std::string describe(const DrugEntry& e) {
    std::string s = tsv_line(e);
    for (const auto& [k, v] : e.extra) s += fmt::format("{}={};", k, v);
    return s;
}

// Throws unless `got` holds exactly the generated entries, newest first.
void check(const DrugHistory& got, const std::vector<DrugEntry>& expected, std::string_view what) {
    auto fail = [&](const std::string& why) {
        throw Error(Errc::Internal, fmt::format("{}: {}", what, why));
    };
    if (got.entries.size() != expected.size()) {
        fail(fmt::format("{} entries parsed, {} written", got.entries.size(), expected.size()));
    }
    for (std::size_t i = 1; i < got.entries.size(); ++i) {
        const auto& a = got.entries[i - 1];
        const auto& b = got.entries[i];
        if (std::tie(a.month, a.date) < std::tie(b.month, b.date)) {
            fail(fmt::format("not newest first at entry {}: {} {} before {} {}", i, a.month, a.date,
                             b.month, b.date));
        }
    }
    std::vector<std::string> a;
    std::vector<std::string> b;
    for (const auto& e : got.entries) a.push_back(describe(e));
    for (const auto& e : expected) b.push_back(describe(e));
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    const auto [ia, ib] = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
    if (ia != a.end() || ib != b.end()) {
        fail(fmt::format("parsed entry differs from the written one:\n  parsed:  {}\n  written: {}",
                         ia != a.end() ? *ia : "(none)", ib != b.end() ? *ib : "(none)"));
    }
}

std::size_t count_elements(const Node& n) {
    std::size_t c = 1;
    for (const auto& child : n.children) c += count_elements(child);
    return c;
}

// ---- main -------------------------------------------------------------------------------

struct Args {
    fs::path work;
    int runs = 50;
    int entries = 3000;
    int months = 60;
    std::uint64_t seed = 20261201;
};

Args parse_args(int argc, char** argv) {
    Args args;
    for (bench::ArgReader in(argc, argv); in.next();) {
        const std::string_view arg = in.option();
        if (arg == "--work") {
            args.work = in.value();
        } else if (arg == "--runs") {
            args.runs = static_cast<int>(in.number(1, 100000));
        } else if (arg == "--entries") {
            args.entries = static_cast<int>(in.number(1, 1000000));
        } else if (arg == "--months") {
            args.months = static_cast<int>(in.number(24, 600));
        } else if (arg == "--seed") {
            args.seed = static_cast<std::uint64_t>(in.number(0, 1L << 62));
        } else {
            throw Error(Errc::InvalidArgument,
                        fmt::format("unknown argument {}; usage: mynaq_bench_info --work DIR "
                                    "[--runs N] [--entries N] [--months N] [--seed N]",
                                    arg));
        }
    }
    if (args.work.empty()) throw Error(Errc::InvalidArgument, "--work DIR is required");
    return args;
}

void run(const Args& args) {
    fs::create_directories(args.work);

    // ---- 1. the history, written as the terminal would ----------------------------------
    Generated gen =
        HistoryGenerator(args.seed, args.months).run(static_cast<std::size_t>(args.entries));
    DrugHistory history;
    history.header = {{"ProcessExecutionTime", "20261201093000"},
                      {"MedicalInstitutionCode", "1312345678"},
                      {"ArbitraryFileIdentifier", "bench-info-0001"},
                      {"CharacterCodeIdentifier", "0"}};
    history.patient = {"模擬　花子", "ﾓｷﾞ ﾊﾅｺ", "19510415", "2"};
    history.result_code = "1";
    history.entries = gen.entries;
    Node root = build_drug_result(history);

    struct Variant {
        std::string key;
        TextEncoding encoding;
        std::string_view character_code;  // CharacterCodeIdentifier: 0 UTF-8, 1 Shift_JIS
        fs::path file;
    };
    const std::vector<Variant> variants{
        {"utf8", TextEncoding::Utf8, "0", args.work / "drugs_utf8.xml"},
        {"sjis", TextEncoding::ShiftJis, "1", args.work / "drugs_sjis.xml"}};
    for (const auto& v : variants) {
        root.child("MessageHeader")->child("CharacterCodeIdentifier")->text = v.character_code;
        write_file(v.file, write_xml(root, v.encoding));
    }

    std::map<DrugSource, int> by_source;
    std::map<std::string, int> by_month;
    for (const auto& e : gen.entries) {
        ++by_source[e.source];
        ++by_month[e.month];
    }
    const auto month_elements = root.find_all("MeTrMonthInf").size() +
                                root.find_all("ShPrMonthInf").size() +
                                root.find_all("CzDiMonthInf").size();
    const auto date_elements = root.find_all("DiDateInf").size() +
                               root.find_all("ShPrDateInf").size() +
                               root.find_all("CzDiDateInf").size();
    fmt::print("entries {}\n", gen.entries.size());
    fmt::print("entries.receipt {}\n", by_source[DrugSource::Receipt]);
    fmt::print("entries.prescription {}\n", by_source[DrugSource::Prescription]);
    fmt::print("entries.dispensing {}\n", by_source[DrugSource::Dispensing]);
    fmt::print("months {}\n", by_month.size());
    fmt::print("first_month {}\n", by_month.begin()->first);
    fmt::print("last_month {}\n", by_month.rbegin()->first);
    fmt::print("visits {}\n", gen.visits);
    fmt::print("entries.regular {}\n", gen.regular);
    fmt::print("institutions {}\n", kInstitutions);
    fmt::print("month_elements {}\n", month_elements);
    fmt::print("date_elements {}\n", date_elements);
    fmt::print("elements {}\n", count_elements(root));
    fmt::print("runs {}\n", args.runs);
    fmt::print("seed {}\n", args.seed);

    // ---- 2 + 3. per encoding: check and list what was read, then time ----------------------
    struct Input {
        std::string bytes;
        Document doc;
        std::string utf8;
    };
    std::vector<Input> inputs(variants.size());
    std::vector<Measure> measures;
    std::size_t n = 0;
    for (std::size_t i = 0; i < variants.size(); ++i) {
        const Variant& v = variants[i];
        Input& in = inputs[i];
        in.bytes = read_file_bytes(v.file);
        fmt::print("{}.bytes {}\n", v.key, in.bytes.size());
        in.doc = parse_xml(in.bytes);
        if (in.doc.encoding != v.encoding) {
            throw Error(Errc::Internal, fmt::format("{}: read as the wrong encoding", v.key));
        }
        const DrugHistory parsed = parse_drug_result(in.doc);
        check(parsed, gen.entries, v.key);
        std::string tsv;
        for (const auto& e : parsed.entries) tsv += tsv_line(e);
        write_file(args.work / fmt::format("mynaq_{}.tsv", v.key), tsv);

        // (a) bytes → Document; for Shift_JIS the decoding alone as well, to see its share.
        measures.push_back({v.key + ".parse_xml", [&in] { in.doc = parse_xml(in.bytes); }, {}});
        if (v.encoding == TextEncoding::ShiftJis) {
            measures.push_back(
                {v.key + ".decode", [&in] { in.utf8 = sjis_to_utf8(in.bytes); }, {}});
        }
        // (b) Document → DrugHistory.
        measures.push_back({v.key + ".to_history",
                            [&in, &n] { n += parse_drug_result(in.doc).entries.size(); },
                            {}});
        // (c) the whole read of a result file: read_file_bytes, parse, extract (the page
        // cache is warm after the first run).
        measures.push_back(
            {v.key + ".whole",
             [&v, &n] {
                 n += parse_drug_result(parse_xml(read_file_bytes(v.file))).entries.size();
             },
             {}});
    }
    time_rounds(2, args.runs, measures);
    for (const auto& m : measures) print(m.key, m.times);
    const auto per_round = 2 * variants.size() * gen.entries.size();
    if (n != per_round * static_cast<std::size_t>(args.runs + 2)) {
        throw Error(Errc::Internal, "an entry count changed between runs");
    }
    fmt::print("check ok\n");
}

}  // namespace

int main(int argc, char** argv) {
    try {
        run(parse_args(argc, argv));
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "mynaq_bench_info: " << e.what() << '\n';
        return 1;
    }
}
