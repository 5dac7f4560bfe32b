#include "alerts/delivery/webhook.hpp"

#include <string>

#include "auth/crypto.hpp"

namespace ik::alerts::delivery {

std::string WebhookSignature(std::string_view secret, std::int64_t timestamp_s, std::string_view body) {
    std::string signed_text = std::to_string(timestamp_s);
    signed_text += '.';
    signed_text += body;
    return "sha256=" + auth::HmacSha256Hex(secret, signed_text);
}

Result<PostResponse> SendWebhook(const WebhookMessage& m, bool allow_internal, int timeout_ms) {
    PostRequest r;
    r.url = m.url;
    r.body = m.body;
    r.timeout_ms = timeout_ms;
    r.refuse_internal = !allow_internal;
    r.headers = {
        {"Content-Type", "application/json"},
        {"User-Agent", "InvestKing-Webhook/1"},
        {"X-InvestKing-Event", m.event},
        {"X-InvestKing-Delivery", m.delivery_id},
        {"Idempotency-Key", m.delivery_id},
        {"X-InvestKing-Timestamp", std::to_string(m.timestamp_s)},
        {"X-InvestKing-Signature", WebhookSignature(m.secret, m.timestamp_s, m.body)},
    };
    return Post(r);
}

}  // namespace ik::alerts::delivery
