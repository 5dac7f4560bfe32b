// The HTTP server on loopback with a real Beast client: routes, keep-alive, errors, size limits, shutdown.
#include "gateway/http_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace ik::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class Client {
public:
    explicit Client(unsigned short port) : stream_(ioc_) { stream_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port)); }

    http::response<http::string_body> Send(http::verb method, const std::string& target, const std::string& body = "") {
        http::request<http::string_body> req{method, target, 11};
        req.set(http::field::host, "127.0.0.1");
        req.body() = body;
        req.prepare_payload();
        http::write(stream_, req);
        http::response<http::string_body> res;
        http::read(stream_, buffer_, res);
        return res;
    }

private:
    asio::io_context ioc_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
};

class HttpServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        HttpServerOptions o;
        o.port = 0;
        o.max_body_bytes = 1024;
        server_ = std::make_unique<HttpServer>(o);
        server_->Route("GET", "/healthz", [](const HttpRequest&) { return HttpResponse{200, "application/json", R"({"status":"ok"})"}; });
        server_->Route("POST", "/echo", [](const HttpRequest& r) { return HttpResponse{200, "text/plain", r.body}; });
        server_->Route("GET", "/boom", [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("boom"); });
        ASSERT_TRUE(server_->Start().has_value());
        ASSERT_GT(server_->port(), 0);
    }
    std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, ServesRoutesOverOneKeepAliveConnection) {
    Client c(server_->port());
    for (int i = 0; i < 3; ++i) {
        auto res = c.Send(http::verb::get, "/healthz?probe=1");
        EXPECT_EQ(res.result_int(), 200);
        EXPECT_EQ(res.body(), R"({"status":"ok"})");
        EXPECT_TRUE(res.keep_alive());
    }
    EXPECT_EQ(c.Send(http::verb::post, "/echo", "hello").body(), "hello");
}

TEST_F(HttpServerTest, AnswersUnknownPathsAndMethodsWithJsonErrors) {
    Client c(server_->port());
    auto missing = c.Send(http::verb::get, "/nope");
    EXPECT_EQ(missing.result_int(), 404);
    EXPECT_NE(missing.body().find(R"("code":40410000)"), std::string::npos) << missing.body();
    auto wrong = c.Send(http::verb::delete_, "/healthz");
    EXPECT_EQ(wrong.result_int(), 405);
    auto boom = c.Send(http::verb::get, "/boom");
    EXPECT_EQ(boom.result_int(), 500);
    EXPECT_EQ(c.Send(http::verb::get, "/healthz").result_int(), 200) << "the server survives a failing handler";
}

TEST_F(HttpServerTest, RefusesOversizedBodies) {
    Client c(server_->port());
    auto res = c.Send(http::verb::post, "/echo", std::string(4096, 'x'));
    EXPECT_EQ(res.result_int(), 413);
    Client again(server_->port());
    EXPECT_EQ(again.Send(http::verb::get, "/healthz").result_int(), 200);
}

TEST_F(HttpServerTest, StopsWithIdleKeepAliveConnectionsOpen) {
    Client idle(server_->port());
    EXPECT_EQ(idle.Send(http::verb::get, "/healthz").result_int(), 200);
    server_->Stop();  // must return although `idle` keeps its connection open
    const unsigned short port = server_->port();
    EXPECT_THROW(Client refused(port), boost::system::system_error) << "no longer accepting after Stop()";
}

TEST(HttpServerRoutingTest, MatchesPatternsDecodesOnceAndAnswersAsynchronously) {
    HttpServerOptions o;
    o.port = 0;
    HttpServer server(o);
    server.Route("GET", "/v2/orders/{order_id}", [](const HttpRequest& r) {
        return HttpResponse{200, "text/plain", "id=" + r.Param("order_id") + " q=" + r.Query("q").value_or("-"), {}};
    });
    server.Route("GET", "/v2/orders:by_client_order_id", [](const HttpRequest& r) {
        return HttpResponse{200, "text/plain", "by-client " + r.Query("client_order_id").value_or(""), {}};
    });
    server.Route("GET", "/v2/stocks/bars/latest", [](const HttpRequest&) { return HttpResponse{200, "text/plain", "latest", {}}; });
    server.Route("GET", "/v2/stocks/{symbol}/bars", [](const HttpRequest& r) {
        return HttpResponse{200, "text/plain", "bars of " + r.Param("symbol"), {}};
    });
    // Answered from another thread after the handler returned.
    std::vector<std::thread> later;
    std::mutex later_mutex;
    server.RouteAsync("POST", "/slow", [&](const HttpRequest& r, Responder respond) {
        std::lock_guard lock(later_mutex);
        later.emplace_back([respond, body = r.body] { respond(HttpResponse{201, "text/plain", "done " + body, {}}); });
    });
    ASSERT_TRUE(server.Start().has_value());
    Client c(server.port());
    EXPECT_EQ(c.Send(http::verb::get, "/v2/orders/abc?q=1").body(), "id=abc q=1");
    EXPECT_EQ(c.Send(http::verb::get, "/v2/orders:by_client_order_id?client_order_id=my+id%2F1%2B2").body(),
              "by-client my id/1+2");
    EXPECT_EQ(c.Send(http::verb::get, "/v2/orders/%2541").body(), "id=%41 q=-") << "decoded exactly once";
    EXPECT_EQ(c.Send(http::verb::get, "//v2/orders/x").body(), "id=x q=-") << "a doubled slash (a base URL ending in /)";
    EXPECT_EQ(c.Send(http::verb::get, "/v2/stocks/bars/latest").body(), "latest") << "exact segments win";
    EXPECT_EQ(c.Send(http::verb::get, "/v2/stocks/005930/bars").body(), "bars of 005930");
    EXPECT_EQ(c.Send(http::verb::delete_, "/v2/orders/abc").result_int(), 405);
    EXPECT_EQ(c.Send(http::verb::get, "/v2/orders/abc/extra").result_int(), 404);
    EXPECT_EQ(c.Send(http::verb::get, "/v2/orders/%zz").result_int(), 400);
    auto slow = c.Send(http::verb::post, "/slow", "x");
    EXPECT_EQ(slow.result_int(), 201);
    EXPECT_EQ(slow.body(), "done x");
    EXPECT_EQ(server.Routes().size(), 5u);
    server.Stop();
    for (auto& t : later) t.join();
}

