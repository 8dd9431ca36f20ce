#include "mynaq/sim/people.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "mynaq/error.hpp"

namespace mynaq::sim {

namespace {

class Loader {
public:
    explicit Loader(std::string source) : source_(std::move(source)) {}

    [[noreturn]] void fail(const YAML::Mark& mark, const std::string& what) const {
        throw Error(Errc::ConfigInvalid, fmt::format("{}:{}: {}", source_, mark.line + 1, what),
                    {{"file", source_}, {"line", std::to_string(mark.line + 1)}});
    }

    std::string scalar(const YAML::Node& node, std::string_view key) const {
        if (!node.IsScalar()) fail(node.Mark(), fmt::format("'{}' must be a single value", key));
        return node.Scalar();
    }

    static bool digits(std::string_view s, std::size_t n) {
        return s.size() == n && s.find_first_not_of("0123456789") == std::string_view::npos;
    }

    // XML element names as OQS uses them: ASCII letters and digits.
    static bool element_name(std::string_view s) {
        if (s.empty() || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z'))) {
            return false;
        }
        for (const char c : s) {
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
                return false;
            }
        }
        return true;
    }

    void check_date(const YAML::Node& node, std::string_view key, const std::string& value) const {
        if (value.empty()) return;
        if (!digits(value, 8)) fail(node.Mark(), fmt::format("'{}' must be yyyyMMdd", key));
        const int month = std::stoi(value.substr(4, 2));
        const int day = std::stoi(value.substr(6, 2));
        if (month < 1 || month > 12 || day < 1 || day > 31) {
            fail(node.Mark(), fmt::format("'{}' is not a date: {}", key, value));
        }
    }

    // A map becomes an element per key; a list repeats the element; a scalar is a leaf.
    void add_element(oqs::Node& parent, const std::string& name, const YAML::Node& value) const {
        if (value.IsSequence()) {
            for (const auto& item : value) add_element(parent, name, item);
            return;
        }
        if (value.IsMap()) {
            oqs::Node& child = parent.add(name);
            add_children(child, value);
            return;
        }
        if (value.IsNull()) fail(value.Mark(), fmt::format("'{}' has no value", name));
        const std::string text = value.Scalar();
        if (name.ends_with("Date")) check_date(value, name, text);
        parent.add(name, text);
    }

    void add_children(oqs::Node& parent, const YAML::Node& map) const {
        for (const auto& entry : map) {
            const std::string key = scalar(entry.first, "element name");
            if (!element_name(key)) {
                fail(entry.first.Mark(), fmt::format("'{}' is not an element name", key));
            }
            add_element(parent, key, entry.second);
        }
    }

    // One entry of `drugs:`; values are kept as strings, as the result carries them.
    oqs::DrugEntry drug(const YAML::Node& node) const {
        if (!node.IsMap()) fail(node.Mark(), "each drug must be a mapping");
        static const std::set<std::string, std::less<>> known{
            "source",           "month", "date",  "institution",
            "institution_code", "code",  "name",  "ingredient",
            "quantity",         "unit",  "usage", "days"};
        oqs::DrugEntry e;
        std::string source = "receipt";
        std::string institution;
        std::string institution_code;
        for (const auto& entry : node) {
            const std::string key = scalar(entry.first, "key");
            if (!known.contains(key)) {
                fail(entry.first.Mark(), fmt::format("unknown key '{}' for a drug", key));
            }
            const YAML::Node& v = entry.second;
            const std::string value = scalar(v, key);
            if (key == "source") source = value;
            if (key == "month") {
                if (!digits(value, 6) || std::stoi(value.substr(4, 2)) < 1 ||
                    std::stoi(value.substr(4, 2)) > 12) {
                    fail(v.Mark(), "'month' must be yyyyMM");
                }
                e.month = value;
            }
            if (key == "date") {
                check_date(v, key, value);
                e.date = value;
            }
            if (key == "institution") institution = value;
            if (key == "institution_code") institution_code = value;
            if (key == "code") e.drug_code = value;
            if (key == "name") e.drug_name = value;
            if (key == "ingredient") e.ingredient = value;
            if (key == "quantity") {
                if (value.empty() || value.find_first_not_of("0123456789.") != std::string::npos) {
                    fail(v.Mark(), "'quantity' must be a number");
                }
                e.quantity = value;
            }
            if (key == "unit") e.unit = value;
            if (key == "usage") e.usage = value;
            if (key == "days") {
                if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos) {
                    fail(v.Mark(), "'days' must be a whole number");
                }
                e.times = value;
            }
        }
        if (source == "receipt") {
            e.source = oqs::DrugSource::Receipt;
        } else if (source == "prescription") {
            e.source = oqs::DrugSource::Prescription;
        } else if (source == "dispensing") {
            e.source = oqs::DrugSource::Dispensing;
        } else {
            fail(node.Mark(), fmt::format("drug source '{}' is not receipt, prescription or "
                                          "dispensing",
                                          source));
        }
        if (e.month.empty() && e.date.empty()) fail(node.Mark(), "a drug needs 'month' or 'date'");
        if (e.month.empty()) e.month = e.date.substr(0, 6);
        if (!e.date.empty() && !e.date.starts_with(e.month)) {
            fail(node.Mark(), fmt::format("drug date {} is not in month {}", e.date, e.month));
        }
        if (e.drug_name.empty()) fail(node.Mark(), "a drug needs a 'name'");
        // A prescription names its prescriber and has one date for both (ShPrDate).
        if (e.source == oqs::DrugSource::Prescription) {
            e.prescriber_name = institution;
            e.prescriber_code = institution_code;
            e.prescription_date = e.date;
        } else {
            e.dispensing_name = institution;
            e.dispensing_code = institution_code;
        }
        return e;
    }

