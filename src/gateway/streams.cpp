#include "gateway/streams.hpp"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/log.hpp"
#include "common/thread_name.hpp"
#include "common/time.hpp"
#include "gateway/alpaca_json.hpp"
#include "gateway/api_support.hpp"
#include "gateway/msgpack.hpp"
#include "gateway/websocket.hpp"

namespace ik::gateway {

namespace {

namespace asio = boost::asio;
namespace json = boost::json;

// Alpaca's market-data stream error codes (docs "Real-time stock data", Go SDK marketdata/stream/errors.go).
constexpr int kInvalidSyntax = 400;
constexpr int kNotAuthenticated = 401;
constexpr int kAuthFailed = 402;
constexpr int kAlreadyAuthenticated = 403;
constexpr int kAuthTimeout = 404;
constexpr int kSymbolLimit = 405;
constexpr int kConnectionLimit = 406;
constexpr int kSlowClient = 407;
constexpr int kInsufficientSubscription = 409;
constexpr int kInternalError = 500;

std::string_view DataErrorText(int code) {
    switch (code) {
        case kInvalidSyntax: return "invalid syntax";
        case kNotAuthenticated: return "not authenticated";
        case kAuthFailed: return "auth failed";
        case kAlreadyAuthenticated: return "already authenticated";
        case kAuthTimeout: return "auth timeout";
        case kSymbolLimit: return "symbol limit exceeded";
        case kConnectionLimit: return "connection limit exceeded";
        case kSlowClient: return "slow client";
        case kInsufficientSubscription: return "insufficient subscription";
        default: return "internal error";
    }
}

// WebSocket close code for policy violations (auth failures, limits, slow clients).
constexpr std::uint16_t kClosePolicy = 1008;

// alpaca-py refuses messages above 1 MiB, so a big batch goes out as several arrays of at most about this size.
constexpr std::size_t kMaxFrameBytes = 512 * 1024;
// The hub stops queueing data at StreamOptions::max_queued_bytes; the connection's own limit sits this much
// higher, so that the slow-client error and replies racing with a batch still fit behind the data.
constexpr std::size_t kControlReserve = 64 * 1024;
// Subscribed symbols are echoed in every subscription reply; longer names are not symbols.
constexpr std::size_t kMaxSymbolBytes = 32;

constexpr std::string_view kTradeUpdates = "trade_updates";
constexpr std::string_view kNotifications = "notifications";

bool IsKnownFeed(std::string_view feed) {
    return feed == "iex" || feed == "sip" || feed == "test" || feed == "delayed_sip";
}

bool WantsMsgpack(const std::string& content_type) {
    static constexpr std::string_view kMsgpack = "application/msgpack";
    if (content_type.size() < kMsgpack.size()) return false;
    for (std::size_t i = 0; i < kMsgpack.size(); ++i) {
        const char c = content_type[i];
        if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != kMsgpack[i]) return false;
    }
    return content_type.size() == kMsgpack.size() || content_type[kMsgpack.size()] == ';' ||
           content_type[kMsgpack.size()] == ' ';
}

struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// The symbols of one channel: "*" (every symbol) and named codes, kept in the order they were added because the
// subscription reply lists them.
struct SymbolSet {
    bool all = false;
    std::vector<std::string> codes;
    std::unordered_set<std::string, StringHash, std::equal_to<>> index;

    bool Wants(std::string_view code) const { return all || (!index.empty() && index.contains(code)); }
    bool empty() const { return !all && codes.empty(); }
    std::size_t size() const { return codes.size() + (all ? 1 : 0); }
    void Add(const std::string& s) {
        if (s == "*") {
            all = true;
        } else if (index.insert(s).second) {
            codes.push_back(s);
        }
    }
    void Remove(const std::string& s) {
        if (s == "*") {
            all = false;
        } else if (index.erase(s) > 0) {
            codes.erase(std::find(codes.begin(), codes.end(), s));
        }
    }
    json::array ToJson() const {
        json::array a;
        a.reserve(size());
        if (all) a.emplace_back("*");
        for (const auto& c : codes) a.emplace_back(c);
        return a;
    }
};

// A data connection's subscription. Immutable once published: a change builds a new one and swaps the pointer,
// so Publish() matches against a snapshot without holding the hub's lock.
struct Subscription {
    SymbolSet trades;
    SymbolSet quotes;
    SymbolSet bars;
    bool empty() const { return trades.empty() && quotes.empty() && bars.empty(); }
};

enum class StreamKind : std::uint8_t { kTrade, kData };

struct Client {
    Client(StreamKind k, bool mp, std::weak_ptr<WebSocketConnection> c) : kind(k), msgpack(mp), conn(std::move(c)) {}

