/*
 * Plex JWT sign-in through the blocking calls and the tasks, against the emulator: device keys
 * (made, kept as text or as bytes, loaded again), the JWT PIN login (blocking, and as tasks
 * whose progress callback approves the PIN) and the legacy token it ends, upgrading a legacy
 * token, refresh (also after plex.tv said the JWT expired, and after a key rotation),
 * verification (a stored JWT, a tampered one, one of another device) and a removed device.
 * Each part has a client identifier of its own: a Plex JWT ends the legacy token of its own.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support.h"

static const char *url;

/* RFC 8037, appendix A: the Ed25519 key of RFC 8032's first test, its seed as bytes and as
 * base64url text, and the RFC 7638 thumbprint of its public key. */
static const uint8_t rfc_seed[PLEXLINK_DEVICE_KEY_SEED_LEN] = {
    0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4,
    0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60};
static const char rfc_private[] = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
static const char rfc_kid[] = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";

static int64_t unix_now(void) { return (int64_t)time(NULL); }

static size_t count_char(const char *text, char c) {
    size_t n = 0;
    for (; *text != '\0'; text++) n += *text == c;
    return n;
}

/* --- device keys ------------------------------------------------------------------------------ */

static void device_keys(void) {
    plexlink_device_key *key = NULL;
    plexlink_device_key *again = NULL;
    plexlink_device_key *fresh = NULL;
    plexlink_device_key *other = NULL;
    char *text = NULL;
    char kid[64];
    uint8_t seed[PLEXLINK_DEVICE_KEY_SEED_LEN + 1];

    test_step("device key: RFC 8037's key from its seed and from its text, the RFC's kid");
    CHECK_OK(plexlink_device_key_from_seed(rfc_seed, sizeof rfc_seed, &key));
    CHECK_STR(plexlink_device_key_kid(key), rfc_kid);
    CHECK_OK(plexlink_device_key_private(key, &text));
    CHECK_STR(text, rfc_private);
    plexlink_string_free(text);
    text = NULL;
    CHECK_OK(plexlink_device_key_from_private(rfc_private, &again));
    CHECK_STR(plexlink_device_key_kid(again), rfc_kid);
    memset(seed, 0xAA, sizeof seed);
    CHECK_OK(plexlink_device_key_seed(again, seed, sizeof seed));
    CHECK(memcmp(seed, rfc_seed, PLEXLINK_DEVICE_KEY_SEED_LEN) == 0);
    CHECK(seed[PLEXLINK_DEVICE_KEY_SEED_LEN] == 0xAA); /* 32 bytes written, no more */
    plexlink_device_key_free(again);
    plexlink_device_key_free(key);

    test_step("device key: a new one from the OS, kept as text and as bytes, loaded again");
    CHECK_OK(plexlink_device_key_new(&fresh));
    snprintf(kid, sizeof kid, "%s", plexlink_device_key_kid(fresh));
    CHECK(strlen(kid) == 43 && !str_eq(kid, rfc_kid));
    CHECK_OK(plexlink_device_key_private(fresh, &text));
    CHECK(strlen(text) == 43);
    CHECK_OK(plexlink_device_key_from_private(text, &again));
    CHECK_STR(plexlink_device_key_kid(again), kid);
    plexlink_string_free(text);
    plexlink_device_key_free(again);
    CHECK_OK(plexlink_device_key_seed(fresh, seed, PLEXLINK_DEVICE_KEY_SEED_LEN));
    CHECK_OK(plexlink_device_key_from_seed(seed, PLEXLINK_DEVICE_KEY_SEED_LEN, &again));
    CHECK_STR(plexlink_device_key_kid(again), kid);
    plexlink_device_key_free(again);
    CHECK_OK(plexlink_device_key_new(&other));
    CHECK(!str_eq(plexlink_device_key_kid(other), kid));
    plexlink_device_key_free(other);
    plexlink_device_key_free(fresh);
}

