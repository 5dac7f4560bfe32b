// The WebSocket streams on a real server over loopback, with Beast clients: the trading stream (authenticate,
// listen, trade updates per account) and the market-data stream (connected greeting, auth, subscriptions, trades,
// quotes and completed minute bars, JSON and msgpack, Alpaca's error codes, limits, auth timeout, slow clients).
#include "gateway/streams.hpp"

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "gateway/api_support.hpp"
#include "gateway/msgpack.hpp"

namespace ik::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Generous, for sanitizer builds on a busy machine: a read that takes this long means the message never came.
constexpr auto kReadTimeout = 10s;
// 2024-05-01T13:30:00.123456Z
constexpr Timestamp kT0 = 1'714'570'200'123'456'000;
constexpr Timestamp kMinute = 60 * kNanosPerSecond;
// 2024-05-01T13:30:00Z, a minute boundary.
constexpr Timestamp kM0 = 1'714'570'200 * kNanosPerSecond;

// A WebSocket client: synchronous writes, reads that give up after a timeout (run on the client's own
// io_context, so a missing message fails the test instead of hanging it).
class WsClient final {
public:
    WsClient(unsigned short port, const std::string& path, bool msgpack = false, int receive_buffer = 0)
        : ws_(ioc_), msgpack_(msgpack) {
        auto& socket = ws_.next_layer();
        socket.open(tcp::v4());
        if (receive_buffer > 0) socket.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
        socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        if (msgpack) {
            ws_.set_option(websocket::stream_base::decorator(
                [](websocket::request_type& req) { req.set(http::field::content_type, "application/msgpack"); }));
        }
        ws_.handshake("127.0.0.1", path);
    }

    // The next message, or nullopt when the connection ended or nothing came in time.
    std::optional<std::string> ReadRaw(Clock::duration timeout = kReadTimeout) {
        beast::flat_buffer buffer;
        std::optional<beast::error_code> result;
        ws_.async_read(buffer, [&](beast::error_code ec, std::size_t) { result = ec; });
        ioc_.restart();
        ioc_.run_for(timeout);
        if (!result) {
            timed_out_ = true;
            beast::error_code ignored;
            ws_.next_layer().close(ignored);
            ioc_.restart();
            ioc_.run();
            return std::nullopt;
        }
        if (*result) {
            error_ = *result;
            return std::nullopt;
        }
        last_binary_ = ws_.got_binary();
        return beast::buffers_to_string(buffer.data());
    }

    // The next message decoded (JSON, or msgpack for a binary frame on a msgpack connection); null when none.
    json::value Read(Clock::duration timeout = kReadTimeout) {
        auto raw = ReadRaw(timeout);
        if (!raw) return nullptr;
        if (last_binary_ && msgpack_) {
            auto decoded = DecodeMsgpack(*raw);
            EXPECT_TRUE(decoded.has_value()) << (decoded ? "" : decoded.error().message);
            return decoded ? *decoded : json::value(nullptr);
        }
        boost::system::error_code ec;
        json::value v = json::parse(*raw, ec);
        EXPECT_FALSE(ec) << *raw;
        return v;
    }

    // The messages left before the server closes the connection; true when it closed (not timed out).
    bool ReadUntilClosed(std::vector<json::value>* messages = nullptr, Clock::duration timeout = kReadTimeout) {
        const auto deadline = Clock::now() + timeout;
        while (Clock::now() < deadline) {
            json::value v = Read(deadline - Clock::now());
            if (v.is_null()) return !timed_out_ && error_ == websocket::error::closed;
            if (messages != nullptr) messages->push_back(std::move(v));
        }
        return false;
    }

    void Send(const json::value& v) {
        if (msgpack_) {
            SendRaw(EncodeMsgpack(v), true);
        } else {
            SendRaw(json::serialize(v), false);
        }
    }
    void SendRaw(const std::string& payload, bool binary) {
        ws_.binary(binary);
        ws_.write(asio::buffer(payload));
    }
    // One message in several frames (FIN=0 on all but the last), as alpaca-py sends its subscribe.
    void SendFragmented(const std::vector<std::string>& parts, bool binary) {
        ws_.binary(binary);
        for (std::size_t i = 0; i < parts.size(); ++i) ws_.write_some(i + 1 == parts.size(), asio::buffer(parts[i]));
    }
    void Disconnect() {
        beast::error_code ignored;
        ws_.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
        ws_.next_layer().close(ignored);
    }

    bool last_binary() const { return last_binary_; }
    std::uint16_t close_code() const { return static_cast<std::uint16_t>(ws_.reason().code); }

private:
    asio::io_context ioc_;
    websocket::stream<tcp::socket> ws_;
    bool msgpack_ = false;
    bool last_binary_ = false;
    bool timed_out_ = false;
    beast::error_code error_;
};

