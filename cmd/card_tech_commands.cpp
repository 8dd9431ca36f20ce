// mynaq card watch, apdu and doctor: the technician's commands.
#include <algorithm>
#include <iostream>
#include <numeric>

#include <fmt/format.h>

#include "card_render.hpp"
#include "card_session.hpp"
#include "commands.hpp"
#include "mynaq/atr.hpp"
#include "mynaq/jst.hpp"

namespace mynaq::cli {

namespace {

// ---- watch -------------------------------------------------------------------------------

struct WatchOptions {
    int count = 0;       // stop after this many events (0: never)
    double timeout = 0;  // stop after this many seconds (0: never)
};

nlohmann::json describe_insert(const AppContext& context, const pcsc::Context& pcsc,
                               const pcsc::ReaderState& state) {
    nlohmann::json event{{"event", "inserted"},
                         {"reader", state.name},
                         {"atr", to_hex(state.atr, "")},
                         {"time", format_jst_iso(now_seconds())}};
    try {
        pcsc::CardConnection connection(pcsc, state.name, pcsc::ShareMode::Shared,
                                        context.config.apdu_timeout);
        card::MyNumberCard card(connection);
        card.detect();
        event["mynumber"] = true;
        event["token"] = std::string(card::token_type_name(card.token_info().type));
    } catch (const Error& e) {
        event["mynumber"] = false;
        if (e.code() != Errc::NotMyNumberCard) event["detail"] = std::string(errc_name(e.code()));
    }
    return event;
}

int run_watch(AppContext& context, const WatchOptions& options) {
    pcsc::Context pcsc;
    auto known = pcsc.reader_states();
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(static_cast<long>(options.timeout * 1000));
    int events = 0;
    auto emit = [&](const nlohmann::json& event) {
        if (context.json()) {
            std::cout << event.dump() << '\n' << std::flush;
        } else {
            const bool inserted = event["event"] == "inserted";
            std::cout << event["time"].get<std::string>() << "  "
                      << context.t(inserted ? "watch.inserted" : "watch.removed") << "  "
                      << event["reader"].get<std::string>();
            if (inserted) std::cout << "  " << (event.value("mynumber", false) ? "My Number" : "-");
            std::cout << '\n' << std::flush;
        }
        ++events;
    };
    for (const auto& s : known) {
        if (s.card_present) emit(describe_insert(context, pcsc, s));
    }
    while (options.count == 0 || events < options.count) {
        auto wait = std::chrono::milliseconds(60'000);
        if (options.timeout > 0) {
            wait = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (wait.count() <= 0) break;
        }
        auto changed = pcsc.wait_for_change(known, wait);
        if (!changed) continue;
        for (const auto& now : *changed) {
            const auto before = std::find_if(known.begin(), known.end(),
                                             [&](const auto& k) { return k.name == now.name; });
            const bool was_present = before != known.end() && before->card_present;
            if (now.card_present && !was_present) emit(describe_insert(context, pcsc, now));
            if (!now.card_present && was_present) {
                emit({{"event", "removed"},
                      {"reader", now.name},
                      {"time", format_jst_iso(now_seconds())}});
            }
        }
        known = std::move(*changed);
    }
    return 0;
}

// ---- apdu --------------------------------------------------------------------------------

struct ApduOptions {
    std::vector<std::string> commands;
    std::string app;
};

int run_apdu(AppContext& context, const ApduOptions& options) {
    std::vector<CommandApdu> commands;
    for (const auto& text : options.commands) {
        CommandApdu c = CommandApdu::parse(from_hex(text));
        if (c.carries_secret() && !c.data().empty()) {
            // A PIN typed as an argument would sit in the shell history and process list.
            throw Error(Errc::Usage,
                        "refusing a VERIFY/CHANGE with data on the command line; "
                        "use mynaq card verify-pin");
        }
        commands.push_back(std::move(c));
    }
    CardSession session(context, pcsc::ShareMode::Shared, false);
    auto& card = session.card();
    if (!options.app.empty()) {
        const auto app = card::application_from_name(options.app);
        if (!app) throw Error(Errc::Usage, "unknown application " + options.app);
        card.select_application(*app);
    }
    nlohmann::json exchanges = nlohmann::json::array();
    for (const auto& c : commands) {
        const ResponseApdu r = card.send_raw(c);
        if (context.json()) {
            exchanges.push_back({{"command", to_hex(c.encode(), "")},
                                 {"data", to_hex(r.data, "")},
                                 {"sw", r.sw.hex()},
                                 {"meaning", r.sw.meaning()}});
        } else {
            std::cout << "> " << c.redacted_hex() << '\n'
                      << "< " << (r.data.empty() ? "" : to_hex(r.data) + " ") << r.sw.hex() << "  ("
                      << r.sw.meaning() << ")\n";
        }
    }
    if (context.json()) context.emit_json({{"exchanges", exchanges}});
    return 0;
}

// ---- doctor ------------------------------------------------------------------------------

enum class CheckState { Ok, Warn, Fail, Skip };

struct Check {
    std::string id;
    CheckState state = CheckState::Skip;
    std::string detail;
    std::string next;  // what to do, localised
};

std::string_view check_state_name(CheckState s) {
    switch (s) {
        case CheckState::Ok:
            return "ok";
        case CheckState::Warn:
            return "warn";
        case CheckState::Fail:
            return "fail";
        case CheckState::Skip:
            return "skip";
    }
    return "skip";
}

struct DoctorOptions {
    int rounds = 20;
};

class Doctor {
public:
    Doctor(AppContext& context, int rounds) : context_(context), rounds_(rounds) {}

    std::vector<Check> run() {
        std::optional<pcsc::Context> pcsc;
        if (!step("pcscd", [&](Check& c) {
                pcsc.emplace();
                c.detail = "PC/SC service answered";
            }))
            return checks_;
        std::vector<pcsc::ReaderState> states;
        if (!step("readers", [&](Check& c) {
                states = pcsc->reader_states();
                if (states.empty()) throw Error(Errc::NoReader, "no reader");
                std::vector<std::string> names;
                for (const auto& s : states) names.push_back(s.name);
                c.detail = fmt::format("{} reader(s): {}", states.size(), fmt::join(names, ", "));
            }))
            return checks_;
        std::string reader;
        if (!step("card_present", [&](Check& c) {
                reader = wait_for_card(*pcsc, context_.reader(), context_.config.wait_for_card);
                c.detail = reader;
            }))
            return checks_;
        std::unique_ptr<pcsc::CardConnection> connection;
        if (!step("protocol", [&](Check& c) {
                connection = std::make_unique<pcsc::CardConnection>(
                    *pcsc, reader, pcsc::ShareMode::Shared, context_.config.apdu_timeout);
                c.detail = connection->protocol_name();
            }))
            return checks_;
        step("atr", [&](Check& c) {
            const AtrInfo info = decode_atr(connection->atr());
            c.detail = to_hex(connection->atr());
            c.detail += fmt::format("; protocols {}", fmt::join(info.protocols, ","));
            if (info.contactless) c.detail += "; contactless (PC/SC Part 3)";
            if (!info.known_as.empty()) c.detail += "; " + info.known_as;
            if (!info.well_formed) {
                c.state = CheckState::Warn;
                c.detail += "; " + info.problem;
                c.next = advice("atr");
            }
        });
        card::MyNumberCard card(*connection);
        card.channel().set_transcript(context_.trace_sink());
        card::TokenInfo token;
        if (!step("jpki", [&](Check& c) {
                card.detect();
                token = card.token_info();
                c.detail = fmt::format("JPKI AP selected; token {} ({})",
                                       card::token_type_name(token.type), token.label);
            }))
            return checks_;
        step("latency", [&](Check& c) {
            std::vector<double> ms;
            for (int i = 0; i < rounds_; ++i) {
                const auto start = std::chrono::steady_clock::now();
                card.select_application(card::Application::Jpki);
                ms.push_back(std::chrono::duration<double, std::milli>(
                                 std::chrono::steady_clock::now() - start)
                                 .count());
            }
            std::sort(ms.begin(), ms.end());
            latency_ = {ms.front(), ms[ms.size() / 2], ms.back()};
            c.detail = fmt::format("{} round trips: min {:.2f} ms, median {:.2f} ms, max {:.2f} ms",
                                   ms.size(), latency_[0], latency_[1], latency_[2]);
            if (latency_[1] > 100) {
                c.state = CheckState::Warn;
                c.next = advice("latency");
            }
        });
        step("certificate", [&](Check& c) {
            if (token.type == card::TokenType::AndroidToken) {
                c.state = CheckState::Skip;
                c.detail = "smartphone token: the certificate needs the PIN";
                return;
            }
            const auto report = examine_certificate(context_, card.read_auth_certificate());
            c.detail = fmt::format("{}; until {}; {}; chain {}", report.info.subject,
                                   format_jst_date(report.info.not_after),
                                   jpki::validity_state_name(report.info.state),
                                   jpki::chain_status_name(report.chain.status));
            if (report.info.state == jpki::ValidityState::Expired) {
                c.state = CheckState::Fail;
                c.next = advice("cert_expired");
            } else if (report.info.state == jpki::ValidityState::ExpiresSoon ||
                       report.chain.status != jpki::ChainStatus::Trusted) {
                c.state = CheckState::Warn;
                c.next = advice(report.chain.status != jpki::ChainStatus::Trusted ? "cert_untrusted"
                                                                                  : "cert_soon");
            }
        });
        step("counters", [&](Check& c) {
            const auto s = card.pin_status(card::Credential::AuthPin);
            c.detail = fmt::format("auth PIN: {}", pin_status_text(context_, s));
            if (s.blocked) {
                c.state = CheckState::Fail;
                c.next = advice("pin_blocked");
            } else if (s.tries_left && *s.tries_left <= 1) {
                c.state = CheckState::Warn;
                c.next = advice("pin_last");
            }
        });
        return checks_;
    }

    [[nodiscard]] const std::array<double, 3>& latency() const { return latency_; }

private:
    // Runs one check; an error marks it failed with the advice for its code.
    template <typename F>
    bool step(const std::string& id, F&& body) {
        Check c{id, CheckState::Ok, "", ""};
        try {
            body(c);
        } catch (const Error& e) {
            c.state = CheckState::Fail;
            c.detail = fmt::format("{}: {}", errc_name(e.code()), e.detail());
            c.next = std::string(error_text(context_.lang, e.code()).hint);
        }
        checks_.push_back(c);
        return c.state != CheckState::Fail;
    }

    std::string advice(std::string_view topic) const {
        const bool ja = context_.lang == Lang::Ja;
        if (topic == "atr")
            return ja ? "ATR の形式が不正です。リーダーのファームウェアを確認してください。"
                      : "The ATR is malformed; check the reader firmware.";
        if (topic == "latency")
            return ja ? "応答が遅いです。USB ハブを外して直接接続し、ドライバを確認してください。"
                      : "Slow answers: connect the reader without a hub and check its driver.";
        if (topic == "cert_expired")
            return ja ? "電子証明書の期限切れです。市区町村窓口で更新するよう案内してください。受付"
                        "は資格情報のお知らせ等で続けます。"
                      : "The certificate expired: refer the patient to the municipal office; "
                        "continue with the 資格情報のお知らせ.";
        if (topic == "cert_soon")
            return ja ? "電子証明書の期限が近いです。更新を案内してください。"
                      : "The certificate expires soon: remind the patient to renew it.";
        if (topic == "cert_untrusted")
            return ja ? "発行者のルート証明書が未登録です。J-LIS のルート証明書を "
                        "trust.anchor_dirs に追加してください。"
                      : "The issuer's root is not installed: add the J-LIS root to "
                        "trust.anchor_dirs.";
        if (topic == "pin_blocked")
            return ja ? "暗証番号がロックされています。市区町村窓口での初期化を案内し、顔認証か目視"
                        "確認で受付してください。"
                      : "The PIN is blocked: refer to the municipal office; use face or visual "
                        "confirmation.";
        if (topic == "pin_last")
            return ja ? "残り1回です。暗証番号ではなく顔認証を使うよう案内してください。"
                      : "One try left: suggest face authentication instead of the PIN.";
        return {};
    }

    AppContext& context_;
    int rounds_;
    std::vector<Check> checks_;
    std::array<double, 3> latency_{};
};

int run_doctor(AppContext& context, const DoctorOptions& options) {
    Doctor doctor(context, options.rounds);
    const auto checks = doctor.run();
    const bool failed = std::any_of(checks.begin(), checks.end(),
                                    [](const Check& c) { return c.state == CheckState::Fail; });
    if (context.json()) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& c : checks) {
            list.push_back({{"id", c.id},
                            {"state", std::string(check_state_name(c.state))},
                            {"detail", c.detail},
                            {"next", c.next}});
        }
        nlohmann::json j{{"ok", !failed}, {"checks", list}};
        const auto& l = doctor.latency();
        if (l[2] > 0) j["latency_ms"] = {{"min", l[0]}, {"median", l[1]}, {"max", l[2]}};
        context.emit_json(j);
    } else {
        std::cout << context.t("doctor.title") << '\n';
        for (const auto& c : checks) {
            const char* mark = c.state == CheckState::Ok     ? "[ OK ]"
                               : c.state == CheckState::Warn ? "[WARN]"
                               : c.state == CheckState::Fail ? "[FAIL]"
                                                             : "[SKIP]";
            std::cout << mark << ' ' << c.id << ": " << c.detail << '\n';
            if (!c.next.empty())
                std::cout << "       " << context.t("doctor.next") << ": " << c.next << '\n';
        }
        std::cout << context.t(failed ? "doctor.failed" : "doctor.ok") << '\n';
    }
    return failed ? 1 : 0;
}

}  // namespace

