#include "gateway/websocket.hpp"

#include <boost/asio/post.hpp>

#include "common/log.hpp"

namespace ik::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

WebSocketConnection::WebSocketConnection(beast::tcp_stream stream, WebSocketOptions options)
    : ws_(std::move(stream)), options_(options) {}

WebSocketConnection::~WebSocketConnection() = default;

void WebSocketConnection::Accept(beast::http::request<beast::http::string_body> request) {
    beast::get_lowest_layer(ws_).expires_never();
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeouts.idle_timeout = std::chrono::milliseconds(options_.idle_timeout_ms);
    timeouts.keep_alive_pings = true;
    // A peer that never answers our close frame (or never finishes the handshake) must not hold a shutdown.
    timeouts.handshake_timeout = std::chrono::seconds(2);
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(beast::http::field::server, "investking"); }));
    ws_.read_message_max(options_.max_message_bytes);
    auto req = std::make_shared<beast::http::request<beast::http::string_body>>(std::move(request));
    ws_.async_accept(*req, [self = shared_from_this(), req](beast::error_code ec) {
        if (ec) {
            self->Finish();
            return;
        }
        self->open_ = true;
        self->Read();
        // Messages queued before the handshake finished go out now.
        std::lock_guard lock(self->mutex_);
        if (!self->writing_ && (!self->queue_.empty() || self->closing_)) {
            self->writing_ = true;
            asio::post(self->ws_.get_executor(), [self] { self->WriteNext(); });
        }
    });
}

void WebSocketConnection::Read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec) {
            self->Finish();
            return;
        }
        const bool binary = self->ws_.got_binary();
        std::string payload = beast::buffers_to_string(self->buffer_.data());
        self->buffer_.consume(self->buffer_.size());
        if (self->on_message_) {
            try {
                self->on_message_(payload, binary);
            } catch (const std::exception& e) {
                GetLogger("gateway")->error("event=websocket_handler_failed error=\"{}\"", e.what());
                self->Close(1011, "internal error");
            }
        }
        self->Read();
    });
}

bool WebSocketConnection::Send(std::string payload, bool binary) {
    OverflowHandler overflowed;
    {
        std::lock_guard lock(mutex_);
        if (closing_ || finished_.load()) return false;
        if (queued_bytes_ + payload.size() <= options_.max_queued_bytes) {
            queued_bytes_ += payload.size();
            queue_.push_back({std::move(payload), binary});
            if (!writing_ && open_.load()) {
                writing_ = true;
                asio::post(ws_.get_executor(), [self = shared_from_this()] { self->WriteNext(); });
            }
            return true;
        }
        // A slow reader: drop what waits (not the frame being written) and close after it.
        const std::size_t keep = writing_ && !queue_.empty() ? 1 : 0;
        while (queue_.size() > keep) {
            queued_bytes_ -= queue_.back().payload.size();
            queue_.pop_back();
        }
        closing_ = true;
        close_code_ = 1008;
        close_reason_ = "slow client";
        if (!writing_ && open_.load()) {
            writing_ = true;
            asio::post(ws_.get_executor(), [self = shared_from_this()] { self->WriteNext(); });
        }
        overflowed = on_overflow_;
    }
    // Outside the lock: the handler may look at the connection (it cannot send any more).
    if (overflowed) overflowed();
    return false;
}

void WebSocketConnection::WriteNext() {
    std::unique_lock lock(mutex_);
    if (finished_.load()) {
        writing_ = false;
        return;
    }
    if (queue_.empty()) {
        if (!closing_) {
            writing_ = false;
            return;
        }
        websocket::close_reason reason(static_cast<websocket::close_code>(close_code_), close_reason_);
        lock.unlock();
        ws_.async_close(reason, [self = shared_from_this()](beast::error_code) { self->Finish(); });
        return;
    }
    Outbound& front = queue_.front();
    ws_.binary(front.binary);
    auto buffer = asio::buffer(front.payload);
    lock.unlock();
    ws_.async_write(buffer, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        {
            std::lock_guard l(self->mutex_);
            self->queued_bytes_ -= self->queue_.front().payload.size();
            self->queue_.pop_front();
        }
        if (ec) {
            self->Finish();
            return;
        }
        self->WriteNext();
    });
}

void WebSocketConnection::Close(std::uint16_t code, std::string reason) {
    std::lock_guard lock(mutex_);
    if (closing_ || finished_.load()) return;
    closing_ = true;
    close_code_ = code;
    close_reason_ = std::move(reason);
    // Before the handshake completes, Accept()'s completion sends what is queued and then closes (the
    // handshake itself times out after 2 s).
    if (!writing_ && open_.load()) {
        writing_ = true;
        asio::post(ws_.get_executor(), [self = shared_from_this()] { self->WriteNext(); });
    }
}

void WebSocketConnection::SetMaxQueuedBytes(std::size_t bytes) {
    std::lock_guard lock(mutex_);
    options_.max_queued_bytes = bytes;
}

std::size_t WebSocketConnection::queued_bytes() const {
    std::lock_guard lock(mutex_);
    return queued_bytes_;
}

void WebSocketConnection::Finish() {
    open_ = false;
    if (finished_.exchange(true)) return;
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).socket().close(ignored);
    if (on_close_) on_close_();
    // Break reference cycles through handlers that captured this connection.
    on_message_ = nullptr;
    on_close_ = nullptr;
    std::lock_guard lock(mutex_);  // Send() reads on_overflow_ from other threads under this lock
    on_overflow_ = nullptr;
}

}  // namespace ik::gateway