/* --- what a Plex JWT says ----------------------------------------------------------------------- */

/* A Plex JWT of `account` (the same person, as token details give it) for `key`, valid at least
 * `min_life_s` more seconds. */
static void check_jwt(const plexlink_jwt *jwt, const plexlink_device_key *key, const plexlink_account *account,
                      int64_t min_life_s) {
    int64_t now = unix_now();
    CHECK(plexlink_jwt_token(jwt) != NULL && count_char(plexlink_jwt_token(jwt), '.') == 2);
    CHECK_STR(plexlink_jwt_username(jwt), plexlink_account_username(account));
    CHECK_STR(plexlink_jwt_user_uuid(jwt), plexlink_account_uuid(account));
    CHECK(plexlink_jwt_user_id(jwt) == plexlink_account_id(account) && plexlink_jwt_user_id(jwt) > 0);
    CHECK_STR(plexlink_jwt_email(jwt), plexlink_account_email(account));
    CHECK_STR(plexlink_jwt_friendly_name(jwt), plexlink_account_friendly_name(account));
    CHECK(!plexlink_jwt_restricted(jwt));
    CHECK_STR(plexlink_jwt_thumbprint(jwt), plexlink_device_key_kid(key));
    CHECK(plexlink_jwt_issued_at(jwt) > now - 600 && plexlink_jwt_issued_at(jwt) <= now + 60);
    CHECK(plexlink_jwt_expires_at(jwt) >= now + min_life_s);
    /* Less than a day left is Plex's advice for a refresh. */
    CHECK(plexlink_jwt_needs_refresh(jwt, plexlink_jwt_expires_at(jwt) - 3600));
}

/* The account `token` signs in (token details; plex.tv takes a Plex JWT as it takes a token). */
static plexlink_account *account_of(const plexlink_client *client, const char *token) {
    plexlink_account *account = NULL;
    CHECK_OK(plexlink_client_user(client, token, &account));
    return account;
}

/* --- the JWT PIN login, blocking ----------------------------------------------------------------- */

/* The wait's progress, shared with the thread that approves the PIN once a check found it
 * pending (not after a fixed delay: under valgrind the first check, with its nonce and
 * signature, may take longer than any delay chosen here). */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t reported;
    unsigned calls;
    uint64_t pin_id;
} login_seen;

static void *approver(void *arg) {
    login_seen *seen = arg;
    pthread_mutex_lock(&seen->lock);
    while (seen->calls == 0) pthread_cond_wait(&seen->reported, &seen->lock);
    pthread_mutex_unlock(&seen->lock);
    emu_approve_pin(url, seen->pin_id, "alice");
    return NULL;
}

static void count_progress(void *userdata, const plexlink_wait_progress *progress) {
    login_seen *seen = userdata;
    pthread_mutex_lock(&seen->lock);
    seen->calls++;
    CHECK(progress->checks == seen->calls);
    pthread_cond_broadcast(&seen->reported);
    pthread_mutex_unlock(&seen->lock);
}

