#pragma once
// The WebSocket streams, in Alpaca's protocols: trade updates (and price-alert notifications) on /stream
// (authenticate/listen, JSON) and
// market data on /v2/{feed} (/v2/iex, /v2/sip, /v2/test: auth/subscribe with trades, quotes and bars, JSON or
// msgpack as the client's handshake Content-Type asks). Fed with every durable batch through Publish(), which
// never blocks on a client: each connection has a bounded outbound queue, and a client that falls behind is
// sent Alpaca's "slow client" error and dropped. Thread-safe; Register() before the server starts.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "common/error.hpp"
#include "gateway/backend.hpp"
#include "gateway/http_server.hpp"
#include "market/symbols.hpp"
#include "storage/store.hpp"

namespace ik::gateway {

struct StreamOptions {
    std::size_t max_queued_bytes = 4 * 1024 * 1024;  // per connection, before it counts as a slow client
    int auth_timeout_ms = 10'000;                    // unauthenticated connections are closed after this
    std::size_t max_connections_per_user = 5;        // per stream kind; more get error 406
    std::size_t max_symbols = 1'000;                 // per data connection and channel; more get error 405
};

struct StreamStats {
    std::uint64_t trade_connections = 0;   // open now
    std::uint64_t data_connections = 0;    // open now
    std::uint64_t messages_sent = 0;       // since start
    std::uint64_t slow_client_drops = 0;   // since start
};

// A new in-app notification of a price alert and its user's unread count with it.
struct PushedNotification {
    storage::NotificationRecord notification;
    std::int64_t unread = 0;
};

// Checks API credentials (APCA key id and secret) or a bearer access token (the web UI).
using KeyAuthenticator = std::function<Result<Principal>(const std::string& key_id, const std::string& secret)>;
using TokenAuthenticator = std::function<Result<Principal>(const std::string& access_token)>;

class StreamHub final {
public:
    StreamHub(StreamOptions options, const market::Universe& universe, KeyAuthenticator keys, TokenAuthenticator tokens);
    ~StreamHub();
    StreamHub(const StreamHub&) = delete;
    StreamHub& operator=(const StreamHub&) = delete;

    void Register(HttpServer& server);
    // A durable batch: order events become trade updates for their account, ticks become trades and quotes,
    // completed minute bars become bars. Cheap when nobody listens.
    void Publish(const storage::WriteBatch& batch);
    // Pushes each notification to its user's trade-stream connections that listen to "notifications" (an
    // addition to Alpaca's protocol: {"stream":"notifications","data":{id, alert_id, symbol, price, message,
    // created_at, read, unread}}). Cheap when nobody listens.
    void PublishNotifications(std::span<const PushedNotification> notes);
    StreamStats stats() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ik::gateway
