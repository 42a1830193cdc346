/*
 * Tasks: the login story run on library threads, as a player with an event loop runs it. The
 * PIN is approved from the progress callback (on the task's thread); completion arrives through
 * the done callback on that thread; tasks are cancelled while waiting, freed while running and
 * freed from inside their own callback, and two tasks' callbacks free each other.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

static const char *url;
static pthread_t main_thread;

/* What the callbacks saw, guarded by a mutex; `done` is signalled by the done callback. */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t done_cond;
    unsigned progress_calls;
    unsigned done_calls;
    plexlink_result result;
    int progress_on_main;
    int done_on_main;
    uint64_t approve_pin_id; /* approved by the first progress report when non-zero */
    const plexlink_task *self_task; /* waited for from the progress callback when set */
    plexlink_result self_wait;
    char done_error[256];
    /* After NO_CONNECTION: plexlink_last_error_connect_result inside the done callback. */
    plexlink_result done_race;
    size_t done_race_candidates;
    int done_race_uri_null;
} seen_t;

static void seen_init(seen_t *seen) {
    memset(seen, 0, sizeof *seen);
    pthread_mutex_init(&seen->lock, NULL);
    pthread_cond_init(&seen->done_cond, NULL);
}

static void seen_destroy(seen_t *seen) {
    pthread_mutex_destroy(&seen->lock);
    pthread_cond_destroy(&seen->done_cond);
}

static void on_progress(void *userdata, const plexlink_wait_progress *progress) {
    seen_t *seen = userdata;
    uint64_t approve = 0;
    CHECK(progress->checks >= 1);
    pthread_mutex_lock(&seen->lock);
    seen->progress_calls++;
    if (pthread_equal(pthread_self(), main_thread)) seen->progress_on_main = 1;
    if (seen->progress_calls == 1) approve = seen->approve_pin_id;
    if (seen->self_task != NULL) {
        /* A task cannot wait for itself from its own callback: an error, not a deadlock. */
        plexlink_result r = PLEXLINK_RESULT_OK;
        seen->self_wait = plexlink_task_wait(seen->self_task, UINT64_MAX, &r);
    }
    pthread_mutex_unlock(&seen->lock);
    if (approve != 0) emu_approve_pin(url, approve, "alice");
}

static void on_done(void *userdata, const plexlink_task *task, plexlink_result result) {
    seen_t *seen = userdata;
    CHECK(task != NULL);
    CHECK(plexlink_task_is_finished(task));
    CHECK(plexlink_task_result(task) == result);
    pthread_mutex_lock(&seen->lock);
    seen->done_calls++;
    seen->result = result;
    if (pthread_equal(pthread_self(), main_thread)) seen->done_on_main = 1;
    if (result != PLEXLINK_RESULT_OK) {
        /* The task's error is this thread's last error inside the callback. */
        snprintf(seen->done_error, sizeof seen->done_error, "%s", last_error());
    }
    if (result == PLEXLINK_RESULT_NO_CONNECTION) {
        /* A connect's race comes with its error. */
        plexlink_connect_result *lost = NULL;
        seen->done_race = plexlink_last_error_connect_result(&lost);
        seen->done_race_candidates = plexlink_connect_result_candidates_len(lost);
        seen->done_race_uri_null = lost != NULL && plexlink_connect_result_uri(lost) == NULL;
        plexlink_connect_result_free(lost);
    }
    pthread_cond_broadcast(&seen->done_cond);
    pthread_mutex_unlock(&seen->lock);
}

static plexlink_result wait_done(seen_t *seen) {
    plexlink_result result;
    pthread_mutex_lock(&seen->lock);
    while (seen->done_calls == 0) pthread_cond_wait(&seen->done_cond, &seen->lock);
    result = seen->result;
    pthread_mutex_unlock(&seen->lock);
    return result;
}

