// mc_open with "workflow_file": the workflow definition a sector variant loads
// (schemas/workflow.schema.json) is a payload too, read from the file the
// configuration names. The input is that file's content; each input opens a
// store of its own, and a definition that loads is put to work: a concern is
// created on it and fetched (its states, labels and allowed actions).
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "fuzz_support.h"

using namespace meldcode::fuzz;
using nlohmann::json;

namespace {

constexpr const char* kSubmission =
    R"({"ticket": {"host_ticket_id": "WO-1", "unit_id": "VHE-1"}, "idempotency_key": "k-1",)"
    R"( "signals": ["mc.home.holes_in_walls_or_doors"], "children_involved": "yes",)"
    R"( "acute": false})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string store = temp_dir() + "/workflow.db";
    const std::string workflow = temp_dir() + "/workflow.json";
    std::ofstream(workflow, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(data), std::streamsize(size));
    const json config{{"store_path", store},
                      {"keys", keys_config()},
                      {"workflow_file", workflow},
                      {"clock", {{"fixed", "2026-11-25T10:00:00Z"}}},
                      {"check_outputs", true}};

    mc_instance* mc = nullptr;
    const mc_status status = mc_open(config.dump().c_str(), &mc);
    check_result("mc_open", status, false, nullptr);
    if (status != MC_OK) {
        if (mc != nullptr) fail("mc_open", "the instance is not NULL after a failure");
        remove_store(store);
        return 0;
    }

    checked_call("mc_signals_submit",
                 [&](char** out) { return mc_signals_submit(mc, kIntegration, kSubmission, out); });
    std::string answer;
    std::string ref;
    const mc_status listed = checked_call(
        "mc_concerns_list", [&](char** out) { return mc_concerns_list(mc, kOfficer, "{}", out); },
        &answer);
    if (listed == MC_OK) {
        const json page = json::parse(answer);
        if (!page.at("items").empty()) ref = page.at("items").at(0).at("concern_ref");
    }
    if (!ref.empty()) {
        const std::string request = json{{"concern_ref", ref}}.dump();
        checked_call("mc_concern_get", [&](char** out) {
            return mc_concern_get(mc, kOfficer, request.c_str(), out);
        });
        checked_call("mc_steps_due", [&](char** out) { return mc_steps_due(mc, kOfficer, out); });
    }

    check_result("mc_close", mc_close(mc), false, nullptr);
    remove_store(store);
    return 0;
}
