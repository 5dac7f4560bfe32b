#include "app/engine_role.hpp"

#include <unistd.h>

#include <set>
#include <sstream>

#include "app/stock_feed.hpp"
#include "app/stock_lookup.hpp"
#include "bus/order_messages.hpp"
#include "bus/topics.hpp"
#include "common/log.hpp"

namespace ik::app {

namespace {

std::set<Date> HolidaySet(const std::vector<Date>& holidays) { return {holidays.begin(), holidays.end()}; }

// Commands a gateway may send. Ticks, sessions and listings come from the market itself, never from `orders`.
// How long a round waits for ticks a command's gateway had read and this engine has not.
constexpr std::chrono::milliseconds kTickCatchUp{2'000};

bool IsAccountCommand(const trading::Command& c) {
    return std::holds_alternative<trading::OpenAccount>(c) || std::holds_alternative<trading::Deposit>(c) ||
           std::holds_alternative<trading::PlaceOrder>(c) || std::holds_alternative<trading::CancelOrder>(c) ||
           std::holds_alternative<trading::ReplaceOrder>(c);
}

const std::string* ClaimedClientOrderId(const trading::Command& c) {
    if (const auto* p = std::get_if<trading::PlaceOrder>(&c); p && !p->client_order_id.empty()) {
        return &p->client_order_id;
    }
    if (const auto* r = std::get_if<trading::ReplaceOrder>(&c); r && !r->client_order_id.empty()) {
        return &r->client_order_id;
    }
    return nullptr;
}

}  // namespace

// One command's answer: published once the batch holding its events is durable.
struct EngineWorker::Answer {
    std::string correlation_id;
    std::string reply_to;
    trading::AccountId account = 0;
    trading::CommandResult result;
    std::size_t first_event = 0, end_event = 0;  // its events in the batch
    std::string barrier_key;                     // a barrier's answer: published last, on its partition
};

EngineWorker::EngineWorker(EngineRoleOptions options, bus::Bus& bus, storage::ServiceStore& store, const Clock& clock)
    : options_(std::move(options)),
      bus_(bus),
      store_(store),
      clock_(clock),
      calendar_(options_.config.market.session, HolidaySet(options_.config.market.holidays)),
      lookup_(std::make_unique<StockLookup>(options_.config.market.data_source)) {}

EngineWorker::~EngineWorker() { Stop(); }

Status EngineWorker::Start() {
    if (options_.instance < 1 || options_.instance > kMaxEngines) {
        return MakeError(ErrorCode::kInvalidArgument, "engine: --instance must be 1 … " + std::to_string(kMaxEngines));
    }
    if (auto s = BuildConfiguredUniverse(*lookup_, options_.config.market.symbols, "engine", universe_); !s) return s;
    if (auto s = LoadListedAtRunTime(store_, universe_); !s) return s;
    const std::string me =
        std::to_string(options_.instance) + "-" + std::to_string(::getpid()) + "-" + std::to_string(clock_.Now());
    stocks_ = std::make_unique<StockFeed>(bus_, options_.group + "-stocks-" + me);
    auto stocks = stocks_->Start(std::chrono::milliseconds(options_.config.kafka.connect_timeout_ms));
    if (!stocks) return std::unexpected(stocks.error());
    for (const bus::StockMessage& m : *stocks) {
        auto change = ApplyStockMessage(universe_, m, [this] { return LoadListedAtRunTime(store_, universe_); });
        if (!change)
            GetLogger("engine")->warn("event=stock_skipped code={} reason=\"{}\"", m.stock.code,
                                      change.error().message);
    }
    last_.resize(universe_.size());
    partitions_ = options_.config.kafka.orders_partitions;
    for (const auto& spec : {bus::OrdersSpec(partitions_), bus::OrderUpdatesSpec(partitions_), bus::StockInfosSpec()}) {
        if (auto s = bus::EnsureTopic(bus_, spec); !s) return s;
    }
    // The topic may have been created with another count by an earlier configuration: the broker's count rules.
    auto count = bus_.Partitions(bus::kOrdersTopic);
    if (!count) return std::unexpected(count.error());
    partitions_ = *count;

    auto producer = bus_.NewProducer();
    if (!producer) return std::unexpected(producer.error());
    updates_ = std::move(*producer);
    // Every engine reads every tick, from now on: a group of its own that never commits.
    // It starts at each partition's end as it is at assignment; the ticks before count as read (a gateway's
    // ticks_seen that old is no reason to wait).
    auto ticks = bus_.NewConsumer({.group = options_.group + "-ticks-" + me,
                                   .topics = {std::string(bus::kStockInfosTopic)},
                                   .start = bus::ConsumerOptions::Start::kLatest,
                                   .on_assigned = [this](std::span<const bus::TopicPartition> tps) {
                                       std::vector<bus::TopicPartitionOffset> starts;
                                       for (const auto& tp : tps) {
                                           auto end = bus_.EndOffset(tp);
                                           if (!end) continue;
                                           starts.push_back({tp, *end});
                                           ticks_read_[tp.partition] = std::max(ticks_read_[tp.partition], *end - 1);
                                       }
                                       return starts;
                                   }});
    if (!ticks) return std::unexpected(ticks.error());
    ticks_ = std::move(*ticks);
    bus::ConsumerOptions co;
    co.group = options_.group;
    co.topics = {std::string(bus::kOrdersTopic)};
    // Kafka's eager rebalance revokes everything and assigns the new set; the in-memory bus moves single
    // partitions. Either way the engine is rebuilt over what is owned afterwards: everything read so far is
    // committed (Step commits before it polls again), so the database holds the owned accounts' whole state.
    co.on_assigned = [this](std::span<const bus::TopicPartition> tps) {
        std::set<std::int32_t> owned = Owned();
        for (const auto& tp : tps) {
            if (tp.topic == bus::kOrdersTopic) owned.insert(tp.partition);
        }
        std::vector<bus::TopicPartitionOffset> starts;
        for (auto& start : Rebuild(owned)) {
            for (const auto& tp : tps) {
                if (tp == start.tp) starts.push_back(start);
            }
        }
        return starts;
    };
    co.on_revoked = [this](std::span<const bus::TopicPartition> tps) {
        std::set<std::int32_t> owned = Owned();
        for (const auto& tp : tps) owned.erase(tp.partition);
        Rebuild(owned);
    };
    auto orders = bus_.NewConsumer(std::move(co));
    if (!orders) return std::unexpected(orders.error());
    orders_ = std::move(*orders);
    return {};
}

std::set<std::int32_t> EngineWorker::Owned() const {
    std::set<std::int32_t> owned;
    for (const auto& [p, next] : next_) owned.insert(p);
    return owned;
}

std::vector<bus::TopicPartitionOffset> EngineWorker::Rebuild(const std::set<std::int32_t>& owned) {
    auto log = GetLogger("engine");
    engine_.reset();
    stored_.clear();
    next_.clear();
    pending_.clear();
    std::vector<bus::TopicPartitionOffset> starts;
    if (owned.empty()) {
        std::lock_guard lock(stats_mutex_);
        stats_.accounts = 0;
        stats_.partitions = 0;
        log->info("event=partitions_released");
        return starts;
    }
    auto offsets = store_.LoadConsumerOffsets(options_.group, std::string(bus::kOrdersTopic));
    auto snapshot =
        offsets ? store_.LoadEngineState() : Result<trading::EngineSnapshot>(std::unexpected(offsets.error()));
    if (!snapshot) {
        failure_ = snapshot.error();
        log->critical("event=rebuild_failed error=\"{}\"", snapshot.error().message);
        return starts;
    }
    auto mine = [&](trading::AccountId a) { return owned.contains(bus::PartitionFor(bus::OrderKey(a), partitions_)); };
    trading::EngineSnapshot filtered;
    for (const auto& a : snapshot->accounts) {
        if (mine(a.id)) filtered.accounts.push_back(a);
    }
    for (const auto& p : snapshot->positions) {
        if (mine(p.account)) filtered.positions.push_back(p);
    }
    for (const auto& o : snapshot->open_orders) {
        if (mine(o.account)) filtered.open_orders.push_back(o);
    }
    filtered.last_ticks = snapshot->last_ticks;
    filtered.previous_closes = snapshot->previous_closes;
    filtered.next_order_id = snapshot->next_order_id;
    filtered.next_fill_id = snapshot->next_fill_id;
    filtered.next_ledger_txn = snapshot->next_ledger_txn;
    filtered.next_event_seq = snapshot->next_event_seq;

    const Timestamp now = clock_.Now();
    trading::EngineOptions eo;
    eo.fees = options_.config.fees.Schedule();
    eo.price_limit_ppm = options_.config.market.price_limit_ppm;
    eo.calendar = calendar_;
    eo.session = calendar_.StateAt(now);
    eo.id_stride = kMaxEngines;
    eo.id_offset = static_cast<std::uint64_t>(options_.instance) % kMaxEngines;
    engine_ = std::make_unique<trading::Engine>(eo);
    engine_->Restore(filtered);
    session_ = eo.session;
    // The day's band: the previous close of the stock master, or the last trade when it is from an earlier day.
    const Date today = ToKst(now).date;
    for (market::SymbolId id = 0; id < universe_.size(); ++id) {
        const market::ListingStatus status = universe_.status(id);
        if (!market::IsListed(status)) continue;  // listed at run time but not (yet) published as such
        Won close = universe_.Get(id).previous_close;
        for (const market::Tick& t : snapshot->last_ticks) {
            if (t.symbol == id && t.price > 0 && calendar_.mode() == market::SessionMode::kKrx &&
                ToKst(t.ts).date < today) {
                close = t.price;
            }
        }
        engine_->Apply(trading::ListSymbol{id, close, now, universe_.Get(id).code}, pending_);
        // Halted: listed, then halted; its open orders stay, nothing new trades.
        if (status == market::ListingStatus::kHalted) engine_->Apply(trading::HaltSymbol{id, true, now}, pending_);
    }
    if (session_ != market::SessionState::kClosed) session_date_ = today;
    for (const std::int32_t p : owned) {
        const auto it = offsets->find(p);
        stored_[p] = it == offsets->end() ? -1 : it->second;
        next_[p] = it == offsets->end() ? 0 : it->second;
        // Without a stored offset the partition starts at its beginning (nothing of it was ever applied).
        starts.push_back({{std::string(bus::kOrdersTopic), p}, next_[p]});
    }
    {
        std::lock_guard lock(stats_mutex_);
        stats_.rebuilds += 1;
        stats_.accounts = filtered.accounts.size();
        stats_.partitions = owned.size();
    }
    std::ostringstream list;
    for (const std::int32_t p : owned) list << (list.tellp() > 0 ? "," : "") << p;
    log->info("event=partitions_assigned partitions={} accounts={} open_orders={} next_order_id={}", list.str(),
              filtered.accounts.size(), filtered.open_orders.size(), filtered.next_order_id);
    return starts;
}

void EngineWorker::ApplyStocks(std::vector<trading::Event>& events) {
    auto polled = stocks_->Poll(std::chrono::milliseconds(0));
    if (!polled) {
        GetLogger("engine")->warn("event=stocks_poll_failed error=\"{}\"", polled.error().message);
        return;
    }
    const Timestamp now = clock_.Now();
    for (const auto& [offset, m] : *polled) {
        auto change = ApplyStockMessage(universe_, m, [this] { return LoadListedAtRunTime(store_, universe_); });
        if (!change || !*change) {
            GetLogger("engine")->warn("event=stock_skipped code={} stock_id={} reason=\"{}\"", m.stock.code, m.id,
                                      change ? "id not in the service database" : change.error().message);
            continue;
        }
        const StockChange& c = **change;
        if (last_.size() < universe_.size()) last_.resize(universe_.size());
        if (!engine_ || c.before == c.after) continue;
        if (!market::IsListed(c.before)) {
            engine_->Apply(trading::ListSymbol{c.id, m.stock.previous_close, now, m.stock.code}, events);
        }
        if (c.after == market::ListingStatus::kHalted || market::IsListed(c.before)) {
            engine_->Apply(trading::HaltSymbol{c.id, c.after == market::ListingStatus::kHalted, now}, events);
        }
        GetLogger("engine")->info("event=listing_applied code={} status={}", m.stock.code,
                                  market::ListingStatusName(c.after));
    }
}

void EngineWorker::ApplyTicks(std::vector<trading::Event>& events, std::chrono::milliseconds wait) {
    auto messages = ticks_->Poll(wait, 5'000);
    if (!messages) {
        GetLogger("engine")->warn("event=ticks_poll_failed error=\"{}\"", messages.error().message);
        return;
    }
    for (const bus::Message& m : *messages) {
        ticks_read_[m.tp.partition] = std::max(ticks_read_[m.tp.partition], m.offset);
        auto decoded = bus::DecodeStockInfo(m.value);
        const auto id = decoded ? universe_.Find(decoded->code) : std::nullopt;
        if (!id) continue;  // not one of ours (or not a tick): the sink reports those
        market::Tick tick = decoded->tick;
        tick.symbol = *id;
        if (*id < last_.size()) last_[*id] = tick;
        if (engine_) engine_->Apply(trading::MarketTick{tick}, events);
        std::lock_guard lock(stats_mutex_);
        stats_.ticks += 1;
    }
}

void EngineWorker::ApplyClock(Timestamp now, std::vector<trading::Event>& events) {
    const market::SessionState state = calendar_.StateAt(now);
    if (state == session_ || !engine_) return;
    const Date today = ToKst(now).date;
    if (state != market::SessionState::kClosed && session_date_ && *session_date_ < today) {
        // A new trading day: the last trade becomes the previous close, which moves the band.
        for (market::SymbolId id = 0; id < universe_.size() && id < last_.size(); ++id) {
            if (market::IsListed(universe_.status(id)) && last_[id].price > 0) {
                engine_->Apply(trading::ListSymbol{id, last_[id].price, now, universe_.Get(id).code}, events);
            }
        }
    }
    if (state != market::SessionState::kClosed) session_date_ = today;
    engine_->Apply(trading::SessionChange{state, now}, events);
    session_ = state;
}

void EngineWorker::HandleCommand(const bus::Message& m, const Result<bus::OrderRequest>& request,
                                 std::vector<trading::Event>& events, std::vector<Answer>& answers) {
    auto log = GetLogger("engine");
    if (!request) {
        // Nobody can be answered without a correlation id; the offset moves past it.
        log->warn("event=malformed_command partition={} offset={} error=\"{}\"", m.tp.partition, m.offset,
                  request.error().message);
        std::lock_guard lock(stats_mutex_);
        stats_.malformed += 1;
        return;
    }
    Answer a;
    a.correlation_id = request->correlation_id;
    a.reply_to = request->reply_to;
    a.first_event = a.end_event = events.size();
    if (request->barrier) {
        a.barrier_key = bus::PartitionKey(m.tp.partition, partitions_);
        answers.push_back(std::move(a));
        return;
    }
    a.account = bus::AccountOf(request->command);
    if (!IsAccountCommand(request->command) || a.account == 0) {
        a.result.error = Error{ErrorCode::kInvalidArgument, "only account commands are taken on the orders topic"};
    } else if (bus::PartitionFor(bus::OrderKey(a.account), partitions_) != m.tp.partition) {
        a.result.error = Error{ErrorCode::kInvalidArgument, "command sent to the wrong partition for its account"};
    } else if (const std::string* id = ClaimedClientOrderId(request->command)) {
        // The engine remembers ids used since its rebuild; older ones are only in the database.
        auto used = store_.ClientOrderIdExists(a.account, *id);
        if (!used) {
            a.result.error = used.error();
        } else if (*used) {
            a.result.error = Error{ErrorCode::kAlreadyExists, "client_order_id must be unique"};
        }
    }
    if (a.result.ok()) a.result = engine_->Apply(request->command, events);
    a.end_event = events.size();
    std::lock_guard lock(stats_mutex_);
    stats_.commands += 1;
    if (!a.result.ok()) stats_.refused += 1;
    answers.push_back(std::move(a));
}

Result<std::size_t> EngineWorker::Step(std::chrono::milliseconds wait) {
    if (failure_) return std::unexpected(*failure_);
    if (auto h = updates_->Health(); !h) return std::unexpected(h.error());
    // Polling first: a rebalance happens inside this call, while nothing is pending.
    auto messages = orders_->Poll(wait, options_.max_batch);
    if (failure_) return std::unexpected(*failure_);
    if (!messages) return std::unexpected(messages.error());
    storage::WriteBatch batch;
    batch.events = std::move(pending_);
    pending_.clear();
    ApplyStocks(batch.events);  // a listing or halt read now counts for this round's commands
    // The round's commands, and the ticks their gateways had read when they sent them.
    std::vector<std::pair<const bus::Message*, Result<bus::OrderRequest>>> commands;
    std::map<std::int32_t, std::int64_t> wanted;
    if (engine_) {
        for (const bus::Message& m : *messages) {
            const auto it = next_.find(m.tp.partition);
            if (m.tp.topic != bus::kOrdersTopic || it == next_.end() || m.offset < it->second) continue;
            it->second = m.offset + 1;
            commands.emplace_back(&m, bus::DecodeOrderRequest(m.value));
            if (!commands.back().second) continue;
            for (const auto& [partition, offset] : commands.back().second->ticks_seen) {
                wanted[partition] = std::max(wanted[partition], offset);
            }
        }
    }
    // Ticks before commands: each command meets at least every tick its gateway had shown (an injected tick
    // that gateway answered before the order was sent, above all). Bounded: a tick partition that does not
    // come within kTickCatchUp is logged and the commands go on.
    ApplyTicks(batch.events);
    const auto catch_up_until = std::chrono::steady_clock::now() + kTickCatchUp;
    auto behind = [&] {
        for (const auto& [partition, offset] : wanted) {
            const auto it = ticks_read_.find(partition);
            if (it == ticks_read_.end() || it->second < offset) return true;
        }
        return false;
    };
    while (behind()) {
        if (std::chrono::steady_clock::now() >= catch_up_until) {
            GetLogger("engine")->warn("event=ticks_behind_gateway wait_ms={}", kTickCatchUp.count());
            break;
        }
        ApplyTicks(batch.events, std::chrono::milliseconds(10));
    }
    std::vector<Answer> answers;
    for (const auto& [m, request] : commands) HandleCommand(*m, request, batch.events, answers);
    const std::size_t handled = commands.size();
    ApplyClock(clock_.Now(), batch.events);
    if (!engine_) return handled;

    bool moved = false;
    for (const auto& [p, next] : next_) {
        if (next != stored_[p]) moved = true;
        batch.offsets.push_back({options_.group, std::string(bus::kOrdersTopic), p, stored_[p], next});
    }
    if (!moved && batch.events.empty()) return handled;
    if (auto s = store_.Commit(batch); !s) {
        // Nothing of the batch is stored and nothing was answered: the next owner re-applies it.
        GetLogger("engine")->critical("event=commit_failed error=\"{}\"", s.error().message);
        failure_ = s.error();
        return std::unexpected(s.error());
    }
    for (const auto& [p, next] : next_) stored_[p] = next;
    {
        std::lock_guard lock(stats_mutex_);
        stats_.commits += 1;
    }
    // The events no command claims (fills on ticks, expiries at a session change, re-reservations).
    std::vector<std::pair<std::size_t, std::size_t>> claimed;
    for (const Answer& a : answers) claimed.emplace_back(a.first_event, a.end_event);
    Publish(answers, batch.events, claimed);
    return handled;
}

void EngineWorker::Publish(const std::vector<Answer>& answers, const std::vector<trading::Event>& events,
                           const std::vector<std::pair<std::size_t, std::size_t>>& claimed) {
    auto send = [this](trading::AccountId account, const bus::OrderUpdate& u) {
        updates_->SendAsync(bus::kOrderUpdatesTopic, bus::OrderKey(account), bus::EncodeOrderUpdate(u),
                            [this](Result<bus::Delivery> d) {
                                if (!d) {
                                    publish_failures_.fetch_add(1);
                                    GetLogger("engine")->error("event=update_not_sent error=\"{}\"", d.error().message);
                                }
                            });
    };
    for (const Answer& a : answers) {
        if (!a.barrier_key.empty()) continue;
        bus::OrderUpdate u;
        u.correlation_id = a.correlation_id;
        u.reply_to = a.reply_to;
        u.account = a.account;
        u.result = a.result;
        u.events.assign(events.begin() + static_cast<std::ptrdiff_t>(a.first_event),
                        events.begin() + static_cast<std::ptrdiff_t>(a.end_event));
        send(a.account, u);
    }
    // Unclaimed events, grouped by account in their order.
    std::map<trading::AccountId, bus::OrderUpdate> by_account;
    std::size_t next_claim = 0;
    for (std::size_t i = 0; i < events.size(); ++i) {
        while (next_claim < claimed.size() && claimed[next_claim].second <= i) ++next_claim;
        if (next_claim < claimed.size() && claimed[next_claim].first <= i) continue;
        const trading::Event& e = events[i];
        const trading::AccountId account = e.balance.id != 0 ? e.balance.id : e.order.account;
        if (account == 0) continue;
        auto& u = by_account[account];
        u.account = account;
        u.events.push_back(e);
    }
    for (const auto& [account, u] : by_account) send(account, u);
    // Barriers last: whoever reads a barrier's answer has read everything before it on that partition.
    for (const Answer& a : answers) {
        if (a.barrier_key.empty()) continue;
        bus::OrderUpdate u;
        u.correlation_id = a.correlation_id;
        u.reply_to = a.reply_to;
        u.result = a.result;
        updates_->SendAsync(bus::kOrderUpdatesTopic, a.barrier_key, bus::EncodeOrderUpdate(u),
                            [this](Result<bus::Delivery> d) {
                                if (!d) publish_failures_.fetch_add(1);
                            });
    }
}

void EngineWorker::Stop() {
    if (orders_) {
        orders_->Close();
        orders_.reset();
    }
    if (ticks_) {
        ticks_->Close();
        ticks_.reset();
    }
    if (stocks_) stocks_->Close();
    if (updates_) {
        if (auto s = updates_->Flush(std::chrono::seconds(10)); !s) {
            GetLogger("engine")->error("event=flush_failed error=\"{}\"", s.error().message);
        }
        updates_.reset();
    }
}

EngineRoleStats EngineWorker::stats() const {
    std::lock_guard lock(stats_mutex_);
    return stats_;
}

std::string EngineWorker::ActivityLine() const {
    const EngineRoleStats s = stats();
    std::ostringstream out;
    out << "event=activity role=engine instance=" << options_.instance << " partitions=" << s.partitions
        << " accounts=" << s.accounts << " commands=" << s.commands << " refused=" << s.refused
        << " malformed=" << s.malformed << " ticks=" << s.ticks << " commits=" << s.commits
        << " rebuilds=" << s.rebuilds << " update_failures=" << publish_failures_.load();
    return out.str();
}

}  // namespace ik::app
