#pragma once
// The HTTP APIs on one server: the platform API under /api/v1 (sign-up, login, tokens, API keys, top-up,
// leaderboard, stock search, admin tick injection and universe management) and Alpaca's v2 trading API under
// /v2. Commands go to the TradingBackend and are answered once durable; universe changes go to the
// UniverseAdmin; reads come from the PlatformStore (a read connection), the MarketCache and the Universe (whose
// listing statuses say what is tradable). Owned by the application; Register() once before the server starts;
// handlers are thread-safe.
#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "auth/password.hpp"
#include "common/time.hpp"
#include "gateway/account_book.hpp"
#include "gateway/backend.hpp"
#include "gateway/http_server.hpp"
#include "gateway/market_cache.hpp"
#include "gateway/universe_admin.hpp"
#include "market/rules.hpp"
#include "market/session.hpp"
#include "market/symbols.hpp"
#include "storage/store.hpp"

namespace ik::gateway {

struct ApiOptions {
    Won starting_cash = 10'000'000;
    Won max_topup = 100'000'000;
    bool allow_injection = false;
    std::string jwt_key;                 // HS256 key, ≥ 32 bytes
    int access_ttl_s = 900;              // access tokens live 15 minutes
    int refresh_ttl_s = 30 * 24 * 3600;  // refresh tokens 30 days
    auth::PasswordCost password_cost = auth::PasswordCost::kInteractive;
    std::size_t max_keys_per_user = 10;
    int key_cache_ttl_s = 30;  // how long a verified API key is trusted without a lookup
    market::FeeSchedule fees;
    Ppm price_limit_ppm = market::kDefaultPriceLimitPpm;
    std::size_t max_alerts_per_user = 100;  // armed alerts
    bool allow_internal_webhooks = false;   // webhook URLs on loopback or private addresses (tests, intranets)
    std::int64_t min_external_cooldown_s = 60;    // repeat alerts with a webhook or SNS
    std::vector<std::string> allowed_topic_arns;  // sns_topic_arn must start with one of them; empty = none
};

class Api final {
public:
    Api(ApiOptions options, const Clock& clock, TradingBackend& backend, storage::ServiceStore& store,
        storage::PlatformStore& platform, storage::PlatformStore& reads, storage::ServiceStore& history,
        const market::Universe& universe, UniverseAdmin& admin, const market::MarketCalendar& calendar,
        MarketCache& market, const AccountBook& accounts);
    ~Api();

    void Register(HttpServer& server);

    // Bearer JWT or APCA key headers; kPermissionDenied when the request carries no valid credentials.
    Result<Principal> Authenticate(const HttpRequest& req);
    Result<Principal> AuthenticateKey(const std::string& key_id, const std::string& secret);
    Result<Principal> AuthenticateToken(const std::string& access_token);

    // The stores of /api/v1/alerts and /api/v1/notifications (the service database's); without them those
    // routes answer 503.
    void SetAlerts(storage::AlertStore& writes, storage::AlertStore& reads);
    // Told of every alert created, changed or deleted, after it is stored (the alert evaluator, or in the
    // distributed mode its topic). Set before the server starts.
    class AlertListener {
    public:
        virtual ~AlertListener() = default;
        virtual void AlertChanged(const storage::AlertRecord& alert) = 0;
        virtual void AlertRemoved(std::int64_t user_id, alerts::AlertId id) = 0;
    };
    void SetAlertListener(AlertListener& listener) { alert_listener_ = &listener; }

    // Creates the user `username` with role admin unless it exists (first start with INVESTKING_ADMIN_PASSWORD).
    Status EnsureAdmin(const std::string& username, const std::string& password);

private:
    struct CachedKey {
        std::int64_t user_id = 0;
        std::string role;
        std::string secret_hash;
        Timestamp fetched_at = 0;
    };

