/*
 * The sans-IO PIN login driven by a host with its own HTTP stack: the HTTP/1.1 client of
 * support.c over plain sockets, and the host's own monotonic clock. The library only says what
 * to send and when to wake up.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support.h"

static const char *url;

/* Sends one request of the login with the test's HTTP client and hands the answer back. */
static void send_request(plexlink_pin_login *login, const plexlink_http_request *request) {
    test_header headers[32];
    plexlink_http_header answer_headers[64];
    test_response response;
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
    CHECK(starts_with(plexlink_http_request_url(request), url));
    if (http_exchange(plexlink_http_request_url(request), plexlink_http_request_method(request), headers, n,
                      plexlink_http_request_body(request), plexlink_http_request_body_len(request), &response) != 0) {
        CHECK_OK(plexlink_pin_login_handle_transport_error(login, now_ms(), PLEXLINK_RESULT_NETWORK, "no answer"));
        return;
    }
    CHECK(response.n_headers <= 64);
    for (i = 0; i < response.n_headers; i++) {
        answer_headers[i].name = response.headers[i].name;
        answer_headers[i].value = response.headers[i].value;
    }
    CHECK_OK(plexlink_pin_login_handle_response(login, now_ms(), (uint16_t)response.status, answer_headers,
                                                response.n_headers, (const uint8_t *)response.body,
                                                response.body_len));
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
            send_request(login, request);
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
    send_request(login, request);
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
    send_request(login, request);
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
    send_request(login, request);
    plexlink_http_request_free(request);
    run(login, &out, 1, now_ms() + 20000);
    CHECK(out.created == 0 && strlen(out.token) == 536);
    plexlink_pin_login_free(login);
}

int main(int argc, char **argv) {
    const plexlink_client_config *config = NULL;
    const plexlink_client *client = NULL;

    url = emulator_url(argc, argv);
    printf("test_sans_io against %s\n", url);
    make_client(url, "c-tests-sans-io", &config, &client);
    full_login(config, client);
    failures(config);
    resume(config, client);
    plexlink_client_free(client);
    plexlink_client_config_free(config);
    printf("test_sans_io: ok\n");
    return 0;
}