// Many connections on several I/O threads, each answered from a foreign thread in bursts (as a durable commit
// completes many orders at once), with second and late answers that must be ignored.
TEST(HttpServerRoutingTest, AnswersBurstsFromAnotherThreadOncePerRequest) {
    HttpServerOptions o;
    o.port = 0;
    o.threads = 3;
    HttpServer server(o);
    std::mutex mutex;
    std::condition_variable ready;
    std::vector<std::pair<Responder, std::string>> pending;
    server.RouteAsync("POST", "/order", [&](const HttpRequest& r, Responder respond) {
        std::lock_guard lock(mutex);
        pending.emplace_back(std::move(respond), r.body);
        ready.notify_all();
    });
    ASSERT_TRUE(server.Start().has_value());
    constexpr int kClients = 12;
    constexpr int kRounds = 20;
    std::atomic<bool> done{false};
    std::thread committer([&] {
        std::vector<std::pair<Responder, std::string>> stale;
        while (!done.load()) {
            std::vector<std::pair<Responder, std::string>> batch;
            {
                std::unique_lock lock(mutex);
                ready.wait_for(lock, std::chrono::milliseconds(2), [&] { return pending.size() >= kClients / 2 || done.load(); });
                batch.swap(pending);
            }
            for (auto& [respond, body] : stale) respond(HttpResponse{500, "text/plain", "late " + body, {}});
            stale.clear();
            for (auto& [respond, body] : batch) {
                respond(HttpResponse{200, "text/plain", "ok " + body, {}});
                respond(HttpResponse{500, "text/plain", "twice " + body, {}});  // ignored
                stale.emplace_back(respond, body);  // answered again during the next request: ignored too
            }
        }
    });
    std::vector<std::thread> clients;
    std::atomic<int> good{0};
    for (int c = 0; c < kClients; ++c) {
        clients.emplace_back([&, c] {
            Client client(server.port());
            for (int i = 0; i < kRounds; ++i) {
                const std::string body = std::to_string(c) + ":" + std::to_string(i);
                auto res = client.Send(http::verb::post, "/order", body);
                if (res.result_int() == 200 && res.body() == "ok " + body) ++good;
            }
        });
    }
    for (auto& t : clients) t.join();
    done = true;
    committer.join();
    EXPECT_EQ(good.load(), kClients * kRounds);
    server.Stop();
}

TEST(HttpServerRoutingTest, WritesWellFormedHeads) {
    HttpServerOptions o;
    o.port = 0;
    HttpServer server(o);
    server.Route("DELETE", "/thing", [](const HttpRequest&) { return HttpResponse{204, "", "", {}}; });
    server.Route("GET", "/headers", [](const HttpRequest& r) {
        HttpResponse res{200, "text/plain", r.Header("x-probe"), {}};
        res.headers.emplace_back("Retry-After", "1");
        res.headers.emplace_back("X-Split", "a\r\nSet-Cookie: evil=1");  // never written: it would split the head
        return res;
    });
    ASSERT_TRUE(server.Start().has_value());
    Client c(server.port());
    auto gone = c.Send(http::verb::delete_, "/thing");
    EXPECT_EQ(gone.result_int(), 204);
    EXPECT_TRUE(gone.body().empty());
    EXPECT_EQ(gone.find(http::field::content_length), gone.end());
    EXPECT_TRUE(gone.keep_alive());

    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
    http::request<http::string_body> req{http::verb::get, "/headers", 10};  // HTTP/1.0 asking for keep-alive
    req.set(http::field::host, "127.0.0.1");
    req.set("X-Probe", "value seen");
    req.keep_alive(true);
    beast::flat_buffer buffer;
    for (int i = 0; i < 2; ++i) {
        http::write(stream, req);
        http::response<http::string_body> res;
        http::read(stream, buffer, res);
        EXPECT_EQ(res.result_int(), 200);
        EXPECT_EQ(res.version(), 10u);
        EXPECT_EQ(res.body(), "value seen");
        EXPECT_EQ(res[http::field::retry_after], "1");
        EXPECT_EQ(res.find("X-Split"), res.end());
        EXPECT_EQ(res.find(http::field::set_cookie), res.end());
        EXPECT_TRUE(res.keep_alive()) << "HTTP/1.0 keep-alive is honoured";
    }
    req.keep_alive(false);
    http::write(stream, req);
    http::response<http::string_body> last;
    http::read(stream, buffer, last);
    EXPECT_FALSE(last.keep_alive());
    beast::error_code ec;
    http::response<http::string_body> none;
    http::read(stream, buffer, none, ec);
    EXPECT_TRUE(ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
    server.Stop();
}

TEST(HttpServerStartTest, ReportsAnAddressInUse) {
    HttpServerOptions o;
    o.port = 0;
    HttpServer first(o);
    ASSERT_TRUE(first.Start().has_value());
    o.port = first.port();
    HttpServer second(o);
    auto r = second.Start();
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message.find(std::to_string(first.port())), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace ik::gateway
