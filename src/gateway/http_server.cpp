#include "gateway/http_server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <list>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include "common/log.hpp"
#include "common/thread_name.hpp"
#include "gateway/websocket.hpp"

namespace ik::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

HttpResponse JsonError(int status, int code, const std::string& message) {
    boost::json::object body;
    body["code"] = code;
    body["message"] = message;
    return HttpResponse{status, "application/json", boost::json::serialize(body)};
}

namespace {

const std::string kEmpty;

int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Percent-decoding; `plus_is_space` for query strings. nullopt for a broken escape.
std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%') {
            if (i + 2 >= s.size()) return std::nullopt;
            const int hi = HexValue(s[i + 1]);
            const int lo = HexValue(s[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else if (plus_is_space && s[i] == '+') {
            out.push_back(' ');
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

std::vector<std::string_view> SplitPath(std::string_view path) {
    std::vector<std::string_view> parts;
    std::size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '/') {
            ++i;
            continue;
        }
        const std::size_t j = path.find('/', i);
        const std::size_t end = j == std::string_view::npos ? path.size() : j;
        parts.push_back(path.substr(i, end - i));
        i = end;
    }
    return parts;
}

}  // namespace

const std::string& HttpRequest::Param(std::string_view name) const {
    for (const auto& [k, v] : params) {
        if (k == name) return v;
    }
    return kEmpty;
}

std::optional<std::string> HttpRequest::Query(std::string_view name) const {
    auto it = query.find(std::string(name));
    if (it == query.end()) return std::nullopt;
    return it->second;
}

const std::string& HttpRequest::Header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (k == name) return v;
    }
    return kEmpty;
}

struct HttpServer::Impl {
    // One io_context per thread, each run by exactly one thread: a connection lives on one of them, so its
    // handlers never run concurrently and need no strand.
    explicit Impl(HttpServerOptions o) : options(std::move(o)), workers(MakeWorkers(options.threads)), acceptor(workers[0]->ioc) {}

    class Session;

    // An I/O thread's context, and the answers other threads have handed it. Answers that arrive together
    // (a durable commit completes many orders at once) are written by one wake-up of the I/O thread rather
    // than one each.
    struct Worker {
        asio::io_context ioc{1};
        std::mutex mutex;
        std::vector<std::pair<std::shared_ptr<Session>, HttpResponse>> inbox;
        bool drain_posted = false;

        void Deliver(std::shared_ptr<Session> session, HttpResponse res) {
            bool post = false;
            {
                std::lock_guard lock(mutex);
                inbox.emplace_back(std::move(session), std::move(res));
                post = !std::exchange(drain_posted, true);
            }
            if (post) asio::post(ioc, [this] { Drain(); });
        }

        void Drain() {
            std::vector<std::pair<std::shared_ptr<Session>, HttpResponse>> ready;
            {
                std::lock_guard lock(mutex);
                ready.swap(inbox);
                drain_posted = false;
            }
            for (auto& [session, res] : ready) session->Answer(std::move(res));
        }
    };

    static std::vector<std::unique_ptr<Worker>> MakeWorkers(int threads) {
        std::vector<std::unique_ptr<Worker>> out;
        for (int i = 0; i < std::max(1, threads); ++i) out.push_back(std::make_unique<Worker>());
        return out;
    }

    struct RouteEntry {
        std::string method;  // empty for WebSocket routes
        std::string pattern;
        std::vector<std::string> segments;  // "{name}" = placeholder
        AsyncHandler handler;
        WebSocketHandler ws;
    };

    HttpServerOptions options;
    std::vector<std::unique_ptr<Worker>> workers;
    // Keeps every context running while the server accepts; released by Stop().
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> running;
    std::size_t next_context = 0;  // touched only by the accepting thread
    tcp::acceptor acceptor;
    std::vector<std::thread> threads;
    std::vector<RouteEntry> routes;
    RequestObserver observer;
    Handler fallback;
    std::atomic<bool> stopping{false};
    std::mutex sessions_mutex;
    std::list<std::weak_ptr<Session>> sessions;
    std::list<std::weak_ptr<WebSocketConnection>> websockets;
    unsigned short bound_port = 0;

    struct PathHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    // Routes without placeholders by normalised path, built at Start(): most requests need one hash lookup.
    std::unordered_map<std::string, std::vector<const RouteEntry*>, PathHash, std::equal_to<>> exact;

