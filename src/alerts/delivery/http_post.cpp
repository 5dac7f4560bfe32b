#include "alerts/delivery/http_post.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/delivery/address.hpp"

namespace ik::alerts::delivery {
namespace {

struct CurlDeleter {
    void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct CurluDeleter {
    void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct SlistDeleter {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct AddrinfoDeleter {
    void operator()(addrinfo* a) const { freeaddrinfo(a); }
};
struct CurlStringDeleter {
    void operator()(char* s) const { curl_free(s); }
};
using CurlString = std::unique_ptr<char, CurlStringDeleter>;

Status GlobalInit() {
    static std::once_flag once;
    static CURLcode rc = CURLE_OK;
    std::call_once(once, [] { rc = curl_global_init(CURL_GLOBAL_DEFAULT); });
    if (rc != CURLE_OK)
        return MakeError(ErrorCode::kInternal, std::string("curl_global_init: ") + curl_easy_strerror(rc));
    return {};
}

// One part of a parsed URL, or nothing when the URL has none (or curl cannot give it).
std::optional<std::string> UrlPart(CURLU* u, CURLUPart part, unsigned flags = 0) {
    char* raw = nullptr;
    if (curl_url_get(u, part, &raw, flags) != CURLUE_OK || raw == nullptr) return std::nullopt;
    CurlString owned(raw);
    return std::string(raw);
}

bool HasLineBreakOrNul(std::string_view s) { return s.find_first_of(std::string_view("\r\n\0", 3)) != s.npos; }

bool IsTokenChar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// An address curl may connect to, compared by family and bytes (the port is curl's business).
struct Allowed {
    int family = 0;
    std::string bytes;
};

std::optional<Allowed> AllowedFrom(const sockaddr* sa) {
    if (sa->sa_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
        return Allowed{AF_INET, std::string(reinterpret_cast<const char*>(&in->sin_addr), sizeof in->sin_addr)};
    }
    if (sa->sa_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
        return Allowed{AF_INET6, std::string(reinterpret_cast<const char*>(&in6->sin6_addr), sizeof in6->sin6_addr)};
    }
    return std::nullopt;
}

std::string AddressText(const sockaddr* sa) {
    char buf[INET6_ADDRSTRLEN] = {};
    const void* src = sa->sa_family == AF_INET
                          ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(sa)->sin_addr)
                          : static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr);
    if (inet_ntop(sa->sa_family, src, buf, sizeof buf) == nullptr) return {};
    return buf;
}

struct SocketGuard {
    std::vector<Allowed> allowed;
    bool refused = false;
};

// Every socket curl opens passes here: an address outside the checked set (however curl came by it) is not
// connected to.
curl_socket_t OpenCheckedSocket(void* clientp, curlsocktype purpose, curl_sockaddr* address) {
    auto* guard = static_cast<SocketGuard*>(clientp);
    if (purpose != CURLSOCKTYPE_IPCXN) {
        guard->refused = true;
        return CURL_SOCKET_BAD;
    }
    const auto candidate = AllowedFrom(&address->addr);
    const bool ok = candidate && std::any_of(guard->allowed.begin(), guard->allowed.end(), [&](const Allowed& a) {
                        return a.family == candidate->family && a.bytes == candidate->bytes;
                    });
    if (!ok) {
        guard->refused = true;
        return CURL_SOCKET_BAD;
    }
    return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

size_t KeepBody(char* data, size_t size, size_t count, void* userp) {
    auto* body = static_cast<std::string*>(userp);
    const size_t n = size * count;
    if (body->size() < kMaxResponseBodyBytes) body->append(data, std::min(n, kMaxResponseBodyBytes - body->size()));
    return n;
}

struct Target {
    std::string host;  // as in the URL; IPv6 in brackets
    std::string port;  // always set (default port of the scheme when the URL has none)
};

Result<Target> CheckUrl(CURLU* u, const std::string& url) {
    if (url.empty()) return MakeError(ErrorCode::kInvalidArgument, "empty URL");
    if (HasLineBreakOrNul(url)) return MakeError(ErrorCode::kInvalidArgument, "URL with a line break");
    if (const CURLUcode rc = curl_url_set(u, CURLUPART_URL, url.c_str(), 0); rc != CURLUE_OK) {
        return MakeError(ErrorCode::kInvalidArgument, std::string("URL does not parse: ") + curl_url_strerror(rc));
    }
    const auto scheme = UrlPart(u, CURLUPART_SCHEME);
    std::string lowered = scheme.value_or("");
    std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lowered != "http" && lowered != "https") {
        return MakeError(ErrorCode::kInvalidArgument, "only http and https URLs are allowed, not '" + lowered + "'");
    }
    if (UrlPart(u, CURLUPART_USER) || UrlPart(u, CURLUPART_PASSWORD) || UrlPart(u, CURLUPART_OPTIONS)) {
        return MakeError(ErrorCode::kInvalidArgument, "URL with user information (user:password@) is not allowed");
    }
    Target t;
    t.host = UrlPart(u, CURLUPART_HOST).value_or("");
    if (t.host.empty()) return MakeError(ErrorCode::kInvalidArgument, "URL without a host");
    if (std::any_of(t.host.begin(), t.host.end(), [](unsigned char c) { return c >= 0x80; })) {
        return MakeError(ErrorCode::kInvalidArgument, "host names must be ASCII (write IDNs in punycode)");
    }
    t.port = UrlPart(u, CURLUPART_PORT, CURLU_DEFAULT_PORT).value_or("");
    if (t.port.empty()) return MakeError(ErrorCode::kInvalidArgument, "URL without a port");
    return t;
}

std::optional<Allowed> AllowedFromText(const std::string& ip) {
    in_addr a4{};
    if (inet_pton(AF_INET, ip.c_str(), &a4) == 1) {
        return Allowed{AF_INET, std::string(reinterpret_cast<const char*>(&a4), sizeof a4)};
    }
    in6_addr a6{};
    if (inet_pton(AF_INET6, ip.c_str(), &a6) == 1) {
        return Allowed{AF_INET6, std::string(reinterpret_cast<const char*>(&a6), sizeof a6)};
    }
    return std::nullopt;
}

Result<std::vector<std::string>> GetAddrInfo(const std::string& host, const std::string& port, bool literal) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (literal ? AI_NUMERICHOST : 0);
    addrinfo* raw = nullptr;
    if (const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &raw); rc != 0) {
        return MakeError(ErrorCode::kUnavailable, std::string("cannot resolve host ") + host + ": " + gai_strerror(rc));
    }
    std::unique_ptr<addrinfo, AddrinfoDeleter> list(raw);
    std::vector<std::string> out;
    for (const addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6) out.push_back(AddressText(ai->ai_addr));
    }
    return out;
}

