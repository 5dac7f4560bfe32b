#include "gateway/http_server.hpp"

#include <atomic>
#include <chrono>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "common/log.hpp"

namespace ik::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

HttpResponse JsonError(int status, int code, const std::string& message) {
    boost::json::object body;
    body["code"] = code;
    body["message"] = message;
    return HttpResponse{status, "application/json", boost::json::serialize(body)};
}

namespace {

std::string Lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

struct HttpServer::Impl {
    explicit Impl(HttpServerOptions o) : options(std::move(o)), acceptor(ioc) {}

    class Session;

    HttpServerOptions options;
    asio::io_context ioc;
    tcp::acceptor acceptor;
    std::vector<std::thread> threads;
    std::map<std::pair<std::string, std::string>, Handler> routes;
    std::atomic<bool> stopping{false};
    std::mutex sessions_mutex;
    std::list<std::weak_ptr<Session>> sessions;
    unsigned short bound_port = 0;

    HttpResponse Dispatch(const HttpRequest& req) {
        auto it = routes.find({req.method, req.path});
        if (it != routes.end()) return it->second(req);
        for (const auto& [key, handler] : routes) {
            if (key.second == req.path) return JsonError(405, 40510000, "method " + req.method + " not allowed");
        }
        return JsonError(404, 40410000, "endpoint not found: " + req.path);
    }

    class Session : public std::enable_shared_from_this<Session> {
    public:
        Session(Impl& server, tcp::socket socket) : server_(server), stream_(std::move(socket)) {}

        void Start() { Read(); }

        // Closes the connection if it is waiting for a request; a request in progress finishes first.
        void CloseIfIdle() {
            asio::post(stream_.get_executor(), [self = shared_from_this()] {
                if (self->idle_) self->stream_.socket().close();
            });
        }

    private:
        void Read() {
            idle_ = true;
            parser_.emplace();
            parser_->body_limit(server_.options.max_body_bytes);
            parser_->header_limit(16 * 1024);
            stream_.expires_after(std::chrono::milliseconds(server_.options.read_timeout_ms));
            http::async_read(stream_, buffer_, *parser_,
                             [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
        }

        void OnRead(beast::error_code ec) {
            idle_ = false;
            if (ec == http::error::body_limit) {
                return Write(JsonError(413, 41300000, "request body larger than " +
                                                          std::to_string(server_.options.max_body_bytes) + " bytes"),
                             false, 11);
            }
            if (ec == http::error::header_limit) return Write(JsonError(431, 43100000, "request headers too large"), false, 11);
            if (ec) {
                if (ec != http::error::end_of_stream && ec != asio::error::operation_aborted &&
                    ec != beast::error::timeout && ec != asio::error::connection_reset && ec != asio::error::bad_descriptor) {
                    // A malformed request line or headers: answer 400 and close.
                    return Write(JsonError(400, 40000000, "malformed HTTP request: " + ec.message()), false, 11);
                }
                beast::error_code ignored;
                stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
                return;
            }
            const auto& msg = parser_->get();
            HttpRequest req;
            req.method = std::string(msg.method_string());
            req.target = std::string(msg.target());
            req.path = req.target.substr(0, req.target.find('?'));
            req.body = msg.body();
            for (const auto& field : msg) req.headers[Lower(field.name_string())] = std::string(field.value());
            HttpResponse res;
            try {
                res = server_.Dispatch(req);
            } catch (const std::exception& e) {
                GetLogger("gateway")->error("event=handler_failed path={} error=\"{}\"", req.path, e.what());
                res = JsonError(500, 50000000, "internal error");
            }
            Write(res, msg.keep_alive() && !server_.stopping.load(), msg.version());
        }

        void Write(const HttpResponse& r, bool keep_alive, unsigned version) {
            auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), version);
            res->set(http::field::server, "investking");
            res->set(http::field::content_type, r.content_type);
            res->keep_alive(keep_alive);
            res->body() = r.body;
            res->prepare_payload();
            http::async_write(stream_, *res, [self = shared_from_this(), res, keep_alive](beast::error_code ec, std::size_t) {
                if (ec || !keep_alive || self->server_.stopping.load()) {
                    beast::error_code ignored;
                    self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
                    return;
                }
                self->Read();
            });
        }

        Impl& server_;
        beast::tcp_stream stream_;
        beast::flat_buffer buffer_;
        std::optional<http::request_parser<http::string_body>> parser_;
        bool idle_ = true;
    };

    void Accept() {
        acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
            if (ec) {
                if (stopping.load() || ec == asio::error::operation_aborted) return;
                GetLogger("gateway")->warn("event=accept_failed error=\"{}\"", ec.message());
            } else if (stopping.load()) {
                beast::error_code ignored;
                socket.close(ignored);
                return;
            } else {
                auto session = std::make_shared<Session>(*this, std::move(socket));
                {
                    std::lock_guard lock(sessions_mutex);
                    sessions.remove_if([](const auto& w) { return w.expired(); });
                    sessions.push_back(session);
                }
                session->Start();
            }
            if (!stopping.load()) Accept();
        });
    }
};

HttpServer::HttpServer(HttpServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Route(const std::string& method, const std::string& path, Handler handler) {
    impl_->routes[{method, path}] = std::move(handler);
}

Status HttpServer::Start() {
    auto& m = *impl_;
    beast::error_code ec;
    const std::string where = m.options.host + ":" + std::to_string(m.options.port);
    tcp::endpoint endpoint;
    const auto address = asio::ip::make_address(m.options.host, ec);
    if (!ec) {
        endpoint = tcp::endpoint(address, m.options.port);
    } else {
        // A host name such as "localhost": bind its first address.
        tcp::resolver resolver(m.ioc);
        auto results = resolver.resolve(m.options.host, std::to_string(m.options.port), ec);
        if (ec || results.empty()) {
            return MakeError(ErrorCode::kUnavailable, "cannot listen on " + where + ": cannot resolve the host");
        }
        endpoint = results.begin()->endpoint();
    }
    m.acceptor.open(endpoint.protocol(), ec);
    if (!ec) m.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) m.acceptor.bind(endpoint, ec);
    if (!ec) m.acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return MakeError(ErrorCode::kUnavailable, "cannot listen on " + where + ": " + ec.message());
    m.bound_port = m.acceptor.local_endpoint().port();
    m.Accept();
    for (int i = 0; i < std::max(1, m.options.threads); ++i) m.threads.emplace_back([&m] { m.ioc.run(); });
    return {};
}

void HttpServer::Stop() {
    auto& m = *impl_;
    if (m.threads.empty()) return;
    m.stopping = true;
    asio::post(m.ioc, [&m] {
        beast::error_code ignored;
        m.acceptor.close(ignored);
    });
    {
        std::lock_guard lock(m.sessions_mutex);
        for (auto& w : m.sessions) {
            if (auto s = w.lock()) s->CloseIfIdle();
        }
    }
    for (auto& t : m.threads) t.join();
    m.threads.clear();
}

unsigned short HttpServer::port() const { return impl_->bound_port; }

}  // namespace ik::gateway
