#pragma once
// A small synchronous HTTP/1.1 client for tests, on Boost.Beast: one keep-alive connection, raw requests
// (any method, headers and body bytes), JSON helpers. Not thread-safe: one client per thread.
#include <map>
#include <memory>
#include <string>

#include <boost/json.hpp>

namespace ik::testing {

struct HttpReply {
    int status = 0;
    std::string body;
    std::map<std::string, std::string> headers;  // lower-case names
    boost::json::value json() const;             // null when the body is not JSON
};

using Headers = std::map<std::string, std::string>;

class HttpClient {
public:
    explicit HttpClient(unsigned short port);
    ~HttpClient();
    HttpReply Send(const std::string& method, const std::string& target, const std::string& body = "",
                   const Headers& headers = {});
    HttpReply Get(const std::string& target, const Headers& headers = {}) { return Send("GET", target, "", headers); }
    HttpReply Post(const std::string& target, const boost::json::value& body, const Headers& headers = {});
    // Writes raw bytes and reads one response (malformed requests); reconnects afterwards.
    HttpReply Raw(const std::string& bytes);

private:
    void Connect();
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ik::testing