    const StreamKind kind;
    const bool msgpack;  // data stream only: msgpack binary frames instead of JSON text
    // Weak, because the connection's handlers own this client: a strong pointer back would be a cycle.
    const std::weak_ptr<WebSocketConnection> conn;
    // Set once the client has been told it is too slow (or its queue overflowed); nothing more is queued.
    std::atomic<bool> dropped{false};

    // Guarded by Core::mutex.
    bool closed = false;
    bool authenticated = false;
    bool timed_out = false;  // the auth timeout fired; a late auth must not revive the connection
    bool counted = false;    // included in Core::interested
    std::int64_t user = 0;
    bool listening = false;                    // trade stream: listens to trade_updates
    bool notifications = false;                // trade stream: listens to notifications (price alerts)
    std::shared_ptr<const Subscription> subs;  // data stream; null = nothing
};

// Messages for one batch, each built at most once per format and only when some connection wants it.
class LazyPieces final {
public:
    explicit LazyPieces(std::size_t n) : json_(n), msgpack_(n) {}
    template <class Build>
    const std::string& Get(std::size_t i, bool msgpack, Build&& build) {
        auto& slot = msgpack ? msgpack_[i] : json_[i];
        if (!slot) slot = build(msgpack);
        return *slot;
    }

private:
    std::vector<std::optional<std::string>> json_;
    std::vector<std::optional<std::string>> msgpack_;
};

// Concatenates ready-made messages into arrays (JSON text or msgpack), starting a new array before one would
// pass `max_bytes`.
class FrameBuilder final {
public:
    FrameBuilder(bool msgpack, std::size_t max_bytes) : msgpack_(msgpack), max_bytes_(max_bytes) {}

    void Add(const std::string& piece) {
        if (count_ > 0 && body_.size() + piece.size() > max_bytes_) Flush();
        if (!msgpack_ && count_ > 0) body_ += ',';
        body_ += piece;
        ++count_;
    }
    std::vector<std::string> Finish() {
        Flush();
        return std::move(frames_);
    }

private:
    void Flush() {
        if (count_ == 0) return;
        std::string frame;
        if (msgpack_) {
            MsgpackWriter w;
            w.ArrayHeader(count_);
            frame = w.Take();
            frame.reserve(frame.size() + body_.size());
            frame += body_;
        } else {
            frame.reserve(body_.size() + 2);
            frame += '[';
            frame += body_;
            frame += ']';
        }
        frames_.push_back(std::move(frame));
        body_.clear();
        count_ = 0;
    }

