/*
 * plexlink: sign people in to Plex and find their servers, from C and C++.
 *
 * Link with `pkg-config --cflags --libs plexlink` (or `--static`). Every declaration below is
 * documented; this comment holds the rules that apply to all of them.
 *
 * THREE WAYS IN
 *
 *   1. Blocking calls, `plexlink_client_<verb>`: a `plexlink_client` (from a
 *      `plexlink_client_config`) does one Plex call per function and returns when it is done.
 *      Long waits (`plexlink_client_wait_for_token`) report progress through a callback on the
 *      calling thread and stop when a `plexlink_cancel` is cancelled from another thread.
 *
 *   2. Tasks, `plexlink_task_<verb>`: the same calls run on a library thread, for hosts with an
 *      event loop. A task reports progress and completion through callbacks (`void *userdata`
 *      first) that run ON THE TASK'S OWN THREAD, never on the thread that started it; hand the
 *      result over to your loop from there. A task can be cancelled (`plexlink_task_cancel`)
 *      and freed (`plexlink_task_free`) at any time, also while it runs: once `free` returns, no
 *      callback of it runs any more. Take the value with `plexlink_task_take_*`.
 *
 *   3. The sans-IO machines, for hosts that bring their own HTTP stack and clock: the PIN login
 *      (`plexlink_pin_login_*`), the connection race (`plexlink_race_*`), the Plex JWT
 *      refresh (`plexlink_jwt_refresh_*`) and the kept connection (`plexlink_kept_*`). The
 *      library says which request to send (method, URL, headers, body), the host sends it and
 *      hands the answer back (status, headers, body), and asks when to wake up next. Time is the
 *      host's monotonic clock in milliseconds (`now_ms`); "no timer" is `PLEXLINK_NO_TIME`
 *      (`UINT64_MAX`); "nothing to do" is the result `PLEXLINK_RESULT_DONE`.
 *
 * RESULTS AND ERRORS
 *
 *   Functions that can fail return a `plexlink_result`: `PLEXLINK_RESULT_OK` (0) or a code with a
 *   fixed number, grouped by family (see the enum). They write their out-parameters only on
 *   success. `plexlink_result_str(code)` describes a code; the full text of the last failure on
 *   the calling thread (the server's message, the HTTP status, which argument was NULL) is read
 *   with `plexlink_last_error_message`, `plexlink_last_error_retry_after_ms` says how long to
 *   wait after `PLEXLINK_RESULT_RATE_LIMITED`, and `plexlink_last_error_connect_result` what
 *   became of each connection after `PLEXLINK_RESULT_NO_CONNECTION`. Error texts never contain
 *   a token, password or code.
 *
 *   Only `PLEXLINK_RESULT_UNAUTHORIZED` says that a token is bad. A network error, a 5xx or a
 *   rate limit says nothing about it: never sign a person out because of one.
 *
 * PLEX JWT
 *
 *   Plex's sign-in with a device key. A `plexlink_device_key` (made once per client identifier
 *   with `plexlink_device_key_new`, and kept with it: a secret) signs in through a JWT PIN
 *   (`plexlink_client_create_jwt_pin` then `plexlink_client_wait_for_jwt`, or the sans-IO
 *   `plexlink_pin_login_new_jwt`) or upgrades a legacy token (`plexlink_client_upgrade_to_jwt`),
 *   and gets a `plexlink_jwt`: a Plex JWT, verified, valid for days. Refresh it when
 *   `plexlink_jwt_needs_refresh` says so, and after `PLEXLINK_RESULT_TOKEN_EXPIRED` before one
 *   more try (`plexlink_client_refresh_jwt`); `PLEXLINK_RESULT_DEVICE_REMOVED` needs a new
 *   client identifier and a new key. Two rules:
 *     - A Plex JWT ENDS THE LEGACY TOKEN of its client identifier (and password or PIN
 *       sign-ins under it); other identifiers keep it. To keep a legacy token, get the JWT
 *       under a second client identifier.
 *     - The JWT is for plex.tv only. Server calls use each server's own access token
 *       (`plexlink_device_access_token`), never the account's JWT.
 *
 * A CONNECTION THAT STAYS RIGHT, AND plex.tv DOWN
 *
 *   A player keeps one server's connection with `plexlink_client_keep` (a `plexlink_kept_server`
 *   driven on a library thread; `plexlink_kept_*` for hosts with their own HTTP): it starts
 *   from the last good URI the app saved (`plexlink_keep_options.last_good`), races again when
 *   the app reports a failed request (`_report_failure`) or a network change
 *   (`_network_changed`), rechecks better tiers now and then, and tells the app of each change
 *   (`plexlink_kept_event`: changed or lost, why, old and new URI, the race). Read the URI to
 *   use with `_current` before each request, and save it for the next start.
 *   `plexlink_client_servers_or_snapshot` lists the servers from a `plexlink_resources_snapshot`
 *   the app kept (a secret: it holds every server's token) when plex.tv cannot be reached, and
 *   never after plex.tv refused the token.
 *
 * ARGUMENTS
 *
 *   - Every pointer argument is checked: NULL gives `PLEXLINK_RESULT_NULL_PARAMETER`, unless
 *     the function's documentation says that it "may be NULL". Accessors that cannot fail
 *     (`plexlink_device_name`, ...) return NULL, false or 0 for a NULL handle.
 *   - Strings are NUL-terminated UTF-8 (anything else gives `PLEXLINK_RESULT_INVALID_UTF8`),
 *     borrowed for the call and copied: the library never keeps your pointer.
 *   - Byte buffers are a pointer and a length; the pointer may be NULL when the length is 0.
 *   - Otherwise every pointer must be NULL or valid: a handle of the right type that was not
 *     freed, a buffer as long as its length. The library cannot check that.
 *
 * OWNERSHIP
 *
 *   - Handles (`plexlink_client`, `plexlink_pin`, `plexlink_device_list`, ...) that a function
 *     writes to an out-parameter belong to the caller, who frees each with its own
 *     `plexlink_<type>_free`; shareable ones (configurations, clients, cancel handles, tasks)
 *     are written as `const` pointers, and are the caller's all the same. Every `_free`
 *     accepts NULL and must not be called twice.
 *   - Handles returned as `const plexlink_<type> *` from an accessor (`plexlink_device_list_get`,
 *     `plexlink_connect_result_device`, `plexlink_pin_event_pin`, ...) are lent: they live as
 *     long as the handle that lent them, and are never freed on their own.
 *   - Strings follow one rule per family:
 *       accessors of a handle return `const char *`, lent for as long as the handle lives;
 *       calls that produce a new string (URLs, tokens) write a `char *` to an out-parameter,
 *       owned by the caller and freed with `plexlink_string_free`.
 *   - Configurations, clients, cancel handles, tasks and kept servers are thread-safe; the
 *     library keeps its own reference to what a running task needs, so they may be freed while
 *     it runs. Other handles are immutable (safe to read from many threads) except builders,
 *     `plexlink_pin_login`, `plexlink_race`, `plexlink_jwt_refresh` and `plexlink_kept`, which
 *     must be used from one thread at a time.
 *
 * CALLBACKS
 *
 *   Callbacks are nullable function pointers taking `void *userdata` first; what they receive is
 *   lent for the call only (copy what you keep). Each one's documentation says which thread
 *   calls it. They must not unwind (no C++ exceptions, no longjmp out of them).
 *
 * VERSION
 *
 *   `PLEXLINK_VERSION_MAJOR/MINOR/PATCH` and the packed `PLEXLINK_VERSION_NUMBER` describe this
 *   header, `plexlink_version()` the loaded library. Before 1.0 there is no ABI stability
 *   between versions: the shared library's SONAME is its exact version.
 */

#ifndef PLEXLINK_H
#define PLEXLINK_H

/* Generated by cbindgen from crates/plexlink-ffi: do not edit. Regenerate with scripts/gen-header.sh. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * A time in milliseconds that there is none of: no timer (a machine's `_poll_timeout`: wait
 * for the answer, or for nothing), a duration not known (a PIN's time left, a rate limit's
 * wait), no answer (a probe's latency). `UINT64_MAX`.
 */
#define PLEXLINK_NO_TIME UINT64_MAX

/**
 * The length of a device key's seed (its private part), in bytes.
 */
#define PLEXLINK_DEVICE_KEY_SEED_LEN 32

/**
 * The major version of the plexlink library this header belongs to.
 */
#define PLEXLINK_VERSION_MAJOR 0

/**
 * The minor version of the plexlink library this header belongs to.
 */
#define PLEXLINK_VERSION_MINOR 1

/**
 * The patch version of the plexlink library this header belongs to.
 */
#define PLEXLINK_VERSION_PATCH 0

/**
 * The version as one number, `(MAJOR << 16) | (MINOR << 8) | PATCH`, for `#if` comparisons.
 */
#define PLEXLINK_VERSION_NUMBER 256

/**
 * What a call did. The numbers are fixed and never reused; they are grouped by family, and a
 * retired number stays reserved.
 *
 * - 0: success. 1–99: outcomes that are not errors (`DONE`, `PENDING`).
 * - 100–199: the caller misused the API.
 * - 200–299: a failure inside the library.
 * - 300–399: the server refused (sign-in, tokens, PINs, HTTP errors).
 * - 400–499: no usable answer (network, TLS, transport rules).
 * - 500–599: an answer that could not be read.
 * - 600–699: how a longer flow ended (timeout, cancel, no connection).
 *
 * `plexlink_result_str` gives a short description of a code; `plexlink_last_error_message`
 * the full text of the last failure on the calling thread.
 */
enum plexlink_result
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * Success.
   */
  PLEXLINK_RESULT_OK = 0,
  /**
   * Nothing to do now, nothing to report: no request to send, no event (the sans-IO
   * machines); no race kept by an error (`plexlink_last_error_connect_result`).
   */
  PLEXLINK_RESULT_DONE = 1,
  /**
   * Not finished yet: the task still runs, the race is not decided.
   */
  PLEXLINK_RESULT_PENDING = 2,
  /**
   * A required pointer argument was NULL.
   */
  PLEXLINK_RESULT_NULL_PARAMETER = 100,
  /**
   * A string argument was not valid UTF-8.
   */
  PLEXLINK_RESULT_INVALID_UTF8 = 101,
  /**
   * An argument was unusable (an empty product name, a bad URL, a zero timeout, ...).
   */
  PLEXLINK_RESULT_INVALID_PARAMETER = 102,
  /**
   * The caller's buffer was too small; it holds as much as fitted.
   */
  PLEXLINK_RESULT_INSUFFICIENT_SIZE = 103,
  /**
   * The handle is not in a state that allows this call (a task that has not finished, a
   * result already taken, a task result of another kind).
   */
  PLEXLINK_RESULT_WRONG_STATE = 104,
  /**
   * The library panicked; the call did nothing. A bug: please report it.
   */
  PLEXLINK_RESULT_PANIC = 200,
  /**
   * The library could not do its work (a thread could not be started, ...).
   */
  PLEXLINK_RESULT_INTERNAL = 201,
  /**
   * An error this version of the C API has no code for; the last error says what it is.
   */
  PLEXLINK_RESULT_UNKNOWN = 202,
  /**
   * The credentials or the token were refused (HTTP 401, or 422 "Invalid token"). The only
   * code that means a stored token is bad and should be forgotten.
   */
  PLEXLINK_RESULT_UNAUTHORIZED = 300,
  /**
   * The account has two-factor authentication: sign in again with the verification code.
   */
  PLEXLINK_RESULT_TWO_FACTOR_REQUIRED = 301,
  /**
   * The two-factor verification code was wrong.
   */
  PLEXLINK_RESULT_INVALID_VERIFICATION_CODE = 302,
  /**
   * This IP address is locked out after repeated failed sign-ins. Stop retrying.
   */
  PLEXLINK_RESULT_IP_LOCKED_OUT = 303,
  /**
   * The PIN expired or does not exist. Create a new one.
   */
  PLEXLINK_RESULT_PIN_EXPIRED = 304,
  /**
   * Switching to this Home user needs their Home PIN (or the PIN was wrong).
   */
  PLEXLINK_RESULT_HOME_PIN_REQUIRED = 305,
  /**
   * Too many requests: `plexlink_last_error_retry_after_ms` says how long to wait, if the
   * server said.
   */
  PLEXLINK_RESULT_RATE_LIMITED = 306,
  /**
   * The Plex JWT has expired.
   */
  PLEXLINK_RESULT_TOKEN_EXPIRED = 307,
  /**
   * Another error that plex.tv described with its own code (see the last error).
   */
  PLEXLINK_RESULT_PLEX_ERROR = 308,
  /**
   * An HTTP error status without a Plex error body (`plexlink_last_error_http_status`).
   */
  PLEXLINK_RESULT_HTTP_STATUS = 309,
  /**
   * The server answered with a redirect, which plexlink does not follow with a token.
   */
  PLEXLINK_RESULT_REDIRECT = 310,
  /**
   * This device was removed from the account (plex.tv's code 1097): its device key is gone
   * and refreshing cannot help. Sign in again under a new client identifier with a new
   * device key.
   */
  PLEXLINK_RESULT_DEVICE_REMOVED = 311,
  /**
   * A Plex Media Server refused the token (HTTP 401) or this call for it (403): the server
   * may no longer be shared with the account, may have a new access token, or the call is
   * for its owner only. Not `PLEXLINK_RESULT_UNAUTHORIZED`: the account's token may be fine
   * (only plex.tv can say). Fetch the resources again for the server's current access token.
   */
  PLEXLINK_RESULT_SERVER_REFUSED = 312,
  /**
   * The request got no answer (connection reset, malformed HTTP, ...).
   */
  PLEXLINK_RESULT_NETWORK = 400,
  /**
   * Name resolution failed.
   */
  PLEXLINK_RESULT_DNS = 401,
  /**
   * The TCP connection could not be made.
   */
  PLEXLINK_RESULT_CONNECT = 402,
  /**
   * The TLS handshake or the certificate check failed.
   */
  PLEXLINK_RESULT_TLS = 403,
  /**
   * One request got no answer within its timeout.
   */
  PLEXLINK_RESULT_REQUEST_TIMEOUT = 404,
  /**
   * A token would have been sent where it must not go (plain HTTP to a public address).
   */
  PLEXLINK_RESULT_INSECURE_TRANSPORT = 405,
  /**
   * The answer was larger than the configured limit.
   */
  PLEXLINK_RESULT_RESPONSE_TOO_LARGE = 406,
  /**
   * The answer could not be read as what it should be.
   */
  PLEXLINK_RESULT_DECODE = 500,
  /**
   * A Plex JWT failed verification: a bad signature, a key plex.tv does not publish, the wrong
   * issuer, audience or device (thumbprint), expired, or issued in the future. Never trust
   * its claims.
   */
  PLEXLINK_RESULT_INVALID_JWT = 501,
  /**
   * The overall wait ended without a result (`timeout_ms` of a PIN wait).
   */
  PLEXLINK_RESULT_TIMEOUT = 600,
  /**
   * The call was cancelled.
   */
  PLEXLINK_RESULT_CANCELLED = 601,
  /**
   * No connection of the server answered as that server.
   */
  PLEXLINK_RESULT_NO_CONNECTION = 602,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum plexlink_result plexlink_result;
#else
typedef uint32_t plexlink_result;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * The kind of path a candidate takes, best first.
 */
enum plexlink_tier
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * A private address.
   */
  PLEXLINK_TIER_LOCAL = 0,
  /**
   * A public address of the server.
   */
  PLEXLINK_TIER_REMOTE = 1,
  /**
   * A Plex relay: works almost everywhere, but slow.
   */
  PLEXLINK_TIER_RELAY = 2,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum plexlink_tier plexlink_tier;
#else
typedef uint32_t plexlink_tier;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * What became of one candidate of a race.
 */
enum plexlink_probe_result
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * It answered as the server and was chosen.
   */
  PLEXLINK_PROBE_RESULT_WON = 0,
  /**
   * It answered as the server, but a better-ranked candidate won.
   */
  PLEXLINK_PROBE_RESULT_ANSWERED = 1,
  /**
   * Another server answered at that address: never a winner.
   */
  PLEXLINK_PROBE_RESULT_WRONG_SERVER = 2,
  /**
   * It answered 401: reachable, but refusing.
   */
  PLEXLINK_PROBE_RESULT_UNAUTHORIZED = 3,
  /**
   * It failed (`plexlink_candidate_error` says how).
   */
  PLEXLINK_PROBE_RESULT_FAILED = 4,
  /**
   * No answer before its deadline.
   */
  PLEXLINK_PROBE_RESULT_TIMED_OUT = 5,
  /**
   * Still pending when the race was decided.
   */
  PLEXLINK_PROBE_RESULT_ABANDONED = 6,
  /**
   * Never sent before the race was decided.
   */
  PLEXLINK_PROBE_RESULT_NOT_SENT = 7,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum plexlink_probe_result plexlink_probe_result;
#else
typedef uint32_t plexlink_probe_result;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * Why a connection was not a candidate.
 */
