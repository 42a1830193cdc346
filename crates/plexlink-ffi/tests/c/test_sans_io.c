/*
 * The sans-IO machines driven by a host with its own HTTP stack: the HTTP/1.1 client of
 * support.c over plain sockets, and the host's own monotonic clock (and, for Plex JWTs, its wall
 * clock). The library only says what to send and when to wake up. The PIN login signs in, also
 * with a device key for a Plex JWT; the JWT refresh gets a new one; the connection race probes
 * a server's connections and chooses one; the kept connection starts warm, fails over and moves
 * up as the emulator's connections die and come back.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support.h"

static const char *url;
/* The client identifier every request must carry: the configuration's in use. */
static const char *client_id = "c-tests-sans-io";

/* What the host sent to plex.tv's JWT endpoints, counted by the host itself. */
static unsigned nonce_requests;
static unsigned keys_requests;
static unsigned exchange_requests;
static unsigned pin_checks;
static unsigned pin_checks_with_device_jwt;

static void count_request(const char *method, const char *request_url) {
    if (strstr(request_url, "/api/v2/auth/nonce") != NULL) nonce_requests++;
    if (strstr(request_url, "/api/v2/auth/keys") != NULL) keys_requests++;
    if (strstr(request_url, "/api/v2/auth/token") != NULL) exchange_requests++;
    if (str_eq(method, "GET") && strstr(request_url, "/api/v2/pins/") != NULL) {
        pin_checks++;
        if (strstr(request_url, "deviceJWT=") != NULL) pin_checks_with_device_jwt++;
    }
}

/*
 * Sends `request` with the test's HTTP client, waiting at most `timeout_ms` (0: no limit):
 * PLEXLINK_RESULT_OK with `*response`, or why no answer came. Checks what every request of the
 * library carries: the client identifier, and headers that end where their count says.
 */
static plexlink_result send_request(const plexlink_http_request *request, uint64_t timeout_ms,
                                    test_response *response) {
    test_header headers[32];
    size_t n = plexlink_http_request_headers_len(request);
    size_t i;
    int saw_client_id = 0;

    CHECK(n < 32);
    for (i = 0; i < n; i++) {
        const char *name = plexlink_http_request_header_name(request, i);
        const char *value = plexlink_http_request_header_value(request, i);
        CHECK(name != NULL && value != NULL);
        if (strcmp(name, "x-plex-client-identifier") == 0) saw_client_id = str_eq(value, client_id);
        snprintf(headers[i].name, sizeof headers[i].name, "%s", name);
        snprintf(headers[i].value, sizeof headers[i].value, "%s", value);
    }
    CHECK(saw_client_id);
    CHECK(plexlink_http_request_header_name(request, n) == NULL);
    CHECK(plexlink_http_request_header_value(request, n) == NULL);
    count_request(plexlink_http_request_method(request), plexlink_http_request_url(request));
    return http_exchange_within(plexlink_http_request_url(request), plexlink_http_request_method(request), headers,
                                n, plexlink_http_request_body(request), plexlink_http_request_body_len(request),
                                timeout_ms, response);
}

/* The answer's headers as the library takes them, borrowed from `response`; their count. */
static size_t answer_headers(const test_response *response, plexlink_http_header *headers) {
    size_t i;
    CHECK(response->n_headers <= 64);
    for (i = 0; i < response->n_headers; i++) {
        headers[i].name = response->headers[i].name;
        headers[i].value = response->headers[i].value;
    }
    return response->n_headers;
}

/* Sends one request of the login (to plex.tv, here the emulator) and hands the answer back. */
static void send_login_request(plexlink_pin_login *login, const plexlink_http_request *request) {
    plexlink_http_header headers[64];
    test_response response;
    CHECK(starts_with(plexlink_http_request_url(request), url));
    if (send_request(request, 0, &response) != PLEXLINK_RESULT_OK) {
        CHECK_OK(plexlink_pin_login_handle_transport_error(login, now_ms(), PLEXLINK_RESULT_NETWORK, "no answer"));
        return;
    }
    CHECK_OK(plexlink_pin_login_handle_response(login, now_ms(), (uint16_t)response.status, headers,
                                                answer_headers(&response, headers),
                                                (const uint8_t *)response.body, response.body_len));
    test_response_free(&response);
}

/* Sleeps until a machine's next timer `at` (`UINT64_MAX`: none), at most `cap_ms`. */
static void sleep_until(uint64_t at, uint64_t cap_ms) {
    uint64_t now = now_ms();
    if (at == UINT64_MAX) return;
    if (at > now) sleep_ms(at - now < cap_ms ? at - now : cap_ms);
}

/* Sleeps until the login's next timer (at most `cap_ms`). */
static void sleep_until_timer(const plexlink_pin_login *login, uint64_t cap_ms) {
    sleep_until(plexlink_pin_login_poll_timeout(login), cap_ms);
}

typedef struct {
    uint64_t pin_id;
    unsigned created;
    unsigned pending;
    char token[4096];
    plexlink_result failed; /* PLEXLINK_RESULT_OK until a FAILED event */
    int finished;
    unsigned approve_after_nonces; /* approve no earlier than once this many nonces were asked for */
    int approved;
} outcome_t;

/* Drains the events into `out`; approves the PIN at the first PENDING (once
 * `out->approve_after_nonces` nonces were asked for) when `approve`. */
static void drain_events(plexlink_pin_login *login, outcome_t *out, int approve) {
    plexlink_pin_event *event = NULL;
    while (plexlink_pin_login_poll_event(login, &event) == PLEXLINK_RESULT_OK) {
        switch (plexlink_pin_event_get_kind(event)) {
        case PLEXLINK_PIN_EVENT_KIND_CREATED: {
            const plexlink_pin *pin = plexlink_pin_event_pin(event);
            CHECK(pin != NULL && strlen(plexlink_pin_code(pin)) == 4);
            out->pin_id = plexlink_pin_id(pin);
            out->created++;
            CHECK(plexlink_pin_event_token(event) == NULL);
            CHECK(plexlink_pin_event_error(event) == PLEXLINK_RESULT_OK);
            CHECK_STR(plexlink_pin_event_error_message(event), "");
            break;
        }
        case PLEXLINK_PIN_EVENT_KIND_PENDING:
            out->pending++;
            CHECK(plexlink_pin_event_remaining_ms(event) > 0);
            CHECK(plexlink_pin_event_pin(event) == NULL);
            if (approve && !out->approved && nonce_requests >= out->approve_after_nonces) {
                emu_approve_pin(url, out->pin_id, "alice");
                out->approved = 1;
            }
            break;
        case PLEXLINK_PIN_EVENT_KIND_AUTHORIZED:
            CHECK(plexlink_pin_event_token(event) != NULL);
            CHECK(strlen(plexlink_pin_event_token(event)) < sizeof out->token);
            snprintf(out->token, sizeof out->token, "%s", plexlink_pin_event_token(event));
            out->finished = 1;
            break;
        case PLEXLINK_PIN_EVENT_KIND_FAILED:
            out->failed = plexlink_pin_event_error(event);
            CHECK(out->failed != PLEXLINK_RESULT_OK);
            CHECK(strlen(plexlink_pin_event_error_message(event)) > 0);
            out->finished = 1;
            break;
        default:
            CHECK(!"an event kind this test does not know");
        }
        plexlink_pin_event_free(event);
        event = NULL;
    }
}