    void Add(RouteEntry e) {
        for (auto seg : SplitPath(e.pattern)) e.segments.emplace_back(seg);
        routes.push_back(std::move(e));
    }

    static bool IsPlaceholder(const std::string& seg) { return seg.size() >= 2 && seg.front() == '{' && seg.back() == '}'; }

    void Index() {
        exact.clear();
        for (const auto& r : routes) {
            if (std::any_of(r.segments.begin(), r.segments.end(), IsPlaceholder)) continue;
            std::string key;
            for (const auto& seg : r.segments) key += "/" + seg;
            exact[key].push_back(&r);
        }
    }

    // Finds the route for a raw (still percent-encoded) path: exact segments win over placeholders, so
    // "/v2/orders:by_client_order_id" and "/v2/positions" are never taken for "{id}". Each segment is decoded
    // exactly once. `method_mismatch` tells 405 from 404.
    const RouteEntry* Match(const std::string& method, std::string_view raw_path, bool websocket, HttpRequest& req,
                            bool& method_mismatch) const {
        auto exact_match = [&](std::string_view key) -> const RouteEntry* {
            auto it = exact.find(key);
            if (it == exact.end()) return nullptr;
            for (const RouteEntry* r : it->second) {
                if (static_cast<bool>(r->ws) == websocket && (websocket || r->method == method)) {
                    method_mismatch = false;
                    req.route = r->pattern;
                    return r;
                }
            }
            return nullptr;
        };
        // The common case, a path with no escapes, empty segments or trailing slash, is its own key.
        const bool plain = raw_path.size() > 1 && raw_path.front() == '/' && raw_path.back() != '/' &&
                           raw_path.find('%') == std::string_view::npos &&
                           raw_path.find("//") == std::string_view::npos;
        if (plain) {
            if (const RouteEntry* r = exact_match(raw_path)) return r;
        }
        std::vector<std::string> parts;
        std::string key;
        for (auto seg : SplitPath(raw_path)) {
            auto decoded = PercentDecode(seg, false);
            parts.push_back(decoded ? std::move(*decoded) : std::string(seg));
            if (!plain) key += "/" + parts.back();
        }
        if (!plain) {  // a plain path was its own key, looked up above
            if (const RouteEntry* r = exact_match(key)) return r;
        }
        const RouteEntry* best = nullptr;
        int best_exact = -1;
        method_mismatch = false;
        for (const auto& r : routes) {
            if (r.segments.size() != parts.size()) continue;
            int exact = 0;
            bool ok = true;
            for (std::size_t i = 0; i < parts.size() && ok; ++i) {
                const auto& seg = r.segments[i];
                if (seg.size() >= 2 && seg.front() == '{' && seg.back() == '}') continue;
                if (seg != parts[i]) ok = false;
                ++exact;
            }
            if (!ok) continue;
            const bool is_ws = static_cast<bool>(r.ws);
            if (is_ws != websocket || (!websocket && r.method != method)) {
                if (!websocket && !is_ws) method_mismatch = true;
                continue;
            }
            if (exact > best_exact) {
                best = &r;
                best_exact = exact;
            }
        }
        if (best == nullptr) return nullptr;
        method_mismatch = false;
        req.route = best->pattern;
        for (std::size_t i = 0; i < parts.size(); ++i) {
            const auto& seg = best->segments[i];
            if (seg.size() >= 2 && seg.front() == '{' && seg.back() == '}') {
                req.params.emplace_back(seg.substr(1, seg.size() - 2), parts[i]);
            }
        }
        return best;
    }

    class Session : public std::enable_shared_from_this<Session> {
    public:
        Session(Impl& server, Worker& worker, tcp::socket socket)
            : server_(server), worker_(worker), ioc_(worker.ioc), stream_(std::move(socket)) {
            beast::error_code ec;
            auto ep = stream_.socket().remote_endpoint(ec);
            if (!ec) remote_ = ep.address().to_string();
        }

        void Start() { Read(); }

        // Writes the answer to the current request (on this connection's I/O thread).
        void Answer(HttpResponse res) { Respond(std::move(res)); }

        // Closes the connection if it is waiting for a request; a request in progress finishes first.
        void CloseIfIdle() {
            asio::post(ioc_, [self = shared_from_this()] {
                if (self->idle_) self->stream_.socket().close();
            });
        }