enum plexlink_skip_reason
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * The URI is not an http(s) URL with a host.
   */
  PLEXLINK_SKIP_REASON_INVALID_URI = 0,
  /**
   * A relay, and the policy leaves relays out.
   */
  PLEXLINK_SKIP_REASON_RELAY_DISABLED = 1,
  /**
   * IPv6, and the policy leaves IPv6 out.
   */
  PLEXLINK_SKIP_REASON_IPV6_DISABLED = 2,
  /**
   * A private address of a server this account does not own, off the server's network.
   */
  PLEXLINK_SKIP_REASON_FOREIGN_LAN = 3,
  /**
   * Plain http, and the server requires https.
   */
  PLEXLINK_SKIP_REASON_HTTPS_REQUIRED = 4,
  /**
   * Plain http, and the policy is `PLEXLINK_HTTP_POLICY_NEVER`.
   */
  PLEXLINK_SKIP_REASON_HTTP_DISABLED = 5,
  /**
   * Plain http to a public address, and the policy is `PLEXLINK_HTTP_POLICY_PRIVATE_ONLY`.
   */
  PLEXLINK_SKIP_REASON_PLAINTEXT_TO_PUBLIC = 6,
  /**
   * The same URI as a better-ranked candidate.
   */
  PLEXLINK_SKIP_REASON_DUPLICATE = 7,
  /**
   * A reason this version has no code for (`plexlink_skipped_description` says it).
   */
  PLEXLINK_SKIP_REASON_OTHER = 99,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum plexlink_skip_reason plexlink_skip_reason;
#else
typedef uint32_t plexlink_skip_reason;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * What a kept connection reports.
 */
enum plexlink_kept_event_kind
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * The connection to use is now `plexlink_kept_event_new_uri` (the one before:
   * `plexlink_kept_event_old_uri`, NULL at the start and after a loss).
   */
  PLEXLINK_KEPT_EVENT_KIND_CHANGED = 0,
  /**
   * No connection answered as the server: there is none to use until a later race finds one
   * (the kept connection keeps trying, backing off, and reports `CHANGED` with
   * `PLEXLINK_KEPT_REASON_RECOVERED` then).
   */
  PLEXLINK_KEPT_EVENT_KIND_LOST = 1,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum plexlink_kept_event_kind plexlink_kept_event_kind;
#else
typedef uint32_t plexlink_kept_event_kind;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * Why a kept connection changed (or was lost). `plexlink_kept_event_why_name` gives the same
 * as a stable name.
 */
enum plexlink_kept_reason
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * The first race chose it ("started").
   */
  PLEXLINK_KEPT_REASON_STARTED = 0,
  /**
   * The last good connection answered within the warm window ("warm_start").
   */
  PLEXLINK_KEPT_REASON_WARM_START = 1,
  /**
   * A failure was reported, and a new race chose another connection ("failover").
   */
  PLEXLINK_KEPT_REASON_FAILOVER = 2,
  /**
   * A recheck found a better tier answering ("moved_up").
   */
  PLEXLINK_KEPT_REASON_MOVED_UP = 3,
  /**
   * The network changed, and a new race chose another connection ("network_changed").
   */
  PLEXLINK_KEPT_REASON_NETWORK_CHANGED = 4,
  /**
   * No connection worked for a while; now one does ("recovered").
   */
  PLEXLINK_KEPT_REASON_RECOVERED = 5,
  /**
   * A reason this version has no code for (its name says it).
   */
  PLEXLINK_KEPT_REASON_OTHER = 99,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum plexlink_kept_reason plexlink_kept_reason;
#else
typedef uint32_t plexlink_kept_reason;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * What a PIN login reports.
 */
enum plexlink_pin_event_kind
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * The PIN exists: show `plexlink_pin_code` of `plexlink_pin_event_pin` with the link page,
   * or send the person to the auth URL for a strong code. Store its id to resume later.
   */
  PLEXLINK_PIN_EVENT_KIND_CREATED = 0,
  /**
   * A check found the PIN not yet approved (`plexlink_pin_event_remaining_ms`).
   */
  PLEXLINK_PIN_EVENT_KIND_PENDING = 1,
  /**
   * The person approved the PIN: `plexlink_pin_event_token` is the token (for a JWT sign-in,
   * the Plex JWT, already verified: `plexlink_pin_login_jwt` gives it with its claims). The
   * final event.
   */
  PLEXLINK_PIN_EVENT_KIND_AUTHORIZED = 2,
  /**
   * The sign-in ended without a token (`plexlink_pin_event_error`): the PIN expired, it was
   * cancelled, or an error that cannot be retried. The final event.
   */
  PLEXLINK_PIN_EVENT_KIND_FAILED = 3,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum plexlink_pin_event_kind plexlink_pin_event_kind;
#else
typedef uint32_t plexlink_pin_event_kind;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * Where plain `http://` candidates may be probed (`plexlink_race_policy.allow_http`).
 */
enum plexlink_http_policy
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * https only.
   */
  PLEXLINK_HTTP_POLICY_NEVER = 0,
  /**
   * Plain http only to loopback and private addresses, where a token may travel (the default).
   */
  PLEXLINK_HTTP_POLICY_PRIVATE_ONLY = 1,
  /**
   * Plain http wherever plex.tv lists it; the client must also allow insecure HTTP.
   */
  PLEXLINK_HTTP_POLICY_ANYWHERE = 2,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum plexlink_http_policy plexlink_http_policy;
#else
typedef uint32_t plexlink_http_policy;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * A Plex account, as token details, sign-in and a Home switch give it. Immutable; its strings
 * are lent for as long as it lives. Free with `plexlink_account_free`.
 */
typedef struct plexlink_account plexlink_account;

/**
 * Cancels a blocking PIN wait (`plexlink_wait_options.cancel`) from any thread. Thread-safe.
 * Free with `plexlink_cancel_free`.
 */
typedef struct plexlink_cancel plexlink_cancel;

/**
 * One candidate of the race, lent by its `plexlink_connect_result`.
 */
typedef struct plexlink_candidate plexlink_candidate;

/**
 * Signs people in to Plex and finds their servers, over blocking HTTP. Thread-safe: one client
 * may be used by many threads at once, and its connection pool is shared by all of them (a
 * whole PIN wait runs over one kept-alive connection). Free with `plexlink_client_free`.
 */
typedef struct plexlink_client plexlink_client;

/**
 * An immutable client configuration, shareable between threads. Used by `plexlink_client_new`
 * and by the sans-IO machines (`plexlink_pin_login_new`, `plexlink_race_new`,
 * `plexlink_jwt_refresh_new`, ...). Free with `plexlink_client_config_free`.
 */
typedef struct plexlink_client_config plexlink_client_config;

/**
 * Collects a client configuration. Made by `plexlink_client_config_builder_new`, changed by
 * the `plexlink_client_config_builder_set_*` functions, turned into a `plexlink_client_config`
 * by `plexlink_client_config_builder_build`. Not thread-safe: use it from one thread at a time.
 */
typedef struct plexlink_client_config_builder plexlink_client_config_builder;

/**
 * A server and the connection chosen for it. Immutable; free with
 * `plexlink_connect_result_free`, which also ends everything it lent.
 */
typedef struct plexlink_connect_result plexlink_connect_result;

/**
 * One outcome per server of `plexlink_client_connect_all`, in the order of the device list.
 * Immutable; free with `plexlink_connect_result_list_free`, which also ends everything it lent.
 */
typedef struct plexlink_connect_result_list plexlink_connect_result_list;

/**
 * One way to reach a device: lent by its device (or by a connect result), valid while the
 * handle that owns the device lives; never freed on its own.
 */
typedef struct plexlink_connection plexlink_connection;

/**
 * A device: lent by a `plexlink_device_list` or a `plexlink_connect_result`, valid while that
 * handle lives; never freed on its own. Its strings are lent for as long.
 */
typedef struct plexlink_device plexlink_device;

/**
 * A device's Ed25519 key: its identity at plex.tv for a Plex JWT, one per client identifier,
 * kept by the application for as long as the identifier (plexlink stores it nowhere). Its
 * private part is a secret. Immutable; free with `plexlink_device_key_free`.
 */
typedef struct plexlink_device_key plexlink_device_key;

/**
 * A list of devices (servers, players, ...). Immutable; free with `plexlink_device_list_free`,
 * which also ends every device and connection it lent.
 */
typedef struct plexlink_device_list plexlink_device_list;

/**
 * One member of a Plex Home, lent by its `plexlink_home_user_list` (valid while the list
 * lives; never freed on its own).
 */
typedef struct plexlink_home_user plexlink_home_user;

/**
 * The members of a Plex Home. Immutable; free with `plexlink_home_user_list_free`.
 */
typedef struct plexlink_home_user_list plexlink_home_user_list;

/**
 * A request to send: lent by nothing, owned by the caller; free with
 * `plexlink_http_request_free`. Its strings and body are lent while it lives.
 */
typedef struct plexlink_http_request plexlink_http_request;

/**
 * What a server's `/identity` says. Immutable; free with `plexlink_identity_free`.
 */
typedef struct plexlink_identity plexlink_identity;

/**
 * A Plex JWT that plexlink verified (signature by plex.tv's published keys, issuer, audience,
 * device, expiry), with its claims. Immutable; its strings are lent for as long as it lives.
 * Free with `plexlink_jwt_free`.
 */
typedef struct plexlink_jwt plexlink_jwt;

/**
 * A refresh of a device's Plex JWT driven by the host: nonce, device JWT signed by the key,
 * exchange, verification against plex.tv's keys (fetched by the refresh). Not thread-safe:
 * call it from one thread at a time. Free with `plexlink_jwt_refresh_free`.
 *
 * The loop, the PIN login's, repeated until `plexlink_jwt_refresh_is_finished`:
 * 1. `plexlink_jwt_refresh_poll_transmit(now)`: when it gives a request, send it (at most one
 *    is in flight) and later hand its answer to `plexlink_jwt_refresh_handle_response`, or its
 *    failure to `plexlink_jwt_refresh_handle_transport_error`.
 * 2. Sleep until the answer arrives or until `plexlink_jwt_refresh_poll_timeout()`
 *    (`PLEXLINK_NO_TIME`: no timer, wait for the answer), call `plexlink_jwt_refresh_handle_timeout(now)`,
 *    go to 1.
 *
 * Then `plexlink_jwt_refresh_outcome` gives the new Plex JWT, or why there is none.
 */
typedef struct plexlink_jwt_refresh plexlink_jwt_refresh;

/**
 * One server's connection kept right by the host: a race that never ends. Not thread-safe:
 * call it from one thread at a time. Free with `plexlink_kept_free`.
 *
 * The loop, for as long as the app uses the server:
 * 1. `plexlink_kept_poll_transmit(now)` until `PLEXLINK_RESULT_DONE`: send every probe it gives
 *    (all at once, each with its own timeout of `deadline_ms - now`), and hand each answer to
 *    `plexlink_kept_handle_response`, or its failure to `plexlink_kept_handle_failure`, with
 *    the probe's id, as they come.
 * 2. `plexlink_kept_poll_event` until `PLEXLINK_RESULT_DONE`: each change of the connection to
 *    use.
 * 3. Sleep until an answer arrives, until `plexlink_kept_poll_timeout()` (`PLEXLINK_NO_TIME`: no
 *    timer, only an answer or the app moves it on), or until the app reports something, call
 *    `plexlink_kept_handle_timeout(now)`, go to 1.
 *
 * When a request of the app to the current connection fails at the transport level, call
 * `plexlink_kept_report_failure`; when the network changes (another Wi-Fi, a VPN, a wake from
 * sleep), `plexlink_kept_network_changed`; then go to 1. `plexlink_kept_current` gives the
 * connection to use at any time.
 */
typedef struct plexlink_kept plexlink_kept;

/**
 * A change of a kept connection. From `plexlink_kept_poll_event` it is the caller's, to free
 * with `plexlink_kept_event_free`; given to a `plexlink_kept_event_cb` it is lent for the call.
 * Immutable; what it lends is valid while it lives.
 */
typedef struct plexlink_kept_event plexlink_kept_event;

/**
 * A server whose connection the library keeps right in the background, on a thread of its
 * own: it races when a failure is reported or the network changes, rechecks better tiers now
 * and then, and calls the event callback at each change. Thread-safe: every function may be
 * called from any thread, also from the event callback. Free with `plexlink_kept_server_free`,
 * which stops it.
 */
typedef struct plexlink_kept_server plexlink_kept_server;

/**
 * A PIN as plex.tv described it (from `plexlink_client_create_pin`, `plexlink_client_check_pin`
 * or `plexlink_pin_new`). Immutable; its strings are lent for as long as it lives. Free with
 * `plexlink_pin_free`.
 */
typedef struct plexlink_pin plexlink_pin;

/**
 * An event of a PIN login, owned by the caller; free with `plexlink_pin_event_free`. What it
 * lends is valid while it lives.
 */
typedef struct plexlink_pin_event plexlink_pin_event;

/**
 * A PIN sign-in driven by the host. Not thread-safe: call it from one thread at a time. Free
 * with `plexlink_pin_login_free`.
 *
 * The loop, repeated until `plexlink_pin_login_is_finished` and no event is left:
 * 1. `plexlink_pin_login_poll_transmit(now)`: when it gives a request, send it (at most one is
 *    in flight) and later hand its answer to `plexlink_pin_login_handle_response`, or its
 *    failure to `plexlink_pin_login_handle_transport_error`.
 * 2. `plexlink_pin_login_poll_event` until `PLEXLINK_RESULT_DONE`: `CREATED` once (show the
 *    code), `PENDING` after each check, then one final `AUTHORIZED` (the token) or `FAILED`.
 * 3. Sleep until the answer arrives or until `plexlink_pin_login_poll_timeout()` (`PLEXLINK_NO_TIME`:
 *    no timer, wait for the answer), call `plexlink_pin_login_handle_timeout(now)`, go to 1.
 */
typedef struct plexlink_pin_login plexlink_pin_login;

/**
 * plex.tv's keys for verifying Plex JWTs, as a sans-IO JWT sign-in or refresh had them
 * (`plexlink_pin_login_plex_keys`, `plexlink_jwt_refresh_plex_keys`). Give them to the next one
 * (`plexlink_jwt_refresh_new`, `plexlink_pin_login_new_jwt`, `plexlink_pin_login_resume_jwt`)
 * and it verifies its Plex JWT without fetching them again: one request less, at the end of
 * each. It still fetches them when the JWT names a key they lack (plex.tv rotates its keys).
 * Public keys, no secret. Immutable; free with `plexlink_plex_keys_free`. (The blocking calls
 * and tasks keep them in their client by themselves.)
 */
typedef struct plexlink_plex_keys plexlink_plex_keys;

/**
 * One server's connection race driven by the host: which of the device's connections answers
 * as that server, best first. Not thread-safe: call it from one thread at a time. Free with
 * `plexlink_race_free`.
 *
 * The loop, repeated until `plexlink_race_is_decided`:
 * 1. `plexlink_race_poll_transmit(now)` until `PLEXLINK_RESULT_DONE`: send every probe it gives
 *    (all at once, each with its own timeout of `deadline_ms - now`), and hand each answer to
 *    `plexlink_race_handle_response`, or its failure to `plexlink_race_handle_failure`, with
 *    the probe's candidate index, as they come.
 * 2. Sleep until an answer arrives or until `plexlink_race_poll_timeout()` (`PLEXLINK_NO_TIME`: no
 *    timer), call `plexlink_race_handle_timeout(now)`, go to 1.
 *
 * Then `plexlink_race_outcome` gives the chosen connection and what became of every candidate;
 * probes still in flight may be dropped, their answers are not needed.
 */
typedef struct plexlink_race plexlink_race;

/**
 * What plex.tv said of the account's devices, and when: their connections and every server's
 * access token. A SECRET, like a token. Immutable; free with `plexlink_resources_snapshot_free`.
 */
typedef struct plexlink_resources_snapshot plexlink_resources_snapshot;

/**
 * The account's servers from `plexlink_client_servers_or_snapshot`: plex.tv's answer now, or
 * the snapshot given when plex.tv could not be reached. Immutable; free with
 * `plexlink_server_list_free`, which also ends everything it lent.
 */
typedef struct plexlink_server_list plexlink_server_list;

/**
 * A connection that was not a candidate, and why; lent by its `plexlink_connect_result`.
 */
typedef struct plexlink_skipped plexlink_skipped;

/**
 * A call running on a library thread. Thread-safe: every `plexlink_task_*` function may be
 * called from any thread. Free with `plexlink_task_free` (at any time, even while it runs).
 */
typedef struct plexlink_task plexlink_task;

/**
 * How `plexlink_client_connect_with` chooses. Start from `plexlink_race_policy_default()`.
 */
typedef struct plexlink_race_policy {
  /**
   * After the first good answer, how long to wait for a nearer or more secure candidate
   * still pending, in milliseconds (default 500; 0: the first good answer wins).
   */
  uint64_t grace_ms;
  /**
   * How long each probe may take, in milliseconds (default 5000; not 0).
   */
  uint64_t probe_timeout_ms;
  /**
   * A `plexlink_http_policy` value (default `PLEXLINK_HTTP_POLICY_PRIVATE_ONLY`).
   */
  uint32_t allow_http;
  /**
   * Whether IPv6 connections are candidates (default true).
   */
  bool ipv6;
  /**
   * Whether relay connections are candidates (default true; relays cap at ~2 Mbit/s).
   */
  bool relay;
  /**
   * Whether https plex.direct connections to private addresses get a plain-http twin
   * (default false). A twin can win only after its https name failed to resolve, never after
   * a TLS or certificate failure; its result then says why it was not used.
   */
  bool http_twins;
} plexlink_race_policy;

/**
 * A progress report of a PIN wait, lent to the callback for the call.
 */
typedef struct plexlink_wait_progress {
  /**
   * Checks answered so far (1 at the first report).
   */
  uint32_t checks;
  /**
   * Milliseconds until the PIN expires; `PLEXLINK_NO_TIME` when unknown.
   */
  uint64_t remaining_ms;
} plexlink_wait_progress;

