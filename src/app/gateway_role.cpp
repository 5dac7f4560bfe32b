#include "app/gateway_role.hpp"

#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <set>
#include <sstream>
#include <unordered_map>

#include "app/alert_evaluator.hpp"
#include "app/alert_messages.hpp"
#include "app/http_common.hpp"
#include "app/stock_feed.hpp"
#include "app/stock_lookup.hpp"
#include "app/universe_admin.hpp"
#include "bus/order_messages.hpp"
#include "bus/topics.hpp"
#include "common/log.hpp"
#include "common/thread_name.hpp"
#include "gateway/api.hpp"
#include "gateway/backend.hpp"
#include "gateway/http_server.hpp"
#include "gateway/streams.hpp"
#include "gateway/universe_admin.hpp"
#include "market/bars.hpp"

namespace ik::app {

// The TradingBackend of a gateway: commands travel to the owning engine over `orders` and are answered from
// `order-updates` by correlation id. Thread-safe; `done` runs on the update thread, the producer's thread or
// the timer thread, never under the lock.
class BusBackend final : public gateway::TradingBackend {
public:
    // Called with an injected tick's place once StockInfos has it; answers `done` once this gateway read it back.
    using AwaitTick = std::function<void(const bus::Delivery& at, Done done)>;
    // The last StockInfos offset per partition this gateway has read (OrderRequest::ticks_seen).
    using TicksSeen = std::function<std::vector<std::pair<std::int32_t, std::int64_t>>()>;

    BusBackend(bus::Producer& producer, std::string instance, std::chrono::milliseconds timeout,
               const market::MarketCalendar& calendar, const market::Universe& universe, const Clock& clock,
               AwaitTick await_tick, TicksSeen ticks_seen, std::int32_t partitions)
        : partitions_(partitions),
          await_tick_(std::move(await_tick)),
          ticks_seen_(std::move(ticks_seen)),
          producer_(producer),
          instance_(std::move(instance)),
          timeout_(timeout),
          calendar_(calendar),
          universe_(universe),
          clock_(clock),
          timer_([this] {
              NameThisThread("ik-answers");
              RunTimer();
          }) {}

    ~BusBackend() override { Stop(); }

    void Submit(trading::Command command, Done done) override {
        if (const auto* tick = std::get_if<trading::MarketTick>(&command))
            return SubmitTick(tick->tick, std::move(done));
        const trading::AccountId account = bus::AccountOf(command);
        if (account == 0) {
            // Listings, halts and sessions belong to the market's own processes in this mode.
            if (done) {
                done({Error{ErrorCode::kFailedPrecondition, "not available in the distributed mode"}, 0}, {});
            }
            return;
        }
        bus::OrderRequest request;
        request.command = std::move(command);
        Send(bus::OrderKey(account), std::move(request), std::move(done));
    }

    // A barrier on every partition of `orders`: `done` runs once each partition's engine answered it, i.e. has
    // applied the ticks this gateway had read and committed and published what they caused.
    void Barrier(Done done) {
        struct Join {
            std::mutex mutex;
            std::int32_t left = 0;
            Done done;
        };
        auto join = std::make_shared<Join>();
        join->left = partitions_;
        join->done = std::move(done);
        for (std::int32_t p = 0; p < partitions_; ++p) {
            bus::OrderRequest request;
            request.barrier = true;
            Send(bus::PartitionKey(p, partitions_), std::move(request),
                 [join](const trading::CommandResult& r, const std::vector<trading::Event>&) {
                     Done finish;
                     {
                         std::lock_guard lock(join->mutex);
                         if (!join->done) return;  // answered already (an earlier partition failed)
                         if (!r.ok() || --join->left == 0) finish = std::move(join->done);
                     }
                     if (finish) finish(r, {});
                 });
        }
    }

