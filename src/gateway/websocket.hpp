#pragma once
// One accepted WebSocket connection. Messages are sent through a bounded outbound queue: when a client reads
// too slowly and the queue passes its limit, the waiting messages are dropped, `on_overflow` is told and the
// connection closes, so a slow client never stalls the server (a last error message must be queued by the
// caller before the limit is reached). Send() and Close() are thread-safe;
// handlers run on the connection's strand, one at a time.
#include <atomic>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace ik::gateway {

struct WebSocketOptions {
    std::size_t max_message_bytes = 64 * 1024;      // inbound; larger frames close the connection
    std::size_t max_queued_bytes = 4 * 1024 * 1024;  // outbound backlog before the client counts as slow
    int idle_timeout_ms = 60'000;
};

class WebSocketConnection final : public std::enable_shared_from_this<WebSocketConnection> {
public:
    using MessageHandler = std::function<void(const std::string& payload, bool binary)>;
    using CloseHandler = std::function<void()>;
    using OverflowHandler = std::function<void()>;

    WebSocketConnection(boost::beast::tcp_stream stream, WebSocketOptions options);
    ~WebSocketConnection();

    // Completes the handshake for `request`, then starts reading. Handlers must be set before.
    void Accept(boost::beast::http::request<boost::beast::http::string_body> request);

    void OnMessage(MessageHandler h) { on_message_ = std::move(h); }
    void OnClose(CloseHandler h) { on_close_ = std::move(h); }
    void OnOverflow(OverflowHandler h) { on_overflow_ = std::move(h); }
    // Overrides options.max_queued_bytes: the server builds every connection with default options, and a route
    // handler that knows its stream's budget sets it here, before Accept().
    void SetMaxQueuedBytes(std::size_t bytes);

    // Queues a message; false when the connection is closing or the queue overflowed.
    bool Send(std::string payload, bool binary);
    // Sends a close frame after the queued messages and ends the connection.
    void Close(std::uint16_t code = 1000, std::string reason = {});
    bool open() const { return open_.load(); }
    std::size_t queued_bytes() const;

private:
    void Read();
    void WriteNext();
    void Finish();

    boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
    WebSocketOptions options_;
    boost::beast::flat_buffer buffer_;
    MessageHandler on_message_;
    CloseHandler on_close_;
    OverflowHandler on_overflow_;
    std::atomic<bool> open_{false};
    std::atomic<bool> finished_{false};

    mutable std::mutex mutex_;  // guards the queue below
    struct Outbound {
        std::string payload;
        bool binary = false;
    };
    std::deque<Outbound> queue_;
    std::size_t queued_bytes_ = 0;
    bool writing_ = false;
    bool closing_ = false;
    std::uint16_t close_code_ = 1000;
    std::string close_reason_;
};

}  // namespace ik::gateway