/**
 * Called after each check that found the PIN not yet approved. `progress` is lent for the call
 * only. Runs on the thread that waits: the caller's for `plexlink_client_wait_for_token`, the
 * task's thread for `plexlink_task_wait_for_token`. It may call `plexlink_cancel_cancel` (or
 * `plexlink_task_cancel`) to stop the wait.
 */
typedef void (*plexlink_wait_progress_cb)(void *userdata, const struct plexlink_wait_progress *progress);

/**
 * How a PIN wait waits. Start from `plexlink_wait_options_default()` and change what you need.
 */
typedef struct plexlink_wait_options {
  /**
   * Milliseconds between checks; 0 for the default, 1000 (Plex's advice). The wait never
   * polls faster, and backs off on 429, 5xx and network errors.
   */
  uint64_t interval_ms;
  /**
   * Give up after this many milliseconds with `PLEXLINK_RESULT_TIMEOUT`; 0 waits until the
   * PIN expires (`PLEXLINK_RESULT_PIN_EXPIRED`).
   */
  uint64_t timeout_ms;
  /**
   * May be NULL. Cancelling it ends the wait with `PLEXLINK_RESULT_CANCELLED`. Borrowed for
   * the call (a task takes its own reference).
   */
  const struct plexlink_cancel *cancel;
  /**
   * May be NULL. Called after each check that found the PIN not yet approved.
   */
  plexlink_wait_progress_cb on_progress;
  /**
   * Passed to `on_progress` as is.
   */
  void *userdata;
} plexlink_wait_options;

/**
 * One header of an answer handed to `plexlink_pin_login_handle_response`: two NUL-terminated
 * UTF-8 strings, borrowed for the call.
 */
typedef struct plexlink_http_header {
  /**
   * The header's name (any case).
   */
  const char *name;
  /**
   * The header's value.
   */
  const char *value;
} plexlink_http_header;

/**
 * How a kept connection keeps its connection (`plexlink_client_keep`, `plexlink_kept_new`).
 * Start from `plexlink_keep_policy_default()` and change what you need. Every time is in
 * milliseconds, more than 0 and at most a day.
 */
typedef struct plexlink_keep_policy {
  /**
   * How every race probes and chooses, as `plexlink_client_connect_with` takes it.
   */
  struct plexlink_race_policy race;
  /**
   * How long a start with a last good connection probes it alone before racing every
   * connection (default 300).
   */
  uint64_t warm_window_ms;
  /**
   * Time between rechecks of the better tiers while on a worse one (default 60000); doubles
   * after each recheck that finds nothing, up to `recheck_max_ms`, and starts again after a
   * change. A recheck sends one probe per better connection; on the best tier none is sent.
   */
  uint64_t recheck_interval_ms;
  /**
   * The longest time between rechecks (default 240000).
   */
  uint64_t recheck_max_ms;
  /**
   * The longest wait before racing again while no connection works (default 60000; the wait
   * starts at one second and doubles).
   */
  uint64_t retry_max_ms;
} plexlink_keep_policy;

/**
 * Called at each change of a kept server's connection, with `userdata` as the options gave it.
 * `event` and its strings are lent for the call only (copy what you keep). Runs on the kept
 * server's own driver thread, never on the thread that called `plexlink_client_keep`; the
 * first event (the first decision) comes before `plexlink_client_keep` returns. It may
 * call any function of the kept server, also `plexlink_kept_server_stop` and
 * `plexlink_kept_server_free` (then it must not use the handle again). Never called after
 * `plexlink_kept_server_stop` or `plexlink_kept_server_free` has returned. Keep it short: the
 * driver waits for it.
 */
typedef void (*plexlink_kept_event_cb)(void *userdata, const struct plexlink_kept_event *event);

/**
 * How `plexlink_client_keep` keeps a connection. Start from `plexlink_keep_options_default()`
 * and change what you need.
 */
typedef struct plexlink_keep_options {
  /**
   * Warm window, rechecks, retries and the race.
   */
  struct plexlink_keep_policy policy;
  /**
   * May be NULL (the default). The URI of the connection that worked last, saved by the app
   * from an earlier run (`plexlink_kept_server_current`): probed first, alone, and taken as
   * soon as it answers. Copied.
   */
  const char *last_good;
  /**
   * May be NULL (the default). Called at each change.
   */
  plexlink_kept_event_cb on_event;
  /**
   * Passed to `on_event` as is; must be usable on the driver's thread.
   */
  void *userdata;
} plexlink_keep_options;

/**
 * Called once when the task has finished, with its result code (`PLEXLINK_RESULT_OK`, the
 * call's error, or `PLEXLINK_RESULT_CANCELLED`). Runs on the task's own thread, never on the
 * thread that started it; `plexlink_last_error_message` on that thread reads the task's error
 * (and `plexlink_last_error_connect_result` the race of a connect that found no connection).
 * `task` is lent for the call: the callback may take the value (`plexlink_task_take_*`), and
 * may free the task (then it must not use `task` again), or any other task. Not called after
 * the task was freed.
 */
typedef void (*plexlink_task_done_cb)(void *userdata, const struct plexlink_task *task, plexlink_result result);

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

/**
 * The account's numeric id; 0 when unknown (and for NULL).
 */
uint64_t plexlink_account_id(const struct plexlink_account *account);

/**
 * The account's UUID ("" when unknown). Lent: valid while `account` lives. NULL for NULL.
 */
const char *plexlink_account_uuid(const struct plexlink_account *account);

/**
 * The user name ("" for managed users). Lent: valid while `account` lives. NULL for NULL.
 */
const char *plexlink_account_username(const struct plexlink_account *account);

/**
 * The e-mail address ("" when not given). Lent: valid while `account` lives. NULL for NULL.
 */
const char *plexlink_account_email(const struct plexlink_account *account);

/**
 * The name to show. Lent: valid while `account` lives. NULL for NULL.
 */
const char *plexlink_account_friendly_name(const struct plexlink_account *account);

/**
 * The title (a managed user's name). Lent: valid while `account` lives. NULL for NULL.
 */
const char *plexlink_account_title(const struct plexlink_account *account);

/**
 * The avatar's URL ("" when none). Lent: valid while `account` lives. NULL for NULL.
 */
const char *plexlink_account_thumb(const struct plexlink_account *account);

/**
 * The account's token: after a sign-in or a Home switch, the new token to store. NULL when the
 * answer had none. A secret: never log it. Lent: valid while `account` lives.
 */
const char *plexlink_account_auth_token(const struct plexlink_account *account);

/**
 * Whether two-factor authentication is on. False for NULL.
 */
bool plexlink_account_two_factor_enabled(const struct plexlink_account *account);

/**
 * Whether the account belongs to a Plex Home. False for NULL.
 */
bool plexlink_account_home(const struct plexlink_account *account);

/**
 * Whether the account is its Home's administrator. False for NULL.
 */
bool plexlink_account_home_admin(const struct plexlink_account *account);

/**
 * Whether the account has an active Plex Pass subscription. False when unknown, and for NULL.
 */
bool plexlink_account_subscription_active(const struct plexlink_account *account);

/**
 * The subscription's status ("Active", "Inactive", ...), or NULL when plex.tv sent none. Lent:
 * valid while `account` lives.
 */
const char *plexlink_account_subscription_status(const struct plexlink_account *account);

/**
 * The subscription's plan ("monthly", "lifetime", ...), or NULL when plex.tv sent none. Lent:
 * valid while `account` lives.
 */
const char *plexlink_account_subscription_plan(const struct plexlink_account *account);

/**
 * Frees an account. NULL is fine; must not be called twice.
 */
void plexlink_account_free(struct plexlink_account *account);

/**
 * How many members the list holds; 0 for NULL.
 */
size_t plexlink_home_user_list_len(const struct plexlink_home_user_list *list);

/**
 * The member at `index` (0-based), lent while `list` lives; NULL when out of range or for NULL.
 */
const struct plexlink_home_user *plexlink_home_user_list_get(const struct plexlink_home_user_list *list, size_t index);

/**
 * Frees the list and every member it lent. NULL is fine; must not be called twice.
 */
void plexlink_home_user_list_free(struct plexlink_home_user_list *list);

/**
 * The member's numeric id; 0 when unknown (and for NULL).
 */
uint64_t plexlink_home_user_id(const struct plexlink_home_user *user);

/**
 * The member's UUID: what `plexlink_client_switch_home_user` takes. Lent: valid while the list
 * lives. NULL for NULL.
 */
const char *plexlink_home_user_uuid(const struct plexlink_home_user *user);

/**
 * The name to show. Lent: valid while the list lives. NULL for NULL.
 */
const char *plexlink_home_user_title(const struct plexlink_home_user *user);

/**
 * The user name ("" for managed users). Lent: valid while the list lives. NULL for NULL.
 */
const char *plexlink_home_user_username(const struct plexlink_home_user *user);

/**
 * The avatar's URL ("" when none). Lent: valid while the list lives. NULL for NULL.
 */
const char *plexlink_home_user_thumb(const struct plexlink_home_user *user);

/**
 * Whether the member is the Home's administrator. False for NULL.
 */
bool plexlink_home_user_admin(const struct plexlink_home_user *user);

/**
 * Whether the member is a managed user with restrictions. False for NULL.
 */
bool plexlink_home_user_restricted(const struct plexlink_home_user *user);

/**
 * Whether switching to the member needs their Home PIN. False for NULL.
 */
bool plexlink_home_user_protected(const struct plexlink_home_user *user);

/**
 * Whether the member is the guest user. False for NULL.
 */
bool plexlink_home_user_guest(const struct plexlink_home_user *user);

/**
 * The account `token` belongs to (token details). Only `PLEXLINK_RESULT_UNAUTHORIZED` means the
 * token is bad and should be forgotten; any other failure says nothing about it. On success
 * `*account_out` is the caller's.
 */
plexlink_result plexlink_client_user(const struct plexlink_client *client, const char *token, struct plexlink_account **account_out);

/**
 * Signs in with a `login` (user name or e-mail) and `password`. `verification_code` may be NULL;
 * when the account has two-factor authentication the call fails with
 * `PLEXLINK_RESULT_TWO_FACTOR_REQUIRED`: ask the person for the code and call again with it
 * (`PLEXLINK_RESULT_INVALID_VERIFICATION_CODE` when wrong). `PLEXLINK_RESULT_UNAUTHORIZED` for
 * bad credentials, `PLEXLINK_RESULT_IP_LOCKED_OUT` after too many failures (stop retrying).
 * On success `*account_out` is the caller's; its `plexlink_account_auth_token` is the token.
 */
plexlink_result plexlink_client_sign_in(const struct plexlink_client *client, const char *login, const char *password, const char *verification_code, struct plexlink_account **account_out);

/**
 * Revokes `token` (signs this device out).
 */
plexlink_result plexlink_client_sign_out(const struct plexlink_client *client, const char *token);

/**
 * Keeps `token` alive.
 */
plexlink_result plexlink_client_ping(const struct plexlink_client *client, const char *token);

/**
 * The members of the account's Plex Home. On success `*list_out` is the caller's.
 */
plexlink_result plexlink_client_home_users(const struct plexlink_client *client, const char *token, struct plexlink_home_user_list **list_out);

/**
 * Switches to the Home member `user_uuid`, with their Home `pin` when they are protected (`pin`
 * may be NULL; `PLEXLINK_RESULT_HOME_PIN_REQUIRED` when one is needed or it was wrong). On
 * success `*account_out` is the caller's; its `plexlink_account_auth_token` is the member's
 * token: read resources again with it.
 */
plexlink_result plexlink_client_switch_home_user(const struct plexlink_client *client, const char *token, const char *user_uuid, const char *pin, struct plexlink_account **account_out);

/**
 * A claim token for setting up a new server. On success `*claim_token_out` is owned: free it
 * with `plexlink_string_free`.
 */
plexlink_result plexlink_client_claim_token(const struct plexlink_client *client, const char *token, char **claim_token_out);

/**
 * A new cancel handle, not cancelled. On success `*cancel_out` is the caller's, to free with
 * `plexlink_cancel_free`.
 */
plexlink_result plexlink_cancel_new(const struct plexlink_cancel **cancel_out);

/**
 * Cancels: every wait using this handle returns `PLEXLINK_RESULT_CANCELLED` promptly (a
 * request already on the wire ends first, bounded by the client's timeout). May be called from
 * any thread, any number of times.
 */
plexlink_result plexlink_cancel_cancel(const struct plexlink_cancel *cancel);

/**
 * Whether `plexlink_cancel_cancel` was called on this handle; false for NULL.
 */
bool plexlink_cancel_is_cancelled(const struct plexlink_cancel *cancel);

/**
 * Frees the handle. A wait that uses it keeps its own reference, so this is safe while the
 * wait runs (the wait can then no longer be cancelled through it). NULL is fine; must not be
 * called twice.
 */
void plexlink_cancel_free(const struct plexlink_cancel *cancel);

/**
 * Makes a client from a configuration (the configuration may be freed afterwards).
 *
 * On success `*client_out` is the caller's, to free with `plexlink_client_free`.
 * `PLEXLINK_RESULT_INVALID_PARAMETER` for an unusable setting (a bad root certificate).
 */
plexlink_result plexlink_client_new(const struct plexlink_client_config *config, const struct plexlink_client **client_out);

/**
 * Frees the client. Tasks still running keep their own reference, so this is safe while they
 * run; a blocking call on another thread must have returned. NULL is fine; must not be called
 * twice.
 */
void plexlink_client_free(const struct plexlink_client *client);

/**
 * Frees a string that the library returned as owned (`char **..._out`), after setting its bytes
 * to zero (a token must not stay in freed memory). NULL is fine; must not be called twice, and
 * must not be given a string the library only lent (`const char *` accessors) or one from
 * anywhere else. Strings the library lends are wiped too, when their handle is freed.
 */
void plexlink_string_free(char *string);

/**
 * Starts a configuration for the application `product` (`X-Plex-Product`, shown to the person
 * on the consent page) with its lasting `client_identifier` (`X-Plex-Client-Identifier`).
 *
 * Make the identifier once per installation (a UUID), store it, and pass the same one every
 * time: plex.tv lists every new identifier as a new device, and a PIN must be checked with the
 * identifier that created it. The other fields default to version "1.0", the OS as platform,
 * the product as device name, and the real plex.tv.
 *
 * On success `*builder_out` is a new builder: give it to `plexlink_client_config_builder_build`
 * or free it with `plexlink_client_config_builder_free`. Both strings are copied.
 */
plexlink_result plexlink_client_config_builder_new(const char *product, const char *client_identifier, struct plexlink_client_config_builder **builder_out);

/**
 * `X-Plex-Version`: the application's version. Copied.
 */
plexlink_result plexlink_client_config_builder_set_version(struct plexlink_client_config_builder *builder, const char *version);

/**
 * `X-Plex-Device-Name`: the name the person knows this device by (any UTF-8). Copied.
 */
plexlink_result plexlink_client_config_builder_set_device_name(struct plexlink_client_config_builder *builder, const char *device_name);

/**
 * `X-Plex-Platform` (defaults to the OS the library was built for). Copied.
 */
plexlink_result plexlink_client_config_builder_set_platform(struct plexlink_client_config_builder *builder, const char *platform);

/**
 * `X-Plex-Platform-Version`; empty leaves the header out. Copied.
 */
plexlink_result plexlink_client_config_builder_set_platform_version(struct plexlink_client_config_builder *builder, const char *platform_version);

/**
 * `X-Plex-Device`, the kind of hardware (e.g. "PC"); empty leaves the header out. Copied.
 */
plexlink_result plexlink_client_config_builder_set_device(struct plexlink_client_config_builder *builder, const char *device);

/**
 * `X-Plex-Model`; empty leaves the header out. Copied.
 */
plexlink_result plexlink_client_config_builder_set_model(struct plexlink_client_config_builder *builder, const char *model);

/**
 * `X-Plex-Provides` (e.g. "player", "controller"); empty leaves the header out. Copied.
 */
plexlink_result plexlink_client_config_builder_set_provides(struct plexlink_client_config_builder *builder, const char *provides);

/**
 * Points every plex.tv address (plex.tv, clients.plex.tv, the auth page) at one base URL, such
 * as an emulator's `http://127.0.0.1:PORT/`. `PLEXLINK_RESULT_INVALID_PARAMETER` when it is not
 * an http(s) URL with a host. Copied.
 */
plexlink_result plexlink_client_config_builder_set_plex_url(struct plexlink_client_config_builder *builder, const char *url);

/**
 * The longest wait for a TCP (and TLS) connection, in milliseconds (default 5000; not 0).
 */
plexlink_result plexlink_client_config_builder_set_connect_timeout_ms(struct plexlink_client_config_builder *builder, uint64_t timeout_ms);

/**
 * The longest wait for a whole answer, in milliseconds (default 30000; not 0).
 */
plexlink_result plexlink_client_config_builder_set_timeout_ms(struct plexlink_client_config_builder *builder, uint64_t timeout_ms);

/**
 * Answers larger than `limit` bytes are refused with `PLEXLINK_RESULT_RESPONSE_TOO_LARGE`
 * (default 16 MiB; not 0).
 */
plexlink_result plexlink_client_config_builder_set_max_response_bytes(struct plexlink_client_config_builder *builder, size_t limit);

/**
 * Allows sending a token over plain HTTP to public addresses (off by default: anyone on the
 * path could read it). Only for networks you trust. Loopback and private addresses never need
 * this.
 */
plexlink_result plexlink_client_config_builder_set_allow_insecure_http(struct plexlink_client_config_builder *builder, bool allow);

