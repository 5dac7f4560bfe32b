#include "app/embedded.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "app/http_common.hpp"
#include "app/version.hpp"
#include "auth/tokens.hpp"
#include "common/log.hpp"
#include "common/thread_name.hpp"
#include "market/listing.hpp"

namespace ik::app {

namespace {

// The embedded trading side of the gateway: commands go to the pipeline, answered once durable.
class PipelineBackend final : public gateway::TradingBackend {
public:
    PipelineBackend(Pipeline& pipeline, const std::atomic<market::SessionState>& session)
        : pipeline_(pipeline), session_(session) {}
    void Submit(trading::Command command, Done done) override { pipeline_.Submit(std::move(command), std::move(done)); }
    market::SessionState session() const override { return session_.load(); }

private:
    Pipeline& pipeline_;
    const std::atomic<market::SessionState>& session_;
};

std::set<Date> HolidaySet(const std::vector<Date>& holidays) { return {holidays.begin(), holidays.end()}; }

}  // namespace

EmbeddedServer::EmbeddedServer(ServeOptions options, const Clock& clock)
    : options_(std::move(options)),
      clock_(clock),
      calendar_(options_.config.market.session, HolidaySet(options_.config.market.holidays)) {}

EmbeddedServer::~EmbeddedServer() { Stop(); }

Status EmbeddedServer::BuildUniverse() {
    auto log = GetLogger("app");
    auto stored = data_->service->LoadStocks();
    if (!stored) return std::unexpected(stored.error());
    for (auto& s : *stored) {
        if (auto id = universe_.Upsert(std::move(s)); !id) return std::unexpected(id.error());
    }

    std::map<market::SymbolId, market::ListingStatus> status;
    for (const std::string& code : options_.config.market.symbols) {
        if (auto id = universe_.Find(code)) {
            active_.push_back(*id);
            status[*id] = market::ListingStatus::kActive;
            continue;
        }
        auto info = lookup_->Find(code);
        if (!info) return std::unexpected(info.error());
        if (!*info) {
            return MakeError(ErrorCode::kInvalidArgument,
                             "market.symbols: " + code +
                                 " is not a built-in stock; set market.data_source to a folder with krx-listing.csv "
                                 "and daily/" +
                                 code + ".csv");
        }
        if ((*info)->previous_close <= 0) {
            return MakeError(ErrorCode::kInvalidArgument, "market.symbols: no previous close for " + code +
                                                              " (add daily/" + code + ".csv under market.data_source)");
        }
        auto id = universe_.Upsert(std::move(**info));
        if (!id) return std::unexpected(id.error());
        active_.push_back(*id);
        status[*id] = market::ListingStatus::kActive;
        log->info("event=symbol_listed code={}", code);
    }
    // Stocks an admin listed or halted while the server ran: listed again, with the status they had.
    auto rows = platform_->LoadListingStatuses();
    if (!rows) return std::unexpected(rows.error());
    for (const storage::ListingStatusRecord& row : *rows) {
        const auto id = universe_.Find(row.code);
        if (!id) {
            log->warn("event=listing_skipped code={} status={} reason=not_in_stock_master", row.code,
                      market::ListingStatusName(row.status));
            continue;
        }
        if (!status.contains(*id)) active_.push_back(*id);
        status[*id] = row.status;
    }
    for (const auto& [id, st] : status) {
        if (auto s = universe_.SetStatus(id, st); !s) return s;
    }
    if (auto s = data_->service->UpsertStocks(universe_); !s) return s;
    if (auto s = data_->recommend->UpsertStocks(universe_); !s) return s;
    return {};
}

Status EmbeddedServer::StartSource() {
    const auto& m = options_.config.market;
    if (m.source == config::MarketSource::kNone) {
        source_ = std::make_unique<market::NullSource>();
        return {};
    }
    market::SimulatorOptions so;
    so.seed = m.seed;
    so.tick_interval_ns = static_cast<std::int64_t>(m.tick_interval_ms) * 1'000'000;
    std::lock_guard lock(source_mutex_);
    auto sim = std::make_unique<market::MarketSimulator>(so);
    simulator_ = sim.get();
    source_ = std::move(sim);
    for (market::SymbolId id : active_) {
        if (auto s = StartPricesLocked(id); !s) return s;
        // After a restart the walk continues from the last stored trade, so charts do not jump back.
        if (id < last_.size() && last_[id].price > 0) {
            if (auto s = simulator_->Resume(id, last_[id].price); !s) return s;
        }
        if (universe_.status(id) == market::ListingStatus::kHalted) {
            if (auto s = simulator_->SetPaused(id, true); !s) return s;
        }
    }
    return {};
}

Status EmbeddedServer::StartPricesLocked(market::SymbolId id) {
    if (simulator_ == nullptr || simulator_->HasSymbol(id)) return {};
    const auto& info = universe_.Get(id);
    market::SimSymbolParams params = market::DefaultSimParams(info.code);
    if (auto bars = lookup_->DailyHistory(info.code); bars && *bars) {
        if (auto stats = market::ComputeHistoryStats(**bars)) params = market::SimParamsFromHistory(*stats);
    }
    params.price_limit_ppm = options_.config.market.price_limit_ppm;
    return simulator_->AddSymbol(id, info.previous_close, params);
}

Status EmbeddedServer::PrepareLoadAccounts(std::vector<trading::AccountId>& accounts) {
    if (options_.load.rate <= 0) return {};
    for (std::size_t i = 0; i < options_.load_accounts; ++i) {
        const std::string name = "load-" + std::to_string(i);
        auto found = data_->service->FindUserByName(name);
        if (!found) return std::unexpected(found.error());
        if (*found) {
            accounts.push_back(static_cast<trading::AccountId>((*found)->id));
            continue;
        }
        storage::UserRecord u;
        u.username = name;
        u.created_at = clock_.Now();
        auto id = data_->service->CreateUser(u);
        if (!id) return std::unexpected(id.error());
        accounts.push_back(static_cast<trading::AccountId>(*id));
    }
    return {};
}

Status EmbeddedServer::Start() {
    auto log = GetLogger("app");
    const auto& cfg = options_.config;
    storage::OpenOptions open;
    open.create_if_missing = true;
    open.synchronous = cfg.storage.synchronous == config::Synchronous::kFull ? storage::Synchronous::kFull
                                                                             : storage::Synchronous::kNormal;
    auto dir = storage::OpenDataDir(options_.data_dir, open);
    if (!dir) return std::unexpected(dir.error());
    data_.emplace(std::move(*dir));
    if (auto s = data_->service->Migrate(); !s) return s;
    if (auto s = data_->recommend->Migrate(); !s) return s;
    platform_ = dynamic_cast<storage::PlatformStore*>(data_->service.get());
    if (platform_ == nullptr) return MakeError(ErrorCode::kInternal, "the store has no platform queries");
    lookup_ = std::make_unique<StockLookup>(cfg.market.data_source);
    if (auto s = BuildUniverse(); !s) return s;
    if (auto s = StoreDailyHistory(); !s) return s;

    auto snapshot = data_->service->LoadEngineState();
    if (!snapshot) return std::unexpected(snapshot.error());
    const Timestamp now = clock_.Now();
    // With real sessions, a server that was down over a close starts the new day from the last trade.
    if (calendar_.mode() == market::SessionMode::kKrx) {
        const Date today = ToKst(now).date;
        bool rolled = false;
        for (const market::Tick& t : snapshot->last_ticks) {
            if (t.symbol >= universe_.size() || t.price <= 0 || !(ToKst(t.ts).date < today)) continue;
            if (auto s = universe_.SetPreviousClose(t.symbol, t.price); !s) return s;
            rolled = true;
        }
        if (rolled) {
            if (auto s = data_->service->UpsertStocks(universe_); !s) return s;
            if (auto s = data_->recommend->UpsertStocks(universe_); !s) return s;
            log->info("event=day_rolled reason=start previous_close=last_trade");
        }
    }
    trading::EngineOptions eo;
    eo.fees = cfg.fees.Schedule();
    eo.price_limit_ppm = cfg.market.price_limit_ppm;
    eo.calendar = calendar_;
    eo.session = calendar_.StateAt(now);
    session_ = eo.session;
    engine_ = std::make_unique<trading::Engine>(eo);
    engine_->Restore(*snapshot);
    // The clock rolls the day when it opens a session on a date after the last trade it knows of.
    for (const market::Tick& t : snapshot->last_ticks) {
        if (t.symbol >= last_.size()) last_.resize(t.symbol + 1);
        last_[t.symbol] = t;
        const Date d = ToKst(t.ts).date;
        if (!session_date_ || *session_date_ < d) session_date_ = d;
    }
    if (eo.session != market::SessionState::kClosed) session_date_ = ToKst(now).date;
    log->info("event=state_loaded accounts={} positions={} open_orders={} next_order_id={}", snapshot->accounts.size(),
              snapshot->positions.size(), snapshot->open_orders.size(), snapshot->next_order_id);

    std::vector<trading::AccountId> load_accounts;
    if (auto s = PrepareLoadAccounts(load_accounts); !s) return s;

    storage::GroupCommitterOptions gco;
    gco.max_batch_events = static_cast<std::size_t>(cfg.storage.group_commit_max_batch) * 4;
    committer_ = std::make_unique<storage::GroupCommitter>(*data_->service, data_->recommend.get(), gco);

    // Listing the active symbols may re-reserve or cancel open orders (a new price band): commit that first.
    // Halted listings are listed, then halted: their open orders stay, nothing new trades.
    storage::WriteBatch listing;
    for (market::SymbolId id : active_) {
        const auto& info = universe_.Get(id);
        engine_->Apply(trading::ListSymbol{id, info.previous_close, now, info.code}, listing.events);
        if (universe_.status(id) == market::ListingStatus::kHalted) {
            engine_->Apply(trading::HaltSymbol{id, true, now}, listing.events);
        }
    }
    if (!listing.empty()) {
        std::promise<Status> done;
        auto future = done.get_future();
        committer_->Submit(std::move(listing), [&](const Status& s, const storage::WriteBatch&) { done.set_value(s); });
        if (auto s = future.get(); !s) return s;
    }

    pipeline_ = std::make_unique<Pipeline>(
        *engine_, *committer_, static_cast<std::size_t>(cfg.storage.group_commit_max_batch), data_->service.get());
    for (market::SymbolId id = 0; id < universe_.size(); ++id)
        market_.SetPreviousClose(id, universe_.Get(id).previous_close);
    market_.OnTicks(snapshot->last_ticks);
    accounts_.Load(*snapshot);
    // The streams authenticate through the API, which is built later (before the server accepts anyone).
    streams_ = std::make_unique<gateway::StreamHub>(
        gateway::StreamOptions{}, universe_,
        [this](const std::string& key, const std::string& secret) { return api_->AuthenticateKey(key, secret); },
        [this](const std::string& token) { return api_->AuthenticateToken(token); });
    if (auto s = StartAlerts(); !s) return s;
    pipeline_->SetCommitObserver([this](const storage::WriteBatch& batch) {
        market_.OnTicks(batch.ticks);
        accounts_.OnEvents(batch.events);
        metrics_.ObserveBatch(batch);
        streams_->Publish(batch);
        if (alert_evaluator_) alert_evaluator_->OnTicks(batch.ticks);
    });
    pipeline_->Start();
    for (trading::AccountId id : load_accounts) {
        auto r = pipeline_->Execute(trading::OpenAccount{id, cfg.account.starting_cash, clock_.Now()});
        if (!r.ok() && r.error->code != ErrorCode::kAlreadyExists) {
            return MakeError(r.error->code, "opening load account: " + r.error->message);
        }
    }

    if (auto s = StartSource(); !s) return s;
    clock_thread_ = std::thread([this] {
        NameThisThread("ik-clock");
        RunClock();
    });

    if (auto s = StartHttp(); !s) return s;

    if (options_.load.rate > 0) {
        std::vector<LoadTarget> targets;
        for (market::SymbolId id : active_) {
            if (universe_.status(id) != market::ListingStatus::kActive) continue;  // halted: orders are refused
            targets.push_back({id, universe_.Get(id).previous_close});
        }
        load_ = std::make_unique<LoadGenerator>(*pipeline_, load_accounts, targets, options_.load);
        if (auto s = load_->Start(); !s) return s;
    }
    ready_ = true;
    log->info("event=serving data_dir={} symbols={} session_mode={} source={} tick_interval_ms={}", options_.data_dir,
              active_.size(), cfg.market.session == market::SessionMode::kAlways ? "always" : "krx",
              config::MarketSourceName(cfg.market.source), cfg.market.tick_interval_ms);
    return {};
}

Result<std::string> EmbeddedServer::JwtKey() {
    if (!options_.jwt_secret.empty()) {
        if (options_.jwt_secret.size() < 32) {
            return MakeError(ErrorCode::kInvalidArgument, "INVESTKING_JWT_SECRET must be at least 32 bytes");
        }
        return options_.jwt_secret;
    }
    // A key of this data directory, made once: tokens survive restarts and never leave the machine.
    const auto path = std::filesystem::path(options_.data_dir) / "jwt.key";
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) {
        std::ifstream in(path, std::ios::binary);
        std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
        if (key.size() < 32) return MakeError(ErrorCode::kDataLoss, path.string() + " holds fewer than 32 bytes");
        return key;
    }
    const std::string key = auth::RandomToken(48);
    const auto tmp = path.string() + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return MakeError(ErrorCode::kUnavailable, "cannot create " + tmp);
    const bool ok = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0)
        return MakeError(ErrorCode::kUnavailable, "cannot write " + path.string());
    return key;
}

