#define _POSIX_C_SOURCE 200809L

#include "support.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

const char *last_error(void) {
    static char buf[4096];
    size_t n = 0;
    plexlink_last_error_message(buf, sizeof buf, &n);
    return buf;
}

void test_fail(const char *file, int line, const char *what) {
    fprintf(stderr, "\nFAILED %s:%d: %s\n  last error: %s\n", file, line, what, last_error());
    fflush(stderr);
    exit(1);
}

void test_fail_code(const char *file, int line, const char *what, plexlink_result got, plexlink_result want) {
    fprintf(stderr, "\nFAILED %s:%d: %s\n  returned %u (%s), expected %u (%s)\n  last error: %s\n", file, line,
            what, (unsigned)got, plexlink_result_str(got), (unsigned)want, plexlink_result_str(want), last_error());
    fflush(stderr);
    exit(1);
}

void test_step(const char *name) {
    printf("  %s\n", name);
    fflush(stdout);
}

int str_eq(const char *a, const char *b) { return a != NULL && b != NULL && strcmp(a, b) == 0; }

int starts_with(const char *text, const char *prefix) {
    return text != NULL && prefix != NULL && strncmp(text, prefix, strlen(prefix)) == 0;
}

uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void cond_wait_slice(pthread_cond_t *cond, pthread_mutex_t *lock) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 100 * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec += 1;
        until.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(cond, lock, &until);
}

