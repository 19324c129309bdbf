#include "admin_cli.h"

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace meldcode::test {

AdminRun admin(const std::string& arguments) {
    static int runs = 0;
    const auto errors_path =
        std::filesystem::temp_directory_path() /
        ("meldcode-admin-" + std::to_string(::getpid()) + "-" + std::to_string(++runs) + ".err");
    const std::string command =
        std::string(MELDCODE_ADMIN_PATH) + " " + arguments + " 2>" + errors_path.string();
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string output;
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;)
        output.append(buffer, n);
    const int status = ::pclose(pipe);
    std::ifstream errors_file(errors_path);
    std::string errors{std::istreambuf_iterator<char>(errors_file), {}};
    std::filesystem::remove(errors_path);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output, errors};
}

std::string config_file(const StoreFixture& store) {
    std::string path = (store.dir() / "config.json").string();
    std::ofstream(path) << store.config().dump();
    return path;
}

}  // namespace meldcode::test