    bool msgpack_;
    std::size_t max_bytes_;
    std::string body_;
    std::size_t count_ = 0;
    std::vector<std::string> frames_;
};

// Writes a map key and returns the writer for its value.
MsgpackWriter& Key(MsgpackWriter& w, std::string_view key) {
    w.Str(key);
    return w;
}

// A data-stream message: the REST shape of the trade, quote or bar with its type "T" and symbol "S" in front.
// In msgpack, "t" is written as the timestamp extension (alpaca-py drops messages whose times are strings).
std::string DataMessage(std::string_view type, const std::string& code, const json::object& body, Timestamp t,
                        bool msgpack) {
    if (msgpack) {
        MsgpackWriter w;
        w.MapHeader(body.size() + 2);
        Key(w, "T").Str(type);
        Key(w, "S").Str(code);
        for (const auto& kv : body) {
            Key(w, kv.key());
            if (kv.key() == "t") {
                w.Timestamp(t);
            } else {
                w.Value(kv.value());
            }
        }
        return w.Take();
    }
    json::object o;
    o.reserve(body.size() + 2);
    o["T"] = type;
    o["S"] = code;
    for (const auto& kv : body) o[kv.key()] = kv.value();
    return json::serialize(o);
}

std::string TradeMessage(const market::Tick& t, const std::string& code, bool msgpack) {
    return DataMessage("t", code, TradeToJson(t), t.ts, msgpack);
}

std::string QuoteMessage(const market::Tick& t, const std::string& code, bool msgpack) {
    return DataMessage("q", code, QuoteToJson(t), t.ts, msgpack);
}

std::string BarMessage(const market::Bar& b, const std::string& code, bool msgpack) {
    return DataMessage("b", code, BarToJson(b), b.start, msgpack);
}

std::optional<std::string_view> TradeEventName(const trading::Event& e) {
    using trading::EventType;
    switch (e.type) {
        case EventType::kOrderAccepted: return "new";
        case EventType::kOrderFilled: return e.order.status == trading::OrderStatus::kFilled ? "fill" : "partial_fill";
        case EventType::kOrderCanceled: return "canceled";
        case EventType::kOrderExpired: return "expired";
        case EventType::kOrderReplaced: return "replaced";
        case EventType::kOrderTriggered: return "triggered";
        case EventType::kOrderRereserved: return "restated";
        case EventType::kAccountOpened:
        case EventType::kDeposited: return std::nullopt;
    }
    return std::nullopt;
}

std::string TradeUpdateMessage(const trading::Event& e, std::string_view name, const market::Universe& universe) {
    json::object data;
    data["event"] = name;
    data["timestamp"] = FormatRfc3339(e.ts);
    data["order"] = OrderToJson(e.order, universe);
    if (e.type == trading::EventType::kOrderFilled && e.has_fill) {
        data["execution_id"] = IdToUuid(IdKind::kFill, e.fill.id);
        data["price"] = Str(e.fill.price);
        data["qty"] = Str(e.fill.qty);
        data["position_qty"] = Str(e.has_position ? e.position.qty : 0);
    }
    return json::serialize(json::object{{"stream", kTradeUpdates}, {"data", std::move(data)}});
}

json::value DataError(int code) {
    return json::array{json::object{{"T", "error"}, {"code", code}, {"msg", DataErrorText(code)}}};
}

json::value DataSuccess(std::string_view msg) { return json::array{json::object{{"T", "success"}, {"msg", msg}}}; }

// The trading stream's authorization reply; `message` only on failures.
json::value Authorization(bool ok, std::string_view action, std::string_view message = {}) {
    json::object data{{"status", ok ? "authorized" : "unauthorized"}, {"action", action}};
    if (!message.empty()) data["message"] = message;
    return json::object{{"stream", "authorization"}, {"data", std::move(data)}};
}

// Alpaca documents no error shape for the trading stream after authentication; this one carries the data
// stream's code and text, and alpaca-py ignores streams other than trade_updates.
json::value TradeError(int code) {
    return json::object{{"stream", "error"}, {"data", json::object{{"code", code}, {"message", DataErrorText(code)}}}};
}

// A credentials problem is the client's; a store that cannot answer is ours.
bool IsInternal(const Error& e) { return e.code == ErrorCode::kUnavailable || e.code == ErrorCode::kInternal; }

const json::string* StringField(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    return v != nullptr ? v->if_string() : nullptr;
}

struct BarTrack {
    std::optional<market::Bar> open;  // the newest minute seen, still being updated
    Timestamp emitted_start = 0;      // the newest minute already sent; later updates of it are ignored
    bool emitted = false;
};

// The state the connections' handlers and timers reach through weak pointers: a connection may outlive the hub,
// and then its handlers find nothing and do nothing.
struct StreamCore final : std::enable_shared_from_this<StreamCore> {
    StreamCore(StreamOptions o, const market::Universe& u, KeyAuthenticator k, TokenAuthenticator t)
        : options(o), universe(u), keys(std::move(k)), tokens(std::move(t)) {}

    const StreamOptions options;
    const market::Universe& universe;
    const KeyAuthenticator keys;
    const TokenAuthenticator tokens;

    // Auth timeouts and deferred closes run here, on the hub's own thread (owned by StreamHub::Impl).
    asio::io_context timers;

    // Guards `clients` and the mutable fields of every Client. Never held while calling into a connection: a
    // connection calls our handlers with its own lock held (OnOverflow) or from its strand.
    mutable std::mutex mutex;
    std::unordered_map<const Client*, std::shared_ptr<Client>> clients;

    std::atomic<std::uint64_t> trade_open{0};
    std::atomic<std::uint64_t> data_open{0};
    std::atomic<std::uint64_t> interested{0};  // listening trade clients plus subscribed data clients
    std::atomic<std::uint64_t> messages_sent{0};
    std::atomic<std::uint64_t> slow_drops{0};

    // Publish() state: it has one caller (the committer), and the lock only makes a second one safe.
    std::mutex publish_mutex;
    std::unordered_map<market::SymbolId, BarTrack> bar_tracks;
    Timestamp swept_minute = 0;

    // ---- connections ----

    void AttachTrade(const std::shared_ptr<WebSocketConnection>& conn) {
        Attach(conn, StreamKind::kTrade, false);
        // Nothing is sent before the auth reply: alpaca-py takes the first message it reads as that reply.
    }

    void AttachData(const std::shared_ptr<WebSocketConnection>& conn, const HttpRequest& req) {
        const bool msgpack = WantsMsgpack(req.Header("content-type"));
        if (!IsKnownFeed(req.Param("feed"))) {
            // Sent instead of "connected", so alpaca-py reports it and retries; the close follows it once the
            // handshake completes.
            conn->Send(Encode(DataError(kInsufficientSubscription), msgpack), msgpack);
            conn->Close(kClosePolicy, "insufficient subscription");
            return;
        }
        auto client = Attach(conn, StreamKind::kData, msgpack);
        Send(*client, Encode(DataSuccess("connected"), msgpack), msgpack);
    }