static void jwt_pin_login(void) {
    const plexlink_client_config *config = NULL;
    const plexlink_client *client = NULL;
    plexlink_device_key *key = NULL;
    plexlink_pin *pin = NULL;
    plexlink_jwt *jwt = NULL;
    plexlink_jwt *verified = NULL;
    plexlink_account *account = NULL;
    plexlink_wait_options options = plexlink_wait_options_default();
    login_seen seen;
    pthread_t thread;

    make_client(url, "c-tests-jwt-pin", &config, &client);
    CHECK_OK(plexlink_device_key_new(&key));

    test_step("JWT PIN: created with the key, waited for (approved from another thread), verified");
    CHECK_OK(plexlink_client_create_jwt_pin(client, key, false, &pin));
    CHECK(plexlink_pin_id(pin) > 0 && strlen(plexlink_pin_code(pin)) == 4);
    CHECK_STR(plexlink_pin_client_identifier(pin), "c-tests-jwt-pin");
    pthread_mutex_init(&seen.lock, NULL);
    pthread_cond_init(&seen.reported, NULL);
    seen.calls = 0;
    seen.pin_id = plexlink_pin_id(pin);
    CHECK(pthread_create(&thread, NULL, approver, &seen) == 0);
    options.interval_ms = 100;
    options.on_progress = count_progress;
    options.userdata = &seen;
    CHECK_OK(plexlink_client_wait_for_jwt(client, pin, key, &options, &jwt));
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(seen.calls >= 1);
    pthread_cond_destroy(&seen.reported);
    pthread_mutex_destroy(&seen.lock);
    account = account_of(client, plexlink_jwt_token(jwt));
    CHECK_STR(plexlink_account_username(account), "alice");
    check_jwt(jwt, key, account, 6 * 86400);
    CHECK(!plexlink_jwt_needs_refresh(jwt, unix_now()));

    test_step("JWT PIN: a stored JWT verifies again with its key");
    CHECK_OK(plexlink_client_verify_jwt(client, plexlink_jwt_token(jwt), key, &verified));
    CHECK_STR(plexlink_jwt_token(verified), plexlink_jwt_token(jwt));
    CHECK(plexlink_jwt_expires_at(verified) == plexlink_jwt_expires_at(jwt));
    check_jwt(verified, key, account, 6 * 86400);
    plexlink_jwt_free(verified);
    plexlink_account_free(account);
    account = NULL;

    test_step("JWT PIN: the legacy token of this client identifier is over (a password sign-in fails)");
    CHECK_CODE(plexlink_client_sign_in(client, "alice", "alice-password", NULL, &account),
               PLEXLINK_RESULT_UNAUTHORIZED);
    CHECK(account == NULL);

    test_step("JWT PIN: an expired PIN ends the wait");
    plexlink_pin_free(pin);
    pin = NULL;
    CHECK_OK(plexlink_client_create_jwt_pin(client, key, true, &pin));
    CHECK(plexlink_pin_is_strong(pin));
    emu_expire_pin(url, plexlink_pin_id(pin));
    {
        plexlink_jwt *none = NULL;
        options.on_progress = NULL;
        CHECK_CODE(plexlink_client_wait_for_jwt(client, pin, key, &options, &none), PLEXLINK_RESULT_PIN_EXPIRED);
        CHECK(none == NULL);
    }

    plexlink_pin_free(pin);
    plexlink_jwt_free(jwt);
    plexlink_device_key_free(key);
    plexlink_client_free(client);
    plexlink_client_config_free(config);
}

/* --- the JWT PIN login as tasks ------------------------------------------------------------------ */

typedef struct {
    pthread_t main_thread;
    uint64_t approve_pin_id;
    unsigned calls;
    int on_main; /* a progress report ran on the thread that started the task */
} task_seen;

/* Runs on the task's thread: approves the PIN at the first report. */
static void approve_on_progress(void *userdata, const plexlink_wait_progress *progress) {
    task_seen *seen = userdata;
    (void)progress;
    if (pthread_equal(pthread_self(), seen->main_thread)) seen->on_main = 1;
    if (seen->calls++ == 0) emu_approve_pin(url, seen->approve_pin_id, "alice");
}

/* Waits for `task` to finish and returns its result. */
static plexlink_result finish(const plexlink_task *task) {
    plexlink_result result = PLEXLINK_RESULT_PENDING;
    CHECK_OK(plexlink_task_wait(task, UINT64_MAX, &result));
    return result;
}

