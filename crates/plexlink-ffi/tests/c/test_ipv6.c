/*
 * IPv6 candidates next to IPv4 ones (issue 12), through the public C API, against an emulator
 * started with --dual-stack ("Dual Stack", owned by alice: `local` on 127.0.0.1 and `local-v6`
 * on [::1], both https plex.direct). scripts/test-c.sh runs it only where the machine has an
 * IPv6 loopback.
 *
 * The race: both candidates probed, the IPv4 one ranked before the IPv6 one, the IPv6 one named
 * by the eight-group plex.direct label (no brackets) with the address ::1. Which one wins a race
 * of two good ones depends on timing and is never asserted. Then the IPv4 one dead: connect
 * chooses the IPv6 one, and a kept server on the IPv4 one fails over to it.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support.h"

#define SERVER "Dual Stack"
/* How long to wait for anything the kept server does: far more than it ever takes. */
#define WAIT_MS 30000u

static const char *url;
static const plexlink_client *client;
static const plexlink_device *dual_stack;
static char v4_uri[256];
static char v6_uri[256];

/* A client for the emulator that trusts its certificate authority (GET /_emulator/ca). */
static void make_trusting_client(const plexlink_client_config **config_out) {
    char ca_url[512];
    test_response r;
    plexlink_client_config_builder *builder = NULL;

    snprintf(ca_url, sizeof ca_url, "%s_emulator/ca", url);
    CHECK(http_exchange(ca_url, "GET", NULL, 0, NULL, 0, &r) == 0);
    CHECK(r.status == 200 && r.body != NULL && strstr(r.body, "BEGIN CERTIFICATE") != NULL);
    CHECK_OK(plexlink_client_config_builder_new("plexlink C tests", "c-tests-ipv6", &builder));
    CHECK_OK(plexlink_client_config_builder_set_plex_url(builder, url));
    CHECK_OK(plexlink_client_config_builder_set_version(builder, "0.1"));
    CHECK_OK(plexlink_client_config_builder_set_timeout_ms(builder, 10000));
    CHECK_OK(plexlink_client_config_builder_add_root_certificate_pem(builder, (const uint8_t *)r.body, r.body_len));
    CHECK_OK(plexlink_client_config_builder_build(builder, config_out));
    CHECK_OK(plexlink_client_new(*config_out, &client));
    test_response_free(&r);
}

static void set_behaviour(const char *connection, const char *json) { emu_set_behaviour(url, SERVER, connection, json); }

/* The race's two candidates: IPv4 first, then IPv6, as the emulator advertises them. */
static void check_candidates(const plexlink_connect_result *result) {
    const plexlink_candidate *v4;
    const plexlink_candidate *v6;
    CHECK(plexlink_connect_result_candidates_len(result) == 2);
    CHECK(plexlink_connect_result_skipped_len(result) == 0);
    v4 = plexlink_connect_result_candidate_get(result, 0);
    v6 = plexlink_connect_result_candidate_get(result, 1);

    CHECK(!plexlink_candidate_ipv6(v4));
    CHECK_STR(plexlink_candidate_uri(v4), v4_uri);
    CHECK(starts_with(plexlink_candidate_uri(v4), "https://127-0-0-1."));
    CHECK_STR(plexlink_connection_address(plexlink_candidate_connection(v4)), "127.0.0.1");
    CHECK(!plexlink_connection_ipv6(plexlink_candidate_connection(v4)));

    CHECK(plexlink_candidate_ipv6(v6));
    CHECK_STR(plexlink_candidate_uri(v6), v6_uri);
    CHECK(starts_with(plexlink_candidate_uri(v6), "https://0-0-0-0-0-0-0-1."));
    CHECK(strstr(plexlink_candidate_uri(v6), ".plex.direct:") != NULL);
    CHECK(strchr(plexlink_candidate_uri(v6), '[') == NULL);
    CHECK_STR(plexlink_connection_address(plexlink_candidate_connection(v6)), "::1");
    CHECK(plexlink_connection_ipv6(plexlink_candidate_connection(v6)));

    CHECK(plexlink_candidate_tier(v4) == PLEXLINK_TIER_LOCAL && plexlink_candidate_tier(v6) == PLEXLINK_TIER_LOCAL);
    CHECK(plexlink_candidate_secure(v4) && plexlink_candidate_secure(v6));
    CHECK(!plexlink_candidate_http_twin(v4) && !plexlink_candidate_http_twin(v6));
}

