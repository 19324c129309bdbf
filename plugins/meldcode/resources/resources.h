// Files compiled into the plugin (cmake/EmbedFiles.cmake): the JSON Schemas,
// the default workflow definition and the built-in signal catalog.
#pragma once

#include <cstddef>
#include <string_view>

namespace meldcode::resources {

struct File {
    const char* name;
    const char* data;
    std::size_t size;
};

extern const File kFiles[];
extern const std::size_t kFileCount;

// The file's bytes; throws std::out_of_range for an unknown name.
std::string_view get(std::string_view name);

}  // namespace meldcode::resources