    std::shared_ptr<Client> Attach(const std::shared_ptr<WebSocketConnection>& conn, StreamKind kind, bool msgpack) {
        auto client = std::make_shared<Client>(kind, msgpack, conn);
        conn->SetMaxQueuedBytes(options.max_queued_bytes + kControlReserve);
        std::weak_ptr<StreamCore> weak = weak_from_this();
        conn->OnMessage([weak, client](const std::string& payload, bool binary) {
            if (auto core = weak.lock()) core->OnMessage(client, payload, binary);
        });
        conn->OnClose([weak, client] {
            if (auto core = weak.lock()) core->Detach(*client);
        });
        // Runs inside the connection's Send() with its lock held: atomics only, no Send (it would deadlock).
        conn->OnOverflow([weak, client] {
            if (client->dropped.exchange(true)) return;
            if (auto core = weak.lock()) core->slow_drops.fetch_add(1, std::memory_order_relaxed);
        });
        {
            std::lock_guard lock(mutex);
            clients.emplace(client.get(), client);
        }
        (kind == StreamKind::kTrade ? trade_open : data_open).fetch_add(1, std::memory_order_relaxed);
        ArmAuthTimeout(client);
        return client;
    }

    void Detach(Client& client) {
        {
            std::lock_guard lock(mutex);
            if (client.closed) return;
            client.closed = true;
            Recount(client);
            clients.erase(&client);
        }
        (client.kind == StreamKind::kTrade ? trade_open : data_open).fetch_sub(1, std::memory_order_relaxed);
    }

    // Keeps `interested` equal to the number of clients Publish() has anything for. Caller holds `mutex`.
    void Recount(Client& c) {
        const bool now =
            !c.closed && c.authenticated &&
            (c.kind == StreamKind::kTrade ? c.listening || c.notifications : c.subs != nullptr && !c.subs->empty());
        if (now == c.counted) return;
        c.counted = now;
        if (now) {
            interested.fetch_add(1, std::memory_order_release);
        } else {
            interested.fetch_sub(1, std::memory_order_release);
        }
    }

    void ArmAuthTimeout(const std::shared_ptr<Client>& client) {
        auto timer = std::make_shared<asio::steady_timer>(timers, std::chrono::milliseconds(options.auth_timeout_ms));
        std::weak_ptr<StreamCore> weak = weak_from_this();
        timer->async_wait([weak, client, timer](const boost::system::error_code& ec) {
            if (ec) return;
            if (auto core = weak.lock()) core->OnAuthTimeout(*client);
        });
    }

    void OnAuthTimeout(Client& client) {
        {
            std::lock_guard lock(mutex);
            if (client.closed || client.authenticated) return;
            client.timed_out = true;
        }
        if (client.kind == StreamKind::kData) {
            Fail(client, DataError(kAuthTimeout), "auth timeout");
        } else {
            Fail(client, Authorization(false, "authenticate", "auth timeout"), "auth timeout");
        }
    }

    // ---- sending ----

    std::string Encode(const json::value& v, bool msgpack) const {
        return msgpack ? EncodeMsgpack(v) : json::serialize(v);
    }

    bool Send(Client& client, std::string payload, bool binary) {
        auto conn = client.conn.lock();
        if (!conn || !conn->Send(std::move(payload), binary)) return false;
        messages_sent.fetch_add(1, std::memory_order_relaxed);
        return true;
    }

    void Reply(Client& client, const json::value& v) {
        const bool binary = client.kind == StreamKind::kData && client.msgpack;
        Send(client, Encode(v, binary), binary);
    }

    // A last message, then the close: the connection sends what it has queued before its close frame.
    void Fail(Client& client, const json::value& v, const std::string& reason) {
        Reply(client, v);
        if (auto conn = client.conn.lock()) conn->Close(kClosePolicy, reason);
    }

    // Queues a data or trade-update frame unless the client has fallen too far behind; then it is told so once
    // and dropped, and this never waits for it.
    bool SendOrDrop(Client& client, WebSocketConnection& conn, std::string payload, bool binary) {
        if (client.dropped.load(std::memory_order_relaxed)) return false;
        if (conn.queued_bytes() + payload.size() > options.max_queued_bytes) {
            if (!client.dropped.exchange(true)) {
                slow_drops.fetch_add(1, std::memory_order_relaxed);
                GetLogger("gateway")->warn("event=stream_slow_client kind={} queued_bytes={}",
                                           client.kind == StreamKind::kTrade ? "trade" : "data", conn.queued_bytes());
                const json::value error =
                    client.kind == StreamKind::kData ? DataError(kSlowClient) : TradeError(kSlowClient);
                const bool mp = client.kind == StreamKind::kData && client.msgpack;
                if (conn.Send(Encode(error, mp), mp)) messages_sent.fetch_add(1, std::memory_order_relaxed);
                conn.Close(kClosePolicy, "slow client");
            }
            return false;
        }
        if (!conn.Send(std::move(payload), binary)) return false;
        messages_sent.fetch_add(1, std::memory_order_relaxed);
        return true;
    }

    // ---- client messages ----