    // Publishes a request (its ids and ticks_seen filled in here) and waits for its answer.
    void Send(const std::string& key, bus::OrderRequest request, Done done) {
        request.correlation_id = instance_ + ":" + std::to_string(next_id_.fetch_add(1));
        request.reply_to = instance_;
        request.sent_at = clock_.Now();
        request.ticks_seen = ticks_seen_();
        const std::string id = request.correlation_id;
        {
            std::lock_guard lock(mutex_);
            if (stopping_) {
                if (done) done({Error{ErrorCode::kUnavailable, "the gateway is stopping"}, 0}, {});
                return;
            }
            pending_.emplace(id, Pending{std::move(done), std::chrono::steady_clock::now() + timeout_});
        }
        sent_.fetch_add(1);
        producer_.SendAsync(
            bus::kOrdersTopic, key, bus::EncodeOrderRequest(request), [this, id](Result<bus::Delivery> d) {
                if (d) return;
                Finish(id, {Error{ErrorCode::kUnavailable, "orders not accepted by the bus: " + d.error().message}, 0},
                       {});
            });
    }

    market::SessionState session() const override { return calendar_.StateAt(clock_.Now()); }

    // An update from `order-updates`: the answer to one of this gateway's commands, or someone else's.
    void OnUpdate(const bus::OrderUpdate& u) {
        if (u.reply_to != instance_ || u.correlation_id.empty() || !u.result) return;
        Finish(u.correlation_id, *u.result, u.events);
    }

    // Fails whatever still waits; later submissions are refused.
    void Stop() {
        std::unordered_map<std::string, Pending> left;
        {
            std::lock_guard lock(mutex_);
            if (stopping_ && !timer_.joinable()) return;
            stopping_ = true;
            left.swap(pending_);
        }
        cv_.notify_all();
        if (timer_.joinable()) timer_.join();
        for (auto& [id, p] : left) {
            if (p.done) p.done({Error{ErrorCode::kUnavailable, "the gateway is stopping"}, 0}, {});
        }
    }

    std::size_t waiting() const {
        std::lock_guard lock(mutex_);
        return pending_.size();
    }
    std::uint64_t sent() const { return sent_.load(); }
    std::uint64_t timeouts() const { return timeouts_.load(); }

private:
    struct Pending {
        Done done;
        std::chrono::steady_clock::time_point deadline;
    };

    void SubmitTick(const market::Tick& tick, Done done) {
        if (tick.symbol >= universe_.size()) {
            if (done) done({Error{ErrorCode::kNotFound, "unknown symbol"}, 0}, {});
            return;
        }
        const std::string code = universe_.Get(tick.symbol).code;
        auto shared = std::make_shared<Done>(std::move(done));
        producer_.SendAsync(
            bus::kStockInfosTopic, code, bus::EncodeStockInfo(code, tick), [this, shared](Result<bus::Delivery> d) {
                if (!*shared) return;
                if (d) {
                    // Read back here, then applied by every engine: as `serve`, the answer
                    // comes once the tick's fills are done.
                    await_tick_(*d,
                                [this, shared](const trading::CommandResult& r, const std::vector<trading::Event>&) {
                                    if (!r.ok()) return (*shared)(r, {});
                                    Barrier(std::move(*shared));
                                });
                } else {
                    (*shared)({Error{ErrorCode::kUnavailable, d.error().message}, 0}, {});
                }
            });
    }

    void Finish(const std::string& id, const trading::CommandResult& result,
                const std::vector<trading::Event>& events) {
        Done done;
        {
            std::lock_guard lock(mutex_);
            const auto it = pending_.find(id);
            if (it == pending_.end()) return;  // answered already, or given up on
            done = std::move(it->second.done);
            pending_.erase(it);
        }
        if (done) done(result, events);
    }

    void RunTimer() {
        std::unique_lock lock(mutex_);
        while (!stopping_) {
            // The answer deadline's resolution, not a readiness wait: Stop() wakes it.
            cv_.wait_for(lock, std::chrono::milliseconds(100), [&] { return stopping_; });
            const auto now = std::chrono::steady_clock::now();
            std::vector<Done> expired;
            for (auto it = pending_.begin(); it != pending_.end();) {
                if (it->second.deadline <= now) {
                    expired.push_back(std::move(it->second.done));
                    it = pending_.erase(it);
                } else {
                    ++it;
                }
            }
            if (expired.empty()) continue;
            lock.unlock();
            timeouts_.fetch_add(expired.size());
            for (auto& done : expired) {
                if (done) {
                    done({Error{ErrorCode::kDeadlineExceeded,
                                "no engine answered within " + std::to_string(timeout_.count()) + " ms"},
                          0},
                         {});
                }
            }
            lock.lock();
        }
    }