// The daily history files become 1-day bars (see AppendDailyBars); only days after the newest stored one are
// written, so a restart costs one query per symbol.
Status EmbeddedServer::StoreDailyHistory() {
    storage::WriteBatch batch;
    for (market::SymbolId id : active_) {
        auto history = lookup_->DailyHistory(universe_.Get(id).code);
        if (!history) return std::unexpected(history.error());
        if (*history == nullptr) continue;
        if (auto s = AppendDailyBars(*data_->service, id, **history, batch); !s) return s;
    }
    if (batch.empty()) return {};
    GetLogger("app")->info("event=daily_history_stored bars={}", batch.bars.size());
    return data_->service->Commit(batch);
}

Status EmbeddedServer::StartAlerts() {
    auto* store = dynamic_cast<storage::AlertStore*>(data_->service.get());
    if (store == nullptr) return {};
    const auto& cfg = options_.config;
    alert_delivery_ = std::make_unique<AlertDelivery>(*store, universe_, clock_, DeliveryOptions(cfg, clock_));
    // Marks of ticks that fire nothing at most once a second: a restart replays the stored ticks after them.
    alert_evaluator_ = std::make_unique<AlertEvaluator>(
        *store, universe_, clock_,
        [this, store](const std::vector<storage::NotificationRecord>& notes) {
            // Unread counts on the read connection once the API has opened it, beside the commits.
            storage::AlertStore* reads = unread_store_.load(std::memory_order_acquire);
            PushInApp(reads != nullptr ? *reads : *store, *streams_, notes);
            alert_delivery_->Wake();
        },
        std::chrono::seconds(1));
    if (auto s = alert_evaluator_->Start(true); !s) return s;
    alert_delivery_->Start();
    return {};
}