    void OnMessage(const std::shared_ptr<Client>& client, const std::string& payload, bool binary) {
        std::optional<json::value> msg;
        if (binary && client->msgpack) {
            if (auto decoded = DecodeMsgpack(payload)) msg = std::move(*decoded);
        } else {
            boost::system::error_code ec;
            json::value v = json::parse(payload, ec);
            if (!ec) msg = std::move(v);
        }
        if (client->kind == StreamKind::kTrade) {
            OnTradeMessage(*client, msg);
        } else {
            OnDataMessage(*client, msg);
        }
    }

    bool IsAuthenticated(const Client& client) const {
        std::lock_guard lock(mutex);
        return client.authenticated;
    }

    // Authenticates with key and secret, or with an access token; nullopt when the message carries neither.
    std::optional<Result<Principal>> Authenticate(const json::string* key, const json::string* secret,
                                                  const json::string* token) const {
        if (key != nullptr && secret != nullptr) {
            if (!keys) return Result<Principal>(MakeError(ErrorCode::kPermissionDenied, "no key authenticator"));
            return keys(std::string(*key), std::string(*secret));
        }
        if (token != nullptr) {
            if (!tokens) return Result<Principal>(MakeError(ErrorCode::kPermissionDenied, "no token authenticator"));
            return tokens(std::string(*token));
        }
        return std::nullopt;
    }

    enum class AuthOutcome : std::uint8_t { kOk, kGone, kLimit };

    // Marks the client authenticated for `user` unless that user already has the allowed number of
    // authenticated connections of this kind.
    AuthOutcome Admit(Client& client, std::int64_t user) {
        std::lock_guard lock(mutex);
        if (client.closed || client.timed_out) return AuthOutcome::kGone;
        std::size_t same = 0;
        for (const auto& [_, c] : clients) {
            if (c.get() != &client && c->kind == client.kind && c->authenticated && c->user == user) ++same;
        }
        if (same >= options.max_connections_per_user) return AuthOutcome::kLimit;
        client.authenticated = true;
        client.user = user;
        Recount(client);
        return AuthOutcome::kOk;
    }

    void OnDataMessage(Client& client, const std::optional<json::value>& msg) {
        const json::object* o = msg ? msg->if_object() : nullptr;
        const json::string* action = o != nullptr ? StringField(*o, "action") : nullptr;
        if (action == nullptr) return Reply(client, DataError(kInvalidSyntax));
        if (*action == "auth") return DataAuth(client, *o);
        if (*action == "subscribe" || *action == "unsubscribe") {
            return DataSubscribe(client, *o, *action == "subscribe");
        }
        Reply(client, DataError(kInvalidSyntax));
    }

    void DataAuth(Client& client, const json::object& o) {
        if (IsAuthenticated(client)) return Reply(client, DataError(kAlreadyAuthenticated));
        auto who = Authenticate(StringField(o, "key"), StringField(o, "secret"), StringField(o, "token"));
        if (!who) return Reply(client, DataError(kInvalidSyntax));
        if (!*who) {
            if (IsInternal(who->error())) return Reply(client, DataError(kInternalError));
            return Fail(client, DataError(kAuthFailed), "auth failed");
        }
        switch (Admit(client, (*who)->user_id)) {
            case AuthOutcome::kOk: return Reply(client, DataSuccess("authenticated"));
            case AuthOutcome::kLimit: return Fail(client, DataError(kConnectionLimit), "connection limit exceeded");
            case AuthOutcome::kGone: return;
        }
    }

    void DataSubscribe(Client& client, const json::object& o, bool subscribe) {
        std::shared_ptr<const Subscription> current;
        {
            std::lock_guard lock(mutex);
            if (!client.authenticated) {
                current = nullptr;
            } else {
                current = client.subs ? client.subs : std::make_shared<const Subscription>();
            }
        }
        if (!current) return Reply(client, DataError(kNotAuthenticated));

        // Everything is checked before anything changes: a rejected request keeps the previous subscription.
        Subscription next = *current;
        for (const auto& kv : o) {
            const std::string_view key = kv.key();
            const json::value& value = kv.value();
            SymbolSet* set = key == "trades"   ? &next.trades
                             : key == "quotes" ? &next.quotes
                             : key == "bars"   ? &next.bars
                                               : nullptr;
            // Channels this exchange never publishes are accepted and stay empty; unknown keys are ignored, as
            // newer SDKs may send channels that older servers do not know.
            const bool silent = key == "dailyBars" || key == "updatedBars" || key == "statuses" || key == "lulds" ||
                                key == "corrections" || key == "cancelErrors";
            if (set == nullptr && !silent) continue;
            const json::array* symbols = value.if_array();
            if (symbols == nullptr) return Reply(client, DataError(kInvalidSyntax));
            for (const auto& s : *symbols) {
                const json::string* code = s.if_string();
                if (code == nullptr || code->empty() || code->size() > kMaxSymbolBytes) {
                    return Reply(client, DataError(kInvalidSyntax));
                }
                if (set == nullptr) continue;
                if (subscribe) {
                    set->Add(std::string(*code));
                } else {
                    set->Remove(std::string(*code));
                }
            }
        }
        if (next.trades.size() > options.max_symbols || next.quotes.size() > options.max_symbols ||
            next.bars.size() > options.max_symbols) {
            return Reply(client, DataError(kSymbolLimit));
        }
        auto published = std::make_shared<const Subscription>(std::move(next));
        {
            std::lock_guard lock(mutex);
            if (client.closed) return;
            client.subs = published;
            Recount(client);
        }
        // Corrections and cancel errors follow the trades subscription at Alpaca; none are ever sent here.
        json::array trades = published->trades.ToJson();
        Reply(client, json::array{json::object{{"T", "subscription"},
                                               {"trades", trades},
                                               {"quotes", published->quotes.ToJson()},
                                               {"bars", published->bars.ToJson()},
                                               {"updatedBars", json::array{}},
                                               {"dailyBars", json::array{}},
                                               {"statuses", json::array{}},
                                               {"lulds", json::array{}},
                                               {"corrections", trades},
                                               {"cancelErrors", trades}}});
    }