void add_card_tech_commands(Registry registry, CLI::App& card) {
    auto& context = registry.context;
    auto& action = registry.action;

    static WatchOptions watch_options;
    auto* watch =
        card.add_subcommand("watch", "Report card insertion and removal (JSON lines with --json)");
    watch->add_option("--count", watch_options.count, "Stop after N events")
        ->check(CLI::NonNegativeNumber)
        ->type_name("N");
    watch->add_option("--timeout", watch_options.timeout, "Stop after SECONDS")
        ->check(CLI::NonNegativeNumber)
        ->type_name("SECONDS");
    watch->callback([&] { action = [&] { return run_watch(context, watch_options); }; });

    static ApduOptions apdu_options;
    auto* apdu = card.add_subcommand("apdu", "Send raw APDUs (hex) for diagnosis");
    apdu->add_option("hex", apdu_options.commands,
                     "Command APDUs in hex, e.g. 00A4040C0AD392F000260100000001")
        ->required();
    apdu->add_option("--app", apdu_options.app, "Select an application first")
        ->check(CLI::IsMember({"jpki", "surface", "text", "common"}));
    apdu->callback([&] { action = [&] { return run_apdu(context, apdu_options); }; });

    static DoctorOptions doctor_options;
    auto* doctor = card.add_subcommand(
        "doctor", "Checklist: pcscd, readers, card, ATR, JPKI, latency, certificate, counters");
    doctor->add_option("--rounds", doctor_options.rounds, "Round trips for the latency check")
        ->check(CLI::Range(1, 10000))
        ->type_name("N");
    doctor->callback([&] { action = [&] { return run_doctor(context, doctor_options); }; });
}

}  // namespace mynaq::cli
