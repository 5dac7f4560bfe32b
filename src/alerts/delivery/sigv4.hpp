#pragma once
// AWS Signature Version 4 for requests signed in the Authorization header
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html). Pure functions over
// OpenSSL; thread-safe. The secret key only ever enters the HMAC chain: it is in no returned value.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ik::alerts::delivery {

struct AwsCredentials {
    std::string access_key_id;
    std::string secret_access_key;  // never logged, never part of an error message
    std::string session_token;      // empty for long-term keys
};

// Lowercase hex SHA-256 of data.
std::string Sha256Hex(std::string_view data);

// RFC 3986 percent-encoding as AWS wants it: A-Z a-z 0-9 - . _ ~ stay, every other byte becomes %XX (upper case);
// '/' stays too when keep_slash (paths).
std::string AwsUriEncode(std::string_view bytes, bool keep_slash = false);

// Signs a request and returns the headers to add to it: Authorization, X-Amz-Date, and X-Amz-Security-Token when
// creds.session_token is set. The signed headers are the given ones (names lowercased, values trimmed with inner
// whitespace runs collapsed, repeated names joined with ','; User-Agent, Expect, Authorization and Transfer-Encoding
// are left out because proxies and libraries rewrite them), plus host (from the URL, with a non-default port),
// x-amz-date and x-amz-security-token. The canonical URI is the URL's path with dot segments and empty segments
// removed, percent-encoded once as written (so "%20" in the URL is signed as "%2520", as AWS expects outside S3);
// the query is decoded, re-encoded and sorted. unix_seconds is the signing time (UTC).
std::vector<std::pair<std::string, std::string>> SignV4(std::string_view method, std::string_view url,
                                                        const std::vector<std::pair<std::string, std::string>>& headers,
                                                        std::string_view body, std::string_view region,
                                                        std::string_view service, const AwsCredentials& creds,
                                                        std::int64_t unix_seconds);

}  // namespace ik::alerts::delivery
