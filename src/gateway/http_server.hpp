#pragma once
// The HTTP/1.1 server of the gateway, on Boost.Beast and Asio: keep-alive, a request size limit, read
// timeouts, graceful shutdown (stop accepting, let in-flight requests finish). Handlers are plain functions
// from a request to a response, registered by method and exact path before Start(). Start()/Stop() from one
// thread; handlers run on the server's I/O threads and must be thread-safe.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "common/error.hpp"

namespace ik::gateway {

struct HttpRequest {
    std::string method;  // "GET", "POST", …
    std::string target;  // path and query, as received
    std::string path;    // path only
    std::string body;
    std::map<std::string, std::string> headers;  // lower-case names
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
};

using Handler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
    std::string host = "127.0.0.1";
    unsigned short port = 8080;          // 0 = any free port (see port())
    std::size_t max_body_bytes = 1 << 20;  // larger requests get 413
    int read_timeout_ms = 30'000;        // idle keep-alive connections are closed after this
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

    void Route(const std::string& method, const std::string& path, Handler handler);
    // Binds and starts serving; kUnavailable with the address when it cannot bind.
    Status Start();
    // Stops accepting, lets in-flight requests finish, joins the threads.
    void Stop();
    unsigned short port() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ik::gateway
