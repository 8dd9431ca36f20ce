// PINs and 照合番号 come from a no-echo prompt, stdin, or an environment variable named by a
// flag — never from argv.
#pragma once

#include <string>

#include "context.hpp"
#include "mynaq/bytes.hpp"

namespace mynaq::cli {

struct SecretSource {
    std::string env_var;  // --pin-env / --code-env
};

SecretString read_secret(const AppContext& context, std::string_view prompt_key,
                         const SecretSource& source);

}  // namespace mynaq::cli