/* Waits for a task without callbacks and returns its result. */
static plexlink_result finish(const plexlink_task *task) {
    plexlink_result result = PLEXLINK_RESULT_PANIC;
    CHECK_OK(plexlink_task_wait(task, UINT64_MAX, &result));
    return result;
}

static char *login(const plexlink_client *client) {
    seen_t seen;
    const plexlink_task *task = NULL;
    plexlink_pin *pin = NULL;
    plexlink_account *account = NULL;
    char *token = NULL;
    plexlink_wait_options options = plexlink_wait_options_default();

    test_step("task: create a PIN, completion through the done callback");
    seen_init(&seen);
    CHECK_OK(plexlink_task_create_pin(client, false, on_done, &seen, &task));
    CHECK_OK(wait_done(&seen));
    CHECK(seen.done_calls == 1 && !seen.done_on_main);
    CHECK_OK(plexlink_task_take_pin(task, &pin));
    CHECK(strlen(plexlink_pin_code(pin)) == 4);
    test_step("task: a value is taken once, and only as its own kind");
    CHECK_CODE(plexlink_task_take_pin(task, &pin), PLEXLINK_RESULT_WRONG_STATE);
    plexlink_task_free(task);
    seen_destroy(&seen);

    test_step("task: wait for the token; the progress callback approves the PIN");
    seen_init(&seen);
    seen.approve_pin_id = plexlink_pin_id(pin);
    options.interval_ms = 200;
    options.on_progress = on_progress;
    options.userdata = &seen;
    CHECK_OK(plexlink_task_wait_for_token(client, pin, &options, on_done, &seen, &task));
    CHECK_OK(wait_done(&seen));
    CHECK(seen.progress_calls >= 1 && !seen.progress_on_main && !seen.done_on_main);
    CHECK(seen.done_calls == 1);
    CHECK_CODE(plexlink_task_take_account(task, &account), PLEXLINK_RESULT_WRONG_STATE);
    CHECK_OK(plexlink_task_take_string(task, &token));
    CHECK(token != NULL && strlen(token) == 536);
    CHECK_STR(plexlink_task_error_message(task), "");
    plexlink_task_free(task);
    seen_destroy(&seen);
    plexlink_pin_free(pin);

    test_step("task: token details");
    CHECK_OK(plexlink_task_user(client, token, NULL, NULL, &task));
    CHECK_OK(finish(task));
    CHECK_OK(plexlink_task_take_account(task, &account));
    CHECK_STR(plexlink_account_username(account), "alice");
    plexlink_account_free(account);
    plexlink_task_free(task);
    return token;
}

