// libFuzzer target: OQS messages come from a shared folder and the network, so the XML layer
// and the message model must never crash, hang or leak on any bytes — only return values or
// throw Error{MessageInvalid}. Whatever parses must also survive write_xml and parse again
// unchanged.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mynaq/error.hpp"
#include "mynaq/oqs/message.hpp"
#include "mynaq/oqs/xml.hpp"

namespace {

bool same(const mynaq::oqs::Node& a, const mynaq::oqs::Node& b) {
    if (a.name != b.name || a.text != b.text || a.children.size() != b.children.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.children.size(); ++i) {
        if (!same(a.children[i], b.children[i])) return false;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mynaq;
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    try {
        const auto doc = oqs::parse_xml(bytes, oqs::XmlLimits{1 << 20});
        try {
            const auto single = oqs::parse_qualification_result(doc);
            (void)single.valid();
        } catch (const Error& e) {
            if (e.code() != Errc::MessageInvalid) __builtin_trap();
        }
        try {
            const auto bulk = oqs::parse_bulk_result(doc);
            for (const auto& unit : bulk.units) (void)oqs::check_search_info(unit.echo);
        } catch (const Error& e) {
            if (e.code() != Errc::MessageInvalid) __builtin_trap();
        }
        try {
            (void)oqs::parse_bulk_upload_result(doc);
        } catch (const Error& e) {
            if (e.code() != Errc::MessageInvalid) __builtin_trap();
        }
        std::string written;
        try {
            written = oqs::write_xml(doc.root);
        } catch (const Error& e) {
            if (e.code() != Errc::MessageInvalid) __builtin_trap();
            return 0;
        }
        // What was read must be writable and read back the same.
        if (!same(oqs::parse_xml(written).root, doc.root)) __builtin_trap();
    } catch (const Error& e) {
        if (e.code() != Errc::MessageInvalid) __builtin_trap();
    }
    return 0;
}
