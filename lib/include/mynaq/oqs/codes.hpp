// The OQSCD code tables (別紙5-1 as far as public), loaded from data/oqs/codes.yaml so a new
// code is a data change. Unknown codes are shown raw, never refused.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mynaq::oqs {

struct CodeTable {
    std::string id;                     // "OQSCD006"
    std::string name_ja;                // 資格有効性
    std::string element;                // the element it describes, e.g. QualificationValidity
    std::vector<std::string> elements;  // every element it describes (element is the first)
    std::string element_suffix;         // or every element ending so, e.g. "ConsFlg"
    bool uncertain = false;             // single source, or the sources disagree
    std::map<std::string, std::string> labels_ja;  // value → Japanese label
    std::map<std::string, std::string> labels_en;  // value → English label (may be partial)
};

class CodeTables {
public:
    // Throws Error{ConfigInvalid} naming the file and line of a malformed table.
    static CodeTables load(const std::filesystem::path& file);
    static const CodeTables& builtin();  // data_dir()/oqs/codes.yaml, loaded once

    [[nodiscard]] const CodeTable* table(std::string_view id) const;
    [[nodiscard]] const CodeTable* table_for_element(std::string_view element) const;
    // The label for the value of an element in a language ("ja"/"en"); nullopt when unknown.
    [[nodiscard]] std::optional<std::string> label(std::string_view element, std::string_view value,
                                                   std::string_view lang = "ja") const;
    // "1 有効" for a known code, "7" for an unknown one.
    [[nodiscard]] std::string describe(std::string_view element, std::string_view value,
                                       std::string_view lang = "ja") const;

    [[nodiscard]] std::size_t size() const { return tables_.size(); }

private:
    std::map<std::string, CodeTable, std::less<>> tables_;
    std::map<std::string, std::string, std::less<>> by_element_;
    std::vector<std::pair<std::string, std::string>> by_suffix_;  // suffix → table id
};

}  // namespace mynaq::oqs
