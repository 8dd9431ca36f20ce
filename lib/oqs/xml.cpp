#include "mynaq/oqs/xml.hpp"

#include <algorithm>
#include <cctype>
#include <memory>

#include <fmt/format.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "mynaq/error.hpp"

namespace mynaq::oqs {

// ---- Node -------------------------------------------------------------------------------------

const Node* Node::child(std::string_view child_name) const {
    for (const auto& c : children) {
        if (c.name == child_name) return &c;
    }
    return nullptr;
}

Node* Node::child(std::string_view child_name) {
    for (auto& c : children) {
        if (c.name == child_name) return &c;
    }
    return nullptr;
}

std::vector<const Node*> Node::children_named(std::string_view child_name) const {
    std::vector<const Node*> out;
    for (const auto& c : children) {
        if (c.name == child_name) out.push_back(&c);
    }
    return out;
}

const Node* Node::find(std::string_view descendant_name) const {
    for (const auto& c : children) {
        if (c.name == descendant_name) return &c;
        if (const Node* found = c.find(descendant_name)) return found;
    }
    return nullptr;
}

namespace {

void collect(const Node& node, std::string_view name, std::vector<const Node*>& out) {
    for (const auto& c : node.children) {
        if (c.name == name) out.push_back(&c);
        collect(c, name, out);
    }
}

}  // namespace

std::vector<const Node*> Node::find_all(std::string_view descendant_name) const {
    std::vector<const Node*> out;
    collect(*this, descendant_name, out);
    return out;
}

std::optional<std::string> Node::value(std::string_view child_name) const {
    const Node* c = child(child_name);
    if (c == nullptr) return std::nullopt;
    return c->text;
}

std::string Node::value_or_empty(std::string_view child_name) const {
    const Node* c = child(child_name);
    return c == nullptr ? std::string() : c->text;
}

Node& Node::add(std::string child_name, std::string child_text) {
    return children.emplace_back(std::move(child_name), std::move(child_text));
}

void Node::add_if(std::string child_name, const std::string& child_text) {
    if (!child_text.empty()) add(std::move(child_name), child_text);
}

// ---- parsing ----------------------------------------------------------------------------------

namespace {

[[noreturn]] void invalid(const std::string& detail) {
    throw Error(Errc::MessageInvalid, detail);
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// Whether a markup declaration `<!name…` occurs, the name in any case. find() jumps from one
// "<!" to the next at memchr speed; lowering a copy of the whole message first, byte by byte
// through the locale, cost a third of parse_xml on a 1.6 MB 薬剤情報 result (bench/info).
bool has_declaration(std::string_view bytes, std::string_view name) {
    const auto fold = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    for (auto pos = bytes.find("<!"); pos != std::string_view::npos;
         pos = bytes.find("<!", pos + 2)) {
        const std::string_view rest = bytes.substr(pos + 2, name.size());
        if (std::equal(rest.begin(), rest.end(), name.begin(), name.end(),
                       [&](char a, char b) { return fold(a) == fold(b); })) {
            return true;
        }
    }
    return false;
}

// The encoding named in the XML declaration, or "" when there is no declaration or it names
// none. Only the declaration itself is looked at: the first `<?xml ... ?>` at the start.
std::string declared_encoding(std::string_view bytes) {
    if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);
    if (!bytes.starts_with("<?xml")) return {};
    const auto end = bytes.find("?>");
    if (end == std::string_view::npos) return {};
    const std::string_view decl = bytes.substr(0, end);
    auto pos = decl.find("encoding");
    if (pos == std::string_view::npos) return {};
    pos += 8;
    while (pos < decl.size() && (decl[pos] == ' ' || decl[pos] == '\t' || decl[pos] == '\r' ||
                                 decl[pos] == '\n' || decl[pos] == '=')) {
        ++pos;
    }
    if (pos >= decl.size() || (decl[pos] != '"' && decl[pos] != '\'')) {
        invalid("the XML declaration has a malformed encoding");
    }
    const char quote = decl[pos];
    const auto close = decl.find(quote, pos + 1);
    if (close == std::string_view::npos) invalid("the XML declaration has a malformed encoding");
    return std::string(decl.substr(pos + 1, close - pos - 1));
}

bool looks_like_utf16_or_32(std::string_view bytes) {
    if (bytes.size() < 2) return false;
    const auto b0 = static_cast<unsigned char>(bytes[0]);
    const auto b1 = static_cast<unsigned char>(bytes[1]);
    return (b0 == 0xFE && b1 == 0xFF) || (b0 == 0xFF && b1 == 0xFE) || (b0 == 0 && b1 == '<') ||
           (b0 == '<' && b1 == 0) || (b0 == 0 && b1 == 0);
}

// CharacterCodeIdentifier 1 (OQSCD005: Shift_JIS) somewhere in the raw bytes.
bool says_shift_jis(std::string_view bytes) {
    constexpr std::string_view open = "<CharacterCodeIdentifier>";
    for (auto pos = bytes.find(open); pos != std::string_view::npos;
         pos = bytes.find(open, pos + 1)) {
        auto rest = bytes.substr(pos + open.size());
        while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t'))
            rest.remove_prefix(1);
        if (rest.starts_with("1")) {
            rest.remove_prefix(1);
            while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) {
                rest.remove_prefix(1);
            }
            if (rest.starts_with("</")) return true;
        }
    }
    return false;
}

bool is_ascii(std::string_view bytes) {
    return std::all_of(bytes.begin(), bytes.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

TextEncoding choose_encoding(std::string_view bytes) {
    if (looks_like_utf16_or_32(bytes)) invalid("unsupported encoding: UTF-16 or UTF-32");
    const std::string declared = declared_encoding(bytes);
    if (!declared.empty()) {
        const std::string name = lower(declared);
        if (name == "utf-8" || name == "utf8") return TextEncoding::Utf8;
        if (name == "shift_jis" || name == "shift-jis" || name == "sjis" || name == "windows-31j" ||
            name == "cp932" || name == "ms932" || name == "x-sjis") {
            return TextEncoding::ShiftJis;
        }
        invalid(fmt::format("unsupported encoding: {}", declared));
    }
    // No declaration. Non-ASCII bytes that are valid UTF-8 are strong evidence of UTF-8 even if
    // the header claims otherwise; plain ASCII decodes the same either way, so then the header's
    // CharacterCodeIdentifier decides what the file says it is.
    if (!is_valid_utf8(bytes)) return TextEncoding::ShiftJis;
    if (is_ascii(bytes) && says_shift_jis(bytes)) return TextEncoding::ShiftJis;
    return TextEncoding::Utf8;
}

struct DocFree {
    void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
struct CtxtFree {
    void operator()(xmlParserCtxt* ctxt) const { xmlFreeParserCtxt(ctxt); }
};

// libxml2's messages end in a newline and sometimes break in the middle.
std::string one_line(const char* message) {
    std::string out(message);
    std::replace(out.begin(), out.end(), '\n', ' ');
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

// The first error libxml2 raised while parsing; captured per context so nothing reaches
// stderr and concurrent parses do not see each other's errors.
struct ErrorCapture {
    bool seen = false;
    int line = 0;
    std::string message;
};

// libxml2 calls the handler synchronously on the parsing thread and passes it the context's
// userData, which xmlCtxtReadMemory may reset; a thread-local set around the call is robust.
thread_local ErrorCapture* current_capture = nullptr;

class CaptureScope {
public:
    explicit CaptureScope(ErrorCapture& capture)
        : previous_(current_capture),
          generic_(xmlGenericError),
          generic_context_(xmlGenericErrorContext) {
        current_capture = &capture;
        // Errors raised without a parser context would otherwise go to stderr.
        xmlSetGenericErrorFunc(nullptr, silent);
    }
    ~CaptureScope() {
        xmlSetGenericErrorFunc(generic_context_, generic_);
        current_capture = previous_;
    }
    CaptureScope(const CaptureScope&) = delete;
    CaptureScope& operator=(const CaptureScope&) = delete;

private:
    static void silent(void* /*context*/, const char* /*format*/, ...) {}
    ErrorCapture* previous_;
    xmlGenericErrorFunc generic_;
    void* generic_context_;
};

void capture_error(void* /*user_data*/, xmlErrorPtr error) {
    ErrorCapture* capture = current_capture;
    if (capture == nullptr || error == nullptr) return;
    if (capture->seen || error->level < XML_ERR_ERROR) return;
    capture->seen = true;
    capture->line = error->line;
    capture->message = error->message != nullptr ? one_line(error->message) : "unknown error";
}

std::string text_of(const xmlNode* node) {
    return node->content != nullptr ? reinterpret_cast<const char*>(node->content) : "";
}

Node convert(const xmlNode* element) {
    Node out(reinterpret_cast<const char*>(element->name));
    std::string text;
    for (const xmlNode* c = element->children; c != nullptr; c = c->next) {
        switch (c->type) {
            case XML_ELEMENT_NODE:
                out.children.push_back(convert(c));
                break;
            case XML_TEXT_NODE:
            case XML_CDATA_SECTION_NODE:
                text += text_of(c);
                break;
            case XML_ENTITY_REF_NODE:
                invalid(
                    fmt::format("line {}: entity references are not accepted", xmlGetLineNo(c)));
            default:  // comments and processing instructions carry nothing for us
                break;
        }
    }
    // Only leaves have text; whitespace between child elements is layout.
    if (out.children.empty()) out.text = std::move(text);
    return out;
}

}  // namespace

Document parse_xml(std::string_view bytes, const XmlLimits& limits) {
    if (bytes.size() > limits.max_bytes) {
        invalid(fmt::format("the message has {} bytes, more than the limit of {}", bytes.size(),
                            limits.max_bytes));
    }
    if (bytes.empty()) invalid("the message is empty");
    const TextEncoding encoding = choose_encoding(bytes);
    // A DTD is the door to entity expansion and external fetches; OQS messages never have one.
    if (has_declaration(bytes, "DOCTYPE")) invalid("a document type declaration is not accepted");
    if (has_declaration(bytes, "ENTITY")) invalid("entity declarations are not accepted");

    // Shift_JIS is decoded here rather than by libxml2: iconv failures inside libxml2 go to its
    // global error channel and surface as a misleading "premature end of data", while this
    // names the byte offset and line. CP932 because that is what Windows writes.
    std::string decoded;
    std::string_view utf8 = bytes;
    if (encoding == TextEncoding::ShiftJis) {
        try {
            decoded = sjis_to_utf8(bytes);
        } catch (const Error& e) {
            const std::size_t offset = e.fields().count("offset") != 0
                                           ? std::stoul(e.fields().at("offset"))
                                           : std::size_t{0};
            const auto line =
                1 + std::count(
                        bytes.begin(),
                        bytes.begin() + static_cast<std::ptrdiff_t>(std::min(offset, bytes.size())),
                        '\n');
            invalid(fmt::format("line {}: {}", line, e.detail()));
        }
        utf8 = decoded;
    }
    // libxml2 takes an int length.
    if (utf8.size() > static_cast<std::size_t>(INT32_MAX)) invalid("the message is too large");

    // libxml2 wants its one-time initialisation done before threads race to it.
    static const bool initialised = [] {
        xmlInitParser();
        return true;
    }();
    (void)initialised;
    std::unique_ptr<xmlParserCtxt, CtxtFree> ctxt(xmlNewParserCtxt());
    if (!ctxt) throw Error(Errc::Internal, "libxml2 could not create a parser context");
    ErrorCapture capture;
    const CaptureScope scope(capture);
    ctxt->sax->serror = capture_error;
    ctxt->sax->initialized = XML_SAX2_MAGIC;

    // The encoding was decided above, so the declaration is ignored.
    const int options =
        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC;
    std::unique_ptr<xmlDoc, DocFree> doc(xmlCtxtReadMemory(
        ctxt.get(), utf8.data(), static_cast<int>(utf8.size()), nullptr, "UTF-8", options));
    if (!doc || ctxt->wellFormed == 0 || capture.seen) {
        if (capture.seen) {
            invalid(fmt::format("line {}: not well-formed: {}", capture.line, capture.message));
        }
        const xmlError* last = xmlCtxtGetLastError(ctxt.get());
        if (last != nullptr && last->message != nullptr) {
            invalid(
                fmt::format("line {}: not well-formed: {}", last->line, one_line(last->message)));
        }
        invalid("not well-formed XML");
    }
    if (doc->intSubset != nullptr || doc->extSubset != nullptr) {
        invalid("a document type declaration is not accepted");
    }
    const xmlNode* root = xmlDocGetRootElement(doc.get());
    if (root == nullptr) invalid("the message has no root element");

    Document out;
    out.root = convert(root);
    out.raw = std::string(bytes);
    out.encoding = encoding;
    return out;
}

// ---- writing ----------------------------------------------------------------------------------

namespace {

void escape_into(std::string& out, std::string_view text) {
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        switch (ch) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '\r':
                // A raw CR would be turned into LF by every parser.
                out += "&#13;";
                break;
            default:
                if (c < 0x20 && ch != '\t' && ch != '\n') {
                    invalid(fmt::format("control character 0x{:02X} cannot be written in XML", c));
                }
                out += ch;
        }
    }
}

bool valid_name(std::string_view name) {
    if (name.empty()) return false;
    return std::all_of(name.begin(), name.end(), [](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return std::isalnum(c) != 0 || ch == '_' || ch == '-' || ch == '.' || c >= 0x80;
    });
}

void write_node(std::string& out, const Node& node, int depth) {
    if (!valid_name(node.name) || std::isdigit(static_cast<unsigned char>(node.name[0])) != 0) {
        invalid(fmt::format("'{}' is not a valid element name", node.name));
    }
    out.append(static_cast<std::size_t>(depth) * 2, ' ');
    out += '<';
    out += node.name;
    out += '>';
    if (node.children.empty()) {
        if (!is_valid_utf8(node.text)) {
            invalid(fmt::format("the text of {} is not valid UTF-8", node.name));
        }
        escape_into(out, node.text);
    } else {
        out += '\n';
        for (const auto& c : node.children) write_node(out, c, depth + 1);
        out.append(static_cast<std::size_t>(depth) * 2, ' ');
    }
    out += "</";
    out += node.name;
    out += ">\n";
}

}  // namespace

std::string write_xml(const Node& root, TextEncoding encoding) {
    std::string out = fmt::format(R"(<?xml version="1.0" encoding="{}" standalone="no"?>)",
                                  encoding_label(encoding));
    out += '\n';
    write_node(out, root, 0);
    if (encoding == TextEncoding::ShiftJis) return utf8_to_sjis(out);
    return out;
}

}  // namespace mynaq::oqs
