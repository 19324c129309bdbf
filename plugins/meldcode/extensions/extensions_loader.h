// Adapter: loads the signal-category extensions named in the configuration
// (docs/extensions.md) into the catalog: the catalog packs in
// extensions.pack_dirs, then the compiled extensions in extensions.libraries.
// Whatever cannot be loaded is skipped and reported; the rest works.
#pragma once

#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/catalog.h"
#include "ports/prompt_rule.h"

namespace meldcode {

struct LoadedExtensions {
    nlohmann::json report;  // schemas/extensions.schema.json
    std::vector<std::shared_ptr<const PromptRule>> prompt_rules;
};

// `config` is the "extensions" member of the configuration (already
// schema-valid; null or absent: nothing to load). Never throws for a bad pack
// or library: each one becomes an entry of report.rejected.
LoadedExtensions load_extensions(const nlohmann::json& config, Catalog& catalog);

}  // namespace meldcode
