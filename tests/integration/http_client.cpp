#include "integration/http_client.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace ik::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

boost::json::value HttpReply::json() const {
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    return ec ? boost::json::value(nullptr) : v;
}

struct HttpClient::Impl {
    explicit Impl(unsigned short p) : port(p), stream(ioc) {}
    unsigned short port;
    asio::io_context ioc;
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
};

HttpClient::HttpClient(unsigned short port) : impl_(std::make_unique<Impl>(port)) { Connect(); }
HttpClient::~HttpClient() {
    beast::error_code ec;
    impl_->stream.socket().shutdown(tcp::socket::shutdown_both, ec);
}

void HttpClient::Connect() {
    beast::error_code ec;
    impl_->stream.socket().close(ec);
    impl_->buffer.clear();
    impl_->stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), impl_->port));
}

namespace {
HttpReply ToReply(const http::response<http::string_body>& res) {
    HttpReply r;
    r.status = static_cast<int>(res.result_int());
    r.body = res.body();
    for (const auto& f : res) {
        std::string name(f.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[name] = std::string(f.value());
    }
    return r;
}
}  // namespace

HttpReply HttpClient::Send(const std::string& method, const std::string& target, const std::string& body,
                           const Headers& headers) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        http::request<http::string_body> req;
        req.method_string(method);
        req.target(target);
        req.version(11);
        req.set(http::field::host, "127.0.0.1");
        for (const auto& [k, v] : headers) req.set(k, v);
        if (!body.empty() && headers.find("Content-Type") == headers.end()) req.set(http::field::content_type, "application/json");
        req.body() = body;
        req.prepare_payload();
        beast::error_code ec;
        http::write(impl_->stream, req, ec);
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        if (!ec) http::read(impl_->stream, impl_->buffer, parser, ec);
        if (ec) {
            // The server closed an idle or refused connection: reconnect once.
            Connect();
            continue;
        }
        HttpReply r = ToReply(parser.get());
        if (!parser.get().keep_alive()) Connect();
        return r;
    }
    throw std::runtime_error("HTTP request failed twice: " + method + " " + target);
}

HttpReply HttpClient::Post(const std::string& target, const boost::json::value& body, const Headers& headers) {
    return Send("POST", target, boost::json::serialize(body), headers);
}

HttpReply HttpClient::Raw(const std::string& bytes) {
    asio::write(impl_->stream.socket(), asio::buffer(bytes));
    http::response<http::string_body> res;
    beast::error_code ec;
    http::read(impl_->stream, impl_->buffer, res, ec);
    HttpReply r;
    if (!ec) r = ToReply(res);
    Connect();
    return r;
}

}  // namespace ik::testing
