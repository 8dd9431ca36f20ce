// The claim route for a fallback case (policy.md §3.5): 通常請求 with numbers that are known,
// 旧資格請求 with the last recorded coverage, or 不詳請求 with the 7-filled markers and the
// 被保険者資格申立書 details for the 摘要欄.
#pragma once

#include <string>

#include "mynaq/fallback/case.hpp"

namespace mynaq::fallback {

struct ClaimOptions {
    // 77777777 by the notice; 77777779 where the レセコン cannot take it (fallback.
    // unknown_insurer_number in the configuration).
    std::string unknown_insurer_number = "77777777";
    // 被保険者等記号・番号 "filled with 7 to the required length": the length depends on the
    // receipt software [要確認], so it is configurable (fallback.unknown_number).
    std::string unknown_number = "77777777";
};

// The 摘要欄 text from a declaration: 住所, 連絡先, 事業所名, 保険種別 (and what else is known).
std::string remarks_from(const Declaration& declaration);

Claim plan_claim(const Case& c, const ClaimOptions& options);

}  // namespace mynaq::fallback
