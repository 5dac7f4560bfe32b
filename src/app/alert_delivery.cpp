#include "app/alert_delivery.hpp"

#include <boost/json.hpp>

#include "alerts/delivery/webhook.hpp"
#include "common/log.hpp"

namespace ik::app {

namespace json = boost::json;

namespace {

constexpr std::size_t kBatch = 32;
// How long the worker sleeps when nothing is pending; a wake or a due delivery ends it sooner.
constexpr auto kIdle = std::chrono::seconds(5);

// Errors a retry cannot mend: a URL that is wrong or points where webhooks may not go, an SNS refusal.
bool Permanent(const Error& e) {
    return e.code == ErrorCode::kInvalidArgument || e.code == ErrorCode::kPermissionDenied ||
           e.code == ErrorCode::kNotFound || e.code == ErrorCode::kFailedPrecondition;
}

// What the user's inbox says about a failed attempt. An HTTP status and a timeout are the receiver's own; a refused
// address (the message names what it resolved to) and SNS's answers (which name the server's AWS identity) are
// summarised.
std::string UserError(const std::string& channel, const Error& e) {
    if (channel == "webhook") {
        if (e.code == ErrorCode::kPermissionDenied) {
            return "the webhook host resolves to an address webhooks may not reach (loopback, private or link-local)";
        }
        return e.message.size() > 200 ? e.message.substr(0, 200) : e.message;
    }
    if (e.code == ErrorCode::kFailedPrecondition) return e.message;  // SNS is not configured
    if (e.code == ErrorCode::kUnavailable) return "SNS did not take the message (unavailable or throttled)";
    return "SNS refused the message; the server's log has the reason";
}

std::string Truncated(std::string text, std::size_t max = 500) {
    if (text.size() > max) {
        text.resize(max);
        text += "…";
    }
    return text;
}

}  // namespace

AlertDeliveryOptions DeliveryOptions(const config::Config& config, const Clock& clock) {
    AlertDeliveryOptions d;
    d.allow_internal_webhooks = config.alerts.allow_internal_webhooks;
    d.timeout_ms = config.alerts.webhook_timeout_ms;
    d.max_attempts = config.alerts.max_attempts;
    d.first_backoff = std::chrono::milliseconds(config.alerts.first_backoff_ms);
    d.max_backoff = std::chrono::milliseconds(config.alerts.max_backoff_ms);
    const config::SnsConfig& sns = config.sns;
    if (!sns.access_key_id.empty()) {
        alerts::delivery::SnsConfig c;
        c.region = sns.region;
        c.endpoint = sns.endpoint;
        c.credentials.access_key_id = sns.access_key_id;
        c.credentials.secret_access_key = sns.secret_access_key;
        c.credentials.session_token = sns.session_token;
        c.clock = &clock;
        d.sns = std::move(c);
    }
    return d;
}

AlertDelivery::AlertDelivery(storage::AlertStore& store, const market::Universe& universe, const Clock& clock,
                             AlertDeliveryOptions options)
    : store_(store), universe_(universe), clock_(clock), options_(std::move(options)) {
    if (options_.sns) sns_.emplace(*options_.sns);
}

AlertDelivery::~AlertDelivery() { Stop(); }

void AlertDelivery::Start() {
    thread_ = std::thread([this] { Run(); });
}

void AlertDelivery::Stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void AlertDelivery::Wake() {
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    cv_.notify_all();
}

AlertDeliveryStats AlertDelivery::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

std::string AlertDelivery::WebhookBody(const storage::NotificationRecord& n, const market::Universe& universe) {
    json::object o;
    o["type"] = "alert.fired";
    o["id"] = std::to_string(n.id);
    o["alert_id"] = std::to_string(n.alert_id);
    if (n.symbol < universe.size()) {
        const market::StockInfo& info = universe.Get(n.symbol);
        o["symbol"] = info.code;
        o["name"] = info.name_ko;
    }
    o["price"] = std::to_string(n.price);
    o["message"] = n.message;
    o["fired_at"] = FormatRfc3339(n.fired_at);
    o["created_at"] = FormatRfc3339(n.created_at);
    return json::serialize(o);
}

Timestamp AlertDelivery::Backoff(std::int64_t attempts) {
    const std::int64_t first = options_.first_backoff.count();
    const std::int64_t cap = options_.max_backoff.count();
    std::int64_t ms = first;
    for (std::int64_t i = 1; i < attempts && ms < cap; ++i) ms *= 2;
    ms = std::min(ms, cap);
    std::uniform_int_distribution<std::int64_t> jitter(0, ms / 5);
    return (ms + jitter(random_)) * 1'000'000;
}

void AlertDelivery::Attempt(storage::DeliveryRecord& d) {
    const Timestamp now = clock_.Now();
    ++d.attempts;
    Status outcome;
    if (d.channel == "webhook") {
        alerts::delivery::WebhookMessage m;
        m.url = d.target;
        m.secret = d.secret;
        m.delivery_id = std::to_string(d.notification_id);
        m.event = "alert.fired";
        m.body = WebhookBody(d.notification, universe_);
        m.timestamp_s = now / kNanosPerSecond;
        auto r = alerts::delivery::SendWebhook(m, options_.allow_internal_webhooks, options_.timeout_ms);
        if (!r) {
            outcome = std::unexpected(r.error());
        } else if (r->status < 200 || r->status >= 300) {
            outcome = MakeError(ErrorCode::kUnavailable, "HTTP " + std::to_string(r->status));
        }
    } else if (d.channel == "sns") {
        if (!sns_) {
            outcome = MakeError(ErrorCode::kFailedPrecondition, "SNS is not configured on this server");
        } else {
            auto r = alerts::delivery::IsTopicArn(d.target) ? sns_->PublishToTopic(d.target, d.notification.message)
                                                            : sns_->PublishSms(d.target, d.notification.message);
            if (!r) outcome = std::unexpected(r.error());
        }
    } else {
        outcome = MakeError(ErrorCode::kInvalidArgument, "unknown channel " + d.channel);
    }
    auto log = GetLogger("alerts");
    const Timestamp after = clock_.Now();  // retries count from the end of this attempt
    if (outcome) {
        d.status = "delivered";
        d.delivered_at = after;
        d.last_error.clear();
        log->info("event=alert_delivered delivery={} notification={} channel={} attempts={}", d.id, d.notification_id,
                  d.channel, d.attempts);
        return;
    }
    // The log has the whole error; the user sees one that tells nothing about the inside (resolved addresses, the
    // server's AWS account).
    const std::string error = Truncated(outcome.error().message);
    d.last_error = UserError(d.channel, outcome.error());
    if (Permanent(outcome.error()) || d.attempts >= options_.max_attempts) {
        d.status = "dead";
        log->warn("event=alert_delivery_dead delivery={} notification={} channel={} attempts={} error=\"{}\"", d.id,
                  d.notification_id, d.channel, d.attempts, error);
        return;
    }
    d.next_attempt_at = after + Backoff(d.attempts);
    log->info(
        "event=alert_delivery_retry delivery={} notification={} channel={} attempts={} retry_in_ms={} error=\"{}\"",
        d.id, d.notification_id, d.channel, d.attempts, (d.next_attempt_at - after) / 1'000'000, error);
}

void AlertDelivery::Run() {
    auto log = GetLogger("alerts");
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return;
            woken_ = false;
        }
        auto due = store_.DueDeliveries(clock_.Now(), kBatch);
        if (!due) log->error("event=alert_outbox_failed error=\"{}\"", due.error().message);
        for (storage::DeliveryRecord& d : due ? *due : std::vector<storage::DeliveryRecord>{}) {
            {
                std::lock_guard lock(mutex_);
                if (stopping_) return;
            }
            Attempt(d);
            if (auto ok = store_.FinishDelivery(d); !ok) {
                log->error("event=alert_outbox_failed delivery={} error=\"{}\"", d.id, ok.error().message);
                std::unique_lock lock(mutex_);  // not at once again: the store is in trouble
                cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_; });
                break;
            }
            std::lock_guard lock(mutex_);
            if (d.status == "delivered") ++stats_.delivered;
            if (d.status == "dead") ++stats_.dead;
            if (d.status == "pending") ++stats_.failed_attempts;
        }
        if (due && due->size() == kBatch) continue;  // more may be due
        // Sleep until the next due delivery (or a wake, or the idle period).
        auto wait = std::chrono::nanoseconds(kIdle);
        if (due) {
            auto next = store_.NextDeliveryDue();
            if (next && *next > 0) {
                wait = std::min<std::chrono::nanoseconds>(
                    wait, std::chrono::nanoseconds(std::max<Timestamp>(*next - clock_.Now(), 0)));
            }
        } else {
            wait = std::chrono::seconds(1);  // the store failed: try again soon
        }
        std::unique_lock lock(mutex_);
        cv_.wait_for(lock, wait, [&] { return stopping_ || woken_; });
    }
}

}  // namespace ik::app
