/* An out-of-tree C host built against the installed meldcode package: it
 * links libmeldcode directly, opens a store, reports a closed ticket, submits
 * signals on the prompt and checks the receipt. The configuration comes from
 * the command line (run_install_test.sh makes it). */
#include <meldcode/meldcode.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int fail(const char* what) {
    const mc_error* e = mc_last_error();
    fprintf(stderr, "%s: %s %s\n", what, e ? e->code : "?", e ? e->message : "");
    return 1;
}

/* Copies the string member `name` of a flat JSON text into `out` (ids only). */
static int member(const char* json, const char* name, char* out, size_t size) {
    char key[64];
    const char* start;
    const char* end;
    snprintf(key, sizeof key, "\"%s\":\"", name);
    start = strstr(json, key);
    if (start == NULL) return 0;
    start += strlen(key);
    end = strchr(start, '"');
    if (end == NULL || (size_t)(end - start) >= size) return 0;
    memcpy(out, start, (size_t)(end - start));
    out[end - start] = '\0';
    return 1;
}

int main(int argc, char** argv) {
    const char* technician = "{\"id\":\"t-1042\",\"role\":\"observer\"}";
    const time_t now = time(NULL);
    char closed_at[32];
    char ticket[512];
    mc_instance* mc = NULL;
    char* prompt = NULL;
    char* receipt = NULL;
    char token[1024];
    char submission[2048];
    char ref[256];
    int status;

    if (argc != 2) return fprintf(stderr, "usage: host CONFIG_JSON\n"), 2;
    /* Closed now: a ticket older than max_ticket_age_hours is not asked about. */
    strftime(closed_at, sizeof closed_at, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    snprintf(ticket, sizeof ticket,
             "{\"host_ticket_id\":\"WO-1\",\"unit_id\":\"VHE-000123\",\"work_type\":\"REP\","
             "\"entered_dwelling\":true,\"technician_id\":\"t-1042\",\"closed_at\":\"%s\"}",
             closed_at);
    if (mc_abi_check(MC_ABI_VERSION) != MC_OK) return fail("mc_abi_check");
    if (mc_open(argv[1], &mc) != MC_OK) return fail("mc_open");
    if (mc_ticket_closed(mc, technician, ticket, &prompt) != MC_OK) return fail("ticket_closed");
    status = member(prompt, "prompt_token", token, sizeof token);
    mc_free(prompt);
    if (!status) return fprintf(stderr, "no prompt token\n"), 1;
    snprintf(submission, sizeof submission,
             "{\"prompt_token\":\"%s\",\"idempotency_key\":\"install-0001\","
             "\"signals\":[\"mc.home.holes_in_walls_or_doors\"],\"observations\":\"(test)\","
             "\"children_involved\":\"unknown\",\"acute\":false}",
             token);
    if (mc_signals_submit(mc, technician, submission, &receipt) != MC_OK) return fail("submit");
    status = member(receipt, "submission_ref", ref, sizeof ref);
    mc_free(receipt);
    if (!status) return fprintf(stderr, "no submission_ref in the receipt\n"), 1;
    if (mc_close(mc) != MC_OK) return fail("mc_close");
    printf("receipt %s\n", ref);
    return 0;
}
