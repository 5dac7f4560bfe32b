#pragma once
// The alert outbox's worker: delivers the pending webhook and SNS deliveries that RecordFirings left, at least
// once, each with the notification's id as its idempotency key. A failed attempt is retried with exponential
// backoff (first_backoff, doubling, capped, with up to 20 % jitter) until max_attempts; then the delivery is
// `dead`, with its last error, which the user sees with the notification. An address a webhook may never reach
// (loopback, private ranges, unless allowed) and SNS's refusals other than throttling are dead at once: retrying
// cannot help. State lives in the store, so a restart resumes the retries where they were. One thread.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "alerts/delivery/sns.hpp"
#include "common/time.hpp"
#include "config/config.hpp"
#include "market/symbols.hpp"
#include "storage/store.hpp"

namespace ik::app {

struct AlertDeliveryOptions {
    bool allow_internal_webhooks = false;
    int timeout_ms = 5'000;  // per attempt
    int max_attempts = 6;    // then dead
    std::chrono::milliseconds first_backoff{1'000};
    std::chrono::milliseconds max_backoff{300'000};
    std::optional<alerts::delivery::SnsConfig> sns;  // none: SNS deliveries are dead ("SNS is not configured")
};

struct AlertDeliveryStats {
    std::uint64_t delivered = 0;
    std::uint64_t failed_attempts = 0;
    std::uint64_t dead = 0;
};

// The delivery settings of the configuration (alerts.*; SNS only with an access key id), for `serve` and the
// alerts role alike.
AlertDeliveryOptions DeliveryOptions(const config::Config& config, const Clock& clock);

class AlertDelivery final {
public:
    AlertDelivery(storage::AlertStore& store, const market::Universe& universe, const Clock& clock,
                  AlertDeliveryOptions options);
    ~AlertDelivery();
    AlertDelivery(const AlertDelivery&) = delete;
    AlertDelivery& operator=(const AlertDelivery&) = delete;

    void Start();
    void Stop();
    // New deliveries were stored: look now rather than at the next due time.
    void Wake();
    AlertDeliveryStats stats() const;

    // The JSON body of a webhook delivery of `n` (symbol code and name from the universe).
    static std::string WebhookBody(const storage::NotificationRecord& n, const market::Universe& universe);

private:
    void Run();
    // One attempt; fills d's status, attempts, next_attempt_at, last_error and delivered_at.
    void Attempt(storage::DeliveryRecord& d);
    Timestamp Backoff(std::int64_t attempts);

    storage::AlertStore& store_;
    const market::Universe& universe_;
    const Clock& clock_;
    AlertDeliveryOptions options_;
    std::optional<alerts::delivery::SnsClient> sns_;
    std::mt19937_64 random_{std::random_device{}()};

    mutable std::mutex mutex_;
    std::condition_variable cv_;
    bool stopping_ = false;
    bool woken_ = false;
    AlertDeliveryStats stats_;
    std::thread thread_;
};

}  // namespace ik::app
