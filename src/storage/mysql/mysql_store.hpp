#pragma once
// The MariaDB/MySQL stores: ServiceStore (+ PlatformStore) and RecommendStore on a server database each, with
// the same behaviour as the SQLite stores (sqlite/sqlite_store.hpp) and the same contract tests. Prepared
// statements only; a CommitGroup is one InnoDB transaction, durable when COMMIT returns (the server runs with
// innodb_flush_log_at_trx_commit=1). Writes are idempotent like SQLite's: state rows are upserted only by an
// event whose seq is at least the stored one, fills/ledger entries/deposits/ticks are keyed by their ids.
// Thread-safe: each store owns one connection and serialises its calls with a mutex; open a second store for
// readers that should not wait behind commits.
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "storage/mysql/db.hpp"
#include "storage/store.hpp"

namespace ik::storage {

struct MysqlOptions {
    // How long Open() keeps retrying while the server does not answer (kUnavailable after that).
    std::chrono::milliseconds connect_timeout{10'000};
};

class MysqlServiceStore final : public ServiceStore, public PlatformStore, public AlertStore {
public:
    // Connects to the service database. kUnavailable when the server does not answer, kPermissionDenied for
    // refused credentials, kFailedPrecondition for a schema newer than this binary (or from a diverged build).
    // Does not migrate: call Migrate().
    static Result<std::unique_ptr<MysqlServiceStore>> Open(const mysql::Dsn& dsn, const MysqlOptions& options = {});
    ~MysqlServiceStore() override;

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

    // The database URL with the password redacted (for logs and errors).
    const std::string& where() const { return where_; }

    // Takes the server's named lock `name` (GET_LOCK) for as long as this store's connection lives: false when
    // another connection holds it. What makes a role's instance number unique among running processes.
    Result<bool> TryNamedLock(const std::string& name);

private:
    explicit MysqlServiceStore(std::unique_ptr<mysql::Connection> c);

    // The state rows (account, order, position) of one event, when it is the last event of the commit that
    // touches them (account openings always); then, once every state row is written, its history rows (fill,
    // deposit, ledger entries). InnoDB checks foreign keys per statement, so a fill must follow its order.
    Status ApplyState(const trading::Event& event, bool write_account, bool write_order, bool write_position);
    Status ApplyHistory(const trading::Event& event);
    Status WriteBars(std::span<const market::Bar> bars);
    Status WriteOffsets(std::span<const ConsumerOffset> offsets, Timestamp now);
    Status CommitGroupOnce(std::span<const WriteBatch> batches);  // mutex_ held
    Result<std::optional<UserRecord>> FindUser(const char* sql, const std::string* name, std::int64_t id);
    Result<std::vector<Violation>> VerifyLocked();
    Result<std::optional<WatchlistRecord>> GetWatchlistLocked(std::int64_t user_id, const std::string& id);
    Status WriteWatchlistSymbols(const WatchlistRecord& list);

    std::mutex mutex_;
    std::unique_ptr<mysql::Connection> c_;
    std::string where_;
};

class MysqlRecommendStore final : public RecommendStore {
public:
    // Connects to the recommend database; errors as MysqlServiceStore::Open.
    static Result<std::unique_ptr<MysqlRecommendStore>> Open(const mysql::Dsn& dsn, const MysqlOptions& options = {});
    ~MysqlRecommendStore() override;

    Status Migrate() override;
    Result<int> SchemaVersion() override;
    int LatestSchemaVersion() const override;
    Status UpsertStocks(const market::Universe& universe) override;
    Status AppendTicks(std::span<const market::Tick> ticks) override;
    Result<std::int64_t> CountRows(const std::string& table) override;

    const std::string& where() const { return where_; }

private:
    explicit MysqlRecommendStore(std::unique_ptr<mysql::Connection> c);

    std::mutex mutex_;
    std::unique_ptr<mysql::Connection> c_;
    std::string where_;
};

}  // namespace ik::storage
