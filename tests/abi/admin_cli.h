// Running meldcode-admin (host_adapters/cli) as an operator would, for tests
// of its subcommands against a store a fixture made.
#pragma once

#include <string>

#include "plugin_fixture.h"

namespace meldcode::test {

struct AdminRun {
    int exit_code;
    std::string output;  // standard output
    std::string errors;  // standard error
};

// Runs meldcode-admin with `arguments` (shell words) and waits for it.
AdminRun admin(const std::string& arguments);

// Writes the store's instance configuration (its current clock included) to
// a file in its directory, for --config; returns the file's path.
std::string config_file(const StoreFixture& store);

}  // namespace meldcode::test