Status EmbeddedServer::StartHttp() {
    const auto& cfg = options_.config;
    auto reader = data_->OpenServiceReader();
    if (!reader) return std::unexpected(reader.error());
    reader_ = std::move(*reader);
    unread_store_.store(dynamic_cast<storage::AlertStore*>(reader_.get()), std::memory_order_release);
    auto* reads = dynamic_cast<storage::PlatformStore*>(reader_.get());
    if (reads == nullptr) return MakeError(ErrorCode::kInternal, "the store has no platform queries");
    auto key = JwtKey();
    if (!key) return std::unexpected(key.error());

    gateway::ApiOptions ao;
    ao.starting_cash = cfg.account.starting_cash;
    ao.max_topup = cfg.account.max_topup;
    ao.allow_injection = cfg.market.allow_injection;
    ao.jwt_key = *key;
    ao.fees = cfg.fees.Schedule();
    ao.price_limit_ppm = cfg.market.price_limit_ppm;
    ao.max_alerts_per_user = static_cast<std::size_t>(cfg.alerts.max_per_user);
    ao.allow_internal_webhooks = cfg.alerts.allow_internal_webhooks;
    ao.min_external_cooldown_s = cfg.alerts.min_external_cooldown_s;
    ao.allowed_topic_arns = cfg.sns.allowed_topic_arns;
    backend_ = std::make_unique<PipelineBackend>(*pipeline_, session_);
    PriceSourceHooks prices;
    if (simulator_ != nullptr) {
        prices.start = [this](market::SymbolId id) {
            std::lock_guard lock(source_mutex_);
            return StartPricesLocked(id);
        };
        prices.halt = [this](market::SymbolId id, bool halted) {
            std::lock_guard lock(source_mutex_);
            return simulator_->SetPaused(id, halted);
        };
    }
    universe_admin_ = std::make_unique<EmbeddedUniverseAdmin>(
        clock_, cfg.market.price_limit_ppm, universe_, *lookup_,
        UniverseStores{*data_->service, *data_->recommend, *platform_}, *pipeline_, market_, std::move(prices));
    api_ = std::make_unique<gateway::Api>(ao, clock_, *backend_, *data_->service, *platform_, *reads, *reader_,
                                          universe_, *universe_admin_, calendar_, market_, accounts_);
    auto* alert_writes = dynamic_cast<storage::AlertStore*>(data_->service.get());
    auto* alert_reads = dynamic_cast<storage::AlertStore*>(reader_.get());
    if (alert_writes != nullptr && alert_reads != nullptr) api_->SetAlerts(*alert_writes, *alert_reads);
    if (alert_evaluator_) api_->SetAlertListener(*alert_evaluator_);
    if (!options_.admin_password.empty()) {
        if (auto s = api_->EnsureAdmin("admin", options_.admin_password); !s) return s;
    }

    http_ = BuildHttpServer(cfg.http, *api_, *streams_, metrics_, [this] { return ready_.load() && !failed(); });
    metrics_.AddGauge("investking_engine_queue_depth", "Commands and ticks waiting for the engine thread.",
                      [this] { return static_cast<double>(pipeline_->queue_depth()); });
    metrics_.AddGauge("investking_engine_max_queue_depth", "Deepest the engine queue has been since start.",
                      [this] { return static_cast<double>(pipeline_->stats().max_queue_depth); });
    metrics_.AddGauge("investking_stream_connections", "Open WebSocket stream connections.", [this] {
        const auto s = streams_->stats();
        return static_cast<double>(s.trade_connections + s.data_connections);
    });
    metrics_.AddGauge("investking_stream_slow_client_drops", "Stream clients dropped for reading too slowly.",
                      [this] { return static_cast<double>(streams_->stats().slow_client_drops); });
    return http_->Start();
}