    void OnTradeMessage(Client& client, const std::optional<json::value>& msg) {
        const bool authenticated = IsAuthenticated(client);
        const json::object* o = msg ? msg->if_object() : nullptr;
        const json::string* action = o != nullptr ? StringField(*o, "action") : nullptr;
        if (action == nullptr) {
            if (!authenticated) return Fail(client, TradeError(kInvalidSyntax), "invalid syntax");
            return Reply(client, TradeError(kInvalidSyntax));
        }
        const json::value* data_value = o->if_contains("data");
        const json::object* data = data_value != nullptr ? data_value->if_object() : nullptr;
        if (*action == "authenticate") return TradeAuth(client, data);
        if (!authenticated) {
            // As Alpaca answers a listen before authenticate; the connection is then closed.
            return Fail(client, Authorization(false, *action), "not authenticated");
        }
        if (*action == "listen") return TradeListen(client, data);
        Reply(client, TradeError(kInvalidSyntax));
    }

    void TradeAuth(Client& client, const json::object* data) {
        std::optional<Result<Principal>> who;
        if (data != nullptr) {
            who = Authenticate(StringField(*data, "key_id"), StringField(*data, "secret_key"),
                               StringField(*data, "oauth_token"));
        }
        if (!who) return Fail(client, Authorization(false, "authenticate", "invalid syntax"), "invalid syntax");
        if (!*who) {
            const bool internal = IsInternal(who->error());
            return Fail(
                client,
                Authorization(false, "authenticate", internal ? "internal error" : "access key verification failed"),
                "unauthorized");
        }
        // A second authenticate re-checks the credentials and may move the connection to another account.
        {
            std::lock_guard lock(mutex);
            if (client.authenticated && client.user != (*who)->user_id) {
                client.authenticated = false;
                Recount(client);
            }
        }
        switch (Admit(client, (*who)->user_id)) {
            case AuthOutcome::kOk: return Reply(client, Authorization(true, "authenticate"));
            case AuthOutcome::kLimit:
                return Fail(client, Authorization(false, "authenticate", "connection limit exceeded"),
                            "connection limit exceeded");
            case AuthOutcome::kGone: return;
        }
    }

    void TradeListen(Client& client, const json::object* data) {
        const json::value* streams_value = data != nullptr ? data->if_contains("streams") : nullptr;
        const json::array* streams = streams_value != nullptr ? streams_value->if_array() : nullptr;
        if (streams == nullptr) return Reply(client, TradeError(kInvalidSyntax));
        bool listen = false;
        bool notes = false;
        for (const auto& s : *streams) {
            const json::string* name = s.if_string();
            if (name == nullptr) return Reply(client, TradeError(kInvalidSyntax));
            if (*name == kTradeUpdates) listen = true;
            if (*name == kNotifications) notes = true;
        }
        {
            std::lock_guard lock(mutex);
            if (client.closed) return;
            client.listening = listen;
            client.notifications = notes;
            Recount(client);
        }
        // The reply names the streams now listened to: unknown names are left out, an empty list stops.
        json::array now;
        if (listen) now.emplace_back(kTradeUpdates);
        if (notes) now.emplace_back(kNotifications);
        Reply(client, json::object{{"stream", "listening"}, {"data", json::object{{"streams", std::move(now)}}}});
    }

    // ---- publishing ----

    struct Target {
        std::shared_ptr<Client> client;
        std::shared_ptr<WebSocketConnection> conn;
        std::shared_ptr<const Subscription> subs;  // data
        std::int64_t user = 0;                     // trade
        bool trade_updates = false;                // trade: listens to trade_updates
    };