    private:
        void Read() {
            idle_ = true;
            parser_.emplace();
            parser_->body_limit(server_.options.max_body_bytes);
            parser_->header_limit(static_cast<std::uint32_t>(server_.options.max_header_bytes));
            stream_.expires_after(std::chrono::milliseconds(server_.options.read_timeout_ms));
            http::async_read(stream_, buffer_, *parser_,
                             [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->OnRead(ec, n); });
        }

        // Resets the request for reuse: strings keep their capacity, so a connection's steady stream of similar
        // requests allocates little.
        void ClearRequest() {
            req_.method.clear();
            req_.target.clear();
            req_.path.clear();
            req_.body.clear();
            req_.params.clear();
            req_.query.clear();
            req_.route.clear();
        }

        void Fail(int status, int code, const std::string& message) {
            started_ = std::chrono::steady_clock::now();
            ClearRequest();
            req_.headers.clear();
            req_.method = "-";
            req_.route = "-";
            Write(JsonError(status, code, message), false, 11);
        }

        void OnRead(beast::error_code ec, std::size_t bytes) {
            idle_ = false;
            if (ec == http::error::body_limit) {
                return Fail(413, 41300000,
                            "request body larger than " + std::to_string(server_.options.max_body_bytes) + " bytes");
            }
            if (ec == http::error::header_limit) return Fail(431, 43100000, "request headers too large");
            if (ec) {
                if (ec != http::error::end_of_stream && ec != asio::error::operation_aborted &&
                    ec != beast::error::timeout && ec != asio::error::connection_reset && ec != asio::error::bad_descriptor) {
                    // A malformed request line or headers: answer 400 and close.
                    return Fail(400, 40010000, "malformed HTTP request: " + ec.message());
                }
                beast::error_code ignored;
                stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
                return;
            }
            started_ = std::chrono::steady_clock::now();
            bytes_in_ = bytes;
            auto& msg = parser_->get();
            ClearRequest();
            req_.method.assign(msg.method_string());
            req_.target.assign(msg.target());
            if (req_.remote.empty()) req_.remote = remote_;
            const auto q = req_.target.find('?');
            auto path = PercentDecode(std::string_view(req_.target).substr(0, q), false);
            if (!path) return Respond(JsonError(400, 40010000, "malformed percent-encoding in the path"));
            req_.path = std::move(*path);
            if (q != std::string::npos) {
                std::string_view rest = std::string_view(req_.target).substr(q + 1);
                while (!rest.empty()) {
                    const auto amp = rest.find('&');
                    const std::string_view pair = rest.substr(0, amp);
                    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
                    if (pair.empty()) continue;
                    const auto eq = pair.find('=');
                    auto key = PercentDecode(pair.substr(0, eq), true);
                    auto value = PercentDecode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
                    if (!key || !value) return Respond(JsonError(400, 40010000, "malformed percent-encoding in the query"));
                    req_.query.emplace(std::move(*key), std::move(*value));
                }
            }
            // Header slots are reused in place: assigning into an existing string keeps its buffer.
            std::size_t n = 0;
            for (const auto& field : msg) {
                if (n == req_.headers.size()) req_.headers.emplace_back();
                auto& [name, value] = req_.headers[n++];
                name.assign(field.name_string());
                for (char& c : name) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
                value.assign(field.value());
            }
            req_.headers.resize(n);
            keep_alive_ = msg.keep_alive();
            version_ = msg.version();

            const bool upgrade = websocket::is_upgrade(msg);
            bool method_mismatch = false;
            const RouteEntry* route = server_.Match(req_.method, std::string_view(req_.target).substr(0, q), upgrade,
                                                    req_, method_mismatch);
            if (upgrade && route != nullptr) {
                if (server_.stopping.load()) return Respond(JsonError(503, 50300000, "server is shutting down"));
                Observe(101, 0);
                auto conn = std::make_shared<WebSocketConnection>(std::move(stream_), WebSocketOptions{});
                {
                    std::lock_guard lock(server_.sessions_mutex);
                    server_.websockets.remove_if([](const auto& w) { return w.expired(); });
                    server_.websockets.push_back(conn);
                }
                try {
                    route->ws(conn, req_);
                } catch (const std::exception& e) {
                    GetLogger("gateway")->error("event=handler_failed path={} error=\"{}\"", req_.path, e.what());
                    conn->Close(1011, "internal error");
                }
                conn->Accept(parser_->release());
                return;
            }
            if (route == nullptr) {
                if (method_mismatch) return Respond(JsonError(405, 40510000, "method " + req_.method + " not allowed"));
                if (server_.fallback && !upgrade && (req_.method == "GET" || req_.method == "HEAD")) {
                    req_.route = "(static)";
                    req_.body = std::move(msg.body());
                    try {
                        return Respond(server_.fallback(req_));
                    } catch (const std::exception& e) {
                        GetLogger("gateway")->error("event=handler_failed path={} error=\"{}\"", req_.path, e.what());
                        return Respond(JsonError(500, 50000000, "internal error"));
                    }
                }
                return Respond(JsonError(404, 40410000, "endpoint not found: " + req_.path));
            }
            req_.body = std::move(msg.body());
            // Until the answer is written, the work guard keeps this connection's I/O context running, so Stop()
            // waits for answers that come from other threads (e.g. after a durable commit).
            busy_.emplace(ioc_.get_executor());
            const std::uint64_t request = ++requests_;
            Responder respond = [self = shared_from_this(), request](HttpResponse res) {
                // Once per request: a second call, or a late call for an earlier request, is ignored.
                std::uint64_t unanswered = request - 1;
                if (!self->answered_.compare_exchange_strong(unanswered, request)) return;
                if (self->ioc_.get_executor().running_in_this_thread()) return self->Respond(std::move(res));
                Worker& worker = self->worker_;
                worker.Deliver(self, std::move(res));
            };
            try {
                route->handler(req_, respond);
            } catch (const std::exception& e) {
                GetLogger("gateway")->error("event=handler_failed path={} error=\"{}\"", req_.path, e.what());
                respond(JsonError(500, 50000000, "internal error"));
            }
        }

