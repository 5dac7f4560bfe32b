#pragma once
// One synchronous HTTP(S) POST on libcurl, the transport under webhooks and the SNS client. Each call uses its own
// curl easy handle, so Post is thread-safe; libcurl's global state is initialised once, on the first call.
//
// With refuse_internal the target host is resolved here, the request is refused when the name or any address it
// resolves to is internal (address.hpp), and curl is pinned to exactly the checked addresses (CURLOPT_RESOLVE, and a
// check of every socket curl opens), so a second DNS answer cannot move the connection inside (DNS rebinding).
// Proxies from the environment are ignored and redirects are never followed.
#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/error.hpp"

namespace ik::alerts::delivery {

inline constexpr std::size_t kMaxResponseBodyBytes = 64 * 1024;

struct PostRequest {
    std::string url;  // http:// or https:// only; no user:password@
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    int timeout_ms = 10'000;  // the whole exchange: connect, send, answer (name resolution not included)
    bool refuse_internal = true;
    // How refuse_internal resolves a host name: its IP addresses as text. Empty = getaddrinfo (which is not bounded
    // by timeout_ms). Tests inject answers here, since a DNS server that changes its mind cannot be staged otherwise.
    std::function<Result<std::vector<std::string>>(const std::string& host)> resolver;
};

struct PostResponse {
    long status = 0;   // the HTTP status, whatever it is: the caller decides what 4xx and 5xx mean
    std::string body;  // at most kMaxResponseBodyBytes; the rest is read and dropped
};

// Errors: kInvalidArgument for a URL that is not http(s), carries user info, or does not parse, and for a header with
// a line break; kPermissionDenied for an internal target under refuse_internal; kUnavailable for name resolution,
// connection, TLS and timeout failures (curl's error text). Messages name the host, never the path or query, which
// may carry a secret (webhook URLs often do).
Result<PostResponse> Post(const PostRequest& r);

}  // namespace ik::alerts::delivery
