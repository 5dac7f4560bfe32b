#pragma once
// The HTTP/1.1 server of the gateway, on Boost.Beast and Asio: keep-alive, request size limits, read
// timeouts, graceful shutdown (stop accepting, let in-flight requests finish, including ones whose handler
// answers later from another thread). Routes are registered by method and path pattern before Start():
// exact segments or `{name}` placeholders ("/v2/orders/{id}"). A WebSocket upgrade on a path registered
// with RouteWebSocket() hands the connection to that handler. Start()/Stop() from one thread; handlers run
// on the server's I/O threads and must be thread-safe.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/error.hpp"

namespace ik::gateway {

class WebSocketConnection;

struct HttpRequest {
    std::string method;  // "GET", "POST", …
    std::string target;  // path and query, as received
    std::string path;    // path only, percent-decoded
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // lower-case names, in arrival order
    std::vector<std::pair<std::string, std::string>> params;  // path placeholders, in pattern order
    std::multimap<std::string, std::string> query;           // decoded query parameters
    std::string route;   // the matched pattern, e.g. "/v2/orders/{id}" (metrics and logs)
    std::string remote;  // peer address

    // The named path placeholder, or "" when the pattern has none by that name.
    const std::string& Param(std::string_view name) const;
    // The first value of a query parameter.
    std::optional<std::string> Query(std::string_view name) const;
    // The first value of a header, or "" (names are lower-case).
    const std::string& Header(std::string_view name) const;
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

// Answers a request once, from any thread.
using Responder = std::function<void(HttpResponse)>;
using Handler = std::function<HttpResponse(const HttpRequest&)>;
// An asynchronous handler must copy what it needs from the request before returning.
using AsyncHandler = std::function<void(const HttpRequest&, Responder)>;
// Receives an accepted WebSocket connection (already upgraded) with the upgrade request.
using WebSocketHandler = std::function<void(std::shared_ptr<WebSocketConnection>, const HttpRequest&)>;

// What the server reports after every answered request (access log and metrics).
struct RequestRecord {
    std::string_view method;
    std::string_view route;  // the pattern, "-" when no route matched
    std::string_view target;
    std::string_view remote;
    int status = 0;
    std::size_t bytes_in = 0;
    std::size_t bytes_out = 0;
    std::chrono::nanoseconds duration{0};
};
using RequestObserver = std::function<void(const RequestRecord&)>;

struct HttpServerOptions {
    std::string host = "127.0.0.1";
    unsigned short port = 8080;            // 0 = any free port (see port())
    std::size_t max_body_bytes = 1 << 20;  // larger requests get 413
    std::size_t max_header_bytes = 16 * 1024;  // larger request heads get 431
    int read_timeout_ms = 30'000;          // idle keep-alive connections are closed after this
    int threads = 1;
};

// An error body in the platform's shape: {"code": …, "message": …}.
HttpResponse JsonError(int status, int code, const std::string& message);

class HttpServer final {
public:
    explicit HttpServer(HttpServerOptions options);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    void Route(const std::string& method, const std::string& pattern, Handler handler);
    void RouteAsync(const std::string& method, const std::string& pattern, AsyncHandler handler);
    void RouteWebSocket(const std::string& pattern, WebSocketHandler handler);
    void SetObserver(RequestObserver observer);
    // Answers GET and HEAD requests that match no route (e.g. the web app's files); without one they get 404.
    // A HEAD answer carries the headers and Content-Length of the GET answer, without its body.
    void SetFallback(Handler handler);
    // The registered routes as (method, pattern), e.g. for checking an API document against them.
    std::vector<std::pair<std::string, std::string>> Routes() const;

    // Binds and starts serving; kUnavailable with the address when it cannot bind.
    Status Start();
    // Stops accepting, closes idle connections and WebSockets, lets in-flight requests finish, joins the
    // threads.
    void Stop();
    unsigned short port() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ik::gateway