void sleep_ms(uint64_t ms) {
    struct timespec ts;
    ts.tv_sec = (time_t)(ms / 1000u);
    ts.tv_nsec = (long)(ms % 1000u) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

const char *emulator_url(int argc, char **argv) {
    const char *url = argc > 1 ? argv[1] : getenv("PLEXLINK_TEST_PLEX_URL");
    if (url == NULL || !starts_with(url, "http://127.0.0.1:")) {
        fprintf(stderr, "usage: %s http://127.0.0.1:PORT/ (the emulator; or set PLEXLINK_TEST_PLEX_URL)\n",
                argc > 0 ? argv[0] : "test");
        exit(2);
    }
    return url;
}

void make_client(const char *url, const char *client_identifier, const plexlink_client_config **config_out,
                 const plexlink_client **client_out) {
    plexlink_client_config_builder *builder = NULL;
    CHECK_OK(plexlink_client_config_builder_new("plexlink C tests", client_identifier, &builder));
    CHECK_OK(plexlink_client_config_builder_set_plex_url(builder, url));
    CHECK_OK(plexlink_client_config_builder_set_version(builder, "0.1"));
    CHECK_OK(plexlink_client_config_builder_set_timeout_ms(builder, 10000));
    CHECK_OK(plexlink_client_config_builder_build(builder, config_out));
    CHECK_OK(plexlink_client_new(*config_out, client_out));
}

const plexlink_device *find_device(const plexlink_device_list *list, const char *name) {
    size_t i;
    for (i = 0; i < plexlink_device_list_len(list); i++) {
        const plexlink_device *device = plexlink_device_list_get(list, i);
        if (str_eq(plexlink_device_name(device), name)) return device;
    }
    fprintf(stderr, "\nFAILED: no device called %s\n", name);
    exit(1);
}

size_t check_lost_race(const plexlink_connect_result *lost, const plexlink_device *device) {
    size_t i;
    CHECK(lost != NULL);
    CHECK(plexlink_connect_result_uri(lost) == NULL);
    CHECK(plexlink_connect_result_connection(lost) == NULL);
    CHECK_STR(plexlink_device_name(plexlink_connect_result_device(lost)), plexlink_device_name(device));
    CHECK(plexlink_connect_result_candidates_len(lost) + plexlink_connect_result_skipped_len(lost) ==
          plexlink_device_connections_len(device));
    for (i = 0; i < plexlink_connect_result_candidates_len(lost); i++) {
        const plexlink_candidate *c = plexlink_connect_result_candidate_get(lost, i);
        CHECK(plexlink_candidate_uri(c) != NULL && plexlink_candidate_connection(c) != NULL);
        CHECK(plexlink_candidate_description(c) != NULL && strlen(plexlink_candidate_description(c)) > 0);
        switch (plexlink_candidate_result(c)) {
        case PLEXLINK_PROBE_RESULT_FAILED:
            CHECK(plexlink_candidate_error(c) != PLEXLINK_RESULT_OK);
            break;
        case PLEXLINK_PROBE_RESULT_TIMED_OUT:
            CHECK(plexlink_candidate_error(c) == PLEXLINK_RESULT_REQUEST_TIMEOUT);
            break;
        default:
            CHECK(!"a candidate that neither failed nor timed out, in a race nothing won");
        }
    }
    return plexlink_connect_result_candidates_len(lost);
}

/* --- the HTTP client ---------------------------------------------------------------------- */

/* Splits "http://host:port/path" into its parts; 0 on success. */
static int split_url(const char *url, char *host, size_t host_len, char *port, size_t port_len, const char **path) {
    const char *rest;
    const char *colon;
    const char *slash;
    if (!starts_with(url, "http://")) return -1;
    rest = url + strlen("http://");
    colon = strchr(rest, ':');
    slash = strchr(rest, '/');
    if (colon == NULL || (slash != NULL && slash < colon)) return -1;
    if ((size_t)(colon - rest) >= host_len) return -1;
    memcpy(host, rest, (size_t)(colon - rest));
    host[colon - rest] = '\0';
    {
        const char *port_end = slash != NULL ? slash : colon + strlen(colon);
        size_t n = (size_t)(port_end - colon - 1);
        if (n == 0 || n >= port_len) return -1;
        memcpy(port, colon + 1, n);
        port[n] = '\0';
    }
    *path = slash != NULL ? slash : "/";
    return 0;
}

static int send_all(int fd, const void *data, size_t len) {
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* A growing buffer. */
typedef struct {
    char *data;
    size_t len;
    size_t cap;
} buffer;

static void buffer_add(buffer *b, const void *data, size_t len) {
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap == 0 ? 4096 : b->cap;
        while (b->len + len + 1 > cap) cap *= 2;
        b->data = realloc(b->data, cap);
        if (b->data == NULL) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

static void buffer_add_str(buffer *b, const char *text) { buffer_add(b, text, strlen(text)); }

static const char *find_header(const test_response *r, const char *name) {
    size_t i;
    for (i = 0; i < r->n_headers; i++) {
        if (strcasecmp(r->headers[i].name, name) == 0) return r->headers[i].value;
    }
    return NULL;
}

/* Decodes a chunked body in place; 0 on success. */
static int dechunk(const char *in, size_t in_len, buffer *out) {
    size_t pos = 0;
    for (;;) {
        char *end = NULL;
        unsigned long size;
        const char *line_end = strstr(in + pos, "\r\n");
        if (line_end == NULL) return -1;
        size = strtoul(in + pos, &end, 16);
        pos = (size_t)(line_end - in) + 2;
        if (size == 0) return 0;
        if (pos + size + 2 > in_len) return -1;
        buffer_add(out, in + pos, size);
        pos += size + 2;
    }
}

int http_exchange(const char *url, const char *method, const test_header *headers, size_t n_headers,
                  const void *body, size_t body_len, test_response *response) {
    return http_exchange_within(url, method, headers, n_headers, body, body_len, 0, response) == PLEXLINK_RESULT_OK
               ? 0
               : -1;
}

plexlink_result http_exchange_within(const char *url, const char *method, const test_header *headers,
                                     size_t n_headers, const void *body, size_t body_len, uint64_t timeout_ms,
                                     test_response *response) {
    char host[256];
    char port[16];
    const char *path;
    struct addrinfo hints;
    struct addrinfo *addrs = NULL;
    int fd = -1;
    buffer request = {0};
    buffer answer = {0};
    char chunk[8192];
    char line[64];
    size_t i;
    plexlink_result ok = PLEXLINK_RESULT_NETWORK;

    memset(response, 0, sizeof *response);
    if (split_url(url, host, sizeof host, port, sizeof port, &path) != 0) return PLEXLINK_RESULT_NETWORK;
    /* Loopback only: the tests never reach anything else. */
    if (strcmp(host, "127.0.0.1") != 0 && strcmp(host, "localhost") != 0) return PLEXLINK_RESULT_NETWORK;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &addrs) != 0) return PLEXLINK_RESULT_NETWORK;
    fd = socket(addrs->ai_family, addrs->ai_socktype, addrs->ai_protocol);
    if (fd < 0) goto done;
    if (timeout_ms > 0) {
        struct timeval tv;
        tv.tv_sec = (time_t)(timeout_ms / 1000u);
        tv.tv_usec = (suseconds_t)(timeout_ms % 1000u) * 1000;
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }
    if (connect(fd, addrs->ai_addr, addrs->ai_addrlen) != 0) {
        ok = errno == ECONNREFUSED ? PLEXLINK_RESULT_CONNECT : PLEXLINK_RESULT_NETWORK;
        goto done;
    }

    buffer_add_str(&request, method);
    buffer_add_str(&request, " ");
    buffer_add_str(&request, path);
    buffer_add_str(&request, " HTTP/1.1\r\nHost: ");
    buffer_add_str(&request, host);
    buffer_add_str(&request, ":");
    buffer_add_str(&request, port);
    buffer_add_str(&request, "\r\nConnection: close\r\n");
    snprintf(line, sizeof line, "Content-Length: %zu\r\n", body_len);
    buffer_add_str(&request, line);
    for (i = 0; i < n_headers; i++) {
        buffer_add_str(&request, headers[i].name);
        buffer_add_str(&request, ": ");
        buffer_add_str(&request, headers[i].value);
        buffer_add_str(&request, "\r\n");
    }
    buffer_add_str(&request, "\r\n");
    if (body_len > 0) buffer_add(&request, body, body_len);
    if (send_all(fd, request.data, request.len) != 0) goto done;

    for (;;) {
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) ok = PLEXLINK_RESULT_REQUEST_TIMEOUT;
            goto done;
        }
        if (n == 0) break;
        buffer_add(&answer, chunk, (size_t)n);
    }
    if (answer.len == 0) goto done;

    {
        char *head_end = strstr(answer.data, "\r\n\r\n");
        char *cursor;
        const char *encoding;
        size_t head_len;
        if (head_end == NULL || sscanf(answer.data, "HTTP/1.%*d %d", &response->status) != 1) goto done;
        head_len = (size_t)(head_end - answer.data) + 4;
        *head_end = '\0';
        cursor = strstr(answer.data, "\r\n");
        while (cursor != NULL && cursor < head_end && response->n_headers < 64) {
            char *name = cursor + 2;
            char *next = strstr(name, "\r\n");
            char *colon = strchr(name, ':');
            test_header *h = &response->headers[response->n_headers];
            if (next != NULL) *next = '\0';
            if (colon != NULL) {
                const char *value = colon + 1;
                *colon = '\0';
                while (*value == ' ') value++;
                snprintf(h->name, sizeof h->name, "%s", name);
                snprintf(h->value, sizeof h->value, "%s", value);
                response->n_headers++;
            }
            cursor = next;
        }
        encoding = find_header(response, "transfer-encoding");
        if (encoding != NULL && strstr(encoding, "chunked") != NULL) {
            buffer body_buf = {0};
            if (dechunk(answer.data + head_len, answer.len - head_len, &body_buf) != 0) {
                free(body_buf.data);
                goto done;
            }
            buffer_add(&body_buf, "", 0);
            response->body = body_buf.data;
            response->body_len = body_buf.len;
        } else {
            buffer body_buf = {0};
            buffer_add(&body_buf, answer.data + head_len, answer.len - head_len);
            response->body = body_buf.data;
            response->body_len = body_buf.len;
        }
    }
    ok = PLEXLINK_RESULT_OK;

