/*
 * A connection that stays right (issue 12) through the blocking client, against an emulator whose
 * connections change while the kept server runs: a cold start, a warm start from the last good
 * connection, failover after a reported failure, moving up when the LAN comes back, a loss and a
 * recovery, stop and free ending the rechecks (counted at the emulator) and the event callback, a
 * callback freeing its own kept server. Then the servers from a snapshot while
 * plex.tv is down (and an error without one, and never after a refused token).
 *
 * Events arrive on the driver's thread; the test waits for each with a generous timeout and
 * asserts on what happened, never on how fast (valgrind is slow).
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support.h"

#define SERVER "Living Room"
/* How long to wait for anything the kept server does: far more than it ever takes. */
#define WAIT_MS 30000u

static const char *url;
static pthread_t main_thread;
static const plexlink_client *client;
static char token[1024];
static const plexlink_device *living_room;

/* The emulator's URI of each connection of Living Room. */
static char local_uri[256];
static char remote_uri[256];
static char relay_uri[256];

/* --- what the event callback saw ------------------------------------------------------------ */

typedef struct {
    plexlink_kept_event_kind kind;
    plexlink_kept_reason why;
    char old_uri[256]; /* "" for none */
    char new_uri[256]; /* "" for none */
    plexlink_tier tier;
} seen_event;

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    seen_event events[64];
    unsigned count;
    int silenced;       /* set once stop or free returned: a callback after that fails the test */
    int late_calls;     /* callbacks after `silenced` */
    /* For the callback that frees its own kept server. */
    const plexlink_kept_server *self;
    int free_self_on_move_up;
    int freed_self;
} recorder;

static void recorder_init(recorder *rec) {
    memset(rec, 0, sizeof *rec);
    pthread_mutex_init(&rec->lock, NULL);
    pthread_cond_init(&rec->cond, NULL);
}

static void recorder_destroy(recorder *rec) {
    pthread_mutex_destroy(&rec->lock);
    pthread_cond_destroy(&rec->cond);
}

static const char *reason_name(plexlink_kept_reason why) {
    switch (why) {
    case PLEXLINK_KEPT_REASON_STARTED: return "started";
    case PLEXLINK_KEPT_REASON_WARM_START: return "warm_start";
    case PLEXLINK_KEPT_REASON_FAILOVER: return "failover";
    case PLEXLINK_KEPT_REASON_MOVED_UP: return "moved_up";
    case PLEXLINK_KEPT_REASON_NETWORK_CHANGED: return "network_changed";
    case PLEXLINK_KEPT_REASON_RECOVERED: return "recovered";
    default: return "?";
    }
}

static void copy_or_empty(char *to, size_t len, const char *from) { snprintf(to, len, "%s", from != NULL ? from : ""); }

/* The event callback: checks what every event says, and records it. */
static void on_event(void *userdata, const plexlink_kept_event *event) {
    recorder *rec = userdata;
    const plexlink_connect_result *outcome = plexlink_kept_event_outcome(event);
    seen_event seen;
    int free_self = 0;

    CHECK(!pthread_equal(pthread_self(), main_thread));
    memset(&seen, 0, sizeof seen);
    seen.kind = plexlink_kept_event_get_kind(event);
    seen.why = plexlink_kept_event_why(event);
    seen.tier = plexlink_kept_event_new_tier(event);
    copy_or_empty(seen.old_uri, sizeof seen.old_uri, plexlink_kept_event_old_uri(event));
    copy_or_empty(seen.new_uri, sizeof seen.new_uri, plexlink_kept_event_new_uri(event));
    CHECK_STR(plexlink_kept_event_why_name(event), reason_name(seen.why));
    CHECK(outcome != NULL);
    CHECK_STR(plexlink_device_name(plexlink_connect_result_device(outcome)), SERVER);
    if (seen.kind == PLEXLINK_KEPT_EVENT_KIND_CHANGED) {
        CHECK(plexlink_kept_event_new_uri(event) != NULL);
        CHECK_STR(plexlink_connect_result_uri(outcome), seen.new_uri);
    } else {
        CHECK(seen.kind == PLEXLINK_KEPT_EVENT_KIND_LOST);
        CHECK(plexlink_kept_event_new_uri(event) == NULL);
        CHECK(plexlink_connect_result_uri(outcome) == NULL);
    }

    pthread_mutex_lock(&rec->lock);
    if (rec->silenced) rec->late_calls++;
    CHECK(rec->count < 64);
    rec->events[rec->count++] = seen;
    if (rec->free_self_on_move_up && seen.why == PLEXLINK_KEPT_REASON_MOVED_UP) {
        /* The handle is set once plexlink_client_keep has returned; wait for it. */
        while (rec->self == NULL) pthread_cond_wait(&rec->cond, &rec->lock);
        free_self = 1;
    }
    pthread_cond_broadcast(&rec->cond);
    pthread_mutex_unlock(&rec->lock);

    if (free_self) {
        /* From its own callback: returns at once (no wait for this very callback). */
        plexlink_kept_server_free(rec->self);
        pthread_mutex_lock(&rec->lock);
        rec->freed_self = 1;
        pthread_cond_broadcast(&rec->cond);
        pthread_mutex_unlock(&rec->lock);
    }
}

