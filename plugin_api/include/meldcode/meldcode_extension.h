/*
 * meldcode_extension.h — the entry point of a compiled meldcode extension.
 *
 * An extension is a shared library that adds signal categories to the
 * catalog and may add a prompt rule ("always ask after a visit of type X").
 * The host names it in the configuration ("extensions": {"libraries": [...]})
 * and libmeldcode loads it at mc_open. The tutorial is docs/extensions.md.
 *
 * The contract is plain C99, versioned on its own (independent of
 * MC_ABI_VERSION) and modelled on SQLite's and libgit2's:
 *  - the library exports one function, mc_extension_entry(), which gets the
 *    extension ABI version of the host and hands back a pointer to a
 *    description struct (mc_extension_v1);
 *  - the struct starts with its size and the extension ABI version it was
 *    built against; later minor versions only append members, so a host reads
 *    a member only when struct_size says it is there;
 *  - no C++ type, exception or allocation crosses the boundary: the struct
 *    and every string it gives are owned by the extension and must stay valid
 *    until the library is unloaded (static data is the natural choice);
 *    strings the host passes in are valid only during the call.
 *  - callbacks may be called from many threads at once and must not call
 *    into libmeldcode.
 *
 * Signal ids must stay stable: stored concerns keep them forever.
 */
#ifndef MELDCODE_MELDCODE_EXTENSION_H
#define MELDCODE_MELDCODE_EXTENSION_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define MC_EXTENSION_EXPORT __declspec(dllexport)
#else
#define MC_EXTENSION_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Extension ABI version, (major << 16) | minor: the major part changes only on
 * incompatible changes; the minor part grows when members are appended. */
#define MC_EXTENSION_ABI_VERSION_MAJOR 1
#define MC_EXTENSION_ABI_VERSION_MINOR 0
#define MC_EXTENSION_ABI_VERSION \
    ((uint32_t)((MC_EXTENSION_ABI_VERSION_MAJOR << 16) | MC_EXTENSION_ABI_VERSION_MINOR))

/* What a prompt rule says about a closed ticket. Values are stable. */
typedef enum mc_extension_opinion {
    MC_EXTENSION_NO_OPINION = 0, /* leave the decision to the configured rules */
    MC_EXTENSION_ASK = 1         /* ask the technician, also for a work type the
                                    configuration does not list (prompt_rules.work_types) */
} mc_extension_opinion;

/* Returns the extension's categories as a catalog pack: a JSON document
 * matching schemas/catalog.schema.json with "id", "version", "title" and
 * "categories" (no "prompt"). Every category and signal id starts with the
 * pack's namespace, the first segment of its "id". The string is owned by the
 * extension. */
typedef const char* (*mc_extension_pack_fn)(void);

/* Optional prompt rule: called with the closed ticket (schemas/ticket.schema.json)
 * when the configured rules would not ask only because of its work type. It
 * can never make the plugin ask twice for a ticket, ask a technician who
 * opted out, or ask after a visit that did not enter the dwelling. */
typedef mc_extension_opinion (*mc_extension_prompt_rule_fn)(const char* ticket_json);

typedef struct mc_extension_v1 {
    uint32_t struct_size; /* sizeof(mc_extension_v1) as the extension saw it */
    uint32_t abi_version; /* MC_EXTENSION_ABI_VERSION the extension was built against */
    const char* name;     /* a short name for messages, e.g. "animal_welfare" */
    mc_extension_pack_fn pack_json;
    mc_extension_prompt_rule_fn prompt_rule; /* NULL: no prompt rule */
} mc_extension_v1;

/* Return values of mc_extension_entry. */
#define MC_EXTENSION_OK 0
#define MC_EXTENSION_E_VERSION 1 /* the host's extension ABI is too old or too new */

/* The entry point every extension exports under this name. `host_abi_version`
 * is the MC_EXTENSION_ABI_VERSION the host was built with; an extension that
 * cannot work with it returns MC_EXTENSION_E_VERSION. On MC_EXTENSION_OK,
 * *extension points to the extension's description. */
typedef int (*mc_extension_entry_fn)(uint32_t host_abi_version, const mc_extension_v1** extension);
#define MC_EXTENSION_ENTRY_SYMBOL "mc_extension_entry"

MC_EXTENSION_EXPORT int mc_extension_entry(uint32_t host_abi_version,
                                           const mc_extension_v1** extension);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MELDCODE_MELDCODE_EXTENSION_H */