/**
 * Reads `*.plex.direct` addresses from the name instead of asking DNS (on by default), so
 * routers that block those names do not push the connection onto a relay. TLS still checks
 * the certificate against the name.
 */
plexlink_result plexlink_client_config_builder_set_resolve_plex_direct(struct plexlink_client_config_builder *builder, bool resolve);

/**
 * Counts carrier-grade NAT addresses (100.64.0.0/10) as private (off by default): plain http
 * may then carry a token to them, and they rank as local connections. Behind a carrier's NAT
 * that range is the carrier's network; turn it on for a VPN that uses it (Tailscale does).
 */
plexlink_result plexlink_client_config_builder_set_carrier_nat_is_private(struct plexlink_client_config_builder *builder, bool private_);

/**
 * The life of a JWT nonce in milliseconds, when it is not plex.tv's five minutes (an emulator
 * set to a short one): a JWT PIN login (`plexlink_client_wait_for_jwt`,
 * `plexlink_pin_login_new_jwt`) signs a new device JWT before it ends. At least 1000.
 */
plexlink_result plexlink_client_config_builder_set_jwt_nonce_lifetime_ms(struct plexlink_client_config_builder *builder, uint64_t lifetime_ms);

/**
 * Trusts one more certificate authority, beside the system's: `pem` points at `pem_len` bytes
 * of PEM text (copied). A bad certificate is reported by `plexlink_client_new`
 * (`PLEXLINK_RESULT_INVALID_PARAMETER`).
 */
plexlink_result plexlink_client_config_builder_add_root_certificate_pem(struct plexlink_client_config_builder *builder, const uint8_t *pem, size_t pem_len);

/**
 * Checks the configuration and makes it immutable.
 *
 * On success `*config_out` is a new configuration (free it with `plexlink_client_config_free`)
 * and the builder is consumed: it is freed and must not be used again. On failure
 * (`PLEXLINK_RESULT_INVALID_PARAMETER` for an empty product or client identifier) nothing is
 * written and the builder is left as it was, still the caller's to fix or free.
 */
plexlink_result plexlink_client_config_builder_build(struct plexlink_client_config_builder *builder, const struct plexlink_client_config **config_out);

/**
 * Frees a builder that was not built. NULL is fine; must not be called twice.
 */
void plexlink_client_config_builder_free(struct plexlink_client_config_builder *builder);

/**
 * Frees a configuration. Clients made from it keep their own copy, so it may be freed while
 * they live. NULL is fine; must not be called twice.
 */
void plexlink_client_config_free(const struct plexlink_client_config *config);

/**
 * The recommended policy: 500 ms grace, 5 s probe timeout, plain http to private addresses
 * only, IPv6 and relays on, no http twins.
 */
struct plexlink_race_policy plexlink_race_policy_default(void);

/**
 * Chooses the best working connection of `device` with the default policy: probes every
 * candidate's `/identity` at once and returns as soon as the race is decided, not when the
 * slowest probe gives up. `device` is copied. On success `*result_out` is the caller's.
 *
 * `PLEXLINK_RESULT_NO_CONNECTION` when none answered as that server (nothing written): the
 * thread's last error then keeps the race, and `plexlink_last_error_connect_result` gives what
 * became of each connection.
 */
plexlink_result plexlink_client_connect(const struct plexlink_client *client, const struct plexlink_device *device, struct plexlink_connect_result **result_out);

/**
 * `plexlink_client_connect` with a policy of your own (copied).
 * `PLEXLINK_RESULT_INVALID_PARAMETER` for an unknown `allow_http` or a zero probe timeout.
 */
plexlink_result plexlink_client_connect_with(const struct plexlink_client *client, const struct plexlink_device *device, const struct plexlink_race_policy *policy, struct plexlink_connect_result **result_out);

/**
 * Chooses a connection for every device of `devices` at once (their races run together, so the
 * call takes as long as the slowest race, not the sum), with `policy` (copied; pass
 * `plexlink_race_policy_default()` for the default). Returns `PLEXLINK_RESULT_OK` even when some
 * servers could not be reached: each has its own outcome in the list (its error, and for one
 * that no connection answered, its race: `plexlink_connect_result_list_error_result`). On
 * success `*results_out` is the caller's.
 */
plexlink_result plexlink_client_connect_all(const struct plexlink_client *client, const struct plexlink_device_list *devices, const struct plexlink_race_policy *policy, struct plexlink_connect_result_list **results_out);

/**
 * How many outcomes the list holds (one per device given); 0 for NULL.
 */
size_t plexlink_connect_result_list_len(const struct plexlink_connect_result_list *list);

/**
 * The connection chosen for device `index`, lent while `list` lives; NULL when that server
 * could not be reached (see `plexlink_connect_result_list_error`), when out of range, and for
 * NULL.
 */
const struct plexlink_connect_result *plexlink_connect_result_list_get(const struct plexlink_connect_result_list *list, size_t index);

/**
 * Why device `index` could not be reached (`PLEXLINK_RESULT_NO_CONNECTION`, ...; for that one
 * `plexlink_connect_result_list_error_result` says what became of each connection);
 * `PLEXLINK_RESULT_OK` when it was. `PLEXLINK_RESULT_INVALID_PARAMETER` when out of range,
 * `PLEXLINK_RESULT_NULL_PARAMETER` for NULL (neither recorded as the last error).
 */
plexlink_result plexlink_connect_result_list_error(const struct plexlink_connect_result_list *list, size_t index);

/**
 * The full text of why device `index` could not be reached, lent while `list` lives; "" when it
 * was. NULL when out of range and for NULL.
 */
const char *plexlink_connect_result_list_error_message(const struct plexlink_connect_result_list *list, size_t index);

/**
 * Why each connection of device `index` failed, when no connection of that server worked
 * (`plexlink_connect_result_list_error` is `PLEXLINK_RESULT_NO_CONNECTION`):
 * `PLEXLINK_RESULT_OK` with `*result_out`, an owned copy of its race (the caller's, to free
 * with `plexlink_connect_result_free`, independent of `list`), read as
 * `plexlink_last_error_connect_result` says: URI and connection NULL, every candidate with its
 * result. `PLEXLINK_RESULT_DONE` (nothing written) when the device was reached (its result is
 * `plexlink_connect_result_list_get`) or failed without a race.
 * `PLEXLINK_RESULT_INVALID_PARAMETER` when `index` is out of range.
 */
plexlink_result plexlink_connect_result_list_error_result(const struct plexlink_connect_result_list *list, size_t index, struct plexlink_connect_result **result_out);

/**
 * Frees the list and every connect result it lent. NULL is fine; must not be called twice.
 */
void plexlink_connect_result_list_free(struct plexlink_connect_result_list *list);

/**
 * The server (a copy of the device given to connect). Lent: valid while `result` lives. NULL
 * for NULL.
 */
const struct plexlink_device *plexlink_connect_result_device(const struct plexlink_connect_result *result);

/**
 * The winning connection as plex.tv listed it. Lent: valid while `result` lives. NULL when no
 * candidate won (the outcome of a race that found no working connection), and for NULL.
 */
const struct plexlink_connection *plexlink_connect_result_connection(const struct plexlink_connect_result *result);

/**
 * The URI to use for the server (the winning connection's, or its plain-http twin's). Lent:
 * valid while `result` lives. NULL when no candidate won (the outcome of a race that found no
 * working connection: its candidates say why each failed), and for NULL.
 */
const char *plexlink_connect_result_uri(const struct plexlink_connect_result *result);

/**
 * The token to use with this server (its own access token: a shared server refuses the account
 * token), or NULL when plex.tv gave none. A secret. Lent: valid while `result` lives.
 */
const char *plexlink_connect_result_access_token(const struct plexlink_connect_result *result);

/**
 * How long choosing took, in milliseconds; 0 for NULL.
 */
uint64_t plexlink_connect_result_elapsed_ms(const struct plexlink_connect_result *result);

/**
 * How many candidates the race had; 0 for NULL.
 */
size_t plexlink_connect_result_candidates_len(const struct plexlink_connect_result *result);

/**
 * The candidate at `index`, in rank order (0 is the best-ranked), lent while `result` lives;
 * NULL when out of range or for NULL.
 */
const struct plexlink_candidate *plexlink_connect_result_candidate_get(const struct plexlink_connect_result *result, size_t index);

/**
 * How many of the device's connections were not candidates; 0 for NULL.
 */
size_t plexlink_connect_result_skipped_len(const struct plexlink_connect_result *result);

/**
 * The skipped connection at `index`, lent while `result` lives; NULL when out of range or for
 * NULL.
 */
const struct plexlink_skipped *plexlink_connect_result_skipped_get(const struct plexlink_connect_result *result, size_t index);

/**
 * Frees a connect result and everything it lent. NULL is fine; must not be called twice.
 */
void plexlink_connect_result_free(struct plexlink_connect_result *result);

/**
 * The URI that was probed (for an http twin, its own `http://` URI). Lent. NULL for NULL.
 */
const char *plexlink_candidate_uri(const struct plexlink_candidate *candidate);

/**
 * The connection plex.tv listed (for an http twin, the https one it derives from). Lent. NULL
 * for NULL.
 */
const struct plexlink_connection *plexlink_candidate_connection(const struct plexlink_candidate *candidate);

/**
 * Local, remote or relay. `PLEXLINK_TIER_LOCAL` for NULL.
 */
plexlink_tier plexlink_candidate_tier(const struct plexlink_candidate *candidate);

/**
 * Whether the candidate is https. False for NULL.
 */
bool plexlink_candidate_secure(const struct plexlink_candidate *candidate);

/**
 * Whether the candidate's address is IPv6. False for NULL.
 */
bool plexlink_candidate_ipv6(const struct plexlink_candidate *candidate);

/**
 * Whether the candidate is a plain-http fallback made from an https plex.direct connection.
 * False for NULL.
 */
bool plexlink_candidate_http_twin(const struct plexlink_candidate *candidate);

/**
 * What became of the candidate. `PLEXLINK_PROBE_RESULT_NOT_SENT` for NULL.
 */
plexlink_probe_result plexlink_candidate_result(const struct plexlink_candidate *candidate);

/**
 * Why the probe failed, as a result code: the error of a `FAILED` probe (e.g.
 * `PLEXLINK_RESULT_CONNECT`), `PLEXLINK_RESULT_REQUEST_TIMEOUT` for `TIMED_OUT`,
 * `PLEXLINK_RESULT_UNAUTHORIZED` for `UNAUTHORIZED`, else `PLEXLINK_RESULT_OK` (also for NULL).
 */
plexlink_result plexlink_candidate_error(const struct plexlink_candidate *candidate);

/**
 * What became of the candidate, in words ("chosen", "failed: connection failed: ...",
 * "another server answered (...)"). Lent. NULL for NULL.
 */
const char *plexlink_candidate_description(const struct plexlink_candidate *candidate);

/**
 * From sending the probe to its HTTP answer, in milliseconds; `PLEXLINK_NO_TIME` without an answer
 * (and for NULL).
 */
uint64_t plexlink_candidate_latency_ms(const struct plexlink_candidate *candidate);

/**
 * The connection that was left out. Lent. NULL for NULL.
 */
const struct plexlink_connection *plexlink_skipped_connection(const struct plexlink_skipped *skipped);

/**
 * Why it was left out. `PLEXLINK_SKIP_REASON_OTHER` for NULL.
 */
plexlink_skip_reason plexlink_skipped_reason(const struct plexlink_skipped *skipped);

/**
 * Why it was left out, in words. Lent. NULL for NULL.
 */
const char *plexlink_skipped_description(const struct plexlink_skipped *skipped);

/**
 * A short, static description of a result code ("unauthorized: ...", "ok"); an unknown number
 * gives "unknown result code". Never NULL; never free it.
 */
const char *plexlink_result_str(uint32_t result);

/**
 * Copies the full text of the last failure on the calling thread (the server's message, the
 * HTTP status, the argument that was NULL, ...) into `buf` as a NUL-terminated string, and
 * stores its length (without the NUL) in `*out_n`. The text never contains a token, password
 * or code. An empty string when no call on this thread has failed yet.
 *
 * The last error is set by every function that fails and is left alone by calls that succeed,
 * so read it right after the failing call.
 *
 * Returns `PLEXLINK_RESULT_OK`, or `PLEXLINK_RESULT_INSUFFICIENT_SIZE` when the text did not
 * fit: `buf` then holds as much as fitted (cut at a UTF-8 character boundary, NUL-terminated
 * when `len > 0`) and `*out_n` that shorter length. `PLEXLINK_RESULT_NULL_PARAMETER` when `buf`
 * or `out_n` is NULL (the last error is then left unchanged).
 */
plexlink_result plexlink_last_error_message(char *buf, size_t len, size_t *out_n);

/**
 * The code of the last failure on the calling thread; `PLEXLINK_RESULT_OK` when none.
 */
plexlink_result plexlink_last_error_code(void);

/**
 * The HTTP status of the last failure on the calling thread when the server answered with an
 * error status (401, 429, 500, ...); 0 when there was none or it is not known.
 */
uint16_t plexlink_last_error_http_status(void);

/**
 * How long the server asked to wait before trying again (`Retry-After`) when the last failure
 * on the calling thread was `PLEXLINK_RESULT_RATE_LIMITED`, in milliseconds; `PLEXLINK_NO_TIME` when
 * the server did not say or the last failure was something else.
 */
uint64_t plexlink_last_error_retry_after_ms(void);

/**
 * Why each connection failed, when the last failure on the calling thread was a connect that
 * found no working connection (`PLEXLINK_RESULT_NO_CONNECTION` from
 * `plexlink_client_connect`, `plexlink_client_connect_with`, or a `plexlink_task_connect`
 * whose error became the thread's last error): `PLEXLINK_RESULT_OK` with `*result_out`, an
 * owned copy of the race (the caller's, to free with `plexlink_connect_result_free`). Read it
 * as any connect result: `plexlink_connect_result_uri` and `plexlink_connect_result_connection`
 * are NULL (nothing won), `plexlink_connect_result_device` is the device raced, and the
 * candidates (`plexlink_connect_result_candidate_get`: each one's result, error and
 * description) and skipped connections say what became of every connection.
 *
 * `PLEXLINK_RESULT_DONE` (nothing written) when the last failure kept no race: another error,
 * a connect that failed before racing (a bad policy), or no failure yet.
 * `PLEXLINK_RESULT_NULL_PARAMETER` when `result_out` is NULL (the last error is then left
 * unchanged).
 */
plexlink_result plexlink_last_error_connect_result(struct plexlink_connect_result **result_out);

/**
 * Forgets the last failure on the calling thread.
 */
void plexlink_last_error_clear(void);

/**
 * How many keys plexlink can use in `keys`; 0 for NULL.
 */
size_t plexlink_plex_keys_len(const struct plexlink_plex_keys *keys);

/**
 * Frees keys. NULL is fine; must not be called twice.
 */
void plexlink_plex_keys_free(struct plexlink_plex_keys *keys);

/**
 * A new device key from the operating system's random generator, for a new client identifier.
 * Keep it with the identifier (`plexlink_device_key_private` or `plexlink_device_key_seed`)
 * and load it on the next run: a new key is a new device at plex.tv. On success `*key_out` is
 * the caller's, to free with `plexlink_device_key_free`. `PLEXLINK_RESULT_INVALID_PARAMETER`
 * when the system gives no random bytes.
 */
plexlink_result plexlink_device_key_new(struct plexlink_device_key **key_out);

/**
 * The device key whose private part is `seed`: `seed_len` bytes (copied), which must be
 * `PLEXLINK_DEVICE_KEY_SEED_LEN` (32), as `plexlink_device_key_seed` gave them or as drawn
 * from a random generator the host trusts. On success `*key_out` is the caller's.
 * `PLEXLINK_RESULT_INVALID_PARAMETER` for another length.
 */
plexlink_result plexlink_device_key_from_seed(const uint8_t *seed, size_t seed_len, struct plexlink_device_key **key_out);

/**
 * The device key kept as text (`plexlink_device_key_private`): the base64url of its 32-byte
 * seed, copied. On success `*key_out` is the caller's. `PLEXLINK_RESULT_INVALID_PARAMETER`
 * when it is not such a text (the last error never shows it).
 */
plexlink_result plexlink_device_key_from_private(const char *private_key, struct plexlink_device_key **key_out);

/**
 * The key's private part as text (base64url of its 32-byte seed), for the application to keep
 * with its client identifier and give to `plexlink_device_key_from_private` on the next run.
 * A SECRET: whoever has it signs in as this device. Store it as safely as a password (a
 * keychain, a file only the user can read); never log it. On success `*private_key_out` is
 * owned: free it with `plexlink_string_free`.
 */
plexlink_result plexlink_device_key_private(const struct plexlink_device_key *key, char **private_key_out);

/**
 * Copies the key's 32-byte seed (its private part, as raw bytes) to `seed_out`, which holds
 * `seed_len` bytes; the first `PLEXLINK_DEVICE_KEY_SEED_LEN` are written. A SECRET, as
 * `plexlink_device_key_private`. `PLEXLINK_RESULT_INSUFFICIENT_SIZE` when `seed_len` is less
 * than `PLEXLINK_DEVICE_KEY_SEED_LEN` (nothing is written: part of a key is no key).
 */
plexlink_result plexlink_device_key_seed(const struct plexlink_device_key *key, uint8_t *seed_out, size_t seed_len);

/**
 * The key's id (`kid`, the RFC 7638 thumbprint of its public key; not a secret): the
 * `thumbprint` of every Plex JWT issued to this device. Lent: valid while `key` lives. NULL for
 * NULL.
 */