/* Waits (at most WAIT_MS) until the recorder holds more than `index` events; returns that one. */
static seen_event wait_event(recorder *rec, unsigned index) {
    uint64_t deadline = now_ms() + WAIT_MS;
    seen_event seen;
    pthread_mutex_lock(&rec->lock);
    while (rec->count <= index && now_ms() < deadline) cond_wait_slice(&rec->cond, &rec->lock);
    if (rec->count <= index) {
        pthread_mutex_unlock(&rec->lock);
        fprintf(stderr, "\nFAILED: no event %u within %u ms\n", index, WAIT_MS);
        exit(1);
    }
    seen = rec->events[index];
    pthread_mutex_unlock(&rec->lock);
    return seen;
}

/* The next CHANGED event from `*next` on (LOST ones are skipped). */
static seen_event next_change(recorder *rec, unsigned *next) {
    for (;;) {
        seen_event seen = wait_event(rec, (*next)++);
        if (seen.kind == PLEXLINK_KEPT_EVENT_KIND_CHANGED) return seen;
    }
}

static unsigned event_count(recorder *rec) {
    unsigned n;
    pthread_mutex_lock(&rec->lock);
    n = rec->count;
    pthread_mutex_unlock(&rec->lock);
    return n;
}

/* Marks the recorder silenced (stop or free has returned) and checks no callback runs after. */
static void silenced(recorder *rec) {
    pthread_mutex_lock(&rec->lock);
    rec->silenced = 1;
    pthread_mutex_unlock(&rec->lock);
}

/* --- helpers -------------------------------------------------------------------------------- */

/* Short rechecks and retries, and a grace window long enough that the remote connection (300 ms
 * slow) always beats the relay, however slow the client runs. */
static plexlink_keep_options keep_options(recorder *rec) {
    plexlink_keep_options options = plexlink_keep_options_default();
    options.policy.race.probe_timeout_ms = 3000;
    options.policy.race.grace_ms = 1500;
    options.policy.warm_window_ms = 10000;
    options.policy.recheck_interval_ms = 300;
    options.policy.recheck_max_ms = 600;
    options.policy.retry_max_ms = 2000;
    options.on_event = on_event;
    options.userdata = rec;
    return options;
}

/* The kept server's current connection must be `uri` on `tier`. */
static void check_current(const plexlink_kept_server *kept, const char *uri, plexlink_tier tier) {
    char *current = NULL;
    plexlink_tier current_tier = (plexlink_tier)77;
    CHECK_OK(plexlink_kept_server_current(kept, &current, &current_tier));
    CHECK_STR(current, uri);
    CHECK(current_tier == tier);
    plexlink_string_free(current);
}

static void set_behaviour(const char *connection, const char *json) {
    emu_set_behaviour(url, SERVER, connection, json);
}