void EmbeddedServer::RunClock() {
    auto log = GetLogger("market");
    const auto interval = std::chrono::milliseconds(options_.config.market.tick_interval_ms);
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        lock.unlock();
        const Timestamp now = clock_.Now();
        const market::SessionState state = calendar_.StateAt(now);
        if (state != session_) {
            log->info("event=session from={} to={}", market::SessionStateName(session_.load()),
                      market::SessionStateName(state));
            const Date today = ToKst(now).date;
            if (state != market::SessionState::kClosed && session_date_ && *session_date_ < today) RollDay(now);
            if (state != market::SessionState::kClosed) session_date_ = today;
            pipeline_->Submit(trading::SessionChange{state, now}, nullptr);
            session_ = state;
        }
        std::vector<market::Tick> ticks;
        if (state != market::SessionState::kClosed) {
            // Polled and queued under one lock: once the universe admin has paused a symbol, none of its ticks is
            // still on the way to the engine.
            std::lock_guard source_lock(source_mutex_);
            ticks = source_->Poll(now);
            for (const auto& t : ticks) pipeline_->SubmitTick(t);
        }
        lock.lock();
        for (const auto& t : ticks) {
            if (t.symbol >= last_.size()) last_.resize(t.symbol + 1);
            last_[t.symbol] = t;
        }
        // The market clock's period, not a readiness wait: wakes early on Stop().
        cv_.wait_for(lock, interval, [&] { return stopping_; });
    }
}

