// A store that runs out of room for real: the writing process gets a file-size limit
// (RLIMIT_FSIZE), so the kernel refuses the write (EFBIG) exactly as on a full filesystem.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <set>
#include <string>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "mynaq/error.hpp"
#include "mynaq/store.hpp"

using namespace mynaq;
namespace fs = std::filesystem;

namespace {

CheckRecord big_check(int n) {
    CheckRecord r;
    r.checked_at = "2026-11-30T09:00:00+09:00";
    r.facility = "1312345678";
    r.source = "query";
    r.name = fmt::format("患者{}", n);
    r.raw_xml = std::string(50'000, 'x');  // a large result, as 一括照会 rows can carry
    return r;
}

}  // namespace

TEST_CASE("store disk full under a file-size limit is a StoreError and loses nothing committed") {
    std::string pattern = (fs::temp_directory_path() / "mynaq-full-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    const fs::path dir = pattern;
    const fs::path path = dir / "mynaq.db";
    {
        auto store = open_sqlite_store({path, 5'000});
        store->add_check(big_check(0));
    }
    int ids[2];
    REQUIRE(::pipe(ids) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(ids[0]);
        // Room for a few more checks, then every write fails with EFBIG.
        const rlim_t limit = static_cast<rlim_t>(fs::file_size(path)) + 400'000;
        const rlimit r{limit, limit};
        (void)std::signal(SIGXFSZ, SIG_IGN);
        if (::setrlimit(RLIMIT_FSIZE, &r) != 0) _exit(5);
        try {
            auto store = open_sqlite_store({path, 5'000});
            for (int n = 1; n < 10'000; ++n) {
                const std::int64_t id = store->add_check(big_check(n));
                if (::write(ids[1], &id, sizeof id) != sizeof id) _exit(6);
            }
            _exit(4);  // never ran out of room
        } catch (const Error& e) {
            _exit(e.code() == Errc::StoreError ? 0 : 3);
        } catch (...) {
            _exit(2);
        }
    }
    ::close(ids[1]);
    std::set<std::int64_t> committed;
    std::int64_t id = 0;
    while (::read(ids[0], &id, sizeof id) == sizeof id) committed.insert(id);
    ::close(ids[0]);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(committed.size() >= 1);

    // Without the limit the store opens, holds every committed check, and its chain is whole.
    auto store = open_sqlite_store({path, 5'000});
    for (const auto c : committed) CHECK(store->check(c).has_value());
    CHECK(store->check(1).has_value());
    const auto verification = verify_audit_chain(*store);
    CHECK(verification.ok);
    CHECK(static_cast<std::size_t>(verification.records) == committed.size() + 1);
    // And it takes writes again once there is room.
    CHECK(store->add_check(big_check(99)) > 0);
    store.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
}
