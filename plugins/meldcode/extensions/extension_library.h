// Adapter: one compiled extension (plugin_api/include/meldcode/meldcode_extension.h)
// loaded with Boost.DLL. It stays loaded as long as this object lives, which
// is as long as its prompt rule can be called.
#pragma once

#include <memory>
#include <string>

#include <boost/dll/shared_library.hpp>

#include "meldcode/meldcode_extension.h"
#include "ports/prompt_rule.h"

namespace meldcode {

class ExtensionLibrary final : public PromptRule {
public:
    // Loads the library and checks its entry point and extension ABI version.
    // Throws Error (MC_E_VERSION) with code not_loadable, missing_entry_point,
    // extension_abi_mismatch or invalid_extension.
    static std::shared_ptr<ExtensionLibrary> load(const std::string& path);

    // The extension's catalog pack, as the extension gave it (not yet checked).
    std::string pack_text() const;
    bool has_prompt_rule() const { return extension_->prompt_rule != nullptr; }
    bool asks(const TicketClosed& ticket) const override;

private:
    ExtensionLibrary(boost::dll::shared_library library, const mc_extension_v1* extension)
        : library_(std::move(library)), extension_(extension) {}

    boost::dll::shared_library library_;
    const mc_extension_v1* extension_;  // owned by the library
};

}  // namespace meldcode