    void Publish(const storage::WriteBatch& batch) {
        std::lock_guard publish_lock(publish_mutex);
        if (interested.load(std::memory_order_acquire) == 0) {
            ForgetBars();
            return;
        }
        std::vector<Target> trade;
        std::vector<Target> data;
        {
            std::lock_guard lock(mutex);
            for (const auto& [_, c] : clients) {
                if (!c->counted || c->dropped.load(std::memory_order_relaxed)) continue;
                (c->kind == StreamKind::kTrade ? trade : data)
                    .push_back(Target{c, nullptr, c->subs, c->user, c->listening});
            }
        }
        // Connections are locked outside the hub's lock; one that is already gone is skipped.
        auto alive = [](std::vector<Target>& targets) {
            for (auto& t : targets) t.conn = t.client->conn.lock();
            std::erase_if(targets, [](const Target& t) { return t.conn == nullptr; });
        };
        alive(trade);
        alive(data);
        if (!trade.empty() && !batch.events.empty()) PublishTradeUpdates(batch, trade);
        if (data.empty()) {
            ForgetBars();
        } else {
            PublishMarketData(batch, data);
        }
    }

    void PublishNotifications(std::span<const PushedNotification> notes) {
        std::lock_guard publish_lock(publish_mutex);
        if (interested.load(std::memory_order_acquire) == 0) return;
        std::vector<Target> targets;
        {
            std::lock_guard lock(mutex);
            for (const auto& [_, c] : clients) {
                if (!c->counted || !c->notifications || c->kind != StreamKind::kTrade ||
                    c->dropped.load(std::memory_order_relaxed)) {
                    continue;
                }
                targets.push_back(Target{c, nullptr, nullptr, c->user, false});
            }
        }
        for (auto& t : targets) t.conn = t.client->conn.lock();
        std::erase_if(targets, [](const Target& t) { return t.conn == nullptr; });
        if (targets.empty()) return;
        for (const PushedNotification& p : notes) {
            const storage::NotificationRecord& n = p.notification;
            json::object data{{"id", std::to_string(n.id)},
                              {"alert_id", std::to_string(n.alert_id)},
                              {"symbol", n.symbol < universe.size() ? universe.Get(n.symbol).code : std::string()},
                              {"price", std::to_string(n.price)},
                              {"message", n.message},
                              {"created_at", FormatRfc3339(n.created_at)},
                              {"read", n.read_at != 0},
                              {"unread", p.unread}};
            const std::string message =
                json::serialize(json::object{{"stream", kNotifications}, {"data", std::move(data)}});
            for (auto& t : targets) {
                if (t.user == n.user_id) SendOrDrop(*t.client, *t.conn, message, false);
            }
        }
    }

    void PublishTradeUpdates(const storage::WriteBatch& batch, std::vector<Target>& targets) {
        std::unordered_map<std::int64_t, std::vector<Target*>> by_user;
        for (auto& t : targets) {
            if (t.trade_updates) by_user[t.user].push_back(&t);
        }
        for (const auto& e : batch.events) {
            if (!e.has_order) continue;
            const auto name = TradeEventName(e);
            if (!name) continue;
            auto it = by_user.find(static_cast<std::int64_t>(e.order.account));
            if (it == by_user.end()) continue;
            const std::string message = TradeUpdateMessage(e, *name, universe);
            for (Target* t : it->second) SendOrDrop(*t->client, *t->conn, message, false);
        }
    }

    void PublishMarketData(const storage::WriteBatch& batch, std::vector<Target>& targets) {
        const std::vector<market::Bar> bars = CompletedBars(batch);
        if (batch.ticks.empty() && bars.empty()) return;
        const std::size_t known = universe.size();
        auto code_of = [&](market::SymbolId id) -> const std::string* {
            return id < known ? &universe.Get(id).code : nullptr;
        };
        // A frame never takes more than a quarter of the queue budget, so one batch alone does not make a client
        // that reads promptly look slow.
        const std::size_t frame_bytes = std::clamp<std::size_t>(options.max_queued_bytes / 4, 1024, kMaxFrameBytes);
        LazyPieces trades(batch.ticks.size());
        LazyPieces quotes(batch.ticks.size());
        LazyPieces bar_pieces(bars.size());
        for (auto& t : targets) {
            const Subscription& subs = *t.subs;
            FrameBuilder frames(t.client->msgpack, frame_bytes);
            if (!subs.trades.empty() || !subs.quotes.empty()) {
                for (std::size_t i = 0; i < batch.ticks.size(); ++i) {
                    const market::Tick& tick = batch.ticks[i];
                    const std::string* code = code_of(tick.symbol);
                    if (code == nullptr) continue;
                    if (subs.trades.Wants(*code)) {
                        frames.Add(
                            trades.Get(i, t.client->msgpack, [&](bool mp) { return TradeMessage(tick, *code, mp); }));
                    }
                    if (subs.quotes.Wants(*code)) {
                        frames.Add(
                            quotes.Get(i, t.client->msgpack, [&](bool mp) { return QuoteMessage(tick, *code, mp); }));
                    }
                }
            }
            for (std::size_t i = 0; i < bars.size() && !subs.bars.empty(); ++i) {
                const std::string* code = code_of(bars[i].symbol);
                if (code == nullptr || !subs.bars.Wants(*code)) continue;
                frames.Add(
                    bar_pieces.Get(i, t.client->msgpack, [&](bool mp) { return BarMessage(bars[i], *code, mp); }));
            }
            for (auto& frame : frames.Finish()) {
                if (!SendOrDrop(*t.client, *t.conn, std::move(frame), t.client->msgpack)) break;
            }
        }
    }

