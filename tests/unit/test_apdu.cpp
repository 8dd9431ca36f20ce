#include <doctest/doctest.h>

#include "mynaq/apdu.hpp"
#include "mynaq/error.hpp"
#include "mynaq/tlv.hpp"
#include "mynaq/transport.hpp"

using namespace mynaq;

TEST_CASE("apdu: the four ISO cases encode and parse back") {
    const CommandApdu c1(0x00, 0x20, 0x00, 0x80);
    CHECK(c1.iso_case() == 1);
    CHECK(to_hex(c1.encode(), "") == "00200080");
    const CommandApdu c2 = CommandApdu::read_binary(0x0104, 256);
    CHECK(c2.iso_case() == 2);
    CHECK(to_hex(c2.encode(), "") == "00B0010400");
    const CommandApdu c3 = CommandApdu::select_ef(0x000A);
    CHECK(c3.iso_case() == 3);
    CHECK(to_hex(c3.encode(), "") == "00A4020C02000A");
    const CommandApdu c4(0x80, 0x2A, 0x00, 0x80, Bytes{1, 2, 3}, 256);
    CHECK(c4.iso_case() == 4);
    CHECK(to_hex(c4.encode(), "") == "802A00800301020300");
    for (const auto& c : {c1, c2, c3, c4}) {
        const CommandApdu back = CommandApdu::parse(c.encode());
        CHECK(back.encode() == c.encode());
        CHECK(back.iso_case() == c.iso_case());
    }
}

TEST_CASE("apdu: malformed commands are rejected with INVALID_ARGUMENT") {
    CHECK_THROWS_AS(CommandApdu::parse(from_hex("00A4")), Error);
    CHECK_THROWS_AS(CommandApdu::parse(from_hex("00A4020C05000A")), Error);  // Lc too long
    CHECK_THROWS_AS(CommandApdu(0, 0xD6, 0, 0, Bytes(256, 0)), Error);       // > 255 bytes
    CHECK_THROWS_AS(from_hex("0G"), Error);
    CHECK_THROWS_AS(from_hex("123"), Error);
    try {
        (void)from_hex("zz");
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::InvalidArgument);
    }
}

TEST_CASE("apdu: VERIFY data never reaches a transcript") {
    const CommandApdu verify = CommandApdu::verify(to_bytes("1234"));
    CHECK(verify.carries_secret());
    CHECK(verify.redacted_hex() == "00 20 00 80 04 **");
    CHECK(verify.redacted_hex().find("31 32") == std::string::npos);
    CHECK(CommandApdu::verify_query().redacted_hex() == "00 20 00 80");
    CommandApdu wiped = verify;
    wiped.wipe();
    CHECK(wiped.data().empty());
}

TEST_CASE("apdu: status words") {
    CHECK(StatusWord(0x9000).ok());
    CHECK(StatusWord(0x63C2).is_retry_counter());
    CHECK_FALSE(StatusWord(0x6300).is_retry_counter());
    CHECK(StatusWord(0x6982).meaning() == "security status not satisfied");
    CHECK(StatusWord(0x63C1).meaning().find("1 tries left") != std::string::npos);
    CHECK(ResponseApdu::parse(from_hex("01029000")).data == Bytes{1, 2});
    CHECK_THROWS_AS(ResponseApdu::parse(from_hex("90")), Error);
}

TEST_CASE("tlv: high tags, the card's FF 10 form and long lengths") {
    // FF 10 0C <12 bytes>: the card's non-minimal high-tag form.
    const Bytes ff10 = from_hex("FF100C313233343536373839303132FFFF");
    const auto t = read_tlv(ff10);
    REQUIRE(t);
    CHECK(t->tag == 0xFF10);
    CHECK(t->value.size() == 12);
    CHECK(read_tlvs(ff10).size() == 1);  // FF FF filler ends the list

    Bytes long_form = from_hex("DF2782012C");
    long_form.resize(5 + 300, 0xAB);
    const auto lt = read_tlv(long_form);
    REQUIRE(lt);
    CHECK(lt->tag == 0xDF27);
    CHECK(lt->value.size() == 300);
    CHECK(lt->total_size == 305);

    const Bytes nested = from_hex("FF2008DF2102000ADF2200");
    const auto outer = read_tlv(nested);
    REQUIRE(outer);
    CHECK(outer->constructed);
    const auto inner = read_tlvs(outer->value);
    REQUIRE(inner.size() == 2);
    CHECK(inner[0].tag == 0xDF21);
    CHECK(inner[1].tag == 0xDF22);
    CHECK(inner[1].value.empty());
    CHECK(find_tlv(outer->value, 0xDF22));
    CHECK_FALSE(find_tlv(outer->value, 0xDF27));
}

TEST_CASE("tlv: truncated and oversized input is a DATA_INVALID error, never a crash") {
    for (const char* hex : {"DF", "DF27", "DF2782", "DF278201", "DF27820100", "3084FFFFFFFF00",
                            "5F1F8F8F8F8F01", "3080"}) {
        CAPTURE(hex);
        const Bytes b = from_hex(hex);
        try {
            (void)read_tlvs(b);
            FAIL("expected an error");
        } catch (const Error& e) {
            CHECK(e.code() == Errc::DataInvalid);
        }
    }
    CHECK(read_tlvs(Bytes{}).empty());
    CHECK(read_tlvs(from_hex("0000FFFF")).empty());
}

TEST_CASE("tlv: object size from a header") {
    CHECK(object_size_from_header(from_hex("30820514")) == 0x514 + 4);
    CHECK(object_size_from_header(from_hex("FF208202")) == std::nullopt);
    CHECK(object_size_from_header(from_hex("FF20820210")) == 0x210 + 5);
    CHECK(object_size_from_header(from_hex("0102")) == 4);
}

namespace {

// Scripted transport: answers in order and records what was sent.
class ScriptTransport : public Transport {
public:
    explicit ScriptTransport(std::vector<Bytes> answers) : answers_(std::move(answers)) {}
    Bytes transmit(ByteView command) override {
        sent.emplace_back(command.begin(), command.end());
        REQUIRE(next_ < answers_.size());
        return answers_[next_++];
    }
    std::vector<Bytes> sent;

private:
    std::vector<Bytes> answers_;
    std::size_t next_ = 0;
};

}  // namespace

TEST_CASE("channel: 61xx is collected with GET RESPONSE and 6Cxx resent with the right Le") {
    ScriptTransport t({from_hex("AABB6102"), from_hex("CCDD9000")});
    ApduChannel channel(t);
    const auto r = channel.send(CommandApdu::read_binary(0, 2));
    CHECK(r.ok());
    CHECK(r.data == from_hex("AABBCCDD"));
    REQUIRE(t.sent.size() == 2);
    CHECK(to_hex(t.sent[1], "") == "00C0000002");

    ScriptTransport t2({from_hex("6C05"), from_hex("01020304059000")});
    ApduChannel channel2(t2);
    std::vector<TranscriptEntry> transcript;
    channel2.set_transcript([&](const TranscriptEntry& e) { transcript.push_back(e); });
    const auto r2 = channel2.send(CommandApdu::read_binary(0, 256));
    CHECK(r2.data.size() == 5);
    CHECK(to_hex(t2.sent[1], "") == "00B0000005");
    CHECK(channel2.apdu_count() == 2);
    CHECK(transcript.size() == 2);
    CHECK(transcript[0].sw_hex == "6C05");
}
