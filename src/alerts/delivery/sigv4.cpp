#include "alerts/delivery/sigv4.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <stdexcept>

#include "auth/crypto.hpp"

namespace ik::alerts::delivery {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr char kHexUpper[] = "0123456789ABCDEF";

std::string Hex(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out += kHex[c >> 4];
        out += kHex[c & 0x0f];
    }
    return out;
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string ToLower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = Lower(c);
    return out;
}

int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string PercentDecode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            const int hi = HexValue(s[i + 1]);
            const int lo = HexValue(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out += static_cast<char>(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

// Trimmed, with each run of spaces and tabs inside collapsed to one space.
std::string NormalizeHeaderValue(std::string_view v) {
    std::string out;
    bool pending_space = false;
    for (char c : v) {
        if (IsSpace(c)) {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space) out += ' ';
        pending_space = false;
        out += c;
    }
    return out;
}

struct UrlParts {
    std::string host;  // the host header: lowercased host, ":port" when not the scheme's default
    std::string path;
    std::string query;
};

UrlParts SplitUrl(std::string_view url) {
    UrlParts p;
    std::string scheme;
    if (const auto pos = url.find("://"); pos != url.npos) {
        scheme = ToLower(url.substr(0, pos));
        url.remove_prefix(pos + 3);
    }
    const auto authority_end = std::min(url.find_first_of("/?#"), url.size());
    std::string_view authority = url.substr(0, authority_end);
    url.remove_prefix(authority_end);
    if (const auto at = authority.rfind('@'); at != authority.npos) authority.remove_prefix(at + 1);
    std::string_view host = authority;
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close != authority.npos) {
            host = authority.substr(0, close + 1);
            if (close + 1 < authority.size() && authority[close + 1] == ':') port = authority.substr(close + 2);
        }
    } else if (const auto colon = authority.rfind(':'); colon != authority.npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    p.host = ToLower(host);
    const bool default_port =
        port.empty() || (scheme == "http" && port == "80") || (scheme == "https" && port == "443");
    if (!default_port) {
        p.host += ':';
        p.host += port;
    }
    if (const auto hash = url.find('#'); hash != url.npos) url = url.substr(0, hash);
    const auto q = url.find('?');
    p.path = std::string(url.substr(0, q));
    if (q != url.npos) p.query = std::string(url.substr(q + 1));
    return p;
}

std::string CanonicalUri(std::string_view path) {
    std::vector<std::string_view> kept;
    std::size_t start = 0;
    while (start <= path.size()) {
        const auto slash = std::min(path.find('/', start), path.size());
        const std::string_view seg = path.substr(start, slash - start);
        if (seg == "..") {
            if (!kept.empty()) kept.pop_back();
        } else if (!seg.empty() && seg != ".") {
            kept.push_back(seg);
        }
        start = slash + 1;
    }
    std::string out = "/";
    for (std::size_t i = 0; i < kept.size(); ++i) {
        if (i > 0) out += '/';
        out += kept[i];
    }
    const bool trailing = !path.empty() && (path.back() == '/' || path.ends_with("/.") || path.ends_with("/.."));
    if (trailing && !kept.empty()) out += '/';
    return AwsUriEncode(out, /*keep_slash=*/true);
}

std::string CanonicalQuery(std::string_view query) {
    std::vector<std::pair<std::string, std::string>> pairs;
    std::size_t start = 0;
    while (start <= query.size()) {
        const auto amp = std::min(query.find('&', start), query.size());
        const std::string_view pair = query.substr(start, amp - start);
        if (!pair.empty()) {
            const auto eq = pair.find('=');
            const std::string_view key = pair.substr(0, eq);
            const std::string_view value = eq == pair.npos ? std::string_view() : pair.substr(eq + 1);
            pairs.emplace_back(AwsUriEncode(PercentDecode(key)), AwsUriEncode(PercentDecode(value)));
        }
        start = amp + 1;
    }
    std::sort(pairs.begin(), pairs.end());
    std::string out;
    for (const auto& [k, v] : pairs) {
        if (!out.empty()) out += '&';
        out += k;
        out += '=';
        out += v;
    }
    return out;
}

bool IsUnsignedHeader(std::string_view lower_name) {
    // host, x-amz-date and x-amz-security-token are derived here; a caller's copy must not be signed twice.
    for (std::string_view n : {"authorization", "user-agent", "expect", "transfer-encoding", "x-amzn-trace-id", "host",
                               "x-amz-date", "x-amz-security-token"}) {
        if (lower_name == n) return true;
    }
    return false;
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) {
        // Only a broken OpenSSL fails here; signing garbage would be worse than stopping.
        throw std::runtime_error("EVP_Digest(sha256) failed");
    }
    return Hex(std::string_view(reinterpret_cast<const char*>(md), len));
}