/* Every connection of Living Room back as the scenario has it. */
static void restore_living_room(void) {
    set_behaviour("local", "{\"kind\":\"good\"}");
    set_behaviour("local-dead", "{\"kind\":\"dead\"}");
    set_behaviour("local-blackhole", "{\"kind\":\"blackhole\"}");
    set_behaviour("local-wrong-id", "{\"kind\":\"wrong_id\"}");
    set_behaviour("remote-slow", "{\"kind\":\"slow\",\"ms\":300}");
    set_behaviour("relay", "{\"kind\":\"good\"}");
}

/* Waits until the recheck count of `connection` has grown by `by` (at most WAIT_MS). */
static void wait_for_rechecks(const char *connection, uint64_t by) {
    uint64_t start = emu_tcp_connections(url, SERVER, connection);
    uint64_t deadline = now_ms() + WAIT_MS;
    while (emu_tcp_connections(url, SERVER, connection) < start + by) {
        CHECK(now_ms() < deadline);
        sleep_ms(100);
    }
}

/*
 * After a stop: once probes already out have landed (the count holds still for a while), no more
 * come, over many recheck intervals.
 */
static void check_no_more_rechecks(const char *connection) {
    uint64_t before = emu_tcp_connections(url, SERVER, connection);
    uint64_t after;
    int tries;
    for (tries = 0; tries < 20; tries++) {
        sleep_ms(1000);
        after = emu_tcp_connections(url, SERVER, connection);
        if (after == before) break;
        before = after;
    }
    CHECK(tries < 20);
    sleep_ms(3000); /* five recheck intervals and more: the driver would have probed again */
    CHECK(emu_tcp_connections(url, SERVER, connection) == before);
}

/* --- the kept server ------------------------------------------------------------------------ */

static void cold_start(void) {
    recorder rec;
    plexlink_keep_options options;
    const plexlink_kept_server *kept = NULL;
    plexlink_connect_result *outcome = NULL;
    seen_event first;

    test_step("keep: a cold start races; the first event is told before keep returns");
    recorder_init(&rec);
    options = keep_options(&rec);
    CHECK_OK(plexlink_client_keep(client, living_room, &options, &kept));
    CHECK(event_count(&rec) >= 1);
    first = wait_event(&rec, 0);
    CHECK(first.kind == PLEXLINK_KEPT_EVENT_KIND_CHANGED);
    CHECK(first.why == PLEXLINK_KEPT_REASON_STARTED);
    CHECK_STR(first.old_uri, "");
    CHECK_STR(first.new_uri, local_uri);
    CHECK(first.tier == PLEXLINK_TIER_LOCAL);
    check_current(kept, local_uri, PLEXLINK_TIER_LOCAL);
    CHECK_OK(plexlink_kept_server_last_outcome(kept, &outcome));
    CHECK_STR(plexlink_connect_result_uri(outcome), local_uri);
    CHECK(plexlink_connect_result_candidates_len(outcome) == plexlink_device_connections_len(living_room));
    plexlink_connect_result_free(outcome);

    test_step("keep: a network change races again; the same connection wins, nothing to tell");
    CHECK_OK(plexlink_kept_server_network_changed(kept));
    check_current(kept, local_uri, PLEXLINK_TIER_LOCAL);
    plexlink_kept_server_free(kept);
    silenced(&rec);
    CHECK(rec.late_calls == 0);
    recorder_destroy(&rec);
}

static void warm_start(void) {
    recorder rec;
    plexlink_keep_options options;
    const plexlink_kept_server *kept = NULL;
    seen_event seen;
    unsigned next = 0;

    test_step("keep: a warm start takes the last good connection (the relay), then moves up to the LAN");
    recorder_init(&rec);
    options = keep_options(&rec);
    options.last_good = relay_uri;
    CHECK_OK(plexlink_client_keep(client, living_room, &options, &kept));
    seen = next_change(&rec, &next);
    CHECK(seen.why == PLEXLINK_KEPT_REASON_WARM_START);
    CHECK_STR(seen.new_uri, relay_uri);
    CHECK(seen.tier == PLEXLINK_TIER_RELAY);
    seen = next_change(&rec, &next);
    CHECK(seen.why == PLEXLINK_KEPT_REASON_MOVED_UP);
    CHECK_STR(seen.old_uri, relay_uri);
    CHECK_STR(seen.new_uri, local_uri);
    CHECK(seen.tier == PLEXLINK_TIER_LOCAL);
    check_current(kept, local_uri, PLEXLINK_TIER_LOCAL);
    plexlink_kept_server_free(kept);
    silenced(&rec);
    recorder_destroy(&rec);
}

