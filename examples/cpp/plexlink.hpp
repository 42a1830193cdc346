// RAII wrappers around plexlink's C handles, for C++17: each handle lives in a std::unique_ptr
// whose deleter is the library's own `_free`, so every handle is freed exactly once, on every
// path, exceptions included; failures become plexlink::error with the library's message.
//
// Only what examples/cpp/login.cpp uses is wrapped. The C functions stay callable on `.get()`,
// so a program can wrap more as it needs them. Lent things (a device of a list, a string of a
// handle) are views that must not outlive the handle that lends them, as in C.
#ifndef PLEXLINK_EXAMPLE_HPP
#define PLEXLINK_EXAMPLE_HPP

#include <plexlink.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace plexlink {

// A failed call: its result code, and a message with the library's full text.
class error : public std::runtime_error {
public:
    error(plexlink_result code, const std::string &message) : std::runtime_error(message), code_(code) {}
    [[nodiscard]] plexlink_result code() const noexcept { return code_; }

private:
    plexlink_result code_;
};

namespace detail {

// A deleter per free function (C++17's auto template parameter): the free functions accept
// NULL, and some take `const T *` (shareable handles), others `T *`.
template <auto Free>
struct deleter {
    template <typename T>
    void operator()(T *handle) const noexcept {
        Free(handle);
    }
};

template <typename T, auto Free>
using handle = std::unique_ptr<T, deleter<Free>>;

// The calling thread's last error. Read right after the call that failed: the next failing
// call on this thread replaces it.
inline std::string last_error() {
    std::string text(256, '\0');
    std::size_t n = 0;
    while (plexlink_last_error_message(text.data(), text.size(), &n) == PLEXLINK_RESULT_INSUFFICIENT_SIZE) {
        text.resize(text.size() * 2);
    }
    text.resize(n);
    return text;
}

inline void check(plexlink_result result, const char *what) {
    if (result != PLEXLINK_RESULT_OK) {
        throw error(result, std::string(what) + " failed: " + plexlink_result_str(result) + " (" + last_error() + ")");
    }
}

}  // namespace detail

// A string the library made for the caller (a URL, a token). Tokens are secrets: this keeps
// them in the library's allocation, freed once, rather than copying them into std::strings.
using owned_string = detail::handle<char, plexlink_string_free>;

class pin {
public:
    explicit pin(plexlink_pin *raw) : pin_(raw) {}
    [[nodiscard]] std::uint64_t id() const noexcept { return plexlink_pin_id(pin_.get()); }
    [[nodiscard]] std::string_view code() const noexcept { return plexlink_pin_code(pin_.get()); }
    [[nodiscard]] const plexlink_pin *get() const noexcept { return pin_.get(); }

private:
    detail::handle<plexlink_pin, plexlink_pin_free> pin_;
};

// A device lent by its device_list: valid while the list lives.
class device_view {
public:
    explicit device_view(const plexlink_device *raw) noexcept : device_(raw) {}
    [[nodiscard]] std::string_view name() const noexcept { return plexlink_device_name(device_); }
    [[nodiscard]] bool owned() const noexcept { return plexlink_device_owned(device_); }
    [[nodiscard]] const plexlink_device *get() const noexcept { return device_; }

private:
    const plexlink_device *device_;
};

class device_list {
public:
    explicit device_list(plexlink_device_list *raw) : list_(raw) {}
    [[nodiscard]] std::size_t size() const noexcept { return plexlink_device_list_len(list_.get()); }
    [[nodiscard]] device_view operator[](std::size_t index) const noexcept {
        return device_view(plexlink_device_list_get(list_.get(), index));
    }

private:
    detail::handle<plexlink_device_list, plexlink_device_list_free> list_;
};

// The connection a race chose for a server.
class connection {
public:
    explicit connection(plexlink_connect_result *raw) : result_(raw) {}
    [[nodiscard]] std::string_view uri() const noexcept { return plexlink_connect_result_uri(result_.get()); }
    [[nodiscard]] std::uint64_t elapsed_ms() const noexcept { return plexlink_connect_result_elapsed_ms(result_.get()); }
    [[nodiscard]] std::size_t candidates() const noexcept { return plexlink_connect_result_candidates_len(result_.get()); }

private:
    detail::handle<plexlink_connect_result, plexlink_connect_result_free> result_;
};

// The blocking client (plexlink_client_*): one Plex call per method, returning when done.
// Thread-safe, like the C handle.
class client {
public:
    struct options {
        std::string product;
        std::string client_identifier;  // made once per installation and kept
        std::string device_name;        // empty: the library's default
        std::string plex_url;           // empty: the real plex.tv
    };

    explicit client(const options &o) {
        plexlink_client_config_builder *raw_builder = nullptr;
        detail::check(plexlink_client_config_builder_new(o.product.c_str(), o.client_identifier.c_str(), &raw_builder),
                      "configuration");
        detail::handle<plexlink_client_config_builder, plexlink_client_config_builder_free> builder(raw_builder);
        if (!o.device_name.empty()) {
            detail::check(plexlink_client_config_builder_set_device_name(builder.get(), o.device_name.c_str()),
                          "device name");
        }
        if (!o.plex_url.empty()) {
            detail::check(plexlink_client_config_builder_set_plex_url(builder.get(), o.plex_url.c_str()), "plex.tv URL");
        }
        const plexlink_client_config *raw_config = nullptr;
        detail::check(plexlink_client_config_builder_build(builder.get(), &raw_config), "configuration");
        builder.release();  // a successful build consumed (freed) the builder
        config_.reset(raw_config);
        const plexlink_client *raw_client = nullptr;
        detail::check(plexlink_client_new(config_.get(), &raw_client), "client");
        client_.reset(raw_client);
    }

    [[nodiscard]] pin create_pin(bool strong = false) const {
        plexlink_pin *raw = nullptr;
        detail::check(plexlink_client_create_pin(client_.get(), strong, &raw), "creating a PIN");
        return pin(raw);
    }

    [[nodiscard]] owned_string link_url() const {
        char *raw = nullptr;
        detail::check(plexlink_client_link_url(client_.get(), &raw), "link URL");
        return owned_string(raw);
    }

    // Blocks until the person approved the PIN (or it expired, or options.cancel was
    // cancelled); options.on_progress runs on this thread between checks.
    [[nodiscard]] owned_string wait_for_token(const pin &p, const plexlink_wait_options &options) const {
        char *raw = nullptr;
        detail::check(plexlink_client_wait_for_token(client_.get(), p.get(), &options, &raw), "waiting for the sign-in");
        return owned_string(raw);
    }

    [[nodiscard]] device_list servers(const owned_string &token) const {
        plexlink_device_list *raw = nullptr;
        detail::check(plexlink_client_servers(client_.get(), token.get(), &raw), "listing servers");
        return device_list(raw);
    }

    [[nodiscard]] connection connect(device_view server) const {
        plexlink_connect_result *raw = nullptr;
        detail::check(plexlink_client_connect(client_.get(), server.get(), &raw), "connecting");
        return connection(raw);
    }

    [[nodiscard]] const plexlink_client *get() const noexcept { return client_.get(); }

private:
    // Declared in this order so that the client is freed before its configuration.
    detail::handle<const plexlink_client_config, plexlink_client_config_free> config_;
    detail::handle<const plexlink_client, plexlink_client_free> client_;
};

}  // namespace plexlink

#endif  // PLEXLINK_EXAMPLE_HPP