static void servers(const plexlink_client *client, const char *token) {
    const plexlink_task *task = NULL;
    plexlink_device_list *list = NULL;
    plexlink_connect_result *connected = NULL;
    plexlink_identity *identity = NULL;
    const plexlink_device *living = NULL;
    plexlink_race_policy policy = plexlink_race_policy_default();
    char *transient = NULL;
    char source[256];

    test_step("task: resources and servers");
    CHECK_OK(plexlink_task_resources(client, token, NULL, NULL, &task));
    CHECK_OK(finish(task));
    CHECK_OK(plexlink_task_take_device_list(task, &list));
    CHECK(plexlink_device_list_len(list) >= 3);
    plexlink_device_list_free(list);
    plexlink_task_free(task);
    CHECK_OK(plexlink_task_servers(client, token, NULL, NULL, &task));
    CHECK_OK(finish(task));
    CHECK_OK(plexlink_task_take_device_list(task, &list));
    plexlink_task_free(task);
    living = find_device(list, "Living Room");

    test_step("task: connect_all");
    {
        plexlink_connect_result_list *all = NULL;
        CHECK_OK(plexlink_task_connect_all(client, list, &policy, NULL, NULL, &task));
        CHECK_OK(finish(task));
        CHECK_OK(plexlink_task_take_connect_result_list(task, &all));
        CHECK(plexlink_connect_result_list_len(all) == plexlink_device_list_len(list));
        CHECK(plexlink_connect_result_list_get(all, 0) != NULL);
        plexlink_connect_result_list_free(all);
        plexlink_task_free(task);
    }

    test_step("task: connect (the device is copied: the list is freed while it runs)");
    CHECK_OK(plexlink_task_connect(client, living, &policy, NULL, NULL, &task));
    snprintf(source, sizeof source, "server://%s", plexlink_device_client_identifier(living));
    plexlink_device_list_free(list);
    CHECK_OK(finish(task));
    CHECK_OK(plexlink_task_take_connect_result(task, &connected));
    CHECK_STR(plexlink_device_name(plexlink_connect_result_device(connected)), "Living Room");
    CHECK(starts_with(plexlink_connect_result_uri(connected), "http://127.0.0.1:"));
    plexlink_task_free(task);

    test_step("task: identity, transient token, source connection information");
    CHECK_OK(plexlink_task_identity(client, plexlink_connect_result_uri(connected), NULL, NULL, &task));
    CHECK_OK(finish(task));
    CHECK_OK(plexlink_task_take_identity(task, &identity));
    CHECK(strlen(plexlink_identity_machine_identifier(identity)) > 0);
    plexlink_identity_free(identity);
    plexlink_task_free(task);
    CHECK_OK(plexlink_task_transient_token(client, plexlink_connect_result_uri(connected),
                                           plexlink_connect_result_access_token(connected), NULL, NULL, &task));
    CHECK_OK(finish(task));
    CHECK_OK(plexlink_task_take_string(task, &transient));
    plexlink_task_free(task);
    CHECK_OK(plexlink_task_source_connection_info(client, plexlink_connect_result_uri(connected), transient, source,
                                                  NULL, NULL, &task));
    CHECK_OK(finish(task));
    CHECK_OK(plexlink_task_take_device_list(task, &list));
    CHECK(plexlink_device_list_len(list) >= 1);
    plexlink_device_list_free(list);
    plexlink_task_free(task);
    plexlink_string_free(transient);
    plexlink_connect_result_free(connected);

    test_step("task: ping, claim token, check a PIN");
    CHECK_OK(plexlink_task_ping(client, token, NULL, NULL, &task));
    CHECK_OK(finish(task));
    plexlink_task_free(task);
    CHECK_OK(plexlink_task_claim_token(client, token, NULL, NULL, &task));
    CHECK_OK(finish(task));
    CHECK_OK(plexlink_task_take_string(task, &transient));
    CHECK(starts_with(transient, "claim-"));
    plexlink_string_free(transient);
    plexlink_task_free(task);
    CHECK_OK(plexlink_task_check_pin(client, 999999999, NULL, NULL, &task));
    CHECK_CODE(finish(task), PLEXLINK_RESULT_PIN_EXPIRED);
    plexlink_task_free(task);
}