done:
    if (fd >= 0) close(fd);
    if (addrs != NULL) freeaddrinfo(addrs);
    free(request.data);
    free(answer.data);
    return ok;
}

void test_response_free(test_response *response) {
    free(response->body);
    response->body = NULL;
}

/* --- the emulator's control endpoints ------------------------------------------------------- */

static void control(const char *base, const char *method, const char *path, const char *json, int want_status) {
    char url[512];
    test_response r;
    test_header content_type = {"Content-Type", "application/json"};
    snprintf(url, sizeof url, "%s_emulator/%s", base, path);
    if (http_exchange(url, method, json != NULL ? &content_type : NULL, json != NULL ? 1 : 0, json,
                      json != NULL ? strlen(json) : 0, &r) != 0) {
        fprintf(stderr, "\nFAILED: no answer from %s %s\n", method, url);
        exit(1);
    }
    if (r.status != want_status) {
        fprintf(stderr, "\nFAILED: %s %s answered %d (expected %d): %s\n", method, url, r.status, want_status,
                r.body != NULL ? r.body : "");
        exit(1);
    }
    test_response_free(&r);
}

void emu_approve_pin(const char *url, uint64_t pin_id, const char *account) {
    char path[128];
    snprintf(path, sizeof path, "pins/%llu/approve?account=%s", (unsigned long long)pin_id, account);
    control(url, "POST", path, NULL, 204);
}

void emu_expire_pin(const char *url, uint64_t pin_id) {
    char path[128];
    snprintf(path, sizeof path, "pins/%llu/expire", (unsigned long long)pin_id);
    control(url, "POST", path, NULL, 204);
}

void emu_add_fault(const char *url, const char *fault_json) { control(url, "POST", "faults", fault_json, 201); }

void emu_clear_faults(const char *url) { control(url, "DELETE", "faults", NULL, 204); }

void emu_add_error_fault(const char *url, const char *path_prefix, int status, const char *message) {
    /* The body is a JSON string inside the fault's JSON: its quotes escaped once more. */
    static const char format[] = "{\"path_prefix\":\"%s\",\"kind\":{\"type\":\"status\",\"status\":%d,"
                                 "\"body\":\"{\\\"errors\\\":[{\\\"code\\\":1000,\\\"message\\\":\\\"%s\\\"}]}\"},"
                                 "\"times\":1}";
    char *fault;
    size_t len = sizeof format + strlen(path_prefix) + strlen(message) + 16;
    fault = malloc(len);
    CHECK(fault != NULL);
    snprintf(fault, len, format, path_prefix, status, message);
    emu_add_fault(url, fault);
    free(fault);
}

