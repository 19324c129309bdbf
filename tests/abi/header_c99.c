/* Compiled as C99 by the build: proves meldcode.h is plain C. */
#include "meldcode/meldcode.h"

static void on_notification(void* user_data, const char* notification_json) {
    (void)user_data;
    (void)notification_json;
}

int meldcode_header_is_c99(void);
int meldcode_header_is_c99(void) {
    mc_notify_fn fn = on_notification;
    mc_error error = {MC_OK, "", "", ""};
    (void)fn;
    return (int)error.status + (int)sizeof(mc_instance*);
}