static void failover_and_move_up(void) {
    recorder rec;
    plexlink_keep_options options;
    const plexlink_kept_server *kept = NULL;
    seen_event seen;
    unsigned next;
    int i;

    test_step("keep: the LAN dies, the app reports it: failover to the best tier left (remote)");
    recorder_init(&rec);
    options = keep_options(&rec);
    CHECK_OK(plexlink_client_keep(client, living_room, &options, &kept));
    next = event_count(&rec);
    check_current(kept, local_uri, PLEXLINK_TIER_LOCAL);
    set_behaviour("local", "{\"kind\":\"dead\"}");
    for (i = 0; i < 5; i++) CHECK_OK(plexlink_kept_server_report_failure(kept)); /* one race for all */
    seen = next_change(&rec, &next);
    CHECK(seen.why == PLEXLINK_KEPT_REASON_FAILOVER);
    CHECK_STR(seen.old_uri, local_uri);
    CHECK_STR(seen.new_uri, remote_uri);
    CHECK(seen.tier == PLEXLINK_TIER_REMOTE);
    check_current(kept, remote_uri, PLEXLINK_TIER_REMOTE);

    test_step("keep: the LAN comes back: a recheck moves up to it");
    set_behaviour("local", "{\"kind\":\"good\"}");
    seen = next_change(&rec, &next);
    CHECK(seen.why == PLEXLINK_KEPT_REASON_MOVED_UP);
    CHECK_STR(seen.old_uri, remote_uri);
    CHECK_STR(seen.new_uri, local_uri);
    check_current(kept, local_uri, PLEXLINK_TIER_LOCAL);
    plexlink_kept_server_free(kept);
    silenced(&rec);
    CHECK(rec.late_calls == 0);
    recorder_destroy(&rec);
}

static void lost_and_recovered(void) {
    static const char *all[] = {"local", "local-dead", "local-blackhole", "local-wrong-id", "remote-slow", "relay"};
    recorder rec;
    plexlink_keep_options options;
    const plexlink_kept_server *kept = NULL;
    plexlink_connect_result *race = NULL;
    char *uri = NULL;
    plexlink_tier tier = (plexlink_tier)77;
    seen_event seen;
    unsigned next = 0;
    size_t i;

    test_step("keep: no connection answers: LOST, current says NO_CONNECTION and keeps the race");
    for (i = 0; i < sizeof all / sizeof all[0]; i++) set_behaviour(all[i], "{\"kind\":\"dead\"}");
    recorder_init(&rec);
    options = keep_options(&rec);
    CHECK_OK(plexlink_client_keep(client, living_room, &options, &kept));
    seen = wait_event(&rec, next++);
    CHECK(seen.kind == PLEXLINK_KEPT_EVENT_KIND_LOST);
    CHECK(seen.why == PLEXLINK_KEPT_REASON_STARTED);
    CHECK_STR(seen.new_uri, "");
    CHECK_CODE(plexlink_kept_server_current(kept, &uri, &tier), PLEXLINK_RESULT_NO_CONNECTION);
    CHECK(uri == NULL && tier == (plexlink_tier)77);
    CHECK(plexlink_last_error_code() == PLEXLINK_RESULT_NO_CONNECTION);
    CHECK_OK(plexlink_last_error_connect_result(&race));
    CHECK(check_lost_race(race, living_room) == plexlink_device_connections_len(living_room));
    plexlink_connect_result_free(race);

    test_step("keep: the relay comes back: the kept server recovers on its own");
    set_behaviour("relay", "{\"kind\":\"good\"}");
    seen = next_change(&rec, &next);
    CHECK(seen.why == PLEXLINK_KEPT_REASON_RECOVERED);
    CHECK_STR(seen.old_uri, "");
    CHECK_STR(seen.new_uri, relay_uri);
    check_current(kept, relay_uri, PLEXLINK_TIER_RELAY);
    plexlink_kept_server_free(kept);
    silenced(&rec);
    recorder_destroy(&rec);
    restore_living_room();
}