void emu_connection_uri(const char *url, const char *server, const char *connection, char *uri, size_t uri_len) {
    char control_url[512];
    char key[256];
    test_response r;
    const char *at;
    const char *end;
    snprintf(control_url, sizeof control_url, "%s_emulator/servers", url);
    if (http_exchange(control_url, "GET", NULL, 0, NULL, 0, &r) != 0 || r.status != 200 || r.body == NULL) {
        fprintf(stderr, "\nFAILED: no list of servers from %s\n", control_url);
        exit(1);
    }
    /* {"Living Room":{"local":"http://127.0.0.1:PORT",...},...}: the server's object, then the key. */
    snprintf(key, sizeof key, "\"%s\":{", server);
    at = strstr(r.body, key);
    end = at != NULL ? strchr(at, '}') : NULL;
    snprintf(key, sizeof key, "\"%s\":\"", connection);
    at = at != NULL ? strstr(at, key) : NULL;
    if (at == NULL || at > end) {
        fprintf(stderr, "\nFAILED: no connection %s of %s in %s\n", connection, server, r.body);
        exit(1);
    }
    at += strlen(key);
    end = strchr(at, '"');
    if (end == NULL || (size_t)(end - at) >= uri_len) {
        fprintf(stderr, "\nFAILED: a bad URI for %s of %s in %s\n", connection, server, r.body);
        exit(1);
    }
    memcpy(uri, at, (size_t)(end - at));
    uri[end - at] = '\0';
    test_response_free(&r);
}

void emu_jwt_settings(const char *url, const char *settings_json) {
    control(url, "POST", "jwt/settings", settings_json, 200);
}

void emu_rotate_jwt_key(const char *url) { control(url, "POST", "jwt/rotate", NULL, 200); }

void emu_remove_jwt_device(const char *url, const char *client_identifier) {
    char path[256];
    snprintf(path, sizeof path, "jwt/devices/%s/remove", client_identifier);
    control(url, "POST", path, NULL, 204);
}

/* `text` percent-encoded for a path segment (letters, digits and "-._~" stay). */
static void percent_encode(const char *text, char *out, size_t out_len) {
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (; *text != '\0'; text++) {
        unsigned char c = (unsigned char)*text;
        int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '.' || c == '_' || c == '~';
        CHECK(n + 4 < out_len);
        if (plain) {
            out[n++] = (char)c;
        } else {
            out[n++] = '%';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 15];
        }
    }
    out[n] = '\0';
}

void emu_set_behaviour(const char *url, const char *server, const char *connection, const char *behaviour_json) {
    char server_enc[256];
    char connection_enc[256];
    char path[600];
    percent_encode(server, server_enc, sizeof server_enc);
    percent_encode(connection, connection_enc, sizeof connection_enc);
    snprintf(path, sizeof path, "servers/%s/connections/%s/behaviour", server_enc, connection_enc);
    control(url, "POST", path, behaviour_json, 200);
}

void emu_plex_tv_down(const char *url, const char *mode_json) { control(url, "POST", "plextv/down", mode_json, 200); }

void emu_plex_tv_up(const char *url) { control(url, "POST", "plextv/up", NULL, 200); }

uint64_t emu_tcp_connections(const char *url, const char *server, const char *connection) {
    char control_url[512];
    char key[256];
    test_response r;
    const char *at;
    unsigned long long n = 0;
    snprintf(control_url, sizeof control_url, "%s_emulator/counters", url);
    if (http_exchange(control_url, "GET", NULL, 0, NULL, 0, &r) != 0 || r.status != 200 || r.body == NULL) {
        fprintf(stderr, "\nFAILED: no counters from %s\n", control_url);
        exit(1);
    }
    /* {"plextv":{...},"pms":{"Living Room":{"local":{...,"tcp_connections":N,...},...},...}} */
    at = strstr(r.body, "\"pms\":{");
    snprintf(key, sizeof key, "\"%s\":{", server);
    at = at != NULL ? strstr(at, key) : NULL;
    snprintf(key, sizeof key, "\"%s\":{", connection);
    at = at != NULL ? strstr(at, key) : NULL;
    at = at != NULL ? strstr(at, "\"tcp_connections\":") : NULL;
    if (at == NULL || sscanf(at, "\"tcp_connections\":%llu", &n) != 1) {
        fprintf(stderr, "\nFAILED: no count of %s of %s in %s\n", connection, server, r.body);
        exit(1);
    }
    test_response_free(&r);
    return (uint64_t)n;
}
