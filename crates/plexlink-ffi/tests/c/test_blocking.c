/*
 * The whole story through the blocking calls, against the emulator: PIN login (approved from a
 * second thread), token details, servers and connections, connect, server tokens, sign-in with
 * two-factor codes, the Plex Home, and the errors a player must tell apart.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

static const char *url;

/* --- the PIN login ---------------------------------------------------------------------------- */

typedef struct {
    uint64_t pin_id;
    uint64_t delay_ms;
} approver_args;

static void *approver(void *arg) {
    const approver_args *a = arg;
    sleep_ms(a->delay_ms);
    emu_approve_pin(url, a->pin_id, "alice");
    return NULL;
}

typedef struct {
    unsigned calls;
    uint32_t last_checks;
    uint64_t last_remaining_ms;
    const plexlink_cancel *cancel_at_second; /* cancels on the second report when set */
} progress_seen;

static void on_progress(void *userdata, const plexlink_wait_progress *progress) {
    progress_seen *seen = userdata;
    seen->calls++;
    seen->last_checks = progress->checks;
    seen->last_remaining_ms = progress->remaining_ms;
    if (seen->cancel_at_second != NULL && seen->calls == 2) {
        CHECK_OK(plexlink_cancel_cancel(seen->cancel_at_second));
    }
}

/* Logs in through a PIN approved by another thread; returns the token (free it). */
static char *pin_login(const plexlink_client *client) {
    plexlink_pin *pin = NULL;
    plexlink_pin *checked = NULL;
    char *link = NULL;
    char *token = NULL;
    pthread_t thread;
    approver_args args;
    progress_seen seen = {0};
    plexlink_wait_options options = plexlink_wait_options_default();

    test_step("PIN: create, link URL, check");
    CHECK_OK(plexlink_client_create_pin(client, false, &pin));
    CHECK(plexlink_pin_id(pin) > 0);
    CHECK(strlen(plexlink_pin_code(pin)) == 4);
    CHECK(!plexlink_pin_is_strong(pin));
    CHECK_STR(plexlink_pin_client_identifier(pin), "c-tests-blocking");
    CHECK(plexlink_pin_expires_in_s(pin) > 0);
    CHECK(plexlink_pin_auth_token(pin) == NULL);
    CHECK(plexlink_pin_new_registration(pin) == -1);
    CHECK_OK(plexlink_client_link_url(client, &link));
    CHECK(starts_with(link, url) && strstr(link, "link") != NULL);
    plexlink_string_free(link);
    CHECK_OK(plexlink_client_check_pin(client, plexlink_pin_id(pin), &checked));
    CHECK(plexlink_pin_id(checked) == plexlink_pin_id(pin));
    CHECK(plexlink_pin_auth_token(checked) == NULL);
    plexlink_pin_free(checked);

    test_step("PIN: wait, approved from another thread, with progress");
    args.pin_id = plexlink_pin_id(pin);
    args.delay_ms = 500;
    CHECK(pthread_create(&thread, NULL, approver, &args) == 0);
    options.interval_ms = 200;
    options.on_progress = on_progress;
    options.userdata = &seen;
    CHECK_OK(plexlink_client_wait_for_token(client, pin, &options, &token));
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(token != NULL && strlen(token) == 536);
    CHECK(seen.calls >= 1 && seen.last_checks == seen.calls);
    CHECK(seen.last_remaining_ms > 0 && seen.last_remaining_ms <= 900000);

    test_step("PIN: a check after approval carries the token");
    CHECK_OK(plexlink_client_check_pin(client, plexlink_pin_id(pin), &checked));
    CHECK_STR(plexlink_pin_auth_token(checked), token);
    plexlink_pin_free(checked);
    plexlink_pin_free(pin);
    return token;
}