/* Settled on the remote with every LAN connection refusing or answering as another server: the
 * driver rechecks the LAN often (each recheck connects to local-wrong-id once), and quickly. */
static const plexlink_kept_server *rechecking(recorder *rec) {
    plexlink_keep_options options = keep_options(rec);
    const plexlink_kept_server *kept = NULL;
    set_behaviour("local", "{\"kind\":\"dead\"}");
    set_behaviour("local-blackhole", "{\"kind\":\"dead\"}");
    CHECK_OK(plexlink_client_keep(client, living_room, &options, &kept));
    check_current(kept, remote_uri, PLEXLINK_TIER_REMOTE);
    wait_for_rechecks("local-wrong-id", 3);
    return kept;
}

/* The driver ends within moments of a stop: waited for, bounded (a loaded machine is slow,
 * never this slow). */
static void wait_until_stopped(const plexlink_kept_server *kept) {
    int i;
    for (i = 0; i < 300 && plexlink_kept_server_is_running(kept); i++) {
        sleep_ms(50);
    }
    CHECK(!plexlink_kept_server_is_running(kept));
}

static void stop_and_free_end_the_rechecks(void) {
    recorder rec;
    const plexlink_kept_server *kept;
    unsigned events;

    test_step("keep: stop ends the rechecks (counted at the emulator) and the callbacks");
    recorder_init(&rec);
    kept = rechecking(&rec);
    CHECK(plexlink_kept_server_is_running(kept));
    CHECK_OK(plexlink_kept_server_stop(kept));
    silenced(&rec);
    wait_until_stopped(kept);
    events = event_count(&rec);
    CHECK_OK(plexlink_kept_server_stop(kept)); /* any number of times */
    CHECK_OK(plexlink_kept_server_report_failure(kept));
    CHECK_OK(plexlink_kept_server_network_changed(kept));
    set_behaviour("local", "{\"kind\":\"good\"}"); /* a driver still running would move up */
    check_no_more_rechecks("local-wrong-id");
    test_step("keep: after stop, the last state is still there, and nothing more was told");
    check_current(kept, remote_uri, PLEXLINK_TIER_REMOTE);
    CHECK(event_count(&rec) == events && rec.late_calls == 0);
    plexlink_kept_server_free(kept);
    recorder_destroy(&rec);

    test_step("keep: free alone ends the rechecks and the callbacks");
    recorder_init(&rec);
    kept = rechecking(&rec);
    plexlink_kept_server_free(kept);
    silenced(&rec);
    events = event_count(&rec);
    check_no_more_rechecks("local-wrong-id");
    CHECK(event_count(&rec) == events && rec.late_calls == 0);
    recorder_destroy(&rec);
    restore_living_room();
}

static void callback_frees_its_kept_server(void) {
    recorder rec;
    plexlink_keep_options options;
    const plexlink_kept_server *kept = NULL;
    uint64_t deadline = now_ms() + WAIT_MS;

    test_step("keep: the event callback frees its own kept server (no deadlock, nothing after)");
    recorder_init(&rec);
    rec.free_self_on_move_up = 1;
    options = keep_options(&rec);
    options.last_good = relay_uri; /* warm start, then a MOVED_UP from the driver */
    CHECK_OK(plexlink_client_keep(client, living_room, &options, &kept));
    pthread_mutex_lock(&rec.lock);
    rec.self = kept;
    pthread_cond_broadcast(&rec.cond);
    while (!rec.freed_self && now_ms() < deadline) {
        pthread_mutex_unlock(&rec.lock);
        sleep_ms(50);
        pthread_mutex_lock(&rec.lock);
    }
    CHECK(rec.freed_self);
    rec.silenced = 1;
    pthread_mutex_unlock(&rec.lock);
    recorder_destroy(&rec);
}

