// mc_open: the configuration payload. Each input opens (and closes) a store of
// its own, so that nothing carries over from one input to the next.
//
// A configuration names files, and the fuzzer must not create or read files
// anywhere it likes: a "store_path" string is redirected to a fresh file in
// the temporary directory, and a "workflow_file" string to a copy of the
// built-in workflow (when it ends in ".json") or to a file that does not exist,
// every path string under "extensions" to one that does not exist (the fuzzer
// must not load shared libraries it finds on the machine), and a "keys" object
// naming a file to the process's key ring file.
// Only inputs that nlohmann::json parses to an object with such a member are
// rewritten (and re-serialised); every other input reaches mc_open unchanged.
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "fuzz_support.h"
#include "resources.h"

using namespace meldcode::fuzz;
using nlohmann::json;

namespace {

const std::string& builtin_workflow() {
    static const std::string path = [] {
        const std::string file = temp_dir() + "/builtin-workflow.json";
        const auto text = meldcode::resources::get("workflow.json");
        std::ofstream(file, std::ios::binary).write(text.data(), std::streamsize(text.size()));
        return file;
    }();
    return path;
}

bool ends_with(const std::string& text, const std::string& tail) {
    return text.size() >= tail.size() &&
           text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

std::string redirect(const std::string& input, const std::string& store) {
    const std::string text(input.c_str());  // what the library sees: up to the first NUL
    json doc = json::parse(text, nullptr, false);
    if (!doc.is_object()) return text;
    bool rewritten = false;
    const auto store_path = doc.find("store_path");
    if (store_path != doc.end() && store_path->is_string() &&
        !store_path->get_ref<const std::string&>().empty()) {
        *store_path = store;
        rewritten = true;
    }
    const auto keys = doc.find("keys");
    if (keys != doc.end() && keys->is_object() && keys->contains("file")) {
        *keys = keys_config();
        rewritten = true;
    }
    const auto workflow = doc.find("workflow_file");
    if (workflow != doc.end() && workflow->is_string() &&
        !workflow->get_ref<const std::string&>().empty()) {
        *workflow = ends_with(workflow->get<std::string>(), ".json")
                        ? builtin_workflow()
                        : temp_dir() + "/no-such-workflow.json";
        rewritten = true;
    }
    const auto extensions = doc.find("extensions");
    if (extensions != doc.end() && extensions->is_object()) {
        for (auto& list : *extensions) {
            if (!list.is_array()) continue;
            for (auto& path : list) {
                if (path.is_string()) path = temp_dir() + "/no-such-extension";
            }
        }
        rewritten = true;
    }
    return rewritten ? doc.dump(-1, ' ', false, json::error_handler_t::replace) : text;
}

// A ticket to try the configuration's prompt rules on.
constexpr const char* kTicket =
    R"({"host_ticket_id": "WO-1", "unit_id": "VHE-1", "work_type": "reparatie",)"
    R"( "entered_dwelling": true, "technician_id": "tech-0042",)"
    R"( "closed_at": "2026-11-25T09:30:00Z"})";

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    builtin_workflow();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string store = temp_dir() + "/open.db";
    const std::string config = redirect(payload(data, size), store);

    static int sentinel;
    mc_instance* mc = reinterpret_cast<mc_instance*>(&sentinel);
    const mc_status status = mc_open(config.c_str(), &mc);
    check_result("mc_open", status, false, nullptr);
    if (status != MC_OK) {
        if (mc != nullptr) fail("mc_open", "the instance is not NULL after a failure");
        remove_store(store);
        return 0;
    }
    if (mc == nullptr) fail("mc_open", "MC_OK without an instance");

    // The configuration in use: prompt rules, default locale.
    checked_call("mc_ticket_closed",
                 [&](char** out) { return mc_ticket_closed(mc, kIntegration, kTicket, out); });
    checked_call("mc_catalog_get", [&](char** out) { return mc_catalog_get(mc, nullptr, out); });

    check_result("mc_close", mc_close(mc), false, nullptr);
    remove_store(store);
    return 0;
}