static void pin_endings(const plexlink_client *client) {
    plexlink_pin *pin = NULL;
    plexlink_pin *strong = NULL;
    char *token = (char *)"untouched";
    char *auth = NULL;
    const plexlink_cancel *cancel = NULL;
    progress_seen seen = {0};
    plexlink_wait_options options = plexlink_wait_options_default();
    uint64_t started;

    test_step("PIN: a strong code and its auth URL");
    CHECK_OK(plexlink_client_create_pin(client, true, &strong));
    CHECK(plexlink_pin_is_strong(strong));
    CHECK(strlen(plexlink_pin_code(strong)) > 4);
    CHECK_OK(plexlink_client_auth_url(client, strong, "https://player.example/done", &auth));
    CHECK(strstr(auth, "clientID=c-tests-blocking") != NULL);
    CHECK(strstr(auth, plexlink_pin_code(strong)) != NULL);
    CHECK(strstr(auth, "forwardUrl=") != NULL);
    plexlink_string_free(auth);
    CHECK_OK(plexlink_client_auth_url(client, strong, NULL, &auth));
    CHECK(strstr(auth, "forwardUrl=") == NULL);
    plexlink_string_free(auth);
    plexlink_pin_free(strong);

    test_step("PIN: expired while waiting -> PIN_EXPIRED, out-parameter untouched");
    CHECK_OK(plexlink_client_create_pin(client, false, &pin));
    emu_expire_pin(url, plexlink_pin_id(pin));
    options.interval_ms = 200;
    CHECK_CODE(plexlink_client_wait_for_token(client, pin, &options, &token), PLEXLINK_RESULT_PIN_EXPIRED);
    CHECK(strcmp(token, "untouched") == 0);
    CHECK(plexlink_last_error_code() == PLEXLINK_RESULT_PIN_EXPIRED);
    plexlink_pin_free(pin);

    test_step("PIN: the options' timeout -> TIMEOUT");
    CHECK_OK(plexlink_client_create_pin(client, false, &pin));
    options.timeout_ms = 500;
    started = now_ms();
    CHECK_CODE(plexlink_client_wait_for_token(client, pin, &options, &token), PLEXLINK_RESULT_TIMEOUT);
    CHECK(now_ms() - started < 5000);
    options.timeout_ms = 0;

    test_step("PIN: cancelled from the progress callback -> CANCELLED");
    CHECK_OK(plexlink_cancel_new(&cancel));
    CHECK(!plexlink_cancel_is_cancelled(cancel));
    seen.cancel_at_second = cancel;
    options.cancel = cancel;
    options.on_progress = on_progress;
    options.userdata = &seen;
    CHECK_CODE(plexlink_client_wait_for_token(client, pin, &options, &token), PLEXLINK_RESULT_CANCELLED);
    CHECK(seen.calls == 2);
    CHECK(plexlink_cancel_is_cancelled(cancel));
    plexlink_cancel_free(cancel);
    plexlink_pin_free(pin);
    options = plexlink_wait_options_default();
    options.interval_ms = 200;

    test_step("PIN: a PIN made from an id and code, checked again");
    CHECK_CODE(plexlink_pin_new(424242, "ABCD", "c-tests-blocking", &pin), PLEXLINK_RESULT_OK);
    CHECK(plexlink_pin_id(pin) == 424242 && !plexlink_pin_is_strong(pin));
    CHECK(plexlink_pin_expires_at(pin) == NULL && plexlink_pin_created_at(pin) == NULL && plexlink_pin_qr(pin) == NULL);
    CHECK_CODE(plexlink_client_wait_for_token(client, pin, &options, &token), PLEXLINK_RESULT_PIN_EXPIRED);
    plexlink_pin_free(pin);
}

/* --- the account -------------------------------------------------------------------------------- */

static void account_calls(const plexlink_client *client, const char *token) {
    plexlink_account *account = NULL;
    char *claim = NULL;

    test_step("account: token details, ping, claim token");
    CHECK_OK(plexlink_client_user(client, token, &account));
    CHECK_STR(plexlink_account_username(account), "alice");
    CHECK_STR(plexlink_account_email(account), "alice@example.com");
    CHECK(plexlink_account_id(account) > 0);
    CHECK(strlen(plexlink_account_uuid(account)) > 0);
    CHECK(plexlink_account_friendly_name(account) != NULL && plexlink_account_title(account) != NULL);
    CHECK(plexlink_account_thumb(account) != NULL);
    CHECK(!plexlink_account_two_factor_enabled(account));
    (void)plexlink_account_home(account);
    (void)plexlink_account_home_admin(account);
    (void)plexlink_account_subscription_active(account);
    (void)plexlink_account_subscription_status(account);
    (void)plexlink_account_subscription_plan(account);
    (void)plexlink_account_auth_token(account);
    plexlink_account_free(account);
    CHECK_OK(plexlink_client_ping(client, token));
    CHECK_OK(plexlink_client_claim_token(client, token, &claim));
    CHECK(starts_with(claim, "claim-"));
    plexlink_string_free(claim);

    test_step("account: a bad token -> UNAUTHORIZED (the only code that means forget it)");
    account = NULL;
    CHECK_CODE(plexlink_client_user(client, "not-a-token", &account), PLEXLINK_RESULT_UNAUTHORIZED);
    CHECK(account == NULL);
    CHECK(plexlink_last_error_http_status() == 401);
    CHECK(strstr(last_error(), "not-a-token") == NULL);

    /* (Allowed, the request would leave the loopback, which no test may do: the Rust tests check
     * the rule the builder's setter turns on.) */
    test_step("no token in clear to carrier-grade NAT (100.64.0.0/10) by default");
    {
        char *transient = NULL;
        CHECK_CODE(plexlink_client_transient_token(client, "http://100.64.0.9:32400", token, &transient),
                   PLEXLINK_RESULT_INSECURE_TRANSPORT);
        CHECK(transient == NULL);
    }

    test_step("account: 429 with Retry-After -> RATE_LIMITED and the wait");
    emu_add_fault(url, "{\"path_prefix\":\"/api/v2/user\",\"kind\":{\"type\":\"status\",\"status\":429,"
                       "\"retry_after\":7},\"times\":1}");
    CHECK_CODE(plexlink_client_user(client, token, &account), PLEXLINK_RESULT_RATE_LIMITED);
    CHECK(plexlink_last_error_retry_after_ms() == 7000);
    CHECK(plexlink_last_error_http_status() == 429);
    CHECK(strstr(last_error(), token) == NULL);
    emu_clear_faults(url);

    test_step("account: a 500 is an HTTP status, says nothing about the token");
    emu_add_fault(url, "{\"path_prefix\":\"/api/v2/user\",\"kind\":{\"type\":\"status\",\"status\":500},\"times\":1}");
    CHECK_CODE(plexlink_client_user(client, token, &account), PLEXLINK_RESULT_HTTP_STATUS);
    CHECK(plexlink_last_error_http_status() == 500);
    emu_clear_faults(url);

    test_step("account: a malformed answer -> DECODE");
    emu_add_fault(url, "{\"path_prefix\":\"/api/v2/user\",\"kind\":{\"type\":\"malformed_json\"},\"times\":1}");
    CHECK_CODE(plexlink_client_user(client, token, &account), PLEXLINK_RESULT_DECODE);
    emu_clear_faults(url);
}