static void jwt_pin_login_tasks(void) {
    const plexlink_client_config *config = NULL;
    const plexlink_client *client = NULL;
    plexlink_device_key *key = NULL;
    plexlink_pin *pin = NULL;
    plexlink_jwt *jwt = NULL;
    plexlink_account *account = NULL;
    const plexlink_task *task = NULL;
    plexlink_wait_options options = plexlink_wait_options_default();
    task_seen seen;
    char kid[64];

    make_client(url, "c-tests-jwt-task", &config, &client);
    CHECK_OK(plexlink_device_key_new(&key));
    snprintf(kid, sizeof kid, "%s", plexlink_device_key_kid(key));

    test_step("task: create a strong JWT PIN");
    CHECK_OK(plexlink_task_create_jwt_pin(client, key, true, NULL, NULL, &task));
    CHECK_OK(finish(task));
    CHECK_OK(plexlink_task_take_pin(task, &pin));
    CHECK(plexlink_pin_is_strong(pin));
    plexlink_task_free(task);

    test_step("task: wait for the JWT (the PIN and key copied, freed at once); progress approves it");
    memset(&seen, 0, sizeof seen);
    seen.main_thread = pthread_self();
    seen.approve_pin_id = plexlink_pin_id(pin);
    options.interval_ms = 100;
    options.on_progress = approve_on_progress;
    options.userdata = &seen;
    CHECK_OK(plexlink_task_wait_for_jwt(client, pin, key, &options, NULL, NULL, &task));
    plexlink_pin_free(pin);
    plexlink_device_key_free(key);
    CHECK_OK(finish(task));
    CHECK(seen.calls >= 1 && !seen.on_main);
    CHECK_OK(plexlink_task_take_jwt(task, &jwt));
    CHECK_STR(plexlink_jwt_thumbprint(jwt), kid);
    account = account_of(client, plexlink_jwt_token(jwt));
    CHECK_STR(plexlink_account_username(account), "alice");
    {
        plexlink_jwt *twice = NULL;
        CHECK_CODE(plexlink_task_take_jwt(task, &twice), PLEXLINK_RESULT_WRONG_STATE);
        CHECK(twice == NULL);
    }
    plexlink_task_free(task);

    plexlink_account_free(account);
    plexlink_jwt_free(jwt);
    plexlink_client_free(client);
    plexlink_client_config_free(config);
}

/* --- upgrade, refresh, verify, expiry, rotation, removal ------------------------------------------ */

/* A copy of `token` with the first character of its signature changed. */
static char *tampered(const char *token) {
    char *copy = strdup(token);
    char *signature = strrchr(copy, '.');
    CHECK(copy != NULL && signature != NULL && signature[1] != '\0');
    signature[1] = signature[1] == 'A' ? 'B' : 'A';
    return copy;
}

