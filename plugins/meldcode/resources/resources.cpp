#include "resources.h"

#include <stdexcept>
#include <string>

namespace meldcode::resources {

std::string_view get(std::string_view name) {
    for (std::size_t i = 0; i < kFileCount; ++i) {
        if (name == kFiles[i].name) return {kFiles[i].data, kFiles[i].size};
    }
    throw std::out_of_range("no embedded resource " + std::string(name));
}

}  // namespace meldcode::resources
