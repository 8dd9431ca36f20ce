// The JSON form of an OQS message, as the Web API sends and expects it (oqs-interface.md §8):
// {"XmlMsg":{"MessageHeader":{…},"MessageBody":{…}}}.
#include <functional>
#include <set>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "mynaq/error.hpp"
#include "mynaq/oqs/exchange.hpp"

namespace mynaq::oqs {
namespace {

using Json = nlohmann::ordered_json;

// Real messages are five or six levels deep; anything far deeper is hostile or broken, and the
// conversion below is recursive.
constexpr int kMaxDepth = 64;

// The one element the Web API always sends as an array of single-key objects, even with one
// result: {"ResultList":[{"ResultOfQualificationConfirmation":{…}}, …]}.
constexpr std::string_view kResultList = "ResultList";

[[noreturn]] void invalid(const std::string& why) {
    throw Error(Errc::MessageInvalid, "Web API message: " + why);
}

Json to_value(const Node& node, int depth) {
    if (depth > kMaxDepth) invalid("nested too deeply");
    if (node.children.empty()) return node.text;

    if (node.name == kResultList) {
        Json list = Json::array();
        for (const Node& c : node.children) list.push_back(Json{{c.name, to_value(c, depth + 1)}});
        return list;
    }

    // Siblings sharing a name become one array at the place of the first of them.
    Json object = Json::object();
    std::set<std::string, std::less<>> repeated;
    for (const Node& c : node.children) {
        Json value = to_value(c, depth + 1);
        const auto it = object.find(c.name);
        if (it == object.end()) {
            object.emplace(c.name, std::move(value));
            continue;
        }
        if (repeated.insert(c.name).second) {
            Json first = std::move(*it);
            *it = Json::array();
            it->push_back(std::move(first));
        }
        it->push_back(std::move(value));
    }
    return object;
}

std::string scalar_text(const Json& value) {
    switch (value.type()) {
        case Json::value_t::string:
            return value.get<std::string>();
        case Json::value_t::null:
            return {};
        case Json::value_t::boolean:
        case Json::value_t::number_integer:
        case Json::value_t::number_unsigned:
        case Json::value_t::number_float:
            return value.dump();
        default:
            invalid("unexpected value type");
    }
}

void add_value(Node& parent, const std::string& name, const Json& value, int depth);

void fill(Node& node, const Json& value, int depth) {
    if (depth > kMaxDepth) invalid("nested too deeply");
    if (value.is_object()) {
        for (const auto& [key, v] : value.items()) add_value(node, key, v, depth + 1);
    } else {
        node.text = scalar_text(value);
    }
}

void add_value(Node& parent, const std::string& name, const Json& value, int depth) {
    if (depth > kMaxDepth) invalid("nested too deeply");
    if (name.empty()) invalid("empty element name");
    if (value.is_array()) {
        if (name == kResultList) {
            // One ResultList whose children are the entries of each array item.
            Node& list = parent.add(name);
            for (const Json& item : value) {
                if (!item.is_object()) invalid("ResultList items must be objects");
                fill(list, item, depth + 1);
            }
            return;
        }
        // An array means the element repeats; nested arrays are flattened the same way.
        for (const Json& item : value) add_value(parent, name, item, depth + 1);
        return;
    }
    Node& child = parent.add(name);
    fill(child, value, depth + 1);
}

}  // namespace

std::string to_json_form(const Node& root) {
    Json form = Json::object();
    form.emplace(root.name, to_value(root, 0));
    try {
        return form.dump();
    } catch (const Json::exception& e) {
        // Texts are UTF-8 in memory; anything else is a bug upstream, not something to send.
        invalid(fmt::format("cannot encode: {}", e.what()));
    }
}

Node from_json_form(std::string_view json) {
    Json form = Json::parse(json, nullptr, false);
    if (form.is_discarded()) invalid("not valid JSON");
    if (!form.is_object()) invalid("the top level is not an object");
    const Json* body = nullptr;
    std::string name;
    if (const auto it = form.find("XmlMsg"); it != form.end()) {
        body = &*it;
        name = "XmlMsg";
    } else if (form.size() == 1) {
        body = &form.begin().value();
        name = form.begin().key();
    } else {
        invalid("no XmlMsg object");
    }
    if (!body->is_object()) invalid(fmt::format("{} is not an object", name));
    Node root(name);
    fill(root, *body, 0);
    return root;
}

}  // namespace mynaq::oqs