static void sign_in(const plexlink_client *client) {
    plexlink_account *account = NULL;
    const plexlink_client_config *other_config = NULL;
    const plexlink_client *other = NULL;

    test_step("sign-in: alice with her password");
    CHECK_OK(plexlink_client_sign_in(client, "alice", "alice-password", NULL, &account));
    CHECK(plexlink_account_auth_token(account) != NULL);
    CHECK(strlen(plexlink_account_auth_token(account)) == 536);
    plexlink_account_free(account);

    /* Failures count towards the emulator's lock-out per client identifier: use another. */
    make_client(url, "c-tests-blocking-failures", &other_config, &other);
    test_step("sign-in: a wrong password -> UNAUTHORIZED, not in the message");
    account = NULL;
    CHECK_CODE(plexlink_client_sign_in(other, "alice", "hunter2-wrong", NULL, &account), PLEXLINK_RESULT_UNAUTHORIZED);
    CHECK(account == NULL);
    CHECK(strstr(last_error(), "hunter2") == NULL);

    test_step("sign-in: two-factor required, a wrong code, the right code");
    CHECK_CODE(plexlink_client_sign_in(other, "bob", "bob-password", NULL, &account),
               PLEXLINK_RESULT_TWO_FACTOR_REQUIRED);
    CHECK_CODE(plexlink_client_sign_in(other, "bob", "bob-password", "000000", &account),
               PLEXLINK_RESULT_INVALID_VERIFICATION_CODE);
    CHECK(strstr(last_error(), "bob-password") == NULL);
    CHECK_OK(plexlink_client_sign_in(other, "bob@example.com", "bob-password", "123456", &account));
    CHECK_STR(plexlink_account_username(account), "bob");
    CHECK(plexlink_account_two_factor_enabled(account));
    plexlink_account_free(account);
    plexlink_client_free(other);
    plexlink_client_config_free(other_config);
}

static void home(const plexlink_client *client) {
    plexlink_account *carol = NULL;
    plexlink_account *switched = NULL;
    plexlink_home_user_list *users = NULL;
    const char *dave = NULL;
    const char *erin = NULL;
    char *carol_token;
    size_t i;

    test_step("home: carol's household");
    CHECK_OK(plexlink_client_sign_in(client, "carol", "carol-password", NULL, &carol));
    CHECK(plexlink_account_home_admin(carol));
    carol_token = strdup(plexlink_account_auth_token(carol));
    plexlink_account_free(carol);
    CHECK_OK(plexlink_client_home_users(client, carol_token, &users));
    CHECK(plexlink_home_user_list_len(users) >= 3);
    CHECK(plexlink_home_user_list_get(users, plexlink_home_user_list_len(users)) == NULL);
    for (i = 0; i < plexlink_home_user_list_len(users); i++) {
        const plexlink_home_user *u = plexlink_home_user_list_get(users, i);
        CHECK(plexlink_home_user_id(u) > 0 && plexlink_home_user_title(u) != NULL);
        CHECK(plexlink_home_user_thumb(u) != NULL);
        (void)plexlink_home_user_guest(u);
        if (str_eq(plexlink_home_user_username(u), "carol")) CHECK(plexlink_home_user_admin(u));
        if (str_eq(plexlink_home_user_username(u), "dave")) {
            dave = plexlink_home_user_uuid(u);
            CHECK(!plexlink_home_user_protected(u) && plexlink_home_user_restricted(u));
        }
        if (str_eq(plexlink_home_user_username(u), "erin")) {
            erin = plexlink_home_user_uuid(u);
            CHECK(plexlink_home_user_protected(u));
        }
    }
    CHECK(dave != NULL && erin != NULL);

    test_step("home: switch to dave (no PIN), to erin (PIN 1234)");
    CHECK_OK(plexlink_client_switch_home_user(client, carol_token, dave, NULL, &switched));
    CHECK(plexlink_account_auth_token(switched) != NULL);
    plexlink_account_free(switched);
    CHECK_CODE(plexlink_client_switch_home_user(client, carol_token, erin, NULL, &switched),
               PLEXLINK_RESULT_HOME_PIN_REQUIRED);
    CHECK_CODE(plexlink_client_switch_home_user(client, carol_token, erin, "9876", &switched),
               PLEXLINK_RESULT_HOME_PIN_REQUIRED);
    CHECK(strstr(last_error(), "9876") == NULL);
    CHECK_OK(plexlink_client_switch_home_user(client, carol_token, erin, "1234", &switched));
    CHECK(plexlink_account_auth_token(switched) != NULL);
    plexlink_account_free(switched);
    plexlink_home_user_list_free(users);

    test_step("sign-out: the token is revoked");
    CHECK_OK(plexlink_client_sign_out(client, carol_token));
    CHECK_CODE(plexlink_client_user(client, carol_token, &switched), PLEXLINK_RESULT_UNAUTHORIZED);
    free(carol_token);
}