static void no_connection(const plexlink_client *client, const char *token) {
    seen_t seen;
    const plexlink_task *task = NULL;
    plexlink_device_list *list = NULL;
    plexlink_connect_result_list *all = NULL;
    plexlink_connect_result *connected = NULL;
    plexlink_connect_result *lost = NULL;
    const plexlink_device *living = NULL;
    plexlink_race_policy policy = plexlink_race_policy_default();
    size_t i;

    CHECK_OK(plexlink_client_servers(client, token, &list));
    living = find_device(list, "Living Room");
    emu_add_fault(url, "{\"path_prefix\":\"/identity\",\"kind\":{\"type\":\"status\",\"status\":503},\"times\":0}");
    policy.probe_timeout_ms = 1000;

    test_step("task: a connect that no connection answers: its race in the done callback");
    seen_init(&seen);
    CHECK_OK(plexlink_task_connect(client, living, &policy, on_done, &seen, &task));
    CHECK_CODE(wait_done(&seen), PLEXLINK_RESULT_NO_CONNECTION);
    CHECK_OK(seen.done_race);
    CHECK(seen.done_race_uri_null);
    CHECK(seen.done_race_candidates == plexlink_device_connections_len(living));

    test_step("task: ... and on the thread that takes the value, with the error");
    plexlink_last_error_clear();
    CHECK_CODE(plexlink_last_error_connect_result(&lost), PLEXLINK_RESULT_DONE);
    CHECK_CODE(plexlink_task_take_connect_result(task, &connected), PLEXLINK_RESULT_NO_CONNECTION);
    CHECK(connected == NULL);
    CHECK_OK(plexlink_last_error_connect_result(&lost));
    CHECK(check_lost_race(lost, living) == plexlink_device_connections_len(living));
    plexlink_connect_result_free(lost);
    plexlink_task_free(task);
    seen_destroy(&seen);

    test_step("task: connect_all, each unreachable server's race in the list");
    CHECK_OK(plexlink_task_connect_all(client, list, &policy, NULL, NULL, &task));
    CHECK_OK(finish(task));
    CHECK_OK(plexlink_task_take_connect_result_list(task, &all));
    plexlink_task_free(task);
    CHECK(plexlink_connect_result_list_len(all) == plexlink_device_list_len(list));
    for (i = 0; i < plexlink_connect_result_list_len(all); i++) {
        const plexlink_device *device = plexlink_device_list_get(list, i);
        lost = NULL;
        CHECK(plexlink_connect_result_list_error(all, i) == PLEXLINK_RESULT_NO_CONNECTION);
        CHECK_OK(plexlink_connect_result_list_error_result(all, i, &lost));
        CHECK(check_lost_race(lost, device) >= 1);
        plexlink_connect_result_free(lost);
    }
    plexlink_connect_result_list_free(all);
    emu_clear_faults(url);
    plexlink_device_list_free(list);
}

/* A server that echoes the token in its error: neither the done callback's last error, nor the
 * task's message, nor the last error after take shows it. */
static void echoed_secrets(const plexlink_client *client, const char *token) {
    seen_t seen;
    const plexlink_task *task = NULL;
    plexlink_account *account = NULL;
    char message[1024];

    test_step("task: a server that echoes the token: no error text shows it");
    snprintf(message, sizeof message, "token %s is not known", token);
    emu_add_error_fault(url, "/api/v2/user", 401, message);
    seen_init(&seen);
    CHECK_OK(plexlink_task_user(client, token, on_done, &seen, &task));
    CHECK_CODE(wait_done(&seen), PLEXLINK_RESULT_UNAUTHORIZED);
    CHECK(strstr(seen.done_error, "[redacted]") != NULL);
    CHECK(strstr(seen.done_error, token) == NULL);
    CHECK(strstr(plexlink_task_error_message(task), "is not known") != NULL);
    CHECK(strstr(plexlink_task_error_message(task), token) == NULL);
    CHECK_CODE(plexlink_task_take_account(task, &account), PLEXLINK_RESULT_UNAUTHORIZED);
    CHECK(account == NULL);
    CHECK(strstr(last_error(), "[redacted]") != NULL && strstr(last_error(), token) == NULL);
    plexlink_task_free(task);
    seen_destroy(&seen);
    emu_clear_faults(url);
}