    const std::int32_t partitions_;  // of `orders`
    AwaitTick await_tick_;
    TicksSeen ticks_seen_;
    bus::Producer& producer_;
    const std::string instance_;
    const std::chrono::milliseconds timeout_;
    const market::MarketCalendar& calendar_;
    const market::Universe& universe_;
    const Clock& clock_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    bool stopping_ = false;
    std::unordered_map<std::string, Pending> pending_;
    std::atomic<std::uint64_t> next_id_{1}, sent_{0}, timeouts_{0};
    std::thread timer_;  // last: starts once the rest is built
};

namespace {

// Tells the alerts role of every alert a user stored through this gateway (`alert-changes`, key: the user). The
// alert is durable already; the message is sent and waited for, so the API answers once the role can see it.
class BusAlertListener final : public gateway::Api::AlertListener {
public:
    explicit BusAlertListener(bus::Producer& producer) : producer_(producer) {}
    void AlertChanged(const storage::AlertRecord& a) override { Send(a.rule.user, a.rule.id); }
    void AlertRemoved(std::int64_t user_id, alerts::AlertId id) override { Send(user_id, id); }

private:
    void Send(std::int64_t user, alerts::AlertId id) {
        auto sent = producer_.Send(kAlertChangesTopic, std::to_string(user), EncodeAlertChange({user, id}));
        if (!sent) {
            GetLogger("gateway")->error("event=alert_change_not_sent alert={} error=\"{}\"", id, sent.error().message);
        }
    }
    bus::Producer& producer_;
};

std::set<Date> HolidaySet(const std::vector<Date>& holidays) { return {holidays.begin(), holidays.end()}; }

constexpr Timestamp kBarGrace = 2 * kNanosPerSecond;

std::string DefaultInstance(const Clock& clock) {
    char host[128] = {};
    ::gethostname(host, sizeof host - 1);
    std::string out = host[0] != '\0' ? host : "gateway";
    for (char& c : out) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') c = '-';
    }
    if (out.size() > 32) out.resize(32);
    return out + "-" + std::to_string(::getpid()) + "-" + std::to_string(clock.Now() / 1'000'000);
}

}  // namespace

GatewayNode::GatewayNode(GatewayRoleOptions options, bus::Bus& bus, GatewayStores stores, const Clock& clock)
    : options_(std::move(options)),
      bus_(bus),
      stores_(stores),
      clock_(clock),
      calendar_(options_.config.market.session, HolidaySet(options_.config.market.holidays)),
      lookup_(std::make_unique<StockLookup>(options_.config.market.data_source)) {
    if (options_.instance.empty()) options_.instance = DefaultInstance(clock_);
}

GatewayNode::~GatewayNode() { Stop(); }

