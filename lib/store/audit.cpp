// The audit chain: the canonical hash of a record and the walk that verifies the chain.
#include <openssl/evp.h>

#include <array>
#include <charconv>
#include <memory>
#include <string>
#include <string_view>

#include "audit_common.hpp"
#include "mynaq/error.hpp"
#include "mynaq/store.hpp"

namespace mynaq {

namespace store::detail {

namespace {

struct MdFree {
    void operator()(EVP_MD* md) const noexcept { EVP_MD_free(md); }
};
struct CtxFree {
    void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};

// Fetched once: an implicit fetch on every EVP_DigestInit costs a provider lookup, which
// shows when a million records are verified.
const EVP_MD* sha256() {
    static const std::unique_ptr<EVP_MD, MdFree> md(EVP_MD_fetch(nullptr, "SHA256", nullptr));
    if (!md) throw Error(Errc::Internal, "OpenSSL has no SHA-256");
    return md.get();
}

void append_field(std::string& out, std::string_view field) {
    std::array<char, 24> length{};
    const auto [end, ec] =
        std::to_chars(length.data(), length.data() + length.size(), field.size());
    out.append(length.data(), end);
    out += ':';
    out.append(field);
    out += '\n';
}

}  // namespace

void audit_hash_into(const AuditRecord& record, std::array<char, 64>& out) {
    // Reused per thread: verifying a chain hashes every record, and this keeps that free of
    // allocations once the buffer has grown to the longest record.
    thread_local std::string canonical;
    thread_local const std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
    if (!ctx) throw Error(Errc::Internal, "cannot allocate a digest context");

    std::array<char, 24> seq{};
    const auto [seq_end, ec] = std::to_chars(seq.data(), seq.data() + seq.size(), record.seq);
    canonical.clear();
    // Each field is length-prefixed, so no two different records serialise alike whatever
    // bytes (newlines, colons) the fields hold.
    append_field(canonical,
                 std::string_view(seq.data(), static_cast<std::size_t>(seq_end - seq.data())));
    append_field(canonical, record.at);
    append_field(canonical, record.operator_name);
    append_field(canonical, record.action);
    append_field(canonical, record.object);
    append_field(canonical, record.detail);
    append_field(canonical, record.prev_hash);

    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    if (EVP_DigestInit_ex2(ctx.get(), sha256(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx.get(), canonical.data(), canonical.size()) != 1 ||
        EVP_DigestFinal_ex(ctx.get(), digest.data(), &size) != 1 || size != 32) {
        throw Error(Errc::Internal, "SHA-256 of an audit record failed");
    }
    static constexpr std::string_view kHex = "0123456789abcdef";
    for (std::size_t i = 0; i < 32; ++i) {
        out[2 * i] = kHex[digest[i] >> 4];
        out[2 * i + 1] = kHex[digest[i] & 0x0f];
    }
}

}  // namespace store::detail

std::string audit_hash(const AuditRecord& record) {
    std::array<char, 64> hex{};
    store::detail::audit_hash_into(record, hex);
    return {hex.data(), hex.size()};
}

AuditVerification verify_audit_chain(const Store& store) {
    // The head is read before and after the walk, not with it in one snapshot, so that
    // terminals may keep writing during a verification: records committed meanwhile extend
    // the chain past the first head, and the second head can only be at or past the end.
    const AuditRecord head_before = store.audit_head();

    AuditVerification result;
    std::int64_t last_seq = 0;
    std::string last_hash(store::detail::kGenesisHash);
    std::array<char, 64> computed{};
    const auto fail = [&result](std::int64_t seq, const char* reason) {
        result.ok = false;
        result.first_bad_seq = seq;
        result.reason = reason;
    };

    store.for_each_audit([&](const AuditRecord& record) {
        ++result.records;
        const std::int64_t expected = last_seq + 1;
        if (record.seq != expected) {
            // A deleted record shows as a gap, an inserted one as a repeat: either way the
            // record that should be at `expected` is not.
            fail(expected, "sequence");
            return false;
        }
        if (record.prev_hash != last_hash) {
            fail(record.seq, "link");
            return false;
        }
        store::detail::audit_hash_into(record, computed);
        if (record.hash != std::string_view(computed.data(), computed.size())) {
            fail(record.seq, "hash");
            return false;
        }
        if (record.seq == head_before.seq && record.hash != head_before.hash) {
            fail(record.seq, "head");
            return false;
        }
        last_seq = record.seq;
        last_hash.assign(record.hash);
        return true;
    });
    if (!result.ok) return result;

    // Newest records deleted: the walk ended before the head recorded ahead of it.
    if (last_seq < head_before.seq) {
        fail(last_seq + 1, "head");
        return result;
    }
    // A record past the head was added without going through the store.
    const AuditRecord head_after = store.audit_head();
    if (head_after.seq < last_seq) {
        fail(head_after.seq + 1, "head");
    } else if (head_after.seq == last_seq && last_seq > 0 && head_after.hash != last_hash) {
        fail(last_seq, "head");
    }
    return result;
}

}  // namespace mynaq