static void accounts(const plexlink_client *client) {
    seen_t seen;
    const plexlink_task *task = NULL;
    plexlink_account *account = NULL;
    plexlink_home_user_list *users = NULL;
    plexlink_pin *pin = NULL;
    char *carol = NULL;
    const char *erin = NULL;
    size_t i;

    test_step("task: a failed sign-in reports its error to the callback and to take");
    seen_init(&seen);
    CHECK_OK(plexlink_task_sign_in(client, "bob", "bob-password", NULL, on_done, &seen, &task));
    CHECK_CODE(wait_done(&seen), PLEXLINK_RESULT_TWO_FACTOR_REQUIRED);
    CHECK(strlen(seen.done_error) > 0 && strstr(seen.done_error, "bob-password") == NULL);
    CHECK(strlen(plexlink_task_error_message(task)) > 0);
    plexlink_last_error_clear();
    CHECK_CODE(plexlink_task_take_account(task, &account), PLEXLINK_RESULT_TWO_FACTOR_REQUIRED);
    CHECK(plexlink_last_error_code() == PLEXLINK_RESULT_TWO_FACTOR_REQUIRED);
    CHECK(account == NULL);
    plexlink_task_free(task);
    seen_destroy(&seen);
    CHECK_OK(plexlink_task_sign_in(client, "bob", "bob-password", "123456", NULL, NULL, &task));
    CHECK_OK(finish(task));
    CHECK_OK(plexlink_task_take_account(task, &account));
    plexlink_account_free(account);
    plexlink_task_free(task);

    test_step("task: Home users and a switch");
    CHECK_OK(plexlink_task_sign_in(client, "carol", "carol-password", NULL, NULL, NULL, &task));
    CHECK_OK(finish(task));
    CHECK_OK(plexlink_task_take_account(task, &account));
    carol = strdup(plexlink_account_auth_token(account));
    plexlink_account_free(account);
    plexlink_task_free(task);
    CHECK_OK(plexlink_task_home_users(client, carol, NULL, NULL, &task));
    CHECK_OK(finish(task));
    CHECK_OK(plexlink_task_take_home_user_list(task, &users));
    plexlink_task_free(task);
    for (i = 0; i < plexlink_home_user_list_len(users); i++) {
        const plexlink_home_user *u = plexlink_home_user_list_get(users, i);
        if (str_eq(plexlink_home_user_username(u), "erin")) erin = plexlink_home_user_uuid(u);
    }
    CHECK(erin != NULL);
    CHECK_OK(plexlink_task_switch_home_user(client, carol, erin, "1234", NULL, NULL, &task));
    CHECK_OK(finish(task));
    CHECK_OK(plexlink_task_take_account(task, &account));
    plexlink_account_free(account);
    plexlink_task_free(task);
    plexlink_home_user_list_free(users);

    test_step("task: link another device's code, sign out");
    CHECK_OK(plexlink_client_create_pin(client, false, &pin));
    CHECK_OK(plexlink_task_link_pin(client, carol, plexlink_pin_code(pin), NULL, NULL, &task));
    CHECK_OK(finish(task));
    plexlink_task_free(task);
    plexlink_pin_free(pin);
    CHECK_OK(plexlink_task_sign_out(client, carol, NULL, NULL, &task));
    CHECK_OK(finish(task));
    plexlink_task_free(task);
    free(carol);
}

