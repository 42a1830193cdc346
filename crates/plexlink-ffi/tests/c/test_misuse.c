/*
 * Every exported function called with NULL in each pointer argument, and every string argument
 * given bytes that are not UTF-8: an error code (or NULL / false / 0 from accessors), never a
 * crash, and out-parameters left alone. Also result codes, the last error, the version, and
 * `_free(NULL)` for every type. scripts/test-c.sh checks that every function of the header is
 * named in this file.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define BAD "\xff\xfe not UTF-8"

static const char *url;

/* Handles to pass where an argument must be valid. */
static const plexlink_client_config *config;
static const plexlink_client *client;
static plexlink_pin *pin;
static plexlink_account *account;
static plexlink_home_user_list *users;
static plexlink_device_list *devices;
static const plexlink_device *device;
static plexlink_connect_result *connected;
static plexlink_identity *identity;
static const plexlink_cancel *cancel;
static const plexlink_task *task;
static plexlink_pin_login *login;
static plexlink_http_request *request;
static plexlink_pin_event *event;
static plexlink_race *race;
static char *token;
static plexlink_device_key *key;
static char *private_key; /* the key's private text: must never reach an error message */
static plexlink_jwt *jwt;
static plexlink_jwt_refresh *refresh;

static void setup(void) {
    plexlink_result r;
    make_client(url, "c-tests-misuse", &config, &client);
    CHECK_OK(plexlink_client_sign_in(client, "alice", "alice-password", NULL, &account));
    token = strdup(plexlink_account_auth_token(account));
    CHECK_OK(plexlink_pin_new(1, "ABCD", "c-tests-misuse", &pin));
    CHECK_OK(plexlink_client_home_users(client, token, &users));
    CHECK_OK(plexlink_client_servers(client, token, &devices));
    device = find_device(devices, "Living Room");
    CHECK_OK(plexlink_client_connect(client, device, &connected));
    CHECK_OK(plexlink_client_identity(client, plexlink_connect_result_uri(connected), &identity));
    CHECK_OK(plexlink_cancel_new(&cancel));
    CHECK_OK(plexlink_task_ping(client, token, NULL, NULL, &task));
    CHECK_OK(plexlink_task_wait(task, UINT64_MAX, &r));
    CHECK_OK(r);
    CHECK_OK(plexlink_pin_login_new(config, false, 200, now_ms(), &login));
    CHECK_OK(plexlink_pin_login_poll_transmit(login, now_ms(), &request));
    CHECK_OK(plexlink_pin_login_cancel(login));
    CHECK_OK(plexlink_pin_login_poll_event(login, &event));
    {
        plexlink_race_policy policy = plexlink_race_policy_default();
        CHECK_OK(plexlink_race_new(config, device, &policy, now_ms(), &race));
    }
    {
        /* A Plex JWT under a client identifier of its own: it ends the legacy token of its
         * identifier, which this test uses everywhere else. */
        const plexlink_client_config *jwt_config = NULL;
        const plexlink_client *jwt_client = NULL;
        make_client(url, "c-tests-misuse-jwt", &jwt_config, &jwt_client);
        CHECK_OK(plexlink_device_key_new(&key));
        CHECK_OK(plexlink_device_key_private(key, &private_key));
        CHECK_OK(plexlink_client_upgrade_to_jwt(jwt_client, token, key, &jwt));
        plexlink_client_free(jwt_client);
        plexlink_client_config_free(jwt_config);
        CHECK_OK(plexlink_jwt_refresh_new(config, key, NULL, now_ms(), 1767225600, &refresh));
    }
}

static void teardown(void) {
    plexlink_jwt_refresh_free(refresh);
    plexlink_jwt_free(jwt);
    plexlink_string_free(private_key);
    plexlink_device_key_free(key);
    plexlink_race_free(race);
    plexlink_pin_event_free(event);
    plexlink_http_request_free(request);
    plexlink_pin_login_free(login);
    plexlink_task_free(task);
    plexlink_cancel_free(cancel);
    plexlink_identity_free(identity);
    plexlink_connect_result_free(connected);
    plexlink_device_list_free(devices);
    plexlink_home_user_list_free(users);
    plexlink_account_free(account);
    plexlink_pin_free(pin);
    plexlink_client_free(client);
    plexlink_client_config_free(config);
    free(token);
}

static void results_and_errors(void) {
    char buf[8];
    size_t n = 77;
    char big[512];

    test_step("result codes: fixed numbers, every one described, unknown numbers too");
    CHECK(PLEXLINK_RESULT_OK == 0 && PLEXLINK_RESULT_DONE == 1 && PLEXLINK_RESULT_PENDING == 2);
    CHECK(PLEXLINK_RESULT_NULL_PARAMETER == 100 && PLEXLINK_RESULT_INVALID_UTF8 == 101);
    CHECK(PLEXLINK_RESULT_PANIC == 200 && PLEXLINK_RESULT_UNAUTHORIZED == 300 && PLEXLINK_RESULT_NETWORK == 400);
    CHECK(PLEXLINK_RESULT_DECODE == 500 && PLEXLINK_RESULT_TIMEOUT == 600 && PLEXLINK_RESULT_NO_CONNECTION == 602);
    CHECK(PLEXLINK_RESULT_TOKEN_EXPIRED == 307 && PLEXLINK_RESULT_DEVICE_REMOVED == 311);
    CHECK(PLEXLINK_RESULT_INVALID_JWT == 501);
    CHECK(strstr(plexlink_result_str(PLEXLINK_RESULT_DEVICE_REMOVED), "device removed") != NULL);
    CHECK(strstr(plexlink_result_str(PLEXLINK_RESULT_INVALID_JWT), "JWT") != NULL);
    CHECK_STR(plexlink_result_str(PLEXLINK_RESULT_OK), "ok");
    CHECK(strstr(plexlink_result_str(PLEXLINK_RESULT_UNAUTHORIZED), "unauthorized") != NULL);
    CHECK_STR(plexlink_result_str(123456), "unknown result code");
    CHECK(plexlink_result_str(PLEXLINK_RESULT_RATE_LIMITED) != NULL);

    test_step("last error: set by a failure, cut to the buffer, cleared on request");
    CHECK_NULL_PARAM(plexlink_client_ping(client, NULL));
    CHECK(plexlink_last_error_code() == PLEXLINK_RESULT_NULL_PARAMETER);
    CHECK(strstr(last_error(), "token") != NULL);
    CHECK(plexlink_last_error_http_status() == 0);
    CHECK(plexlink_last_error_retry_after_ms() == PLEXLINK_NO_TIME);
    CHECK(PLEXLINK_NO_TIME == UINT64_MAX);
    CHECK_CODE(plexlink_last_error_message(buf, sizeof buf, &n), PLEXLINK_RESULT_INSUFFICIENT_SIZE);
    CHECK(n == sizeof buf - 1 && buf[n] == '\0');
    CHECK_OK(plexlink_last_error_message(big, sizeof big, &n));
    CHECK(n == strlen(big));
    CHECK_NULL_PARAM(plexlink_last_error_message(NULL, 10, &n));
    CHECK_NULL_PARAM(plexlink_last_error_message(big, sizeof big, NULL));
    CHECK(plexlink_last_error_code() == PLEXLINK_RESULT_NULL_PARAMETER); /* left unchanged */
    CHECK_CODE(plexlink_last_error_message(big, 0, &n), PLEXLINK_RESULT_INSUFFICIENT_SIZE);
    CHECK(n == 0);
    {
        plexlink_connect_result *lost = NULL;
        CHECK_NULL_PARAM(plexlink_last_error_connect_result(NULL));
        CHECK(plexlink_last_error_code() == PLEXLINK_RESULT_NULL_PARAMETER); /* left unchanged */
        CHECK_CODE(plexlink_last_error_connect_result(&lost), PLEXLINK_RESULT_DONE); /* no race in it */
        CHECK(lost == NULL);
        plexlink_last_error_clear();
        CHECK_CODE(plexlink_last_error_connect_result(&lost), PLEXLINK_RESULT_DONE);
        CHECK(lost == NULL);
    }
    CHECK(plexlink_last_error_code() == PLEXLINK_RESULT_OK);
    CHECK_OK(plexlink_last_error_message(big, sizeof big, &n));
    CHECK(n == 0 && big[0] == '\0');

    test_step("version: the loaded library is the header's");
    snprintf(big, sizeof big, "%d.%d.%d", PLEXLINK_VERSION_MAJOR, PLEXLINK_VERSION_MINOR, PLEXLINK_VERSION_PATCH);
    CHECK_STR(plexlink_version(), big);
    CHECK(PLEXLINK_VERSION_NUMBER ==
          ((PLEXLINK_VERSION_MAJOR << 16) | (PLEXLINK_VERSION_MINOR << 8) | PLEXLINK_VERSION_PATCH));
}

