/*
 * The header's promise for plexlink_last_error_http_status(): whenever the server answered with
 * an error status, the last error gives that status. Every result code a server's answer can
 * bring is provoked against the emulator (for real where the emulator refuses by itself, else
 * through its fault control) and the status it sent is checked, from a blocking call and from a
 * task.
 * The codes a caller tells apart by kind alone (UNAUTHORIZED from a 401 or a 422,
 * TWO_FACTOR_REQUIRED, INVALID_VERIFICATION_CODE, IP_LOCKED_OUT, HOME_PIN_REQUIRED, PIN_EXPIRED)
 * once said 0 here: the core kept no status for them.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>

#include "support.h"

static const char *url;
/* The last error must carry `sent`. */
static void check_status(const char *what, unsigned sent) {
    unsigned got = plexlink_last_error_http_status();
    if (got != sent) {
        fprintf(stderr, "\nFAILED %s: the server sent %u, plexlink_last_error_http_status() = %u\n", what, sent, got);
        test_fail(__FILE__, __LINE__, "the status sent");
    }
}

/* A fault on /api/v2/user: the next request gets `status` with `body` (JSON, or "" for none). */
static void user_fault(unsigned status, const char *body) {
    char fault[1024];
    char escaped[512];
    size_t i;
    size_t n = 0;
    for (i = 0; body[i] != '\0' && n + 2 < sizeof escaped; i++) {
        if (body[i] == '"') escaped[n++] = '\\';
        escaped[n++] = body[i];
    }
    escaped[n] = '\0';
    snprintf(fault, sizeof fault,
             "{\"path_prefix\":\"/api/v2/user\",\"kind\":{\"type\":\"status\",\"status\":%u,\"body\":\"%s\"},"
             "\"times\":1}",
             status, escaped);
    emu_add_fault(url, fault);
}

typedef struct {
    const char *what;
    unsigned status;
    const char *body;
    plexlink_result code;
} wire_case;

#define PLEX_ERROR(code, message) "{\"errors\":[{\"code\":" #code ",\"message\":\"" message "\"}]}"

static const wire_case cases[] = {
    {"401 without a body", 401, "", PLEXLINK_RESULT_UNAUTHORIZED},
    {"401 code 1001", 401, PLEX_ERROR(1001, "User could not be authenticated"), PLEXLINK_RESULT_UNAUTHORIZED},
    {"422 Invalid token", 422, PLEX_ERROR(0, "Invalid token"), PLEXLINK_RESULT_UNAUTHORIZED},
    {"401 code 1029", 401, PLEX_ERROR(1029, "Please enter the verification code"),
     PLEXLINK_RESULT_TWO_FACTOR_REQUIRED},
    {"401 code 1028", 401, PLEX_ERROR(1028, "Invalid verification code"),
     PLEXLINK_RESULT_INVALID_VERIFICATION_CODE},
    {"401 code 1031", 401, PLEX_ERROR(1031, "IP locked out"), PLEXLINK_RESULT_IP_LOCKED_OUT},
    {"404 code 1020", 404, PLEX_ERROR(1020, "Code not found or expired"), PLEXLINK_RESULT_PIN_EXPIRED},
    {"403 code 1041", 403, PLEX_ERROR(1041, "Home PIN required"), PLEXLINK_RESULT_HOME_PIN_REQUIRED},
    {"429", 429, "", PLEXLINK_RESULT_RATE_LIMITED},
    {"498", 498, "", PLEXLINK_RESULT_TOKEN_EXPIRED},
    {"400 code 1000", 400, PLEX_ERROR(1000, "X-Plex-Client-Identifier is missing"), PLEXLINK_RESULT_PLEX_ERROR},
    {"422 with another message", 422, PLEX_ERROR(0, "Thumbprint Already Taken"), PLEXLINK_RESULT_PLEX_ERROR},
    {"403 without a body", 403, "", PLEXLINK_RESULT_HTTP_STATUS},
    {"404 without a body", 404, "", PLEXLINK_RESULT_HTTP_STATUS},
    {"500", 500, "", PLEXLINK_RESULT_HTTP_STATUS},
    {"502", 502, "", PLEXLINK_RESULT_HTTP_STATUS},
    {"503", 503, "", PLEXLINK_RESULT_HTTP_STATUS},
    {"307", 307, "", PLEXLINK_RESULT_REDIRECT},
};

static void every_code_through_faults(const plexlink_client *client) {
    size_t i;
    char what[128];
    test_step("every server-error code, from a blocking call and from a task: the status sent");
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const wire_case *c = &cases[i];
        plexlink_account *account = NULL;
        const plexlink_task *task = NULL;
        plexlink_result result = PLEXLINK_RESULT_OK;

        user_fault(c->status, c->body);
        plexlink_last_error_clear();
        CHECK_CODE(plexlink_client_user(client, "some-token", &account), c->code);
        CHECK(account == NULL);
        snprintf(what, sizeof what, "%s (blocking)", c->what);
        check_status(what, c->status);

        user_fault(c->status, c->body);
        CHECK_OK(plexlink_task_user(client, "some-token", NULL, NULL, &task));
        CHECK_OK(plexlink_task_wait(task, UINT64_MAX, &result));
        CHECK(result == c->code);
        plexlink_last_error_clear();
        CHECK_CODE(plexlink_task_take_account(task, &account), c->code);
        snprintf(what, sizeof what, "%s (task)", c->what);
        check_status(what, c->status);
        plexlink_task_free(task);
        emu_clear_faults(url);
    }
}

static void the_emulators_own_refusals(const plexlink_client *client) {
    plexlink_account *account = NULL;
    plexlink_pin *pin = NULL;

    test_step("the emulator's own refusals: a bad token, an unknown PIN, a missing two-factor code");
    CHECK_CODE(plexlink_client_user(client, "not-a-token", &account), PLEXLINK_RESULT_UNAUTHORIZED);
    check_status("a bad token (401)", 401);
    CHECK_CODE(plexlink_client_check_pin(client, 999999999, &pin), PLEXLINK_RESULT_PIN_EXPIRED);
    check_status("an unknown PIN id (404)", 404);
    CHECK_CODE(plexlink_client_sign_in(client, "bob", "bob-password", NULL, &account),
               PLEXLINK_RESULT_TWO_FACTOR_REQUIRED);
    check_status("bob without his code (401)", 401);
    CHECK(account == NULL && pin == NULL);
}

static void no_answer_no_status(const plexlink_client *client) {
    plexlink_identity *identity = NULL;
    test_step("no answer, no status: a refused connection (port 1 on the loopback)");
    CHECK_CODE(plexlink_client_identity(client, "http://127.0.0.1:1", &identity), PLEXLINK_RESULT_CONNECT);
    CHECK(identity == NULL);
    CHECK(plexlink_last_error_http_status() == 0);
}

int main(int argc, char **argv) {
    const plexlink_client_config *config = NULL;
    const plexlink_client *client = NULL;

    url = emulator_url(argc, argv);
    make_client(url, "c-tests-errors", &config, &client);
    printf("test_errors against %s\n", url);
    every_code_through_faults(client);
    the_emulators_own_refusals(client);
    no_answer_no_status(client);
    plexlink_client_free(client);
    plexlink_client_config_free(config);
    printf("test_errors: ok\n");
    return 0;
}
