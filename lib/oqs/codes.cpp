#include "mynaq/oqs/codes.hpp"

#include <fstream>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "mynaq/config.hpp"
#include "mynaq/error.hpp"

namespace mynaq::oqs {

namespace {

[[noreturn]] void invalid(const std::filesystem::path& file, const YAML::Mark& mark,
                          const std::string& what) {
    throw Error(Errc::ConfigInvalid, fmt::format("{}:{}: {}", file.string(), mark.line + 1, what),
                {{"file", file.string()}, {"line", std::to_string(mark.line + 1)}});
}

// A text value; `where` is the node a missing value is reported at.
std::string scalar(const std::filesystem::path& file, const YAML::Node& node,
                   const YAML::Node& where, std::string_view key) {
    if (!node || !node.IsScalar()) {
        invalid(file, node ? node.Mark() : where.Mark(), fmt::format("'{}' must be text", key));
    }
    return node.Scalar();
}

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

CodeTable parse_table(const std::filesystem::path& file, const YAML::Node& node) {
    if (!node.IsMap()) invalid(file, node.Mark(), "a table must be a mapping");
    CodeTable t;
    t.id = scalar(file, node["id"], node, "id");
    if (t.id.empty()) invalid(file, node.Mark(), "a table has an empty id");
    t.name_ja = scalar(file, node["name_ja"], node, "name_ja");
    if (const auto elements = node["elements"]) {
        if (!elements.IsSequence()) invalid(file, elements.Mark(), "'elements' must be a list");
        for (const auto& e : elements) t.elements.push_back(scalar(file, e, elements, "elements"));
    }
    if (const auto suffix = node["element_suffix"]) {
        t.element_suffix = scalar(file, suffix, node, "element_suffix");
    }
    if (!t.elements.empty()) t.element = t.elements.front();
    if (const auto uncertain = node["uncertain"]) {
        try {
            t.uncertain = uncertain.as<bool>();
        } catch (const YAML::Exception&) {
            invalid(file, uncertain.Mark(), "'uncertain' must be true or false");
        }
    }
    const auto values = node["values"];
    if (!values || !values.IsSequence()) {
        invalid(file, node.Mark(), fmt::format("{} needs a 'values' list", t.id));
    }
    for (const auto& v : values) {
        if (!v.IsMap()) invalid(file, v.Mark(), "a value must be a mapping {value, ja, en}");
        const std::string value = scalar(file, v["value"], v, "value");
        if (value.empty()) invalid(file, v.Mark(), fmt::format("{} has an empty value", t.id));
        if (t.labels_ja.count(value) != 0) {
            invalid(file, v.Mark(), fmt::format("{} lists value '{}' twice", t.id, value));
        }
        t.labels_ja[value] = scalar(file, v["ja"], v, "ja");
        if (const auto en = v["en"]) t.labels_en[value] = scalar(file, en, v, "en");
    }
    return t;
}

}  // namespace

CodeTables CodeTables::load(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) {
        throw Error(Errc::FileNotFound, fmt::format("cannot open {}", file.string()),
                    {{"file", file.string()}});
    }
    YAML::Node doc;
    try {
        doc = YAML::Load(in);
    } catch (const YAML::Exception& e) {
        invalid(file, e.mark, e.msg);
    }
    const auto tables = doc["tables"];
    if (!tables || !tables.IsSequence()) {
        invalid(file, doc.Mark(), "the file needs a 'tables' list");
    }
    CodeTables out;
    for (const auto& node : tables) {
        CodeTable t = parse_table(file, node);
        if (out.tables_.count(t.id) != 0) {
            invalid(file, node.Mark(), fmt::format("table {} is defined twice", t.id));
        }
        for (const auto& e : t.elements) {
            if (const auto it = out.by_element_.find(e); it != out.by_element_.end()) {
                invalid(
                    file, node.Mark(),
                    fmt::format("element {} is described by both {} and {}", e, it->second, t.id));
            }
            out.by_element_.emplace(e, t.id);
        }
        if (!t.element_suffix.empty()) out.by_suffix_.emplace_back(t.element_suffix, t.id);
        out.tables_.emplace(t.id, std::move(t));
    }
    return out;
}

const CodeTables& CodeTables::builtin() {
    // A function-local static: initialised once, thread-safe, and a failed load is retried
    // on the next call instead of leaving a half-built table behind.
    static const CodeTables tables = load(data_dir() / "oqs" / "codes.yaml");
    return tables;
}

const CodeTable* CodeTables::table(std::string_view id) const {
    const auto it = tables_.find(id);
    return it == tables_.end() ? nullptr : &it->second;
}

const CodeTable* CodeTables::table_for_element(std::string_view element) const {
    // Exact names win over suffix rules: LimitApplicationCertificateRelatedConsFlg is
    // OQSCD001 although it ends in ConsFlg like the OQSCD016 flags.
    if (const auto it = by_element_.find(element); it != by_element_.end()) {
        return table(it->second);
    }
    for (const auto& [suffix, id] : by_suffix_) {
        if (element.size() > suffix.size() && element.ends_with(suffix)) return table(id);
    }
    return nullptr;
}

std::optional<std::string> CodeTables::label(std::string_view element, std::string_view value,
                                             std::string_view lang) const {
    const CodeTable* t = table_for_element(element);
    if (t == nullptr) return std::nullopt;
    const std::string key(trim(value));
    if (lang == "en") {
        if (const auto it = t->labels_en.find(key); it != t->labels_en.end()) return it->second;
    }
    // Japanese is the fallback for a language the table has no label in.
    if (const auto it = t->labels_ja.find(key); it != t->labels_ja.end()) return it->second;
    return std::nullopt;
}

std::string CodeTables::describe(std::string_view element, std::string_view value,
                                 std::string_view lang) const {
    if (auto l = label(element, value, lang)) return fmt::format("{} {}", value, *l);
    return std::string(value);
}

}  // namespace mynaq::oqs
