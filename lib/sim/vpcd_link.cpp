#include "mynaq/sim/vpcd_link.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "mynaq/error.hpp"

namespace mynaq::sim {
namespace {

// How often the serving thread looks at its stop token while vpcd is quiet.
constexpr int kPollMillis = 50;
constexpr auto kConnectRetryInterval = std::chrono::milliseconds(100);

// vpcd control messages (one-byte payloads), vsmartcard docs api.txt.
constexpr std::uint8_t kPowerOff = 0x00;
constexpr std::uint8_t kPowerOn = 0x01;
constexpr std::uint8_t kReset = 0x02;
constexpr std::uint8_t kGetAtr = 0x04;

class Socket {
public:
    Socket() = default;
    explicit Socket(int fd) : fd_(fd) {}
    Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Socket& operator=(Socket&& other) noexcept {
        if (this != &other) {
            close();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    ~Socket() { close(); }

    [[nodiscard]] int fd() const { return fd_; }
    [[nodiscard]] bool valid() const { return fd_ >= 0; }
    void close() {
        if (fd_ >= 0) ::close(std::exchange(fd_, -1));
    }

private:
    int fd_ = -1;
};

void set_int_option(int fd, int level, int name, int value) {
    // Best effort: a socket without these options still works, only slower.
    (void)::setsockopt(fd, level, name, &value, sizeof value);
}

// ifd-vpcd writes the length and the APDU in two send() calls; with Nagle on its side and
// delayed ACKs on ours that costs ~40 ms per APDU (engineering.md §B6). The kernel clears
// TCP_QUICKACK again after a while, so it is re-armed before every recv().
void arm_quickack(int fd) {
    set_int_option(fd, IPPROTO_TCP, TCP_QUICKACK, 1);
}

Socket try_connect(const std::string& host, std::uint16_t port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* raw = nullptr;
    const std::string service = std::to_string(port);
    if (::getaddrinfo(host.c_str(), service.c_str(), &hints, &raw) != 0) return {};
    const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(raw, &::freeaddrinfo);
    for (const addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
        Socket s(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
        if (!s.valid()) continue;
        // Linux applies SO_SNDTIMEO to connect(), which bounds a connect to a dead host.
        timeval timeout{1, 0};
        (void)::setsockopt(s.fd(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
        if (::connect(s.fd(), ai->ai_addr, ai->ai_addrlen) == 0) {
            timeout = {0, 0};
            (void)::setsockopt(s.fd(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
            set_int_option(s.fd(), IPPROTO_TCP, TCP_NODELAY, 1);
            return s;
        }
    }
    return {};
}

bool send_all(int fd, ByteView data) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

// One vpcd frame: 2-byte big-endian length and the payload, sent in one call.
bool send_frame(int fd, ByteView payload) {
    if (payload.size() > 0xFFFF) return false;
    Bytes frame{static_cast<std::uint8_t>(payload.size() >> 8),
                static_cast<std::uint8_t>(payload.size() & 0xFF)};
    frame.insert(frame.end(), payload.begin(), payload.end());
    return send_all(fd, frame);
}

}  // namespace

struct VpcdLink::Impl {
    VirtualCard& card;
    std::string host;
    std::uint16_t port;
    Faults faults;
    std::chrono::milliseconds connect_timeout{5000};

    std::mutex control;  // serialises start() and stop()
    std::jthread thread;
    std::atomic<bool> active{false};
    std::atomic<std::size_t> apdus{0};

    std::mutex done_mutex;
    std::condition_variable done_cv;
    bool done = true;

    Impl(VirtualCard& c, std::string h, std::uint16_t p, Faults f)
        : card(c), host(std::move(h)), port(p), faults(f) {}

    void serve(const std::stop_token& stop, Socket socket);
    // false: end the link (close the socket).
    bool handle(const std::stop_token& stop, int fd, const Bytes& payload);
    void finish() {
        active = false;
        {
            const std::lock_guard lock(done_mutex);
            done = true;
        }
        done_cv.notify_all();
    }
};

void VpcdLink::Impl::serve(const std::stop_token& stop, Socket socket) {
    const int fd = socket.fd();
    Bytes buffer;
    std::array<std::uint8_t, 4096> chunk{};
    while (!stop.stop_requested()) {
        pollfd p{fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, kPollMillis);
        if (ready < 0 && errno != EINTR) return;
        if (ready <= 0) continue;
        arm_quickack(fd);
        const ssize_t n = ::recv(fd, chunk.data(), chunk.size(), 0);
        if (n == 0) return;  // vpcd went away
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return;
        }
        buffer.insert(buffer.end(), chunk.begin(), chunk.begin() + n);
        while (buffer.size() >= 2) {
            const std::size_t length = static_cast<std::size_t>(buffer[0]) << 8 | buffer[1];
            if (buffer.size() < 2 + length) break;
            const Bytes payload(buffer.begin() + 2,
                                buffer.begin() + 2 + static_cast<std::ptrdiff_t>(length));
            buffer.erase(buffer.begin(), buffer.begin() + 2 + static_cast<std::ptrdiff_t>(length));
            if (!handle(stop, fd, payload)) return;
        }
    }
}

bool VpcdLink::Impl::handle(const std::stop_token& stop, int fd, const Bytes& payload) {
    if (payload.empty()) return true;
    if (payload.size() == 1) {
        switch (payload[0]) {
            case kPowerOff:
            case kPowerOn:
            case kReset:
                card.power_off();
                return true;  // every one starts a fresh session
            case kGetAtr:
                return send_frame(fd, card.atr());
            default:
                return true;  // unknown control byte: vpcd expects no answer
        }
    }

    const std::size_t count = ++apdus;
    if (faults.remove_after &&
        count > static_cast<std::size_t>(std::max(0, *faults.remove_after))) {
        return false;
    }
    if (faults.stop_answering_after &&
        count > static_cast<std::size_t>(std::max(0, *faults.stop_answering_after))) {
        return true;
    }
    if (faults.delay.count() > 0) {
        // Interruptible, so stop() does not wait for a long fault delay.
        std::mutex m;
        std::condition_variable_any cv;
        std::unique_lock lock(m);
        cv.wait_for(lock, stop, faults.delay, [] { return false; });
        if (stop.stop_requested()) return false;
    }
    return send_frame(fd, card.process(payload));
}

VpcdLink::VpcdLink(VirtualCard& card, std::string host, std::uint16_t port, Faults faults)
    : impl_(std::make_unique<Impl>(card, std::move(host), port, faults)) {}

VpcdLink::~VpcdLink() {
    stop();
}

void VpcdLink::set_connect_timeout(std::chrono::milliseconds timeout) {
    const std::lock_guard lock(impl_->control);
    impl_->connect_timeout = timeout;
}

void VpcdLink::start() {
    const std::lock_guard lock(impl_->control);
    if (impl_->active) throw Error(Errc::Usage, "the vpcd link is already running");
    if (impl_->thread.joinable()) impl_->thread.join();  // a link that ended by itself

    // vpcd may still be starting (pcscd loads the driver lazily), so keep trying a while.
    const auto deadline = std::chrono::steady_clock::now() + impl_->connect_timeout;
    Socket socket;
    while (true) {
        socket = try_connect(impl_->host, impl_->port);
        if (socket.valid() || std::chrono::steady_clock::now() >= deadline) break;
        std::this_thread::sleep_for(kConnectRetryInterval);
    }
    if (!socket.valid()) {
        throw Error(Errc::PcscUnavailable,
                    fmt::format("vpcd is not listening on {}:{}", impl_->host, impl_->port),
                    {{"host", impl_->host}, {"port", std::to_string(impl_->port)}});
    }

    {
        const std::lock_guard done_lock(impl_->done_mutex);
        impl_->done = false;
    }
    impl_->apdus = 0;
    impl_->active = true;
    impl_->thread = std::jthread(
        [impl = impl_.get(), s = std::move(socket)](const std::stop_token& stop) mutable {
            impl->serve(stop, std::move(s));  // the socket closes when serve() returns
            impl->finish();
        });
}

void VpcdLink::stop() {
    const std::lock_guard lock(impl_->control);
    if (!impl_->thread.joinable()) return;
    impl_->thread.request_stop();
    if (impl_->thread.get_id() != std::this_thread::get_id()) impl_->thread.join();
}

bool VpcdLink::running() const {
    return impl_->active;
}

void VpcdLink::wait() {
    std::unique_lock lock(impl_->done_mutex);
    impl_->done_cv.wait(lock, [this] { return impl_->done; });
}

std::size_t VpcdLink::apdu_count() const {
    return impl_->apdus;
}

}  // namespace mynaq::sim