static void config_and_client(void) {
    plexlink_client_config_builder *builder = NULL;
    plexlink_client_config_builder *untouched = (plexlink_client_config_builder *)&builder;
    const plexlink_client_config *cfg = NULL;
    const plexlink_client *cl = NULL;
    static const uint8_t pem[] = "x";

    test_step("config builder: NULLs and invalid UTF-8");
    CHECK_NULL_PARAM(plexlink_client_config_builder_new(NULL, "id", &builder));
    CHECK_NULL_PARAM(plexlink_client_config_builder_new("p", NULL, &builder));
    CHECK_NULL_PARAM(plexlink_client_config_builder_new("p", "id", NULL));
    CHECK_BAD_UTF8(plexlink_client_config_builder_new(BAD, "id", &builder));
    CHECK_BAD_UTF8(plexlink_client_config_builder_new("p", BAD, &builder));
    CHECK(builder == NULL);
    CHECK_OK(plexlink_client_config_builder_new("p", "id", &builder));
    CHECK(builder != NULL && builder != untouched);

    CHECK_NULL_PARAM(plexlink_client_config_builder_set_version(NULL, "1"));
    CHECK_NULL_PARAM(plexlink_client_config_builder_set_version(builder, NULL));
    CHECK_BAD_UTF8(plexlink_client_config_builder_set_version(builder, BAD));
    CHECK_NULL_PARAM(plexlink_client_config_builder_set_device_name(NULL, "d"));
    CHECK_NULL_PARAM(plexlink_client_config_builder_set_device_name(builder, NULL));
    CHECK_BAD_UTF8(plexlink_client_config_builder_set_device_name(builder, BAD));
    CHECK_NULL_PARAM(plexlink_client_config_builder_set_platform(NULL, "p"));
    CHECK_NULL_PARAM(plexlink_client_config_builder_set_platform(builder, NULL));
    CHECK_BAD_UTF8(plexlink_client_config_builder_set_platform(builder, BAD));
    CHECK_NULL_PARAM(plexlink_client_config_builder_set_platform_version(NULL, "p"));
    CHECK_NULL_PARAM(plexlink_client_config_builder_set_platform_version(builder, NULL));
    CHECK_BAD_UTF8(plexlink_client_config_builder_set_platform_version(builder, BAD));
    CHECK_NULL_PARAM(plexlink_client_config_builder_set_device(NULL, "d"));
    CHECK_NULL_PARAM(plexlink_client_config_builder_set_device(builder, NULL));
    CHECK_BAD_UTF8(plexlink_client_config_builder_set_device(builder, BAD));
    CHECK_NULL_PARAM(plexlink_client_config_builder_set_model(NULL, "m"));
    CHECK_NULL_PARAM(plexlink_client_config_builder_set_model(builder, NULL));
    CHECK_BAD_UTF8(plexlink_client_config_builder_set_model(builder, BAD));
    CHECK_NULL_PARAM(plexlink_client_config_builder_set_provides(NULL, "p"));
    CHECK_NULL_PARAM(plexlink_client_config_builder_set_provides(builder, NULL));
    CHECK_BAD_UTF8(plexlink_client_config_builder_set_provides(builder, BAD));
    CHECK_NULL_PARAM(plexlink_client_config_builder_set_plex_url(NULL, "http://127.0.0.1:1/"));
    CHECK_NULL_PARAM(plexlink_client_config_builder_set_plex_url(builder, NULL));
    CHECK_BAD_UTF8(plexlink_client_config_builder_set_plex_url(builder, BAD));
    CHECK_NULL_PARAM(plexlink_client_config_builder_set_connect_timeout_ms(NULL, 1));
    CHECK_NULL_PARAM(plexlink_client_config_builder_set_timeout_ms(NULL, 1));
    CHECK_NULL_PARAM(plexlink_client_config_builder_set_max_response_bytes(NULL, 1));
    CHECK_NULL_PARAM(plexlink_client_config_builder_set_allow_insecure_http(NULL, true));
    CHECK_NULL_PARAM(plexlink_client_config_builder_set_resolve_plex_direct(NULL, true));
    CHECK_NULL_PARAM(plexlink_client_config_builder_set_carrier_nat_is_private(NULL, true));
    CHECK_NULL_PARAM(plexlink_client_config_builder_set_jwt_nonce_lifetime_ms(NULL, 1000));
    CHECK_CODE(plexlink_client_config_builder_set_jwt_nonce_lifetime_ms(builder, 999),
               PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK_OK(plexlink_client_config_builder_set_jwt_nonce_lifetime_ms(builder, 1000));
    CHECK_CODE(plexlink_client_config_builder_set_connect_timeout_ms(builder, 0), PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK_CODE(plexlink_client_config_builder_set_max_response_bytes(builder, 0), PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK_NULL_PARAM(plexlink_client_config_builder_add_root_certificate_pem(NULL, pem, 1));
    CHECK_NULL_PARAM(plexlink_client_config_builder_add_root_certificate_pem(builder, NULL, 1));
    CHECK_NULL_PARAM(plexlink_client_config_builder_add_root_certificate_pem(builder, NULL, 0));
    CHECK_NULL_PARAM(plexlink_client_config_builder_build(NULL, &cfg));
    CHECK_NULL_PARAM(plexlink_client_config_builder_build(builder, NULL)); /* not consumed */
    CHECK(cfg == NULL);
    CHECK_OK(plexlink_client_config_builder_build(builder, &cfg));

    test_step("client: NULLs");
    CHECK_NULL_PARAM(plexlink_client_new(NULL, &cl));
    CHECK_NULL_PARAM(plexlink_client_new(cfg, NULL));
    CHECK(cl == NULL);
    plexlink_client_config_free(cfg);

    test_step("free functions accept NULL");
    plexlink_client_config_builder_free(NULL);
    plexlink_client_config_free(NULL);
    plexlink_client_free(NULL);
    plexlink_string_free(NULL);
    plexlink_cancel_free(NULL);
    plexlink_pin_free(NULL);
    plexlink_account_free(NULL);
    plexlink_home_user_list_free(NULL);
    plexlink_device_list_free(NULL);
    plexlink_identity_free(NULL);
    plexlink_connect_result_free(NULL);
    plexlink_connect_result_list_free(NULL);
    plexlink_task_free(NULL);
    plexlink_pin_login_free(NULL);
    plexlink_http_request_free(NULL);
    plexlink_pin_event_free(NULL);
    plexlink_race_free(NULL);
    plexlink_device_key_free(NULL);
    plexlink_jwt_free(NULL);
    plexlink_jwt_refresh_free(NULL);
}

static void pins(void) {
    plexlink_pin *p = NULL;
    char *s = NULL;
    plexlink_wait_options options = plexlink_wait_options_default();
    const plexlink_cancel *c = NULL;

    test_step("cancel handle: NULLs");
    CHECK_NULL_PARAM(plexlink_cancel_new(NULL));
    CHECK_NULL_PARAM(plexlink_cancel_cancel(NULL));
    CHECK(!plexlink_cancel_is_cancelled(NULL));
    (void)c;

    test_step("PIN: NULLs and invalid UTF-8");
    CHECK_NULL_PARAM(plexlink_pin_new(1, NULL, "id", &p));
    CHECK_NULL_PARAM(plexlink_pin_new(1, "ABCD", NULL, &p));
    CHECK_NULL_PARAM(plexlink_pin_new(1, "ABCD", "id", NULL));
    CHECK_BAD_UTF8(plexlink_pin_new(1, BAD, "id", &p));
    CHECK_BAD_UTF8(plexlink_pin_new(1, "ABCD", BAD, &p));
    CHECK(p == NULL);
    CHECK(plexlink_pin_id(NULL) == 0);
    CHECK(plexlink_pin_code(NULL) == NULL);
    CHECK(!plexlink_pin_is_strong(NULL));
    CHECK(plexlink_pin_client_identifier(NULL) == NULL);
    CHECK(plexlink_pin_expires_in_s(NULL) == 0);
    CHECK(plexlink_pin_created_at(NULL) == NULL);
    CHECK(plexlink_pin_expires_at(NULL) == NULL);
    CHECK(plexlink_pin_auth_token(NULL) == NULL);
    CHECK(plexlink_pin_qr(NULL) == NULL);
    CHECK(plexlink_pin_new_registration(NULL) == -1);

    test_step("PIN calls: NULLs and invalid UTF-8");
    CHECK_NULL_PARAM(plexlink_client_create_pin(NULL, false, &p));
    CHECK_NULL_PARAM(plexlink_client_create_pin(client, false, NULL));
    CHECK_NULL_PARAM(plexlink_client_check_pin(NULL, 1, &p));
    CHECK_NULL_PARAM(plexlink_client_check_pin(client, 1, NULL));
    CHECK_NULL_PARAM(plexlink_client_link_url(NULL, &s));
    CHECK_NULL_PARAM(plexlink_client_link_url(client, NULL));
    CHECK_NULL_PARAM(plexlink_client_auth_url(NULL, pin, NULL, &s));
    CHECK_NULL_PARAM(plexlink_client_auth_url(client, NULL, NULL, &s));
    CHECK_NULL_PARAM(plexlink_client_auth_url(client, pin, NULL, NULL));
    CHECK_BAD_UTF8(plexlink_client_auth_url(client, pin, BAD, &s));
    CHECK_NULL_PARAM(plexlink_client_link_pin(NULL, token, "ABCD"));
    CHECK_NULL_PARAM(plexlink_client_link_pin(client, NULL, "ABCD"));
    CHECK_NULL_PARAM(plexlink_client_link_pin(client, token, NULL));
    CHECK_BAD_UTF8(plexlink_client_link_pin(client, BAD, "ABCD"));
    CHECK_BAD_UTF8(plexlink_client_link_pin(client, token, BAD));
    CHECK_NULL_PARAM(plexlink_client_wait_for_token(NULL, pin, &options, &s));
    CHECK_NULL_PARAM(plexlink_client_wait_for_token(client, NULL, &options, &s));
    CHECK_NULL_PARAM(plexlink_client_wait_for_token(client, pin, NULL, &s));
    CHECK_NULL_PARAM(plexlink_client_wait_for_token(client, pin, &options, NULL));
    CHECK(p == NULL && s == NULL);
}

static void accounts(void) {
    plexlink_account *a = NULL;
    plexlink_home_user_list *l = NULL;
    char *s = NULL;
    const plexlink_home_user *u = plexlink_home_user_list_get(users, 0);

    test_step("account calls: NULLs and invalid UTF-8");
    CHECK_NULL_PARAM(plexlink_client_user(NULL, token, &a));
    CHECK_NULL_PARAM(plexlink_client_user(client, NULL, &a));
    CHECK_NULL_PARAM(plexlink_client_user(client, token, NULL));
    CHECK_BAD_UTF8(plexlink_client_user(client, BAD, &a));
    CHECK_NULL_PARAM(plexlink_client_sign_in(NULL, "alice", "pw", NULL, &a));
    CHECK_NULL_PARAM(plexlink_client_sign_in(client, NULL, "pw", NULL, &a));
    CHECK_NULL_PARAM(plexlink_client_sign_in(client, "alice", NULL, NULL, &a));
    CHECK_NULL_PARAM(plexlink_client_sign_in(client, "alice", "pw", NULL, NULL));
    CHECK_BAD_UTF8(plexlink_client_sign_in(client, BAD, "pw", NULL, &a));
    CHECK_BAD_UTF8(plexlink_client_sign_in(client, "alice", BAD, NULL, &a));
    CHECK_BAD_UTF8(plexlink_client_sign_in(client, "alice", "pw", BAD, &a));
    CHECK_NULL_PARAM(plexlink_client_sign_out(NULL, token));
    CHECK_NULL_PARAM(plexlink_client_sign_out(client, NULL));
    CHECK_BAD_UTF8(plexlink_client_sign_out(client, BAD));
    CHECK_NULL_PARAM(plexlink_client_ping(NULL, token));
    CHECK_BAD_UTF8(plexlink_client_ping(client, BAD));
    CHECK_NULL_PARAM(plexlink_client_home_users(NULL, token, &l));
    CHECK_NULL_PARAM(plexlink_client_home_users(client, NULL, &l));
    CHECK_NULL_PARAM(plexlink_client_home_users(client, token, NULL));
    CHECK_BAD_UTF8(plexlink_client_home_users(client, BAD, &l));
    CHECK_NULL_PARAM(plexlink_client_switch_home_user(NULL, token, "uuid", NULL, &a));
    CHECK_NULL_PARAM(plexlink_client_switch_home_user(client, NULL, "uuid", NULL, &a));
    CHECK_NULL_PARAM(plexlink_client_switch_home_user(client, token, NULL, NULL, &a));
    CHECK_NULL_PARAM(plexlink_client_switch_home_user(client, token, "uuid", NULL, NULL));
    CHECK_BAD_UTF8(plexlink_client_switch_home_user(client, BAD, "uuid", NULL, &a));
    CHECK_BAD_UTF8(plexlink_client_switch_home_user(client, token, BAD, NULL, &a));
    CHECK_BAD_UTF8(plexlink_client_switch_home_user(client, token, "uuid", BAD, &a));
    CHECK_NULL_PARAM(plexlink_client_claim_token(NULL, token, &s));
    CHECK_NULL_PARAM(plexlink_client_claim_token(client, NULL, &s));
    CHECK_NULL_PARAM(plexlink_client_claim_token(client, token, NULL));
    CHECK_BAD_UTF8(plexlink_client_claim_token(client, BAD, &s));
    CHECK(a == NULL && l == NULL && s == NULL);

    test_step("account accessors: NULL handles");
    CHECK(plexlink_account_id(NULL) == 0);
    CHECK(plexlink_account_uuid(NULL) == NULL);
    CHECK(plexlink_account_username(NULL) == NULL);
    CHECK(plexlink_account_email(NULL) == NULL);
    CHECK(plexlink_account_friendly_name(NULL) == NULL);
    CHECK(plexlink_account_title(NULL) == NULL);
    CHECK(plexlink_account_thumb(NULL) == NULL);
    CHECK(plexlink_account_auth_token(NULL) == NULL);
    CHECK(!plexlink_account_two_factor_enabled(NULL));
    CHECK(!plexlink_account_home(NULL));
    CHECK(!plexlink_account_home_admin(NULL));
    CHECK(!plexlink_account_subscription_active(NULL));
    CHECK(plexlink_account_subscription_status(NULL) == NULL);
    CHECK(plexlink_account_subscription_plan(NULL) == NULL);
    CHECK(plexlink_home_user_list_len(NULL) == 0);
    CHECK(plexlink_home_user_list_get(NULL, 0) == NULL);
    CHECK(u != NULL && plexlink_home_user_list_get(users, plexlink_home_user_list_len(users)) == NULL);
    CHECK(plexlink_home_user_id(NULL) == 0);
    CHECK(plexlink_home_user_uuid(NULL) == NULL);
    CHECK(plexlink_home_user_title(NULL) == NULL);
    CHECK(plexlink_home_user_username(NULL) == NULL);
    CHECK(plexlink_home_user_thumb(NULL) == NULL);
    CHECK(!plexlink_home_user_admin(NULL));
    CHECK(!plexlink_home_user_restricted(NULL));
    CHECK(!plexlink_home_user_protected(NULL));
    CHECK(!plexlink_home_user_guest(NULL));
}

static void servers(void) {
    plexlink_device_list *l = NULL;
    plexlink_identity *i = NULL;
    plexlink_connect_result *r = NULL;
    plexlink_race_policy policy = plexlink_race_policy_default();
    char *s = NULL;
    const char *uri = plexlink_connect_result_uri(connected);

    test_step("server calls: NULLs and invalid UTF-8");
    CHECK_NULL_PARAM(plexlink_client_resources(NULL, token, &l));
    CHECK_NULL_PARAM(plexlink_client_resources(client, NULL, &l));
    CHECK_NULL_PARAM(plexlink_client_resources(client, token, NULL));
    CHECK_BAD_UTF8(plexlink_client_resources(client, BAD, &l));
    CHECK_NULL_PARAM(plexlink_client_servers(NULL, token, &l));
    CHECK_NULL_PARAM(plexlink_client_servers(client, NULL, &l));
    CHECK_NULL_PARAM(plexlink_client_servers(client, token, NULL));
    CHECK_BAD_UTF8(plexlink_client_servers(client, BAD, &l));
    CHECK_NULL_PARAM(plexlink_client_identity(NULL, uri, &i));
    CHECK_NULL_PARAM(plexlink_client_identity(client, NULL, &i));
    CHECK_NULL_PARAM(plexlink_client_identity(client, uri, NULL));
    CHECK_BAD_UTF8(plexlink_client_identity(client, BAD, &i));
    CHECK_NULL_PARAM(plexlink_client_transient_token(NULL, uri, token, &s));
    CHECK_NULL_PARAM(plexlink_client_transient_token(client, NULL, token, &s));
    CHECK_NULL_PARAM(plexlink_client_transient_token(client, uri, NULL, &s));
    CHECK_NULL_PARAM(plexlink_client_transient_token(client, uri, token, NULL));
    CHECK_BAD_UTF8(plexlink_client_transient_token(client, BAD, token, &s));
    CHECK_BAD_UTF8(plexlink_client_transient_token(client, uri, BAD, &s));
    CHECK_NULL_PARAM(plexlink_client_source_connection_info(NULL, uri, token, "x", &l));
    CHECK_NULL_PARAM(plexlink_client_source_connection_info(client, NULL, token, "x", &l));
    CHECK_NULL_PARAM(plexlink_client_source_connection_info(client, uri, NULL, "x", &l));
    CHECK_NULL_PARAM(plexlink_client_source_connection_info(client, uri, token, NULL, &l));
    CHECK_NULL_PARAM(plexlink_client_source_connection_info(client, uri, token, "x", NULL));
    CHECK_BAD_UTF8(plexlink_client_source_connection_info(client, BAD, token, "x", &l));
    CHECK_BAD_UTF8(plexlink_client_source_connection_info(client, uri, BAD, "x", &l));
    CHECK_BAD_UTF8(plexlink_client_source_connection_info(client, uri, token, BAD, &l));
    CHECK_NULL_PARAM(plexlink_client_connect(NULL, device, &r));
    CHECK_NULL_PARAM(plexlink_client_connect(client, NULL, &r));
    CHECK_NULL_PARAM(plexlink_client_connect(client, device, NULL));
    CHECK_NULL_PARAM(plexlink_client_connect_with(NULL, device, &policy, &r));
    CHECK_NULL_PARAM(plexlink_client_connect_with(client, NULL, &policy, &r));
    CHECK_NULL_PARAM(plexlink_client_connect_with(client, device, NULL, &r));
    CHECK_NULL_PARAM(plexlink_client_connect_with(client, device, &policy, NULL));
    {
        plexlink_connect_result_list *all = NULL;
        CHECK_NULL_PARAM(plexlink_client_connect_all(NULL, devices, &policy, &all));
        CHECK_NULL_PARAM(plexlink_client_connect_all(client, NULL, &policy, &all));
        CHECK_NULL_PARAM(plexlink_client_connect_all(client, devices, NULL, &all));
        CHECK_NULL_PARAM(plexlink_client_connect_all(client, devices, &policy, NULL));
        CHECK(all == NULL);
        CHECK(plexlink_connect_result_list_len(NULL) == 0);
        CHECK(plexlink_connect_result_list_get(NULL, 0) == NULL);
        CHECK(plexlink_connect_result_list_error(NULL, 0) == PLEXLINK_RESULT_NULL_PARAMETER);
        CHECK(plexlink_connect_result_list_error_message(NULL, 0) == NULL);
    }
    {
        plexlink_connect_result_list *all = NULL;
        plexlink_connect_result *lost = NULL;
        CHECK_NULL_PARAM(plexlink_connect_result_list_error_result(NULL, 0, &lost));
        CHECK_OK(plexlink_client_connect_all(client, devices, &policy, &all));
        CHECK_NULL_PARAM(plexlink_connect_result_list_error_result(all, 0, NULL));
        CHECK_CODE(plexlink_connect_result_list_error_result(all, plexlink_connect_result_list_len(all), &lost),
                   PLEXLINK_RESULT_INVALID_PARAMETER);
        CHECK_CODE(plexlink_connect_result_list_error_result(all, 0, &lost), PLEXLINK_RESULT_DONE); /* reached */
        CHECK(lost == NULL);
        plexlink_connect_result_list_free(all);
    }
    policy.probe_timeout_ms = 0;
    CHECK_CODE(plexlink_client_connect_with(client, device, &policy, &r), PLEXLINK_RESULT_INVALID_PARAMETER);
    {
        plexlink_connect_result_list *all = NULL;
        CHECK_CODE(plexlink_client_connect_all(client, devices, &policy, &all), PLEXLINK_RESULT_INVALID_PARAMETER);
        CHECK(all == NULL);
    }
    CHECK(l == NULL && i == NULL && r == NULL && s == NULL);

    test_step("device, connection, identity accessors: NULL handles");
    CHECK(plexlink_device_list_len(NULL) == 0);
    CHECK(plexlink_device_list_get(NULL, 0) == NULL);
    CHECK(plexlink_device_name(NULL) == NULL);
    CHECK(plexlink_device_product(NULL) == NULL);
    CHECK(plexlink_device_product_version(NULL) == NULL);
    CHECK(plexlink_device_platform(NULL) == NULL);
    CHECK(plexlink_device_platform_version(NULL) == NULL);
    CHECK(plexlink_device_device(NULL) == NULL);
    CHECK(plexlink_device_client_identifier(NULL) == NULL);
    CHECK(plexlink_device_created_at(NULL) == NULL);
    CHECK(plexlink_device_last_seen_at(NULL) == NULL);
    CHECK(plexlink_device_provides(NULL) == NULL);
    CHECK(!plexlink_device_is_server(NULL));
    CHECK(plexlink_device_owner_id(NULL) == 0);
    CHECK(plexlink_device_source_title(NULL) == NULL);
    CHECK(plexlink_device_public_address(NULL) == NULL);
    CHECK(plexlink_device_access_token(NULL) == NULL);
    CHECK(!plexlink_device_owned(NULL));
    CHECK(!plexlink_device_home(NULL));
    CHECK(!plexlink_device_synced(NULL));
    CHECK(!plexlink_device_relay(NULL));
    CHECK(!plexlink_device_presence(NULL));
    CHECK(!plexlink_device_https_required(NULL));
    CHECK(!plexlink_device_public_address_matches(NULL));
    CHECK(!plexlink_device_dns_rebinding_protection(NULL));
    CHECK(!plexlink_device_nat_loopback_supported(NULL));
    CHECK(plexlink_device_connections_len(NULL) == 0);
    CHECK(plexlink_device_connection_get(NULL, 0) == NULL);
    CHECK(plexlink_connection_protocol(NULL) == NULL);
    CHECK(plexlink_connection_address(NULL) == NULL);
    CHECK(plexlink_connection_port(NULL) == 0);
    CHECK(plexlink_connection_uri(NULL) == NULL);
    CHECK(!plexlink_connection_local(NULL));
    CHECK(!plexlink_connection_relay(NULL));
    CHECK(!plexlink_connection_ipv6(NULL));
    CHECK(plexlink_identity_machine_identifier(NULL) == NULL);
    CHECK(plexlink_identity_version(NULL) == NULL);
    CHECK(!plexlink_identity_claimed(NULL));

    test_step("connect result, candidate, skipped accessors: NULL handles");
    CHECK(plexlink_connect_result_device(NULL) == NULL);
    CHECK(plexlink_connect_result_connection(NULL) == NULL);
    CHECK(plexlink_connect_result_uri(NULL) == NULL);
    CHECK(plexlink_connect_result_access_token(NULL) == NULL);
    CHECK(plexlink_connect_result_elapsed_ms(NULL) == 0);
    CHECK(plexlink_connect_result_candidates_len(NULL) == 0);
    CHECK(plexlink_connect_result_candidate_get(NULL, 0) == NULL);
    CHECK(plexlink_connect_result_skipped_len(NULL) == 0);
    CHECK(plexlink_connect_result_skipped_get(NULL, 0) == NULL);
    CHECK(plexlink_candidate_uri(NULL) == NULL);
    CHECK(plexlink_candidate_connection(NULL) == NULL);
    CHECK(plexlink_candidate_tier(NULL) == PLEXLINK_TIER_LOCAL);
    CHECK(!plexlink_candidate_secure(NULL));
    CHECK(!plexlink_candidate_ipv6(NULL));
    CHECK(!plexlink_candidate_http_twin(NULL));
    CHECK(plexlink_candidate_result(NULL) == PLEXLINK_PROBE_RESULT_NOT_SENT);
    CHECK(plexlink_candidate_error(NULL) == PLEXLINK_RESULT_OK);
    CHECK(plexlink_candidate_description(NULL) == NULL);
    CHECK(plexlink_candidate_latency_ms(NULL) == PLEXLINK_NO_TIME);
    CHECK(plexlink_skipped_connection(NULL) == NULL);
    CHECK(plexlink_skipped_reason(NULL) == PLEXLINK_SKIP_REASON_OTHER);
    CHECK(plexlink_skipped_description(NULL) == NULL);
    CHECK(plexlink_race_policy_default().allow_http == PLEXLINK_HTTP_POLICY_PRIVATE_ONLY);
}

static void tasks(void) {
    const plexlink_task *t = NULL;
    plexlink_result r = PLEXLINK_RESULT_PANIC;
    plexlink_wait_options options = plexlink_wait_options_default();
    plexlink_race_policy policy = plexlink_race_policy_default();
    char *s = NULL;
    plexlink_pin *p = NULL;
    plexlink_account *a = NULL;
    plexlink_home_user_list *hl = NULL;
    plexlink_device_list *dl = NULL;
    plexlink_connect_result *cr = NULL;
    plexlink_identity *id = NULL;
    const char *uri = plexlink_connect_result_uri(connected);

    test_step("task handle: NULLs");
    CHECK_NULL_PARAM(plexlink_task_cancel(NULL));
    CHECK(!plexlink_task_is_finished(NULL));
    CHECK_NULL_PARAM(plexlink_task_result(NULL));
    CHECK_NULL_PARAM(plexlink_task_wait(NULL, 0, &r));
    CHECK_NULL_PARAM(plexlink_task_wait(task, 0, NULL));
    CHECK(plexlink_task_error_message(NULL) == NULL);
    CHECK_NULL_PARAM(plexlink_task_take_string(NULL, &s));
    CHECK_NULL_PARAM(plexlink_task_take_string(task, NULL));
    CHECK_NULL_PARAM(plexlink_task_take_pin(NULL, &p));
    CHECK_NULL_PARAM(plexlink_task_take_pin(task, NULL));
    CHECK_NULL_PARAM(plexlink_task_take_account(NULL, &a));
    CHECK_NULL_PARAM(plexlink_task_take_account(task, NULL));
    CHECK_NULL_PARAM(plexlink_task_take_home_user_list(NULL, &hl));
    CHECK_NULL_PARAM(plexlink_task_take_home_user_list(task, NULL));
    CHECK_NULL_PARAM(plexlink_task_take_device_list(NULL, &dl));
    CHECK_NULL_PARAM(plexlink_task_take_device_list(task, NULL));
    CHECK_NULL_PARAM(plexlink_task_take_connect_result(NULL, &cr));
    CHECK_NULL_PARAM(plexlink_task_take_connect_result(task, NULL));
    {
        plexlink_connect_result_list *all = NULL;
        CHECK_NULL_PARAM(plexlink_task_take_connect_result_list(NULL, &all));
        CHECK_NULL_PARAM(plexlink_task_take_connect_result_list(task, NULL));
        CHECK(all == NULL);
    }
    CHECK_NULL_PARAM(plexlink_task_take_identity(NULL, &id));
    CHECK_NULL_PARAM(plexlink_task_take_identity(task, NULL));
    /* A ping has no value of any kind. */
    CHECK_CODE(plexlink_task_take_string(task, &s), PLEXLINK_RESULT_WRONG_STATE);
    CHECK_CODE(plexlink_task_take_identity(task, &id), PLEXLINK_RESULT_WRONG_STATE);

    test_step("starting tasks: NULLs and invalid UTF-8 (no task is made)");
    CHECK_NULL_PARAM(plexlink_task_create_pin(NULL, false, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_create_pin(client, false, NULL, NULL, NULL));
    CHECK_NULL_PARAM(plexlink_task_check_pin(NULL, 1, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_check_pin(client, 1, NULL, NULL, NULL));
    CHECK_NULL_PARAM(plexlink_task_wait_for_token(NULL, pin, &options, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_wait_for_token(client, NULL, &options, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_wait_for_token(client, pin, NULL, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_wait_for_token(client, pin, &options, NULL, NULL, NULL));
    CHECK_NULL_PARAM(plexlink_task_user(NULL, token, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_user(client, NULL, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_user(client, token, NULL, NULL, NULL));
    CHECK_BAD_UTF8(plexlink_task_user(client, BAD, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_sign_in(NULL, "a", "b", NULL, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_sign_in(client, NULL, "b", NULL, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_sign_in(client, "a", NULL, NULL, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_sign_in(client, "a", "b", NULL, NULL, NULL, NULL));
    CHECK_BAD_UTF8(plexlink_task_sign_in(client, BAD, "b", NULL, NULL, NULL, &t));
    CHECK_BAD_UTF8(plexlink_task_sign_in(client, "a", BAD, NULL, NULL, NULL, &t));
    CHECK_BAD_UTF8(plexlink_task_sign_in(client, "a", "b", BAD, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_sign_out(NULL, token, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_sign_out(client, NULL, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_sign_out(client, token, NULL, NULL, NULL));
    CHECK_BAD_UTF8(plexlink_task_sign_out(client, BAD, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_ping(NULL, token, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_ping(client, NULL, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_ping(client, token, NULL, NULL, NULL));
    CHECK_BAD_UTF8(plexlink_task_ping(client, BAD, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_link_pin(NULL, token, "ABCD", NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_link_pin(client, NULL, "ABCD", NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_link_pin(client, token, NULL, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_link_pin(client, token, "ABCD", NULL, NULL, NULL));
    CHECK_BAD_UTF8(plexlink_task_link_pin(client, BAD, "ABCD", NULL, NULL, &t));
    CHECK_BAD_UTF8(plexlink_task_link_pin(client, token, BAD, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_home_users(NULL, token, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_home_users(client, NULL, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_home_users(client, token, NULL, NULL, NULL));
    CHECK_BAD_UTF8(plexlink_task_home_users(client, BAD, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_switch_home_user(NULL, token, "u", NULL, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_switch_home_user(client, NULL, "u", NULL, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_switch_home_user(client, token, NULL, NULL, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_switch_home_user(client, token, "u", NULL, NULL, NULL, NULL));
    CHECK_BAD_UTF8(plexlink_task_switch_home_user(client, BAD, "u", NULL, NULL, NULL, &t));
    CHECK_BAD_UTF8(plexlink_task_switch_home_user(client, token, BAD, NULL, NULL, NULL, &t));
    CHECK_BAD_UTF8(plexlink_task_switch_home_user(client, token, "u", BAD, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_claim_token(NULL, token, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_claim_token(client, NULL, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_claim_token(client, token, NULL, NULL, NULL));
    CHECK_BAD_UTF8(plexlink_task_claim_token(client, BAD, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_resources(NULL, token, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_resources(client, NULL, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_resources(client, token, NULL, NULL, NULL));
    CHECK_BAD_UTF8(plexlink_task_resources(client, BAD, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_servers(NULL, token, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_servers(client, NULL, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_servers(client, token, NULL, NULL, NULL));
    CHECK_BAD_UTF8(plexlink_task_servers(client, BAD, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_identity(NULL, uri, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_identity(client, NULL, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_identity(client, uri, NULL, NULL, NULL));
    CHECK_BAD_UTF8(plexlink_task_identity(client, BAD, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_transient_token(NULL, uri, token, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_transient_token(client, NULL, token, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_transient_token(client, uri, NULL, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_transient_token(client, uri, token, NULL, NULL, NULL));
    CHECK_BAD_UTF8(plexlink_task_transient_token(client, BAD, token, NULL, NULL, &t));
    CHECK_BAD_UTF8(plexlink_task_transient_token(client, uri, BAD, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_source_connection_info(NULL, uri, token, "x", NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_source_connection_info(client, NULL, token, "x", NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_source_connection_info(client, uri, NULL, "x", NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_source_connection_info(client, uri, token, NULL, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_source_connection_info(client, uri, token, "x", NULL, NULL, NULL));
    CHECK_BAD_UTF8(plexlink_task_source_connection_info(client, BAD, token, "x", NULL, NULL, &t));
    CHECK_BAD_UTF8(plexlink_task_source_connection_info(client, uri, BAD, "x", NULL, NULL, &t));
    CHECK_BAD_UTF8(plexlink_task_source_connection_info(client, uri, token, BAD, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_connect(NULL, device, &policy, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_connect(client, NULL, &policy, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_connect(client, device, NULL, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_connect(client, device, &policy, NULL, NULL, NULL));
    CHECK_NULL_PARAM(plexlink_task_connect_all(NULL, devices, &policy, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_connect_all(client, NULL, &policy, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_connect_all(client, devices, NULL, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_connect_all(client, devices, &policy, NULL, NULL, NULL));
    policy.allow_http = 9;
    CHECK_CODE(plexlink_task_connect(client, device, &policy, NULL, NULL, &t), PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK_CODE(plexlink_task_connect_all(client, devices, &policy, NULL, NULL, &t), PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK(t == NULL && s == NULL && p == NULL && a == NULL && hl == NULL && dl == NULL && cr == NULL && id == NULL);
}

static void sans_io(void) {
    plexlink_pin_login *l = NULL;
    plexlink_http_request *rq = NULL;
    plexlink_pin_event *ev = NULL;
    plexlink_http_header null_name = {NULL, "v"};
    plexlink_http_header null_value = {"n", NULL};
    plexlink_http_header bad_name = {BAD, "v"};
    plexlink_http_header bad_value = {"n", BAD};

    test_step("sans-IO: NULLs and invalid UTF-8");
    CHECK_NULL_PARAM(plexlink_pin_login_new(NULL, false, 0, 0, &l));
    CHECK_NULL_PARAM(plexlink_pin_login_new(config, false, 0, 0, NULL));
    CHECK_NULL_PARAM(plexlink_pin_login_resume(NULL, pin, 0, 0, &l));
    CHECK_NULL_PARAM(plexlink_pin_login_resume(config, NULL, 0, 0, &l));
    CHECK_NULL_PARAM(plexlink_pin_login_resume(config, pin, 0, 0, NULL));
    CHECK_NULL_PARAM(plexlink_pin_login_poll_transmit(NULL, 0, &rq));
    CHECK_NULL_PARAM(plexlink_pin_login_poll_transmit(login, 0, NULL));
    CHECK_NULL_PARAM(plexlink_pin_login_handle_response(NULL, 0, 200, NULL, 0, NULL, 0));
    CHECK_NULL_PARAM(plexlink_pin_login_handle_response(login, 0, 200, &null_name, 1, NULL, 0));
    CHECK_NULL_PARAM(plexlink_pin_login_handle_response(login, 0, 200, &null_value, 1, NULL, 0));
    CHECK_BAD_UTF8(plexlink_pin_login_handle_response(login, 0, 200, &bad_name, 1, NULL, 0));
    CHECK_BAD_UTF8(plexlink_pin_login_handle_response(login, 0, 200, &bad_value, 1, NULL, 0));
    CHECK_NULL_PARAM(plexlink_pin_login_handle_transport_error(NULL, 0, PLEXLINK_RESULT_NETWORK, "m"));
    CHECK_NULL_PARAM(plexlink_pin_login_handle_transport_error(login, 0, PLEXLINK_RESULT_NETWORK, NULL));
    CHECK_BAD_UTF8(plexlink_pin_login_handle_transport_error(login, 0, PLEXLINK_RESULT_NETWORK, BAD));
    CHECK(plexlink_pin_login_poll_timeout(NULL) == PLEXLINK_NO_TIME);
    CHECK_NULL_PARAM(plexlink_pin_login_handle_timeout(NULL, 0));
    CHECK_NULL_PARAM(plexlink_pin_login_poll_event(NULL, &ev));
    CHECK_NULL_PARAM(plexlink_pin_login_poll_event(login, NULL));
    CHECK_NULL_PARAM(plexlink_pin_login_cancel(NULL));
    CHECK(plexlink_pin_login_is_finished(NULL));
    CHECK(l == NULL && rq == NULL && ev == NULL);

    test_step("sans-IO request and event accessors: NULL handles");
    CHECK(plexlink_http_request_method(NULL) == NULL);
    CHECK(plexlink_http_request_url(NULL) == NULL);
    CHECK(plexlink_http_request_headers_len(NULL) == 0);
    CHECK(plexlink_http_request_header_name(NULL, 0) == NULL);
    CHECK(plexlink_http_request_header_value(NULL, 0) == NULL);
    CHECK(plexlink_http_request_body_len(NULL) == 0);
    CHECK(plexlink_http_request_body(NULL) == NULL);
    CHECK(plexlink_http_request_headers_len(request) > 0);
    CHECK(plexlink_pin_event_get_kind(NULL) == PLEXLINK_PIN_EVENT_KIND_FAILED);
    CHECK(plexlink_pin_event_pin(NULL) == NULL);
    CHECK(plexlink_pin_event_remaining_ms(NULL) == PLEXLINK_NO_TIME);
    CHECK(plexlink_pin_event_token(NULL) == NULL);
    CHECK_NULL_PARAM(plexlink_pin_event_error(NULL));
    CHECK(plexlink_pin_event_error_message(NULL) == NULL);
    CHECK(plexlink_pin_event_get_kind(event) == PLEXLINK_PIN_EVENT_KIND_FAILED);
    CHECK(plexlink_pin_event_error(event) == PLEXLINK_RESULT_CANCELLED);
}

static void sans_io_race(void) {
    plexlink_race *r = NULL;
    plexlink_race_policy policy = plexlink_race_policy_default();
    size_t candidate = 77;
    uint64_t deadline = 77;
    plexlink_http_request *rq = NULL;
    plexlink_connect_result *outcome = NULL;
    plexlink_http_header null_name = {NULL, "v"};
    plexlink_http_header null_value = {"n", NULL};
    plexlink_http_header bad_name = {BAD, "v"};
    plexlink_http_header bad_value = {"n", BAD};

    test_step("sans-IO race: NULLs and invalid UTF-8 (nothing is written)");
    CHECK_NULL_PARAM(plexlink_race_new(NULL, device, &policy, 0, &r));
    CHECK_NULL_PARAM(plexlink_race_new(config, NULL, &policy, 0, &r));
    CHECK_NULL_PARAM(plexlink_race_new(config, device, NULL, 0, &r));
    CHECK_NULL_PARAM(plexlink_race_new(config, device, &policy, 0, NULL));
    CHECK_NULL_PARAM(plexlink_race_poll_transmit(NULL, 0, &candidate, &deadline, &rq));
    CHECK_NULL_PARAM(plexlink_race_poll_transmit(race, 0, NULL, &deadline, &rq));
    CHECK_NULL_PARAM(plexlink_race_poll_transmit(race, 0, &candidate, NULL, &rq));
    CHECK_NULL_PARAM(plexlink_race_poll_transmit(race, 0, &candidate, &deadline, NULL));
    CHECK_NULL_PARAM(plexlink_race_handle_response(NULL, 0, 0, 200, NULL, 0, NULL, 0));
    CHECK_NULL_PARAM(plexlink_race_handle_response(race, 0, 0, 200, NULL, 1, NULL, 0));
    CHECK_NULL_PARAM(plexlink_race_handle_response(race, 0, 0, 200, NULL, 0, NULL, 1));
    CHECK_NULL_PARAM(plexlink_race_handle_response(race, 0, 0, 200, &null_name, 1, NULL, 0));
    CHECK_NULL_PARAM(plexlink_race_handle_response(race, 0, 0, 200, &null_value, 1, NULL, 0));
    CHECK_BAD_UTF8(plexlink_race_handle_response(race, 0, 0, 200, &bad_name, 1, NULL, 0));
    CHECK_BAD_UTF8(plexlink_race_handle_response(race, 0, 0, 200, &bad_value, 1, NULL, 0));
    CHECK_NULL_PARAM(plexlink_race_handle_failure(NULL, 0, 0, PLEXLINK_RESULT_CONNECT, "m"));
    CHECK_NULL_PARAM(plexlink_race_handle_failure(race, 0, 0, PLEXLINK_RESULT_CONNECT, NULL));
    CHECK_BAD_UTF8(plexlink_race_handle_failure(race, 0, 0, PLEXLINK_RESULT_CONNECT, BAD));
    CHECK(plexlink_race_poll_timeout(NULL) == PLEXLINK_NO_TIME);
    CHECK_NULL_PARAM(plexlink_race_handle_timeout(NULL, 0));
    CHECK(plexlink_race_is_decided(NULL));
    CHECK_NULL_PARAM(plexlink_race_outcome(NULL, &outcome));
    CHECK_NULL_PARAM(plexlink_race_outcome(race, NULL));
    CHECK(r == NULL && rq == NULL && outcome == NULL && candidate == 77 && deadline == 77);

    test_step("sans-IO race: invalid values (nothing is handed in)");
    policy.probe_timeout_ms = 0;
    CHECK_CODE(plexlink_race_new(config, device, &policy, 0, &r), PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK(r == NULL);
    CHECK_CODE(plexlink_race_handle_response(race, 0, 0, 1000, NULL, 0, NULL, 0), PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK_CODE(plexlink_race_handle_failure(race, 0, 0, PLEXLINK_RESULT_OK, "m"), PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK(!plexlink_race_is_decided(race));
    CHECK_CODE(plexlink_race_outcome(race, &outcome), PLEXLINK_RESULT_PENDING);
    CHECK(outcome == NULL);
}

/* The kept connection (blocking and sans-IO) and the offline servers. */
static void kept_and_offline(void) {
    plexlink_keep_options options = plexlink_keep_options_default();
    plexlink_keep_policy policy = plexlink_keep_policy_default();
    const plexlink_kept_server *ks = NULL;
    plexlink_kept *k = NULL;
    plexlink_kept *lost = NULL;
    plexlink_kept_event *ev = NULL;
    plexlink_connect_result *cr = NULL;
    plexlink_http_request *rq = NULL;
    plexlink_resources_snapshot *snap = NULL;
    plexlink_resources_snapshot *sn = NULL;
    plexlink_server_list *list = NULL;
    plexlink_server_list *sl = NULL;
    const plexlink_task *t = NULL;
    char *uri = NULL;
    char *json = NULL;
    plexlink_tier tier = (plexlink_tier)77;
    uint64_t probe = 77;
    uint64_t deadline = 77;
    plexlink_http_header null_name = {NULL, "v"};
    plexlink_http_header bad_value = {"n", BAD};

    test_step("kept: defaults");
    CHECK(policy.race.probe_timeout_ms == plexlink_race_policy_default().probe_timeout_ms);
    CHECK(policy.warm_window_ms == 300 && policy.recheck_interval_ms == 60000);
    CHECK(policy.recheck_max_ms == 240000 && policy.retry_max_ms == 60000);
    CHECK(options.policy.warm_window_ms == 300 && options.last_good == NULL && options.on_event == NULL);
    CHECK(options.userdata == NULL);

    test_step("kept server: NULLs, invalid UTF-8 and policies (nothing is written)");
    CHECK_NULL_PARAM(plexlink_client_keep(NULL, device, &options, &ks));
    CHECK_NULL_PARAM(plexlink_client_keep(client, NULL, &options, &ks));
    CHECK_NULL_PARAM(plexlink_client_keep(client, device, NULL, &ks));
    CHECK_NULL_PARAM(plexlink_client_keep(client, device, &options, NULL));
    options.last_good = BAD;
    CHECK_BAD_UTF8(plexlink_client_keep(client, device, &options, &ks));
    options = plexlink_keep_options_default();
    options.policy.retry_max_ms = 0;
    CHECK_CODE(plexlink_client_keep(client, device, &options, &ks), PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK(strstr(last_error(), "retry_max") != NULL);
    options = plexlink_keep_options_default();
    options.policy.race.probe_timeout_ms = 0;
    CHECK_CODE(plexlink_client_keep(client, device, &options, &ks), PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK(ks == NULL);
    CHECK_NULL_PARAM(plexlink_kept_server_current(NULL, &uri, &tier));
    CHECK_NULL_PARAM(plexlink_kept_server_last_outcome(NULL, &cr));
    CHECK_NULL_PARAM(plexlink_kept_server_report_failure(NULL));
    CHECK_NULL_PARAM(plexlink_kept_server_network_changed(NULL));
    CHECK_NULL_PARAM(plexlink_kept_server_stop(NULL));
    CHECK(!plexlink_kept_server_is_running(NULL));

    test_step("kept server: a live one with NULL out-parameters");
    options = plexlink_keep_options_default();
    CHECK_OK(plexlink_client_keep(client, device, &options, &ks));
    CHECK_NULL_PARAM(plexlink_kept_server_current(ks, NULL, &tier));
    CHECK_NULL_PARAM(plexlink_kept_server_current(ks, &uri, NULL));
    CHECK_NULL_PARAM(plexlink_kept_server_last_outcome(ks, NULL));
    CHECK(uri == NULL && tier == (plexlink_tier)77 && cr == NULL);
    CHECK_OK(plexlink_kept_server_current(ks, &uri, &tier));
    CHECK(tier == PLEXLINK_TIER_LOCAL);
    plexlink_string_free(uri);
    uri = NULL;
    tier = (plexlink_tier)77;
    CHECK_OK(plexlink_kept_server_stop(ks));
    plexlink_kept_server_free(ks);

    test_step("sans-IO kept: NULLs and invalid UTF-8 (nothing is written)");
    CHECK_NULL_PARAM(plexlink_kept_new(NULL, device, &policy, NULL, 0, &k));
    CHECK_NULL_PARAM(plexlink_kept_new(config, NULL, &policy, NULL, 0, &k));
    CHECK_NULL_PARAM(plexlink_kept_new(config, device, NULL, NULL, 0, &k));
    CHECK_NULL_PARAM(plexlink_kept_new(config, device, &policy, NULL, 0, NULL));
    CHECK_BAD_UTF8(plexlink_kept_new(config, device, &policy, BAD, 0, &k));
    policy.recheck_max_ms = 0;
    CHECK_CODE(plexlink_kept_new(config, device, &policy, NULL, 0, &k), PLEXLINK_RESULT_INVALID_PARAMETER);
    policy = plexlink_keep_policy_default();
    CHECK(k == NULL);
    CHECK_OK(plexlink_kept_new(config, device, &policy, "http://not-a-connection-of-it:1", now_ms(), &k));
    CHECK_NULL_PARAM(plexlink_kept_poll_transmit(NULL, 0, &probe, &deadline, &rq));
    CHECK_NULL_PARAM(plexlink_kept_poll_transmit(k, 0, NULL, &deadline, &rq));
    CHECK_NULL_PARAM(plexlink_kept_poll_transmit(k, 0, &probe, NULL, &rq));
    CHECK_NULL_PARAM(plexlink_kept_poll_transmit(k, 0, &probe, &deadline, NULL));
    CHECK_NULL_PARAM(plexlink_kept_handle_response(NULL, 0, 1, 200, NULL, 0, NULL, 0));
    CHECK_NULL_PARAM(plexlink_kept_handle_response(k, 0, 1, 200, NULL, 1, NULL, 0));
    CHECK_NULL_PARAM(plexlink_kept_handle_response(k, 0, 1, 200, NULL, 0, NULL, 1));
    CHECK_NULL_PARAM(plexlink_kept_handle_response(k, 0, 1, 200, &null_name, 1, NULL, 0));
    CHECK_BAD_UTF8(plexlink_kept_handle_response(k, 0, 1, 200, &bad_value, 1, NULL, 0));
    CHECK_CODE(plexlink_kept_handle_response(k, 0, 1, 99, NULL, 0, NULL, 0), PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK_NULL_PARAM(plexlink_kept_handle_failure(NULL, 0, 1, PLEXLINK_RESULT_CONNECT, "m"));
    CHECK_NULL_PARAM(plexlink_kept_handle_failure(k, 0, 1, PLEXLINK_RESULT_CONNECT, NULL));
    CHECK_BAD_UTF8(plexlink_kept_handle_failure(k, 0, 1, PLEXLINK_RESULT_CONNECT, BAD));
    CHECK_CODE(plexlink_kept_handle_failure(k, 0, 1, PLEXLINK_RESULT_OK, "m"), PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK(plexlink_kept_poll_timeout(NULL) == PLEXLINK_NO_TIME);
    CHECK_NULL_PARAM(plexlink_kept_handle_timeout(NULL, 0));
    CHECK_NULL_PARAM(plexlink_kept_poll_event(NULL, &ev));
    CHECK_NULL_PARAM(plexlink_kept_poll_event(k, NULL));
    CHECK_NULL_PARAM(plexlink_kept_report_failure(NULL, 0));
    CHECK_NULL_PARAM(plexlink_kept_network_changed(NULL, 0));
    CHECK_NULL_PARAM(plexlink_kept_current(NULL, &uri, &tier));
    CHECK_NULL_PARAM(plexlink_kept_current(k, NULL, &tier));
    CHECK_NULL_PARAM(plexlink_kept_current(k, &uri, NULL));
    CHECK_NULL_PARAM(plexlink_kept_last_outcome(NULL, &cr));
    CHECK_NULL_PARAM(plexlink_kept_last_outcome(k, NULL));
    CHECK(rq == NULL && ev == NULL && uri == NULL && tier == (plexlink_tier)77 && cr == NULL && probe == 77 &&
          deadline == 77);

    test_step("sans-IO kept: an unknown last good URI races them all; nothing decided yet");
    CHECK_OK(plexlink_kept_poll_transmit(k, now_ms(), &probe, &deadline, &rq));
    CHECK(probe != 77 && deadline != 77);
    plexlink_http_request_free(rq);
    CHECK_CODE(plexlink_kept_current(k, &uri, &tier), PLEXLINK_RESULT_PENDING);
    CHECK_CODE(plexlink_kept_poll_event(k, &ev), PLEXLINK_RESULT_DONE);
    CHECK_OK(plexlink_kept_handle_timeout(k, 0));
    CHECK_OK(plexlink_kept_report_failure(k, now_ms()));
    CHECK_OK(plexlink_kept_network_changed(k, now_ms()));
    plexlink_kept_free(k);

    test_step("sans-IO kept: every connection left out: LOST at once, NO_CONNECTION keeps the race");
    policy.race.allow_http = PLEXLINK_HTTP_POLICY_NEVER;
    CHECK_OK(plexlink_kept_new(config, device, &policy, NULL, now_ms(), &lost));
    CHECK_OK(plexlink_kept_poll_event(lost, &ev));
    CHECK(plexlink_kept_event_get_kind(ev) == PLEXLINK_KEPT_EVENT_KIND_LOST);
    CHECK(plexlink_kept_event_why(ev) == PLEXLINK_KEPT_REASON_STARTED);
    CHECK_STR(plexlink_kept_event_why_name(ev), "started");
    CHECK(plexlink_kept_event_old_uri(ev) == NULL && plexlink_kept_event_new_uri(ev) == NULL);
    CHECK(plexlink_kept_event_new_tier(ev) == PLEXLINK_TIER_LOCAL);
    CHECK(plexlink_connect_result_uri(plexlink_kept_event_outcome(ev)) == NULL);
    CHECK(plexlink_connect_result_skipped_len(plexlink_kept_event_outcome(ev)) ==
          plexlink_device_connections_len(device));
    CHECK_CODE(plexlink_kept_current(lost, &uri, &tier), PLEXLINK_RESULT_NO_CONNECTION);
    CHECK(uri == NULL && tier == (plexlink_tier)77);
    CHECK_OK(plexlink_last_error_connect_result(&cr));
    CHECK(plexlink_connect_result_uri(cr) == NULL);
    plexlink_connect_result_free(cr);
    cr = NULL;
    CHECK_OK(plexlink_kept_last_outcome(lost, &cr));
    plexlink_connect_result_free(cr);
    cr = NULL;

    test_step("kept events: NULL handles");
    CHECK(plexlink_kept_event_get_kind(NULL) == PLEXLINK_KEPT_EVENT_KIND_LOST);
    CHECK(plexlink_kept_event_why(NULL) == PLEXLINK_KEPT_REASON_OTHER);
    CHECK(plexlink_kept_event_why_name(NULL) == NULL);
    CHECK(plexlink_kept_event_old_uri(NULL) == NULL);
    CHECK(plexlink_kept_event_new_uri(NULL) == NULL);
    CHECK(plexlink_kept_event_new_tier(NULL) == PLEXLINK_TIER_LOCAL);
    CHECK(plexlink_kept_event_outcome(NULL) == NULL);
    plexlink_kept_event_free(ev);
    plexlink_kept_free(lost);

    test_step("offline: NULLs and invalid UTF-8 (nothing is written)");
    CHECK_NULL_PARAM(plexlink_resources_snapshot_from_json(NULL, &sn));
    CHECK_NULL_PARAM(plexlink_resources_snapshot_from_json("{}", NULL));
    CHECK_BAD_UTF8(plexlink_resources_snapshot_from_json(BAD, &sn));
    CHECK_CODE(plexlink_resources_snapshot_from_json("{}", &sn), PLEXLINK_RESULT_DECODE);
    CHECK_NULL_PARAM(plexlink_resources_snapshot_to_json(NULL, &json));
    CHECK(plexlink_resources_snapshot_taken_at(NULL) == 0);
    CHECK_NULL_PARAM(plexlink_client_servers_or_snapshot(NULL, token, NULL, &sl));
    CHECK_NULL_PARAM(plexlink_client_servers_or_snapshot(client, NULL, NULL, &sl));
    CHECK_NULL_PARAM(plexlink_client_servers_or_snapshot(client, token, NULL, NULL));
    CHECK_BAD_UTF8(plexlink_client_servers_or_snapshot(client, BAD, NULL, &sl));
    CHECK_NULL_PARAM(plexlink_task_servers_or_snapshot(NULL, token, NULL, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_servers_or_snapshot(client, NULL, NULL, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_servers_or_snapshot(client, token, NULL, NULL, NULL, NULL));
    CHECK_BAD_UTF8(plexlink_task_servers_or_snapshot(client, BAD, NULL, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_take_server_list(NULL, &sl));
    CHECK_NULL_PARAM(plexlink_task_take_server_list(task, NULL));
    CHECK_CODE(plexlink_task_take_server_list(task, &sl), PLEXLINK_RESULT_WRONG_STATE); /* a ping's */
    CHECK(plexlink_server_list_servers(NULL) == NULL);
    CHECK(plexlink_server_list_snapshot(NULL) == NULL);
    CHECK_NULL_PARAM(plexlink_server_list_offline(NULL));
    CHECK(plexlink_server_list_offline_message(NULL) == NULL);
    CHECK(sn == NULL && json == NULL && sl == NULL && t == NULL);

    test_step("offline: a live list and snapshot with NULL out-parameters");
    CHECK_OK(plexlink_client_servers_or_snapshot(client, token, NULL, &list));
    CHECK(plexlink_server_list_offline(list) == PLEXLINK_RESULT_OK);
    CHECK(plexlink_device_list_len(plexlink_server_list_servers(list)) > 0);
    CHECK_NULL_PARAM(plexlink_resources_snapshot_to_json(plexlink_server_list_snapshot(list), NULL));
    CHECK_OK(plexlink_resources_snapshot_to_json(plexlink_server_list_snapshot(list), &json));
    CHECK_OK(plexlink_resources_snapshot_from_json(json, &snap));
    CHECK(plexlink_resources_snapshot_taken_at(snap) > 0);
    CHECK(strstr(last_error(), token) == NULL);
    plexlink_string_free(json);
    plexlink_resources_snapshot_free(snap);
    plexlink_server_list_free(list);

    plexlink_kept_server_free(NULL);
    plexlink_kept_free(NULL);
    plexlink_kept_event_free(NULL);
    plexlink_resources_snapshot_free(NULL);
    plexlink_server_list_free(NULL);
}

/* The key's private text is nowhere in the last error. */
static void no_private_key_in_last_error(void) {
    CHECK(strstr(last_error(), private_key) == NULL);
}

static void device_keys(void) {
    plexlink_device_key *k = NULL;
    char *s = NULL;
    uint8_t seed[PLEXLINK_DEVICE_KEY_SEED_LEN + 1];
    uint8_t untouched[PLEXLINK_DEVICE_KEY_SEED_LEN];
    char text[128];

    test_step("device key: NULLs, invalid UTF-8, wrong seed lengths, bad private key texts");
    memset(seed, 7, sizeof seed);
    CHECK_NULL_PARAM(plexlink_device_key_new(NULL));
    CHECK_NULL_PARAM(plexlink_device_key_from_seed(NULL, PLEXLINK_DEVICE_KEY_SEED_LEN, &k));
    CHECK_NULL_PARAM(plexlink_device_key_from_seed(NULL, 0, &k));
    CHECK_NULL_PARAM(plexlink_device_key_from_seed(seed, PLEXLINK_DEVICE_KEY_SEED_LEN, NULL));
    CHECK_CODE(plexlink_device_key_from_seed(seed, 0, &k), PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK_CODE(plexlink_device_key_from_seed(seed, PLEXLINK_DEVICE_KEY_SEED_LEN - 1, &k),
               PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK(strstr(last_error(), "32") != NULL);
    CHECK_CODE(plexlink_device_key_from_seed(seed, PLEXLINK_DEVICE_KEY_SEED_LEN + 1, &k),
               PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK_NULL_PARAM(plexlink_device_key_from_private(NULL, &k));
    CHECK_NULL_PARAM(plexlink_device_key_from_private(private_key, NULL));
    no_private_key_in_last_error();
    CHECK_BAD_UTF8(plexlink_device_key_from_private(BAD, &k));
    CHECK_CODE(plexlink_device_key_from_private("", &k), PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK_CODE(plexlink_device_key_from_private("not a key at all", &k), PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK(strstr(last_error(), "not a key at all") == NULL);
    /* Nearly the real key: one character short, one too many, a character base64url lacks. */
    snprintf(text, sizeof text, "%s", private_key);
    text[strlen(text) - 1] = '\0';
    CHECK_CODE(plexlink_device_key_from_private(text, &k), PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK(strstr(last_error(), text) == NULL);
    snprintf(text, sizeof text, "%sA", private_key);
    CHECK_CODE(plexlink_device_key_from_private(text, &k), PLEXLINK_RESULT_INVALID_PARAMETER);
    no_private_key_in_last_error();
    snprintf(text, sizeof text, "%s", private_key);
    text[0] = '+';
    CHECK_CODE(plexlink_device_key_from_private(text, &k), PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK(strstr(last_error(), text + 1) == NULL);
    CHECK(k == NULL);

    test_step("device key accessors: NULLs, a buffer too small (nothing written)");
    CHECK_NULL_PARAM(plexlink_device_key_private(NULL, &s));
    CHECK_NULL_PARAM(plexlink_device_key_private(key, NULL));
    CHECK(s == NULL);
    CHECK_NULL_PARAM(plexlink_device_key_seed(NULL, seed, sizeof seed));
    CHECK_NULL_PARAM(plexlink_device_key_seed(key, NULL, sizeof seed));
    memset(untouched, 7, sizeof untouched);
    memset(seed, 7, sizeof seed);
    CHECK_CODE(plexlink_device_key_seed(key, seed, PLEXLINK_DEVICE_KEY_SEED_LEN - 1),
               PLEXLINK_RESULT_INSUFFICIENT_SIZE);
    CHECK(memcmp(seed, untouched, sizeof untouched) == 0);
    CHECK_CODE(plexlink_device_key_seed(key, seed, 0), PLEXLINK_RESULT_INSUFFICIENT_SIZE);
    no_private_key_in_last_error();
    CHECK(plexlink_device_key_kid(NULL) == NULL);
    CHECK(strlen(plexlink_device_key_kid(key)) == 43);
}

static void jwts(void) {
    test_step("Plex JWT accessors: NULL handles");
    CHECK(plexlink_jwt_token(NULL) == NULL);
    CHECK(plexlink_jwt_username(NULL) == NULL);
    CHECK(plexlink_jwt_user_uuid(NULL) == NULL);
    CHECK(plexlink_jwt_user_id(NULL) == 0);
    CHECK(plexlink_jwt_email(NULL) == NULL);
    CHECK(plexlink_jwt_friendly_name(NULL) == NULL);
    CHECK(!plexlink_jwt_restricted(NULL));
    CHECK(plexlink_jwt_issued_at(NULL) == 0);
    CHECK(plexlink_jwt_expires_at(NULL) == 0);
    CHECK(plexlink_jwt_thumbprint(NULL) == NULL);
    CHECK(!plexlink_jwt_needs_refresh(NULL, 0));
    CHECK_STR(plexlink_jwt_username(jwt), "alice");
    CHECK(plexlink_jwt_needs_refresh(jwt, plexlink_jwt_expires_at(jwt)));
}

static void jwt_calls(void) {
    plexlink_pin *p = NULL;
    plexlink_jwt *j = NULL;
    plexlink_wait_options options = plexlink_wait_options_default();
    const char *jt = plexlink_jwt_token(jwt);

    test_step("Plex JWT calls: NULLs and invalid UTF-8 (nothing is sent, nothing written)");
    CHECK_NULL_PARAM(plexlink_client_create_jwt_pin(NULL, key, false, &p));
    CHECK_NULL_PARAM(plexlink_client_create_jwt_pin(client, NULL, false, &p));
    CHECK_NULL_PARAM(plexlink_client_create_jwt_pin(client, key, false, NULL));
    CHECK_NULL_PARAM(plexlink_client_wait_for_jwt(NULL, pin, key, &options, &j));
    CHECK_NULL_PARAM(plexlink_client_wait_for_jwt(client, NULL, key, &options, &j));
    CHECK_NULL_PARAM(plexlink_client_wait_for_jwt(client, pin, NULL, &options, &j));
    CHECK_NULL_PARAM(plexlink_client_wait_for_jwt(client, pin, key, NULL, &j));
    CHECK_NULL_PARAM(plexlink_client_wait_for_jwt(client, pin, key, &options, NULL));
    CHECK_NULL_PARAM(plexlink_client_upgrade_to_jwt(NULL, token, key, &j));
    CHECK_NULL_PARAM(plexlink_client_upgrade_to_jwt(client, NULL, key, &j));
    CHECK_NULL_PARAM(plexlink_client_upgrade_to_jwt(client, token, NULL, &j));
    CHECK_NULL_PARAM(plexlink_client_upgrade_to_jwt(client, token, key, NULL));
    CHECK_BAD_UTF8(plexlink_client_upgrade_to_jwt(client, BAD, key, &j));
    CHECK_NULL_PARAM(plexlink_client_refresh_jwt(NULL, key, &j));
    CHECK_NULL_PARAM(plexlink_client_refresh_jwt(client, NULL, &j));
    CHECK_NULL_PARAM(plexlink_client_refresh_jwt(client, key, NULL));
    CHECK_NULL_PARAM(plexlink_client_verify_jwt(NULL, jt, key, &j));
    CHECK_NULL_PARAM(plexlink_client_verify_jwt(client, NULL, key, &j));
    CHECK_NULL_PARAM(plexlink_client_verify_jwt(client, jt, NULL, &j));
    CHECK_NULL_PARAM(plexlink_client_verify_jwt(client, jt, key, NULL));
    CHECK_BAD_UTF8(plexlink_client_verify_jwt(client, BAD, key, &j));
    no_private_key_in_last_error();
    CHECK(p == NULL && j == NULL);

    test_step("Plex JWT calls: a JWT of another client identifier does not verify here");
    CHECK_CODE(plexlink_client_verify_jwt(client, jt, key, &j), PLEXLINK_RESULT_INVALID_JWT);
    CHECK(strstr(last_error(), jt) == NULL);
    no_private_key_in_last_error();
    CHECK(j == NULL);
}

static void jwt_tasks(void) {
    const plexlink_task *t = NULL;
    plexlink_jwt *j = NULL;
    plexlink_wait_options options = plexlink_wait_options_default();
    const char *jt = plexlink_jwt_token(jwt);

    test_step("Plex JWT tasks: NULLs and invalid UTF-8 (no task is made)");
    CHECK_NULL_PARAM(plexlink_task_take_jwt(NULL, &j));
    CHECK_NULL_PARAM(plexlink_task_take_jwt(task, NULL));
    CHECK_CODE(plexlink_task_take_jwt(task, &j), PLEXLINK_RESULT_WRONG_STATE); /* a ping has no JWT */
    CHECK_NULL_PARAM(plexlink_task_create_jwt_pin(NULL, key, false, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_create_jwt_pin(client, NULL, false, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_create_jwt_pin(client, key, false, NULL, NULL, NULL));
    CHECK_NULL_PARAM(plexlink_task_wait_for_jwt(NULL, pin, key, &options, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_wait_for_jwt(client, NULL, key, &options, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_wait_for_jwt(client, pin, NULL, &options, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_wait_for_jwt(client, pin, key, NULL, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_wait_for_jwt(client, pin, key, &options, NULL, NULL, NULL));
    CHECK_NULL_PARAM(plexlink_task_upgrade_to_jwt(NULL, token, key, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_upgrade_to_jwt(client, NULL, key, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_upgrade_to_jwt(client, token, NULL, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_upgrade_to_jwt(client, token, key, NULL, NULL, NULL));
    CHECK_BAD_UTF8(plexlink_task_upgrade_to_jwt(client, BAD, key, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_refresh_jwt(NULL, key, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_refresh_jwt(client, NULL, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_refresh_jwt(client, key, NULL, NULL, NULL));
    CHECK_NULL_PARAM(plexlink_task_verify_jwt(NULL, jt, key, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_verify_jwt(client, NULL, key, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_verify_jwt(client, jt, NULL, NULL, NULL, &t));
    CHECK_NULL_PARAM(plexlink_task_verify_jwt(client, jt, key, NULL, NULL, NULL));
    CHECK_BAD_UTF8(plexlink_task_verify_jwt(client, BAD, key, NULL, NULL, &t));
    no_private_key_in_last_error();
    CHECK(t == NULL && j == NULL);
}

static void jwt_sans_io(void) {
    plexlink_pin_login *l = NULL;
    plexlink_jwt_refresh *r = NULL;
    plexlink_http_request *rq = NULL;
    plexlink_jwt *j = NULL;
    plexlink_plex_keys *keys = NULL;
    plexlink_http_header null_name = {NULL, "v"};
    plexlink_http_header null_value = {"n", NULL};
    plexlink_http_header bad_name = {BAD, "v"};
    plexlink_http_header bad_value = {"n", BAD};

    test_step("sans-IO JWT PIN login: NULLs; a legacy login has no JWT");
    CHECK_NULL_PARAM(plexlink_pin_login_new_jwt(NULL, key, NULL, false, 0, 0, 0, &l));
    CHECK_NULL_PARAM(plexlink_pin_login_new_jwt(config, NULL, NULL, false, 0, 0, 0, &l));
    CHECK_NULL_PARAM(plexlink_pin_login_new_jwt(config, key, NULL, false, 0, 0, 0, NULL));
    CHECK_NULL_PARAM(plexlink_pin_login_resume_jwt(NULL, pin, key, NULL, 0, 0, 0, &l));
    CHECK_NULL_PARAM(plexlink_pin_login_resume_jwt(config, NULL, key, NULL, 0, 0, 0, &l));
    CHECK_NULL_PARAM(plexlink_pin_login_resume_jwt(config, pin, NULL, NULL, 0, 0, 0, &l));
    CHECK_NULL_PARAM(plexlink_pin_login_resume_jwt(config, pin, key, NULL, 0, 0, 0, NULL));
    CHECK_NULL_PARAM(plexlink_pin_login_jwt(NULL, &j));
    CHECK_NULL_PARAM(plexlink_pin_login_jwt(login, NULL));
    CHECK_CODE(plexlink_pin_login_jwt(login, &j), PLEXLINK_RESULT_WRONG_STATE);
    CHECK(l == NULL && j == NULL);

    test_step("plex.tv's keys: NULLs; none from a legacy login or a refresh that fetched none yet");
    CHECK_NULL_PARAM(plexlink_pin_login_plex_keys(NULL, &keys));
    CHECK_NULL_PARAM(plexlink_pin_login_plex_keys(login, NULL));
    CHECK_CODE(plexlink_pin_login_plex_keys(login, &keys), PLEXLINK_RESULT_DONE);
    CHECK_NULL_PARAM(plexlink_jwt_refresh_plex_keys(NULL, &keys));
    CHECK_NULL_PARAM(plexlink_jwt_refresh_plex_keys(refresh, NULL));
    CHECK_CODE(plexlink_jwt_refresh_plex_keys(refresh, &keys), PLEXLINK_RESULT_DONE);
    CHECK(keys == NULL);
    CHECK(plexlink_plex_keys_len(NULL) == 0);
    plexlink_plex_keys_free(NULL);

    test_step("sans-IO JWT refresh: NULLs, invalid UTF-8 and invalid values (nothing is handed in)");
    CHECK_NULL_PARAM(plexlink_jwt_refresh_new(NULL, key, NULL, 0, 0, &r));
    CHECK_NULL_PARAM(plexlink_jwt_refresh_new(config, NULL, NULL, 0, 0, &r));
    CHECK_NULL_PARAM(plexlink_jwt_refresh_new(config, key, NULL, 0, 0, NULL));
    CHECK_NULL_PARAM(plexlink_jwt_refresh_poll_transmit(NULL, 0, &rq));
    CHECK_NULL_PARAM(plexlink_jwt_refresh_poll_transmit(refresh, 0, NULL));
    CHECK_NULL_PARAM(plexlink_jwt_refresh_handle_response(NULL, 0, 200, NULL, 0, NULL, 0));
    CHECK_NULL_PARAM(plexlink_jwt_refresh_handle_response(refresh, 0, 200, NULL, 1, NULL, 0));
    CHECK_NULL_PARAM(plexlink_jwt_refresh_handle_response(refresh, 0, 200, NULL, 0, NULL, 1));
    CHECK_NULL_PARAM(plexlink_jwt_refresh_handle_response(refresh, 0, 200, &null_name, 1, NULL, 0));
    CHECK_NULL_PARAM(plexlink_jwt_refresh_handle_response(refresh, 0, 200, &null_value, 1, NULL, 0));
    CHECK_BAD_UTF8(plexlink_jwt_refresh_handle_response(refresh, 0, 200, &bad_name, 1, NULL, 0));
    CHECK_BAD_UTF8(plexlink_jwt_refresh_handle_response(refresh, 0, 200, &bad_value, 1, NULL, 0));
    CHECK_CODE(plexlink_jwt_refresh_handle_response(refresh, 0, 1000, NULL, 0, NULL, 0),
               PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK_NULL_PARAM(plexlink_jwt_refresh_handle_transport_error(NULL, 0, PLEXLINK_RESULT_NETWORK, "m"));
    CHECK_NULL_PARAM(plexlink_jwt_refresh_handle_transport_error(refresh, 0, PLEXLINK_RESULT_NETWORK, NULL));
    CHECK_BAD_UTF8(plexlink_jwt_refresh_handle_transport_error(refresh, 0, PLEXLINK_RESULT_NETWORK, BAD));
    CHECK_CODE(plexlink_jwt_refresh_handle_transport_error(refresh, 0, PLEXLINK_RESULT_OK, "m"),
               PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK(plexlink_jwt_refresh_poll_timeout(NULL) == PLEXLINK_NO_TIME);
    CHECK_NULL_PARAM(plexlink_jwt_refresh_handle_timeout(NULL, 0));
    CHECK_NULL_PARAM(plexlink_jwt_refresh_outcome(NULL, &j));
    CHECK_NULL_PARAM(plexlink_jwt_refresh_outcome(refresh, NULL));
    CHECK_NULL_PARAM(plexlink_jwt_refresh_cancel(NULL));
    CHECK(plexlink_jwt_refresh_is_finished(NULL));
    /* Nothing reached the machine: it is as new, nothing sent, no timer. */
    CHECK(!plexlink_jwt_refresh_is_finished(refresh));
    CHECK(plexlink_jwt_refresh_poll_timeout(refresh) == PLEXLINK_NO_TIME);
    CHECK_CODE(plexlink_jwt_refresh_outcome(refresh, &j), PLEXLINK_RESULT_PENDING);
    no_private_key_in_last_error();
    CHECK(r == NULL && rq == NULL && j == NULL);
}

int main(int argc, char **argv) {
    url = emulator_url(argc, argv);
    printf("test_misuse against %s\n", url);
    setup();
    results_and_errors();
    config_and_client();
    pins();
    accounts();
    servers();
    tasks();
    sans_io();
    sans_io_race();
    kept_and_offline();
    device_keys();
    jwts();
    jwt_calls();
    jwt_tasks();
    jwt_sans_io();
    teardown();
    printf("test_misuse: ok\n");
    return 0;
}