Result<Principal> Keys(const std::string& key, const std::string& secret) {
    if (key == "k1" && secret == "s1") return Principal{1, "user"};
    if (key == "k2" && secret == "s2") return Principal{2, "user"};
    return MakeError(ErrorCode::kPermissionDenied, "unknown key");
}

Result<Principal> Tokens(const std::string& token) {
    if (token == "t1") return Principal{1, "user"};
    return MakeError(ErrorCode::kPermissionDenied, "bad token");
}

json::object Obj(const json::value& v) { return v.is_object() ? v.as_object() : json::object{}; }

// The single element of a control message ([{...}]), or an empty object.
json::object Only(const json::value& v) {
    if (!v.is_array() || v.as_array().size() != 1) {
        ADD_FAILURE() << "expected a one-element array, got " << json::serialize(v);
        return {};
    }
    return Obj(v.as_array()[0]);
}

json::value ErrorMessage(int code, std::string_view msg) {
    return json::array{json::object{{"T", "error"}, {"code", code}, {"msg", msg}}};
}

// Waits for a condition with a deadline, checking often.
template <class F>
bool Eventually(F condition, Clock::duration timeout = kReadTimeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(1ms);  // a polling interval, not a wait for the outcome
    }
    return condition();
}

market::Tick MakeTick(market::SymbolId symbol, Timestamp ts, Won price, Qty volume = 10) {
    return market::Tick{symbol, ts, price, price - 100, price + 100, volume};
}

market::Bar MakeBar(market::SymbolId symbol, Timestamp start, Won open, Won high, Won low, Won close, Qty volume,
                    std::int64_t trades) {
    return market::Bar{symbol, start, 60, open, high, low, close, volume, trades};
}

trading::Event OrderEvent(trading::EventType type, trading::AccountId account, trading::OrderId id,
                          trading::OrderStatus status, Timestamp ts) {
    trading::Event e;
    e.type = type;
    e.ts = ts;
    e.has_order = true;
    e.order.id = id;
    e.order.account = account;
    e.order.symbol = 0;
    e.order.type = trading::OrderType::kLimit;
    e.order.qty = 10;
    e.order.limit_price = 71'000;
    e.order.status = status;
    e.order.created_at = ts;
    e.order.updated_at = ts;
    e.balance.id = account;
    return e;
}

trading::Event FillEvent(trading::AccountId account, trading::OrderId id, trading::FillId fill, Qty filled, Won price,
                         Qty fill_qty, Timestamp ts) {
    const auto status = filled == 10 ? trading::OrderStatus::kFilled : trading::OrderStatus::kPartiallyFilled;
    trading::Event e = OrderEvent(trading::EventType::kOrderFilled, account, id, status, ts);
    e.order.filled_qty = filled;
    e.order.filled_notional = price * filled;
    e.has_fill = true;
    e.fill = trading::Fill{
        .id = fill, .order = id, .account = account, .symbol = 0, .qty = fill_qty, .price = price, .ts = ts};
    e.has_position = true;
    e.position.account = account;
    e.position.qty = filled;
    return e;
}

trading::Event AccountEvent(trading::EventType type, trading::AccountId account, Timestamp ts) {
    trading::Event e;
    e.type = type;
    e.ts = ts;
    e.balance.id = account;
    e.deposit_amount = 1'000'000;
    return e;
}

class StreamsTest : public ::testing::Test {
protected:
    void Start(StreamOptions options = {}) {
        universe_.Upsert(market::StockInfo{.code = "005930", .name_en = "Samsung Electronics"});
        universe_.Upsert(market::StockInfo{.code = "000660", .name_en = "SK hynix"});
        hub_ = std::make_unique<StreamHub>(options, universe_, Keys, Tokens);
        server_ = std::make_unique<HttpServer>(HttpServerOptions{.port = 0});
        hub_->Register(*server_);
        ASSERT_TRUE(server_->Start().has_value());
    }

    void TearDown() override {
        if (server_) server_->Stop();
        server_.reset();
        hub_.reset();
    }

    unsigned short port() const { return server_->port(); }

    // A trading-stream client that has authenticated as key/secret and listens to trade updates.
    std::unique_ptr<WsClient> TradeClient(const std::string& key, const std::string& secret) {
        auto c = std::make_unique<WsClient>(port(), "/stream");
        c->Send(json::object{{"action", "authenticate"}, {"data", {{"key_id", key}, {"secret_key", secret}}}});
        EXPECT_EQ(Obj(c->Read())["data"].at("status"), "authorized");
        c->Send(json::object{{"action", "listen"}, {"data", {{"streams", json::array{"trade_updates"}}}}});
        EXPECT_EQ(c->Read(), json::parse(R"({"stream":"listening","data":{"streams":["trade_updates"]}})"));
        return c;
    }