    // Every batch carries the still-open minute bar of each symbol it ticked. A minute is complete when the same
    // symbol shows a later minute, or when the feed's clock is a whole minute past its end (a symbol that stops
    // trading still gets its last bar); updates of a minute already sent are late and ignored.
    std::vector<market::Bar> CompletedBars(const storage::WriteBatch& batch) {
        std::vector<market::Bar> done;
        Timestamp newest = 0;
        for (const auto& t : batch.ticks) newest = std::max(newest, t.ts);
        for (const auto& b : batch.bars) {
            if (b.interval_s != 60) continue;
            newest = std::max(newest, b.start);
            BarTrack& track = bar_tracks[b.symbol];
            if (track.emitted && b.start <= track.emitted_start) continue;
            if (track.open) {
                if (b.start < track.open->start) continue;
                if (b.start > track.open->start) {
                    done.push_back(*track.open);
                    track.emitted = true;
                    track.emitted_start = track.open->start;
                }
            }
            track.open = b;
        }
        const Timestamp minute = newest / kNanosPerMinute;
        if (newest > 0 && minute > swept_minute) {
            swept_minute = minute;
            for (auto& [symbol, track] : bar_tracks) {
                if (!track.open || track.open->start + 2 * kNanosPerMinute > newest) continue;
                done.push_back(*track.open);
                track.emitted = true;
                track.emitted_start = track.open->start;
                track.open.reset();
            }
        }
        return done;
    }

    // With nobody to send bars to, nothing is tracked; a stale minute must not surface when someone returns.
    void ForgetBars() {
        if (!bar_tracks.empty()) bar_tracks.clear();
        swept_minute = 0;
    }
};

}  // namespace

struct StreamHub::Impl {
    std::shared_ptr<StreamCore> core;
    asio::executor_work_guard<asio::io_context::executor_type> work;
    std::thread timer_thread;

    Impl(StreamOptions options, const market::Universe& universe, KeyAuthenticator keys, TokenAuthenticator tokens)
        : core(std::make_shared<StreamCore>(options, universe, std::move(keys), std::move(tokens))),
          work(core->timers.get_executor()),
          timer_thread([c = core.get()] {
              NameThisThread("ik-stream-timer");
              c->timers.run();
          }) {}

    ~Impl() {
        work.reset();
        core->timers.stop();
        timer_thread.join();
    }
};

StreamHub::StreamHub(StreamOptions options, const market::Universe& universe, KeyAuthenticator keys,
                     TokenAuthenticator tokens)
    : impl_(std::make_unique<Impl>(options, universe, std::move(keys), std::move(tokens))) {}

StreamHub::~StreamHub() = default;

void StreamHub::Register(HttpServer& server) {
    std::weak_ptr<StreamCore> weak = impl_->core;
    server.RouteWebSocket("/stream", [weak](std::shared_ptr<WebSocketConnection> conn, const HttpRequest&) {
        if (auto core = weak.lock()) {
            core->AttachTrade(conn);
        } else {
            conn->Close(1001, "going away");
        }
    });
    server.RouteWebSocket("/v2/{feed}", [weak](std::shared_ptr<WebSocketConnection> conn, const HttpRequest& req) {
        if (auto core = weak.lock()) {
            core->AttachData(conn, req);
        } else {
            conn->Close(1001, "going away");
        }
    });
}

void StreamHub::Publish(const storage::WriteBatch& batch) { impl_->core->Publish(batch); }

void StreamHub::PublishNotifications(std::span<const PushedNotification> notes) {
    impl_->core->PublishNotifications(notes);
}

StreamStats StreamHub::stats() const {
    const StreamCore& c = *impl_->core;
    return StreamStats{c.trade_open.load(std::memory_order_relaxed), c.data_open.load(std::memory_order_relaxed),
                       c.messages_sent.load(std::memory_order_relaxed), c.slow_drops.load(std::memory_order_relaxed)};
}

}  // namespace ik::gateway
