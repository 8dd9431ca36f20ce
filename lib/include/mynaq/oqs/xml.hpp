// The XML layer of the OQS messages: libxml2 underneath, values kept as strings exactly as
// sent, elements found by name in any order. Documents with a DTD, entity declarations, an
// unknown encoding or more bytes than allowed are refused before anything is built.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mynaq/text_encoding.hpp"

namespace mynaq::oqs {

// One element: its name, its text (for leaves, untrimmed) and its children in document order.
struct Node {
    std::string name;
    std::string text;
    std::vector<Node> children;

    Node() = default;
    explicit Node(std::string n, std::string t = {}) : name(std::move(n)), text(std::move(t)) {}

    [[nodiscard]] const Node* child(std::string_view child_name) const;
    [[nodiscard]] Node* child(std::string_view child_name);
    [[nodiscard]] std::vector<const Node*> children_named(std::string_view child_name) const;
    // The first descendant (depth first) with that name.
    [[nodiscard]] const Node* find(std::string_view descendant_name) const;
    [[nodiscard]] std::vector<const Node*> find_all(std::string_view descendant_name) const;
    // Text of the named child, or nullopt when the element is absent.
    [[nodiscard]] std::optional<std::string> value(std::string_view child_name) const;
    // Text of the named child, or "" when absent.
    [[nodiscard]] std::string value_or_empty(std::string_view child_name) const;

    Node& add(std::string child_name, std::string child_text = {});
    // Adds only when the value is non-empty: optional elements are omitted, not sent empty.
    void add_if(std::string child_name, const std::string& child_text);
};

struct XmlLimits {
    std::size_t max_bytes = std::size_t{32} * 1024 * 1024;  // oqs.max_message_bytes
};

struct Document {
    Node root;                                   // normally XmlMsg
    std::string raw;                             // the bytes as received, for the audit trail
    TextEncoding encoding = TextEncoding::Utf8;  // what the file was written in
    // "" for XML; "application/pdf" for a PDF result (薬剤情報 / 特定健診 asked as PDF): then
    // `raw` holds the PDF and `root` is empty.
    std::string media_type;
};

// Parses bytes from a file or HTTP body. The encoding comes from the XML declaration; without
// one, CharacterCodeIdentifier 1 or bytes that are not UTF-8 mean Shift_JIS.
// Throws Error{MessageInvalid} with the line and reason (not well-formed, DTD, too large,
// unsupported encoding).
Document parse_xml(std::string_view bytes, const XmlLimits& limits = {});

// Serialises with a declaration `<?xml version="1.0" encoding="…" standalone="no"?>`, two-space
// indentation, text escaped. Shift_JIS output is converted to CP932 bytes.
std::string write_xml(const Node& root, TextEncoding encoding = TextEncoding::Utf8);

}  // namespace mynaq::oqs