    // A data-stream client past the greeting and authentication.
    std::unique_ptr<WsClient> DataClient(const std::string& key = "k1", const std::string& secret = "s1",
                                         bool msgpack = false, int receive_buffer = 0) {
        auto c = std::make_unique<WsClient>(port(), "/v2/iex", msgpack, receive_buffer);
        EXPECT_EQ(c->Read(), json::parse(R"([{"T":"success","msg":"connected"}])"));
        c->Send(json::object{{"action", "auth"}, {"key", key}, {"secret", secret}});
        EXPECT_EQ(c->Read(), json::parse(R"([{"T":"success","msg":"authenticated"}])"));
        return c;
    }

    // Subscribes and returns the subscription reply's element.
    json::object Subscribe(WsClient& c, json::object channels, const char* action = "subscribe") {
        channels["action"] = action;
        c.Send(channels);
        json::object reply = Only(c.Read());
        EXPECT_EQ(reply["T"], "subscription") << json::serialize(reply);
        return reply;
    }

    market::Universe universe_;
    std::unique_ptr<StreamHub> hub_;
    std::unique_ptr<HttpServer> server_;
};

// ---- trading stream -----------------------------------------------------------------------------------------

TEST_F(StreamsTest, TradeStreamAuthorizesKeysAndTokensAndAcknowledgesListen) {
    Start();
    WsClient keys(port(), "/stream");
    keys.Send(json::object{{"action", "authenticate"}, {"data", {{"key_id", "k1"}, {"secret_key", "s1"}}}});
    // The very first message is the auth reply: alpaca-py reads nothing else before it.
    EXPECT_EQ(keys.Read(),
              json::parse(R"({"stream":"authorization","data":{"status":"authorized","action":"authenticate"}})"));
    keys.Send(json::object{{"action", "listen"}, {"data", {{"streams", json::array{"trade_updates"}}}}});
    EXPECT_EQ(keys.Read(), json::parse(R"({"stream":"listening","data":{"streams":["trade_updates"]}})"));
    keys.Send(json::object{{"action", "listen"}, {"data", {{"streams", json::array{}}}}});
    EXPECT_EQ(keys.Read(), json::parse(R"({"stream":"listening","data":{"streams":[]}})"));

    // The web UI authenticates with its access token, and may send binary frames.
    WsClient token(port(), "/stream");
    token.SendRaw(R"({"action":"authenticate","data":{"oauth_token":"t1"}})", true);
    EXPECT_EQ(Obj(token.Read())["data"].at("status"), "authorized");
    EXPECT_FALSE(token.last_binary());
}

TEST_F(StreamsTest, TradeStreamRejectsBadCredentialsAndCloses) {
    Start();
    WsClient c(port(), "/stream");
    c.Send(json::object{{"action", "authenticate"}, {"data", {{"key_id", "k1"}, {"secret_key", "wrong"}}}});
    json::object reply = Obj(c.Read());
    EXPECT_EQ(reply["stream"], "authorization");
    EXPECT_EQ(reply["data"].at("status"), "unauthorized");
    EXPECT_EQ(reply["data"].at("action"), "authenticate");
    EXPECT_TRUE(reply["data"].as_object().contains("message"));
    EXPECT_TRUE(c.ReadUntilClosed());
    EXPECT_EQ(c.close_code(), 1008);
}

TEST_F(StreamsTest, TradeStreamClosesOnListenBeforeAuthentication) {
    Start();
    WsClient c(port(), "/stream");
    c.Send(json::object{{"action", "listen"}, {"data", {{"streams", json::array{"trade_updates"}}}}});
    EXPECT_EQ(c.Read(),
              json::parse(R"({"stream":"authorization","data":{"status":"unauthorized","action":"listen"}})"));
    EXPECT_TRUE(c.ReadUntilClosed());
}