    // ---- platform (api_platform.cpp) ----
    void Signup(const HttpRequest& req, Responder respond);
    void Login(const HttpRequest& req, Responder respond);
    HttpResponse Refresh(const HttpRequest& req);
    HttpResponse Logout(const HttpRequest& req, const Principal& who);
    HttpResponse Me(const HttpRequest& req, const Principal& who);
    HttpResponse CreateKey(const HttpRequest& req, const Principal& who);
    HttpResponse ListKeys(const HttpRequest& req, const Principal& who);
    HttpResponse RevokeKey(const HttpRequest& req, const Principal& who);
    void Topup(const HttpRequest& req, const Principal& who, Responder respond);
    HttpResponse Leaderboard(const HttpRequest& req);
    HttpResponse ComputeLeaderboard(const HttpRequest& req);
    HttpResponse Stocks(const HttpRequest& req);
    HttpResponse MarketRules(const HttpRequest& req);
    void InjectTick(const HttpRequest& req, const Principal& who, Responder respond);

    // ---- admin universe management (api_universe.cpp) ----
    HttpResponse ListUniverse(const HttpRequest& req, const Principal& who);
    void AddListing(const HttpRequest& req, const Principal& who, Responder respond);
    void UpdateListing(const HttpRequest& req, const Principal& who, Responder respond);
    Result<boost::json::object> IssueTokens(std::int64_t user_id, const std::string& role, const std::string& family);
    void EnsureAccount(std::int64_t user_id, std::function<void(Status)> done);

    // ---- price alerts and notifications (api_alerts.cpp) ----
    void RegisterAlerts(HttpServer& s);
    HttpResponse CreateAlert(const HttpRequest& req, const Principal& who);
    HttpResponse ListAlerts(const HttpRequest& req, const Principal& who);
    HttpResponse GetAlert(const HttpRequest& req, const Principal& who);
    HttpResponse UpdateAlert(const HttpRequest& req, const Principal& who);
    HttpResponse DeleteAlert(const HttpRequest& req, const Principal& who);
    HttpResponse ListNotifications(const HttpRequest& req, const Principal& who);
    HttpResponse ReadNotification(const HttpRequest& req, const Principal& who);
    boost::json::object AlertJson(const storage::AlertRecord& a) const;
    Status CheckSnsTarget(const storage::AlertRecord& alert);
    Status ReadAlertFields(const boost::json::object& body, bool creating, storage::AlertRecord& alert) const;
    Result<std::optional<storage::AlertRecord>> FindAlert(const HttpRequest& req, const Principal& who,
                                                          storage::AlertStore& store);

    // ---- Alpaca v2 trading (api_trading.cpp) ----
    HttpResponse GetAccount(const HttpRequest& req, const Principal& who);
    void PlaceOrder(const HttpRequest& req, const Principal& who, Responder respond);
    HttpResponse ListOrders(const HttpRequest& req, const Principal& who);
    HttpResponse GetOrder(const HttpRequest& req, const Principal& who);
    HttpResponse GetOrderByClientId(const HttpRequest& req, const Principal& who);
    void ReplaceOrder(const HttpRequest& req, const Principal& who, Responder respond);
    void CancelOrder(const HttpRequest& req, const Principal& who, Responder respond);
    void CancelAllOrders(const HttpRequest& req, const Principal& who, Responder respond);
    HttpResponse ListPositions(const HttpRequest& req, const Principal& who);
    HttpResponse GetPosition(const HttpRequest& req, const Principal& who);
    void ClosePosition(const HttpRequest& req, const Principal& who, Responder respond);
    void CloseAllPositions(const HttpRequest& req, const Principal& who, Responder respond);
    HttpResponse ListAssets(const HttpRequest& req, const Principal& who);
    HttpResponse GetAsset(const HttpRequest& req, const Principal& who);
    HttpResponse Clock(const HttpRequest& req, const Principal& who);
    HttpResponse Calendar(const HttpRequest& req, const Principal& who);
    HttpResponse ListWatchlists(const HttpRequest& req, const Principal& who);
    HttpResponse CreateWatchlist(const HttpRequest& req, const Principal& who);
    HttpResponse GetWatchlist(const HttpRequest& req, const Principal& who);
    HttpResponse UpdateWatchlist(const HttpRequest& req, const Principal& who);
    HttpResponse AddToWatchlist(const HttpRequest& req, const Principal& who);
    HttpResponse RemoveFromWatchlist(const HttpRequest& req, const Principal& who);
    HttpResponse DeleteWatchlist(const HttpRequest& req, const Principal& who);

    // ---- account history (api_account.cpp) ----
    HttpResponse Activities(const HttpRequest& req, const Principal& who);
    HttpResponse PortfolioHistory(const HttpRequest& req, const Principal& who);

