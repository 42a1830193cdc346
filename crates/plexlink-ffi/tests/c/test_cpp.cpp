// The header from C++: it must compile cleanly with -Wall -Wextra -Werror -pedantic, and the
// library must be callable (enums are typed there, and the functions have C linkage).
#include <cstdio>
#include <cstring>
#include <string>

#include "plexlink.h"

int main(int argc, char **argv) {
    const char *url = argc > 1 ? argv[1] : "http://127.0.0.1:1/";
    std::string version = std::to_string(PLEXLINK_VERSION_MAJOR) + "." + std::to_string(PLEXLINK_VERSION_MINOR) + "." +
                          std::to_string(PLEXLINK_VERSION_PATCH);
    if (version != plexlink_version()) return 1;

    plexlink_client_config_builder *builder = nullptr;
    const plexlink_client_config *config = nullptr;
    const plexlink_client *client = nullptr;
    if (plexlink_client_config_builder_new("plexlink C++ test", "cpp-test", &builder) != PLEXLINK_RESULT_OK) return 2;
    if (plexlink_client_config_builder_set_plex_url(builder, url) != PLEXLINK_RESULT_OK) return 3;
    if (plexlink_client_config_builder_build(builder, &config) != PLEXLINK_RESULT_OK) return 4;
    if (plexlink_client_new(config, &client) != PLEXLINK_RESULT_OK) return 5;

    char *link = nullptr;
    plexlink_result r = plexlink_client_link_url(client, &link);
    if (r != PLEXLINK_RESULT_OK || std::strstr(link, "link") == nullptr) return 6;
    plexlink_string_free(link);

    plexlink_pin *pin = nullptr;
    r = plexlink_client_create_pin(client, false, &pin);
    if (r != PLEXLINK_RESULT_OK || std::strlen(plexlink_pin_code(pin)) != 4) return 7;
    plexlink_pin_free(pin);

    plexlink_wait_options options = plexlink_wait_options_default();
    plexlink_race_policy policy = plexlink_race_policy_default();
    if (options.cancel != nullptr || policy.probe_timeout_ms == 0) return 8;
    if (std::strcmp(plexlink_result_str(PLEXLINK_RESULT_OK), "ok") != 0) return 9;

    plexlink_client_free(client);
    plexlink_client_config_free(config);
    std::printf("test_cpp: ok\n");
    return 0;
}