Status GatewayNode::Start() {
    auto log = GetLogger("gateway");
    const auto& cfg = options_.config;
    if (options_.jwt_secret.size() < 32) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "gateway: set INVESTKING_JWT_SECRET (≥ 32 bytes, the same on every gateway)");
    }
    if (auto s = BuildConfiguredUniverse(*lookup_, cfg.market.symbols, "gateway", universe_); !s) return s;
    if (auto s = LoadListedAtRunTime(stores_.reads, universe_); !s) return s;
    // The configured stocks, stored unless they are (the sink may start later): a stock listed at run time then
    // takes the next id after them.
    if (auto s = StoreMissingStocks(stores_.writes, universe_); !s) return s;
    stocks_ = std::make_unique<StockFeed>(bus_, "investking-gateway-" + options_.instance + "-stocks");
    auto stocks = stocks_->Start(std::chrono::milliseconds(cfg.kafka.connect_timeout_ms));
    if (!stocks) return std::unexpected(stocks.error());
    for (const bus::StockMessage& m : *stocks) ApplyStock(m);
    const std::int32_t partitions = cfg.kafka.orders_partitions;
    for (const auto& spec : {bus::OrdersSpec(partitions), bus::OrderUpdatesSpec(partitions), bus::StockInfosSpec()}) {
        if (auto s = bus::EnsureTopic(bus_, spec); !s) return s;
    }
    auto producer = bus_.NewProducer();
    if (!producer) return std::unexpected(producer.error());
    producer_ = std::move(*producer);
    // Each gateway reads every update and every tick from now on: groups of its own that never commit, starting
    // at the partitions' ends as they are at assignment (not whenever the first fetch happens to resolve
    // "latest"), so an update published after the snapshot below is always read.
    auto from_now = [this](std::span<const bus::TopicPartition> tps) {
        std::vector<bus::TopicPartitionOffset> starts;
        for (const auto& tp : tps) {
            if (auto end = bus_.EndOffset(tp)) starts.push_back({tp, *end});
        }
        return starts;
    };
    auto updates = bus_.NewConsumer({.group = "investking-gateway-" + options_.instance,
                                     .topics = {std::string(bus::kOrderUpdatesTopic)},
                                     .start = bus::ConsumerOptions::Start::kLatest,
                                     .on_assigned = from_now});
    if (!updates) return std::unexpected(updates.error());
    updates_ = std::move(*updates);
    auto ticks = bus_.NewConsumer({.group = "investking-gateway-" + options_.instance + "-ticks",
                                   .topics = {std::string(bus::kStockInfosTopic)},
                                   .start = bus::ConsumerOptions::Start::kLatest,
                                   .on_assigned = from_now});
    if (!ticks) return std::unexpected(ticks.error());
    ticks_ = std::move(*ticks);
    // Price-alert notifications for this gateway's /stream connections (the alerts role publishes them).
    if (auto s = bus::EnsureTopic(bus_, NotificationsSpec()); !s) return s;
    if (auto s = bus::EnsureTopic(bus_, AlertChangesSpec()); !s) return s;
    auto notes = bus_.NewConsumer({.group = "investking-gateway-" + options_.instance + "-notifications",
                                   .topics = {std::string(bus::kNotificationsTopic)},
                                   .start = bus::ConsumerOptions::Start::kLatest,
                                   .on_assigned = from_now});
    if (!notes) return std::unexpected(notes.error());
    notes_ = std::move(*notes);
    // Join both before the snapshot. What a poll reads meanwhile is older than the snapshot and in it.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(cfg.kafka.connect_timeout_ms);
    for (auto* c : {updates_.get(), ticks_.get()}) {
        while (c->Assignment().empty()) {
            if (std::chrono::steady_clock::now() >= deadline) {
                return MakeError(ErrorCode::kUnavailable, "gateway: no partitions assigned by " + cfg.kafka.bootstrap);
            }
            if (auto m = c->Poll(std::chrono::milliseconds(200), 1); !m) return std::unexpected(m.error());
        }
    }
    auto snapshot = stores_.reads.LoadEngineState();
    if (!snapshot) return std::unexpected(snapshot.error());
    accounts_.Load(*snapshot);
    for (market::SymbolId id = 0; id < universe_.size(); ++id) {
        market_.SetPreviousClose(id, universe_.Get(id).previous_close);
    }
    market_.OnTicks(snapshot->last_ticks);

    // The topic may have been created with another count by an earlier configuration: the broker's count rules.
    auto orders_partitions = bus_.Partitions(bus::kOrdersTopic);
    if (!orders_partitions) return std::unexpected(orders_partitions.error());
    backend_ = std::make_unique<BusBackend>(
        *producer_, options_.instance, options_.answer_timeout, calendar_, universe_, clock_,
        [this](const bus::Delivery& at, gateway::TradingBackend::Done done) { AwaitTick(at, std::move(done)); },
        [this] {
            std::lock_guard lock(ticks_mutex_);
            return std::vector<std::pair<std::int32_t, std::int64_t>>(ticks_read_.begin(), ticks_read_.end());
        },
        *orders_partitions);
    admin_ = std::make_unique<DistributedUniverseAdmin>(
        clock_, cfg.market.price_limit_ppm, universe_, *lookup_, stores_.writes, stores_.platform_writes, *producer_,
        [this](std::int64_t offset) { return WaitStocksApplied(offset); });
    gateway::ApiOptions ao;
    ao.starting_cash = cfg.account.starting_cash;
    ao.max_topup = cfg.account.max_topup;
    ao.allow_injection = cfg.market.allow_injection;
    ao.jwt_key = options_.jwt_secret;
    ao.fees = cfg.fees.Schedule();
    ao.price_limit_ppm = cfg.market.price_limit_ppm;
    ao.max_alerts_per_user = static_cast<std::size_t>(cfg.alerts.max_per_user);
    ao.allow_internal_webhooks = cfg.alerts.allow_internal_webhooks;
    ao.min_external_cooldown_s = cfg.alerts.min_external_cooldown_s;
    ao.allowed_topic_arns = cfg.sns.allowed_topic_arns;
    api_ = std::make_unique<gateway::Api>(ao, clock_, *backend_, stores_.writes, stores_.platform_writes,
                                          stores_.platform_reads, stores_.reads, universe_, *admin_, calendar_, market_,
                                          accounts_);
    auto* alert_writes = dynamic_cast<storage::AlertStore*>(&stores_.writes);
    auto* alert_reads = dynamic_cast<storage::AlertStore*>(&stores_.reads);
    if (alert_writes != nullptr && alert_reads != nullptr) {
        api_->SetAlerts(*alert_writes, *alert_reads);
        alert_listener_ = std::make_unique<BusAlertListener>(*producer_);
        api_->SetAlertListener(*alert_listener_);
    }
    streams_ = std::make_unique<gateway::StreamHub>(
        gateway::StreamOptions{}, universe_,
        [this](const std::string& key, const std::string& secret) { return api_->AuthenticateKey(key, secret); },
        [this](const std::string& token) { return api_->AuthenticateToken(token); });

    http_ =
        BuildHttpServer(cfg.http, *api_, *streams_, metrics_, [this] { return ready_.load() && Health().has_value(); });
    metrics_.AddGauge("investking_gateway_waiting_answers", "Commands published and not answered yet.",
                      [this] { return static_cast<double>(backend_->waiting()); });
    metrics_.AddGauge("investking_gateway_answer_timeouts", "Commands no engine answered in time (504).",
                      [this] { return static_cast<double>(backend_->timeouts()); });
    metrics_.AddGauge("investking_stream_connections", "Open WebSocket stream connections.", [this] {
        const auto s = streams_->stats();
        return static_cast<double>(s.trade_connections + s.data_connections);
    });

    updates_thread_ = std::thread([this] {
        NameThisThread("ik-updates");
        RunUpdates();
    });
    ticks_thread_ = std::thread([this] {
        NameThisThread("ik-ticks");
        RunTicks();
    });
    stocks_thread_ = std::thread([this] {
        NameThisThread("ik-stocks");
        RunStocks();
    });
    if (notes_ && alert_reads != nullptr) {
        notes_thread_ = std::thread([this, alert_reads] {
            NameThisThread("ik-notes");
            RunNotifications(*alert_reads);
        });
    }
    // The admin's account is opened through an engine, whose answer the update thread reads.
    if (!options_.admin_password.empty()) {
        // Another gateway may create it at the same moment: the loser finds it there.
        if (auto s = api_->EnsureAdmin("admin", options_.admin_password);
            !s && s.error().code != ErrorCode::kAlreadyExists) {
            return s;
        }
    }
    if (auto s = http_->Start(); !s) return s;
    ready_ = true;
    log->info("event=serving instance={} listen={} accounts={}", options_.instance, cfg.http.listen.ToString(),
              snapshot->accounts.size());
    return {};
}