/* Runs the host's loop until the login finishes (or `deadline_ms` passes). */
static void run(plexlink_pin_login *login, outcome_t *out, int approve, uint64_t deadline_ms) {
    while (!out->finished && now_ms() < deadline_ms) {
        plexlink_http_request *request = NULL;
        CHECK_OK(plexlink_pin_login_handle_timeout(login, now_ms()));
        if (plexlink_pin_login_poll_transmit(login, now_ms(), &request) == PLEXLINK_RESULT_OK) {
            send_login_request(login, request);
            plexlink_http_request_free(request);
        }
        drain_events(login, out, approve);
        sleep_until_timer(login, 1000);
    }
    CHECK(out->finished);
}

static void full_login(const plexlink_client_config *config, const plexlink_client *client) {
    plexlink_pin_login *login = NULL;
    plexlink_http_request *request = NULL;
    plexlink_account *account = NULL;
    outcome_t out;

    test_step("sans-IO: the first request creates the PIN (POST, no body), one at a time");
    memset(&out, 0, sizeof out);
    CHECK_OK(plexlink_pin_login_new(config, false, 200, now_ms(), &login));
    CHECK(!plexlink_pin_login_is_finished(login));
    CHECK(plexlink_pin_login_poll_timeout(login) == UINT64_MAX); /* nothing sent yet: no timer */
    CHECK_OK(plexlink_pin_login_poll_transmit(login, now_ms(), &request));
    CHECK_STR(plexlink_http_request_method(request), "POST");
    CHECK(strstr(plexlink_http_request_url(request), "api/v2/pins") != NULL);
    CHECK(plexlink_http_request_body_len(request) == 0 && plexlink_http_request_body(request) == NULL);
    {
        plexlink_http_request *second = NULL;
        CHECK_CODE(plexlink_pin_login_poll_transmit(login, now_ms(), &second), PLEXLINK_RESULT_DONE);
        CHECK(second == NULL);
    }
    send_login_request(login, request);
    plexlink_http_request_free(request);

    test_step("sans-IO: CREATED, PENDING checks, approval, AUTHORIZED");
    run(login, &out, 1, now_ms() + 20000);
    CHECK(out.created == 1 && out.pending >= 1 && out.failed == PLEXLINK_RESULT_OK);
    CHECK(strlen(out.token) == 536);
    CHECK(plexlink_pin_login_is_finished(login));
    CHECK(plexlink_pin_login_poll_timeout(login) == UINT64_MAX);
    request = NULL;
    CHECK_CODE(plexlink_pin_login_poll_transmit(login, now_ms(), &request), PLEXLINK_RESULT_DONE);
    {
        plexlink_pin_event *event = NULL;
        CHECK_CODE(plexlink_pin_login_poll_event(login, &event), PLEXLINK_RESULT_DONE);
    }
    plexlink_pin_login_free(login);

    test_step("sans-IO: the token works with the blocking client");
    CHECK_OK(plexlink_client_user(client, out.token, &account));
    CHECK_STR(plexlink_account_username(account), "alice");
    plexlink_account_free(account);
}

