// submission_streamer CONFIG [START [COUNT]]
//
// A host that submits signals in a loop, keys key-START, key-START+1, ...,
// until it is killed (or COUNT submissions are done). It acknowledges a
// submission by writing "KEY SUBMISSION_REF\n" to stdout only after
// mc_signals_submit returned MC_OK, and flushes at once: a line the crash test
// has read is a promise the plugin made, exactly as a host would pass the
// receipt on to its ticket. Errors go to stderr and end it with status 1, so
// the test can tell a failure from the SIGKILL it sends.
#include <cstdio>
#include <exception>
#include <memory>
#include <string>

#include "meldcode/meldcode.hpp"
#include "streamed_submission.h"

int main(int argc, char** argv) {
    if (argc < 2 || argc > 4) {
        std::fprintf(stderr, "usage: %s CONFIG [START [COUNT]]\n", argv[0]);
        return 64;
    }
    try {
        const long long start = argc > 2 ? std::stoll(argv[2]) : 0;
        const long long count = argc > 3 ? std::stoll(argv[3]) : 1000000;
        const auto plugin = std::make_shared<const meldcode::sdk::Plugin>(MELDCODE_PLUGIN_PATH);
        const meldcode::sdk::Instance mc(plugin, meldcode::crash::read_config(argv[1]));
        const std::string actor = meldcode::crash::actor().dump();
        for (long long n = start; n < start + count; ++n) {
            const std::string payload = meldcode::crash::submission(n).dump();
            std::string receipt;
            if (mc.call_raw(plugin->api().signals_submit, actor.c_str(), payload.c_str(),
                            receipt) != MC_OK) {
                plugin->last_error("mc_signals_submit failed");
            }
            const std::string ref = nlohmann::json::parse(receipt).at("submission_ref");
            // One write per line (far below PIPE_BUF): the reader sees a whole
            // acknowledgement or none of it.
            const std::string line = meldcode::crash::key(n) + " " + ref + "\n";
            if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size() ||
                std::fflush(stdout) != 0) {
                std::fprintf(stderr, "submission_streamer: cannot write to stdout\n");
                return 1;
            }
        }
    } catch (const meldcode::sdk::Error& e) {
        std::fprintf(stderr, "submission_streamer: %s (%s)\n", e.what(), e.code().c_str());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "submission_streamer: %s\n", e.what());
        return 1;
    }
    return 0;
}