        void Observe(int status, std::size_t bytes_out) {
            if (!server_.observer) return;
            RequestRecord rec;
            rec.method = req_.method;
            rec.route = req_.route.empty() ? std::string_view("-") : std::string_view(req_.route);
            rec.target = req_.target;
            rec.remote = remote_;
            rec.status = status;
            rec.bytes_in = bytes_in_;
            rec.bytes_out = bytes_out;
            rec.duration = std::chrono::steady_clock::now() - started_;
            server_.observer(rec);
        }

        void Respond(HttpResponse r) {
            Write(std::move(r), keep_alive_ && !server_.stopping.load(), version_);
            busy_.reset();
        }

        static bool SafeHeaderText(std::string_view s) {
            return std::none_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
        }

        // Writes the status line and headers by hand (no per-response field container) and sends them with the
        // body in one gathered write.
        void Write(HttpResponse r, bool keep_alive, unsigned version) {
            const bool has_body = !(r.status == 204 || r.status == 304 || (r.status >= 100 && r.status < 200));
            if (!has_body) r.body.clear();
            head_.clear();
            head_ += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
            head_ += std::to_string(r.status);
            head_ += ' ';
            head_ += http::obsolete_reason(static_cast<http::status>(r.status));
            head_ += "\r\nServer: investking\r\n";
            if (has_body) {
                head_ += "Content-Type: ";
                head_ += r.content_type;
                head_ += "\r\n";
            }
            for (const auto& [k, v] : r.headers) {
                if (k.empty() || !SafeHeaderText(k) || !SafeHeaderText(v)) continue;  // never split the head
                head_ += k;
                head_ += ": ";
                head_ += v;
                head_ += "\r\n";
            }
            if (!keep_alive) {
                head_ += "Connection: close\r\n";
            } else if (version == 10) {
                head_ += "Connection: keep-alive\r\n";
            }
            if (has_body) {
                head_ += "Content-Length: ";
                head_ += std::to_string(r.body.size());
                head_ += "\r\n";
            }
            head_ += "\r\n";
            body_ = std::move(r.body);
            if (req_.method == "HEAD") body_.clear();  // Content-Length above still tells the GET answer's size
            Observe(r.status, body_.size());
            stream_.expires_after(std::chrono::milliseconds(server_.options.read_timeout_ms));
            const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_), asio::buffer(body_)};
            asio::async_write(stream_, buffers, [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                if (ec || !keep_alive || self->server_.stopping.load()) {
                    beast::error_code ignored;
                    self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
                    return;
                }
                self->Read();
            });
        }

        Impl& server_;
        Worker& worker_;
        asio::io_context& ioc_;
        beast::tcp_stream stream_;
        beast::flat_buffer buffer_;
        std::optional<http::request_parser<http::string_body>> parser_;
        std::optional<asio::executor_work_guard<asio::io_context::executor_type>> busy_;
        std::uint64_t requests_ = 0;               // requests routed to a handler on this connection
        std::atomic<std::uint64_t> answered_{0};   // the last of them answered
        bool idle_ = true;
        std::string remote_;
        HttpRequest req_;
        std::string head_;  // the response being written
        std::string body_;
        bool keep_alive_ = true;
        unsigned version_ = 11;
        std::size_t bytes_in_ = 0;
        std::chrono::steady_clock::time_point started_{};
    };

    void Accept() {
        // Connections go to the I/O contexts in turn.
        Worker& target = *workers[next_context++ % workers.size()];
        acceptor.async_accept(target.ioc, [this, &target](beast::error_code ec, tcp::socket socket) {
            if (ec) {
                if (stopping.load() || ec == asio::error::operation_aborted) return;
                GetLogger("gateway")->warn("event=accept_failed error=\"{}\"", ec.message());
            } else if (stopping.load()) {
                beast::error_code ignored;
                socket.close(ignored);
                return;
            } else {
                beast::error_code ignored;
                socket.set_option(tcp::no_delay(true), ignored);
                auto session = std::make_shared<Session>(*this, target, std::move(socket));
                {
                    std::lock_guard lock(sessions_mutex);
                    sessions.remove_if([](const auto& w) { return w.expired(); });
                    sessions.push_back(session);
                }
                asio::post(target.ioc, [session] { session->Start(); });
            }
            if (!stopping.load()) Accept();
        });
    }
};

