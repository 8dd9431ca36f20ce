#include "i18n.hpp"

#include <array>
#include <cstdlib>

namespace mynaq::cli {

namespace {

struct Entry {
    std::string_view key, ja, en;
};

// UI strings. Keys are stable identifiers; keep both languages on every line.
constexpr std::array kCatalogue{
    Entry{"label.reader", "リーダー", "Reader"},
    Entry{"label.card", "カード", "Card"},
    Entry{"label.present", "あり", "present"},
    Entry{"label.absent", "なし", "absent"},
    Entry{"label.in_use", "他のプロセスが使用中", "in use by another process"},
    Entry{"label.token", "トークン種別", "Token type"},
    Entry{"label.atr", "ATR", "ATR"},
    Entry{"label.protocol", "プロトコル", "Protocol"},
    Entry{"label.serial", "カード製造番号", "Card serial"},
    Entry{"label.municipality", "発行市区町村コード", "Municipality code"},
    Entry{"label.card_expiry", "カード有効期限", "Card expiry"},
    Entry{"label.certificate", "利用者証明用電子証明書", "User-authentication certificate"},
    Entry{"label.ca_certificate", "利用者証明用CA証明書", "User-authentication CA certificate"},
    Entry{"label.subject", "主体者", "Subject"},
    Entry{"label.issuer", "発行者", "Issuer"},
    Entry{"label.cert_serial", "シリアル番号", "Serial number"},
    Entry{"label.valid_from", "有効期間の開始", "Valid from"},
    Entry{"label.valid_until", "有効期間の満了", "Valid until"},
    Entry{"label.state", "状態", "State"},
    Entry{"label.chain", "信頼チェーン", "Chain"},
    Entry{"label.test_issuer", "テスト用発行者 (JPKI-TEST)", "test issuer (JPKI-TEST)"},
    Entry{"label.tries_left", "残り回数", "tries left"},
    Entry{"label.retry_counters", "暗証番号の残り回数", "Retry counters"},
    Entry{"label.fingerprint", "SHA-256 フィンガープリント", "SHA-256 fingerprint"},
    Entry{"state.valid", "有効", "valid"},
    Entry{"state.expires_soon", "有効 (3か月以内に期限切れ)", "valid, expires within 3 months"},
    Entry{"state.expired", "期限切れ", "expired"},
    Entry{"state.not_yet_valid", "有効期間前", "not yet valid"},
    Entry{"chain.trusted", "信頼できる (登録済みのルート証明書で検証)",
          "trusted (verified by an installed root)"},
    Entry{"chain.unknown_issuer", "発行者のルート証明書が未登録 (無効とは限りません)",
          "issuer's root is not installed (not necessarily invalid)"},
    Entry{"chain.bad_signature", "署名が一致しません", "signature does not verify"},
    Entry{"chain.anchor_expired", "ルート証明書が期限切れ", "root certificate expired"},
    Entry{"chain.cert_expired", "証明書が期限切れ", "certificate expired"},
    Entry{"chain.not_yet_valid", "証明書が有効期間前", "certificate not yet valid"},
    Entry{"cred.auth_pin", "利用者証明用電子証明書の暗証番号 (4桁)",
          "JPKI user-authentication PIN (4 digits)"},
    Entry{"cred.sign_password", "署名用電子証明書の暗証番号 (6-16桁)",
          "JPKI signature password (6-16 chars)"},
    Entry{"cred.text_pin", "券面事項入力補助用の暗証番号 (4桁)",
          "Card-input-support PIN (4 digits)"},
    Entry{"cred.verification_b", "照合番号B (券面事項確認)", "Verification number B (card face)"},
    Entry{"token.plastic_card", "マイナンバーカード", "My Number card"},
    Entry{"token.android", "Android スマートフォン (スマホ用電子証明書)",
          "Android smartphone (JPKI token)"},
    Entry{"token.iphone", "iPhone (iPhoneのマイナンバーカード)",
          "iPhone (My Number card in Wallet)"},
    Entry{"token.unknown", "不明なトークン", "unknown token"},
    Entry{"pin.blocked", "ロック中", "blocked"},
    Entry{"pin.verified", "認証済み", "already verified"},
    Entry{"pin.unavailable", "このトークンにはありません", "not on this token"},
    Entry{"pin.unknown", "回数不明", "count not reported"},
    Entry{"prompt.auth_pin", "利用者証明用暗証番号 (4桁) を入力してください: ",
          "Enter the user-authentication PIN (4 digits): "},
    Entry{"prompt.verification_b",
          "照合番号B を入力してください。14桁、または 西暦の生年月日 有効期限の年 "
          "セキュリティコード (例: 1980-02-17 2035 2285): ",
          "Enter verification number B: 14 digits, or birth date, expiry year and security code as "
          "printed (e.g. 1980-02-17 2035 2285): "},
    Entry{"verify.ok", "暗証番号を確認しました。カードの署名は証明書で検証できました。",
          "PIN verified. The card's signature verifies against its certificate."},
    Entry{"verify.tries_before", "確認前の残り回数", "Tries left before"},
    Entry{"photo.saved", "顔写真を保存しました", "Face photo saved"},
    Entry{"photo.size", "サイズ", "Size"},
    Entry{"photo.dimensions", "画素数", "Dimensions"},
    Entry{"doctor.title", "カードリーダー診断", "Card reader diagnosis"},
    Entry{"doctor.ok", "問題は見つかりませんでした。", "No problem found."},
    Entry{"doctor.failed", "問題が見つかりました。上の「次の手順」に従ってください。",
          "Problems found. Follow the next steps above."},
    Entry{"doctor.next", "次の手順", "Next step"},
    Entry{"watch.inserted", "カードが挿入されました", "card inserted"},
    Entry{"watch.removed", "カードが取り出されました", "card removed"},
    Entry{"readers.none", "カードリーダーが接続されていません。", "No card reader is connected."},
    Entry{"demo.title", "mynaq デモ (仮想カード・専用 pcscd)",
          "mynaq demo (virtual card on a private pcscd)"},
    Entry{"demo.step", "手順", "Step"},
    Entry{"demo.ok", "すべての手順が成功しました。", "Every step worked."},
    Entry{"demo.failed", "失敗した手順があります。", "Some steps failed."},
    Entry{"error.prefix", "ERROR", "ERROR"},
    Entry{"hint.prefix", "対処", "Next"},
    Entry{"elig.result", "資格確認結果", "Eligibility"},
    Entry{"elig.name", "氏名", "Name"},
    Entry{"elig.birthdate", "生年月日", "Date of birth"},
    Entry{"elig.sex", "性別", "Sex"},
    Entry{"elig.card_class", "被保険者証区分", "Card class"},
    Entry{"elig.insurer", "保険者番号", "Insurer"},
    Entry{"elig.branch", "枝番", "branch"},
    Entry{"elig.symbol_number", "記号・番号", "Symbol / number"},
    Entry{"elig.family", "本人・家族", "Insured / dependant"},
    Entry{"elig.ratio", "負担割合", "Co-payment"},
    Entry{"elig.valid", "有効期間", "Valid"},
    Entry{"elig.disqualified", "資格喪失日", "Coverage ended"},
    Entry{"elig.preschool", "未就学区分", "Preschool"},
    Entry{"elig.elderly", "高齢受給者証", "Elderly recipient"},
    Entry{"elig.limit", "限度額適用", "Limit certificate"},
    Entry{"elig.self_pay", "自己負担限度額", "self-pay limit"},
    Entry{"elig.specific_disease", "特定疾病", "Specified disease"},
    Entry{"elig.medical_ticket", "医療券・調剤券", "Medical aid ticket"},
    Entry{"elig.reference_number", "照会番号", "Reference number"},
    Entry{"elig.consents", "閲覧同意", "Consent to view"},
    Entry{"elig.until", "期限", "until"},
    Entry{"elig.person_error", "処理エラー", "processing error"},
    Entry{"elig.file_failed", "異常終了 (処理結果区分 9)", "failed (SegmentOfResult 9)"},
    Entry{"elig.several_records", "資格情報が {} 件あります。どれを使うか職員が確認してください。",
          "{} coverage records: staff must choose which applies."},
    Entry{"elig.processing", "処理結果", "Processing result"},
    Entry{"elig.record", "記録", "Record"},
    Entry{"elig.none", "該当する記録はありません。", "No checks match."},
    Entry{"elig.warning", "注意", "Warning"},
    Entry{"eligibility.valid", "有効", "valid"},
    Entry{"eligibility.invalid", "無効", "not valid"},
    Entry{"eligibility.invalid_newer", "無効（新しい資格あり）",
          "not valid (newer coverage exists)"},
    Entry{"eligibility.no_qualification", "該当資格なし", "no coverage found"},
    Entry{"eligibility.multiple", "複数該当", "several matches"},
    Entry{"eligibility.valid_unregistered", "有効（未登録）", "valid (not registered)"},
    Entry{"eligibility.unknown", "不明", "unknown"},
    Entry{"source.query", "資格確認書・保険者番号等で照会", "query by insurance numbers"},
    Entry{"source.bulk", "一括照会", "bulk query"},
    Entry{"source.face", "顔認証付きカードリーダー", "face-auth card reader"},
    Entry{"source.fallback", "代替確認", "fallback"},
    Entry{"consent.PharmacistsInfo", "薬剤情報", "Medication"},
    Entry{"consent.SpecificHealthCheckupsInfo", "特定健診情報", "Health check-ups"},
    Entry{"consent.DiagnosisInfo", "診療情報", "Treatment"},
    Entry{"consent.OperationInfo", "手術情報", "Surgery"},
    Entry{"consent.LimitApplicationCertificateRelated", "限度額適用認定証", "Limit certificate"},
    Entry{"consent.SpecificDiseasesCertificateRelated", "特定疾病療養受療証",
          "Specified-disease certificate"},
    Entry{"consent.DiagnosisName", "傷病名", "Diagnoses"},
    Entry{"consent.InfectiousInfo", "感染症", "Infections"},
    Entry{"consent.AllergyInfo", "その他アレルギー等", "Other allergies"},
    Entry{"consent.ContraindicationInfo", "薬剤アレルギー等", "Drug allergies"},
    Entry{"consent.TestInfo", "検査", "Tests"},
    Entry{"consent.PrescriptionInfo", "処方", "Prescriptions"},
    Entry{"finding.check_digit", "保険者番号の検証番号が一致しません。番号を確認してください",
          "the insurer number's check digit does not match; check the number"},
    Entry{"finding.length", "桁数が想定と異なります", "unexpected length"},
    Entry{"finding.format", "形式が想定と異なります", "unexpected format"},
    Entry{"finding.date", "日付として正しくありません", "not a valid date"},
    Entry{"batch.uploading", "一括照会を送信中", "Uploading the bulk query"},
    Entry{"batch.waiting", "結果を待っています（回）", "Waiting for the result, round"},
    Entry{"batch.summary", "{}件: 正常 {}件, 異常 {}件", "{} records: {} normal, {} abnormal"},
    Entry{"batch.reception", "受付番号", "reception number"},
    Entry{"batch.missing", "結果なし", "no result"},
    Entry{"consent.patient", "患者", "Patient"},
    Entry{"consent.valid", "有効", "valid"},
    Entry{"consent.invalid", "無効", "not valid"},
    Entry{"consent.until", "期限", "until"},
    Entry{"consent.no_expiry", "期限なし", "no expiry"},
    Entry{"consent.source", "取得方法", "source"},
    Entry{"consent.history", "履歴", "History"},
    Entry{"consent.none", "該当する同意の記録はありません。", "No consent entries match."},
    Entry{"consent.recorded", "{}件を記録しました（{}）。", "Recorded {} entries ({})."},
    Entry{"consent.exported", "{}件を書き出しました: {}", "Wrote {} entries to {}"},
    Entry{"consent_flag.0", "同意しない", "no consent"},
    Entry{"consent_flag.1", "同意する", "consent"},
    Entry{"consent_flag.2", "同意有効期限切れ", "consent expired"},
    Entry{"consent_flag.3", "同意取得困難", "consent not obtainable"},
    Entry{"consent_reason.consented", "同意あり", "consented"},
    Entry{"consent_reason.withdrawn", "同意なし・撤回", "not consented or withdrawn"},
    Entry{"consent_reason.expired", "期限切れ", "expired"},
    Entry{"consent_reason.none", "記録なし", "no record"},
    Entry{"consent_source.reader", "顔認証付きカードリーダー", "card reader"},
    Entry{"consent_source.query_flag", "照会時の同意フラグ", "flag sent with a query"},
    Entry{"consent_source.oral", "口頭", "oral"},
    Entry{"consent_source.written", "書面", "written"},
    Entry{"consent_source.portal", "マイナポータル", "Mynaportal"},
    Entry{"consent_prompt.title", "閲覧同意の記録（患者 {}）", "Recording consent (patient {})"},
    Entry{"consent_prompt.intro",
          "次の情報を当院の医師・薬剤師等が閲覧することについて、患者さんの回答を選んでください。",
          "Choose the patient's answer on letting this facility's doctors and pharmacists view:"},
    Entry{"consent_prompt.all", "すべてに同意する", "Agree to all"},
    Entry{"consent_prompt.each", "個別に選ぶ", "Choose one by one"},
    Entry{"consent_prompt.none", "同意しない", "Do not agree"},
    Entry{"consent_prompt.choose",
          "番号を入力してください [1-3] (q で中止): ", "Enter 1, 2 or 3 (q to cancel): "},
    Entry{"consent_prompt.again", "1、2、3 のいずれかを入力してください。",
          "Please enter 1, 2 or 3."},
    Entry{"consent_prompt.item",
          "{} の閲覧に同意しますか？ [y/n]: ", "Consent to viewing {}? [y/n]: "},
    Entry{"consent_prompt.yes_no", "y または n を入力してください。", "Please answer y or n."},
    Entry{"consent_prompt.cancelled", "中止しました。何も記録していません。",
          "Cancelled: nothing was recorded."},
    Entry{"audit.ok", "監査記録の連鎖は正常です（{}件）。",
          "The audit chain is intact ({} records)."},
    Entry{"audit.broken", "監査記録の連鎖が壊れています: seq {} ({})",
          "The audit chain is broken at seq {} ({})."},
    Entry{"audit_reason.hash", "記録の内容が改変されています", "the record was altered"},
    Entry{"audit_reason.link", "前の記録とつながっていません（削除・挿入・並べ替え）",
          "it does not link to the record before (deleted, inserted or reordered)"},
    Entry{"audit_reason.sequence", "連番が途切れています", "the sequence has a gap"},
    Entry{"audit_reason.head", "最新の記録が削除または改変されています",
          "the newest records were removed or altered"},
    Entry{"audit.none", "該当する監査記録はありません。", "No audit records match."},
    Entry{"store.purge_confirm",
          "{} より前の記録を削除します（保存期間: 請求関連 {}年、その他 {}年）。よろしいですか？ "
          "[y/N]: ",
          "Delete records from before {} (kept: claims-related {} years, others {} years)? "
          "[y/N]: "},
    Entry{"store.purge_cancelled", "中止しました。何も削除していません。",
          "Cancelled: nothing was deleted."},
    Entry{"store.purge_done",
          "削除しました: 資格確認 {}件、同意 {}件、取込 {}件、一括照会 {}件、代替確認 {}件、"
          "薬剤・健診情報 {}件",
          "Deleted: {} checks, {} consents, {} intake records, {} bulk jobs, {} fallback cases, "
          "{} medical information results"},
    Entry{"store.purge_refused", "保存期間の規則により、まだ削除できない記録があります。",
          "The retention rules still keep some of these records."},
    Entry{"store.purge_refused_hint",
          "より前の日付を指定してください（請求関連 5年、その他 3年: man mynaq-store）。",
          "Choose an earlier date (claims-related 5 years, others 3: man mynaq-store)."},
    Entry{"store.migrated", "記録用データベース {} はスキーマ版 {} です。",
          "The store {} is at schema version {}."},
    Entry{"store.migrated_unknown", "記録用データベース {} を更新しました（版は不明）。",
          "The store {} is up to date (its version is not reported)."},
    Entry{
        "store.copied",
        "{} へコピーしました: 資格確認 {}件、同意 {}件、取込 {}件、一括照会 {}件、代替確認 {}件、"
        "レセプト件数 {}件、通知された利用率 {}件、カルテ {}件、薬剤・健診情報 {}件、監査記録 {}件",
        "Copied to {}: {} checks, {} consents, {} intake records, {} bulk jobs, {} fallback "
        "cases, {} receipt counts, {} notified rates, {} charts, {} medical information "
        "results, {} audit records"},
    Entry{"store.copy_refused", "コピー先の記録用データベースが空ではありません。",
          "The target store is not empty."},
    Entry{"store.copy_refused_hint", "新しい空のデータベースを指定してください。",
          "Name a new, empty store."},
};

struct ErrorEntry {
    Errc code;
    ErrorText ja, en;
};

constexpr std::array kErrors{
    ErrorEntry{
        Errc::Usage,
        {"コマンドの使い方が正しくありません。", "mynaq --help で使い方を確認してください。"},
        {"The command line is not valid.", "See mynaq --help."}},
    ErrorEntry{Errc::InvalidArgument,
               {"入力値の形式が正しくありません。", "値を確認して、もう一度実行してください。"},
               {"A value has the wrong form.", "Check the value and run the command again."}},
    ErrorEntry{
        Errc::ConfigInvalid,
        {"設定ファイルに誤りがあります。",
         "示された行を直してください (man mynaq の FILES 参照)。"},
        {"The configuration file has an error.", "Fix the line shown (see FILES in man mynaq)."}},
    ErrorEntry{Errc::FileNotFound,
               {"ファイルが見つかりません。", "パスを確認してください。"},
               {"A file was not found.", "Check the path."}},
    ErrorEntry{Errc::IoError,
               {"ファイルの読み書きに失敗しました。", "空き容量と権限を確認してください。"},
               {"Reading or writing a file failed.", "Check free disk space and permissions."}},
    ErrorEntry{Errc::PcscUnavailable,
               {"PC/SC サービス (pcscd) に接続できません。",
                "pcscd を起動してください: systemctl start pcscd.socket"},
               {"The PC/SC service (pcscd) cannot be reached.",
                "Start pcscd: systemctl start pcscd.socket"}},
    ErrorEntry{Errc::NoReader,
               {"カードリーダーが見つかりません。",
                "USB ケーブルを挿し直し、mynaq card readers で確認してください。"},
               {"No card reader was found.",
                "Reconnect the USB cable and check with mynaq card readers."}},
    ErrorEntry{Errc::ReaderNotFound,
               {"指定されたカードリーダーがありません。",
                "mynaq card readers で名前を確認し、--reader で指定してください。"},
               {"The reader given was not found.",
                "List readers with mynaq card readers and pass --reader."}},
    ErrorEntry{
        Errc::NoCard,
        {"カードが置かれていません。",
         "マイナンバーカードをリーダーに置いて、もう一度実行してください。"},
        {"No card is in the reader.", "Place the My Number card on the reader and try again."}},
    ErrorEntry{
        Errc::CardRemoved,
        {"読み取り中にカードが外されました。", "カードを置き直して、もう一度実行してください。"},
        {"The card was removed while it was being read.",
         "Put the card back and run the command again."}},
    ErrorEntry{Errc::CardTimeout,
               {"カードが応答しません (タイムアウト)。",
                "カードを置き直してください。続く場合は mynaq card doctor で診断し、受付は"
                "資格確認書や資格情報のお知らせで続けてください。"},
               {"The card stopped answering (timeout).",
                "Re-insert the card. If it persists, diagnose with mynaq card doctor and continue "
                "reception with the 資格確認書 or the 資格情報のお知らせ."}},
    ErrorEntry{Errc::CardCommFailed,
               {"カードとの通信に失敗しました。",
                "カードを置き直してください。続く場合は mynaq card doctor を実行してください。"},
               {"Communication with the card failed.",
                "Re-insert the card; if it persists run mynaq card doctor."}},
    ErrorEntry{
        Errc::CardBusy,
        {"カードは他のプログラムが使用中です。",
         "顔認証付きカードリーダーのアプリなど、他のプログラムを終了してから実行してください。"},
        {"Another program is using the card.",
         "Close the other program (e.g. the reader's own app) and try again."}},
    ErrorEntry{Errc::NotMyNumberCard,
               {"マイナンバーカードではありません (公的個人認証APがありません)。",
                "マイナンバーカードの向きと種類を確認してください。"},
               {"This is not a My Number card (no JPKI application).",
                "Check that the card is a My Number card."}},
    ErrorEntry{Errc::CardError,
               {"カードが想定外の応答をしました。",
                "--trace FILE で通信記録を取り、技術担当者に渡してください。"},
               {"The card gave an unexpected answer.",
                "Record a transcript with --trace FILE for a technician."}},
    ErrorEntry{
        Errc::DataInvalid,
        {"データの形式が正しくありません。",
         "--trace FILE で通信記録を取り、技術担当者に渡してください。"},
        {"The data is malformed.", "Record a transcript with --trace FILE for a technician."}},
    ErrorEntry{
        Errc::PinRequired,
        {"このトークンは暗証番号の入力が先に必要です (スマートフォン等)。",
         "mynaq card verify-pin を先に実行してください。"},
        {"This token needs the PIN first (smartphone).", "Run mynaq card verify-pin first."}},
    ErrorEntry{Errc::PinWrong,
               {"暗証番号が違います。",
                "残り回数を確認してください。再入力は患者さん本人が行ってください "
                "(自動で再試行はしません)。"},
               {"The PIN is wrong.",
                "Check the tries left; let the patient retry themselves (mynaq never retries)."}},
    ErrorEntry{
        Errc::PinBlocked,
        {"暗証番号がロックされています。",
         "お住まいの市区町村窓口で初期化が必要です。受付は顔認証か目視確認で続けてください。"},
        {"The PIN is blocked.",
         "It must be reset at the municipal office; continue with face or visual confirmation."}},
    ErrorEntry{Errc::PinLastTry,
               {"残り1回のため暗証番号を送りませんでした (ロック防止)。",
                "本人が確実に覚えている場合のみ --force を付けて実行してください。"},
               {"Only one try is left, so the PIN was not sent (lock protection).",
                "Only if the patient is sure, run again with --force."}},
    ErrorEntry{Errc::PinFormat,
               {"暗証番号の桁数または文字が正しくありません。",
                "利用者証明用は数字4桁、照合番号Bは数字14桁です。"},
               {"The PIN has the wrong length or characters.",
                "The auth PIN is 4 digits; verification number B is 14 digits."}},
    ErrorEntry{Errc::NoInput,
               {"暗証番号を読み取れませんでした。",
                "端末で入力するか、標準入力か --pin-env VAR で渡してください。"},
               {"No PIN could be read.",
                "Type it at a terminal, pipe it on stdin, or use --pin-env VAR."}},
    ErrorEntry{Errc::CertInvalid,
               {"証明書を読み取れませんでした。",
                "--trace FILE で通信記録を取り、技術担当者に渡してください。"},
               {"The certificate cannot be read.",
                "Record a transcript with --trace FILE for a technician."}},
    ErrorEntry{Errc::CertUntrusted,
               {"証明書の発行者が信頼済みルートに含まれていません。",
                "J-LIS のルート証明書を trust.anchor_dirs に追加してください。"},
               {"The certificate's issuer is not among the trusted roots.",
                "Add the J-LIS root to trust.anchor_dirs."}},
    ErrorEntry{Errc::SignatureInvalid,
               {"カードの署名を証明書で検証できませんでした。",
                "カードの不具合の可能性があります。市区町村窓口での確認を案内してください。"},
               {"The card's signature did not verify against its certificate.",
                "The card may be faulty; refer the patient to the municipal office."}},
    ErrorEntry{Errc::Unsupported,
               {"このカードまたはトークンでは利用できない機能です。",
                "スマートフォンには券面事項がありません。カードで実行してください。"},
               {"This card or token does not support the operation.",
                "Smartphones carry no card-face data; use the card."}},
    ErrorEntry{
        Errc::Forbidden,
        {"個人番号の読み取りにつながる操作は行いません。", "個人番号は医療機関で扱いません。"},
        {"Refused: this would expose the Individual Number.",
         "Clinics never handle the Individual Number."}},
    ErrorEntry{
        Errc::ConsentMissing,
        {"この情報を見る患者さんの同意がないか、期限が切れています。何も送信していません。",
         "カードリーダーで同意を取り直すか、mynaq consent show で同意の状態を確認してください。"},
        {"The patient has not consented to viewing this information, or the consent "
         "expired. Nothing was sent.",
         "Ask for consent again at the card reader, or check it with mynaq consent show."}},
    ErrorEntry{
        Errc::MessageInvalid,
        {"資格確認のメッセージを読み取れませんでした（形式不正・大きすぎる・文字コード不明）。",
         "ファイルを保存し、資格確認端末の出力設定（UTF-8 / Shift_JIS）を確認してください。"},
        {"The eligibility message cannot be read (malformed, too large or unknown "
         "encoding).",
         "Keep the file and check the terminal's output encoding (UTF-8 / Shift_JIS)."}},
    ErrorEntry{Errc::OqsTimeout,
               {"資格確認端末から時間内に応答がありませんでした。",
                "端末と回線を確認し、患者さんをお待たせしないよう mynaq fallback start "
                "で代替確認を行ってください。"},
               {"The eligibility terminal did not answer in time.",
                "Check the terminal and the line; meanwhile run mynaq fallback start."}},
    ErrorEntry{Errc::OqsFailed,
               {"オンライン資格確認がエラーを返しました。",
                "表示されたエラーメッセージを確認し、入力内容を見直すか mynaq fallback start "
                "で代替確認を行ってください。"},
               {"The eligibility system returned an error.",
                "Read the message shown, check the input, or run mynaq fallback start."}},
    ErrorEntry{Errc::NetworkError,
               {"Web API に接続できませんでした。",
                "回線と oqs.webapi の URL を確認してください。急ぎの場合は mynaq fallback "
                "start を使ってください。"},
               {"The Web API cannot be reached.",
                "Check the line and oqs.webapi URLs; if urgent, run mynaq fallback start."}},
    ErrorEntry{Errc::TlsError,
               {"TLS 接続に失敗しました（クライアント証明書またはサーバー証明書）。",
                "oqs.webapi の client_cert / client_key / ca_file と証明書の有効期限を確認して"
                "ください。"},
               {"The TLS connection failed (client or server certificate).",
                "Check oqs.webapi client_cert, client_key, ca_file and certificate expiry."}},
    ErrorEntry{Errc::AuthFailed,
               {"Web API へのログインが拒否されました。",
                "oqs.webapi.login_body の内容（利用者情報）を確認してください。"},
               {"The Web API refused the login.", "Check the content of oqs.webapi.login_body."}},
    ErrorEntry{Errc::StoreError,
               {"記録用データベースを開けないか、書き込めませんでした。",
                "store.path の場所、空き容量、権限を確認してください。"},
               {"The store cannot be opened or written.",
                "Check store.path, free disk space and permissions."}},
    ErrorEntry{Errc::NotFound,
               {"該当する記録がありません。", "mynaq elig list で番号を確認してください。"},
               {"No such record.", "Find the id with mynaq elig list."}},
    ErrorEntry{Errc::ModelMissing,
               {"顔照合のモデルファイルまたは mynaq-face がありません。",
                "scripts/fetch-face-model.sh を実行して mynaq を入れ直すか、face.model_dir / "
                "face.landmarks で場所を指定してください。"},
               {"A face-match model file or the mynaq-face program is missing.",
                "Run scripts/fetch-face-model.sh and reinstall mynaq, or set face.model_dir / "
                "face.landmarks."}},
    ErrorEntry{Errc::CameraUnavailable,
               {"カメラを開けないか、映像が届きませんでした。",
                "接続と番号 (--camera N、/dev/videoN) を確認するか、--live FILE "
                "で撮影済みの画像を指定してください。"},
               {"The camera cannot be opened or sent no picture.",
                "Check the connection and the number (--camera N, /dev/videoN), or give a "
                "saved picture with --live FILE."}},
    ErrorEntry{
        Errc::Internal,
        {"内部エラーが発生しました。",
         "--trace と -v を付けて再実行し、出力を開発者に報告してください。"},
        {"An internal error occurred.", "Re-run with --trace and -v and report the output."}},
};

bool starts_with_ja(const char* value) {
    return value != nullptr && value[0] == 'j' && value[1] == 'a';
}

}  // namespace

Lang detect_lang(std::string_view from_option, std::string_view from_config) {
    if (from_option == "ja") return Lang::Ja;
    if (from_option == "en") return Lang::En;
    if (from_config == "ja") return Lang::Ja;
    if (from_config == "en") return Lang::En;
    for (const char* var : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
        const char* value = std::getenv(var);
        if (value != nullptr && *value != '\0') return starts_with_ja(value) ? Lang::Ja : Lang::En;
    }
    return Lang::En;
}

std::string_view tr(Lang lang, std::string_view key) {
    for (const auto& e : kCatalogue) {
        if (e.key == key) return lang == Lang::Ja ? e.ja : e.en;
    }
    for (const auto& part :
         {fallback_catalogue(), report_catalogue(), face_catalogue(), info_catalogue()}) {
        for (const auto& e : part) {
            if (e.key == key) return lang == Lang::Ja ? e.ja : e.en;
        }
    }
    return key;
}

ErrorText error_text(Lang lang, Errc code) {
    for (const auto& e : kErrors) {
        if (e.code == code) return lang == Lang::Ja ? e.ja : e.en;
    }
    return lang == Lang::Ja ? kErrors.back().ja : kErrors.back().en;
}

}  // namespace mynaq::cli
