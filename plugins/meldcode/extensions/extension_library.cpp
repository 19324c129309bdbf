#include "extensions/extension_library.h"

#include <cstddef>

#include <nlohmann/json.hpp>

#include "core/errors.h"

namespace meldcode {
namespace {

Error refused(const std::string& code, const std::string& why) {
    return Error(MC_E_VERSION, code, why);
}

std::string version_text(std::uint32_t v) {
    return std::to_string(v >> 16) + "." + std::to_string(v & 0xffffu);
}

// The v1 members end here; an extension built for a later minor version
// appends members after them, which this host does not read.
constexpr std::size_t kV1Size = offsetof(mc_extension_v1, prompt_rule) + sizeof(void*);

const mc_extension_v1* describe(const boost::dll::shared_library& library) {
    if (!library.has(MC_EXTENSION_ENTRY_SYMBOL)) {
        throw refused("missing_entry_point",
                      "the library does not export " MC_EXTENSION_ENTRY_SYMBOL);
    }
    const auto entry =
        library.get<int(std::uint32_t, const mc_extension_v1**)>(MC_EXTENSION_ENTRY_SYMBOL);
    const mc_extension_v1* extension = nullptr;
    const int status = entry(MC_EXTENSION_ABI_VERSION, &extension);
    if (status == MC_EXTENSION_E_VERSION) {
        throw refused("extension_abi_mismatch",
                      "the extension refused this plugin's extension ABI " +
                          version_text(MC_EXTENSION_ABI_VERSION));
    }
    if (status != MC_EXTENSION_OK || extension == nullptr) {
        throw refused("invalid_extension",
                      MC_EXTENSION_ENTRY_SYMBOL " failed with status " + std::to_string(status));
    }
    // The version first: a struct of another major version may be laid out differently.
    if ((extension->abi_version >> 16) != MC_EXTENSION_ABI_VERSION_MAJOR) {
        throw refused("extension_abi_mismatch",
                      "extension built for extension ABI " + version_text(extension->abi_version) +
                          "; this plugin implements " + version_text(MC_EXTENSION_ABI_VERSION));
    }
    if (extension->struct_size < kV1Size || extension->pack_json == nullptr) {
        throw refused("invalid_extension", "the extension's description is incomplete");
    }
    return extension;
}

}  // namespace

std::shared_ptr<ExtensionLibrary> ExtensionLibrary::load(const std::string& path) {
    boost::dll::shared_library library;
    try {
        // rtld_local: two extensions' symbols never mix; rtld_now: a missing
        // symbol is found here, not in the middle of a request.
        library.load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
    } catch (const std::exception& e) {
        throw refused("not_loadable", std::string("cannot load the library: ") + e.what());
    }
    const mc_extension_v1* extension = describe(library);
    return std::shared_ptr<ExtensionLibrary>(new ExtensionLibrary(std::move(library), extension));
}

std::string ExtensionLibrary::pack_text() const {
    const char* text = extension_->pack_json();
    if (text == nullptr) throw refused("invalid_extension", "the extension gave no catalog pack");
    return text;
}

bool ExtensionLibrary::asks(const TicketClosed& t) const {
    nlohmann::json ticket{
        {"host_ticket_id", t.host_ticket_id}, {"unit_id", t.unit_id},
        {"work_type", t.work_type},           {"entered_dwelling", t.entered_dwelling},
        {"technician_id", t.technician_id},   {"closed_at", format_timestamp(t.closed_at)}};
    if (t.household_ref) ticket["household_ref"] = *t.household_ref;
    if (t.locale) ticket["locale"] = *t.locale;
    return extension_->prompt_rule(ticket.dump().c_str()) == MC_EXTENSION_ASK;
}

}  // namespace meldcode
