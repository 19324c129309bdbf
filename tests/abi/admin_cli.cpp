#include "admin_cli.h"

#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>

namespace meldcode::test {

AdminRun admin(const std::string& arguments) {
    const std::string command = std::string(MELDCODE_ADMIN_PATH) + " " + arguments + " 2>/dev/null";
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string output;
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;)
        output.append(buffer, n);
    const int status = ::pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

std::string config_file(const StoreFixture& store) {
    std::string path = (store.dir() / "config.json").string();
    std::ofstream(path) << store.config().dump();
    return path;
}

}  // namespace meldcode::test
