/*
 * The sans-IO machines driven by a host with its own HTTP stack: the HTTP/1.1 client of
 * support.c over plain sockets, and the host's own monotonic clock. The library only says what
 * to send and when to wake up. The PIN login signs in; the connection race probes a server's
 * connections and chooses one.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support.h"

static const char *url;

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
        if (strcmp(name, "x-plex-client-identifier") == 0) saw_client_id = str_eq(value, "c-tests-sans-io");
        snprintf(headers[i].name, sizeof headers[i].name, "%s", name);
        snprintf(headers[i].value, sizeof headers[i].value, "%s", value);
    }
    CHECK(saw_client_id);
    CHECK(plexlink_http_request_header_name(request, n) == NULL);
    CHECK(plexlink_http_request_header_value(request, n) == NULL);
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

/* Sleeps until the login's next timer (at most `cap_ms`). */
static void sleep_until_timer(const plexlink_pin_login *login, uint64_t cap_ms) {
    uint64_t at = plexlink_pin_login_poll_timeout(login);
    uint64_t now = now_ms();
    if (at == UINT64_MAX) return;
    if (at > now) sleep_ms(at - now < cap_ms ? at - now : cap_ms);
}

typedef struct {
    uint64_t pin_id;
    unsigned created;
    unsigned pending;
    char token[1024];
    plexlink_result failed; /* PLEXLINK_RESULT_OK until a FAILED event */
    int finished;
} outcome_t;

/* Drains the events into `out`; approves the PIN at the first PENDING when `approve`. */
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
            if (approve && out->pending == 1) emu_approve_pin(url, out->pin_id, "alice");
            break;
        case PLEXLINK_PIN_EVENT_KIND_AUTHORIZED:
            CHECK(plexlink_pin_event_token(event) != NULL);
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

/* Takes every probe the race has to send now (all of them: they go out at once); their count. */
static size_t take_probes(plexlink_race *race, probe_t *probes, size_t max) {
    size_t n = 0;
    uint64_t now = now_ms();
    while (plexlink_race_poll_transmit(race, now, &probes[n].candidate, &probes[n].deadline_ms,
                                       &probes[n].request) == PLEXLINK_RESULT_OK) {
        CHECK_STR(plexlink_http_request_method(probes[n].request), "GET");
        CHECK(strstr(plexlink_http_request_url(probes[n].request), "/identity") != NULL);
        CHECK(probes[n].deadline_ms > now && probes[n].deadline_ms != UINT64_MAX);
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
    uint64_t now = now_ms();
    plexlink_result r = send_request(probe->request, probe->deadline_ms > now ? probe->deadline_ms - now : 1, &response);
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
    plexlink_client_free(client);
    plexlink_client_config_free(config);
    printf("test_sans_io: ok\n");
    return 0;
}