static void race(void) {
    plexlink_connect_result *result = NULL;
    const plexlink_candidate *winner = NULL;
    size_t i;

    test_step("race: both raced, IPv4 ranked before IPv6, the IPv6 one the eight-group plex.direct name of ::1");
    CHECK_OK(plexlink_client_connect(client, dual_stack, &result));
    check_candidates(result);
    for (i = 0; i < 2; i++) {
        const plexlink_candidate *c = plexlink_connect_result_candidate_get(result, i);
        switch (plexlink_candidate_result(c)) {
        case PLEXLINK_PROBE_RESULT_WON:
            CHECK(winner == NULL);
            winner = c;
            break;
        case PLEXLINK_PROBE_RESULT_ANSWERED:
        case PLEXLINK_PROBE_RESULT_ABANDONED:
            break; /* the loser: either may be, as timing has it */
        default:
            fprintf(stderr, "candidate %zu: %s\n", i, plexlink_candidate_description(c));
            CHECK(!"a good candidate neither won, answered nor was abandoned");
        }
    }
    CHECK(winner != NULL);
    CHECK_STR(plexlink_connect_result_uri(result), plexlink_candidate_uri(winner));
    CHECK_STR(plexlink_connection_address(plexlink_connect_result_connection(result)),
              plexlink_candidate_ipv6(winner) ? "::1" : "127.0.0.1");
    printf("    (this time %s won)\n", plexlink_candidate_ipv6(winner) ? "IPv6" : "IPv4");
    plexlink_connect_result_free(result);

    test_step("race: the IPv4 one dead: connect chooses the IPv6 one");
    set_behaviour("local", "{\"kind\":\"dead\"}");
    CHECK_OK(plexlink_client_connect(client, dual_stack, &result));
    check_candidates(result);
    CHECK_STR(plexlink_connect_result_uri(result), v6_uri);
    CHECK_STR(plexlink_connection_address(plexlink_connect_result_connection(result)), "::1");
    CHECK(plexlink_connection_ipv6(plexlink_connect_result_connection(result)));
    CHECK(plexlink_candidate_result(plexlink_connect_result_candidate_get(result, 0)) == PLEXLINK_PROBE_RESULT_FAILED);
    CHECK(plexlink_candidate_error(plexlink_connect_result_candidate_get(result, 0)) != PLEXLINK_RESULT_OK);
    CHECK(plexlink_candidate_result(plexlink_connect_result_candidate_get(result, 1)) == PLEXLINK_PROBE_RESULT_WON);
    plexlink_connect_result_free(result);
    set_behaviour("local", "{\"kind\":\"good\"}");
}

/* --- the kept server ------------------------------------------------------------------------ */

typedef struct {
    plexlink_kept_event_kind kind;
    plexlink_kept_reason why;
    char old_uri[256];
    char new_uri[256];
} seen_event;

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    seen_event events[64];
    unsigned count;
} recorder;

static void on_event(void *userdata, const plexlink_kept_event *event) {
    recorder *rec = userdata;
    seen_event seen;
    const char *old_uri = plexlink_kept_event_old_uri(event);
    const char *new_uri = plexlink_kept_event_new_uri(event);
    memset(&seen, 0, sizeof seen);
    seen.kind = plexlink_kept_event_get_kind(event);
    seen.why = plexlink_kept_event_why(event);
    snprintf(seen.old_uri, sizeof seen.old_uri, "%s", old_uri != NULL ? old_uri : "");
    snprintf(seen.new_uri, sizeof seen.new_uri, "%s", new_uri != NULL ? new_uri : "");
    pthread_mutex_lock(&rec->lock);
    CHECK(rec->count < 64);
    rec->events[rec->count++] = seen;
    pthread_cond_broadcast(&rec->cond);
    pthread_mutex_unlock(&rec->lock);
}

