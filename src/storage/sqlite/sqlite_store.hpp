#pragma once
// The embedded stores: ServiceStore and RecommendStore on one SQLite file each (WAL, synchronous=FULL by
// default, foreign keys on, prepared statements cached per connection). Normally opened together through
// OpenDataDir (sqlite/data_dir.hpp); Open() here is for tools and tests that want one file.
// Thread-safe: each store owns one connection and serialises its calls with a mutex. For reads that must not
// wait behind a commit, open a second store on the same file (WAL lets readers run beside the writer).
#include <memory>
#include <mutex>
#include <string>

#include "storage/store.hpp"

namespace ik::storage {

namespace impl {
class Database;
}

enum class Synchronous : std::uint8_t {
    kFull,    // fsync the WAL on every commit: a commit that returned survives power loss
    kNormal,  // fsync only at checkpoints: survives a process crash, may lose the last commits on power loss
};

struct SqliteOptions {
    bool create = true;      // create the file when missing (otherwise kNotFound)
    bool read_only = false;  // SQLITE_OPEN_READONLY: Migrate and writes fail, Verify and loads work
    Synchronous synchronous = Synchronous::kFull;
    int busy_timeout_ms = 5'000;  // how long a statement waits for another connection's write lock
    bool quick_check = true;      // run PRAGMA quick_check on open (kDataLoss on failure)
};

class SqliteServiceStore final : public ServiceStore, public PlatformStore, public AlertStore {
public:
    // Opens or creates `path` (service.db). kDataLoss for a file that is not a database or fails quick_check,
    // kFailedPrecondition for a schema newer than this binary. Does not migrate: call Migrate().
    static Result<std::unique_ptr<SqliteServiceStore>> Open(const std::string& path, const SqliteOptions& options);
    ~SqliteServiceStore() override;

    Status Migrate() override;
    Result<int> SchemaVersion() override;
    int LatestSchemaVersion() const override;
    Status CommitGroup(std::span<const WriteBatch> batches) override;
    Result<trading::EngineSnapshot> LoadEngineState() override;
    Result<std::map<std::int32_t, std::int64_t>> LoadConsumerOffsets(const std::string& consumer,
                                                                     const std::string& topic) override;
    Result<std::int64_t> CreateUser(const UserRecord& user) override;
    Result<std::optional<UserRecord>> FindUserByName(const std::string& username) override;
    Result<std::optional<UserRecord>> FindUserById(std::int64_t id) override;
    Result<bool> ClientOrderIdExists(trading::AccountId account, const std::string& client_order_id) override;
    Status UpsertStocks(const market::Universe& universe) override;
    Status InsertStock(market::SymbolId id, const market::StockInfo& info) override;
    Result<std::vector<market::StockInfo>> LoadStocks() override;
    Result<std::optional<trading::Order>> GetOrder(trading::OrderId id) override;
    Result<std::optional<trading::Order>> GetOrderByClientOrderId(trading::AccountId account,
                                                                  const std::string& client_order_id) override;
    Result<std::vector<trading::Fill>> FillsOfOrder(trading::OrderId id) override;
    Result<std::vector<market::Bar>> LoadBars(market::SymbolId symbol, std::int64_t interval_s, Timestamp from,
                                              Timestamp to) override;
    Result<std::optional<AccountRecord>> GetAccount(trading::AccountId id) override;
    Result<std::vector<trading::Position>> PositionsOf(trading::AccountId id) override;
    Result<std::vector<trading::Order>> ListOrders(const OrderQuery& query) override;
    Result<std::vector<trading::Fill>> ListFills(const HistoryQuery& query) override;
    Result<std::vector<DepositRecord>> ListDeposits(const HistoryQuery& query) override;
    Result<std::vector<AccountSummary>> AccountSummaries() override;
    Result<std::vector<market::Tick>> LoadTicks(market::SymbolId symbol, Timestamp from, Timestamp to,
                                                std::size_t limit, bool ascending) override;
    Status CreateApiKey(const ApiKeyRecord& key) override;
    Result<std::optional<ApiKeyRecord>> FindApiKey(const std::string& key_id) override;
    Result<std::vector<ApiKeyRecord>> ListApiKeys(std::int64_t user_id) override;
    Result<bool> RevokeApiKey(std::int64_t user_id, const std::string& key_id, Timestamp now) override;
    Status CreateRefreshToken(const RefreshTokenRecord& token) override;
    Result<std::optional<RefreshTokenRecord>> FindRefreshToken(const std::string& token_hash) override;
    Result<bool> RevokeRefreshToken(const std::string& token_hash, Timestamp now) override;
    Status RevokeRefreshFamily(const std::string& family, Timestamp now) override;
    Status CreateWatchlist(const WatchlistRecord& list) override;
    Result<std::vector<WatchlistRecord>> ListWatchlists(std::int64_t user_id) override;
    Result<std::optional<WatchlistRecord>> GetWatchlist(std::int64_t user_id, const std::string& id) override;
    Status UpdateWatchlist(const WatchlistRecord& list) override;
    Result<bool> DeleteWatchlist(std::int64_t user_id, const std::string& id) override;
    Result<std::vector<ListingStatusRecord>> LoadListingStatuses() override;
    Status SetListingStatus(const std::string& code, market::ListingStatus status, Timestamp now) override;
    Result<std::int64_t> CountRows(const std::string& table) override;
    Result<std::vector<Violation>> Verify() override;

