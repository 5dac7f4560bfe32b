#pragma once
// The embedded all-in-one server behind `investking serve`: opens the data directory, migrates, builds the
// universe (config symbols plus the listings an admin added or halted, stored in service.db), restores the
// engine from the store, then runs the group committer, the engine pipeline, the market clock (sessions and
// the price source), the HTTP APIs (with the universe admin) and optionally the load generator. Parts start in
// that order and stop in reverse. Start()/Stop() from one thread.
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "app/alert_delivery.hpp"
#include "app/alert_evaluator.hpp"
#include "app/load_generator.hpp"
#include "app/pipeline.hpp"
#include "app/stock_lookup.hpp"
#include "app/universe_admin.hpp"
#include "config/config.hpp"
#include "gateway/api.hpp"
#include "gateway/http_server.hpp"
#include "gateway/market_cache.hpp"
#include "gateway/metrics.hpp"
#include "gateway/streams.hpp"
#include "market/listing.hpp"
#include "market/simulator.hpp"
#include "market/source.hpp"
#include "storage/data_dir.hpp"
#include "storage/group_commit.hpp"

namespace ik::app {

struct ServeOptions {
    std::string data_dir = "./data";
    config::Config config;
    LoadOptions load;
    std::size_t load_accounts = 50;
    std::string admin_password;  // INVESTKING_ADMIN_PASSWORD: create user "admin" at start when set
    std::string jwt_secret;      // INVESTKING_JWT_SECRET; empty = a key kept in <data_dir>/jwt.key
};

class EmbeddedServer final {
public:
    explicit EmbeddedServer(ServeOptions options, const Clock& clock);
    ~EmbeddedServer();

    // Errors: kNotFound / kDataLoss / kFailedPrecondition for data problems, kInvalidArgument for config.
    Status Start();
    void Stop();

    Pipeline& pipeline() { return *pipeline_; }
    AlertEvaluator* alerts() { return alert_evaluator_.get(); }
    const market::Universe& universe() const { return universe_; }
    // The port the HTTP server listens on (useful with http.listen port 0).
    unsigned short http_port() const { return http_ ? http_->port() : 0; }
    bool failed() const { return pipeline_ && pipeline_->failed(); }
    // One line of activity for the log: ticks, commands, batches, last prices.
    std::string ActivityLine() const;

private:
    Status BuildUniverse();
    Status StartSource();
    // Starts simulated ticks for a listed symbol (from its previous close); a no-op without the simulator or when
    // it ticks the symbol already. source_mutex_ held.
    Status StartPricesLocked(market::SymbolId id);
    Status StartHttp();
    // The alert evaluator (restoring its marks and evaluating what a crash left) and the delivery worker.
    Status StartAlerts();
    Status StoreDailyHistory();
    Result<std::string> JwtKey();
    Status PrepareLoadAccounts(std::vector<trading::AccountId>& accounts);
    void RunClock();
    // A new trading day: the previous close becomes the last trade, which moves the price band.
    void RollDay(Timestamp now);

    ServeOptions options_;
    const Clock& clock_;
    market::MarketCalendar calendar_;
    market::Universe universe_;
    // Listed at start (active or halted): the configured symbols in config order, then stored listings.
    std::vector<market::SymbolId> active_;
    std::unique_ptr<StockLookup> lookup_;
    std::optional<storage::DataDir> data_;
    storage::PlatformStore* platform_ = nullptr;  // data_->service's platform queries (listing statuses)
    std::unique_ptr<trading::Engine> engine_;
    std::unique_ptr<storage::GroupCommitter> committer_;
    std::unique_ptr<Pipeline> pipeline_;
    // The clock thread polls the source; the universe admin starts and halts symbols in it at run time.
    std::mutex source_mutex_;
    std::unique_ptr<market::PriceSource> source_;   // guarded by source_mutex_ once the clock runs
    market::MarketSimulator* simulator_ = nullptr;  // source_ when it is the simulator
    std::optional<Date> session_date_;               // KST date of the last session the clock opened
    std::unique_ptr<LoadGenerator> load_;
    std::unique_ptr<gateway::HttpServer> http_;
    std::unique_ptr<storage::ServiceStore> reader_;  // queries on a second connection, beside the commits
    gateway::MarketCache market_;
    gateway::Metrics metrics_;
    gateway::AccountBook accounts_;
    std::unique_ptr<gateway::TradingBackend> backend_;
    std::unique_ptr<EmbeddedUniverseAdmin> universe_admin_;
    std::unique_ptr<gateway::Api> api_;
    std::unique_ptr<gateway::StreamHub> streams_;
    std::unique_ptr<AlertEvaluator> alert_evaluator_;  // fed by the commit observer; null without an AlertStore
    std::unique_ptr<AlertDelivery> alert_delivery_;
    std::atomic<storage::AlertStore*> unread_store_{nullptr};  // reader_'s alert queries, once it is open
    std::atomic<bool> ready_{false};

    mutable std::mutex mutex_;
    std::condition_variable cv_;
    bool stopping_ = false;
    std::thread clock_thread_;
    std::atomic<market::SessionState> session_{market::SessionState::kClosed};
    std::vector<market::Tick> last_;  // latest tick per symbol, for the activity log (guarded by mutex_)
};

}  // namespace ik::app