const char *plexlink_device_key_kid(const struct plexlink_device_key *key);

/**
 * Frees a device key. NULL is fine; must not be called twice.
 */
void plexlink_device_key_free(struct plexlink_device_key *key);

/**
 * The Plex JWT itself: send it as `X-Plex-Token` to plex.tv (the account calls:
 * `plexlink_client_user`, `plexlink_client_servers`, ...). Never send it to a Plex Media
 * Server: servers take their own access token (`plexlink_device_access_token`). A SECRET:
 * store it safely, never log it. Lent: valid while `jwt` lives (copy it to keep it). NULL for
 * NULL.
 */
const char *plexlink_jwt_token(const struct plexlink_jwt *jwt);

/**
 * The account's user name ("" when the JWT does not say). Lent: valid while `jwt` lives. NULL
 * for NULL.
 */
const char *plexlink_jwt_username(const struct plexlink_jwt *jwt);

/**
 * The account's UUID ("" when the JWT does not say). Lent: valid while `jwt` lives. NULL for
 * NULL.
 */
const char *plexlink_jwt_user_uuid(const struct plexlink_jwt *jwt);

/**
 * The account's numeric id; 0 when the JWT does not say (and for NULL).
 */
uint64_t plexlink_jwt_user_id(const struct plexlink_jwt *jwt);

/**
 * The account's e-mail address ("" when the JWT does not say). Lent: valid while `jwt` lives.
 * NULL for NULL.
 */
const char *plexlink_jwt_email(const struct plexlink_jwt *jwt);

/**
 * The name to show for the account ("" when the JWT does not say). Lent: valid while `jwt`
 * lives. NULL for NULL.
 */
const char *plexlink_jwt_friendly_name(const struct plexlink_jwt *jwt);

/**
 * Whether the account is a managed (restricted) Home user. False for NULL.
 */
bool plexlink_jwt_restricted(const struct plexlink_jwt *jwt);

/**
 * When plex.tv issued the JWT (`iat`), in Unix seconds. 0 for NULL.
 */
int64_t plexlink_jwt_issued_at(const struct plexlink_jwt *jwt);

/**
 * When the JWT expires (`exp`), in Unix seconds. 0 for NULL.
 */
int64_t plexlink_jwt_expires_at(const struct plexlink_jwt *jwt);

/**
 * The id of the device key the JWT was issued to (`thumbprint`: `plexlink_device_key_kid` of
 * its key), or NULL when it names none. Lent: valid while `jwt` lives.
 */
const char *plexlink_jwt_thumbprint(const struct plexlink_jwt *jwt);

/**
 * Whether it is time to refresh the JWT (`plexlink_client_refresh_jwt`) at `unix_now_s` (Unix
 * seconds): less than a day of its life is left, as Plex advises. False for NULL.
 */
bool plexlink_jwt_needs_refresh(const struct plexlink_jwt *jwt, int64_t unix_now_s);

/**
 * Frees a JWT. NULL is fine; must not be called twice.
 */
void plexlink_jwt_free(struct plexlink_jwt *jwt);

/**
 * Creates a PIN whose token will be a Plex JWT for `key` (a short code when `strong` is false,
 * a long one for the auth page when true). Show it as a `plexlink_client_create_pin` PIN, then
 * wait with `plexlink_client_wait_for_jwt` and the same key. Blocks for one request. On
 * success `*pin_out` is the caller's.
 */
plexlink_result plexlink_client_create_jwt_pin(const struct plexlink_client *client, const struct plexlink_device_key *key, bool strong, struct plexlink_pin **pin_out);

/**
 * Waits until the person approves `pin` (from `plexlink_client_create_jwt_pin` with the same
 * `key`), as `plexlink_client_wait_for_token` does (same options, progress, cancel, endings),
 * then gives the Plex JWT, verified. Each check carries a device JWT signed by `key`, signed
 * again from a new nonce before the last one's life ends, for as long as the PIN lives.
 *
 * The Plex JWT ENDS THE LEGACY TOKEN of this client identifier (and password or PIN sign-ins
 * under it). On success `*jwt_out` is the caller's, to free with `plexlink_jwt_free`.
 */
plexlink_result plexlink_client_wait_for_jwt(const struct plexlink_client *client, const struct plexlink_pin *pin, const struct plexlink_device_key *key, const struct plexlink_wait_options *options, struct plexlink_jwt **jwt_out);

/**
 * Upgrades the legacy account `token` to a Plex JWT: registers `key` with it, then exchanges a
 * device JWT signed by `key`. THIS ENDS `token` for this client identifier (and password or
 * PIN sign-ins under it); other client identifiers keep it. To keep a legacy token, sign in
 * with `plexlink_client_create_jwt_pin` under a second client identifier instead, and approve
 * that PIN with `plexlink_client_link_pin` and the legacy token. On success `*jwt_out` is the
 * caller's.
 */
plexlink_result plexlink_client_upgrade_to_jwt(const struct plexlink_client *client, const char *token, const struct plexlink_device_key *key, struct plexlink_jwt **jwt_out);

/**
 * A new Plex JWT for the registered `key` (nonce, device JWT, exchange, verification): call it
 * when `plexlink_jwt_needs_refresh` says so, or when plex.tv answered
 * `PLEXLINK_RESULT_TOKEN_EXPIRED`, then make the call once more. `PLEXLINK_RESULT_DEVICE_REMOVED`:
 * the device was removed from the account; only a new client identifier and a new key (and a
 * new sign-in) help. On success `*jwt_out` is the caller's.
 */
plexlink_result plexlink_client_refresh_jwt(const struct plexlink_client *client, const struct plexlink_device_key *key, struct plexlink_jwt **jwt_out);

/**
 * Verifies a Plex JWT issued to `key` (a stored one, on the next run): signed by one of
 * plex.tv's published keys, issued by plex.tv for this client identifier and this device, not
 * expired. plex.tv's keys are fetched once per client and kept (fetched again when a JWT names
 * one the client does not have). `PLEXLINK_RESULT_INVALID_JWT` when it fails (never trust its
 * claims then); `PLEXLINK_RESULT_INVALID_UTF8` for bytes that are not UTF-8. On success
 * `*jwt_out` is the caller's: the token (copied) with its claims.
 */
plexlink_result plexlink_client_verify_jwt(const struct plexlink_client *client, const char *token, const struct plexlink_device_key *key, struct plexlink_jwt **jwt_out);

/**
 * A refresh of the Plex JWT of `key` (copied), which must be registered for the
 * configuration's client identifier (by a JWT sign-in or an upgrade). `plex_keys` may be NULL:
 * plex.tv's keys kept from an earlier sign-in or refresh (copied), which spare the request
 * that fetches them. `now_ms` is the host's clock now and `unix_now_s` the Unix time (seconds)
 * then, from the host's wall clock. No I/O: the first `plexlink_jwt_refresh_poll_transmit`
 * gives the nonce request. On success `*refresh_out` is the caller's. An unusable
 * configuration gives a refresh that is finished at once, its outcome the error.
 */
plexlink_result plexlink_jwt_refresh_new(const struct plexlink_client_config *config, const struct plexlink_device_key *key, const struct plexlink_plex_keys *plex_keys, uint64_t now_ms, int64_t unix_now_s, struct plexlink_jwt_refresh **refresh_out);

/**
 * The next request to send, when one is due: `PLEXLINK_RESULT_OK` with `*request_out` (the
 * caller's, to free with `plexlink_http_request_free`), or `PLEXLINK_RESULT_DONE` when nothing
 * is to be sent now (a request is in flight, the next is not due, or the refresh has
 * finished). The exchange's body carries a device JWT: do not log it.
 */
plexlink_result plexlink_jwt_refresh_poll_transmit(struct plexlink_jwt_refresh *refresh, uint64_t now_ms, struct plexlink_http_request **request_out);

/**
 * Hands in the answer to the request in flight, as `plexlink_pin_login_handle_response` does
 * (everything borrowed for the call; an answer when none is expected is ignored;
 * `PLEXLINK_RESULT_INVALID_PARAMETER` for a status outside 100–999 or a header that HTTP does
 * not allow, and nothing is handed in then).
 */
plexlink_result plexlink_jwt_refresh_handle_response(struct plexlink_jwt_refresh *refresh, uint64_t now_ms, uint16_t status, const struct plexlink_http_header *headers, size_t headers_len, const uint8_t *body, size_t body_len);

/**
 * The request in flight got no answer, as `plexlink_pin_login_handle_transport_error` takes it
 * (`kind` one of `PLEXLINK_RESULT_NETWORK`, `_DNS`, `_CONNECT`, `_TLS`, `_REQUEST_TIMEOUT`,
 * retried with back-off a few times; `message` copied). Any other `kind`:
 * `PLEXLINK_RESULT_INVALID_PARAMETER`.
 */
plexlink_result plexlink_jwt_refresh_handle_transport_error(struct plexlink_jwt_refresh *refresh, uint64_t now_ms, uint32_t kind, const char *message);

/**
 * When to call `plexlink_jwt_refresh_handle_timeout` and `plexlink_jwt_refresh_poll_transmit`
 * next, on the host's clock: the next try after a failure. `PLEXLINK_NO_TIME` when there is no
 * timer: once finished, and while only the answer in flight (or the first `poll_transmit`)
 * can move the refresh on. `PLEXLINK_NO_TIME` for NULL.
 */
uint64_t plexlink_jwt_refresh_poll_timeout(const struct plexlink_jwt_refresh *refresh);

/**
 * Applies the timers due by `now_ms`. A refresh has none of its own (its next try is sent by
 * `plexlink_jwt_refresh_poll_transmit`): this keeps the PIN login's loop.
 */
plexlink_result plexlink_jwt_refresh_handle_timeout(struct plexlink_jwt_refresh *refresh, uint64_t now_ms);

/**
 * How the refresh ended, once finished: `PLEXLINK_RESULT_OK` with `*jwt_out` (the new Plex
 * JWT, verified; the caller's, to free with `plexlink_jwt_free`), or the failure's code, which
 * is also made the calling thread's last error (nothing written):
 * `PLEXLINK_RESULT_DEVICE_REMOVED` (only a new client identifier and key help),
 * `PLEXLINK_RESULT_INVALID_JWT`, `PLEXLINK_RESULT_CANCELLED`, or the last of the failures it
 * retried. `PLEXLINK_RESULT_PENDING` while it runs (nothing written). May be asked again.
 */
plexlink_result plexlink_jwt_refresh_outcome(struct plexlink_jwt_refresh *refresh, struct plexlink_jwt **jwt_out);

/**
 * plex.tv's keys as the refresh has them (given, or fetched to verify its Plex JWT), to give to
 * the next sign-in or refresh: `PLEXLINK_RESULT_OK` with `*keys_out` (the caller's, to free
 * with `plexlink_plex_keys_free`), or `PLEXLINK_RESULT_DONE` (nothing written) when it has none.
 */
plexlink_result plexlink_jwt_refresh_plex_keys(const struct plexlink_jwt_refresh *refresh, struct plexlink_plex_keys **keys_out);

/**
 * Gives up: the outcome is `PLEXLINK_RESULT_CANCELLED`, and nothing more is sent. Does nothing
 * once finished.
 */
plexlink_result plexlink_jwt_refresh_cancel(struct plexlink_jwt_refresh *refresh);

/**
 * True once the refresh has ended (`plexlink_jwt_refresh_outcome` says how). True for NULL.
 */
bool plexlink_jwt_refresh_is_finished(const struct plexlink_jwt_refresh *refresh);

/**
 * Frees a refresh (a request in flight needs no answer). NULL is fine; must not be called
 * twice.
 */
void plexlink_jwt_refresh_free(struct plexlink_jwt_refresh *refresh);

/**
 * The recommended policy: the default race (`plexlink_race_policy_default()`), a 300 ms warm
 * window, rechecks every minute backing off to 4 minutes, retries backing off to a minute.
 */
struct plexlink_keep_policy plexlink_keep_policy_default(void);

/**
 * What happened. `PLEXLINK_KEPT_EVENT_KIND_LOST` for NULL.
 */
plexlink_kept_event_kind plexlink_kept_event_get_kind(const struct plexlink_kept_event *event);

/**
 * Why. `PLEXLINK_KEPT_REASON_OTHER` for NULL.
 */
plexlink_kept_reason plexlink_kept_event_why(const struct plexlink_kept_event *event);

/**
 * Why, as a stable name for programs and logs: "started", "warm_start", "failover",
 * "moved_up", "network_changed", "recovered" (a later version may add names). Lent: valid
 * while `event` lives. NULL for NULL.
 */
const char *plexlink_kept_event_why_name(const struct plexlink_kept_event *event);

/**
 * The URI of the connection before the change (or the loss); NULL when there was none (at the
 * start, after a loss), and for NULL. Lent: valid while `event` lives.
 */
const char *plexlink_kept_event_old_uri(const struct plexlink_kept_event *event);

/**
 * The URI to use from now on, for a `CHANGED` event (save it for the next start's last good
 * URI); NULL for `LOST`, and for NULL. Lent: valid while `event` lives.
 */
const char *plexlink_kept_event_new_uri(const struct plexlink_kept_event *event);

/**
 * The tier of the new connection, for a `CHANGED` event. `PLEXLINK_TIER_LOCAL` for `LOST` and
 * for NULL.
 */
plexlink_tier plexlink_kept_event_new_tier(const struct plexlink_kept_event *event);

/**
 * The race that made the change, read as a connect's result: the winner's URI (NULL for
 * `LOST`), and what became of each candidate. A recheck races only the better tiers, so its
 * candidates are those alone. Lent: valid while `event` lives. NULL for NULL.
 */
const struct plexlink_connect_result *plexlink_kept_event_outcome(const struct plexlink_kept_event *event);

/**
 * Frees an event from `plexlink_kept_poll_event` (never one lent to a callback). NULL is fine;
 * must not be called twice.
 */
void plexlink_kept_event_free(struct plexlink_kept_event *event);

/**
 * Starts keeping the connection of `device` (copied) with `policy` (copied; pass
 * `plexlink_keep_policy_default()` for the default), probing with the identity of `config`.
 * `last_good` may be NULL: the URI of the connection that worked last (saved by the app from an
 * earlier run) is probed first, alone, for the warm window, and taken as soon as it answers; a
 * URI that is not among the device's connections any more is ignored. `now_ms` is the host's
 * clock now. Addresses are read as `plexlink_race_new` reads them. No I/O. On success
 * `*kept_out` is the caller's. `PLEXLINK_RESULT_INVALID_PARAMETER` for an unusable policy.
 */
plexlink_result plexlink_kept_new(const struct plexlink_client_config *config, const struct plexlink_device *device, const struct plexlink_keep_policy *policy, const char *last_good, uint64_t now_ms, struct plexlink_kept **kept_out);

/**
 * The next probe to send: `PLEXLINK_RESULT_OK` with its id in `*probe_out` (give it back with
 * the answer), when the machine stops waiting for it in `*deadline_ms_out` (the host's clock),
 * and the request in `*request_out` (the caller's, to free with `plexlink_http_request_free`).
 * `PLEXLINK_RESULT_DONE` when no probe is due now (nothing written).
 */
plexlink_result plexlink_kept_poll_transmit(struct plexlink_kept *kept, uint64_t now_ms, uint64_t *probe_out, uint64_t *deadline_ms_out, struct plexlink_http_request **request_out);

/**
 * Hands in the answer to probe `probe`: its HTTP `status`, `headers_len` headers (`headers`
 * may be NULL when `headers_len` is 0) and `body_len` bytes of body (`body` may be NULL when
 * `body_len` is 0), all borrowed for the call. An answer the machine no longer waits for (an
 * unknown id, a probe past its deadline or of a race that has ended) is ignored.
 * `PLEXLINK_RESULT_INVALID_PARAMETER` for a status outside 100–999 or a header that HTTP does
 * not allow (nothing is handed in then).
 */
plexlink_result plexlink_kept_handle_response(struct plexlink_kept *kept, uint64_t now_ms, uint64_t probe, uint16_t status, const struct plexlink_http_header *headers, size_t headers_len, const uint8_t *body, size_t body_len);

/**
 * Probe `probe` got no answer, as `plexlink_race_handle_failure` takes it (`kind` one of
 * `PLEXLINK_RESULT_NETWORK`, `_DNS`, `_CONNECT`, `_TLS`, `_REQUEST_TIMEOUT`; `message` copied,
 * never put a token in it). Ignored like a late answer. Any other `kind`:
 * `PLEXLINK_RESULT_INVALID_PARAMETER`.
 */
plexlink_result plexlink_kept_handle_failure(struct plexlink_kept *kept, uint64_t now_ms, uint64_t probe, uint32_t kind, const char *message);

/**
 * When to call `plexlink_kept_handle_timeout` next, on the host's clock: a probe's deadline,
 * the end of a grace or warm window, the next recheck of the better tiers, the next try while
 * no connection works. `PLEXLINK_NO_TIME` when there is no timer: on the best tier, with nothing out
 * (only a report of the app moves it on). `PLEXLINK_NO_TIME` for NULL.
 */
uint64_t plexlink_kept_poll_timeout(const struct plexlink_kept *kept);

/**
 * Applies the timers due by `now_ms`: probes past their deadline time out, races are decided,
 * rechecks and retries start (then `plexlink_kept_poll_transmit` gives their probes).
 */
plexlink_result plexlink_kept_handle_timeout(struct plexlink_kept *kept, uint64_t now_ms);

/**
 * The next change, oldest first: `PLEXLINK_RESULT_OK` with `*event_out` (the caller's, to free
 * with `plexlink_kept_event_free`), or `PLEXLINK_RESULT_DONE` when there is none (nothing
 * written).
 */