HttpServer::HttpServer(HttpServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Route(const std::string& method, const std::string& pattern, Handler handler) {
    RouteAsync(method, pattern, [h = std::move(handler)](const HttpRequest& req, Responder respond) {
        respond(h(req));
    });
}

void HttpServer::RouteAsync(const std::string& method, const std::string& pattern, AsyncHandler handler) {
    Impl::RouteEntry e;
    e.method = method;
    e.pattern = pattern;
    e.handler = std::move(handler);
    impl_->Add(std::move(e));
}

void HttpServer::RouteWebSocket(const std::string& pattern, WebSocketHandler handler) {
    Impl::RouteEntry e;
    e.method = "GET";
    e.pattern = pattern;
    e.ws = std::move(handler);
    impl_->Add(std::move(e));
}

void HttpServer::SetObserver(RequestObserver observer) { impl_->observer = std::move(observer); }

void HttpServer::SetFallback(Handler handler) { impl_->fallback = std::move(handler); }

std::vector<std::pair<std::string, std::string>> HttpServer::Routes() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& r : impl_->routes) out.emplace_back(r.ws ? "WEBSOCKET" : r.method, r.pattern);
    return out;
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
        tcp::resolver resolver(m.workers[0]->ioc);
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
    m.Index();
    m.Accept();
    for (std::size_t i = 0; i < m.workers.size(); ++i) {
        m.running.push_back(asio::make_work_guard(m.workers[i]->ioc));
        m.threads.emplace_back([&ioc = m.workers[i]->ioc, i] {
            NameThisThread("ik-http-" + std::to_string(i));
            ioc.run();
        });
    }
    return {};
}

void HttpServer::Stop() {
    auto& m = *impl_;
    if (m.threads.empty()) return;
    m.stopping = true;
    asio::post(m.workers[0]->ioc, [&m] {
        beast::error_code ignored;
        m.acceptor.close(ignored);
    });
    {
        std::lock_guard lock(m.sessions_mutex);
        for (auto& w : m.sessions) {
            if (auto s = w.lock()) s->CloseIfIdle();
        }
        for (auto& w : m.websockets) {
            if (auto c = w.lock()) c->Close(1001, "server shutting down");
        }
    }
    // Each context now runs until its connections have finished their requests.
    for (auto& g : m.running) g.reset();
    for (auto& t : m.threads) t.join();
    m.threads.clear();
    m.running.clear();
}

unsigned short HttpServer::port() const { return impl_->bound_port; }

}  // namespace ik::gateway
