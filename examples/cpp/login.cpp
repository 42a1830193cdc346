// login (C++17): sign in to Plex with a PIN, list the servers, connect to each, print its URL;
// the C handles held by the RAII wrappers of plexlink.hpp.
//
//     cmake -S examples/cpp -B build && cmake --build build     # find_package(plexlink)
//     meson setup build examples/cpp && meson compile -C build  # dependency('plexlink'), pkg-config
//     ./build/login_cpp                                         # the real plex.tv
//     ./build/login_cpp http://127.0.0.1:PORT/                  # the emulator
//
// The PIN id is printed on a line of its own, so that a test can approve the PIN through the
// emulator's control API.
#include <cstdlib>
#include <exception>
#include <iostream>

#include "plexlink.hpp"

namespace {

// Called on this thread after each check that found the PIN not yet approved. It must not
// throw: the library's C frames are between it and main.
void on_progress(void *, const plexlink_wait_progress *) noexcept { std::cout << '.' << std::flush; }

}  // namespace

int main(int argc, char **argv) {
    try {
        std::cout << "plexlink " << plexlink_version() << '\n';
        // Make the identifier once per installation and keep it: plex.tv lists each new one as
        // a new device. A real player stores a random UUID in its settings.
        plexlink::client client({"plexlink C++ example", "plexlink-cpp-example-7c21e9a4", "plexlink example",
                                 argc > 1 ? argv[1] : ""});

        // 1. A PIN, and where to enter it.
        const plexlink::pin pin = client.create_pin();
        std::cout << "Open " << client.link_url().get() << " and enter the code " << pin.code() << '\n';
        std::cout << "PIN id: " << pin.id() << std::endl;  // flushed: a test waits for this line
        std::cout << "Waiting" << std::flush;

        // 2. Wait until the person approves it (the PIN expires after 15 minutes).
        plexlink_wait_options options = plexlink_wait_options_default();
        options.on_progress = on_progress;
        if (std::getenv("PLEXLINK_EXAMPLE_FAST") != nullptr) options.interval_ms = 200;  // for the tests
        // The token is a secret: a real player stores it safely and never prints it.
        const plexlink::owned_string token = client.wait_for_token(pin, options);
        std::cout << "\nSigned in.\n";

        // 3. The servers, and the best working connection of each (its own token, not the
        // account's, goes to each server).
        const plexlink::device_list servers = client.servers(token);
        std::cout << servers.size() << " server(s):\n";
        for (std::size_t i = 0; i < servers.size(); ++i) {
            const plexlink::device_view server = servers[i];
            std::cout << "  " << server.name() << " (" << (server.owned() ? "owned" : "shared") << ")\n";
            try {
                const plexlink::connection connected = client.connect(server);
                std::cout << "    server URL: " << connected.uri() << " (chosen in " << connected.elapsed_ms()
                          << " ms among " << connected.candidates() << " candidates)\n";
            } catch (const plexlink::error &e) {
                // One server out of reach is no reason to stop listing the others.
                std::cout << "    no connection: " << e.what() << '\n';
            }
        }
        return 0;
    } catch (const plexlink::error &e) {
        std::cerr << "\nlogin: " << e.what() << '\n';
    } catch (const std::exception &e) {
        std::cerr << "\nlogin: " << e.what() << '\n';
    }
    return 1;
}