plexlink_result plexlink_kept_poll_event(struct plexlink_kept *kept, struct plexlink_kept_event **event_out);

/**
 * A request of the app to the current connection failed at the transport level (no answer),
 * at the host's `now_ms`: every connection is raced again (a `CHANGED` event with
 * `PLEXLINK_KEPT_REASON_FAILOVER` when another one wins). Reports while a race runs start
 * nothing more. Poll for probes next.
 */
plexlink_result plexlink_kept_report_failure(struct plexlink_kept *kept, uint64_t now_ms);

/**
 * The network changed (another Wi-Fi, a VPN, a wake from sleep), at the host's `now_ms`:
 * every connection is raced now, and rechecks start again at the first interval. Poll for
 * probes next.
 */
plexlink_result plexlink_kept_network_changed(struct plexlink_kept *kept, uint64_t now_ms);

/**
 * The connection to use now: `PLEXLINK_RESULT_OK` with its URI in `*uri_out` (owned: free it
 * with `plexlink_string_free`) and its tier in `*tier_out`. `PLEXLINK_RESULT_PENDING` before
 * the first race (or the warm start) has decided, and `PLEXLINK_RESULT_NO_CONNECTION` while no
 * connection works: then the last race is the calling thread's last error
 * (`plexlink_last_error_connect_result` says what became of each connection). Nothing is
 * written unless `PLEXLINK_RESULT_OK`.
 */
plexlink_result plexlink_kept_current(const struct plexlink_kept *kept, char **uri_out, plexlink_tier *tier_out);

/**
 * The last race that ended (the first, a failover, a recheck, ...), read as a connect's
 * result: `PLEXLINK_RESULT_OK` with `*result_out` (the caller's, to free with
 * `plexlink_connect_result_free`); `PLEXLINK_RESULT_PENDING` before the first decision
 * (nothing written).
 */
plexlink_result plexlink_kept_last_outcome(const struct plexlink_kept *kept, struct plexlink_connect_result **result_out);

/**
 * Frees a kept connection (probes still in flight need no answer). NULL is fine; must not be
 * called twice.
 */
void plexlink_kept_free(struct plexlink_kept *kept);

/**
 * The defaults: `plexlink_keep_policy_default()`, no last good connection, no callback.
 */
struct plexlink_keep_options plexlink_keep_options_default(void);

/**
 * Keeps the connection of `device` (copied) right in the background, as `options` (copied;
 * pass `plexlink_keep_options_default()` for the default) say: with `last_good` that connection
 * is probed first, alone, else every connection is raced. Returns once that first decision is
 * made, which the event callback has been told already. When no connection answered, the
 * kept server has none (`plexlink_kept_server_current` says `PLEXLINK_RESULT_NO_CONNECTION`)
 * and keeps trying, backing off. On success `*kept_out` is the caller's, to free with
 * `plexlink_kept_server_free`. `PLEXLINK_RESULT_INVALID_PARAMETER` for an unusable policy.
 */
plexlink_result plexlink_client_keep(const struct plexlink_client *client, const struct plexlink_device *device, const struct plexlink_keep_options *options, const struct plexlink_kept_server **kept_out);

/**
 * The connection to use now: `PLEXLINK_RESULT_OK` with its URI in `*uri_out` (owned: free it
 * with `plexlink_string_free`; save it as the next start's `last_good`) and its tier in
 * `*tier_out`. `PLEXLINK_RESULT_NO_CONNECTION` while none works (the kept server keeps trying):
 * then the last race is the calling thread's last error (`plexlink_last_error_connect_result`
 * says what became of each connection). Nothing is written unless `PLEXLINK_RESULT_OK`.
 */
plexlink_result plexlink_kept_server_current(const struct plexlink_kept_server *kept, char **uri_out, plexlink_tier *tier_out);

/**
 * The last race that ended (the first, a failover, a recheck, ...), read as a connect's
 * result: `PLEXLINK_RESULT_OK` with `*result_out` (the caller's, to free with
 * `plexlink_connect_result_free`).
 */
plexlink_result plexlink_kept_server_last_outcome(const struct plexlink_kept_server *kept, struct plexlink_connect_result **result_out);

/**
 * A request to the current connection failed at the transport level (no answer): every
 * connection is raced again, in the background (the event callback hears of a failover).
 * Many reports during one race start nothing more. Returns at once.
 */
plexlink_result plexlink_kept_server_report_failure(const struct plexlink_kept_server *kept);

/**
 * The network changed (another Wi-Fi, a VPN, a wake from sleep): every connection is raced
 * now, in the background. Returns at once.
 */
plexlink_result plexlink_kept_server_network_changed(const struct plexlink_kept_server *kept);

/**
 * Stops keeping the connection: the driver ends within moments (a probe it is sending may still
 * reach its server, then nothing more is sent), and when this returns the event callback is not
 * running and will not be called again. A callback in progress on the driver's thread is waited
 * for (do not hold a lock here that the callback takes), except where that wait would never
 * end: called from inside the event callback (or from a callback that the running one waits
 * on), it returns at once and nothing is called after that callback returns.
 * `plexlink_kept_server_current` and `plexlink_kept_server_last_outcome` keep giving the last
 * state. Any number of times.
 */
plexlink_result plexlink_kept_server_stop(const struct plexlink_kept_server *kept);

/**
 * True while the library keeps the connection right; false once the driver has ended: within
 * moments of `plexlink_kept_server_stop`, or if it died (a bug, reported as one), after which
 * `plexlink_kept_server_current` says `PLEXLINK_RESULT_NO_CONNECTION` for good and only keeping
 * the server again brings a connection back. False for NULL.
 */
bool plexlink_kept_server_is_running(const struct plexlink_kept_server *kept);

/**
 * Stops the kept server as `plexlink_kept_server_stop` does (the same promise about the event
 * callback: once this returns it is not running and never called again, but for a call from
 * inside it) and frees the handle; `userdata` may be released once this returns. NULL is fine;
 * must not be called twice.
 */
void plexlink_kept_server_free(const struct plexlink_kept_server *kept);

/**
 * Reads a snapshot the app stored (the text of `plexlink_resources_snapshot_to_json`). On
 * success `*snapshot_out` is the caller's. `PLEXLINK_RESULT_DECODE` for text that is not one,
 * or one written by another version (whose message never quotes the text: it holds tokens).
 */
plexlink_result plexlink_resources_snapshot_from_json(const char *json, struct plexlink_resources_snapshot **snapshot_out);

/**
 * The snapshot as text for the app to store and give to `plexlink_resources_snapshot_from_json`
 * on a later run. A SECRET: it holds every server's access token; store it as privately as a
 * token (a file only the user can read), never log it. On success `*json_out` is owned: free it
 * with `plexlink_string_free`.
 */
plexlink_result plexlink_resources_snapshot_to_json(const struct plexlink_resources_snapshot *snapshot, char **json_out);

/**
 * When plex.tv gave this answer (Unix seconds); 0 for NULL.
 */
int64_t plexlink_resources_snapshot_taken_at(const struct plexlink_resources_snapshot *snapshot);

/**
 * Frees a snapshot. NULL is fine; must not be called twice.
 */
void plexlink_resources_snapshot_free(struct plexlink_resources_snapshot *snapshot);

/**
 * The account's servers (as `plexlink_client_servers` lists them), with a fallback: when
 * plex.tv cannot be reached (a network error, a timeout, a 5xx or a 429) and `snapshot` is
 * given, the servers of `snapshot`, and `plexlink_server_list_offline` says why. Never after
 * plex.tv refused the token (`PLEXLINK_RESULT_UNAUTHORIZED`) or any other definite answer: a
 * person signed out must not keep reaching servers through an old answer. `snapshot` may be
 * NULL (then a failure is the call's), and is copied. Keep the list's snapshot
 * (`plexlink_server_list_snapshot`, then `plexlink_resources_snapshot_to_json`) for the next
 * call. Races to the servers still check each one's identity. On success `*list_out` is the
 * caller's.
 */
plexlink_result plexlink_client_servers_or_snapshot(const struct plexlink_client *client, const char *token, const struct plexlink_resources_snapshot *snapshot, struct plexlink_server_list **list_out);

/**
 * The servers, lent while `list` lives (never freed on their own). NULL for NULL.
 */
const struct plexlink_device_list *plexlink_server_list_servers(const struct plexlink_server_list *list);

/**
 * The snapshot to store for the next call: plex.tv's answer now, or the one given when plex.tv
 * could not be reached. A SECRET (see `plexlink_resources_snapshot_to_json`). Lent while `list`
 * lives (never freed on its own). NULL for NULL.
 */
const struct plexlink_resources_snapshot *plexlink_server_list_snapshot(const struct plexlink_server_list *list);

/**
 * Why the servers come from the snapshot: the code of plex.tv's failure
 * (`PLEXLINK_RESULT_NETWORK`, `PLEXLINK_RESULT_HTTP_STATUS`, ...); `PLEXLINK_RESULT_OK` when
 * plex.tv answered now. `PLEXLINK_RESULT_NULL_PARAMETER` for NULL (not recorded as the last
 * error).
 */
plexlink_result plexlink_server_list_offline(const struct plexlink_server_list *list);

/**
 * The full text of plex.tv's failure when the servers come from the snapshot; "" when plex.tv
 * answered now. Lent while `list` lives. NULL for NULL.
 */
const char *plexlink_server_list_offline_message(const struct plexlink_server_list *list);

/**
 * Frees the list, its servers and its snapshot. NULL is fine; must not be called twice.
 */
void plexlink_server_list_free(struct plexlink_server_list *list);

/**
 * The defaults: 1 s interval, no timeout, no cancel handle, no progress callback.
 */
struct plexlink_wait_options plexlink_wait_options_default(void);

/**
 * A PIN known by its id and code, such as one stored across a restart, to wait on again with
 * `plexlink_client_wait_for_token` (with a client of the same `client_identifier`) or to
 * resume with `plexlink_pin_login_resume`. Its expiry is unknown: only plex.tv's "not found"
 * ends a wait on it. On success `*pin_out` is the caller's, to free with `plexlink_pin_free`.
 */
plexlink_result plexlink_pin_new(uint64_t id, const char *code, const char *client_identifier, struct plexlink_pin **pin_out);

/**
 * The PIN's id: what is checked, and what a web app stores to resume it. 0 for NULL.
 */
uint64_t plexlink_pin_id(const struct plexlink_pin *pin);

/**
 * The code the person enters at the link page (4 characters) or that the auth URL carries
 * (strong). Lent: valid while `pin` lives. NULL for NULL.
 */
const char *plexlink_pin_code(const struct plexlink_pin *pin);

/**
 * True for a strong (long) code, approved only through `plexlink_client_auth_url`; false for a
 * short code (and for NULL).
 */
bool plexlink_pin_is_strong(const struct plexlink_pin *pin);

/**
 * The client identifier the PIN belongs to; checks must send the same one. Lent: valid while
 * `pin` lives. NULL for NULL.
 */
const char *plexlink_pin_client_identifier(const struct plexlink_pin *pin);

/**
 * Seconds the PIN lives, as plex.tv said; 0 when unknown (and for NULL).
 */
uint64_t plexlink_pin_expires_in_s(const struct plexlink_pin *pin);

/**
 * When plex.tv created the PIN (RFC 3339), or NULL when unknown. Lent: valid while `pin` lives.
 */
const char *plexlink_pin_created_at(const struct plexlink_pin *pin);

/**
 * When the PIN expires (RFC 3339), or NULL when unknown. Lent: valid while `pin` lives.
 */
const char *plexlink_pin_expires_at(const struct plexlink_pin *pin);

/**
 * The account token once the person approved the PIN (from `plexlink_client_check_pin`), else
 * NULL. A secret: store it safely, never log it. Lent: valid while `pin` lives.
 */
const char *plexlink_pin_auth_token(const struct plexlink_pin *pin);

/**
 * The URL of a QR code image for the code, or NULL. Lent: valid while `pin` lives.
 */
const char *plexlink_pin_qr(const struct plexlink_pin *pin);

/**
 * Whether approving the PIN created a new Plex account: 1 yes, 0 no, -1 unknown (before
 * approval, and for NULL).
 */
int32_t plexlink_pin_new_registration(const struct plexlink_pin *pin);

/**
 * Frees a PIN. NULL is fine; must not be called twice.
 */
void plexlink_pin_free(struct plexlink_pin *pin);

/**
 * Creates a PIN: a 4-character code for the link page (`strong` false) or a long code for the
 * auth page (`strong` true). Blocks for one request. On success `*pin_out` is the caller's.
 */
plexlink_result plexlink_client_create_pin(const struct plexlink_client *client, bool strong, struct plexlink_pin **pin_out);

/**
 * Checks a PIN once by its id (with this client's identifier, which must be the one that
 * created it); `plexlink_pin_auth_token` of the answer is set once the person approved it.
 * `PLEXLINK_RESULT_PIN_EXPIRED` when it expired. On success `*pin_out` is the caller's.
 */
plexlink_result plexlink_client_check_pin(const struct plexlink_client *client, uint64_t pin_id, struct plexlink_pin **pin_out);

/**
 * The page where a person types a short code (`https://plex.tv/link`, or the configured
 * plex.tv's). No I/O. On success `*url_out` is owned: free it with `plexlink_string_free`.
 */
plexlink_result plexlink_client_link_url(const struct plexlink_client *client, char **url_out);

/**
 * The app.plex.tv page that approves `pin` (for strong codes), which sends the browser on to
 * `forward_url` afterwards. `forward_url` may be NULL (no forwarding). No I/O. On success
 * `*url_out` is owned: free it with `plexlink_string_free`. The URL carries the PIN code.
 */
plexlink_result plexlink_client_auth_url(const struct plexlink_client *client, const struct plexlink_pin *pin, const char *forward_url, char **url_out);

/**
 * Approves another device's 4-character `code` with the account `token` (what the link page
 * does, for "link a TV" flows). `PLEXLINK_RESULT_PIN_EXPIRED` when the code is unknown.
 */
plexlink_result plexlink_client_link_pin(const struct plexlink_client *client, const char *token, const char *code);

/**
 * Waits until the person approves `pin`, checking it every `options->interval_ms`, and gives
 * the account token. Blocks the calling thread; `options->on_progress` runs on it after each
 * check. Ends with `PLEXLINK_RESULT_PIN_EXPIRED`, `PLEXLINK_RESULT_TIMEOUT` (the options'
 * timeout) or `PLEXLINK_RESULT_CANCELLED` (the options' cancel handle). Backs off on 429, 5xx
 * and network errors. Use a client with the identifier that created the PIN.
 *
 * On success `*token_out` is owned: free it with `plexlink_string_free`. A secret: store it
 * safely, never log it.
 */
plexlink_result plexlink_client_wait_for_token(const struct plexlink_client *client, const struct plexlink_pin *pin, const struct plexlink_wait_options *options, char **token_out);

/**
 * A sign-in that starts by creating a PIN (a strong code when `strong`), checking it every
 * `interval_ms` (0: the default, 1000). `now_ms` is the host's clock now. No I/O: the first
 * `plexlink_pin_login_poll_transmit` gives the request that creates the PIN. On success
 * `*login_out` is the caller's. An unusable configuration gives a login whose first event is
 * `FAILED`.
 */
plexlink_result plexlink_pin_login_new(const struct plexlink_client_config *config, bool strong, uint64_t interval_ms, uint64_t now_ms, struct plexlink_pin_login **login_out);

/**
 * A sign-in that checks a PIN created earlier (`pin` is copied; the configuration must carry
 * the client identifier that created it), starting at once; no `CREATED` event. The PIN dies
 * at its expiry by plex.tv's clock (its `expiresAt` less each check answer's `Date`), never by
 * the host's, or else at plex.tv's "not found". On success `*login_out` is the caller's.
 */
plexlink_result plexlink_pin_login_resume(const struct plexlink_client_config *config, const struct plexlink_pin *pin, uint64_t interval_ms, uint64_t now_ms, struct plexlink_pin_login **login_out);

/**
 * A JWT sign-in (Plex's sign-in with a device key): as `plexlink_pin_login_new`, but the PIN
 * is created with the public part of `key` (copied), every check carries a device JWT signed
 * by it (signed again from a new nonce before the last one's life ends, for as long as the PIN
 * lives), and the token of the `AUTHORIZED` event is a Plex JWT, verified against plex.tv's
 * keys first (one more request to fetch them); `plexlink_pin_login_jwt` then gives it with its
 * claims. `unix_now_s` is the Unix time (seconds) at `now_ms`, from the host's wall clock: the
 * device JWTs carry Unix times, and the library reads no clock of its own. `plex_keys` may be
 * NULL: plex.tv's keys kept from an earlier sign-in or refresh (copied), which spare that
 * request. No I/O. On success `*login_out` is the caller's.
 *
 * The Plex JWT ENDS THE LEGACY TOKEN of the configuration's client identifier (and password
 * or PIN sign-ins under it). Send the JWT to plex.tv only, never to a server: servers take
 * their own access tokens.
 */
plexlink_result plexlink_pin_login_new_jwt(const struct plexlink_client_config *config, const struct plexlink_device_key *key, const struct plexlink_plex_keys *plex_keys, bool strong, uint64_t interval_ms, uint64_t now_ms, int64_t unix_now_s, struct plexlink_pin_login **login_out);