// Resolves host and checks every answer; fills the allowed set and, for a name, the CURLOPT_RESOLVE entry.
Status CheckTarget(const PostRequest& r, const Target& t, SocketGuard& guard, std::string& resolve_entry) {
    if (IsInternalHostName(t.host)) {
        return MakeError(ErrorCode::kPermissionDenied, "refusing to deliver to internal host " + t.host);
    }
    const bool bracketed = t.host.size() >= 2 && t.host.front() == '[';
    const std::string bare = bracketed ? t.host.substr(1, t.host.size() - 2) : t.host;
    const bool literal = AllowedFromText(bare).has_value();
    auto answers = literal      ? Result<std::vector<std::string>>(std::vector<std::string>{bare})
                   : r.resolver ? r.resolver(bare)
                                : GetAddrInfo(bare, t.port, false);
    if (!answers) return std::unexpected(answers.error());
    std::string addresses;
    for (const std::string& text : *answers) {
        const auto allowed = AllowedFromText(text);
        if (!allowed || IsInternalIp(text)) {
            return MakeError(ErrorCode::kPermissionDenied,
                             "refusing to deliver to host " + t.host + ": it resolves to the internal address " + text);
        }
        if (std::any_of(guard.allowed.begin(), guard.allowed.end(),
                        [&](const Allowed& a) { return a.family == allowed->family && a.bytes == allowed->bytes; })) {
            continue;
        }
        guard.allowed.push_back(*allowed);
        if (!addresses.empty()) addresses += ',';
        addresses += allowed->family == AF_INET6 ? "[" + text + "]" : text;
    }
    if (guard.allowed.empty()) return MakeError(ErrorCode::kUnavailable, "host " + t.host + " has no IP address");
    // curl looks a literal up nowhere; a name it finds in this entry and nowhere else.
    if (!literal) resolve_entry = bare + ":" + t.port + ":" + addresses;
    return {};
}

}  // namespace