    // AlertStore (alert_store.cpp)
    Result<alerts::AlertId> CreateAlert(const AlertRecord& alert, std::size_t max_armed) override;
    Result<std::vector<AlertRecord>> ListAlerts(std::int64_t user_id) override;
    Result<std::optional<AlertRecord>> GetAlert(std::int64_t user_id, alerts::AlertId id) override;
    Result<bool> UpdateAlert(const AlertRecord& alert, Timestamp expected_updated_at, bool set_status) override;
    Result<bool> DeleteAlert(std::int64_t user_id, alerts::AlertId id) override;
    Result<std::vector<AlertRecord>> LoadArmedAlerts() override;
    Result<std::vector<NotificationRecord>> RecordFirings(std::span<const FiringRecord> firings,
                                                          std::span<const AlertMark> marks, Timestamp now) override;
    Result<std::vector<AlertMark>> LoadAlertMarks() override;
    Result<std::vector<market::Tick>> TicksAfter(market::SymbolId symbol, Timestamp after, std::size_t limit) override;
    Result<std::vector<DeliveryRecord>> DueDeliveries(Timestamp now, std::size_t limit) override;
    Result<Timestamp> NextDeliveryDue() override;
    Status FinishDelivery(const DeliveryRecord& d) override;
    Result<std::vector<DeliveryRecord>> DeliveriesOf(std::int64_t user_id,
                                                     std::span<const std::int64_t> notification_ids) override;
    Result<std::vector<NotificationRecord>> ListNotifications(std::int64_t user_id, std::size_t limit,
                                                              std::int64_t before_id) override;
    Result<bool> MarkNotificationRead(std::int64_t user_id, std::int64_t id, Timestamp now) override;
    Result<std::int64_t> UnreadNotifications(std::int64_t user_id) override;

    const std::string& path() const { return path_; }

private:
    SqliteServiceStore(std::unique_ptr<impl::Database> db, std::string path);

    // Writes one event's rows; the state rows (account, order, position) only when told to, since a commit
    // writes each of them once, from the last event that touches it.
    Status ApplyEvent(const trading::Event& event, bool write_account, bool write_order, bool write_position);
    Status WriteTicks(std::span<const market::Tick> ticks);
    Status WriteBars(std::span<const market::Bar> bars);
    Status WriteOffsets(std::span<const ConsumerOffset> offsets, Timestamp now);
    Result<std::optional<UserRecord>> FindUser(const char* sql, const std::string* name, std::int64_t id);
    Result<std::vector<Violation>> VerifyLocked();
    Result<std::optional<WatchlistRecord>> GetWatchlistLocked(std::int64_t user_id, const std::string& id);
    Status WriteWatchlistSymbols(const WatchlistRecord& list);

    std::mutex mutex_;
    std::unique_ptr<impl::Database> db_;
    std::string path_;
};

class SqliteRecommendStore final : public RecommendStore {
public:
    // Opens or creates `path` (recommend.db); errors as SqliteServiceStore::Open.
    static Result<std::unique_ptr<SqliteRecommendStore>> Open(const std::string& path, const SqliteOptions& options);
    ~SqliteRecommendStore() override;

    Status Migrate() override;
    Result<int> SchemaVersion() override;
    int LatestSchemaVersion() const override;
    Status UpsertStocks(const market::Universe& universe) override;
    Status AppendTicks(std::span<const market::Tick> ticks) override;
    Result<std::int64_t> CountRows(const std::string& table) override;

    const std::string& path() const { return path_; }

private:
    SqliteRecommendStore(std::unique_ptr<impl::Database> db, std::string path);

    std::mutex mutex_;
    std::unique_ptr<impl::Database> db_;
    std::string path_;
};

}  // namespace ik::storage