/* The next CHANGED event from `*next` on (LOST ones skipped), waiting at most WAIT_MS. */
static seen_event next_change(recorder *rec, unsigned *next) {
    uint64_t deadline = now_ms() + WAIT_MS;
    seen_event seen;
    pthread_mutex_lock(&rec->lock);
    for (;;) {
        while (rec->count <= *next && now_ms() < deadline) cond_wait_slice(&rec->cond, &rec->lock);
        if (rec->count <= *next) {
            pthread_mutex_unlock(&rec->lock);
            fprintf(stderr, "\nFAILED: no event %u within %u ms\n", *next, WAIT_MS);
            exit(1);
        }
        seen = rec->events[(*next)++];
        if (seen.kind == PLEXLINK_KEPT_EVENT_KIND_CHANGED) break;
    }
    pthread_mutex_unlock(&rec->lock);
    return seen;
}

static void check_current(const plexlink_kept_server *kept, const char *uri) {
    char *current = NULL;
    plexlink_tier tier = (plexlink_tier)77;
    CHECK_OK(plexlink_kept_server_current(kept, &current, &tier));
    CHECK_STR(current, uri);
    CHECK(tier == PLEXLINK_TIER_LOCAL);
    plexlink_string_free(current);
}

static void kept_failover(void) {
    recorder rec;
    plexlink_keep_options options = plexlink_keep_options_default();
    const plexlink_kept_server *kept = NULL;
    seen_event seen;
    unsigned next = 0;

    test_step("keep: the IPv6 one dead at first: the kept server is on the IPv4 one");
    memset(&rec, 0, sizeof rec);
    pthread_mutex_init(&rec.lock, NULL);
    pthread_cond_init(&rec.cond, NULL);
    options.policy.race.probe_timeout_ms = 3000;
    options.policy.recheck_interval_ms = 300;
    options.policy.recheck_max_ms = 600;
    options.policy.retry_max_ms = 2000;
    options.on_event = on_event;
    options.userdata = &rec;
    set_behaviour("local-v6", "{\"kind\":\"dead\"}");
    CHECK_OK(plexlink_client_keep(client, dual_stack, &options, &kept));
    seen = next_change(&rec, &next);
    CHECK(seen.why == PLEXLINK_KEPT_REASON_STARTED);
    CHECK_STR(seen.new_uri, v4_uri);
    check_current(kept, v4_uri);

    test_step("keep: the IPv6 one back, the IPv4 one dead, a failure reported: failover to the IPv6 URI");
    set_behaviour("local-v6", "{\"kind\":\"good\"}");
    set_behaviour("local", "{\"kind\":\"dead\"}");
    CHECK_OK(plexlink_kept_server_report_failure(kept));
    seen = next_change(&rec, &next);
    CHECK(seen.why == PLEXLINK_KEPT_REASON_FAILOVER);
    CHECK_STR(seen.old_uri, v4_uri);
    CHECK_STR(seen.new_uri, v6_uri);
    check_current(kept, v6_uri);

    plexlink_kept_server_free(kept);
    pthread_mutex_destroy(&rec.lock);
    pthread_cond_destroy(&rec.cond);
    set_behaviour("local", "{\"kind\":\"good\"}");
}

int main(int argc, char **argv) {
    const plexlink_client_config *config = NULL;
    plexlink_account *account = NULL;
    plexlink_device_list *devices = NULL;
    char token[1024];

    url = emulator_url(argc, argv);
    printf("test_ipv6 against %s\n", url);
    make_trusting_client(&config);
    CHECK_OK(plexlink_client_sign_in(client, "alice", "alice-password", NULL, &account));
    snprintf(token, sizeof token, "%s", plexlink_account_auth_token(account));
    plexlink_account_free(account);
    CHECK_OK(plexlink_client_servers(client, token, &devices));
    dual_stack = find_device(devices, SERVER);
    CHECK(plexlink_device_connections_len(dual_stack) == 2);
    emu_connection_uri(url, SERVER, "local", v4_uri, sizeof v4_uri);
    emu_connection_uri(url, SERVER, "local-v6", v6_uri, sizeof v6_uri);

    race();
    kept_failover();

    plexlink_device_list_free(devices);
    plexlink_client_free(client);
    plexlink_client_config_free(config);
    printf("test_ipv6: ok\n");
    return 0;
}