    // ---- Alpaca v2 market data (api_market_data.cpp) ----
    struct TimeFrameSpec {
        std::int64_t seconds = 60;
    };
    enum class LatestKind : std::uint8_t { kTrade, kQuote, kBar };
    HttpResponse Bars(const HttpRequest& req, const Principal& who);
    HttpResponse Ticks(const HttpRequest& req, const Principal& who, bool quotes);
    HttpResponse Latest(const HttpRequest& req, const Principal& who, LatestKind kind);
    HttpResponse Snapshots(const HttpRequest& req, const Principal& who);
    Result<std::vector<market::SymbolId>> DataSymbols(const HttpRequest& req) const;
    Result<std::vector<market::Bar>> BarsOf(market::SymbolId symbol, const TimeFrameSpec& tf, Timestamp start,
                                            Timestamp end);

    // ---- shared ----
    std::optional<market::SymbolId> FindSymbol(std::string_view symbol_or_asset_id) const;
    // The day's reference close and the last trade (the close when nothing traded yet).
    struct Prices {
        Won previous_close = 0;
        Won price = 0;
    };
    Prices PricesOf(market::SymbolId id) const;
    // Active: orders are taken. Listed: active or halted (the engine refuses a halted symbol's orders itself).
    bool IsTradable(market::SymbolId id) const;
    bool IsListed(market::SymbolId id) const;
    boost::json::object OrderJson(const trading::Order& o) const;
    boost::json::object PositionJson(const trading::Position& p) const;
    boost::json::object AssetJson(market::SymbolId id) const;
    Result<boost::json::object> WatchlistJson(const storage::WatchlistRecord& w) const;
    // Wraps a handler that needs a principal: 401 when unauthenticated.
    Handler Authed(HttpResponse (Api::*method)(const HttpRequest&, const Principal&));
    Handler Authed2(std::function<HttpResponse(const HttpRequest&, const Principal&)> f);
    AsyncHandler AuthedAsync(void (Api::*method)(const HttpRequest&, const Principal&, Responder));
    // The account's durable balance and positions (from the book; opened_at filled in from the store once).
    Result<std::optional<AccountView>> AccountOf(trading::AccountId id);
    // Submits and answers with the order the command created or changed.
    void SubmitOrderCommand(trading::Command command, Responder respond);

    ApiOptions options_;
    const ik::Clock& clock_;
    TradingBackend& backend_;
    storage::ServiceStore& store_;
    storage::PlatformStore& platform_;  // writes (keys, tokens, watchlists)
    storage::PlatformStore& reads_;     // queries on a read connection
    storage::ServiceStore& history_;    // the same read connection: orders, bars, users
    const market::Universe& universe_;
    UniverseAdmin& admin_;
    const market::MarketCalendar& calendar_;
    MarketCache& market_;
    const AccountBook& accounts_;
    storage::AlertStore* alerts_ = nullptr;       // writes
    storage::AlertStore* alert_reads_ = nullptr;  // queries on a read connection
    AlertListener* alert_listener_ = nullptr;
    boost::asio::thread_pool slow_;               // password hashing and universe changes off the I/O threads

    static constexpr std::size_t kMaxLoginFailures = 5;
    static constexpr std::int64_t kLoginWindowS = 300;
    static constexpr int kMaxSlowPending = 64;
    bool BeginLoginAttempt(const std::vector<std::string>& keys, Timestamp now, int& retry_after_s);
    void EndLoginAttempt(const std::vector<std::string>& keys, Timestamp now, bool failed);
    // A hash of a random password, verified against when the user is unknown (equal timing).
    const std::string& DummyHash();
    struct Attempts {
        std::deque<Timestamp> times;  // recent failures
        int pending = 0;              // attempts being checked now
    };
    std::mutex throttle_mutex_;
    std::unordered_map<std::string, Attempts> failures_;
    std::atomic<int> slow_pending_{0};
    std::once_flag dummy_once_;
    std::string dummy_hash_;

    std::mutex board_mutex_;
    std::map<std::string, std::pair<Timestamp, HttpResponse>> board_cache_;

    std::shared_mutex keys_mutex_;
    std::unordered_map<std::string, CachedKey> keys_;
    std::unordered_set<std::string> revoked_keys_;  // revoked by this process (key ids are never reused)
};

}  // namespace ik::gateway