TEST_F(StreamsTest, TradeUpdatesReachOnlyTheirAccount) {
    Start();
    auto one = TradeClient("k1", "s1");
    auto two = TradeClient("k2", "s2");
    using trading::EventType;
    using trading::OrderStatus;

    storage::WriteBatch batch;
    batch.events.push_back(AccountEvent(EventType::kAccountOpened, 1, kT0));
    batch.events.push_back(OrderEvent(EventType::kOrderAccepted, 1, 101, OrderStatus::kNew, kT0 + 1'000));
    batch.events.push_back(OrderEvent(EventType::kOrderAccepted, 2, 201, OrderStatus::kNew, kT0 + 2'000));
    batch.events.push_back(FillEvent(2, 201, 9, 3, 70'500, 3, kT0 + 3'000));
    batch.events.push_back(FillEvent(1, 101, 10, 10, 71'000, 10, kT0 + 4'000));
    batch.events.push_back(OrderEvent(EventType::kOrderCanceled, 2, 201, OrderStatus::kCanceled, kT0 + 5'000));
    batch.events.push_back(AccountEvent(EventType::kDeposited, 1, kT0 + 6'000));
    hub_->Publish(batch);

    json::object m = Obj(one->Read());
    EXPECT_EQ(m["stream"], "trade_updates");
    json::object d = m["data"].as_object();
    EXPECT_EQ(d["event"], "new");
    EXPECT_EQ(d["timestamp"], json::value(FormatRfc3339(kT0 + 1'000)));
    EXPECT_EQ(d["order"].at("id"), json::value(IdToUuid(IdKind::kOrder, 101)));
    EXPECT_EQ(d["order"].at("symbol"), "005930");
    EXPECT_EQ(d["order"].at("status"), "new");
    EXPECT_FALSE(d.contains("execution_id"));

    d = Obj(one->Read())["data"].as_object();
    EXPECT_EQ(d["event"], "fill");
    EXPECT_EQ(d["order"].at("status"), "filled");
    EXPECT_EQ(d["order"].at("filled_qty"), "10");
    EXPECT_EQ(d["execution_id"], json::value(IdToUuid(IdKind::kFill, 10)));
    EXPECT_EQ(d["price"], "71000");
    EXPECT_EQ(d["qty"], "10");
    EXPECT_EQ(d["position_qty"], "10");
    EXPECT_EQ(d["timestamp"], json::value(FormatRfc3339(kT0 + 4'000)));

    d = Obj(two->Read())["data"].as_object();
    EXPECT_EQ(d["event"], "new");
    EXPECT_EQ(d["order"].at("id"), json::value(IdToUuid(IdKind::kOrder, 201)));
    d = Obj(two->Read())["data"].as_object();
    EXPECT_EQ(d["event"], "partial_fill");
    EXPECT_EQ(d["order"].at("status"), "partially_filled");
    EXPECT_EQ(d["execution_id"], json::value(IdToUuid(IdKind::kFill, 9)));
    EXPECT_EQ(d["price"], "70500");
    EXPECT_EQ(d["qty"], "3");
    EXPECT_EQ(d["position_qty"], "3");
    d = Obj(two->Read())["data"].as_object();
    EXPECT_EQ(d["event"], "canceled");
    EXPECT_EQ(d["order"].at("status"), "canceled");

    // The next message of each is the next batch's: nothing of the other account, no deposits in between.
    storage::WriteBatch next;
    next.events.push_back(OrderEvent(EventType::kOrderExpired, 1, 102, OrderStatus::kExpired, kT0 + 7'000));
    next.events.push_back(OrderEvent(EventType::kOrderReplaced, 2, 202, OrderStatus::kReplaced, kT0 + 8'000));
    next.events.push_back(OrderEvent(EventType::kOrderTriggered, 2, 203, OrderStatus::kNew, kT0 + 9'000));
    next.events.push_back(OrderEvent(EventType::kOrderRereserved, 1, 103, OrderStatus::kNew, kT0 + 9'500));
    hub_->Publish(next);
    EXPECT_EQ(Obj(one->Read())["data"].at("event"), "expired");
    EXPECT_EQ(Obj(one->Read())["data"].at("event"), "restated");
    EXPECT_EQ(Obj(two->Read())["data"].at("event"), "replaced");
    EXPECT_EQ(Obj(two->Read())["data"].at("event"), "triggered");
}

// ---- market-data stream -------------------------------------------------------------------------------------

TEST_F(StreamsTest, DataStreamGreetsThenAuthenticatesWithKeysOrToken) {
    Start();
    WsClient c(port(), "/v2/iex");
    EXPECT_EQ(c.Read(), json::parse(R"([{"T":"success","msg":"connected"}])"));
    EXPECT_FALSE(c.last_binary());
    c.Send(json::object{{"action", "auth"}, {"key", "k1"}, {"secret", "s1"}});
    EXPECT_EQ(c.Read(), json::parse(R"([{"T":"success","msg":"authenticated"}])"));

    WsClient token(port(), "/v2/sip");
    EXPECT_EQ(token.Read(), json::parse(R"([{"T":"success","msg":"connected"}])"));
    token.Send(json::object{{"action", "auth"}, {"token", "t1"}});
    EXPECT_EQ(token.Read(), json::parse(R"([{"T":"success","msg":"authenticated"}])"));
}

TEST_F(StreamsTest, DataStreamRejectsBadCredentialsWith402AndCloses) {
    Start();
    WsClient c(port(), "/v2/iex");
    EXPECT_EQ(c.Read(), json::parse(R"([{"T":"success","msg":"connected"}])"));
    c.Send(json::object{{"action", "auth"}, {"key", "k1"}, {"secret", "nope"}});
    EXPECT_EQ(c.Read(), ErrorMessage(402, "auth failed"));
    EXPECT_TRUE(c.ReadUntilClosed());
}

TEST_F(StreamsTest, DataStreamOnAnUnknownFeedSends409AndCloses) {
    Start();
    WsClient c(port(), "/v2/crypto");
    EXPECT_EQ(c.Read(), ErrorMessage(409, "insufficient subscription"));
    EXPECT_TRUE(c.ReadUntilClosed());
}

TEST_F(StreamsTest, DataStreamAnswersProtocolErrorsWithAlpacasCodes) {
    Start();
    WsClient c(port(), "/v2/iex");
    EXPECT_EQ(c.Read(), json::parse(R"([{"T":"success","msg":"connected"}])"));
    c.Send(json::object{{"action", "subscribe"}, {"trades", json::array{"005930"}}});
    EXPECT_EQ(c.Read(), ErrorMessage(401, "not authenticated"));
    c.SendRaw("{not json", false);
    EXPECT_EQ(c.Read(), ErrorMessage(400, "invalid syntax"));
    c.Send(json::object{{"action", "dance"}});
    EXPECT_EQ(c.Read(), ErrorMessage(400, "invalid syntax"));
    c.Send(json::object{{"action", "auth"}, {"key", "k1"}, {"secret", "s1"}});
    EXPECT_EQ(c.Read(), json::parse(R"([{"T":"success","msg":"authenticated"}])"));
    c.Send(json::object{{"action", "auth"}, {"key", "k1"}, {"secret", "s1"}});
    EXPECT_EQ(c.Read(), ErrorMessage(403, "already authenticated"));
    c.Send(json::object{{"action", "subscribe"}, {"trades", "005930"}});
    EXPECT_EQ(c.Read(), ErrorMessage(400, "invalid syntax"));
    // None of these is fatal: the session goes on.
    json::object reply = Subscribe(c, {{"trades", json::array{"005930"}}});
    EXPECT_EQ(reply["trades"], json::array{"005930"});
}

TEST_F(StreamsTest, DataStreamSendsTradesAndQuotesOfSubscribedSymbols) {
    Start();
    auto c = DataClient();
    json::object reply = Subscribe(*c, {{"trades", json::array{"005930"}},
                                        {"quotes", json::array{"005930"}},
                                        {"bars", json::array{"*"}},
                                        {"dailyBars", json::array{"005930"}}});
    EXPECT_EQ(reply["trades"], json::array{"005930"});
    EXPECT_EQ(reply["quotes"], json::array{"005930"});
    EXPECT_EQ(reply["bars"], json::array{"*"});
    EXPECT_EQ(reply["dailyBars"], json::array{});

    storage::WriteBatch batch;
    batch.ticks.push_back(MakeTick(0, kT0, 71'000, 10));
    batch.ticks.push_back(MakeTick(1, kT0 + 1, 120'000, 3));
    hub_->Publish(batch);

    json::value frame = c->Read();
    ASSERT_TRUE(frame.is_array()) << json::serialize(frame);
    ASSERT_EQ(frame.as_array().size(), 2u) << json::serialize(frame);
    EXPECT_EQ(frame.as_array()[0], json::parse(R"({"T":"t","S":"005930","i":1714570200123456000,"x":"V","p":71000,
        "s":10,"t":"2024-05-01T13:30:00.123456Z","c":["@"],"z":"A"})"));
    EXPECT_EQ(frame.as_array()[1], json::parse(R"({"T":"q","S":"005930","bx":"V","bp":70900,"bs":1,"ax":"V",
        "ap":71100,"as":1,"t":"2024-05-01T13:30:00.123456Z","c":["R"],"z":"A"})"));
}

TEST_F(StreamsTest, DataStreamEmitsAMinuteBarOnceTheMinuteCompletes) {
    Start();
    auto c = DataClient();
    Subscribe(*c, {{"trades", json::array{"005930"}}, {"bars", json::array{"005930"}}});
    auto types = [](const json::value& frame) {
        std::vector<std::string> out;
        for (const auto& m : frame.as_array()) out.emplace_back(m.at("T").as_string());
        return out;
    };

    storage::WriteBatch b1;  // the open minute: no bar yet
    b1.ticks.push_back(MakeTick(0, kM0 + 10 * kNanosPerSecond, 70'000));
    b1.bars.push_back(MakeBar(0, kM0, 70'000, 70'000, 70'000, 70'000, 10, 1));
    b1.bars.push_back(MakeBar(1, kM0, 120'000, 120'000, 120'000, 120'000, 5, 1));
    hub_->Publish(b1);
    EXPECT_EQ(types(c->Read()), std::vector<std::string>{"t"});

    storage::WriteBatch b2;  // the same minute, updated
    b2.ticks.push_back(MakeTick(0, kM0 + 40 * kNanosPerSecond, 70'500));
    b2.bars.push_back(MakeBar(0, kM0, 70'000, 70'500, 70'000, 70'500, 20, 2));
    hub_->Publish(b2);
    EXPECT_EQ(types(c->Read()), std::vector<std::string>{"t"});

    storage::WriteBatch b3;  // the next minute starts: the first one is complete
    b3.ticks.push_back(MakeTick(0, kM0 + kMinute + 5 * kNanosPerSecond, 70'400));
    b3.bars.push_back(MakeBar(0, kM0 + kMinute, 70'400, 70'400, 70'400, 70'400, 10, 1));
    b3.bars.push_back(MakeBar(1, kM0 + kMinute, 121'000, 121'000, 121'000, 121'000, 5, 1));
    hub_->Publish(b3);
    json::value frame = c->Read();
    ASSERT_EQ(types(frame), (std::vector<std::string>{"t", "b"})) << json::serialize(frame);
    EXPECT_EQ(frame.as_array()[1], json::parse(R"({"T":"b","S":"005930","o":70000,"h":70500,"l":70000,"c":70500,
        "v":20,"t":"2024-05-01T13:30:00.000000Z","n":2,"vw":null})"));

    // 005930 stops trading; once the feed is a minute past the end of its last minute, that bar comes too.
    storage::WriteBatch b4;
    b4.ticks.push_back(MakeTick(1, kM0 + 3 * kMinute, 122'000));
    b4.bars.push_back(MakeBar(1, kM0 + 3 * kMinute, 122'000, 122'000, 122'000, 122'000, 5, 1));
    hub_->Publish(b4);
    frame = c->Read();
    ASSERT_EQ(types(frame), std::vector<std::string>{"b"}) << json::serialize(frame);
    EXPECT_EQ(frame.as_array()[0].at("t"), "2024-05-01T13:31:00.000000Z");
    EXPECT_EQ(frame.as_array()[0].at("S"), "005930");
}

TEST_F(StreamsTest, DataStreamSpeaksMsgpackWhenTheHandshakeAsksForIt) {
    Start();
    WsClient c(port(), "/v2/iex", /*msgpack=*/true);
    EXPECT_EQ(c.Read(), json::parse(R"([{"T":"success","msg":"connected"}])"));
    EXPECT_TRUE(c.last_binary());
    c.Send(json::object{{"action", "auth"}, {"key", "k1"}, {"secret", "s1"}});
    EXPECT_EQ(c.Read(), json::parse(R"([{"T":"success","msg":"authenticated"}])"));
    // As alpaca-py: the packed subscribe in a first frame, then an empty final continuation frame.
    const std::string subscribe = EncodeMsgpack(json::object{{"action", "subscribe"},
                                                             {"trades", json::array{"005930"}},
                                                             {"quotes", json::array{"005930"}},
                                                             {"bars", json::array{"*"}}});
    c.SendFragmented({subscribe, ""}, true);
    json::object reply = Only(c.Read());
    EXPECT_EQ(reply["T"], "subscription");
    EXPECT_EQ(reply["trades"], json::array{"005930"});
    EXPECT_EQ(reply["bars"], json::array{"*"});

    storage::WriteBatch batch;
    batch.ticks.push_back(MakeTick(0, kT0, 71'000, 10));
    hub_->Publish(batch);
    auto raw = c.ReadRaw();
    ASSERT_TRUE(raw.has_value());
    EXPECT_TRUE(c.last_binary());
    // The time is the msgpack timestamp extension (type -1), which the SDK turns into a datetime.
    EXPECT_NE(raw->find("\xd7\xff"), std::string::npos);
    auto decoded = DecodeMsgpack(*raw);
    ASSERT_TRUE(decoded.has_value());
    ASSERT_EQ(decoded->as_array().size(), 2u);
    const json::value& trade = decoded->as_array()[0];
    EXPECT_EQ(trade.at("T"), "t");
    EXPECT_EQ(trade.at("S"), "005930");
    EXPECT_EQ(trade.at("p"), 71'000);
    EXPECT_EQ(trade.at("t"), "2024-05-01T13:30:00.123456Z");
    EXPECT_EQ(decoded->as_array()[1].at("T"), "q");
    EXPECT_EQ(decoded->as_array()[1].at("t"), "2024-05-01T13:30:00.123456Z");
}

TEST_F(StreamsTest, FragmentedJsonSubscribeIsReassembled) {
    Start();
    auto c = DataClient();
    const std::string text = R"({"action":"subscribe","trades":["005930","000660"]})";
    c->SendFragmented({text.substr(0, 17), text.substr(17, 10), text.substr(27)}, false);
    json::object reply = Only(c->Read());
    EXPECT_EQ(reply["trades"], (json::array{"005930", "000660"}));
}

TEST_F(StreamsTest, UnsubscribeStopsDelivery) {
    Start();
    auto c = DataClient();
    Subscribe(*c, {{"trades", json::array{"005930", "000660"}}});
    storage::WriteBatch batch;
    batch.ticks.push_back(MakeTick(0, kT0, 71'000));
    batch.ticks.push_back(MakeTick(1, kT0 + 1, 120'000));
    hub_->Publish(batch);
    EXPECT_EQ(c->Read().as_array().size(), 2u);

    json::object reply = Subscribe(*c, {{"trades", json::array{"005930"}}}, "unsubscribe");
    EXPECT_EQ(reply["trades"], json::array{"000660"});
    hub_->Publish(batch);
    json::value frame = c->Read();
    ASSERT_EQ(frame.as_array().size(), 1u) << json::serialize(frame);
    EXPECT_EQ(frame.as_array()[0].at("S"), "000660");

    // Everything unsubscribed: the client gets nothing, and the next thing it reads is its own request's reply.
    Subscribe(*c, {{"trades", json::array{"000660"}}}, "unsubscribe");
    hub_->Publish(batch);
    reply = Subscribe(*c, {{"quotes", json::array{"*"}}});
    EXPECT_EQ(reply["trades"], json::array{});
    EXPECT_EQ(reply["quotes"], json::array{"*"});
}

TEST_F(StreamsTest, SymbolLimitIsEnforcedWith405KeepingThePreviousSubscription) {
    StreamOptions options;
    options.max_symbols = 2;
    Start(options);
    auto c = DataClient();
    Subscribe(*c, {{"trades", json::array{"005930", "000660"}}});
    c->Send(json::object{{"action", "subscribe"}, {"trades", json::array{"035420"}}});
    EXPECT_EQ(c->Read(), ErrorMessage(405, "symbol limit exceeded"));
    json::object reply = Subscribe(*c, {{"quotes", json::array{"005930"}}});
    EXPECT_EQ(reply["trades"], (json::array{"005930", "000660"}));
}

TEST_F(StreamsTest, ConnectionLimitPerUserIsEnforcedWith406) {
    StreamOptions options;
    options.max_connections_per_user = 1;
    Start(options);
    auto first = DataClient("k1", "s1");
    WsClient second(port(), "/v2/iex");
    EXPECT_EQ(second.Read(), json::parse(R"([{"T":"success","msg":"connected"}])"));
    second.Send(json::object{{"action", "auth"}, {"token", "t1"}});  // the same user
    EXPECT_EQ(second.Read(), ErrorMessage(406, "connection limit exceeded"));
    EXPECT_TRUE(second.ReadUntilClosed());
    auto other_user = DataClient("k2", "s2");

    // The trading stream counts separately, with the same limit.
    auto trade = TradeClient("k1", "s1");
    WsClient trade_again(port(), "/stream");
    trade_again.Send(json::object{{"action", "authenticate"}, {"data", {{"oauth_token", "t1"}}}});
    json::object reply = Obj(trade_again.Read());
    EXPECT_EQ(reply["data"].at("status"), "unauthorized");
    EXPECT_TRUE(trade_again.ReadUntilClosed());

    // A closed connection frees its place.
    first->Disconnect();
    ASSERT_TRUE(Eventually([&] { return hub_->stats().data_connections == 1; }));
    auto again = DataClient("k1", "s1");
}

TEST_F(StreamsTest, UnauthenticatedConnectionsAreClosedAfterTheAuthTimeout) {
    StreamOptions options;
    options.auth_timeout_ms = 200;
    Start(options);
    const auto start = Clock::now();
    WsClient data(port(), "/v2/iex");
    WsClient trade(port(), "/stream");
    EXPECT_EQ(data.Read(), json::parse(R"([{"T":"success","msg":"connected"}])"));
    EXPECT_EQ(data.Read(), ErrorMessage(404, "auth timeout"));
    EXPECT_TRUE(data.ReadUntilClosed());
    json::object reply = Obj(trade.Read());
    EXPECT_EQ(reply["data"].at("status"), "unauthorized");
    EXPECT_TRUE(trade.ReadUntilClosed());
    EXPECT_GE(Clock::now() - start, 150ms);

    // An authenticated connection stays. Its timer was armed before the probe's, on the same timer thread, so
    // once the probe has timed out the kept connection's timer has fired too.
    auto kept = DataClient();
    WsClient probe(port(), "/v2/iex");
    EXPECT_EQ(probe.Read(), json::parse(R"([{"T":"success","msg":"connected"}])"));
    EXPECT_EQ(probe.Read(), ErrorMessage(404, "auth timeout"));
    Subscribe(*kept, {{"trades", json::array{"005930"}}});
}

TEST_F(StreamsTest, SlowClientIsDroppedWith407WhileOthersKeepReceiving) {
    StreamOptions options;
    options.max_queued_bytes = 64 * 1024;
    Start(options);
    // The slow client reads nothing once subscribed; a small receive window makes its backlog build up fast.
    auto slow = DataClient("k1", "s1", false, 4096);
    Subscribe(*slow, {{"trades", json::array{"*"}}, {"quotes", json::array{"*"}}});
    auto fast = DataClient("k2", "s2");
    Subscribe(*fast, {{"trades", json::array{"000660"}}});

    constexpr Won kLastPrice = 999'999;
    std::size_t fast_trades = 0;
    bool fast_saw_last = false;
    std::thread reader([&] {
        while (!fast_saw_last) {
            json::value frame = fast->Read();
            if (!frame.is_array()) return;
            for (const auto& m : frame.as_array()) {
                ++fast_trades;
                if (m.at("p") == kLastPrice) fast_saw_last = true;
            }
        }
    });

    std::size_t batches = 0;
    Clock::duration slowest{0};
    const auto deadline = Clock::now() + 30s;
    while (hub_->stats().slow_client_drops == 0 && Clock::now() < deadline && batches < 20'000) {
        storage::WriteBatch batch;
        const Timestamp base = kT0 + static_cast<Timestamp>(batches) * 100;
        for (int i = 0; i < 50; ++i) batch.ticks.push_back(MakeTick(0, base + i, 71'000));
        batch.ticks.push_back(MakeTick(1, base + 99, 100'000 + static_cast<Won>(batches)));
        const auto t = Clock::now();
        hub_->Publish(batch);
        slowest = std::max(slowest, Clock::now() - t);
        ++batches;
    }
    storage::WriteBatch last;
    last.ticks.push_back(MakeTick(1, kT0 + static_cast<Timestamp>(batches * 100 + 99), kLastPrice));
    hub_->Publish(last);
    reader.join();

    EXPECT_EQ(hub_->stats().slow_client_drops, 1u);
    EXPECT_LT(slowest, 1s) << "Publish must never wait for a client";
    EXPECT_TRUE(fast_saw_last);
    EXPECT_EQ(fast_trades, batches + 1) << "the fast client lost messages";

    // The slow client finds the error after the backlog it never read, then the close.
    std::vector<json::value> messages;
    EXPECT_TRUE(slow->ReadUntilClosed(&messages, 30s));
    ASSERT_FALSE(messages.empty());
    EXPECT_EQ(messages.back(), ErrorMessage(407, "slow client"));
    EXPECT_EQ(slow->close_code(), 1008);
}

TEST_F(StreamsTest, StatsCountConnectionsByKindAndMessagesSent) {
    Start();
    storage::WriteBatch batch;
    batch.ticks.push_back(MakeTick(0, kT0, 71'000));
    hub_->Publish(batch);  // nobody listens: nothing is sent
    EXPECT_EQ(hub_->stats().messages_sent, 0u);

    auto trade = TradeClient("k1", "s1");
    auto data = DataClient();
    auto data2 = DataClient("k2", "s2");
    StreamStats s = hub_->stats();
    EXPECT_EQ(s.trade_connections, 1u);
    EXPECT_EQ(s.data_connections, 2u);
    EXPECT_EQ(s.messages_sent, 2u + 2u + 2u);  // authorized + listening, connected + authenticated twice
    EXPECT_EQ(s.slow_client_drops, 0u);

    trade->Disconnect();
    data->Disconnect();
    EXPECT_TRUE(Eventually([&] {
        const StreamStats now = hub_->stats();
        return now.trade_connections == 0 && now.data_connections == 1;
    }));
}

}  // namespace
}  // namespace ik::gateway