Result<PostResponse> Post(const PostRequest& r) {
    if (auto s = GlobalInit(); !s) return std::unexpected(s.error());
    std::unique_ptr<CURLU, CurluDeleter> url(curl_url());
    if (!url) return MakeError(ErrorCode::kInternal, "curl_url: out of memory");
    auto target = CheckUrl(url.get(), r.url);
    if (!target) return std::unexpected(target.error());

    std::unique_ptr<curl_slist, SlistDeleter> headers;
    auto append = [&](const std::string& line) -> bool {
        curl_slist* next = curl_slist_append(headers.get(), line.c_str());
        if (next == nullptr) return false;
        (void)headers.release();
        headers.reset(next);
        return true;
    };
    for (const auto& [name, value] : r.headers) {
        if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar)) {
            return MakeError(ErrorCode::kInvalidArgument, "invalid header name");
        }
        if (HasLineBreakOrNul(value)) {
            return MakeError(ErrorCode::kInvalidArgument, "header " + name + " has a line break in its value");
        }
        // "Name;" is curl's way of sending a header with an empty value.
        if (!append(value.empty() ? name + ";" : name + ": " + value)) {
            return MakeError(ErrorCode::kInternal, "out of memory");
        }
    }
    // No "Expect: 100-continue" round trip for large bodies: receivers of webhooks rarely implement it well.
    if (!append("Expect:")) return MakeError(ErrorCode::kInternal, "out of memory");

    SocketGuard guard;
    std::unique_ptr<curl_slist, SlistDeleter> resolve;
    if (r.refuse_internal) {
        std::string entry;
        if (auto s = CheckTarget(r, *target, guard, entry); !s) return std::unexpected(s.error());
        if (!entry.empty()) {
            resolve.reset(curl_slist_append(nullptr, entry.c_str()));
            if (!resolve) return MakeError(ErrorCode::kInternal, "out of memory");
        }
    }

    std::unique_ptr<CURL, CurlDeleter> easy(curl_easy_init());
    if (!easy) return MakeError(ErrorCode::kInternal, "curl_easy_init failed");
    CURL* h = easy.get();
    PostResponse response;
    char errbuf[CURL_ERROR_SIZE] = {};
    const long timeout = std::max(1, r.timeout_ms);
    bool ok = curl_easy_setopt(h, CURLOPT_CURLU, url.get()) == CURLE_OK &&
              curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
              curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") == CURLE_OK &&
              curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
              curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
              curl_easy_setopt(h, CURLOPT_PROXY, "") == CURLE_OK &&
              curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout) == CURLE_OK &&
              curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout) == CURLE_OK &&
              curl_easy_setopt(h, CURLOPT_POST, 1L) == CURLE_OK &&
              curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size())) == CURLE_OK &&
              curl_easy_setopt(h, CURLOPT_POSTFIELDS, r.body.data()) == CURLE_OK &&
              curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get()) == CURLE_OK &&
              curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &KeepBody) == CURLE_OK &&
              curl_easy_setopt(h, CURLOPT_WRITEDATA, &response.body) == CURLE_OK &&
              curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK;
    if (ok && r.refuse_internal) {
        ok = curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, &OpenCheckedSocket) == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &guard) == CURLE_OK &&
             (!resolve || curl_easy_setopt(h, CURLOPT_RESOLVE, resolve.get()) == CURLE_OK);
    }
    if (!ok) return MakeError(ErrorCode::kInternal, "curl does not accept the transfer options");

    if (const CURLcode rc = curl_easy_perform(h); rc != CURLE_OK) {
        if (guard.refused) {
            return MakeError(ErrorCode::kPermissionDenied,
                             "refusing to deliver to host " + target->host + ": connection to an unchecked address");
        }
        const std::string why = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
        return MakeError(ErrorCode::kUnavailable, "POST to host " + target->host + " failed: " + why);
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    response.status = status;
    return response;
}

}  // namespace ik::alerts::delivery
