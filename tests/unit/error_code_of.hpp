// The error code an action throws; fails the test when it throws none.
#pragma once

#include <doctest/doctest.h>

#include "mynaq/error.hpp"

namespace mynaq::test {

inline Errc error_code_of(const auto& action) {
    try {
        action();
    } catch (const Error& e) {
        return e.code();
    }
    FAIL("no mynaq::Error thrown");
    return Errc::Internal;
}

}  // namespace mynaq::test