/* --- servers -------------------------------------------------------------------------------------- */

static void servers(const plexlink_client *client, const char *token) {
    plexlink_device_list *resources = NULL;
    plexlink_device_list *servers = NULL;
    plexlink_device_list *sources = NULL;
    plexlink_connect_result *connected = NULL;
    plexlink_identity *identity = NULL;
    const plexlink_device *living;
    const plexlink_device *friends;
    plexlink_race_policy policy = plexlink_race_policy_default();
    char *transient = NULL;
    char source[256];
    size_t i;
    int saw_wrong_server = 0;
    int saw_failed = 0;
    int won = 0;

    test_step("servers: resources and servers");
    CHECK_OK(plexlink_client_resources(client, token, &resources));
    CHECK_OK(plexlink_client_servers(client, token, &servers));
    CHECK(plexlink_device_list_len(servers) >= 2);
    CHECK(plexlink_device_list_len(resources) > plexlink_device_list_len(servers));
    CHECK(plexlink_device_list_get(servers, 99) == NULL);
    for (i = 0; i < plexlink_device_list_len(servers); i++) {
        CHECK(plexlink_device_is_server(plexlink_device_list_get(servers, i)));
    }
    living = find_device(servers, "Living Room");
    friends = find_device(servers, "Friend's Server");
    CHECK(living != NULL && friends != NULL);
    CHECK(plexlink_device_owned(living) && !plexlink_device_owned(friends));
    CHECK(plexlink_device_source_title(friends) != NULL);
    CHECK(plexlink_device_access_token(living) != NULL);
    CHECK(strstr(plexlink_device_provides(living), "server") != NULL);
    CHECK_STR(plexlink_device_product(living), "Plex Media Server");
    CHECK(plexlink_device_product_version(living) != NULL && plexlink_device_platform(living) != NULL);
    CHECK(plexlink_device_platform_version(living) != NULL && plexlink_device_device(living) != NULL);
    CHECK(strlen(plexlink_device_client_identifier(living)) > 0);
    (void)plexlink_device_created_at(living);
    (void)plexlink_device_last_seen_at(living);
    (void)plexlink_device_owner_id(friends);
    (void)plexlink_device_public_address(living);
    (void)plexlink_device_home(living);
    (void)plexlink_device_synced(living);
    (void)plexlink_device_relay(living);
    (void)plexlink_device_presence(living);
    (void)plexlink_device_https_required(living);
    (void)plexlink_device_public_address_matches(living);
    (void)plexlink_device_dns_rebinding_protection(living);
    (void)plexlink_device_nat_loopback_supported(living);
    CHECK(plexlink_device_connections_len(living) >= 5);
    for (i = 0; i < plexlink_device_connections_len(living); i++) {
        const plexlink_connection *c = plexlink_device_connection_get(living, i);
        CHECK(starts_with(plexlink_connection_uri(c), "http"));
        CHECK(plexlink_connection_protocol(c) != NULL && plexlink_connection_port(c) > 0);
        CHECK_STR(plexlink_connection_address(c), "127.0.0.1");
        CHECK(!plexlink_connection_ipv6(c));
        (void)plexlink_connection_local(c);
        (void)plexlink_connection_relay(c);
    }
    CHECK(plexlink_device_connection_get(living, 99) == NULL);

    test_step("connect: Living Room's local connection wins, each candidate reported");
    CHECK_OK(plexlink_client_connect(client, living, &connected));
    CHECK_STR(plexlink_device_name(plexlink_connect_result_device(connected)), "Living Room");
    CHECK(starts_with(plexlink_connect_result_uri(connected), "http://127.0.0.1:"));
    CHECK(plexlink_connection_local(plexlink_connect_result_connection(connected)));
    CHECK_STR(plexlink_connect_result_access_token(connected), plexlink_device_access_token(living));
    CHECK(plexlink_connect_result_elapsed_ms(connected) < 5000);
    CHECK(plexlink_connect_result_candidates_len(connected) >= 4);
    for (i = 0; i < plexlink_connect_result_candidates_len(connected); i++) {
        const plexlink_candidate *c = plexlink_connect_result_candidate_get(connected, i);
        CHECK(plexlink_candidate_uri(c) != NULL && plexlink_candidate_description(c) != NULL);
        CHECK(plexlink_candidate_connection(c) != NULL);
        CHECK(!plexlink_candidate_ipv6(c));
        (void)plexlink_candidate_secure(c);
        (void)plexlink_candidate_http_twin(c);
        switch (plexlink_candidate_result(c)) {
        case PLEXLINK_PROBE_RESULT_WON:
            won++;
            CHECK(plexlink_candidate_tier(c) == PLEXLINK_TIER_LOCAL);
            CHECK(plexlink_candidate_latency_ms(c) < 5000);
            CHECK_STR(plexlink_candidate_uri(c), plexlink_connect_result_uri(connected));
            break;
        case PLEXLINK_PROBE_RESULT_WRONG_SERVER:
            saw_wrong_server = 1;
            break;
        case PLEXLINK_PROBE_RESULT_FAILED:
            saw_failed = 1;
            CHECK(plexlink_candidate_error(c) != PLEXLINK_RESULT_OK);
            break;
        default:
            break;
        }
    }
    CHECK(won == 1);
    CHECK(plexlink_connect_result_candidate_get(connected, 99) == NULL);
    (void)saw_wrong_server;
    (void)saw_failed;

    test_step("identity, transient token, source connection information");
    CHECK_OK(plexlink_client_identity(client, plexlink_connect_result_uri(connected), &identity));
    CHECK_STR(plexlink_identity_machine_identifier(identity), plexlink_device_client_identifier(living));
    CHECK(plexlink_identity_version(identity) != NULL);
    (void)plexlink_identity_claimed(identity);
    plexlink_identity_free(identity);
    CHECK_OK(plexlink_client_transient_token(client, plexlink_connect_result_uri(connected),
                                             plexlink_connect_result_access_token(connected), &transient));
    CHECK(transient != NULL && strlen(transient) > 0);
    snprintf(source, sizeof source, "server://%s", plexlink_device_client_identifier(living));
    CHECK_OK(plexlink_client_source_connection_info(client, plexlink_connect_result_uri(connected), transient, source,
                                                    &sources));
    CHECK(plexlink_device_list_len(sources) >= 1);
    CHECK(plexlink_device_connections_len(plexlink_device_list_get(sources, 0)) >= 1);
    plexlink_device_list_free(sources);
    plexlink_string_free(transient);

    test_step("a server's refusal is SERVER_REFUSED, never UNAUTHORIZED (the account token may be fine)");
    transient = NULL;
    CHECK_CODE(plexlink_client_transient_token(client, plexlink_connect_result_uri(connected), "not-a-token",
                                               &transient),
               PLEXLINK_RESULT_SERVER_REFUSED);
    CHECK(transient == NULL);
    CHECK(plexlink_last_error_http_status() == 401);
    sources = NULL;
    CHECK_CODE(plexlink_client_source_connection_info(client, plexlink_connect_result_uri(connected), "not-a-token",
                                                      source, &sources),
               PLEXLINK_RESULT_SERVER_REFUSED);
    CHECK(sources == NULL);
    plexlink_connect_result_free(connected);

    test_step("connect_with: no relays, no grace; the relay is reported as skipped");
    policy.relay = false;
    policy.grace_ms = 0;
    policy.probe_timeout_ms = 1500;
    CHECK_OK(plexlink_client_connect_with(client, living, &policy, &connected));
    CHECK(plexlink_connect_result_skipped_len(connected) >= 1);
    {
        int saw_relay = 0;
        for (i = 0; i < plexlink_connect_result_skipped_len(connected); i++) {
            const plexlink_skipped *s = plexlink_connect_result_skipped_get(connected, i);
            CHECK(plexlink_skipped_connection(s) != NULL && plexlink_skipped_description(s) != NULL);
            if (plexlink_skipped_reason(s) == PLEXLINK_SKIP_REASON_RELAY_DISABLED) saw_relay = 1;
        }
        CHECK(saw_relay);
    }
    CHECK(plexlink_connect_result_skipped_get(connected, 99) == NULL);
    plexlink_connect_result_free(connected);

    test_step("connect_with: a policy value that does not exist -> INVALID_PARAMETER");
    policy.allow_http = 77;
    connected = NULL;
    CHECK_CODE(plexlink_client_connect_with(client, living, &policy, &connected), PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK(connected == NULL);

    test_step("connect_all: every server at once, one outcome each");
    policy = plexlink_race_policy_default();
    {
        plexlink_connect_result_list *all = NULL;
        CHECK_OK(plexlink_client_connect_all(client, servers, &policy, &all));
        CHECK(plexlink_connect_result_list_len(all) == plexlink_device_list_len(servers));
        for (i = 0; i < plexlink_connect_result_list_len(all); i++) {
            const plexlink_connect_result *one = plexlink_connect_result_list_get(all, i);
            CHECK(plexlink_connect_result_list_error(all, i) == PLEXLINK_RESULT_OK);
            CHECK_STR(plexlink_connect_result_list_error_message(all, i), "");
            CHECK(one != NULL);
            CHECK_STR(plexlink_device_name(plexlink_connect_result_device(one)),
                      plexlink_device_name(plexlink_device_list_get(servers, i)));
        }
        CHECK(plexlink_connect_result_list_get(all, i) == NULL);
        CHECK(plexlink_connect_result_list_error(all, i) == PLEXLINK_RESULT_INVALID_PARAMETER);
        CHECK(plexlink_connect_result_list_error_message(all, i) == NULL);
        plexlink_connect_result_list_free(all);
    }

    test_step("connect: the shared server, with its own token");
    CHECK_OK(plexlink_client_connect(client, friends, &connected));
    CHECK(plexlink_connect_result_access_token(connected) != NULL);
    CHECK(strcmp(plexlink_connect_result_access_token(connected), token) != 0);
    plexlink_connect_result_free(connected);

    plexlink_device_list_free(servers);
    plexlink_device_list_free(resources);
}

/* --- a server that no connection reaches --------------------------------------------------------- */

static void no_connection(const plexlink_client *client, const char *token) {
    plexlink_device_list *servers = NULL;
    plexlink_connect_result *connected = NULL;
    plexlink_connect_result *lost = NULL;
    plexlink_connect_result *again = NULL;
    plexlink_connect_result_list *all = NULL;
    plexlink_account *account = NULL;
    const plexlink_device *living;
    plexlink_race_policy policy = plexlink_race_policy_default();
    size_t i;
    size_t refused = 0;
    int saw_dead = 0;
    int saw_silent = 0;

    CHECK_OK(plexlink_client_servers(client, token, &servers));
    living = find_device(servers, "Living Room");
    /* Every listener answers /identity with 503; the one that never answers times out. */
    emu_add_fault(url, "{\"path_prefix\":\"/identity\",\"kind\":{\"type\":\"status\",\"status\":503},\"times\":0}");
    policy.probe_timeout_ms = 1000;

    test_step("connect: no connection answers -> NO_CONNECTION, nothing written, the race kept");
    CHECK_CODE(plexlink_client_connect_with(client, living, &policy, &connected), PLEXLINK_RESULT_NO_CONNECTION);
    CHECK(connected == NULL);
    CHECK_OK(plexlink_last_error_connect_result(&lost));
    CHECK(check_lost_race(lost, living) == plexlink_device_connections_len(living));
    for (i = 0; i < plexlink_connect_result_candidates_len(lost); i++) {
        const plexlink_candidate *c = plexlink_connect_result_candidate_get(lost, i);
        if (plexlink_candidate_error(c) == PLEXLINK_RESULT_HTTP_STATUS) refused++;
        if (plexlink_candidate_error(c) == PLEXLINK_RESULT_CONNECT) saw_dead = 1;
        if (plexlink_candidate_result(c) == PLEXLINK_PROBE_RESULT_TIMED_OUT) saw_silent = 1;
    }
    CHECK(refused >= 3 && saw_dead && saw_silent);
    CHECK_STR(plexlink_connect_result_access_token(lost), plexlink_device_access_token(living));

    test_step("connect: each read of the race is a copy of its own; the last error is left as it was");
    CHECK_OK(plexlink_last_error_connect_result(&again));
    CHECK(again != lost);
    CHECK(plexlink_connect_result_candidates_len(again) == plexlink_connect_result_candidates_len(lost));
    plexlink_connect_result_free(lost);
    CHECK(check_lost_race(again, living) == plexlink_device_connections_len(living));
    plexlink_connect_result_free(again);
    CHECK(plexlink_last_error_code() == PLEXLINK_RESULT_NO_CONNECTION);

    test_step("connect_all: every server unreachable, each one's race in the list");
    CHECK_OK(plexlink_client_connect_all(client, servers, &policy, &all));
    CHECK(plexlink_connect_result_list_len(all) == plexlink_device_list_len(servers));
    for (i = 0; i < plexlink_connect_result_list_len(all); i++) {
        const plexlink_device *device = plexlink_device_list_get(servers, i);
        lost = NULL;
        CHECK(plexlink_connect_result_list_get(all, i) == NULL);
        CHECK(plexlink_connect_result_list_error(all, i) == PLEXLINK_RESULT_NO_CONNECTION);
        CHECK_OK(plexlink_connect_result_list_error_result(all, i, &lost));
        CHECK(check_lost_race(lost, device) >= 1);
        plexlink_connect_result_free(lost);
    }
    lost = NULL;
    CHECK_CODE(plexlink_connect_result_list_error_result(all, i, &lost), PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK(lost == NULL);
    /* The list's races outlive the list's own reads: a copy is independent of it. */
    CHECK_OK(plexlink_connect_result_list_error_result(all, 0, &lost));
    plexlink_connect_result_list_free(all);
    CHECK(check_lost_race(lost, plexlink_device_list_get(servers, 0)) >= 1);
    plexlink_connect_result_free(lost);
    emu_clear_faults(url);

    test_step("connect_all: a server that was reached has no race to report");
    CHECK_OK(plexlink_client_connect_all(client, servers, &policy, &all));
    lost = NULL;
    CHECK(plexlink_connect_result_list_error(all, 0) == PLEXLINK_RESULT_OK);
    CHECK_CODE(plexlink_connect_result_list_error_result(all, 0, &lost), PLEXLINK_RESULT_DONE);
    CHECK(lost == NULL);
    plexlink_connect_result_list_free(all);

    test_step("another failure keeps no race: DONE, nothing written");
    CHECK_CODE(plexlink_client_user(client, "not-a-token", &account), PLEXLINK_RESULT_UNAUTHORIZED);
    CHECK_CODE(plexlink_last_error_connect_result(&lost), PLEXLINK_RESULT_DONE);
    CHECK(lost == NULL);
    plexlink_last_error_clear();
    CHECK_CODE(plexlink_last_error_connect_result(&lost), PLEXLINK_RESULT_DONE);
    CHECK(lost == NULL);
    plexlink_device_list_free(servers);
}

/* --- secrets a server echoes ------------------------------------------------------------------------ */

static void echoed_secrets(const plexlink_client *client, const char *token) {
    char message[1024];
    plexlink_account *account = NULL;

    test_step("a server that echoes the token: the error text never shows it");
    snprintf(message, sizeof message, "token %s is not known", token);
    emu_add_error_fault(url, "/api/v2/user", 401, message);
    CHECK_CODE(plexlink_client_user(client, token, &account), PLEXLINK_RESULT_UNAUTHORIZED);
    CHECK(account == NULL);
    CHECK(strstr(last_error(), "is not known") != NULL); /* the server's message, */
    CHECK(strstr(last_error(), "[redacted]") != NULL);   /* without the token */
    CHECK(strstr(last_error(), token) == NULL);
    emu_clear_faults(url);
}

/* --- transport rules ------------------------------------------------------------------------------ */

static void transport(const char *token) {
    plexlink_client_config_builder *builder = NULL;
    const plexlink_client_config *config = NULL;
    const plexlink_client *client = NULL;
    plexlink_device_list *list = NULL;

    test_step("transport: an answer over the size limit -> RESPONSE_TOO_LARGE");
    CHECK_OK(plexlink_client_config_builder_new("plexlink C tests", "c-tests-blocking", &builder));
    CHECK_OK(plexlink_client_config_builder_set_plex_url(builder, url));
    CHECK_OK(plexlink_client_config_builder_set_max_response_bytes(builder, 64));
    CHECK_OK(plexlink_client_config_builder_build(builder, &config));
    CHECK_OK(plexlink_client_new(config, &client));
    CHECK_CODE(plexlink_client_resources(client, token, &list), PLEXLINK_RESULT_RESPONSE_TOO_LARGE);
    CHECK(list == NULL);
    plexlink_client_free(client);
    plexlink_client_config_free(config);

    test_step("transport: nobody listening -> CONNECT");
    CHECK_OK(plexlink_client_config_builder_new("plexlink C tests", "c-tests-blocking", &builder));
    CHECK_OK(plexlink_client_config_builder_set_plex_url(builder, "http://127.0.0.1:1/"));
    CHECK_OK(plexlink_client_config_builder_set_connect_timeout_ms(builder, 2000));
    CHECK_OK(plexlink_client_config_builder_build(builder, &config));
    CHECK_OK(plexlink_client_new(config, &client));
    CHECK_CODE(plexlink_client_resources(client, token, &list), PLEXLINK_RESULT_CONNECT);
    CHECK(strstr(last_error(), token) == NULL);
    plexlink_client_free(client);
    plexlink_client_config_free(config);

    test_step("config: a bad URL and an empty product are refused; a bad certificate at client_new");
    CHECK_OK(plexlink_client_config_builder_new("", "c-tests-blocking", &builder));
    CHECK_CODE(plexlink_client_config_builder_set_plex_url(builder, "not a url"), PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK_CODE(plexlink_client_config_builder_set_plex_url(builder, "ftp://127.0.0.1/"), PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK_CODE(plexlink_client_config_builder_set_timeout_ms(builder, 0), PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK_CODE(plexlink_client_config_builder_build(builder, &config), PLEXLINK_RESULT_INVALID_PARAMETER);
    /* The builder is still ours after a failed build: fix it and build again. */
    plexlink_client_config_builder_free(builder);
    CHECK_OK(plexlink_client_config_builder_new("p", "c-tests-blocking", &builder));
    CHECK_OK(plexlink_client_config_builder_set_device_name(builder, "Salon t\xc3\xa9l\xc3\xa9"));
    CHECK_OK(plexlink_client_config_builder_set_platform(builder, "Linux"));
    CHECK_OK(plexlink_client_config_builder_set_platform_version(builder, "6.1"));
    CHECK_OK(plexlink_client_config_builder_set_device(builder, "PC"));
    CHECK_OK(plexlink_client_config_builder_set_model(builder, "x86_64"));
    CHECK_OK(plexlink_client_config_builder_set_provides(builder, "player"));
    CHECK_OK(plexlink_client_config_builder_set_allow_insecure_http(builder, false));
    CHECK_OK(plexlink_client_config_builder_set_resolve_plex_direct(builder, true));
    {
        static const char bad_pem[] = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";
        CHECK_OK(plexlink_client_config_builder_add_root_certificate_pem(builder, (const uint8_t *)bad_pem,
                                                                         sizeof bad_pem - 1));
    }
    CHECK_OK(plexlink_client_config_builder_build(builder, &config));
    client = NULL;
    CHECK_CODE(plexlink_client_new(config, &client), PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK(client == NULL);
    plexlink_client_config_free(config);
}

/*
 * Whether the thread `tid` of this process has SIGPIPE blocked, and its name (Linux's /proc).
 * -1 when it cannot be read (the thread ended meanwhile).
 */
static int sigpipe_blocked(const char *tid, char *name, size_t name_len) {
    char path[64], line[256];
    FILE *file;
    int blocked = -1;
    snprintf(path, sizeof path, "/proc/self/task/%s/comm", tid);
    if ((file = fopen(path, "r")) == NULL) return -1;
    if (fgets(name, (int)name_len, file) == NULL) name[0] = '\0';
    name[strcspn(name, "\n")] = '\0';
    fclose(file);
    snprintf(path, sizeof path, "/proc/self/task/%s/status", tid);
    if ((file = fopen(path, "r")) == NULL) return -1;
    while (fgets(line, sizeof line, file) != NULL) {
        unsigned long long mask;
        if (sscanf(line, "SigBlk: %llx", &mask) == 1) blocked = (mask >> (SIGPIPE - 1)) & 1u;
    }
    fclose(file);
    return blocked;
}

/*
 * A server that hangs up while the library writes to it raises SIGPIPE in the writing thread;
 * its default action would end this program (C programs do not ignore it, as Rust ones do).
 * The library's I/O threads block it; the program's own threads keep the mask they had.
 */
static void sigpipe(const plexlink_client *client, const char *token) {
#ifdef __linux__
    plexlink_device_list *resources = NULL;
    DIR *tasks;
    struct dirent *task;
    unsigned io_threads = 0;
    char self_tid[32];
    char name[64];

    test_step("SIGPIPE: blocked on every thread the library starts for I/O, on no other");
    CHECK_OK(plexlink_client_resources(client, token, &resources)); /* the I/O thread has run */
    plexlink_device_list_free(resources);
    snprintf(self_tid, sizeof self_tid, "%ld", (long)getpid()); /* the main thread's id */
    CHECK((tasks = opendir("/proc/self/task")) != NULL);
    while ((task = readdir(tasks)) != NULL) {
        int blocked;
        if (task->d_name[0] == '.') continue;
        blocked = sigpipe_blocked(task->d_name, name, sizeof name);
        if (blocked < 0) continue;
        if (starts_with(name, "plexlink-io") || starts_with(name, "plexlink-http")) {
            CHECK(blocked == 1);
            io_threads++;
        }
        if (str_eq(task->d_name, self_tid)) CHECK(blocked == 0);
    }
    closedir(tasks);
    CHECK(io_threads >= 1);
#else
    (void)client;
    (void)token;
#endif
}

int main(int argc, char **argv) {
    const plexlink_client_config *config = NULL;
    const plexlink_client *client = NULL;
    char *token;

    url = emulator_url(argc, argv);
    printf("test_blocking against %s\n", url);
    {
        char version[32];
        snprintf(version, sizeof version, "%d.%d.%d", PLEXLINK_VERSION_MAJOR, PLEXLINK_VERSION_MINOR, PLEXLINK_VERSION_PATCH);
        CHECK_STR(plexlink_version(), version);
    }
    make_client(url, "c-tests-blocking", &config, &client);
    token = pin_login(client);
    pin_endings(client);
    account_calls(client, token);
    servers(client, token);
    no_connection(client, token);
    echoed_secrets(client, token);
    sign_in(client);
    home(client);
    transport(token);
    sigpipe(client, token);
    plexlink_string_free(token);
    plexlink_client_free(client);
    plexlink_client_config_free(config);
    printf("test_blocking: ok\n");
    return 0;
}