    // One entry of `checkups:`.
    oqs::Checkup checkup(const YAML::Node& node) const {
        if (!node.IsMap()) fail(node.Mark(), "each checkup must be a mapping");
        oqs::Checkup c;
        for (const auto& entry : node) {
            const std::string key = scalar(entry.first, "key");
            const YAML::Node& v = entry.second;
            if (key == "date") {
                c.date = scalar(v, key);
                check_date(v, key, c.date);
            } else if (key == "items") {
                if (!v.IsSequence()) fail(v.Mark(), "'items' must be a list of mappings");
                for (const auto& item : v) c.items.push_back(checkup_item(item));
            } else {
                fail(entry.first.Mark(), fmt::format("unknown key '{}' for a checkup", key));
            }
        }
        if (c.date.empty()) fail(node.Mark(), "a checkup needs a 'date'");
        return c;
    }

    oqs::CheckupItem checkup_item(const YAML::Node& node) const {
        if (!node.IsMap()) fail(node.Mark(), "each checkup item must be a mapping");
        oqs::CheckupItem i;
        for (const auto& entry : node) {
            const std::string key = scalar(entry.first, "key");
            const std::string value = scalar(entry.second, key);
            if (key == "code") {
                i.code = value;
            } else if (key == "name") {
                i.name = value;
            } else if (key == "type") {
                i.data_type = value;
            } else if (key == "value") {
                i.value = value;
            } else if (key == "unit") {
                i.unit = value;
            } else if (key == "judgement") {
                i.value_name = value;
            } else if (key == "oid") {
                i.oid = value;
            } else {
                fail(entry.first.Mark(), fmt::format("unknown key '{}' for a checkup item", key));
            }
        }
        if (i.code.empty() || i.name.empty()) {
            fail(node.Mark(), "a checkup item needs a 'code' and a 'name'");
        }
        return i;
    }

