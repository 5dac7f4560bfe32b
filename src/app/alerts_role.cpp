#include "app/alerts_role.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include "app/alert_messages.hpp"
#include "app/stock_feed.hpp"
#include "app/stock_lookup.hpp"
#include "bus/topics.hpp"
#include "common/log.hpp"

namespace ik::app {

AlertsRole::AlertsRole(AlertsRoleOptions options, bus::Bus& bus, storage::ServiceStore& service, const Clock& clock)
    : options_(std::move(options)),
      bus_(bus),
      service_(service),
      alerts_(dynamic_cast<storage::AlertStore*>(&service)),
      clock_(clock),
      lookup_(std::make_unique<StockLookup>(options_.config.market.data_source)) {}

AlertsRole::~AlertsRole() { Stop(); }

Status AlertsRole::Start() {
    if (alerts_ == nullptr) return MakeError(ErrorCode::kInvalidArgument, "alerts: the service store keeps no alerts");
    const auto& cfg = options_.config;
    if (auto s = BuildConfiguredUniverse(*lookup_, cfg.market.symbols, "alerts", universe_); !s) return s;
    if (auto s = LoadListedAtRunTime(service_, universe_); !s) return s;
    {
        // Every stock's latest record first: names for the messages, and the ids of stocks listed at run time.
        StockFeed feed(bus_, fmt::format("{}-start-{}-{}", options_.group, ::getpid(),
                                         std::chrono::system_clock::now().time_since_epoch().count()));
        auto latest = feed.Start(std::chrono::milliseconds(cfg.kafka.connect_timeout_ms));
        if (!latest) return std::unexpected(latest.error());
        for (const bus::StockMessage& m : *latest) {
            auto c = ApplyStockMessage(universe_, m, [this] { return LoadListedAtRunTime(service_, universe_); });
            if (!c && c.error().code != ErrorCode::kInvalidArgument) return std::unexpected(c.error());
        }
    }
    for (const auto& spec : {bus::StockInfosSpec(), bus::StocksSpec(), AlertChangesSpec(), NotificationsSpec()}) {
        if (auto s = bus::EnsureTopic(bus_, spec); !s) return s;
    }
    auto producer = bus_.NewProducer();
    if (!producer) return std::unexpected(producer.error());
    producer_ = std::move(*producer);

    delivery_ = std::make_unique<AlertDelivery>(*alerts_, universe_, clock_, DeliveryOptions(cfg, clock_));
    evaluator_ = std::make_unique<AlertEvaluator>(*alerts_, universe_, clock_,
                                                  [this](const std::vector<storage::NotificationRecord>& notes) {
                                                      Publish(notes);
                                                      delivery_->Wake();
                                                  });
    // The ticks come from the bus (from the committed offsets), not from the database.
    if (auto s = evaluator_->Start(false); !s) return s;
    delivery_->Start();
    // A new group starts at the topics' ends: what came before is in the database (the stocks, the alerts), and
    // old ticks must not fire today's alerts. Then it resumes at its committed offsets.
    auto consumer = bus_.NewConsumer({.group = options_.group,
                                      .topics = {std::string(bus::kStocksTopic), std::string(kAlertChangesTopic),
                                                 std::string(bus::kStockInfosTopic)},
                                      .start = bus::ConsumerOptions::Start::kLatest});
    if (!consumer) return std::unexpected(consumer.error());
    consumer_ = std::move(*consumer);
    return {};
}

void AlertsRole::Publish(const std::vector<storage::NotificationRecord>& notes) {
    for (const storage::NotificationRecord& n : notes) {
        if ((n.channels & alerts::kInApp) == 0) continue;
        // At most once to the pushes: the notification is stored already, and the inbox shows it either way.
        producer_->SendAsync(bus::kNotificationsTopic, std::to_string(n.user_id), EncodeNotification(n, universe_),
                             [this](Result<bus::Delivery> r) {
                                 if (r) {
                                     ++published_;
                                     return;
                                 }
                                 ++publish_failures_;
                                 GetLogger("alerts")->warn("event=notification_publish_failed error=\"{}\"",
                                                           r.error().message);
                             });
    }
}

Result<std::size_t> AlertsRole::Step(std::chrono::milliseconds wait) {
    // A change message lost on its way (the gateway answered the user anyway) is made good here.
    if (std::chrono::steady_clock::now() - reconciled_ >= options_.reconcile_every) {
        auto armed = alerts_->LoadArmedAlerts();
        if (!armed) return std::unexpected(armed.error());
        evaluator_->Reconcile(std::move(*armed));
        reconciled_ = std::chrono::steady_clock::now();
    }
    auto read = consumer_->Poll(wait, options_.max_batch);
    if (!read) return std::unexpected(read.error());
    if (read->empty()) return std::size_t{0};
    auto log = GetLogger("alerts");
    std::vector<market::Tick> ticks;
    for (const bus::Message& m : *read) {
        if (m.tp.topic == bus::kStocksTopic) {
            auto s = bus::DecodeStock(m.value);
            if (!s || m.key != s->stock.code) {
                ++malformed_;
                continue;
            }
            auto c = ApplyStockMessage(universe_, *s, [this] { return LoadListedAtRunTime(service_, universe_); });
            if (!c && c.error().code != ErrorCode::kInvalidArgument) return std::unexpected(c.error());
            continue;
        }
        if (m.tp.topic == kAlertChangesTopic) {
            auto change = DecodeAlertChange(m.value);
            if (!change) {
                ++malformed_;
                log->warn("event=message_rejected topic={} offset={} reason=\"{}\"", m.tp.topic, m.offset,
                          change.error().message);
                continue;
            }
            // The ticks read before the change are evaluated with the index as it was.
            evaluator_->OnTicks(ticks);
            ticks.clear();
            auto alert = alerts_->GetAlert(change->user_id, change->alert_id);
            if (!alert) return std::unexpected(alert.error());  // the batch is read again after a restart
            if (*alert) {
                evaluator_->Upsert(**alert);
            } else {
                evaluator_->Remove(change->alert_id);
            }
            ++changes_;
            continue;
        }
        auto t = bus::DecodeStockInfo(m.value);
        const auto id = t ? universe_.Find(t->code) : std::nullopt;
        if (!t || !id) {
            ++malformed_;
            continue;
        }
        market::Tick tick = t->tick;
        tick.symbol = *id;
        ticks.push_back(tick);
    }
    evaluator_->OnTicks(ticks);
    if (!evaluator_->Flush(options_.store_timeout)) {
        return MakeError(ErrorCode::kUnavailable, "alerts: the evaluator did not store the batch in time");
    }
    // Only now is what the batch fired durable.
    if (auto s = consumer_->Commit(bus::NextOffsets(*read)); !s) return std::unexpected(s.error());
    ++batches_;
    return read->size();
}

void AlertsRole::Stop() {
    if (consumer_) {
        consumer_->Close();
        consumer_.reset();
    }
    if (evaluator_) evaluator_->Stop();
    if (delivery_) delivery_->Stop();
    if (producer_) {
        (void)producer_->Flush(std::chrono::seconds(5));
        producer_.reset();  // its callbacks touch the counters: gone before they are
    }
}

std::string AlertsRole::ActivityLine() const {
    const AlertEvaluatorStats e = evaluator_ ? evaluator_->stats() : AlertEvaluatorStats{};
    const AlertDeliveryStats d = delivery_ ? delivery_->stats() : AlertDeliveryStats{};
    return fmt::format(
        "event=activity batches={} ticks={} rules={} notifications={} changes={} published={} publish_failures={} "
        "delivered={} retried={} dead={} malformed={}",
        batches_.load(), e.ticks, e.rules, e.notifications, changes_.load(), published_.load(),
        publish_failures_.load(), d.delivered, d.failed_attempts, d.dead, malformed_.load());
}

}  // namespace ik::app