/**
 * A JWT sign-in that checks a PIN created earlier with `key`'s public part
 * (`plexlink_client_create_jwt_pin`, or a `plexlink_pin_login_new_jwt` that stopped), as
 * `plexlink_pin_login_resume` does for a PIN and as `plexlink_pin_login_new_jwt` for the key,
 * `plex_keys` and `unix_now_s`. `pin` and `key` are copied. On success `*login_out` is the caller's.
 */
plexlink_result plexlink_pin_login_resume_jwt(const struct plexlink_client_config *config, const struct plexlink_pin *pin, const struct plexlink_device_key *key, const struct plexlink_plex_keys *plex_keys, uint64_t interval_ms, uint64_t now_ms, int64_t unix_now_s, struct plexlink_pin_login **login_out);

/**
 * The verified Plex JWT of a JWT sign-in that ended `AUTHORIZED` (whether or not that event
 * was taken yet), with its claims: `PLEXLINK_RESULT_OK` with `*jwt_out` (the caller's, to free
 * with `plexlink_jwt_free`; may be asked again), `PLEXLINK_RESULT_PENDING` while the login
 * runs (nothing written), `PLEXLINK_RESULT_WRONG_STATE` when it ended `FAILED` or is not a JWT
 * sign-in.
 */
plexlink_result plexlink_pin_login_jwt(const struct plexlink_pin_login *login, struct plexlink_jwt **jwt_out);

/**
 * plex.tv's keys as a JWT sign-in has them (given, or fetched to verify its Plex JWT), to give
 * to the next sign-in or refresh: `PLEXLINK_RESULT_OK` with `*keys_out` (the caller's, to free
 * with `plexlink_plex_keys_free`), or `PLEXLINK_RESULT_DONE` (nothing written) when it has none
 * (not yet, or not a JWT sign-in).
 */
plexlink_result plexlink_pin_login_plex_keys(const struct plexlink_pin_login *login, struct plexlink_plex_keys **keys_out);

/**
 * The next request to send, when one is due: `PLEXLINK_RESULT_OK` with `*request_out` (the
 * caller's, to free with `plexlink_http_request_free`), or `PLEXLINK_RESULT_DONE` when nothing
 * is to be sent now (a request is in flight, the next is not due, or the login has finished).
 */
plexlink_result plexlink_pin_login_poll_transmit(struct plexlink_pin_login *login, uint64_t now_ms, struct plexlink_http_request **request_out);

/**
 * Hands in the answer to the request in flight: its HTTP `status`, `headers_len` headers
 * (`headers` may be NULL when `headers_len` is 0) and `body_len` bytes of body (`body` may be
 * NULL when `body_len` is 0), all borrowed for the call. An answer when none is expected is
 * ignored. `PLEXLINK_RESULT_INVALID_PARAMETER` for a status outside 100–999 or a header that
 * HTTP does not allow (nothing is handed in then).
 */
plexlink_result plexlink_pin_login_handle_response(struct plexlink_pin_login *login, uint64_t now_ms, uint16_t status, const struct plexlink_http_header *headers, size_t headers_len, const uint8_t *body, size_t body_len);

/**
 * The request in flight got no answer. `kind` says why, as a result code:
 * `PLEXLINK_RESULT_NETWORK`, `_DNS`, `_CONNECT`, `_TLS` or `_REQUEST_TIMEOUT` (these are retried
 * with back-off); `message` (copied; never put a token in it) describes it. Any other `kind`:
 * `PLEXLINK_RESULT_INVALID_PARAMETER`.
 */
plexlink_result plexlink_pin_login_handle_transport_error(struct plexlink_pin_login *login, uint64_t now_ms, uint32_t kind, const char *message);

/**
 * When to call `plexlink_pin_login_handle_timeout` and `plexlink_pin_login_poll_transmit`
 * next, on the host's clock: the next check or the PIN's expiry, whichever comes first.
 * `PLEXLINK_NO_TIME` when there is no timer: once finished, and while only the answer in flight (or
 * the first `poll_transmit`) can move the login on. `PLEXLINK_NO_TIME` for NULL.
 */
uint64_t plexlink_pin_login_poll_timeout(const struct plexlink_pin_login *login);

/**
 * Applies the timers due by `now_ms` (the PIN's expiry). Sending is left to
 * `plexlink_pin_login_poll_transmit`.
 */
plexlink_result plexlink_pin_login_handle_timeout(struct plexlink_pin_login *login, uint64_t now_ms);

/**
 * The next event, oldest first: `PLEXLINK_RESULT_OK` with `*event_out` (the caller's, to free
 * with `plexlink_pin_event_free`), or `PLEXLINK_RESULT_DONE` when there is none.
 */
plexlink_result plexlink_pin_login_poll_event(struct plexlink_pin_login *login, struct plexlink_pin_event **event_out);

/**
 * Gives up: the final event is `FAILED` with `PLEXLINK_RESULT_CANCELLED`, and nothing more is
 * sent. Does nothing once finished.
 */
plexlink_result plexlink_pin_login_cancel(struct plexlink_pin_login *login);

/**
 * True once the final event has been queued (`plexlink_pin_login_poll_event` may still hold
 * events). True for NULL.
 */
bool plexlink_pin_login_is_finished(const struct plexlink_pin_login *login);

/**
 * Frees a login. NULL is fine; must not be called twice.
 */
void plexlink_pin_login_free(struct plexlink_pin_login *login);

/**
 * The method ("GET", "POST", ...). Lent: valid while `request` lives. NULL for NULL.
 */
const char *plexlink_http_request_method(const struct plexlink_http_request *request);

/**
 * The absolute URL. Lent: valid while `request` lives. NULL for NULL.
 */
const char *plexlink_http_request_url(const struct plexlink_http_request *request);

/**
 * How many headers to send; 0 for NULL. (`Host`, `Content-Length` and the like are the HTTP
 * stack's to add.)
 */
size_t plexlink_http_request_headers_len(const struct plexlink_http_request *request);

/**
 * The name of header `index` (lower case). Lent: valid while `request` lives. NULL when out of
 * range or for NULL.
 */
const char *plexlink_http_request_header_name(const struct plexlink_http_request *request, size_t index);

/**
 * The value of header `index`. Lent: valid while `request` lives. NULL when out of range or
 * for NULL.
 */
const char *plexlink_http_request_header_value(const struct plexlink_http_request *request, size_t index);

/**
 * The body's length in bytes; 0 for none (and for NULL).
 */
size_t plexlink_http_request_body_len(const struct plexlink_http_request *request);

/**
 * The body's bytes (`plexlink_http_request_body_len` of them; not NUL-terminated). Lent: valid
 * while `request` lives. NULL when the body is empty, and for NULL.
 */
const uint8_t *plexlink_http_request_body(const struct plexlink_http_request *request);

/**
 * Frees a request. NULL is fine; must not be called twice.
 */
void plexlink_http_request_free(struct plexlink_http_request *request);

/**
 * What happened. `PLEXLINK_PIN_EVENT_KIND_FAILED` for NULL.
 */
plexlink_pin_event_kind plexlink_pin_event_get_kind(const struct plexlink_pin_event *event);

/**
 * The PIN of a `CREATED` event (id, code, expiry), lent while `event` lives; NULL for other
 * events and for NULL.
 */
const struct plexlink_pin *plexlink_pin_event_pin(const struct plexlink_pin_event *event);

/**
 * Milliseconds until the PIN expires, for a `PENDING` event; `PLEXLINK_NO_TIME` when unknown, for
 * other events and for NULL.
 */
uint64_t plexlink_pin_event_remaining_ms(const struct plexlink_pin_event *event);

/**
 * The token of an `AUTHORIZED` event, lent while `event` lives (copy it to keep it); NULL for
 * other events and for NULL. A secret: store it safely, never log it.
 */
const char *plexlink_pin_event_token(const struct plexlink_pin_event *event);

/**
 * Why a `FAILED` event failed (`PLEXLINK_RESULT_PIN_EXPIRED`, `PLEXLINK_RESULT_CANCELLED`, ...);
 * `PLEXLINK_RESULT_OK` for other events. `PLEXLINK_RESULT_NULL_PARAMETER` for NULL.
 */
plexlink_result plexlink_pin_event_error(const struct plexlink_pin_event *event);

/**
 * The full text of a `FAILED` event's error, lent while `event` lives; "" for other events.
 * NULL for NULL.
 */
const char *plexlink_pin_event_error_message(const struct plexlink_pin_event *event);

/**
 * Frees an event. NULL is fine; must not be called twice.
 */
void plexlink_pin_event_free(struct plexlink_pin_event *event);

/**
 * A race over the connections of `device` (copied) with `policy` (copied; pass
 * `plexlink_race_policy_default()` for the default), probing with the identity of `config`.
 * `now_ms` is the host's clock now. No I/O. Addresses are read as a stack that resolves
 * `plex.direct` names through DNS does (their labels are not trusted to decide where plain
 * http may go); `carrier_nat_is_private` is the configuration's. A device without any usable
 * connection gives a race decided at once, without a winner. On success `*race_out` is the
 * caller's. `PLEXLINK_RESULT_INVALID_PARAMETER` for an unusable policy.
 */
plexlink_result plexlink_race_new(const struct plexlink_client_config *config, const struct plexlink_device *device, const struct plexlink_race_policy *policy, uint64_t now_ms, struct plexlink_race **race_out);

/**
 * The next probe to send: `PLEXLINK_RESULT_OK` with its candidate's index in
 * `*candidate_out` (give it back with the answer; it is also the candidate's index in the
 * outcome), when the race stops waiting for it in `*deadline_ms_out` (the host's clock), and
 * the request in `*request_out` (the caller's, to free with `plexlink_http_request_free`).
 * `PLEXLINK_RESULT_DONE` when every probe is out or the race is decided (nothing written).
 */
plexlink_result plexlink_race_poll_transmit(struct plexlink_race *race, uint64_t now_ms, size_t *candidate_out, uint64_t *deadline_ms_out, struct plexlink_http_request **request_out);

/**
 * Hands in the answer to the probe of `candidate`: its HTTP `status`, `headers_len` headers
 * (`headers` may be NULL when `headers_len` is 0) and `body_len` bytes of body (`body` may be
 * NULL when `body_len` is 0), all borrowed for the call. An answer the race no longer waits for
 * (an unknown candidate, one settled or past its deadline, a decided race) is ignored.
 * `PLEXLINK_RESULT_INVALID_PARAMETER` for a status outside 100–999 or a header that HTTP does
 * not allow (nothing is handed in then).
 */
plexlink_result plexlink_race_handle_response(struct plexlink_race *race, uint64_t now_ms, size_t candidate, uint16_t status, const struct plexlink_http_header *headers, size_t headers_len, const uint8_t *body, size_t body_len);

/**
 * The probe of `candidate` got no answer. `kind` says why, as a result code:
 * `PLEXLINK_RESULT_NETWORK`, `_DNS`, `_CONNECT`, `_TLS` or `_REQUEST_TIMEOUT` (the probe's own
 * timeout: the candidate counts as timed out); `message` (copied; never put a token in it)
 * describes it. Ignored like a late answer. Any other `kind`: `PLEXLINK_RESULT_INVALID_PARAMETER`.
 */
plexlink_result plexlink_race_handle_failure(struct plexlink_race *race, uint64_t now_ms, size_t candidate, uint32_t kind, const char *message);

/**
 * When to call `plexlink_race_handle_timeout` next, on the host's clock: the earliest probe
 * deadline or the end of the grace window. `PLEXLINK_NO_TIME` when there is no timer: once decided,
 * and while no probe is out yet. `PLEXLINK_NO_TIME` for NULL.
 */
uint64_t plexlink_race_poll_timeout(const struct plexlink_race *race);

/**
 * Applies the timers due by `now_ms`: probes past their deadline time out, and the end of the
 * grace window decides the race.
 */
plexlink_result plexlink_race_handle_timeout(struct plexlink_race *race, uint64_t now_ms);

/**
 * True once the race has chosen, or found that no candidate answers as the server. True for
 * NULL.
 */
bool plexlink_race_is_decided(const struct plexlink_race *race);

/**
 * How the race ended, once decided: `PLEXLINK_RESULT_OK` with `*result_out` (the caller's, to
 * free with `plexlink_connect_result_free`), read as the result of a blocking connect:
 * `plexlink_connect_result_uri` is the connection to use, or NULL when no candidate answered
 * as the server, and the candidates (in the order of their indexes) and skipped connections
 * say what became of each. `PLEXLINK_RESULT_PENDING` until the race is decided (nothing
 * written).
 */
plexlink_result plexlink_race_outcome(const struct plexlink_race *race, struct plexlink_connect_result **result_out);

/**
 * Frees a race (probes still in flight need no answer). NULL is fine; must not be called twice.
 */
void plexlink_race_free(struct plexlink_race *race);

/**
 * How many devices the list holds; 0 for NULL.
 */
size_t plexlink_device_list_len(const struct plexlink_device_list *list);

/**
 * The device at `index` (0-based), lent while `list` lives; NULL when out of range or for NULL.
 */
const struct plexlink_device *plexlink_device_list_get(const struct plexlink_device_list *list, size_t index);

/**
 * Frees the list, its devices and their connections. NULL is fine; must not be called twice.
 */
void plexlink_device_list_free(struct plexlink_device_list *list);

/**
 * The name the owner gave the device. Lent (see `plexlink_device`). NULL for NULL.
 */
const char *plexlink_device_name(const struct plexlink_device *device);

/**
 * The product ("Plex Media Server", "Plex for iOS", ...). Lent. NULL for NULL.
 */
const char *plexlink_device_product(const struct plexlink_device *device);

/**
 * The product's version. Lent. NULL for NULL.
 */
const char *plexlink_device_product_version(const struct plexlink_device *device);

/**
 * The platform ("Linux", "Windows", ...). Lent. NULL for NULL.
 */
const char *plexlink_device_platform(const struct plexlink_device *device);

/**
 * The platform's version. Lent. NULL for NULL.
 */
const char *plexlink_device_platform_version(const struct plexlink_device *device);

/**
 * The hardware ("PC", "Docker Container", ...). Lent. NULL for NULL.
 */
const char *plexlink_device_device(const struct plexlink_device *device);

/**
 * The device's identifier; for a server, the machine identifier its `/identity` gives. Lent.
 * NULL for NULL.
 */
const char *plexlink_device_client_identifier(const struct plexlink_device *device);

/**
 * When the device was registered (RFC 3339), or NULL when unknown. Lent.
 */
const char *plexlink_device_created_at(const struct plexlink_device *device);

/**
 * When plex.tv last heard of the device (RFC 3339), or NULL when unknown. Lent.
 */
const char *plexlink_device_last_seen_at(const struct plexlink_device *device);

/**
 * What the device provides, as a comma list ("server", "client,player", ...). Lent. NULL for
 * NULL.
 */
const char *plexlink_device_provides(const struct plexlink_device *device);

/**
 * True when the device is a Plex Media Server (provides "server"). False for NULL.
 */
bool plexlink_device_is_server(const struct plexlink_device *device);

/**
 * The owner's account id for a device shared with this account; 0 otherwise (and for NULL).
 */
uint64_t plexlink_device_owner_id(const struct plexlink_device *device);

/**
 * The owner's name for a device shared with this account, or NULL. Lent.
 */
const char *plexlink_device_source_title(const struct plexlink_device *device);

/**
 * The public address plex.tv last saw the device at, or NULL. Lent.
 */
const char *plexlink_device_public_address(const struct plexlink_device *device);

/**
 * The token for this device (for a shared server, the only token it accepts), or NULL. A
 * secret: never log it. Lent.
 */
const char *plexlink_device_access_token(const struct plexlink_device *device);

/**
 * Whether this account owns the device. False for NULL.
 */
bool plexlink_device_owned(const struct plexlink_device *device);

/**
 * Whether the device belongs to the account's Plex Home. False for NULL.
 */
bool plexlink_device_home(const struct plexlink_device *device);

/**
 * Whether it is a synced device. False for NULL.
 */
bool plexlink_device_synced(const struct plexlink_device *device);

/**
 * Whether the device can be reached through a Plex relay. False for NULL.
 */
bool plexlink_device_relay(const struct plexlink_device *device);

/**
 * Whether the device is online now, as far as plex.tv knows. False for NULL.
 */
bool plexlink_device_presence(const struct plexlink_device *device);

/**
 * Whether the device refuses plain HTTP. False for NULL.
 */
bool plexlink_device_https_required(const struct plexlink_device *device);

/**
 * Whether this client's public address is the device's (it is on the device's network).
 * False for NULL.
 */
bool plexlink_device_public_address_matches(const struct plexlink_device *device);

/**
 * Whether the device's network blocks plex.direct names (DNS-rebinding protection). False for
 * NULL.
 */
bool plexlink_device_dns_rebinding_protection(const struct plexlink_device *device);

/**
 * Whether the device's router loops back connections to its own public address. False for
 * NULL.
 */
bool plexlink_device_nat_loopback_supported(const struct plexlink_device *device);

/**
 * How many connections the device lists; 0 for NULL.
 */
size_t plexlink_device_connections_len(const struct plexlink_device *device);

/**
 * The connection at `index` (0-based, in plex.tv's order), lent like the device; NULL when out
 * of range or for NULL.
 */
const struct plexlink_connection *plexlink_device_connection_get(const struct plexlink_device *device, size_t index);

/**
 * "https" or "http". Lent (see `plexlink_connection`). NULL for NULL.
 */
const char *plexlink_connection_protocol(const struct plexlink_connection *connection);

/**
 * The IP address (IPv6 without brackets). Lent. NULL for NULL.
 */
const char *plexlink_connection_address(const struct plexlink_connection *connection);

/**
 * The port; 0 when unknown (and for NULL).
 */