static void invalid_policy(void) {
    plexlink_keep_options options = plexlink_keep_options_default();
    const plexlink_kept_server *kept = NULL;

    test_step("keep: an unusable policy keeps nothing");
    options.policy.recheck_interval_ms = 0;
    CHECK_CODE(plexlink_client_keep(client, living_room, &options, &kept), PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK(strstr(last_error(), "recheck_interval") != NULL);
    options = plexlink_keep_options_default();
    options.policy.race.allow_http = 9;
    CHECK_CODE(plexlink_client_keep(client, living_room, &options, &kept), PLEXLINK_RESULT_INVALID_PARAMETER);
    options = plexlink_keep_options_default();
    options.last_good = "\xff not UTF-8";
    CHECK_CODE(plexlink_client_keep(client, living_room, &options, &kept), PLEXLINK_RESULT_INVALID_UTF8);
    CHECK(kept == NULL);
}

/* --- the servers while plex.tv is down ------------------------------------------------------ */

static const plexlink_device *living_room_of(const plexlink_server_list *list) {
    return find_device(plexlink_server_list_servers(list), SERVER);
}

static void offline(void) {
    plexlink_server_list *list = NULL;
    plexlink_server_list *none = NULL;
    plexlink_resources_snapshot *snapshot = NULL;
    plexlink_resources_snapshot *junk = NULL;
    plexlink_connect_result *connected = NULL;
    const plexlink_task *task = NULL;
    plexlink_result result = PLEXLINK_RESULT_PENDING;
    char *json = NULL;
    char *again = NULL;
    char server_token[512];
    int64_t now = (int64_t)time(NULL);

    test_step("offline: with plex.tv up, the servers and a snapshot to keep");
    CHECK_OK(plexlink_client_servers_or_snapshot(client, token, NULL, &list));
    CHECK(plexlink_server_list_offline(list) == PLEXLINK_RESULT_OK);
    CHECK_STR(plexlink_server_list_offline_message(list), "");
    snprintf(server_token, sizeof server_token, "%s", plexlink_device_access_token(living_room_of(list)));
    CHECK(strlen(server_token) > 0);
    CHECK(plexlink_server_list_snapshot(list) != NULL);
    CHECK(plexlink_resources_snapshot_taken_at(plexlink_server_list_snapshot(list)) >= now - 60);
    CHECK(plexlink_resources_snapshot_taken_at(plexlink_server_list_snapshot(list)) <= now + 60);
    CHECK_OK(plexlink_resources_snapshot_to_json(plexlink_server_list_snapshot(list), &json));
    CHECK(strstr(json, "\"version\":1") != NULL);
    plexlink_server_list_free(list);
    list = NULL;

    test_step("offline: the stored text reads back; junk and other versions are refused");
    CHECK_OK(plexlink_resources_snapshot_from_json(json, &snapshot));
    CHECK_OK(plexlink_resources_snapshot_to_json(snapshot, &again));
    CHECK_STR(again, json);
    CHECK_CODE(plexlink_resources_snapshot_from_json("{\"version\":2}", &junk), PLEXLINK_RESULT_DECODE);
    CHECK_CODE(plexlink_resources_snapshot_from_json("not json", &junk), PLEXLINK_RESULT_DECODE);
    CHECK(junk == NULL);

    test_step("offline: plex.tv down (connections closed unanswered): the servers of the snapshot");
    emu_plex_tv_down(url, "{\"mode\":\"refuse\"}");
    CHECK_OK(plexlink_client_servers_or_snapshot(client, token, snapshot, &list));
    CHECK(plexlink_server_list_offline(list) == PLEXLINK_RESULT_NETWORK);
    CHECK(strlen(plexlink_server_list_offline_message(list)) > 0);
    CHECK(strstr(plexlink_server_list_offline_message(list), token) == NULL);
    CHECK_STR(plexlink_device_access_token(living_room_of(list)), server_token);
    CHECK(plexlink_resources_snapshot_taken_at(plexlink_server_list_snapshot(list)) ==
          plexlink_resources_snapshot_taken_at(snapshot));

    test_step("offline: its servers are still reached (the servers are up)");
    CHECK_OK(plexlink_client_connect(client, living_room_of(list), &connected));
    CHECK_STR(plexlink_connect_result_uri(connected), local_uri);
    plexlink_connect_result_free(connected);
    plexlink_server_list_free(list);
    list = NULL;

    test_step("offline: plex.tv down without a snapshot: the call's error, nothing written");
    CHECK_CODE(plexlink_client_servers_or_snapshot(client, token, NULL, &none), PLEXLINK_RESULT_NETWORK);
    CHECK(none == NULL);

    test_step("offline: plex.tv answering 503: the snapshot, HTTP_STATUS the reason");
    emu_plex_tv_down(url, "{\"mode\":\"503\"}");
    CHECK_OK(plexlink_client_servers_or_snapshot(client, token, snapshot, &list));
    CHECK(plexlink_server_list_offline(list) == PLEXLINK_RESULT_HTTP_STATUS);
    living_room_of(list);
    plexlink_server_list_free(list);
    list = NULL;

    test_step("offline: as a task");
    CHECK_OK(plexlink_task_servers_or_snapshot(client, token, snapshot, NULL, NULL, &task));
    CHECK_OK(plexlink_task_wait(task, WAIT_MS, &result));
    CHECK_OK(result);
    CHECK_OK(plexlink_task_take_server_list(task, &list));
    CHECK(plexlink_server_list_offline(list) == PLEXLINK_RESULT_HTTP_STATUS);
    plexlink_server_list_free(list);
    list = NULL;
    plexlink_task_free(task);

    test_step("offline: a refused token is never served from the snapshot");
    emu_plex_tv_up(url);
    CHECK_CODE(plexlink_client_servers_or_snapshot(client, "not-a-token", snapshot, &none), PLEXLINK_RESULT_UNAUTHORIZED);
    CHECK(none == NULL);

    test_step("offline: plex.tv back: its answer again");
    CHECK_OK(plexlink_client_servers_or_snapshot(client, token, snapshot, &list));
    CHECK(plexlink_server_list_offline(list) == PLEXLINK_RESULT_OK);
    CHECK(plexlink_resources_snapshot_taken_at(plexlink_server_list_snapshot(list)) >=
          plexlink_resources_snapshot_taken_at(snapshot));
    plexlink_server_list_free(list);

    plexlink_string_free(again);
    plexlink_string_free(json);
    plexlink_resources_snapshot_free(snapshot);
}

int main(int argc, char **argv) {
    const plexlink_client_config *config = NULL;
    plexlink_account *account = NULL;
    plexlink_device_list *devices = NULL;

    url = emulator_url(argc, argv);
    main_thread = pthread_self();
    printf("test_kept against %s\n", url);
    make_client(url, "c-tests-kept", &config, &client);
    CHECK_OK(plexlink_client_sign_in(client, "alice", "alice-password", NULL, &account));
    snprintf(token, sizeof token, "%s", plexlink_account_auth_token(account));
    plexlink_account_free(account);
    CHECK_OK(plexlink_client_servers(client, token, &devices));
    living_room = find_device(devices, SERVER);
    emu_connection_uri(url, SERVER, "local", local_uri, sizeof local_uri);
    emu_connection_uri(url, SERVER, "remote-slow", remote_uri, sizeof remote_uri);
    emu_connection_uri(url, SERVER, "relay", relay_uri, sizeof relay_uri);

    cold_start();
    warm_start();
    failover_and_move_up();
    lost_and_recovered();
    stop_and_free_end_the_rechecks();
    callback_frees_its_kept_server();
    invalid_policy();
    offline();

    plexlink_device_list_free(devices);
    plexlink_client_free(client);
    plexlink_client_config_free(config);
    printf("test_kept: ok\n");
    return 0;
}