    Person person(const YAML::Node& node, std::size_t index) const {
        if (!node.IsMap()) fail(node.Mark(), "each person must be a mapping");
        Person p;
        p.line = node.Mark().line + 1;
        static const std::set<std::string, std::less<>> known{
            "id",      "insurer_number", "symbol",   "number",    "branch",
            "name",    "kana",           "sex",      "birthdate", "consents",
            "records", "consent_time",   "validity", "drugs",     "checkups"};
        for (const auto& entry : node) {
            const std::string key = scalar(entry.first, "key");
            if (!known.contains(key)) {
                fail(entry.first.Mark(), fmt::format("unknown key '{}' for a person", key));
            }
            const YAML::Node& v = entry.second;
            if (key == "records") {
                if (!v.IsSequence()) fail(v.Mark(), "'records' must be a list of mappings");
                for (const auto& record : v) {
                    if (!record.IsMap()) fail(record.Mark(), "each record must be a mapping");
                    oqs::Node r("ResultOfQualificationConfirmation");
                    add_children(r, record);
                    p.records.push_back(std::move(r));
                }
            } else if (key == "drugs") {
                if (!v.IsSequence()) fail(v.Mark(), "'drugs' must be a list of mappings");
                for (const auto& d : v) p.drugs.push_back(drug(d));
            } else if (key == "checkups") {
                if (!v.IsSequence()) fail(v.Mark(), "'checkups' must be a list of mappings");
                for (const auto& c : v) p.checkups.push_back(checkup(c));
            } else if (key == "consents") {
                if (!v.IsMap()) fail(v.Mark(), "'consents' must map a consent to a flag");
                for (const auto& c : v) {
                    const std::string stem = scalar(c.first, "consent");
                    if (!element_name(stem)) {
                        fail(c.first.Mark(), fmt::format("'{}' is not an element name", stem));
                    }
                    const std::string flag = scalar(c.second, stem);
                    if (flag.size() != 1 || flag[0] < '0' || flag[0] > '3') {
                        fail(c.second.Mark(), fmt::format("consent '{}' must be 0 to 3", stem));
                    }
                    p.consents[stem] = flag;
                }
            } else {
                const std::string value = scalar(v, key);
                if (key == "id") p.id = value;
                if (key == "insurer_number") p.insurer_number = value;
                if (key == "symbol") p.symbol = value;
                if (key == "number") p.number = value;
                if (key == "branch") p.branch = value;
                if (key == "name") p.name = value;
                if (key == "kana") p.kana = value;
                if (key == "sex") p.sex = value;
                if (key == "birthdate") {
                    check_date(v, key, value);
                    p.birthdate = value;
                }
                if (key == "consent_time") {
                    if (!digits(value, 14)) fail(v.Mark(), "'consent_time' must be yyyyMMddHHmmss");
                    p.consent_time = value;
                }
                if (key == "validity") {
                    if (value.size() != 1 || value[0] < '1' || value[0] > '6') {
                        fail(v.Mark(), "'validity' must be 1 to 6");
                    }
                    p.validity = value;
                }
            }
        }
        if (p.id.empty()) p.id = fmt::format("p{:02}", index + 1);
        auto trimmed = [](std::string s) {
            s.erase(0, s.find_first_not_of(' '));
            s.erase(s.find_last_not_of(' ') + 1);
            return s;
        };
        const std::string insurer = trimmed(p.insurer_number);
        if (!digits(insurer, 8) && !digits(insurer, 6)) {
            fail(node.Mark(),
                 fmt::format("person {}: 'insurer_number' must have 6 or 8 digits", p.id));
        }
        for (const auto& [key, value] :
             {std::pair<const char*, const std::string*>{"number", &p.number},
              {"birthdate", &p.birthdate},
              {"name", &p.name},
              {"kana", &p.kana},
              {"sex", &p.sex}}) {
            if (value->empty())
                fail(node.Mark(), fmt::format("person {}: '{}' is missing", p.id, key));
        }
        if (p.sex != "1" && p.sex != "2" && p.sex != "3") {
            fail(node.Mark(), fmt::format("person {}: 'sex' must be 1, 2 or 3", p.id));
        }
        if (!p.branch.empty() && !digits(p.branch, 2)) {
            fail(node.Mark(), fmt::format("person {}: 'branch' must have 2 digits", p.id));
        }
        return p;
    }

    People load(std::string_view yaml) const {
        YAML::Node root;
        try {
            root = YAML::Load(std::string(yaml));
        } catch (const YAML::Exception& e) {
            fail(e.mark, e.msg);
        }
        if (!root.IsMap()) fail(root.Mark(), "the top level must be a mapping with 'people'");
        for (const auto& entry : root) {
            const std::string key = scalar(entry.first, "key");
            if (key != "people") fail(entry.first.Mark(), fmt::format("unknown key '{}'", key));
        }
        const YAML::Node list = root["people"];
        if (!list || !list.IsSequence()) fail(root.Mark(), "'people' must be a list");
        People out;
        out.source = source_;
        std::set<std::string> ids;
        for (std::size_t i = 0; i < list.size(); ++i) {
            Person p = person(list[i], i);
            if (!ids.insert(p.id).second) {
                fail(list[i].Mark(), fmt::format("person id '{}' is used twice", p.id));
            }
            out.people.push_back(std::move(p));
        }
        return out;
    }

private:
    std::string source_;
};

}  // namespace

const Person* People::find(std::string_view key) const {
    for (const auto& p : people) {
        if (p.id == key) return &p;
    }
    for (const auto& p : people) {
        for (const auto& r : p.records) {
            if (const auto ref = r.value("ReferenceNumber"); ref && *ref == key) return &p;
        }
    }
    return nullptr;
}

People load_people(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw Error(Errc::FileNotFound, fmt::format("people file {} cannot be read", file.string()),
                    {{"file", file.string()}});
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parse_people(text.str(), file.string());
}

People parse_people(std::string_view yaml, const std::string& source) {
    return Loader(source).load(yaml);
}

std::string padded_insurer_number(std::string_view number) {
    std::string s(number);
    s.erase(0, s.find_first_not_of(' '));
    s.erase(s.find_last_not_of(' ') + 1);
    if (s.size() < 8) s.insert(0, 8 - s.size(), ' ');
    return s;
}

}  // namespace mynaq::sim
