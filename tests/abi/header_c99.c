/* Compiled as C99 by the build: proves meldcode.h and meldcode_extension.h are plain C. */
#include "meldcode/meldcode.h"
#include "meldcode/meldcode_extension.h"

static void on_notification(void* user_data, const char* notification_json) {
    (void)user_data;
    (void)notification_json;
}

int meldcode_header_is_c99(void);
int meldcode_header_is_c99(void) {
    mc_notify_fn fn = on_notification;
    mc_error error = {MC_OK, "", "", ""};
    mc_extension_v1 extension = {sizeof(mc_extension_v1), MC_EXTENSION_ABI_VERSION, "c99", NULL,
                                 NULL};
    mc_extension_entry_fn entry = NULL;
    (void)fn;
    (void)entry;
    return (int)error.status + (int)sizeof(mc_instance*) + (int)extension.struct_size;
}