static void cancel_and_free(const plexlink_client *client) {
    seen_t seen;
    seen_t *heap;
    const plexlink_task *task = NULL;
    const plexlink_cancel *cancel = NULL;
    plexlink_pin *pin = NULL;
    plexlink_pin *checked = NULL;
    char *token = NULL;
    plexlink_result result = PLEXLINK_RESULT_OK;
    plexlink_wait_options options = plexlink_wait_options_default();
    uint64_t started;
    unsigned progress_then;
    unsigned done_then;

    CHECK_OK(plexlink_client_create_pin(client, false, &pin));
    options.interval_ms = 200;

    test_step("task: a wait that has not finished is PENDING");
    CHECK_OK(plexlink_task_wait_for_token(client, pin, &options, NULL, NULL, &task));
    CHECK_CODE(plexlink_task_wait(task, 50, &result), PLEXLINK_RESULT_PENDING);
    CHECK(result == PLEXLINK_RESULT_OK); /* untouched */
    CHECK(!plexlink_task_is_finished(task));
    CHECK(plexlink_task_result(task) == PLEXLINK_RESULT_PENDING);
    CHECK_CODE(plexlink_task_take_string(task, &token), PLEXLINK_RESULT_PENDING);

    test_step("task: cancelled while waiting -> CANCELLED, promptly");
    started = now_ms();
    CHECK_OK(plexlink_task_cancel(task));
    CHECK_CODE(finish(task), PLEXLINK_RESULT_CANCELLED);
    CHECK(now_ms() - started < 2000);
    CHECK_OK(plexlink_task_cancel(task)); /* cancelling a finished task does nothing */
    CHECK(plexlink_task_result(task) == PLEXLINK_RESULT_CANCELLED);
    plexlink_task_free(task);

    test_step("task: cancelled through the options' cancel handle");
    CHECK_OK(plexlink_cancel_new(&cancel));
    options.cancel = cancel;
    seen_init(&seen);
    options.on_progress = on_progress;
    options.userdata = &seen;
    CHECK_OK(plexlink_task_wait_for_token(client, pin, &options, on_done, &seen, &task));
    pthread_mutex_lock(&seen.lock);
    seen.self_task = task;
    pthread_mutex_unlock(&seen.lock);
    for (started = now_ms(); now_ms() - started < 10000;) { /* until a report has tried */
        plexlink_result tried;
        pthread_mutex_lock(&seen.lock);
        tried = seen.self_wait;
        pthread_mutex_unlock(&seen.lock);
        if (tried != PLEXLINK_RESULT_OK) break;
        sleep_ms(50);
    }
    CHECK_OK(plexlink_cancel_cancel(cancel));
    CHECK_CODE(wait_done(&seen), PLEXLINK_RESULT_CANCELLED);
    CHECK(seen.done_calls == 1);
    CHECK(seen.self_wait == PLEXLINK_RESULT_WRONG_STATE);
    plexlink_task_free(task);
    seen_destroy(&seen);
    plexlink_cancel_free(cancel);
    options.cancel = NULL;

    test_step("task: freed while running: no callback after free returns");
    heap = malloc(sizeof *heap);
    CHECK(heap != NULL);
    seen_init(heap);
    options.on_progress = on_progress;
    options.userdata = heap;
    CHECK_OK(plexlink_task_wait_for_token(client, pin, &options, on_done, heap, &task));
    sleep_ms(500); /* a couple of checks */
    plexlink_task_free(task);
    progress_then = heap->progress_calls;
    done_then = heap->done_calls;
    sleep_ms(600);
    CHECK(heap->progress_calls == progress_then);
    CHECK(heap->done_calls == done_then && done_then == 0);
    seen_destroy(heap);
    free(heap); /* a callback after this would be a use-after-free under valgrind and ASan */

    test_step("task: a check of the PIN, still pending");
    CHECK_OK(plexlink_task_check_pin(client, plexlink_pin_id(pin), NULL, NULL, &task));
    CHECK_OK(finish(task));
    CHECK_OK(plexlink_task_take_pin(task, &checked));
    CHECK(plexlink_pin_auth_token(checked) == NULL);
    plexlink_pin_free(checked);
    plexlink_task_free(task);
    plexlink_pin_free(pin);
}

/* A done callback that frees its task, then signals. */
typedef struct {
    seen_t seen;
    const plexlink_task *task;
} self_free_t;

static void free_in_done(void *userdata, const plexlink_task *task, plexlink_result result) {
    self_free_t *s = userdata;
    plexlink_pin *pin = NULL;
    pthread_mutex_lock(&s->seen.lock); /* held by main until the handle is stored */
    CHECK(task == s->task);
    CHECK_OK(result);
    CHECK_OK(plexlink_task_take_pin(task, &pin));
    plexlink_pin_free(pin);
    plexlink_task_free(task);
    s->seen.done_calls++;
    s->seen.result = result;
    pthread_cond_broadcast(&s->seen.done_cond);
    pthread_mutex_unlock(&s->seen.lock);
}

static void free_inside_callback(const plexlink_client *client) {
    self_free_t s;
    test_step("task: freed from inside its own done callback");
    seen_init(&s.seen);
    /* The callback reads s.task: hold the lock so that it waits until the handle is stored. */
    pthread_mutex_lock(&s.seen.lock);
    CHECK_OK(plexlink_task_create_pin(client, false, free_in_done, &s, &s.task));
    pthread_mutex_unlock(&s.seen.lock);
    CHECK_OK(wait_done(&s.seen));
    seen_destroy(&s.seen);
}

