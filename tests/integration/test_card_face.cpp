// mynaq face --from-card on pcscd + vpcd: the virtual card carries a real portrait (a crop of
// NASA's portrait of Eileen Collins), read through 照合番号B and compared with the full
// portrait and with another person.
#include <doctest/doctest.h>

#include "rig.hpp"

using namespace mynaq;

namespace {

std::string test_image(const char* name) {
    return (std::filesystem::path(MYNAQ_TEST_DATADIR) / ".." / "tests" / "face" / "images" / name)
        .lexically_normal()
        .string();
}

ProcessOptions code_on_stdin(rig::Rig& rig) {
    ProcessOptions o;
    o.stdin_data = sim::verification_number_b(rig.card_config().holder) + "\n";
    return o;
}

}  // namespace

TEST_CASE("face verify --from-card: the card's photo matches its portrait, not another person") {
    rig::Rig rig;
    const auto same =
        rig.json({"face", "verify", "--from-card", "--live", test_image("astronaut.jpg")}, 0,
                 code_on_stdin(rig));
    CHECK(same["decision"] == "match");
    CHECK(same["card"]["width"] == 192);
    CHECK(same["card"]["faces"] == 1);
    const auto other =
        rig.json({"face", "verify", "--from-card", "--live", test_image("grace_hopper.jpg")}, 1,
                 code_on_stdin(rig));
    CHECK(other["decision"] == "no_match");
    // Two reads spent no try, and neither touched the 個人番号 nor 照合番号A.
    CHECK(rig.card().remaining_tries("surface", 0x0012) == 10);
    CHECK(rig::individual_number_reads(rig.log()).empty());
    for (const auto& e : rig.log()) {
        if (e.application == "surface") CHECK(e.ef != 0x0013);
    }
}

TEST_CASE(
    "face check --from-card: the card photo passes the card gates, and one try left is refused") {
    rig::Options o;
    o.verification_b_tries = 1;
    rig::Rig rig(o);
    const auto refused = rig.json({"face", "check", "--from-card"}, 77, code_on_stdin(rig));
    CHECK(refused["error"]["code"] == "PIN_LAST_TRY");
    CHECK(rig.card().remaining_tries("surface", 0x0012) == 1);
    const auto forced =
        rig.json({"face", "check", "--from-card", "--force"}, 0, code_on_stdin(rig));
    CHECK(forced["faces"] == 1);
    CHECK(forced["issues"].empty());
}