void EmbeddedServer::RollDay(Timestamp now) {
    std::vector<market::Tick> last;
    {
        std::lock_guard lock(mutex_);
        last = last_;
    }
    // Every listed symbol, those an admin listed since the start included (halted ones keep their halt).
    for (market::SymbolId id = 0; id < universe_.size(); ++id) {
        if (!market::IsListed(universe_.status(id)) || id >= last.size() || last[id].price <= 0) continue;
        // The engine re-reserves open market buys at the new upper limit (canceling those that no longer fit).
        pipeline_->Submit(trading::ListSymbol{id, last[id].price, now, universe_.Get(id).code}, nullptr);
        // The stock master follows (the admin list, stock search); the stocks table catches up at the next start.
        if (auto s = universe_.SetPreviousClose(id, last[id].price); !s) {
            GetLogger("market")->error("event=previous_close_not_set code={} error=\"{}\"", universe_.Get(id).code,
                                       s.error().message);
        }
    }
    if (simulator_ != nullptr) {
        std::lock_guard lock(source_mutex_);
        simulator_->RollDay();
    }
    market_.ResetDay();
    GetLogger("market")->info("event=day_rolled reason=new_session");
}

std::string EmbeddedServer::ActivityLine() const {
    std::ostringstream out;
    const PipelineStats s = pipeline_ ? pipeline_->stats() : PipelineStats{};
    out << "event=activity session=" << market::SessionStateName(session_.load()) << " ticks=" << s.ticks
        << " commands=" << s.commands << " batches=" << s.batches << " events=" << s.events;
    if (load_) out << " load_acked=" << load_->acknowledged() << " load_refused=" << load_->refused();
    std::lock_guard lock(mutex_);
    for (const auto& t : last_) {
        if (t.price > 0) out << " " << universe_.Get(t.symbol).code << "=" << t.price;
    }
    return out.str();
}

void EmbeddedServer::Stop() {
    ready_ = false;
    if (http_) http_->Stop();  // finish in-flight requests first
    FlushLogs();               // and write out their access-log lines
    if (load_) load_->Stop();
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (clock_thread_.joinable()) clock_thread_.join();
    if (pipeline_) pipeline_->Stop();
    if (committer_) committer_->Stop();
    if (alert_evaluator_) alert_evaluator_->Stop();  // evaluates what the pipeline committed last
    if (alert_delivery_) alert_delivery_->Stop();
    load_.reset();
    http_.reset();
    api_.reset();
    alert_evaluator_.reset();
    alert_delivery_.reset();
    streams_.reset();
    backend_.reset();
    universe_admin_.reset();
    reader_.reset();
    pipeline_.reset();
    committer_.reset();
    data_.reset();
}

}  // namespace ik::app