static void failures(const plexlink_client_config *config) {
    plexlink_pin_login *login = NULL;
    plexlink_http_request *request = NULL;
    plexlink_http_header bad_header = {"bad header", "x"};
    outcome_t out;
    uint64_t t;

    test_step("sans-IO: a transport error backs off, then an expired PIN ends it");
    memset(&out, 0, sizeof out);
    CHECK_OK(plexlink_pin_login_new(config, false, 200, now_ms(), &login));
    CHECK_OK(plexlink_pin_login_poll_transmit(login, now_ms(), &request));
    send_login_request(login, request);
    plexlink_http_request_free(request);
    drain_events(login, &out, 0);
    CHECK(out.created == 1);
    /* The first check fails on the wire: the next one waits for at least the interval. */
    sleep_until_timer(login, 1000);
    CHECK_OK(plexlink_pin_login_poll_transmit(login, now_ms(), &request));
    CHECK_STR(plexlink_http_request_method(request), "GET");
    plexlink_http_request_free(request);
    t = now_ms();
    CHECK_OK(plexlink_pin_login_handle_transport_error(login, t, PLEXLINK_RESULT_CONNECT, "connection refused"));
    CHECK(plexlink_pin_login_poll_timeout(login) >= t + 200);
    CHECK(plexlink_pin_login_poll_timeout(login) != UINT64_MAX);
    CHECK_CODE(plexlink_pin_login_poll_transmit(login, t, &request), PLEXLINK_RESULT_DONE);
    CHECK_CODE(plexlink_pin_login_handle_transport_error(login, t, 4242, "what"), PLEXLINK_RESULT_INVALID_PARAMETER);
    emu_expire_pin(url, out.pin_id);
    run(login, &out, 0, now_ms() + 20000);
    CHECK(out.failed == PLEXLINK_RESULT_PIN_EXPIRED);
    plexlink_pin_login_free(login);

    test_step("sans-IO: malformed answers are refused before they reach the machine");
    CHECK_OK(plexlink_pin_login_new(config, false, 200, now_ms(), &login));
    CHECK_OK(plexlink_pin_login_poll_transmit(login, now_ms(), &request));
    plexlink_http_request_free(request);
    CHECK_CODE(plexlink_pin_login_handle_response(login, now_ms(), 42, NULL, 0, NULL, 0),
               PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK_CODE(plexlink_pin_login_handle_response(login, now_ms(), 201, &bad_header, 1, NULL, 0),
               PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK_CODE(plexlink_pin_login_handle_response(login, now_ms(), 201, NULL, 1, NULL, 0),
               PLEXLINK_RESULT_NULL_PARAMETER);
    CHECK_CODE(plexlink_pin_login_handle_response(login, now_ms(), 201, NULL, 0, NULL, 5),
               PLEXLINK_RESULT_NULL_PARAMETER);

    test_step("sans-IO: a garbage 201 ends the login with DECODE");
    memset(&out, 0, sizeof out);
    CHECK_OK(plexlink_pin_login_handle_response(login, now_ms(), 201, NULL, 0, (const uint8_t *)"{oops", 5));
    drain_events(login, &out, 0);
    CHECK(out.failed == PLEXLINK_RESULT_DECODE);
    plexlink_pin_login_free(login);

    test_step("sans-IO: cancel");
    memset(&out, 0, sizeof out);
    CHECK_OK(plexlink_pin_login_new(config, false, 200, now_ms(), &login));
    CHECK_OK(plexlink_pin_login_cancel(login));
    CHECK(plexlink_pin_login_is_finished(login));
    CHECK_CODE(plexlink_pin_login_poll_transmit(login, now_ms(), &request), PLEXLINK_RESULT_DONE);
    drain_events(login, &out, 0);
    CHECK(out.failed == PLEXLINK_RESULT_CANCELLED);
    plexlink_pin_login_free(login);
}

/* The host's own HTTP answers reach the machine without the client in between: a check answer
 * that echoes the PIN's code must not bring it into the failure's text. */
static void echoed_code(const plexlink_client_config *config) {
    plexlink_pin_login *login = NULL;
    plexlink_http_request *request = NULL;
    plexlink_pin_event *event = NULL;
    char code[64] = "";
    char body[256];
    const char *message;

    test_step("sans-IO: an answer that echoes the PIN code: the failure's text never shows it");
    CHECK_OK(plexlink_pin_login_new(config, false, 200, now_ms(), &login));
    CHECK_OK(plexlink_pin_login_poll_transmit(login, now_ms(), &request));
    send_login_request(login, request);
    plexlink_http_request_free(request);
    CHECK_OK(plexlink_pin_login_poll_event(login, &event));
    CHECK(plexlink_pin_event_get_kind(event) == PLEXLINK_PIN_EVENT_KIND_CREATED);
    snprintf(code, sizeof code, "%s", plexlink_pin_code(plexlink_pin_event_pin(event)));
    plexlink_pin_event_free(event);
    CHECK(strlen(code) == 4);
    sleep_until_timer(login, 1000);
    CHECK_OK(plexlink_pin_login_poll_transmit(login, now_ms(), &request));
    plexlink_http_request_free(request);
    snprintf(body, sizeof body, "{\"errors\":[{\"code\":1000,\"message\":\"no PIN with the code %s here\"}]}", code);
    CHECK_OK(plexlink_pin_login_handle_response(login, now_ms(), 400, NULL, 0, (const uint8_t *)body, strlen(body)));
    CHECK_OK(plexlink_pin_login_poll_event(login, &event));
    CHECK(plexlink_pin_event_get_kind(event) == PLEXLINK_PIN_EVENT_KIND_FAILED);
    CHECK(plexlink_pin_event_error(event) == PLEXLINK_RESULT_PLEX_ERROR);
    message = plexlink_pin_event_error_message(event);
    CHECK(strstr(message, "no PIN with the code [redacted] here") != NULL);
    CHECK(strstr(message, code) == NULL);
    plexlink_pin_event_free(event);
    plexlink_pin_login_free(login);
}

static void resume(const plexlink_client_config *config, const plexlink_client *client) {
    plexlink_pin *pin = NULL;
    plexlink_pin_login *login = NULL;
    plexlink_http_request *request = NULL;
    outcome_t out;

    test_step("sans-IO: resume a PIN created earlier (no CREATED event; checks at once)");
    CHECK_OK(plexlink_client_create_pin(client, false, &pin));
    memset(&out, 0, sizeof out);
    out.pin_id = plexlink_pin_id(pin);
    CHECK_OK(plexlink_pin_login_resume(config, pin, 200, now_ms(), &login));
    plexlink_pin_free(pin);
    CHECK_OK(plexlink_pin_login_poll_transmit(login, now_ms(), &request));
    CHECK_STR(plexlink_http_request_method(request), "GET");
    send_login_request(login, request);
    plexlink_http_request_free(request);
    run(login, &out, 1, now_ms() + 20000);
    CHECK(out.created == 0 && strlen(out.token) == 536);
    plexlink_pin_login_free(login);
}

/* --- the connection race ------------------------------------------------------------------- */

typedef struct {
    size_t candidate;
    uint64_t deadline_ms;
    plexlink_http_request *request;
} probe_t;

/* What every probe is (of the race and of the kept connection): a GET of an /identity, with a
 * deadline to come. */
static void check_probe(const plexlink_http_request *request, uint64_t deadline_ms, uint64_t now) {
    CHECK_STR(plexlink_http_request_method(request), "GET");
    CHECK(strstr(plexlink_http_request_url(request), "/identity") != NULL);
    CHECK(deadline_ms > now && deadline_ms != UINT64_MAX);
}

/* Sends a probe's request within its deadline: PLEXLINK_RESULT_OK with `*response`, or why no
 * answer came. */
static plexlink_result exchange_probe(const plexlink_http_request *request, uint64_t deadline_ms,
                                      test_response *response) {
    uint64_t now = now_ms();
    return send_request(request, deadline_ms > now ? deadline_ms - now : 1, response);
}

/* Takes every probe the race has to send now (all of them: they go out at once); their count. */
static size_t take_probes(plexlink_race *race, probe_t *probes, size_t max) {
    size_t n = 0;
    uint64_t now = now_ms();
    while (plexlink_race_poll_transmit(race, now, &probes[n].candidate, &probes[n].deadline_ms,
                                       &probes[n].request) == PLEXLINK_RESULT_OK) {
        check_probe(probes[n].request, probes[n].deadline_ms, now);
        n++;
        CHECK(n < max);
    }
    return n;
}

static void free_probes(probe_t *probes, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) plexlink_http_request_free(probes[i].request);
}

/* The probe that goes to the connection `uri` (`{uri}/identity`). */
static const probe_t *probe_to(const probe_t *probes, size_t n, const char *uri) {
    char want[600];
    size_t i;
    snprintf(want, sizeof want, "%s/identity", uri);
    for (i = 0; i < n; i++) {
        if (str_eq(plexlink_http_request_url(probes[i].request), want)) return &probes[i];
    }
    CHECK(!"no probe to this connection");
    return NULL;
}

/* Sends a probe within its deadline and hands its answer, or why none came, to the race. */
static void send_probe(plexlink_race *race, const probe_t *probe) {
    plexlink_http_header headers[64];
    test_response response;
    plexlink_result r = exchange_probe(probe->request, probe->deadline_ms, &response);
    if (r != PLEXLINK_RESULT_OK) {
        CHECK_OK(plexlink_race_handle_failure(race, now_ms(), probe->candidate, r, "no answer"));
        return;
    }
    CHECK_OK(plexlink_race_handle_response(race, now_ms(), probe->candidate, (uint16_t)response.status, headers,
                                           answer_headers(&response, headers), (const uint8_t *)response.body,
                                           response.body_len));
    test_response_free(&response);
}

/* The outcome's candidate of `probe`: the probe's index is the candidate's. */
static const plexlink_candidate *candidate_of(const plexlink_connect_result *result, const probe_t *probe) {
    const plexlink_candidate *candidate = plexlink_connect_result_candidate_get(result, probe->candidate);
    char want[600];
    CHECK(candidate != NULL);
    snprintf(want, sizeof want, "%s/identity", plexlink_candidate_uri(candidate));
    CHECK_STR(plexlink_http_request_url(probe->request), want);
    return candidate;
}

static void race_to_the_good_one(const plexlink_client_config *config, const plexlink_device *device) {
    plexlink_race_policy policy = plexlink_race_policy_default();
    plexlink_race *race = NULL;
    plexlink_connect_result *result = NULL;
    probe_t probes[16];
    size_t n;
    size_t i;
    char good[256];
    char dead[256];
    char wrong[256];
    const probe_t *good_probe;
    const probe_t *dead_probe;
    const probe_t *wrong_probe;

    test_step("sans-IO race: Living Room's probes go out at once, each with its deadline");
    emu_connection_uri(url, "Living Room", "local", good, sizeof good);
    emu_connection_uri(url, "Living Room", "local-dead", dead, sizeof dead);
    emu_connection_uri(url, "Living Room", "local-wrong-id", wrong, sizeof wrong);
    CHECK_OK(plexlink_race_new(config, device, &policy, now_ms(), &race));
    CHECK(!plexlink_race_is_decided(race));
    CHECK(plexlink_race_poll_timeout(race) == UINT64_MAX); /* nothing sent yet: no timer */
    CHECK_CODE(plexlink_race_outcome(race, &result), PLEXLINK_RESULT_PENDING);
    CHECK(result == NULL);
    n = take_probes(race, probes, 16);
    CHECK(n == plexlink_device_connections_len(device)); /* all on loopback: every one is a candidate */
    for (i = 0; i < n; i++) CHECK(plexlink_race_poll_timeout(race) <= probes[i].deadline_ms);
    CHECK(plexlink_race_poll_timeout(race) != UINT64_MAX);
    {
        size_t candidate = 77;
        uint64_t deadline = 77;
        plexlink_http_request *request = NULL;
        CHECK_CODE(plexlink_race_poll_transmit(race, now_ms(), &candidate, &deadline, &request), PLEXLINK_RESULT_DONE);
        CHECK(candidate == 77 && deadline == 77 && request == NULL);
    }

    test_step("sans-IO race: the dead one fails, another server is never chosen, the good one wins");
    good_probe = probe_to(probes, n, good);
    dead_probe = probe_to(probes, n, dead);
    wrong_probe = probe_to(probes, n, wrong);
    send_probe(race, dead_probe);
    send_probe(race, wrong_probe);
    CHECK(!plexlink_race_is_decided(race));
    send_probe(race, good_probe);
    /* The nearest kind of connection answered: nothing pending can beat it. */
    CHECK(plexlink_race_is_decided(race));
    CHECK(plexlink_race_poll_timeout(race) == UINT64_MAX);
    CHECK_OK(plexlink_race_outcome(race, &result));
    CHECK_STR(plexlink_connect_result_uri(result), good);
    CHECK_STR(plexlink_connection_uri(plexlink_connect_result_connection(result)), good);
    CHECK_STR(plexlink_device_name(plexlink_connect_result_device(result)), "Living Room");
    CHECK(plexlink_connect_result_candidates_len(result) == n);
    CHECK(plexlink_connect_result_skipped_len(result) == 0);
    CHECK(plexlink_candidate_result(candidate_of(result, good_probe)) == PLEXLINK_PROBE_RESULT_WON);
    CHECK(plexlink_candidate_latency_ms(candidate_of(result, good_probe)) != UINT64_MAX);
    CHECK(plexlink_candidate_result(candidate_of(result, dead_probe)) == PLEXLINK_PROBE_RESULT_FAILED);
    CHECK(plexlink_candidate_error(candidate_of(result, dead_probe)) == PLEXLINK_RESULT_CONNECT);
    CHECK(plexlink_candidate_result(candidate_of(result, wrong_probe)) == PLEXLINK_PROBE_RESULT_WRONG_SERVER);
    CHECK(strstr(plexlink_candidate_description(candidate_of(result, wrong_probe)), "another server") != NULL);
    for (i = 0; i < n; i++) {
        const probe_t *p = &probes[i];
        if (p == good_probe || p == dead_probe || p == wrong_probe) continue;
        CHECK(plexlink_candidate_result(candidate_of(result, p)) == PLEXLINK_PROBE_RESULT_ABANDONED);
    }
    plexlink_connect_result_free(result);
    result = NULL;

    test_step("sans-IO race: once decided, late answers are ignored and nothing more is sent");
    for (i = 0; i < n; i++) {
        if (&probes[i] == good_probe || &probes[i] == dead_probe || &probes[i] == wrong_probe) continue;
        CHECK_OK(plexlink_race_handle_failure(race, now_ms(), probes[i].candidate, PLEXLINK_RESULT_CONNECT, "late"));
        CHECK_OK(plexlink_race_handle_response(race, now_ms(), probes[i].candidate, 200, NULL, 0, NULL, 0));
    }
    CHECK_OK(plexlink_race_handle_response(race, now_ms(), 999, 200, NULL, 0, NULL, 0)); /* no such candidate */
    CHECK_OK(plexlink_race_handle_timeout(race, now_ms() + 60000));
    CHECK_OK(plexlink_race_outcome(race, &result));
    CHECK_STR(plexlink_connect_result_uri(result), good);
    for (i = 0; i < n; i++) {
        const probe_t *p = &probes[i];
        if (p == good_probe || p == dead_probe || p == wrong_probe) continue;
        CHECK(plexlink_candidate_result(candidate_of(result, p)) == PLEXLINK_PROBE_RESULT_ABANDONED);
    }
    plexlink_connect_result_free(result);
    free_probes(probes, n);
    plexlink_race_free(race);
}

static void race_without_a_winner(const plexlink_client_config *config, const plexlink_device *device) {
    plexlink_race_policy policy = plexlink_race_policy_default();
    plexlink_race *race = NULL;
    plexlink_connect_result *result = NULL;
    probe_t probes[16];
    size_t n;
    size_t i;
    const probe_t *last;
    plexlink_http_header bad_header = {"bad header", "x"};

    test_step("sans-IO race: refusals and a timeout decide it without a winner; each candidate says why");
    CHECK_OK(plexlink_race_new(config, device, &policy, now_ms(), &race));
    n = take_probes(race, probes, 16);
    CHECK(n >= 3);
    last = &probes[n - 1];
    CHECK_CODE(plexlink_race_handle_response(race, now_ms(), probes[0].candidate, 42, NULL, 0, NULL, 0),
               PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK_CODE(plexlink_race_handle_response(race, now_ms(), probes[0].candidate, 200, &bad_header, 1, NULL, 0),
               PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK_CODE(plexlink_race_handle_failure(race, now_ms(), probes[0].candidate, 4242, "what"),
               PLEXLINK_RESULT_INVALID_PARAMETER);
    for (i = 0; i + 1 < n; i++) {
        CHECK(!plexlink_race_is_decided(race));
        CHECK_OK(plexlink_race_handle_failure(race, now_ms(), probes[i].candidate, PLEXLINK_RESULT_CONNECT, "refused"));
    }
    CHECK(!plexlink_race_is_decided(race));
    CHECK(plexlink_race_poll_timeout(race) == last->deadline_ms);
    CHECK_OK(plexlink_race_handle_timeout(race, last->deadline_ms - 1));
    CHECK(!plexlink_race_is_decided(race));
    CHECK_OK(plexlink_race_handle_timeout(race, last->deadline_ms));
    CHECK(plexlink_race_is_decided(race));
    CHECK(plexlink_race_poll_timeout(race) == UINT64_MAX);
    CHECK_OK(plexlink_race_outcome(race, &result));
    CHECK(plexlink_connect_result_uri(result) == NULL);
    CHECK(plexlink_connect_result_connection(result) == NULL);
    CHECK_STR(plexlink_device_name(plexlink_connect_result_device(result)), "Living Room");
    CHECK_STR(plexlink_connect_result_access_token(result), plexlink_device_access_token(device));
    CHECK(plexlink_connect_result_candidates_len(result) == n);
    for (i = 0; i + 1 < n; i++) {
        const plexlink_candidate *c = candidate_of(result, &probes[i]);
        CHECK(plexlink_candidate_result(c) == PLEXLINK_PROBE_RESULT_FAILED);
        CHECK(plexlink_candidate_error(c) == PLEXLINK_RESULT_CONNECT);
        CHECK(strstr(plexlink_candidate_description(c), "refused") != NULL);
    }
    CHECK(plexlink_candidate_result(candidate_of(result, last)) == PLEXLINK_PROBE_RESULT_TIMED_OUT);
    CHECK(plexlink_candidate_error(candidate_of(result, last)) == PLEXLINK_RESULT_REQUEST_TIMEOUT);
    CHECK(plexlink_candidate_latency_ms(candidate_of(result, last)) == UINT64_MAX);
    plexlink_connect_result_free(result);
    free_probes(probes, n);
    plexlink_race_free(race);

    test_step("sans-IO race: a policy that leaves every connection out: decided at once, each one skipped");
    policy.allow_http = PLEXLINK_HTTP_POLICY_NEVER;
    CHECK_OK(plexlink_race_new(config, device, &policy, now_ms(), &race));
    CHECK(plexlink_race_is_decided(race));
    CHECK(take_probes(race, probes, 16) == 0);
    CHECK_OK(plexlink_race_outcome(race, &result));
    CHECK(plexlink_connect_result_uri(result) == NULL);
    CHECK(plexlink_connect_result_candidates_len(result) == 0);
    CHECK(plexlink_connect_result_skipped_len(result) == plexlink_device_connections_len(device));
    for (i = 0; i < plexlink_connect_result_skipped_len(result); i++) {
        const plexlink_skipped *skipped = plexlink_connect_result_skipped_get(result, i);
        CHECK(plexlink_skipped_reason(skipped) == PLEXLINK_SKIP_REASON_HTTP_DISABLED);
        CHECK(plexlink_skipped_connection(skipped) != NULL);
    }
    plexlink_connect_result_free(result);
    plexlink_race_free(race);

    test_step("sans-IO race: an unusable policy makes no race");
    policy.allow_http = 9;
    race = NULL;
    CHECK_CODE(plexlink_race_new(config, device, &policy, now_ms(), &race), PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK(race == NULL);
}

static void races(const plexlink_client_config *config, const plexlink_client *client) {
    plexlink_account *account = NULL;
    plexlink_device_list *devices = NULL;
    CHECK_OK(plexlink_client_sign_in(client, "alice", "alice-password", NULL, &account));
    CHECK_OK(plexlink_client_servers(client, plexlink_account_auth_token(account), &devices));
    race_to_the_good_one(config, find_device(devices, "Living Room"));
    race_without_a_winner(config, find_device(devices, "Living Room"));
    plexlink_device_list_free(devices);
    plexlink_account_free(account);
}

/* --- the kept connection ------------------------------------------------------------------- */

typedef struct {
    uint64_t id;
    uint64_t deadline_ms;
    plexlink_http_request *request;
} kept_probe_t;

/* A change of the kept connection, as the host read it. */
typedef struct {
    plexlink_kept_event_kind kind;
    plexlink_kept_reason why;
    char old_uri[256]; /* "" for none */
    char new_uri[256];
    plexlink_tier tier;
} kept_change_t;

/* The black hole of Living Room: accepts, never answers. */
static char blackhole_uri[256];

/* Takes every probe the kept connection has to send now; their count. */
static size_t take_kept_probes(plexlink_kept *kept, kept_probe_t *probes, size_t max) {
    size_t n = 0;
    uint64_t now = now_ms();
    while (plexlink_kept_poll_transmit(kept, now, &probes[n].id, &probes[n].deadline_ms, &probes[n].request) ==
           PLEXLINK_RESULT_OK) {
        check_probe(probes[n].request, probes[n].deadline_ms, now);
        n++;
        CHECK(n < max);
    }
    return n;
}

static void free_kept_probes(kept_probe_t *probes, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) plexlink_http_request_free(probes[i].request);
}

/*
 * Sends a probe (this host's client does one at a time) within its deadline and hands its answer,
 * or why none came, to the kept connection. A probe to the black hole is not sent: this client
 * would wait for it until its deadline; never answered, it is timed out by the machine itself.
 */
static void send_kept_probe(plexlink_kept *kept, const kept_probe_t *probe) {
    plexlink_http_header headers[64];
    test_response response;
    char hole[300];
    plexlink_result r;
    snprintf(hole, sizeof hole, "%s/identity", blackhole_uri);
    if (str_eq(plexlink_http_request_url(probe->request), hole)) return;
    r = exchange_probe(probe->request, probe->deadline_ms, &response);
    if (r != PLEXLINK_RESULT_OK) {
        CHECK_OK(plexlink_kept_handle_failure(kept, now_ms(), probe->id, r, "no answer"));
        return;
    }
    CHECK_OK(plexlink_kept_handle_response(kept, now_ms(), probe->id, (uint16_t)response.status, headers,
                                           answer_headers(&response, headers), (const uint8_t *)response.body,
                                           response.body_len));
    test_response_free(&response);
}

/* Takes the next event into `*change`; 0 when there is none. */
static int take_kept_event(plexlink_kept *kept, kept_change_t *change) {
    plexlink_kept_event *event = NULL;
    const char *old_uri;
    const char *new_uri;
    if (plexlink_kept_poll_event(kept, &event) != PLEXLINK_RESULT_OK) {
        CHECK(event == NULL);
        return 0;
    }
    memset(change, 0, sizeof *change);
    change->kind = plexlink_kept_event_get_kind(event);
    change->why = plexlink_kept_event_why(event);
    change->tier = plexlink_kept_event_new_tier(event);
    old_uri = plexlink_kept_event_old_uri(event);
    new_uri = plexlink_kept_event_new_uri(event);
    snprintf(change->old_uri, sizeof change->old_uri, "%s", old_uri != NULL ? old_uri : "");
    snprintf(change->new_uri, sizeof change->new_uri, "%s", new_uri != NULL ? new_uri : "");
    CHECK(plexlink_kept_event_why_name(event) != NULL);
    CHECK_STR(plexlink_connect_result_uri(plexlink_kept_event_outcome(event)), new_uri);
    plexlink_kept_event_free(event);
    return 1;
}

/* One turn of the host's loop: timers, every probe due (sent one by one), then a short sleep
 * until the next timer. */
static void kept_turn(plexlink_kept *kept) {
    kept_probe_t probes[16];
    size_t n;
    size_t i;
    uint64_t timer;
    CHECK_OK(plexlink_kept_handle_timeout(kept, now_ms()));
    n = take_kept_probes(kept, probes, 16);
    for (i = 0; i < n; i++) send_kept_probe(kept, &probes[i]);
    free_kept_probes(probes, n);
    timer = plexlink_kept_poll_timeout(kept);
    if (n == 0) sleep_until(timer == UINT64_MAX ? now_ms() + 20 : timer, 100);
}

/* Runs the host's loop until the next change (at most 30 s). */
static kept_change_t next_kept_change(plexlink_kept *kept) {
    kept_change_t change;
    uint64_t deadline = now_ms() + 30000;
    while (!take_kept_event(kept, &change)) {
        CHECK(now_ms() < deadline);
        kept_turn(kept);
    }
    return change;
}

static void check_kept_current(const plexlink_kept *kept, const char *uri, plexlink_tier tier) {
    char *current = NULL;
    plexlink_tier current_tier = (plexlink_tier)77;
    CHECK_OK(plexlink_kept_current(kept, &current, &current_tier));
    CHECK_STR(current, uri);
    CHECK(current_tier == tier);
    plexlink_string_free(current);
}

static void kept_connection(const plexlink_client_config *config, const plexlink_device *device) {
    plexlink_keep_policy policy = plexlink_keep_policy_default();
    plexlink_kept *kept = NULL;
    plexlink_connect_result *outcome = NULL;
    kept_probe_t probes[16];
    kept_change_t change;
    char local[256];
    char remote[256];
    char relay[256];
    char *uri = NULL;
    plexlink_tier tier = (plexlink_tier)77;
    size_t n;
    uint64_t deadline;

    emu_connection_uri(url, "Living Room", "local", local, sizeof local);
    emu_connection_uri(url, "Living Room", "remote-slow", remote, sizeof remote);
    emu_connection_uri(url, "Living Room", "relay", relay, sizeof relay);
    emu_connection_uri(url, "Living Room", "local-blackhole", blackhole_uri, sizeof blackhole_uri);
    policy.race.probe_timeout_ms = 2000;
    policy.warm_window_ms = 10000;
    policy.recheck_interval_ms = 300;
    policy.recheck_max_ms = 600;

    test_step("sans-IO kept: a warm start probes the last good connection (the relay) alone");
    CHECK_OK(plexlink_kept_new(config, device, &policy, relay, now_ms(), &kept));
    CHECK_CODE(plexlink_kept_current(kept, &uri, &tier), PLEXLINK_RESULT_PENDING);
    CHECK_CODE(plexlink_kept_last_outcome(kept, &outcome), PLEXLINK_RESULT_PENDING);
    CHECK(uri == NULL && tier == (plexlink_tier)77 && outcome == NULL);
    n = take_kept_probes(kept, probes, 16);
    CHECK(n == 1);
    {
        char want[300];
        snprintf(want, sizeof want, "%s/identity", relay);
        CHECK_STR(plexlink_http_request_url(probes[0].request), want);
    }
    CHECK(plexlink_kept_poll_timeout(kept) <= probes[0].deadline_ms);
    CHECK(!take_kept_event(kept, &change));
    send_kept_probe(kept, &probes[0]);
    free_kept_probes(probes, n);
    CHECK(take_kept_event(kept, &change));
    CHECK(change.kind == PLEXLINK_KEPT_EVENT_KIND_CHANGED && change.why == PLEXLINK_KEPT_REASON_WARM_START);
    CHECK_STR(change.old_uri, "");
    CHECK_STR(change.new_uri, relay);
    CHECK(change.tier == PLEXLINK_TIER_RELAY);
    check_kept_current(kept, relay, PLEXLINK_TIER_RELAY);

    test_step("sans-IO kept: the better tiers are rechecked at once; the LAN answers: moved up");
    change = next_kept_change(kept);
    CHECK(change.why == PLEXLINK_KEPT_REASON_MOVED_UP);
    CHECK_STR(change.old_uri, relay);
    CHECK_STR(change.new_uri, local);
    check_kept_current(kept, local, PLEXLINK_TIER_LOCAL);
    /* On the best tier, nothing out: no timer, nothing to send. */
    CHECK(plexlink_kept_poll_timeout(kept) == UINT64_MAX);
    CHECK(take_kept_probes(kept, probes, 16) == 0);

    test_step("sans-IO kept: the LAN dies, the host reports it: failover to the remote");
    emu_set_behaviour(url, "Living Room", "local", "{\"kind\":\"dead\"}");
    CHECK_OK(plexlink_kept_report_failure(kept, now_ms()));
    CHECK_OK(plexlink_kept_report_failure(kept, now_ms())); /* one race for both */
    change = next_kept_change(kept);
    CHECK(change.why == PLEXLINK_KEPT_REASON_FAILOVER);
    CHECK_STR(change.old_uri, local);
    CHECK_STR(change.new_uri, remote);
    CHECK(change.tier == PLEXLINK_TIER_REMOTE);
    check_kept_current(kept, remote, PLEXLINK_TIER_REMOTE);

    test_step("sans-IO kept: the LAN comes back: moved up at a recheck");
    emu_set_behaviour(url, "Living Room", "local", "{\"kind\":\"good\"}");
    change = next_kept_change(kept);
    CHECK(change.why == PLEXLINK_KEPT_REASON_MOVED_UP);
    CHECK_STR(change.new_uri, local);
    check_kept_current(kept, local, PLEXLINK_TIER_LOCAL);

    test_step("sans-IO kept: answers to unknown or settled probes are ignored");
    CHECK_OK(plexlink_kept_handle_response(kept, now_ms(), 987654321, 200, NULL, 0, NULL, 0));
    CHECK_OK(plexlink_kept_handle_failure(kept, now_ms(), 1, PLEXLINK_RESULT_CONNECT, "late"));
    CHECK(!take_kept_event(kept, &change));
    check_kept_current(kept, local, PLEXLINK_TIER_LOCAL);

    test_step("sans-IO kept: a network change races again; the same connection wins, no event");
    CHECK_OK(plexlink_kept_network_changed(kept, now_ms()));
    deadline = now_ms() + 30000;
    do {
        CHECK(now_ms() < deadline);
        kept_turn(kept);
    } while (plexlink_kept_poll_timeout(kept) != UINT64_MAX);
    CHECK(!take_kept_event(kept, &change));
    check_kept_current(kept, local, PLEXLINK_TIER_LOCAL);
    CHECK_OK(plexlink_kept_last_outcome(kept, &outcome));
    CHECK_STR(plexlink_connect_result_uri(outcome), local);
    CHECK(plexlink_connect_result_candidates_len(outcome) == plexlink_device_connections_len(device));
    plexlink_connect_result_free(outcome);
    plexlink_kept_free(kept);

    test_step("sans-IO kept: an unusable policy makes none");
    kept = NULL;
    policy.warm_window_ms = 0;
    CHECK_CODE(plexlink_kept_new(config, device, &policy, NULL, now_ms(), &kept), PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK(kept == NULL);
}

static void kept_connections(const plexlink_client_config *config, const plexlink_client *client) {
    plexlink_account *account = NULL;
    plexlink_device_list *devices = NULL;
    CHECK_OK(plexlink_client_sign_in(client, "alice", "alice-password", NULL, &account));
    CHECK_OK(plexlink_client_servers(client, plexlink_account_auth_token(account), &devices));
    kept_connection(config, find_device(devices, "Living Room"));
    plexlink_device_list_free(devices);
    plexlink_account_free(account);
}

/* --- Plex JWT ------------------------------------------------------------------------------- */

/* The JWT tests' client identifier: a Plex JWT ends the legacy token of its identifier, which
 * the tests above still use. */
#define JWT_CLIENT_ID "c-tests-sans-io-jwt"
/* The nonce life the emulator is set to: a sign-in that outlives it must sign again. */
#define NONCE_LIFE_S 3

static int64_t unix_now(void) { return (int64_t)time(NULL); }

static size_t count_char(const char *text, char c) {
    size_t n = 0;
    for (; *text != '\0'; text++) n += *text == c;
    return n;
}

/* Sends one request of the refresh and hands the answer (or why none came) back. */
static void send_refresh_request(plexlink_jwt_refresh *refresh, const plexlink_http_request *request) {
    plexlink_http_header headers[64];
    test_response response;
    CHECK(starts_with(plexlink_http_request_url(request), url));
    if (send_request(request, 0, &response) != PLEXLINK_RESULT_OK) {
        CHECK_OK(plexlink_jwt_refresh_handle_transport_error(refresh, now_ms(), PLEXLINK_RESULT_NETWORK, "no answer"));
        return;
    }
    CHECK_OK(plexlink_jwt_refresh_handle_response(refresh, now_ms(), (uint16_t)response.status, headers,
                                                  answer_headers(&response, headers),
                                                  (const uint8_t *)response.body, response.body_len));
    test_response_free(&response);
}

/* The PIN login's loop, for a refresh: until it finishes (or `deadline_ms` passes). */
static void run_refresh(plexlink_jwt_refresh *refresh, uint64_t deadline_ms) {
    while (!plexlink_jwt_refresh_is_finished(refresh) && now_ms() < deadline_ms) {
        plexlink_http_request *request = NULL;
        CHECK_OK(plexlink_jwt_refresh_handle_timeout(refresh, now_ms()));
        if (plexlink_jwt_refresh_poll_transmit(refresh, now_ms(), &request) == PLEXLINK_RESULT_OK) {
            send_refresh_request(refresh, request);
            plexlink_http_request_free(request);
        }
        sleep_until(plexlink_jwt_refresh_poll_timeout(refresh), 1000);
    }
    CHECK(plexlink_jwt_refresh_is_finished(refresh));
}

/* A Plex JWT of alice for `key`, verified, valid for days. */
static void check_alice_jwt(const plexlink_jwt *jwt, const plexlink_device_key *key) {
    CHECK(count_char(plexlink_jwt_token(jwt), '.') == 2);
    CHECK_STR(plexlink_jwt_username(jwt), "alice");
    CHECK_STR(plexlink_jwt_thumbprint(jwt), plexlink_device_key_kid(key));
    CHECK(plexlink_jwt_expires_at(jwt) > unix_now() + 6 * 86400);
    CHECK(!plexlink_jwt_needs_refresh(jwt, unix_now()));
}

static void jwt_login(const plexlink_client_config *config, const plexlink_client *client,
                      const plexlink_device_key *key) {
    plexlink_pin_login *login = NULL;
    plexlink_http_request *request = NULL;
    plexlink_jwt *jwt = NULL;
    plexlink_account *account = NULL;
    plexlink_pin *pin = NULL;
    plexlink_plex_keys *keys = NULL;
    plexlink_plex_keys *kept = NULL;
    outcome_t out;
    char body[2048];
    size_t body_len;

    test_step("sans-IO JWT: the PIN is created with the key's public JWK; no JWT before the end");
    memset(&out, 0, sizeof out);
    nonce_requests = keys_requests = pin_checks = pin_checks_with_device_jwt = 0;
    CHECK_OK(plexlink_pin_login_new_jwt(config, key, NULL, false, 200, now_ms(), unix_now(), &login));
    CHECK_CODE(plexlink_pin_login_jwt(login, &jwt), PLEXLINK_RESULT_PENDING);
    CHECK(jwt == NULL);
    CHECK_OK(plexlink_pin_login_poll_transmit(login, now_ms(), &request));
    CHECK_STR(plexlink_http_request_method(request), "POST");
    CHECK(strstr(plexlink_http_request_url(request), "api/v2/pins") != NULL);
    body_len = plexlink_http_request_body_len(request);
    CHECK(body_len > 0 && body_len < sizeof body);
    memcpy(body, plexlink_http_request_body(request), body_len);
    body[body_len] = '\0';
    CHECK(strstr(body, "\"jwk\"") != NULL && strstr(body, plexlink_device_key_kid(key)) != NULL);
    send_login_request(login, request);
    plexlink_http_request_free(request);

    test_step("sans-IO JWT: every check carries a device JWT, signed again as nonces die; AUTHORIZED");
    /* Approved once a second nonce was needed: the sign-in outlived the first one (the emulator
     * refuses a device JWT of a dead nonce, which would end it). */
    out.approve_after_nonces = 2;
    run(login, &out, 1, now_ms() + 30000);
    CHECK(out.failed == PLEXLINK_RESULT_OK && out.created == 1 && out.pending >= 2);
    CHECK(count_char(out.token, '.') == 2);
    CHECK(nonce_requests >= 2 && pin_checks > 0 && pin_checks_with_device_jwt == pin_checks);
    CHECK(keys_requests == 1); /* plex.tv's keys, to verify the Plex JWT */

    test_step("sans-IO JWT: the verified Plex JWT with its claims (as often as asked), for plex.tv");
    CHECK_OK(plexlink_pin_login_jwt(login, &jwt));
    CHECK_STR(plexlink_jwt_token(jwt), out.token);
    check_alice_jwt(jwt, key);
    plexlink_jwt_free(jwt);
    jwt = NULL;
    CHECK_OK(plexlink_pin_login_jwt(login, &jwt));
    CHECK_STR(plexlink_jwt_token(jwt), out.token);
    plexlink_jwt_free(jwt);
    jwt = NULL;
    CHECK_OK(plexlink_pin_login_plex_keys(login, &keys)); /* the ones it fetched, to keep */
    CHECK(plexlink_plex_keys_len(keys) >= 1);
    plexlink_pin_login_free(login);
    CHECK_OK(plexlink_client_user(client, out.token, &account));
    CHECK_STR(plexlink_account_username(account), "alice");
    plexlink_account_free(account);

    test_step("sans-IO JWT: resume a JWT PIN created earlier (by the blocking client), with the kept keys");
    CHECK_OK(plexlink_client_create_jwt_pin(client, key, false, &pin));
    memset(&out, 0, sizeof out);
    out.pin_id = plexlink_pin_id(pin);
    keys_requests = 0;
    CHECK_OK(plexlink_pin_login_resume_jwt(config, pin, key, keys, 200, now_ms(), unix_now(), &login));
    plexlink_pin_free(pin);
    plexlink_plex_keys_free(keys); /* copied by the login */
    run(login, &out, 1, now_ms() + 30000);
    CHECK(out.failed == PLEXLINK_RESULT_OK && out.created == 0);
    CHECK(keys_requests == 0); /* verified with the keys it was given */
    CHECK_OK(plexlink_pin_login_plex_keys(login, &kept));
    CHECK(plexlink_plex_keys_len(kept) >= 1);
    plexlink_plex_keys_free(kept);
    CHECK_OK(plexlink_pin_login_jwt(login, &jwt));
    CHECK_STR(plexlink_jwt_token(jwt), out.token);
    check_alice_jwt(jwt, key);
    plexlink_jwt_free(jwt);
    plexlink_pin_login_free(login);

    test_step("sans-IO JWT: a JWT sign-in that failed has no JWT; a legacy one never has one");
    memset(&out, 0, sizeof out);
    CHECK_OK(plexlink_pin_login_new_jwt(config, key, NULL, false, 200, now_ms(), unix_now(), &login));
    CHECK_OK(plexlink_pin_login_cancel(login));
    drain_events(login, &out, 0);
    CHECK(out.failed == PLEXLINK_RESULT_CANCELLED);
    jwt = NULL;
    CHECK_CODE(plexlink_pin_login_jwt(login, &jwt), PLEXLINK_RESULT_WRONG_STATE);
    plexlink_pin_login_free(login);
    CHECK_OK(plexlink_pin_login_new(config, false, 200, now_ms(), &login));
    CHECK_CODE(plexlink_pin_login_jwt(login, &jwt), PLEXLINK_RESULT_WRONG_STATE);
    CHECK(jwt == NULL);
    plexlink_pin_login_free(login);
}

static void jwt_refresh(const plexlink_client_config *config, const plexlink_client *client,
                        const plexlink_device_key *key) {
    plexlink_jwt_refresh *refresh = NULL;
    plexlink_http_request *request = NULL;
    plexlink_jwt *jwt = NULL;
    plexlink_jwt *again = NULL;
    plexlink_account *account = NULL;
    plexlink_plex_keys *keys = NULL;
    uint64_t t;

    test_step("sans-IO JWT refresh: nonce, exchange, plex.tv's keys; a new verified Plex JWT");
    nonce_requests = keys_requests = exchange_requests = 0;
    CHECK_OK(plexlink_jwt_refresh_new(config, key, NULL, now_ms(), unix_now(), &refresh));
    CHECK(!plexlink_jwt_refresh_is_finished(refresh));
    CHECK(plexlink_jwt_refresh_poll_timeout(refresh) == UINT64_MAX); /* nothing sent yet: no timer */
    CHECK_CODE(plexlink_jwt_refresh_outcome(refresh, &jwt), PLEXLINK_RESULT_PENDING);
    CHECK(jwt == NULL);
    run_refresh(refresh, now_ms() + 20000);
    CHECK(nonce_requests == 1 && exchange_requests == 1 && keys_requests == 1);
    CHECK(plexlink_jwt_refresh_poll_timeout(refresh) == UINT64_MAX);
    CHECK_CODE(plexlink_jwt_refresh_poll_transmit(refresh, now_ms(), &request), PLEXLINK_RESULT_DONE);
    CHECK_OK(plexlink_jwt_refresh_outcome(refresh, &jwt));
    check_alice_jwt(jwt, key);
    CHECK_OK(plexlink_jwt_refresh_outcome(refresh, &again)); /* may be asked again */
    CHECK_STR(plexlink_jwt_token(again), plexlink_jwt_token(jwt));
    plexlink_jwt_free(again);
    again = NULL;
    CHECK_OK(plexlink_jwt_refresh_plex_keys(refresh, &keys));
    plexlink_jwt_refresh_free(refresh);
    plexlink_jwt_free(jwt);
    jwt = NULL;

    test_step("sans-IO JWT refresh: given the keys the last one fetched, it fetches none");
    nonce_requests = keys_requests = exchange_requests = 0;
    CHECK_OK(plexlink_jwt_refresh_new(config, key, keys, now_ms(), unix_now(), &refresh));
    plexlink_plex_keys_free(keys); /* copied by the refresh */
    keys = NULL;
    run_refresh(refresh, now_ms() + 20000);
    CHECK(nonce_requests == 1 && exchange_requests == 1 && keys_requests == 0);
    CHECK_OK(plexlink_jwt_refresh_outcome(refresh, &jwt));
    check_alice_jwt(jwt, key);
    CHECK_OK(plexlink_jwt_refresh_plex_keys(refresh, &keys));
    CHECK(plexlink_plex_keys_len(keys) >= 1);
    plexlink_plex_keys_free(keys);
    plexlink_jwt_refresh_free(refresh);
    CHECK_OK(plexlink_client_user(client, plexlink_jwt_token(jwt), &account));
    CHECK_STR(plexlink_account_username(account), "alice");
    plexlink_account_free(account);
    plexlink_jwt_free(jwt);
    jwt = NULL;

    test_step("sans-IO JWT refresh: a transport error backs off; a bad kind is refused");
    CHECK_OK(plexlink_jwt_refresh_new(config, key, NULL, now_ms(), unix_now(), &refresh));
    CHECK_OK(plexlink_jwt_refresh_poll_transmit(refresh, now_ms(), &request));
    CHECK(strstr(plexlink_http_request_url(request), "/api/v2/auth/nonce") != NULL);
    plexlink_http_request_free(request);
    t = now_ms();
    CHECK_CODE(plexlink_jwt_refresh_handle_transport_error(refresh, t, 4242, "what"),
               PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK_OK(plexlink_jwt_refresh_handle_transport_error(refresh, t, PLEXLINK_RESULT_CONNECT, "connection refused"));
    CHECK(plexlink_jwt_refresh_poll_timeout(refresh) != UINT64_MAX);
    CHECK(plexlink_jwt_refresh_poll_timeout(refresh) >= t + 1000);
    CHECK_CODE(plexlink_jwt_refresh_poll_transmit(refresh, t, &request), PLEXLINK_RESULT_DONE);
    CHECK(!plexlink_jwt_refresh_is_finished(refresh));
    CHECK_OK(plexlink_jwt_refresh_handle_timeout(refresh, plexlink_jwt_refresh_poll_timeout(refresh)));
    CHECK_OK(plexlink_jwt_refresh_poll_transmit(refresh, plexlink_jwt_refresh_poll_timeout(refresh), &request));
    CHECK(strstr(plexlink_http_request_url(request), "/api/v2/auth/nonce") != NULL); /* tried again */
    plexlink_http_request_free(request);

    test_step("sans-IO JWT refresh: malformed answers are refused; a garbage one ends it with DECODE");
    CHECK_CODE(plexlink_jwt_refresh_handle_response(refresh, now_ms(), 42, NULL, 0, NULL, 0),
               PLEXLINK_RESULT_INVALID_PARAMETER);
    CHECK(!plexlink_jwt_refresh_is_finished(refresh));
    CHECK_OK(plexlink_jwt_refresh_handle_response(refresh, now_ms(), 200, NULL, 0, (const uint8_t *)"{oops", 5));
    CHECK(plexlink_jwt_refresh_is_finished(refresh));
    CHECK_CODE(plexlink_jwt_refresh_outcome(refresh, &jwt), PLEXLINK_RESULT_DECODE);
    CHECK(plexlink_last_error_code() == PLEXLINK_RESULT_DECODE);
    CHECK(jwt == NULL);
    plexlink_jwt_refresh_free(refresh);

    test_step("sans-IO JWT refresh: cancel");
    CHECK_OK(plexlink_jwt_refresh_new(config, key, NULL, now_ms(), unix_now(), &refresh));
    CHECK_OK(plexlink_jwt_refresh_cancel(refresh));
    CHECK(plexlink_jwt_refresh_is_finished(refresh));
    CHECK_CODE(plexlink_jwt_refresh_poll_transmit(refresh, now_ms(), &request), PLEXLINK_RESULT_DONE);
    CHECK_CODE(plexlink_jwt_refresh_outcome(refresh, &jwt), PLEXLINK_RESULT_CANCELLED);
    CHECK_OK(plexlink_jwt_refresh_cancel(refresh)); /* once finished: nothing */
    CHECK_CODE(plexlink_jwt_refresh_outcome(refresh, &jwt), PLEXLINK_RESULT_CANCELLED);
    plexlink_jwt_refresh_free(refresh);

    test_step("sans-IO JWT refresh: a removed device ends it with DEVICE_REMOVED");
    emu_remove_jwt_device(url, JWT_CLIENT_ID);
    CHECK_OK(plexlink_jwt_refresh_new(config, key, NULL, now_ms(), unix_now(), &refresh));
    run_refresh(refresh, now_ms() + 20000);
    CHECK_CODE(plexlink_jwt_refresh_outcome(refresh, &jwt), PLEXLINK_RESULT_DEVICE_REMOVED);
    CHECK(plexlink_last_error_code() == PLEXLINK_RESULT_DEVICE_REMOVED);
    CHECK(strstr(last_error(), "device removed") != NULL);
    CHECK(jwt == NULL);
    plexlink_jwt_refresh_free(refresh);
}

static void jwt(void) {
    plexlink_client_config_builder *builder = NULL;
    const plexlink_client_config *config = NULL;
    const plexlink_client *client = NULL;
    plexlink_device_key *key = NULL;
    char settings[128];

    /* Short nonces, so that a sign-in outlives one within the test. */
    snprintf(settings, sizeof settings, "{\"nonce_lifetime_secs\":%d}", NONCE_LIFE_S);
    emu_jwt_settings(url, settings);
    CHECK_OK(plexlink_client_config_builder_new("plexlink C tests", JWT_CLIENT_ID, &builder));
    CHECK_OK(plexlink_client_config_builder_set_plex_url(builder, url));
    CHECK_OK(plexlink_client_config_builder_set_timeout_ms(builder, 10000));
    CHECK_OK(plexlink_client_config_builder_set_jwt_nonce_lifetime_ms(builder, NONCE_LIFE_S * 1000));
    CHECK_OK(plexlink_client_config_builder_build(builder, &config));
    CHECK_OK(plexlink_client_new(config, &client));
    CHECK_OK(plexlink_device_key_new(&key));
    client_id = JWT_CLIENT_ID;
    jwt_login(config, client, key);
    jwt_refresh(config, client, key);
    client_id = "c-tests-sans-io";
    plexlink_device_key_free(key);
    plexlink_client_free(client);
    plexlink_client_config_free(config);
}

int main(int argc, char **argv) {
    const plexlink_client_config *config = NULL;
    const plexlink_client *client = NULL;

    url = emulator_url(argc, argv);
    printf("test_sans_io against %s\n", url);
    make_client(url, "c-tests-sans-io", &config, &client);
    full_login(config, client);
    failures(config);
    echoed_code(config);
    resume(config, client);
    races(config, client);
    kept_connections(config, client);
    jwt();
    plexlink_client_free(client);
    plexlink_client_config_free(config);
    printf("test_sans_io: ok\n");
    return 0;
}