/*
 * Two tasks whose done callbacks free each other: "free the sibling when the first finishes",
 * with both finishing at once. A barrier (main and both callbacks) holds each callback until the
 * other one runs too, so that every round is the worst case: each frees a task whose callback is
 * in progress. A hang is what this looks for: the alarm ends the program then.
 */
typedef struct {
    pthread_barrier_t all_in;
    const plexlink_task *task[2];
    pthread_mutex_t lock;
    pthread_cond_t ended_cond;
    unsigned ended;
} pair_t;

typedef struct {
    pair_t *pair;
    int index;
} side_t;

static void free_sibling(void *userdata, const plexlink_task *task, plexlink_result result) {
    side_t *side = userdata;
    pair_t *pair = side->pair;
    CHECK_CODE(result, PLEXLINK_RESULT_PIN_EXPIRED);
    pthread_barrier_wait(&pair->all_in); /* main has stored both handles; both callbacks run */
    CHECK(task == pair->task[side->index]);
    plexlink_task_free(pair->task[1 - side->index]);
    pthread_mutex_lock(&pair->lock);
    pair->ended++;
    pthread_cond_broadcast(&pair->ended_cond);
    pthread_mutex_unlock(&pair->lock);
}

static void on_alarm(int sig) {
    static const char text[] = "\nFAILED: two tasks freeing each other from their callbacks hung\n";
    (void)sig;
    if (write(STDERR_FILENO, text, sizeof text - 1) < 0) _exit(3);
    _exit(3);
}

static void free_each_other(const plexlink_client *client) {
    enum { ROUNDS = 200 };
    pair_t pair;
    side_t sides[2] = {{&pair, 0}, {&pair, 1}};
    int round;
    test_step("task: two done callbacks free each other, 200 rounds (no deadlock)");
    pthread_mutex_init(&pair.lock, NULL);
    pthread_cond_init(&pair.ended_cond, NULL);
    signal(SIGALRM, on_alarm);
    alarm(120); /* generous for valgrind; a hang never ends */
    for (round = 0; round < ROUNDS; round++) {
        pthread_barrier_init(&pair.all_in, NULL, 3);
        pair.ended = 0;
        /* An unknown PIN: a quick 404 for both. */
        CHECK_OK(plexlink_task_check_pin(client, 999999999, free_sibling, &sides[0], &pair.task[0]));
        CHECK_OK(plexlink_task_check_pin(client, 999999999, free_sibling, &sides[1], &pair.task[1]));
        pthread_barrier_wait(&pair.all_in);
        pthread_mutex_lock(&pair.lock);
        while (pair.ended < 2) pthread_cond_wait(&pair.ended_cond, &pair.lock);
        pthread_mutex_unlock(&pair.lock);
        pthread_barrier_destroy(&pair.all_in);
    }
    alarm(0);
    signal(SIGALRM, SIG_DFL);
    pthread_mutex_destroy(&pair.lock);
    pthread_cond_destroy(&pair.ended_cond);
}

int main(int argc, char **argv) {
    const plexlink_client_config *config = NULL;
    const plexlink_client *client = NULL;
    char *token;

    url = emulator_url(argc, argv);
    main_thread = pthread_self();
    printf("test_tasks against %s\n", url);
    make_client(url, "c-tests-tasks", &config, &client);
    token = login(client);
    servers(client, token);
    no_connection(client, token);
    echoed_secrets(client, token);
    accounts(client);
    cancel_and_free(client);
    free_inside_callback(client);
    free_each_other(client);
    plexlink_string_free(token);
    plexlink_client_free(client);
    plexlink_client_config_free(config);
    printf("test_tasks: ok\n");
    return 0;
}
