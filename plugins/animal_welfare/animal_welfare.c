/*
 * animal_welfare — a meldcode extension: signals around pets and animal
 * cruelty, which often go together with domestic violence ("the Link"), and a
 * prompt rule that asks after every pest-control visit.
 *
 * Why these signals (sources in docs/extensions.md): partners who abuse often
 * threaten, hurt or kill the family's pets to frighten and control; children
 * who hurt animals have often seen or suffered violence themselves; victims
 * stay with an abuser out of fear for their pet; and animal hoarding goes with
 * self-neglect. A technician who sees an animal suffering may be looking at
 * the only visible sign of what happens to the people in the home. Animal
 * cruelty itself is reported to 144 (Red een Dier); the signals here are for
 * the meldcode officer, who decides what they mean for the people.
 */
#include <string.h>

#include "meldcode/meldcode_extension.h"

static const char kPack[] =
    "{\"id\": \"animals.link\", \"version\": \"1.0.0\","
    " \"title\": {\"nl\": \"Dieren en huiselijk geweld\", \"en\": \"Animals and domestic "
    "violence\"},"
    " \"categories\": ["
    "  {\"id\": \"animals.harm\","
    "   \"label\": {\"nl\": \"Mishandeling van dieren\", \"en\": \"Cruelty to animals\"},"
    "   \"signals\": ["
    "    {\"id\": \"animals.harm.untreated_injuries\", \"direct\": true, \"label\": {"
    "      \"nl\": \"Huisdier met letsel dat niet behandeld lijkt, zoals wonden, brandplekken of "
    "kreupel lopen\","
    "      \"en\": \"Pet with injuries that seem untreated, such as wounds, burns or limping\"}},"
    "    {\"id\": \"animals.harm.seen_or_heard\", \"direct\": true, \"label\": {"
    "      \"nl\": \"U ziet of hoort dat iemand een dier slaat, schopt of pijn doet\","
    "      \"en\": \"You see or hear someone hit, kick or hurt an animal\"}},"
    "    {\"id\": \"animals.harm.threats_to_pet\", \"direct\": true, \"label\": {"
    "      \"nl\": \"Bewoner vertelt dat een huisgenoot dreigt het huisdier iets aan te doen of "
    "weg te doen\","
    "      \"en\": \"Resident says a housemate threatens to hurt the pet or get rid of it\"}},"
    "    {\"id\": \"animals.harm.pet_afraid_of_person\", \"direct\": false, \"label\": {"
    "      \"nl\": \"Huisdier kruipt weg of krimpt ineen bij een bepaalde huisgenoot\","
    "      \"en\": \"Pet hides or cowers when a particular housemate is near\"}},"
    "    {\"id\": \"animals.harm.child_hurts_animal\", \"direct\": false, \"label\": {"
    "      \"nl\": \"Kind doet een dier opzettelijk pijn\","
    "      \"en\": \"Child deliberately hurts an animal\"}},"
    "    {\"id\": \"animals.harm.pet_gone_unexplained\", \"direct\": false, \"label\": {"
    "      \"nl\": \"Huisdier is plotseling dood of verdwenen en de uitleg klopt niet\","
    "      \"en\": \"Pet suddenly died or disappeared and the explanation does not add up\"}}"
    "   ]},"
    "  {\"id\": \"animals.care\","
    "   \"label\": {\"nl\": \"Verwaarlozing en opsluiting van dieren\","
    "               \"en\": \"Neglect and confinement of animals\"},"
    "   \"signals\": ["
    "    {\"id\": \"animals.care.locked_up\", \"direct\": true, \"label\": {"
    "      \"nl\": \"Dier opgesloten in een kooi, bench, kast of op het balkon, zonder ruimte, "
    "licht of water\","
    "      \"en\": \"Animal shut in a cage, crate, cupboard or on the balcony without room, light "
    "or water\"}},"
    "    {\"id\": \"animals.care.too_many_animals\", \"direct\": false, \"label\": {"
    "      \"nl\": \"Veel meer dieren dan de bewoner kan verzorgen\","
    "      \"en\": \"Far more animals than the resident can look after\"}},"
    "    {\"id\": \"animals.care.excrement_throughout_home\", \"direct\": false, \"label\": {"
    "      \"nl\": \"Uitwerpselen van dieren door de hele woning\","
    "      \"en\": \"Animal excrement throughout the home\"}},"
    "    {\"id\": \"animals.care.stays_for_the_pet\", \"direct\": false, \"label\": {"
    "      \"nl\": \"Bewoner zegt niet weg te kunnen of te durven uit angst voor wat er dan met "
    "het dier gebeurt\","
    "      \"en\": \"Resident says they cannot or dare not leave for fear of what would happen to "
    "the animal\"}}"
    "   ]}"
    " ]}";

static const char* pack_json(void) {
    return kPack;
}

/* Work-type codes of pest-control visits: those visitors see how animals are
 * kept. A corporation whose system uses other codes changes this list. */
static const char* const kPestControl[] = {"ongediertebestrijding", "pest_control"};

/* True when the ticket's "work_type" member is exactly `code`. The ticket is
 * JSON written by the plugin; a small scan is enough for one plain string. */
static int work_type_is(const char* ticket_json, const char* code) {
    const char* p = strstr(ticket_json, "\"work_type\"");
    size_t n = strlen(code);
    if (p == NULL) return 0;
    p += strlen("\"work_type\"");
    while (*p == ' ' || *p == ':') ++p;
    return *p == '"' && strncmp(p + 1, code, n) == 0 && p[1 + n] == '"';
}

static mc_extension_opinion prompt_rule(const char* ticket_json) {
    size_t i;
    for (i = 0; i < sizeof kPestControl / sizeof kPestControl[0]; ++i) {
        if (work_type_is(ticket_json, kPestControl[i])) return MC_EXTENSION_ASK;
    }
    return MC_EXTENSION_NO_OPINION;
}

static const mc_extension_v1 kExtension = {sizeof(mc_extension_v1), MC_EXTENSION_ABI_VERSION,
                                           "animal_welfare", pack_json, prompt_rule};

MC_EXTENSION_EXPORT int mc_extension_entry(uint32_t host_abi_version,
                                           const mc_extension_v1** extension) {
    if ((host_abi_version >> 16) != MC_EXTENSION_ABI_VERSION_MAJOR) return MC_EXTENSION_E_VERSION;
    *extension = &kExtension;
    return MC_EXTENSION_OK;
}