uint16_t plexlink_connection_port(const struct plexlink_connection *connection);

/**
 * The URI as plex.tv lists it (a plex.direct name for https). Lent. NULL for NULL.
 */
const char *plexlink_connection_uri(const struct plexlink_connection *connection);

/**
 * Whether the address is private (not "on your network": see
 * `plexlink_device_public_address_matches`). False for NULL.
 */
bool plexlink_connection_local(const struct plexlink_connection *connection);

/**
 * Whether it is a Plex relay. False for NULL.
 */
bool plexlink_connection_relay(const struct plexlink_connection *connection);

/**
 * Whether the address is IPv6. False for NULL.
 */
bool plexlink_connection_ipv6(const struct plexlink_connection *connection);

/**
 * The server's machine identifier (a device's `plexlink_device_client_identifier`). Lent:
 * valid while `identity` lives. NULL for NULL.
 */
const char *plexlink_identity_machine_identifier(const struct plexlink_identity *identity);

/**
 * The server's version. Lent: valid while `identity` lives. NULL for NULL.
 */
const char *plexlink_identity_version(const struct plexlink_identity *identity);

/**
 * Whether the server is claimed by an account. False for NULL.
 */
bool plexlink_identity_claimed(const struct plexlink_identity *identity);

/**
 * Frees an identity. NULL is fine; must not be called twice.
 */
void plexlink_identity_free(struct plexlink_identity *identity);

/**
 * Every device of the account with all its connections (https, relay, IPv6). On success
 * `*list_out` is the caller's.
 */
plexlink_result plexlink_client_resources(const struct plexlink_client *client, const char *token, struct plexlink_device_list **list_out);

/**
 * The account's Plex Media Servers (the devices that provide "server"). On success `*list_out`
 * is the caller's.
 */
plexlink_result plexlink_client_servers(const struct plexlink_client *client, const char *token, struct plexlink_device_list **list_out);

/**
 * What the server at `server_uri` says about itself (`/identity`, no token needed). On success
 * `*identity_out` is the caller's.
 */
plexlink_result plexlink_client_identity(const struct plexlink_client *client, const char *server_uri, struct plexlink_identity **identity_out);

/**
 * A transient token from the server at `server_uri`, asked with an admin `token` (valid up to
 * 48 h, gone when the server restarts). On success `*transient_token_out` is owned: free it
 * with `plexlink_string_free`. A secret.
 */
plexlink_result plexlink_client_transient_token(const struct plexlink_client *client, const char *server_uri, const char *token, char **transient_token_out);

/**
 * How to reach the server or provider `source` (`server://<machine identifier>`, or a bare
 * machine identifier), as the server at `server_uri` knows it, asked with an admin or transient
 * `token`. On success `*list_out` is the caller's.
 */
plexlink_result plexlink_client_source_connection_info(const struct plexlink_client *client, const char *server_uri, const char *token, const char *source, struct plexlink_device_list **list_out);

/**
 * Asks the task to stop. A PIN wait stops promptly; other calls stop when their current
 * request ends (bounded by the client's timeouts). A task cancelled before it finished ends
 * with `PLEXLINK_RESULT_CANCELLED` (its value, if it got one, is dropped); cancelling a
 * finished task does nothing. Any thread, any number of times.
 */
plexlink_result plexlink_task_cancel(const struct plexlink_task *task);

/**
 * Whether the task has finished (its result is known). False for NULL.
 */
bool plexlink_task_is_finished(const struct plexlink_task *task);

/**
 * The task's result: `PLEXLINK_RESULT_PENDING` while it runs, then `PLEXLINK_RESULT_OK` or the
 * call's error code.
 */
plexlink_result plexlink_task_result(const struct plexlink_task *task);

/**
 * Blocks until the task has finished or `timeout_ms` milliseconds have passed (`UINT64_MAX`:
 * no limit). Returns `PLEXLINK_RESULT_OK` once finished, with the task's result in
 * `*result_out`, or `PLEXLINK_RESULT_PENDING` when the time ran out. From inside a task's
 * callback, a wait that could never end returns `PLEXLINK_RESULT_WRONG_STATE` at once: a wait
 * for the caller's own task (from its progress callback), or for a task whose callback is
 * itself blocked in `plexlink_task_wait` or `plexlink_task_free` on the caller's task.
 */
plexlink_result plexlink_task_wait(const struct plexlink_task *task, uint64_t timeout_ms, plexlink_result *result_out);

/**
 * The full text of the task's error: lent, valid while the task lives ("" while it runs or
 * when it succeeded). Never contains a token. NULL for NULL.
 */
const char *plexlink_task_error_message(const struct plexlink_task *task);

/**
 * Stops callbacks and gives up the caller's handle: the task is cancelled if it still runs,
 * and its thread ends on its own (holding what it needs meanwhile). When `free` returns no
 * callback of the task is running or will run, so `userdata` may be released; a callback in
 * progress on the task's thread is waited for. Two exceptions, where that wait would never
 * end, and `free` returns at once: called from inside one of the task's own callbacks, nothing
 * more is called after that callback returns; called from inside a callback of another task
 * while the task's callback in progress is itself blocked on that task (two done callbacks
 * freeing each other: one of the two frees waits, the other does not), that callback goes on
 * once the caller's callback has returned, and nothing more is called after it. A value not
 * yet taken is freed. NULL is fine; must not be called twice.
 */
void plexlink_task_free(const struct plexlink_task *task);

/**
 * Takes the string of a finished `plexlink_task_wait_for_token` (the token),
 * `plexlink_task_claim_token` or `plexlink_task_transient_token`. On success `*string_out` is
 * owned: free it with `plexlink_string_free`. See `plexlink_task_take_pin` for the other codes.
 */
plexlink_result plexlink_task_take_string(const struct plexlink_task *task, char **string_out);

/**
 * Takes the PIN of a finished `plexlink_task_create_pin`, `plexlink_task_create_jwt_pin` or
 * `plexlink_task_check_pin`. On success `*pin_out` is the caller's. `PLEXLINK_RESULT_PENDING`
 * while the task runs; the task's error code when it failed (also the calling thread's last
 * error); `PLEXLINK_RESULT_WRONG_STATE` when the value was taken already or is of another kind.
 */
plexlink_result plexlink_task_take_pin(const struct plexlink_task *task, struct plexlink_pin **pin_out);

/**
 * Takes the account of a finished `plexlink_task_user`, `plexlink_task_sign_in` or
 * `plexlink_task_switch_home_user`. On success `*account_out` is the caller's. Other codes as
 * `plexlink_task_take_pin`.
 */
plexlink_result plexlink_task_take_account(const struct plexlink_task *task, struct plexlink_account **account_out);

/**
 * Takes the list of a finished `plexlink_task_home_users`. On success `*list_out` is the
 * caller's. Other codes as `plexlink_task_take_pin`.
 */
plexlink_result plexlink_task_take_home_user_list(const struct plexlink_task *task, struct plexlink_home_user_list **list_out);

/**
 * Takes the list of a finished `plexlink_task_resources`, `plexlink_task_servers` or
 * `plexlink_task_source_connection_info`. On success `*list_out` is the caller's. Other codes
 * as `plexlink_task_take_pin`.
 */
plexlink_result plexlink_task_take_device_list(const struct plexlink_task *task, struct plexlink_device_list **list_out);

/**
 * Takes the result of a finished `plexlink_task_connect`. On success `*result_out` is the
 * caller's. Other codes as `plexlink_task_take_pin`: after `PLEXLINK_RESULT_NO_CONNECTION`,
 * which is then the calling thread's last error, `plexlink_last_error_connect_result` gives
 * what became of each connection.
 */
plexlink_result plexlink_task_take_connect_result(const struct plexlink_task *task, struct plexlink_connect_result **result_out);

/**
 * Takes the list of a finished `plexlink_task_connect_all`. On success `*results_out` is the
 * caller's. Other codes as `plexlink_task_take_pin`.
 */
plexlink_result plexlink_task_take_connect_result_list(const struct plexlink_task *task, struct plexlink_connect_result_list **results_out);

/**
 * Takes the identity of a finished `plexlink_task_identity`. On success `*identity_out` is the
 * caller's. Other codes as `plexlink_task_take_pin`.
 */
plexlink_result plexlink_task_take_identity(const struct plexlink_task *task, struct plexlink_identity **identity_out);

/**
 * Takes the Plex JWT of a finished `plexlink_task_wait_for_jwt`, `plexlink_task_upgrade_to_jwt`,
 * `plexlink_task_refresh_jwt` or `plexlink_task_verify_jwt`. On success `*jwt_out` is the
 * caller's, to free with `plexlink_jwt_free`. Other codes as `plexlink_task_take_pin`.
 */
plexlink_result plexlink_task_take_jwt(const struct plexlink_task *task, struct plexlink_jwt **jwt_out);

/**
 * Takes the list of a finished `plexlink_task_servers_or_snapshot`. On success `*list_out` is
 * the caller's. Other codes as `plexlink_task_take_pin`.
 */
plexlink_result plexlink_task_take_server_list(const struct plexlink_task *task, struct plexlink_server_list **list_out);

/**
 * `plexlink_client_create_pin` as a task; take its value with `plexlink_task_take_pin`.
 */
plexlink_result plexlink_task_create_pin(const struct plexlink_client *client, bool strong, plexlink_task_done_cb on_done, void *userdata, const struct plexlink_task **task_out);

/**
 * `plexlink_client_check_pin` as a task; take its value with `plexlink_task_take_pin`.
 */
plexlink_result plexlink_task_check_pin(const struct plexlink_client *client, uint64_t pin_id, plexlink_task_done_cb on_done, void *userdata, const struct plexlink_task **task_out);

/**
 * `plexlink_client_wait_for_token` as a task: `options->on_progress` is called on the task's
 * thread with `options->userdata` (and not after the task was freed). When `options->cancel` is
 * given the task uses it as its own cancel flag: cancelling it stops the task, and
 * `plexlink_task_cancel` raises it. Take the token with `plexlink_task_take_string`.
 */
plexlink_result plexlink_task_wait_for_token(const struct plexlink_client *client, const struct plexlink_pin *pin, const struct plexlink_wait_options *options, plexlink_task_done_cb on_done, void *userdata, const struct plexlink_task **task_out);

/**
 * `plexlink_client_user` as a task; take its value with `plexlink_task_take_account`.
 */
plexlink_result plexlink_task_user(const struct plexlink_client *client, const char *token, plexlink_task_done_cb on_done, void *userdata, const struct plexlink_task **task_out);

/**
 * `plexlink_client_sign_in` as a task (`verification_code` may be NULL); take its value with
 * `plexlink_task_take_account`.
 */
plexlink_result plexlink_task_sign_in(const struct plexlink_client *client, const char *login, const char *password, const char *verification_code, plexlink_task_done_cb on_done, void *userdata, const struct plexlink_task **task_out);

/**
 * `plexlink_client_sign_out` as a task (no value: read the result).
 */
plexlink_result plexlink_task_sign_out(const struct plexlink_client *client, const char *token, plexlink_task_done_cb on_done, void *userdata, const struct plexlink_task **task_out);

/**
 * `plexlink_client_ping` as a task (no value: read the result).
 */
plexlink_result plexlink_task_ping(const struct plexlink_client *client, const char *token, plexlink_task_done_cb on_done, void *userdata, const struct plexlink_task **task_out);

/**
 * `plexlink_client_link_pin` as a task (no value: read the result).
 */
plexlink_result plexlink_task_link_pin(const struct plexlink_client *client, const char *token, const char *code, plexlink_task_done_cb on_done, void *userdata, const struct plexlink_task **task_out);

/**
 * `plexlink_client_home_users` as a task; take its value with
 * `plexlink_task_take_home_user_list`.
 */
plexlink_result plexlink_task_home_users(const struct plexlink_client *client, const char *token, plexlink_task_done_cb on_done, void *userdata, const struct plexlink_task **task_out);

/**
 * `plexlink_client_switch_home_user` as a task (`pin` may be NULL); take its value with
 * `plexlink_task_take_account`.
 */
plexlink_result plexlink_task_switch_home_user(const struct plexlink_client *client, const char *token, const char *user_uuid, const char *pin, plexlink_task_done_cb on_done, void *userdata, const struct plexlink_task **task_out);

/**
 * `plexlink_client_claim_token` as a task; take its value with `plexlink_task_take_string`.
 */
plexlink_result plexlink_task_claim_token(const struct plexlink_client *client, const char *token, plexlink_task_done_cb on_done, void *userdata, const struct plexlink_task **task_out);

/**
 * `plexlink_client_resources` as a task; take its value with `plexlink_task_take_device_list`.
 */
plexlink_result plexlink_task_resources(const struct plexlink_client *client, const char *token, plexlink_task_done_cb on_done, void *userdata, const struct plexlink_task **task_out);

/**
 * `plexlink_client_servers` as a task; take its value with `plexlink_task_take_device_list`.
 */
plexlink_result plexlink_task_servers(const struct plexlink_client *client, const char *token, plexlink_task_done_cb on_done, void *userdata, const struct plexlink_task **task_out);

/**
 * `plexlink_client_identity` as a task; take its value with `plexlink_task_take_identity`.
 */
plexlink_result plexlink_task_identity(const struct plexlink_client *client, const char *server_uri, plexlink_task_done_cb on_done, void *userdata, const struct plexlink_task **task_out);

/**
 * `plexlink_client_transient_token` as a task; take its value with
 * `plexlink_task_take_string`.
 */
plexlink_result plexlink_task_transient_token(const struct plexlink_client *client, const char *server_uri, const char *token, plexlink_task_done_cb on_done, void *userdata, const struct plexlink_task **task_out);

/**
 * `plexlink_client_source_connection_info` as a task; take its value with
 * `plexlink_task_take_device_list`.
 */
plexlink_result plexlink_task_source_connection_info(const struct plexlink_client *client, const char *server_uri, const char *token, const char *source, plexlink_task_done_cb on_done, void *userdata, const struct plexlink_task **task_out);

/**
 * `plexlink_client_connect_with` as a task (`device` and `policy` are copied; pass
 * `plexlink_race_policy_default()` for the default); take its value with
 * `plexlink_task_take_connect_result`.
 */
plexlink_result plexlink_task_connect(const struct plexlink_client *client, const struct plexlink_device *device, const struct plexlink_race_policy *policy, plexlink_task_done_cb on_done, void *userdata, const struct plexlink_task **task_out);

/**
 * `plexlink_client_connect_all` as a task (`devices` and `policy` are copied); take its value
 * with `plexlink_task_take_connect_result_list`.
 */
plexlink_result plexlink_task_connect_all(const struct plexlink_client *client, const struct plexlink_device_list *devices, const struct plexlink_race_policy *policy, plexlink_task_done_cb on_done, void *userdata, const struct plexlink_task **task_out);

/**
 * `plexlink_client_create_jwt_pin` as a task (`key` is copied); take its value with
 * `plexlink_task_take_pin`.
 */
plexlink_result plexlink_task_create_jwt_pin(const struct plexlink_client *client, const struct plexlink_device_key *key, bool strong, plexlink_task_done_cb on_done, void *userdata, const struct plexlink_task **task_out);

/**
 * `plexlink_client_wait_for_jwt` as a task (`pin` and `key` are copied), with its options as
 * `plexlink_task_wait_for_token` takes them (progress on the task's thread, the options'
 * cancel handle as the task's own); take the Plex JWT with `plexlink_task_take_jwt`. The Plex
 * JWT ends the legacy token of this client identifier.
 */
plexlink_result plexlink_task_wait_for_jwt(const struct plexlink_client *client, const struct plexlink_pin *pin, const struct plexlink_device_key *key, const struct plexlink_wait_options *options, plexlink_task_done_cb on_done, void *userdata, const struct plexlink_task **task_out);

/**
 * `plexlink_client_upgrade_to_jwt` as a task (it ends `token` for this client identifier);
 * take the Plex JWT with `plexlink_task_take_jwt`.
 */
plexlink_result plexlink_task_upgrade_to_jwt(const struct plexlink_client *client, const char *token, const struct plexlink_device_key *key, plexlink_task_done_cb on_done, void *userdata, const struct plexlink_task **task_out);

/**
 * `plexlink_client_refresh_jwt` as a task; take the Plex JWT with `plexlink_task_take_jwt`.
 */
plexlink_result plexlink_task_refresh_jwt(const struct plexlink_client *client, const struct plexlink_device_key *key, plexlink_task_done_cb on_done, void *userdata, const struct plexlink_task **task_out);

/**
 * `plexlink_client_verify_jwt` as a task; take the JWT and its claims with
 * `plexlink_task_take_jwt`.
 */
plexlink_result plexlink_task_verify_jwt(const struct plexlink_client *client, const char *token, const struct plexlink_device_key *key, plexlink_task_done_cb on_done, void *userdata, const struct plexlink_task **task_out);

/**
 * `plexlink_client_servers_or_snapshot` as a task (`snapshot` may be NULL, and is copied); take
 * its value with `plexlink_task_take_server_list`.
 */
plexlink_result plexlink_task_servers_or_snapshot(const struct plexlink_client *client, const char *token, const struct plexlink_resources_snapshot *snapshot, plexlink_task_done_cb on_done, void *userdata, const struct plexlink_task **task_out);

/**
 * The version of the loaded library, `"MAJOR.MINOR.PATCH"` (e.g. `"0.1.0"`); compare it with
 * the `PLEXLINK_VERSION_*` macros to catch a program built against another header. Before 1.0
 * there is no ABI stability between versions. A static string: never NULL, never free it.
 */
const char *plexlink_version(void);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* PLEXLINK_H */
