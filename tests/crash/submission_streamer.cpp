// submission_streamer CONFIG [START [COUNT [THREADS]]]
//
// A host that submits signals in a loop, keys key-START, key-START+1, ...,
// until it is killed (or COUNT submissions are done). With THREADS (default
// 1), as many threads submit at once on one instance, thread t the keys
// START+t, START+t+THREADS, ...: their calls share commits. It acknowledges a
// submission by writing "KEY SUBMISSION_REF\n" to stdout only after
// mc_signals_submit returned MC_OK, and flushes at once: a line the crash test
// has read is a promise the plugin made, exactly as a host would pass the
// receipt on to its ticket. Errors go to stderr and end it with status 1, so
// the test can tell a failure from the SIGKILL it sends.
#include <atomic>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "meldcode/meldcode.hpp"
#include "streamed_submission.h"

namespace {

std::mutex stdout_mutex;

// Says on stderr what is being thrown.
void report() {
    try {
        throw;
    } catch (const meldcode::sdk::Error& e) {
        std::fprintf(stderr, "submission_streamer: %s (%s)\n", e.what(), e.code().c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "submission_streamer: %s\n", e.what());
    }
}

// Submits keys from, from+step, ... below end and acknowledges each; false
// after a failure (reported on stderr).
bool stream(const meldcode::sdk::Plugin& plugin, const meldcode::sdk::Instance& mc, long long from,
            long long end, long long step) {
    const std::string actor = meldcode::crash::actor().dump();
    try {
        for (long long n = from; n < end; n += step) {
            const std::string payload = meldcode::crash::submission(n).dump();
            std::string receipt;
            if (mc.call_raw(plugin.api().signals_submit, actor.c_str(), payload.c_str(), receipt) !=
                MC_OK) {
                plugin.last_error("mc_signals_submit failed");
            }
            const std::string ref = nlohmann::json::parse(receipt).at("submission_ref");
            // One write per line (far below PIPE_BUF), under stdout's lock:
            // the reader sees a whole acknowledgement or none of it.
            const std::string line = meldcode::crash::key(n) + " " + ref + "\n";
            std::lock_guard<std::mutex> lock(stdout_mutex);
            if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size() ||
                std::fflush(stdout) != 0) {
                std::fprintf(stderr, "submission_streamer: cannot write to stdout\n");
                return false;
            }
        }
    } catch (...) {
        report();
        return false;
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || argc > 5) {
        std::fprintf(stderr, "usage: %s CONFIG [START [COUNT [THREADS]]]\n", argv[0]);
        return 64;
    }
    try {
        const long long start = argc > 2 ? std::stoll(argv[2]) : 0;
        const long long count = argc > 3 ? std::stoll(argv[3]) : 1000000;
        const long long threads = argc > 4 ? std::stoll(argv[4]) : 1;
        const auto plugin = std::make_shared<const meldcode::sdk::Plugin>(MELDCODE_PLUGIN_PATH);
        const meldcode::sdk::Instance mc(plugin, meldcode::crash::read_config(argv[1]));
        std::atomic<bool> failed{false};
        std::vector<std::thread> streams;
        for (long long t = 0; t < threads; ++t) {
            streams.emplace_back([&, t] {
                if (!stream(*plugin, mc, start + t, start + count, threads)) failed = true;
            });
        }
        for (auto& thread : streams) thread.join();
        return failed ? 1 : 0;
    } catch (...) {
        report();
    }
    return 1;
}
