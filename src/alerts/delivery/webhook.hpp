#pragma once
// Signed webhook delivery of alert events. The receiver checks X-InvestKing-Signature, which is
// "sha256=" + hex(HMAC-SHA256(secret, timestamp_s + "." + body)), and rejects stale X-InvestKing-Timestamp values;
// Idempotency-Key (= the delivery id) lets it drop a redelivery. Pure functions over Post; thread-safe.
#include <cstdint>
#include <string>
#include <string_view>

#include "alerts/delivery/http_post.hpp"
#include "common/error.hpp"

namespace ik::alerts::delivery {

// The X-InvestKing-Signature header value: "sha256=" followed by 64 lowercase hex digits.
std::string WebhookSignature(std::string_view secret, std::int64_t timestamp_s, std::string_view body);

struct WebhookMessage {
    std::string url;
    std::string secret;  // never logged, never part of an error message
    std::string delivery_id;
    std::string event;  // e.g. "alert.triggered"
    std::string body;   // JSON
    std::int64_t timestamp_s = 0;
};

// POSTs m.body as application/json with the headers User-Agent: InvestKing-Webhook/1, X-InvestKing-Event,
// X-InvestKing-Delivery, Idempotency-Key, X-InvestKing-Timestamp and X-InvestKing-Signature. Internal targets are
// refused unless allow_internal (tests, on-premises receivers). Any HTTP status is a successful result; errors as Post.
Result<PostResponse> SendWebhook(const WebhookMessage& m, bool allow_internal, int timeout_ms);

}  // namespace ik::alerts::delivery