std::string AwsUriEncode(std::string_view bytes, bool keep_slash) {
    std::string out;
    out.reserve(bytes.size());
    for (unsigned char c : bytes) {
        const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                                c == '-' || c == '.' || c == '_' || c == '~' || (keep_slash && c == '/');
        if (unreserved) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHexUpper[c >> 4];
            out += kHexUpper[c & 0x0f];
        }
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> SignV4(std::string_view method, std::string_view url,
                                                        const std::vector<std::pair<std::string, std::string>>& headers,
                                                        std::string_view body, std::string_view region,
                                                        std::string_view service, const AwsCredentials& creds,
                                                        std::int64_t unix_seconds) {
    const std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char amz_date[32] = {};
    std::strftime(amz_date, sizeof amz_date, "%Y%m%dT%H%M%SZ", &tm);
    const std::string date(amz_date, 8);

    const UrlParts parts = SplitUrl(url);
    std::map<std::string, std::string> canonical;  // sorted by lowercase name
    for (const auto& [name, value] : headers) {
        const std::string lower = ToLower(name);
        if (IsUnsignedHeader(lower)) continue;
        auto [it, inserted] = canonical.try_emplace(lower, NormalizeHeaderValue(value));
        if (!inserted) {
            it->second += ',';
            it->second += NormalizeHeaderValue(value);
        }
    }
    canonical["host"] = parts.host;
    canonical["x-amz-date"] = amz_date;
    if (!creds.session_token.empty()) canonical["x-amz-security-token"] = creds.session_token;

    std::string canonical_headers;
    std::string signed_headers;
    for (const auto& [name, value] : canonical) {
        canonical_headers += name + ':' + value + '\n';
        if (!signed_headers.empty()) signed_headers += ';';
        signed_headers += name;
    }
    const std::string canonical_request = std::string(method) + '\n' + CanonicalUri(parts.path) + '\n' +
                                          CanonicalQuery(parts.query) + '\n' + canonical_headers + '\n' +
                                          signed_headers + '\n' + Sha256Hex(body);
    const std::string scope = date + '/' + std::string(region) + '/' + std::string(service) + "/aws4_request";
    const std::string string_to_sign =
        std::string("AWS4-HMAC-SHA256\n") + amz_date + '\n' + scope + '\n' + Sha256Hex(canonical_request);

    const std::string k_date = auth::HmacSha256("AWS4" + creds.secret_access_key, date);
    const std::string k_region = auth::HmacSha256(k_date, region);
    const std::string k_service = auth::HmacSha256(k_region, service);
    const std::string k_signing = auth::HmacSha256(k_service, "aws4_request");
    const std::string signature = Hex(auth::HmacSha256(k_signing, string_to_sign));

    std::vector<std::pair<std::string, std::string>> out;
    out.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=" + creds.access_key_id + '/' + scope +
                                          ", SignedHeaders=" + signed_headers + ", Signature=" + signature);
    out.emplace_back("X-Amz-Date", amz_date);
    if (!creds.session_token.empty()) out.emplace_back("X-Amz-Security-Token", creds.session_token);
    return out;
}

}  // namespace ik::alerts::delivery
