// The catalogue part of mynaq face: labels, decisions and one advice line per failed check.
#include <array>

#include "i18n.hpp"

namespace mynaq::cli {

namespace {

constexpr std::array kFaceCatalogue{
    CatalogueEntry{"fc.title", "顔照合", "Face match"},
    CatalogueEntry{"fc.check_title", "顔画像の品質", "Face image quality"},
    CatalogueEntry{"fc.decision", "判定", "Decision"},
    CatalogueEntry{"fc.decision.match", "本人と一致", "match"},
    CatalogueEntry{"fc.decision.staff_check", "要目視確認（職員が写真と本人を見比べてください）",
                   "check by staff (compare the photo with the patient)"},
    CatalogueEntry{"fc.decision.no_match", "不一致", "no match"},
    CatalogueEntry{"fc.decision.not_comparable", "判定できません（顔が見つからない画像があります）",
                   "cannot decide (a face is missing)"},
    CatalogueEntry{"fc.distance", "距離", "Distance"},
    CatalogueEntry{"fc.distance_value",
                   "{:.3f}（一致 ≤ {:.2f}、不一致 > {:.2f}、小さいほど似ている）",
                   "{:.3f} (match ≤ {:.2f}, no match > {:.2f}; smaller is closer)"},
    CatalogueEntry{"fc.card", "カードの顔写真", "Card photo"},
    CatalogueEntry{"fc.live", "撮影画像", "Live capture"},
    CatalogueEntry{"fc.image", "画像", "Image"},
    CatalogueEntry{"fc.from_card", "カードから読み取り（照合番号B）",
                   "read from the card (照合番号B)"},
    CatalogueEntry{"fc.camera", "カメラ {}", "camera {}"},
    CatalogueEntry{"fc.size", "{}×{} 画素", "{}×{} pixels"},
    CatalogueEntry{"fc.downscaled", "（{:.0f}% に縮小して解析）", "(analysed at {:.0f}%)"},
    CatalogueEntry{"fc.col.item", "項目", "check"},
    CatalogueEntry{"fc.col.value", "値", "value"},
    CatalogueEntry{"fc.col.limit", "基準", "limit"},
    CatalogueEntry{"fc.col.result", "結果", "result"},
    CatalogueEntry{"fc.ok", "OK", "OK"},
    CatalogueEntry{"fc.ng", "NG", "FAIL"},
    CatalogueEntry{"fc.item.faces", "顔の数", "faces found"},
    CatalogueEntry{"fc.item.score", "検出スコア", "detection score"},
    CatalogueEntry{"fc.item.eyes", "目の間隔", "eye distance"},
    CatalogueEntry{"fc.item.brightness", "明るさ", "brightness"},
    CatalogueEntry{"fc.item.contrast", "コントラスト", "contrast"},
    CatalogueEntry{"fc.item.sharpness", "鮮明さ", "sharpness"},
    CatalogueEntry{"fc.item.yaw", "顔の左右の向き", "yaw (left/right)"},
    CatalogueEntry{"fc.item.pitch", "顔の上下の向き", "pitch (up/down)"},
    CatalogueEntry{"fc.item.roll", "顔の傾き", "roll (tilt)"},
    CatalogueEntry{"fc.item.eyes_visible", "目元の見え方", "eyes visible"},
    CatalogueEntry{"fc.item.lower_face", "口元の見え方", "mouth visible"},
    CatalogueEntry{"fc.advice", "助言", "Advice"},
    CatalogueEntry{"fc.no_problem", "品質上の問題は見つかりませんでした。",
                   "No quality problem found."},
    CatalogueEntry{"fc.saved", "撮影画像を保存しました: {}", "Capture saved: {}"},
    // One line per failed check, for the person at the counter.
    CatalogueEntry{"fc.issue.no_face",
                   "顔が見つかりません。正面を向き、顔全体が写るようにしてください（マスク・帽子・"
                   "サングラスは外してください）。",
                   "No face found. Face the camera with the whole face in view (remove mask, hat "
                   "and sunglasses)."},
    CatalogueEntry{"fc.issue.several_faces",
                   "複数の顔が写っています。いちばん大きい顔で照合しました。後ろに人が写らないよう"
                   "にしてください。",
                   "Several faces are in the picture; the largest was used. Keep others out of "
                   "the frame."},
    CatalogueEntry{"fc.issue.weak_detection",
                   "顔の検出が不確かです（顔以外を顔と誤認した可能性）。画像を確認してください。",
                   "The face detection is weak (it may not be a face). Check the picture."},
    CatalogueEntry{"fc.issue.face_too_small",
                   "顔が小さすぎます。カメラに近づくか、より大きな画像を使ってください。",
                   "The face is too small. Move closer to the camera or use a larger picture."},
    CatalogueEntry{"fc.issue.too_dark",
                   "暗すぎます。照明を明るくするか、顔に光が当たる位置に移動してください。",
                   "Too dark. Add light or move so that the face is lit."},
    CatalogueEntry{"fc.issue.too_bright", "明るすぎます。窓や照明の直射・逆光を避けてください。",
                   "Too bright. Avoid direct light, glare or a bright window behind the patient."},
    CatalogueEntry{"fc.issue.low_contrast",
                   "コントラストが低すぎます。照明を見直し、レンズの汚れを拭いてください。",
                   "Contrast too low. Check the lighting and clean the lens."},
    CatalogueEntry{"fc.issue.blurred",
                   "ぼやけています。動かずに撮影し、ピントとレンズの汚れを確認してください。",
                   "Blurred. Hold still, and check the focus and the lens."},
    CatalogueEntry{"fc.issue.turned_sideways",
                   "正面を向いていません（左右）。カメラをまっすぐ見てください。",
                   "Not facing the camera (turned sideways). Look straight at the camera."},
    CatalogueEntry{"fc.issue.facing_up_or_down",
                   "正面を向いていません（上下）。カメラの高さを目の高さに合わせてください。",
                   "Not facing the camera (up or down). Set the camera at eye level."},
    CatalogueEntry{"fc.issue.head_tilted", "顔が傾いています。頭をまっすぐにしてください。",
                   "The head is tilted. Hold the head upright."},
    CatalogueEntry{
        "fc.issue.eyes_covered",
        "目元が隠れているか暗く写っています。サングラスや前髪、眼鏡の反射を確認してください"
        "。",
        "The eyes look covered or dark. Check for sunglasses, hair or glare on glasses."},
    CatalogueEntry{"fc.issue.lower_face_covered",
                   "口元が隠れている可能性があります。マスクを外してください。",
                   "The mouth may be covered. Ask the patient to remove the mask."},
    CatalogueEntry{"fc.issue.downscaled",
                   "画像が大きいため縮小して解析しました（結果への影響はありません）。",
                   "The picture was large and was analysed downscaled (no effect on the result)."},
    CatalogueEntry{"fc.card_hint",
                   "カードの写真に問題がある場合、写真が古い・不鮮明なことが照合失敗の原因になりま"
                   "す。市区町村でのカード更新を案内してください。",
                   "If the card photo itself fails a check, an old or poor photo can explain the "
                   "failures; the municipality can renew the card."},
};

}  // namespace

std::span<const CatalogueEntry> face_catalogue() {
    return kFaceCatalogue;
}

}  // namespace mynaq::cli
