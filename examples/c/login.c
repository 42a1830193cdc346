/*
 * login: sign in to Plex with a PIN, list the servers, connect to each, print its URL.
 *
 *     cc -std=c11 login.c $(pkg-config --cflags --libs plexlink) -o login
 *     ./login                                  # the real plex.tv
 *     ./login http://127.0.0.1:PORT/           # the emulator (plexlink-emulator --port 0)
 *     ./login --jwt [URL]                      # Plex's JWT sign-in, with a device key
 *
 * It shows the code and the page where to enter it, waits until the person has (printing a dot
 * at every check), then lists the account's servers and connects to each. The PIN id is printed
 * on a line of its own, so that a test can approve the PIN through the emulator's control API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <plexlink.h>

/* Prints the failure with the library's full message and returns 1. */
static int fail(const char *what, plexlink_result result) {
    char message[1024];
    size_t n = 0;
    plexlink_last_error_message(message, sizeof message, &n);
    fprintf(stderr, "login: %s failed: %s (%s)\n", what, plexlink_result_str(result), message);
    return 1;
}

static void on_progress(void *userdata, const plexlink_wait_progress *progress) {
    (void)userdata;
    (void)progress;
    putchar('.');
    fflush(stdout);
}

int main(int argc, char **argv) {
    /* Make the identifier once per installation and keep it: plex.tv lists each new one as a
       new device. A real player stores a random UUID in its settings. A Plex JWT ends the
       legacy token of its identifier, so the JWT way of this example has one of its own. */
    const char *client_identifier = "plexlink-c-example-0b7e6f52";
    const char *plex_url = NULL;
    int use_jwt = 0;
    plexlink_device_key *key = NULL;
    plexlink_jwt *jwt = NULL;
    const char *account_token = NULL;
    int a;
    plexlink_client_config_builder *builder = NULL;
    const plexlink_client_config *config = NULL;
    const plexlink_client *client = NULL;
    plexlink_pin *pin = NULL;
    plexlink_device_list *servers = NULL;
    char *link = NULL;
    char *token = NULL;
    plexlink_wait_options options = plexlink_wait_options_default();
    plexlink_result r;
    size_t i;
    int status = 1;

    for (a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--jwt") == 0) {
            use_jwt = 1;
            client_identifier = "plexlink-c-example-jwt-5d1a93c8";
        } else {
            plex_url = argv[a];
        }
    }
    printf("plexlink %s\n", plexlink_version());
    r = plexlink_client_config_builder_new("plexlink C example", client_identifier, &builder);
    if (r != PLEXLINK_RESULT_OK) return fail("configuration", r);
    plexlink_client_config_builder_set_device_name(builder, "plexlink example");
    if (plex_url != NULL &&
        (r = plexlink_client_config_builder_set_plex_url(builder, plex_url)) != PLEXLINK_RESULT_OK) {
        plexlink_client_config_builder_free(builder);
        return fail("plex.tv URL", r);
    }
    if ((r = plexlink_client_config_builder_build(builder, &config)) != PLEXLINK_RESULT_OK) {
        plexlink_client_config_builder_free(builder);
        return fail("configuration", r);
    }
    if ((r = plexlink_client_new(config, &client)) != PLEXLINK_RESULT_OK) {
        fail("client", r);
        goto out;
    }

    /* 1. A PIN, and where to enter it. For a Plex JWT, the PIN carries the public part of the
       device's key. A real player makes the key once with its identifier, keeps the text of
       plexlink_device_key_private (a secret, like a password) and loads it again with
       plexlink_device_key_from_private; this example makes a new one each time. */
    if (use_jwt && (r = plexlink_device_key_new(&key)) != PLEXLINK_RESULT_OK) {
        fail("making a device key", r);
        goto out;
    }
    r = use_jwt ? plexlink_client_create_jwt_pin(client, key, false, &pin)
                : plexlink_client_create_pin(client, false, &pin);
    if (r != PLEXLINK_RESULT_OK) {
        fail("creating a PIN", r);
        goto out;
    }
    if ((r = plexlink_client_link_url(client, &link)) != PLEXLINK_RESULT_OK) {
        fail("link URL", r);
        goto out;
    }
    printf("Open %s and enter the code %s\n", link, plexlink_pin_code(pin));
    printf("PIN id: %llu\n", (unsigned long long)plexlink_pin_id(pin));
    printf("Waiting");
    fflush(stdout);

    /* 2. Wait until the person approves it (the PIN expires after 15 minutes). */
    options.on_progress = on_progress;
    if (getenv("PLEXLINK_EXAMPLE_FAST") != NULL) options.interval_ms = 200; /* for the tests */
    r = use_jwt ? plexlink_client_wait_for_jwt(client, pin, key, &options, &jwt)
                : plexlink_client_wait_for_token(client, pin, &options, &token);
    printf("\n");
    if (r != PLEXLINK_RESULT_OK) {
        fail("waiting for the sign-in", r);
        goto out;
    }
    /* The token is a secret: a real player stores it safely and never prints it. */
    if (use_jwt) {
        /* Verified already. It lives for days: refresh it (plexlink_client_refresh_jwt with the
           same key) when plexlink_jwt_needs_refresh says so. */
        account_token = plexlink_jwt_token(jwt);
        printf("Signed in as %s with a Plex JWT, valid for %lld more days.\n", plexlink_jwt_username(jwt),
               (long long)((plexlink_jwt_expires_at(jwt) - (long long)time(NULL)) / 86400));
    } else {
        account_token = token;
        printf("Signed in.\n");
    }

    /* 3. The servers, and the best working connection of each. The account's token (or JWT)
       goes to plex.tv only: a connection to a server uses that server's own access token. */
    if ((r = plexlink_client_servers(client, account_token, &servers)) != PLEXLINK_RESULT_OK) {
        fail("listing servers", r);
        goto out;
    }
    printf("%zu server(s):\n", plexlink_device_list_len(servers));
    for (i = 0; i < plexlink_device_list_len(servers); i++) {
        const plexlink_device *server = plexlink_device_list_get(servers, i);
        plexlink_connect_result *connected = NULL;
        printf("  %s (%s)\n", plexlink_device_name(server), plexlink_device_owned(server) ? "owned" : "shared");
        r = plexlink_client_connect(client, server, &connected);
        if (r != PLEXLINK_RESULT_OK) {
            char message[512];
            size_t n = 0;
            plexlink_connect_result *lost = NULL;
            plexlink_last_error_message(message, sizeof message, &n);
            printf("    no connection: %s\n", message);
            /* After PLEXLINK_RESULT_NO_CONNECTION: what became of each connection. */
            if (plexlink_last_error_connect_result(&lost) == PLEXLINK_RESULT_OK) {
                size_t c;
                for (c = 0; c < plexlink_connect_result_candidates_len(lost); c++) {
                    const plexlink_candidate *candidate = plexlink_connect_result_candidate_get(lost, c);
                    printf("      %s: %s\n", plexlink_candidate_uri(candidate),
                           plexlink_candidate_description(candidate));
                }
                plexlink_connect_result_free(lost);
            }
            continue;
        }
        printf("    server URL: %s (chosen in %llu ms among %zu candidates)\n", plexlink_connect_result_uri(connected),
               (unsigned long long)plexlink_connect_result_elapsed_ms(connected),
               plexlink_connect_result_candidates_len(connected));
        plexlink_connect_result_free(connected);
    }
    status = 0;

out:
    plexlink_device_list_free(servers);
    plexlink_string_free(token);
    plexlink_jwt_free(jwt);
    plexlink_device_key_free(key);
    plexlink_string_free(link);
    plexlink_pin_free(pin);
    plexlink_client_free(client);
    plexlink_client_config_free(config);
    return status;
}