void GatewayNode::RunUpdates() {
    auto log = GetLogger("gateway");
    while (!stopping_.load()) {
        auto messages = updates_->Poll(std::chrono::milliseconds(200), 1'000);
        if (!messages) {
            log->warn("event=updates_poll_failed error=\"{}\"", messages.error().message);
            continue;
        }
        for (const bus::Message& m : *messages) {
            auto u = bus::DecodeOrderUpdate(m.value);
            if (!u) {
                malformed_.fetch_add(1);
                log->warn("event=malformed_update partition={} offset={} error=\"{}\"", m.tp.partition, m.offset,
                          u.error().message);
                continue;
            }
            updates_seen_.fetch_add(1);
            // As in `serve`: the book and the streams see the events before the command is answered.
            if (!u->events.empty()) {
                accounts_.OnEvents(u->events);
                storage::WriteBatch batch;
                batch.events = u->events;
                metrics_.ObserveBatch(batch);
                streams_->Publish(batch);
            }
            backend_->OnUpdate(*u);
        }
    }
}

void GatewayNode::RunNotifications(storage::AlertStore& reads) {
    auto log = GetLogger("gateway");
    while (!stopping_.load()) {
        auto messages = notes_->Poll(std::chrono::milliseconds(200), 1'000);
        if (!messages) {
            log->warn("event=notifications_poll_failed error=\"{}\"", messages.error().message);
            continue;
        }
        std::vector<storage::NotificationRecord> notes;
        for (const bus::Message& m : *messages) {
            auto n = DecodeNotification(m.value, universe_);
            if (!n) {
                malformed_.fetch_add(1);
                log->warn("event=malformed_notification partition={} offset={} error=\"{}\"", m.tp.partition, m.offset,
                          n.error().message);
                continue;
            }
            notes.push_back(std::move(*n));
        }
        if (!notes.empty()) PushInApp(reads, *streams_, notes);
    }
}

void GatewayNode::RunTicks() {
    auto log = GetLogger("gateway");
    market::BarAggregator bars;
    std::map<std::int32_t, std::int64_t> read_up_to;
    while (!stopping_.load()) {
        auto messages = ticks_->Poll(std::chrono::milliseconds(200), 5'000);
        if (!messages) {
            log->warn("event=ticks_poll_failed error=\"{}\"", messages.error().message);
            continue;
        }
        storage::WriteBatch batch;
        for (const bus::Message& m : *messages) {
            read_up_to[m.tp.partition] = std::max(read_up_to[m.tp.partition], m.offset);
            auto t = bus::DecodeStockInfo(m.value);
            const auto id = t ? universe_.Find(t->code) : std::nullopt;
            if (!id) {
                malformed_.fetch_add(1);
                continue;
            }
            market::Tick tick = t->tick;
            tick.symbol = *id;
            batch.ticks.push_back(tick);
            bars.Add(tick, batch.bars);
        }
        // A minute's bar goes out once the minute is over, plus a grace for ticks still travelling through Kafka.
        bars.FlushBefore(clock_.Now() - kBarGrace, batch.bars);
        if (!batch.empty()) {
            ticks_seen_.fetch_add(batch.ticks.size());
            market_.OnTicks(batch.ticks);
            metrics_.ObserveBatch(batch);
            streams_->Publish(batch);
        }
        AnswerTicks(read_up_to, false);
    }
    AnswerTicks(read_up_to, true);
}

void GatewayNode::AwaitTick(const bus::Delivery& at, gateway::TradingBackend::Done done) {
    std::lock_guard lock(ticks_mutex_);
    awaited_ticks_.push_back({at, std::move(done), std::chrono::steady_clock::now() + options_.answer_timeout});
}

void GatewayNode::AnswerTicks(const std::map<std::int32_t, std::int64_t>& read_up_to, bool stopping) {
    std::vector<std::pair<gateway::TradingBackend::Done, std::optional<Error>>> answers;
    {
        std::lock_guard lock(ticks_mutex_);
        ticks_read_ = read_up_to;
        const auto now = std::chrono::steady_clock::now();
        std::erase_if(awaited_ticks_, [&](AwaitedTick& w) {
            const auto it = read_up_to.find(w.at.tp.partition);
            if (it != read_up_to.end() && it->second >= w.at.offset) {
                answers.emplace_back(std::move(w.done), std::nullopt);
            } else if (stopping || w.deadline <= now) {
                answers.emplace_back(std::move(w.done),
                                     Error{stopping ? ErrorCode::kUnavailable : ErrorCode::kDeadlineExceeded,
                                           "the tick is on StockInfos but this gateway has not read it back"});
            } else {
                return false;
            }
            return true;
        });
    }
    for (auto& [done, error] : answers) {
        if (done) done({error, 0}, {});
    }
}

void GatewayNode::ApplyStock(const bus::StockMessage& m) {
    auto change = ApplyStockMessage(universe_, m, [this] { return LoadListedAtRunTime(stores_.reads, universe_); });
    if (!change || !*change) {
        GetLogger("gateway")->warn("event=stock_skipped code={} stock_id={} reason=\"{}\"", m.stock.code, m.id,
                                   change ? "id not in the service database" : change.error().message);
        return;
    }
    if (!market::IsListed((*change)->before) && market::IsListed((*change)->after)) {
        market_.SetPreviousClose((*change)->id, m.stock.previous_close);
    }
}

void GatewayNode::RunStocks() {
    while (!stopping_.load()) {
        auto polled = stocks_->Poll(std::chrono::milliseconds(200));
        if (!polled) {
            GetLogger("gateway")->warn("event=stocks_poll_failed error=\"{}\"", polled.error().message);
            continue;
        }
        if (polled->empty()) continue;
        for (const auto& [offset, m] : *polled) ApplyStock(m);
        {
            std::lock_guard lock(stocks_mutex_);
            stocks_applied_ = std::max(stocks_applied_, polled->back().first);
        }
        stocks_cv_.notify_all();
    }
}

Status GatewayNode::WaitStocksApplied(std::int64_t offset) {
    std::unique_lock lock(stocks_mutex_);
    if (!stocks_cv_.wait_for(lock, options_.answer_timeout,
                             [&] { return stocks_applied_ >= offset || stopping_.load(); }) ||
        stocks_applied_ < offset) {
        return MakeError(ErrorCode::kDeadlineExceeded,
                         "the change is stored and published, but this gateway has not read it back yet");
    }
    return {};
}

void GatewayNode::Stop() {
    if (stopping_.exchange(true)) return;
    ready_ = false;
    {
        std::lock_guard lock(stocks_mutex_);  // a waiting admin change sees stopping_
    }
    stocks_cv_.notify_all();
    if (http_) http_->Stop();
    if (updates_thread_.joinable()) updates_thread_.join();
    if (ticks_thread_.joinable()) ticks_thread_.join();
    if (stocks_thread_.joinable()) stocks_thread_.join();
    if (notes_thread_.joinable()) notes_thread_.join();
    stocks_cv_.notify_all();
    if (backend_) backend_->Stop();
    if (updates_) updates_->Close();
    if (ticks_) ticks_->Close();
    if (notes_) notes_->Close();
    if (stocks_) stocks_->Close();
    if (producer_) {
        if (auto s = producer_->Flush(std::chrono::seconds(10)); !s) {
            GetLogger("gateway")->error("event=flush_failed error=\"{}\"", s.error().message);
        }
    }
}

unsigned short GatewayNode::http_port() const { return http_ ? http_->port() : 0; }

Status GatewayNode::Health() const { return producer_ ? producer_->Health() : Status{}; }

std::string GatewayNode::ActivityLine() const {
    std::ostringstream out;
    out << "event=activity role=gateway instance=" << options_.instance
        << " commands=" << (backend_ ? backend_->sent() : 0) << " waiting=" << (backend_ ? backend_->waiting() : 0)
        << " timeouts=" << (backend_ ? backend_->timeouts() : 0) << " updates=" << updates_seen_.load()
        << " ticks=" << ticks_seen_.load() << " malformed=" << malformed_.load();
    return out.str();
}

}  // namespace ik::app