static void upgrade_refresh_verify(void) {
    const plexlink_client_config *config = NULL;
    const plexlink_client *client = NULL;
    const plexlink_client_config *other_config = NULL;
    const plexlink_client *other = NULL;
    plexlink_device_key *key = NULL;
    plexlink_device_key *other_key = NULL;
    plexlink_account *account = NULL;
    plexlink_account *a = NULL;
    plexlink_jwt *jwt = NULL;
    plexlink_jwt *refreshed = NULL;
    plexlink_jwt *j = NULL;
    const plexlink_task *task = NULL;
    char *legacy;
    char *bad;
    int i;

    make_client(url, "c-tests-jwt-upgrade", &config, &client);
    make_client(url, "c-tests-jwt-other", &other_config, &other);
    CHECK_OK(plexlink_client_sign_in(client, "alice", "alice-password", NULL, &account));
    legacy = strdup(plexlink_account_auth_token(account));
    CHECK_OK(plexlink_device_key_new(&key));
    CHECK_OK(plexlink_device_key_new(&other_key));

    test_step("upgrade: a legacy token becomes a Plex JWT for the key");
    CHECK_OK(plexlink_client_upgrade_to_jwt(client, legacy, key, &jwt));
    check_jwt(jwt, key, account, 6 * 86400);

    test_step("upgrade: the legacy token is over for this client identifier, not for another");
    CHECK_CODE(plexlink_client_user(client, legacy, &a), PLEXLINK_RESULT_UNAUTHORIZED);
    CHECK(a == NULL);
    CHECK_OK(plexlink_client_user(other, legacy, &a));
    CHECK_STR(plexlink_account_username(a), "alice");
    plexlink_account_free(a);
    a = NULL;

    test_step("refresh: a new Plex JWT, blocking and as a task");
    CHECK_OK(plexlink_client_refresh_jwt(client, key, &refreshed));
    check_jwt(refreshed, key, account, 6 * 86400);
    CHECK(!str_eq(plexlink_jwt_token(refreshed), plexlink_jwt_token(jwt)));
    CHECK_OK(plexlink_task_refresh_jwt(client, key, NULL, NULL, &task));
    CHECK_OK(finish(task));
    CHECK_OK(plexlink_task_take_jwt(task, &j));
    check_jwt(j, key, account, 6 * 86400);
    a = account_of(client, plexlink_jwt_token(j));
    plexlink_account_free(a);
    a = NULL;
    plexlink_jwt_free(j);
    j = NULL;
    plexlink_task_free(task);

    test_step("verify: blocking and as a task; the claims are the JWT's");
    CHECK_OK(plexlink_client_verify_jwt(client, plexlink_jwt_token(refreshed), key, &j));
    CHECK(plexlink_jwt_expires_at(j) == plexlink_jwt_expires_at(refreshed));
    plexlink_jwt_free(j);
    j = NULL;
    CHECK_OK(plexlink_task_verify_jwt(client, plexlink_jwt_token(refreshed), key, NULL, NULL, &task));
    CHECK_OK(finish(task));
    CHECK_OK(plexlink_task_take_jwt(task, &j));
    CHECK_STR(plexlink_jwt_token(j), plexlink_jwt_token(refreshed));
    plexlink_jwt_free(j);
    j = NULL;
    plexlink_task_free(task);

    test_step("verify: a tampered JWT, another device's, and no JWT at all give INVALID_JWT, never the token");
    bad = tampered(plexlink_jwt_token(refreshed));
    CHECK_CODE(plexlink_client_verify_jwt(client, bad, key, &j), PLEXLINK_RESULT_INVALID_JWT);
    CHECK(strstr(last_error(), bad) == NULL && strstr(last_error(), "signature") != NULL);
    CHECK_OK(plexlink_task_verify_jwt(client, bad, key, NULL, NULL, &task));
    CHECK_CODE(finish(task), PLEXLINK_RESULT_INVALID_JWT);
    CHECK_CODE(plexlink_task_take_jwt(task, &j), PLEXLINK_RESULT_INVALID_JWT);
    CHECK(strstr(plexlink_task_error_message(task), bad) == NULL);
    plexlink_task_free(task);
    free(bad);
    CHECK_CODE(plexlink_client_verify_jwt(client, plexlink_jwt_token(refreshed), other_key, &j),
               PLEXLINK_RESULT_INVALID_JWT);
    CHECK(strstr(last_error(), plexlink_jwt_token(refreshed)) == NULL);
    CHECK_CODE(plexlink_client_verify_jwt(client, "not.a.jwt", key, &j), PLEXLINK_RESULT_INVALID_JWT);
    CHECK_CODE(plexlink_client_verify_jwt(client, "", key, &j), PLEXLINK_RESULT_INVALID_JWT);
    CHECK(j == NULL);

    test_step("expiry: plex.tv answers TOKEN_EXPIRED (498); a refresh and the call works again");
    emu_jwt_settings(url, "{\"jwt_lifetime_secs\":3}");
    CHECK_OK(plexlink_client_refresh_jwt(client, key, &j));
    emu_jwt_settings(url, "{\"jwt_lifetime_secs\":604800}");
    CHECK(plexlink_jwt_needs_refresh(j, unix_now()));
    for (i = 0; i < 100; i++) {
        plexlink_result r = plexlink_client_user(client, plexlink_jwt_token(j), &a);
        if (r == PLEXLINK_RESULT_TOKEN_EXPIRED) break;
        CHECK_OK(r);
        plexlink_account_free(a);
        a = NULL;
        sleep_ms(100);
    }
    CHECK(i < 100);
    CHECK(plexlink_last_error_http_status() == 498);
    CHECK(a == NULL);
    plexlink_jwt_free(j);
    j = NULL;
    CHECK_OK(plexlink_client_refresh_jwt(client, key, &j));
    check_jwt(j, key, account, 6 * 86400);
    a = account_of(client, plexlink_jwt_token(j));
    plexlink_account_free(a);
    a = NULL;
    plexlink_jwt_free(j);
    j = NULL;

    test_step("rotation: plex.tv signs with its other key; refresh and verification follow");
    emu_rotate_jwt_key(url);
    CHECK_OK(plexlink_client_refresh_jwt(client, key, &j));
    check_jwt(j, key, account, 6 * 86400);
    {
        /* A client that kept no keys fetches them. */
        const plexlink_client_config *fresh_config = NULL;
        const plexlink_client *fresh = NULL;
        plexlink_jwt *v = NULL;
        make_client(url, "c-tests-jwt-upgrade", &fresh_config, &fresh);
        CHECK_OK(plexlink_client_verify_jwt(client, plexlink_jwt_token(j), key, &v));
        plexlink_jwt_free(v);
        v = NULL;
        CHECK_OK(plexlink_client_verify_jwt(fresh, plexlink_jwt_token(j), key, &v));
        CHECK(plexlink_jwt_expires_at(v) == plexlink_jwt_expires_at(j));
        plexlink_jwt_free(v);
        plexlink_client_free(fresh);
        plexlink_client_config_free(fresh_config);
    }
    plexlink_jwt_free(j);
    j = NULL;

    test_step("removed device: DEVICE_REMOVED from a refresh (blocking, task) and from plex.tv");
    emu_remove_jwt_device(url, "c-tests-jwt-upgrade");
    CHECK_CODE(plexlink_client_refresh_jwt(client, key, &j), PLEXLINK_RESULT_DEVICE_REMOVED);
    CHECK(plexlink_last_error_code() == PLEXLINK_RESULT_DEVICE_REMOVED);
    CHECK(plexlink_last_error_http_status() == 422);
    CHECK(strstr(last_error(), "device removed") != NULL);
    CHECK(j == NULL);
    CHECK_OK(plexlink_task_refresh_jwt(client, key, NULL, NULL, &task));
    CHECK_CODE(finish(task), PLEXLINK_RESULT_DEVICE_REMOVED);
    CHECK_CODE(plexlink_task_take_jwt(task, &j), PLEXLINK_RESULT_DEVICE_REMOVED);
    plexlink_task_free(task);
    CHECK_CODE(plexlink_client_user(client, plexlink_jwt_token(refreshed), &a), PLEXLINK_RESULT_DEVICE_REMOVED);
    CHECK(plexlink_last_error_http_status() == 401);
    CHECK(strstr(last_error(), plexlink_jwt_token(refreshed)) == NULL);
    CHECK(a == NULL && j == NULL);

    test_step("removed device: a new client identifier with a new key signs in again");
    CHECK_OK(plexlink_client_upgrade_to_jwt(other, legacy, other_key, &j));
    check_jwt(j, other_key, account, 6 * 86400);
    plexlink_jwt_free(j);

    plexlink_jwt_free(refreshed);
    plexlink_jwt_free(jwt);
    plexlink_device_key_free(other_key);
    plexlink_device_key_free(key);
    free(legacy);
    plexlink_account_free(account);
    plexlink_client_free(other);
    plexlink_client_config_free(other_config);
    plexlink_client_free(client);
    plexlink_client_config_free(config);
}

int main(int argc, char **argv) {
    url = emulator_url(argc, argv);
    printf("test_jwt against %s\n", url);
    device_keys();
    jwt_pin_login();
    jwt_pin_login_tasks();
    upgrade_refresh_verify();
    printf("test_jwt: ok\n");
    return 0;
}
