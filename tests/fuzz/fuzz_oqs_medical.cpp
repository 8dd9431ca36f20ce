// libFuzzer target: 薬剤情報 and 特定健診情報 results come from a shared folder in a layout
// nobody has published, so their readers must never crash, hang or leak on any bytes — only
// return a history or throw Error{MessageInvalid} (not a result) or Error{OqsFailed} (a
// refusal). Whatever reads as a history must also survive being built again and read back with
// the same entries.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mynaq/error.hpp"
#include "mynaq/oqs/medical_info.hpp"
#include "mynaq/oqs/xml.hpp"

namespace {

bool allowed(const mynaq::Error& e) {
    return e.code() == mynaq::Errc::MessageInvalid || e.code() == mynaq::Errc::OqsFailed;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mynaq;
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    oqs::Document doc;
    try {
        doc = oqs::parse_xml(bytes, oqs::XmlLimits{1 << 20});
    } catch (const Error& e) {
        if (e.code() != Errc::MessageInvalid) __builtin_trap();
        return 0;
    }
    try {
        const auto drugs = oqs::parse_drug_result(doc);
        for (const auto& e : drugs.entries) (void)e.institution_name();
        const auto again = oqs::parse_drug_result(
            oqs::parse_xml(oqs::write_xml(oqs::build_drug_result(drugs)), oqs::XmlLimits{1 << 24}));
        if (again.entries.size() != drugs.entries.size() ||
            again.treatments.size() != drugs.treatments.size()) {
            __builtin_trap();
        }
    } catch (const Error& e) {
        if (!allowed(e)) __builtin_trap();
    }
    try {
        const auto checkups = oqs::parse_checkup_result(doc);
        const auto again = oqs::parse_checkup_result(oqs::parse_xml(
            oqs::write_xml(oqs::build_checkup_result(checkups)), oqs::XmlLimits{1 << 24}));
        if (again.checkups.size() != checkups.checkups.size()) __builtin_trap();
    } catch (const Error& e) {
        if (!allowed(e)) __builtin_trap();
    }
    try {
        (void)oqs::parse_medical_request(doc.root);
    } catch (const Error& e) {
        if (!allowed(e)) __builtin_trap();
    }
    return 0;
}
