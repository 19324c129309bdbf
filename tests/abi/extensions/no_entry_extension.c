/* A test library that is no meldcode extension: it does not export
 * mc_extension_entry and must be rejected with missing_entry_point. */
#include "meldcode/meldcode_extension.h"

MC_EXTENSION_EXPORT int not_an_extension(void);
MC_EXTENSION_EXPORT int not_an_extension(void) {
    return 0;
}
