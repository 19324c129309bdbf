// What every fuzz target shares: the contract each C ABI call must keep
// whatever the input (checked with __builtin_trap() so that libFuzzer records
// the input), a store in a temporary directory, and a fixture of concerns,
// submissions and a prompt token the seeds can refer to.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "meldcode/meldcode.h"

namespace meldcode::fuzz {

// The officer, integration and observers the targets act as. The observer is
// the technician of the seed tickets, so that the seeds' prompt token is theirs.
extern const char* const kOfficer;
extern const char* const kIntegration;
extern const char* const kObserver;
// The records admin who purges.
extern const char* const kAdmin;
// The auditor who reads the audit trail.
extern const char* const kAuditor;

// A NUL-terminated copy of the fuzzer's bytes, as a host would pass them.
std::string payload(const std::uint8_t* data, std::size_t size);

// A directory of this process under $TMPDIR (or /tmp), removed at exit.
const std::string& temp_dir();

// The config's "keys" of every fuzz target: a key ring file in temp_dir(),
// made once per process with a fresh key.
const nlohmann::json& keys_config();

// Removes a store file and its -wal and -shm companions.
void remove_store(const std::string& path);

// Prints what went wrong with the call (and mc_last_error()) and traps, so
// that libFuzzer keeps the input.
[[noreturn]] void fail(const char* call, const std::string& what);

// Prints the call and traps when the result of a call breaks the C ABI
// contract: a known status; on failure mc_last_error() matches it with a
// non-empty code and message and a pointer that is "" or starts with '/', and
// nothing is returned; on success no error and JSON out. MC_E_INTERNAL ("a
// bug"), which includes an answer that breaks its own schema (the instances
// run with check_outputs), and MC_E_STORAGE on a healthy temporary store are
// findings too.
void check_result(const char* call, mc_status status, bool has_out, const char* out);

// Calls fn(out) with out pre-set to a sentinel, checks the result and frees
// out, keeping a copy in *answer when asked to.
template <typename Fn>
mc_status checked_call(const char* call, Fn&& fn, std::string* answer = nullptr) {
    static char sentinel;
    char* out = &sentinel;
    const mc_status status = fn(&out);
    // The library must always set the out-parameter (NULL on failure).
    if (out == &sentinel) fail(call, "the out-parameter was left untouched");
    check_result(call, status, true, out);
    if (answer != nullptr) answer->assign(out != nullptr ? out : "");
    mc_free(out);
    return status;
}

// The body of a target for a call that takes an actor and a payload: the
// input (placeholders substituted) as the payload of fn on the fixture's
// instance. A successful call counts as a change (see Fixture::changed).
using PayloadCall = mc_status (*)(mc_instance*, const char*, const char*, char**);
int fuzz_payload(const char* call, PayloadCall fn, const char* actor, const std::uint8_t* data,
                 std::size_t size, int change_limit);

// One open instance on a fresh store in temp_dir(), holding:
//   - one concern in each state of the built-in workflow;
//   - a prompt token issued to kObserver, and a submission of kObserver's and
//     one of another observer's.
// Inputs name them with placeholders that substitute() replaces by the real
// (random) references: the concern and submission references of the schema
// examples, and "c_<state>" padded with '0' to the 22 characters of a
// reference (e.g. "c_weighed000000000000000"). So the seeds reach the code
// behind the lookups, and a placeholder the fuzzer mutates is an unknown one.
class Fixture {
public:
    Fixture();
    ~Fixture();
    Fixture(const Fixture&) = delete;
    Fixture& operator=(const Fixture&) = delete;

    mc_instance* instance() const { return instance_; }

    // The input with every placeholder replaced by what it stands for.
    std::string substitute(std::string text) const;

    // Counts a call that changed concerns; after `limit` of them the fixture
    // starts over on a fresh store, so that chronologies (and with them every
    // answer) do not grow for as long as the fuzzer runs.
    void changed(int limit);

    // Placeholder -> the real reference or token in this store.
    const std::map<std::string, std::string>& references() const { return refs_; }

private:
    void build();
    void teardown();

    std::string store_path_;
    mc_instance* instance_ = nullptr;
    std::map<std::string, std::string> refs_;
    int generation_ = 0;
    int changes_ = 0;
};

// The process's fixture, built on first use (call it from LLVMFuzzerInitialize).
Fixture& fixture();

}  // namespace meldcode::fuzz
