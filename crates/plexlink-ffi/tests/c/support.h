/*
 * Helpers shared by the C tests: checks that stop the test with a message, a monotonic clock,
 * a small HTTP/1.1 client over plain sockets to 127.0.0.1 (for the emulator's control endpoints
 * and for driving the sans-IO PIN login), and the emulator's control calls.
 */
#ifndef PLEXLINK_TEST_SUPPORT_H
#define PLEXLINK_TEST_SUPPORT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "plexlink.h"

/* Stops the test with the place, the expression and the library's last error. */
void test_fail(const char *file, int line, const char *what);

#define CHECK(cond)                                                                                 \
    do {                                                                                            \
        if (!(cond)) test_fail(__FILE__, __LINE__, #cond);                                          \
    } while (0)

/* The call must return `code`. */
#define CHECK_CODE(expr, code)                                                                      \
    do {                                                                                            \
        plexlink_result check_r_ = (expr);                                                          \
        if (check_r_ != (plexlink_result)(code)) {                                                  \
            test_fail_code(__FILE__, __LINE__, #expr, check_r_, (plexlink_result)(code));           \
        }                                                                                           \
    } while (0)

#define CHECK_OK(expr) CHECK_CODE(expr, PLEXLINK_RESULT_OK)
#define CHECK_NULL_PARAM(expr) CHECK_CODE(expr, PLEXLINK_RESULT_NULL_PARAMETER)
#define CHECK_BAD_UTF8(expr) CHECK_CODE(expr, PLEXLINK_RESULT_INVALID_UTF8)
#define CHECK_STR(actual, expected) CHECK(str_eq((actual), (expected)))

void test_fail_code(const char *file, int line, const char *what, plexlink_result got, plexlink_result want);

/* Prints "name ... ok" style progress. */
void test_step(const char *name);

/* Both non-NULL and equal. */
int str_eq(const char *a, const char *b);
int starts_with(const char *text, const char *prefix);

/* The library's last error on this thread, in a static buffer. */
const char *last_error(void);

/* Milliseconds of CLOCK_MONOTONIC, and a sleep. */
uint64_t now_ms(void);
void sleep_ms(uint64_t ms);

/* Waits on `cond` (with `lock` held) for at most 100 ms: the caller checks its condition and its
 * own deadline (on CLOCK_MONOTONIC) after each. */
void cond_wait_slice(pthread_cond_t *cond, pthread_mutex_t *lock);

/* The emulator's base URL ("http://127.0.0.1:PORT/"): argv[1], else $PLEXLINK_TEST_PLEX_URL. */
const char *emulator_url(int argc, char **argv);

/* A builder → config → client for the emulator, with this client identifier. */
void make_client(const char *url, const char *client_identifier, const plexlink_client_config **config_out,
                 const plexlink_client **client_out);

/* The device of `list` called `name`; stops the test when there is none. */
const plexlink_device *find_device(const plexlink_device_list *list, const char *name);

/*
 * Checks the race of a connect to `device` that nothing won: no URI, no connection, the device
 * raced, every connection either a candidate that failed (with its error) or timed out, or
 * skipped, each described. Returns how many candidates there were.
 */
size_t check_lost_race(const plexlink_connect_result *lost, const plexlink_device *device);

/* --- the HTTP client ---------------------------------------------------------------------- */

typedef struct {
    char name[128];
    char value[2048];
} test_header;

typedef struct {
    int status;
    size_t n_headers;
    test_header headers[64];
    char *body; /* NUL-terminated; malloc'd */
    size_t body_len;
} test_response;

/*
 * One exchange with an http://127.0.0.1:PORT/... URL over a fresh connection ("Connection:
 * close"). Returns 0 with `*response` filled (free it with test_response_free), or -1 when no
 * answer came (connection refused, reset, malformed).
 */
int http_exchange(const char *url, const char *method, const test_header *headers, size_t n_headers,
                  const void *body, size_t body_len, test_response *response);

/*
 * http_exchange within `timeout_ms` for each step (connecting, sending, each read; 0: no
 * limit). Returns PLEXLINK_RESULT_OK with `*response` filled, or why no answer came, as the
 * sans-IO machines take it: PLEXLINK_RESULT_CONNECT (refused), PLEXLINK_RESULT_REQUEST_TIMEOUT
 * (no answer in time) or PLEXLINK_RESULT_NETWORK (anything else).
 */
plexlink_result http_exchange_within(const char *url, const char *method, const test_header *headers,
                                     size_t n_headers, const void *body, size_t body_len, uint64_t timeout_ms,
                                     test_response *response);
void test_response_free(test_response *response);

/* --- the emulator's control endpoints (abort the test on failure) -------------------------- */

void emu_approve_pin(const char *url, uint64_t pin_id, const char *account);
void emu_expire_pin(const char *url, uint64_t pin_id);
void emu_add_fault(const char *url, const char *fault_json);
void emu_clear_faults(const char *url);
/* A fault, once: requests under `path_prefix` get `status` and a Plex error body whose message is
 * `message` (plain text: no quotes or backslashes). */
void emu_add_error_fault(const char *url, const char *path_prefix, int status, const char *message);
/* The URI the emulator advertises for `connection` of `server` ("local-dead" of "Living Room"). */
void emu_connection_uri(const char *url, const char *server, const char *connection, char *uri, size_t uri_len);
/* Plex JWT sign-in: changes the settings (JSON, any of "jwt_lifetime_secs", "nonce_lifetime_secs",
 * "nonce_rate_limit_per_minute"), switches the key that signs Plex JWTs, removes the device of a
 * client identifier (plain letters, digits and dashes) from the account. */
void emu_jwt_settings(const char *url, const char *settings_json);
void emu_rotate_jwt_key(const char *url);
void emu_remove_jwt_device(const char *url, const char *client_identifier);
/* Changes while running: a connection's behaviour at once (JSON as the control endpoint takes it,
 * e.g. {"kind":"dead"}, {"kind":"good"}; its port and URI stay), plex.tv down (`mode_json` NULL
 * for the mode in force, or {"mode":"503"}) and up again. */
void emu_set_behaviour(const char *url, const char *server, const char *connection, const char *behaviour_json);
void emu_plex_tv_down(const char *url, const char *mode_json);
void emu_plex_tv_up(const char *url);
/* The TCP connections a PMS connection of the emulator has accepted so far. */
uint64_t emu_tcp_connections(const char *url, const char *server, const char *connection);

#endif
