#pragma once
// Storage interfaces. The service store holds users, accounts, orders, fills, positions, the ledger, the
// stock master, ticks (stock_infos) and bars; the recommend store holds copies of stocks and stock_infos
// plus weathers and recommendations. Implementations: sqlite/ (embedded) and mysql/ (MySQL/MariaDB, the distributed
// mode). Implementations are thread-safe: calls on one store object are serialised internally, because the group
// committer's writer thread and request threads share a store.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "alerts/index.hpp"
#include "alerts/rules.hpp"
#include "common/error.hpp"
#include "market/symbols.hpp"
#include "market/tick.hpp"
#include "trading/engine.hpp"
#include "trading/types.hpp"

namespace ik::storage {

struct UserRecord {
    std::int64_t id = 0;  // 0 on CreateUser = assign the next id
    std::string username;
    std::string password_hash;  // Argon2id string; empty for synthetic (load-generator) users
    std::string email;
    std::string phone;
    std::string role = "user";  // "user" | "admin"
    Timestamp created_at = 0;
};

struct ApiKeyRecord {
    std::int64_t id = 0;
    std::int64_t user_id = 0;
    std::string key_id;       // APCA-API-KEY-ID, public
    std::string secret_hash;  // SHA-256 of the secret, hex; the secret itself is never stored
    std::string name;
    Timestamp created_at = 0;
    std::optional<Timestamp> last_used_at;
    std::optional<Timestamp> revoked_at;
};

// A refresh token, stored hashed. Tokens rotate: each use revokes the token and issues a successor in the same
// family; presenting a revoked token again revokes the whole family (a stolen token is then useless).
struct RefreshTokenRecord {
    std::int64_t id = 0;
    std::int64_t user_id = 0;
    std::string token_hash;
    std::string family;
    Timestamp created_at = 0;
    Timestamp expires_at = 0;
    std::optional<Timestamp> revoked_at;
};

struct WatchlistRecord {
    std::string id;  // UUID
    std::int64_t user_id = 0;
    std::string name;
    Timestamp created_at = 0;
    Timestamp updated_at = 0;
    std::vector<market::SymbolId> symbols;  // in the user's order
};

struct AccountRecord {
    trading::AccountBalance balance;
    Timestamp opened_at = 0;
};

struct DepositRecord {
    trading::LedgerTxnId txn = 0;
    trading::AccountId account = 0;
    Won amount = 0;
    Won equity_before = 0;  // see trading::Event::equity_before
    Timestamp ts = 0;
};

enum class OrderStatusFilter : std::uint8_t { kOpen, kClosed, kAll };

// A page of one account's orders, by creation time. `after`/`until` are exclusive bounds on created_at.
struct OrderQuery {
    trading::AccountId account = 0;
    OrderStatusFilter status = OrderStatusFilter::kOpen;
    Timestamp after = 0;
    Timestamp until = 0;  // 0 = no bound
    bool ascending = false;
    std::size_t limit = 50;
    std::vector<market::SymbolId> symbols;  // empty = all
    std::optional<trading::Side> side;
};

// A page of one account's (or, with account 0, every account's) fills or deposits by time; bounds exclusive.
struct HistoryQuery {
    trading::AccountId account = 0;
    Timestamp after = 0;
    Timestamp until = 0;  // 0 = no bound
    bool ascending = false;
    std::size_t limit = 100;
};

// The stored tradable status of one listing (the admin universe API); see PlatformStore::SetListingStatus.
struct ListingStatusRecord {
    std::string code;
    market::ListingStatus status = market::ListingStatus::kActive;  // kActive or kHalted
    Timestamp updated_at = 0;
};

// Per-account figures the leaderboard ranks by.
struct AccountSummary {
    trading::AccountId account = 0;
    std::string username;
    Won cash = 0;
    std::int64_t fills = 0;
    Timestamp opened_at = 0;
};

// A consumer's position in one partition of a topic, stored in the same transaction as the state it produced
// (the engine role keeps its `orders` offsets this way, so state and position can never disagree). `expected`
// is the position the writer believes is stored (-1: none yet). When another writer has moved it since, the
// whole commit is refused with kFailedPrecondition ("fenced"): an engine that lost its partitions without
// noticing cannot overwrite the work of their new owner.
struct ConsumerOffset {
    std::string consumer;  // e.g. the engine's consumer group
    std::string topic;
    std::int32_t partition = 0;
    std::int64_t expected = -1;
    std::int64_t next = 0;  // the next message to read
};

// One group-commit batch: everything is written in a single transaction ended by a single fsync.
// Persisting is idempotent: events carry state snapshots (upserted, and a row is only overwritten by an
// event with a sequence number at least its own), fills/ledger entries/deposits/ticks are keyed by their ids.
struct WriteBatch {
    std::vector<trading::Event> events;
    std::vector<market::Tick> ticks;      // stored as stock_infos rows; (symbol, ts) is unique
    std::vector<market::Bar> bars;        // upserted by (symbol, interval, start)
    std::vector<ConsumerOffset> offsets;  // checked and moved in the same transaction
    bool empty() const { return events.empty() && ticks.empty() && bars.empty() && offsets.empty(); }
};

// A broken invariant found by Verify(), described for a person.
struct Violation {
    std::string check;    // e.g. "ledger_txn_balanced", "cash_matches_flows"
    std::string message;  // e.g. "account 7: cash 9,000,000 but deposits − buys − fees + sells = 9,000,105"
};

class ServiceStore {
public:
    virtual ~ServiceStore() = default;

    // Applies pending migrations; idempotent. kFailedPrecondition (and no change) if the database is newer.
    virtual Status Migrate() = 0;
    virtual Result<int> SchemaVersion() = 0;
    // The newest schema version this binary knows.
    virtual int LatestSchemaVersion() const = 0;

    // Writes all batches in one transaction ended by one fsync (synchronous=FULL); returns after it is
    // durable. On error nothing of the batches is written. Events are applied in order.
    virtual Status CommitGroup(std::span<const WriteBatch> batches) = 0;
    Status Commit(const WriteBatch& batch) { return CommitGroup(std::span<const WriteBatch>(&batch, 1)); }

    // Open orders, positions (including qty 0), balances, id counters, last tick per listed symbol, previous
    // closes. Rows refer to stocks by stock_id, which is the SymbolId (stocks.id); LoadStocks() rebuilds the
    // Universe.
    virtual Result<trading::EngineSnapshot> LoadEngineState() = 0;
    // The stored positions of `consumer` in the partitions of `topic` (see ConsumerOffset), by partition.
    virtual Result<std::map<std::int32_t, std::int64_t>> LoadConsumerOffsets(const std::string& consumer,
                                                                             const std::string& topic) = 0;

    virtual Result<std::int64_t> CreateUser(const UserRecord& user) = 0;  // kAlreadyExists on duplicate username
    virtual Result<std::optional<UserRecord>> FindUserByName(const std::string& username) = 0;
    virtual Result<std::optional<UserRecord>> FindUserById(std::int64_t id) = 0;
    virtual Result<bool> ClientOrderIdExists(trading::AccountId account, const std::string& client_order_id) = 0;

    // Writes every listing with stocks.id = its SymbolId. kFailedPrecondition if a code is stored under
    // another id (the Universe was not rebuilt from LoadStocks()).
    virtual Status UpsertStocks(const market::Universe& universe) = 0;
    // Adds one stock under `id` (a stock listed at run time takes the next free id). kAlreadyExists when the id
    // or the code is stored already, also when another writer took it a moment earlier; nothing is written then.
    virtual Status InsertStock(market::SymbolId id, const market::StockInfo& info) = 0;
    // Listings in id order; Upsert()ing them in order into an empty Universe reproduces the ids. kDataLoss if
    // the stored ids are not dense from 0.
    virtual Result<std::vector<market::StockInfo>> LoadStocks() = 0;

    // History queries (tests, verify, later the API).
    virtual Result<std::optional<trading::Order>> GetOrder(trading::OrderId id) = 0;
    virtual Result<std::optional<trading::Order>> GetOrderByClientOrderId(trading::AccountId account,
                                                                          const std::string& client_order_id) = 0;
    virtual Result<std::vector<trading::Fill>> FillsOfOrder(trading::OrderId id) = 0;
    // Bars of one symbol and interval with start in [from, to), oldest first.
    virtual Result<std::vector<market::Bar>> LoadBars(market::SymbolId symbol, std::int64_t interval_s, Timestamp from,
                                                      Timestamp to) = 0;
    // Rows of a table of this database; kInvalidArgument for an unknown table name.
    virtual Result<std::int64_t> CountRows(const std::string& table) = 0;

    // Checks every ledger invariant on one consistent snapshot; an empty vector means all hold.
    virtual Result<std::vector<Violation>> Verify() = 0;
};

// What the platform API needs beyond the engine's own state: account and history queries, API keys, refresh
// tokens and watchlists. Implemented by the same databases as ServiceStore; thread-safe likewise.
class PlatformStore {
public:
    virtual ~PlatformStore() = default;

    // ---- Queries for the API (read-only; safe on a second, read-only store over the same file) ----
    virtual Result<std::optional<AccountRecord>> GetAccount(trading::AccountId id) = 0;
    // Positions with shares (qty ≠ 0 or reserved) of one account, by symbol; account 0 = every account.
    virtual Result<std::vector<trading::Position>> PositionsOf(trading::AccountId id) = 0;
    virtual Result<std::vector<trading::Order>> ListOrders(const OrderQuery& query) = 0;
    virtual Result<std::vector<trading::Fill>> ListFills(const HistoryQuery& query) = 0;
    virtual Result<std::vector<DepositRecord>> ListDeposits(const HistoryQuery& query) = 0;
    // Every account that has a user, by account id.
    virtual Result<std::vector<AccountSummary>> AccountSummaries() = 0;
    // Ticks of one symbol with ts in (from, to), oldest first unless !ascending, at most `limit`.
    virtual Result<std::vector<market::Tick>> LoadTicks(market::SymbolId symbol, Timestamp from, Timestamp to,
                                                        std::size_t limit, bool ascending) = 0;

    // ---- API keys, refresh tokens, watchlists (small writes, each its own transaction) ----
    virtual Status CreateApiKey(const ApiKeyRecord& key) = 0;
    virtual Result<std::optional<ApiKeyRecord>> FindApiKey(const std::string& key_id) = 0;
    virtual Result<std::vector<ApiKeyRecord>> ListApiKeys(std::int64_t user_id) = 0;
    // false when the user has no such active key.
    virtual Result<bool> RevokeApiKey(std::int64_t user_id, const std::string& key_id, Timestamp now) = 0;
    virtual Status CreateRefreshToken(const RefreshTokenRecord& token) = 0;
    virtual Result<std::optional<RefreshTokenRecord>> FindRefreshToken(const std::string& token_hash) = 0;
    // Revokes one token if it is still active; false when it was already revoked (or unknown).
    virtual Result<bool> RevokeRefreshToken(const std::string& token_hash, Timestamp now) = 0;
    virtual Status RevokeRefreshFamily(const std::string& family, Timestamp now) = 0;
    // kAlreadyExists when the user has a watchlist of that name.
    virtual Status CreateWatchlist(const WatchlistRecord& list) = 0;
    virtual Result<std::vector<WatchlistRecord>> ListWatchlists(std::int64_t user_id) = 0;
    // nullopt when the list does not exist or belongs to another user.
    virtual Result<std::optional<WatchlistRecord>> GetWatchlist(std::int64_t user_id, const std::string& id) = 0;
    // Replaces name and symbols of the user's list; kNotFound / kAlreadyExists (name taken).
    virtual Status UpdateWatchlist(const WatchlistRecord& list) = 0;
    virtual Result<bool> DeleteWatchlist(std::int64_t user_id, const std::string& id) = 0;

    // ---- Listings made tradable or halted at run time (each write its own durable transaction) ----
    // By code.
    virtual Result<std::vector<ListingStatusRecord>> LoadListingStatuses() = 0;
    // Upserts the row of `code`; kInvalidArgument for kInactive (only active and halted are stored).
    virtual Status SetListingStatus(const std::string& code, market::ListingStatus status, Timestamp now) = 0;
};

// ---- Price alerts (src/alerts) -------------------------------------------------------------------------

// A user's alert as stored: the rule (rule.id assigned by CreateAlert; rule.last_fired kept by RecordFirings) and
// what only storage and delivery need.
struct AlertRecord {
    alerts::Rule rule;
    std::string webhook_url;       // empty unless rule.channels has kWebhook
    std::string webhook_secret;    // signs the webhook deliveries (set by the API at creation)
    std::string sns_topic_arn;     // sns: publish to this topic; empty = SMS to the user's phone
    std::string language = "ko";   // of the message: "ko" (the original's SMS) or "en"
    std::string status = "armed";  // armed; fired (a once rule after its firing); expired
    Timestamp created_at = 0;
    Timestamp updated_at = 0;
};

// What a firing left for its user: shown in the inbox, pushed over the WebSocket, and the idempotency key of
// every delivery (its id).
struct NotificationRecord {
    std::int64_t id = 0;
    std::int64_t user_id = 0;
    alerts::AlertId alert_id = 0;
    market::SymbolId symbol = market::kNoSymbol;
    Won price = 0;
    std::string message;
    std::uint8_t channels = alerts::kInApp;
    Timestamp fired_at = 0;  // the crossing tick's time
    Timestamp created_at = 0;
    Timestamp read_at = 0;  // 0 = unread
};

// A firing of the AlertIndex with the message to store.
struct FiringRecord {
    alerts::Firing firing;
    std::string message;
};

// How far the alert evaluator has read a stock's ticks, stored with the firings those ticks caused: after a
// restart it resumes after `ts` with the index's state as it was (last price, day volume, previous close).
struct AlertMark {
    market::SymbolId symbol = market::kNoSymbol;
    Timestamp ts = 0;  // the last evaluated tick's time
    Won price = 0;
    Qty day_volume = 0;
    Won previous_close = 0;
    friend bool operator==(const AlertMark&, const AlertMark&) = default;
};

// One delivery of a notification on a channel other than in-app (the outbox): made in the firing's
// transaction, tried until delivered or out of attempts (then `dead`, the dead letter the user sees).
struct DeliveryRecord {
    std::int64_t id = 0;
    std::int64_t notification_id = 0;  // the idempotency key the receiver sees
    std::int64_t user_id = 0;
    std::string channel;             // "webhook" | "sns"
    std::string target;              // the URL, the phone number or the topic ARN
    std::string secret;              // webhook: the signing secret
    std::string status = "pending";  // pending | delivered | dead
    std::int64_t attempts = 0;
    Timestamp next_attempt_at = 0;
    std::string last_error;
    Timestamp delivered_at = 0;
    Timestamp created_at = 0;
    NotificationRecord notification;  // DueDeliveries only: what to send
};

// Alerts and notifications, in the service database (the same stores as ServiceStore); thread-safe likewise.
class AlertStore {
public:
    virtual ~AlertStore() = default;
    // Stores a new alert (status armed) and returns its id. kFailedPrecondition when the user has `max_armed`
    // armed alerts already.
    virtual Result<alerts::AlertId> CreateAlert(const AlertRecord& alert, std::size_t max_armed) = 0;
    // The user's alerts, newest first.
    virtual Result<std::vector<AlertRecord>> ListAlerts(std::int64_t user_id) = 0;
    // nullopt when the user has no alert of that id (another user's included).
    virtual Result<std::optional<AlertRecord>> GetAlert(std::int64_t user_id, alerts::AlertId id) = 0;
    // Replaces level, mode, cooldown, expiry, channels, webhook URL, secret, topic, language and updated_at of the
    // user's alert (alert.rule.user, alert.rule.id) if its updated_at is still `expected_updated_at`, and its status
    // only with `set_status` (a firing may have changed it since it was read). false when the user has no such
    // alert or it changed meanwhile.
    virtual Result<bool> UpdateAlert(const AlertRecord& alert, Timestamp expected_updated_at, bool set_status) = 0;
    virtual Result<bool> DeleteAlert(std::int64_t user_id, alerts::AlertId id) = 0;
    // Every armed alert, by id: what the AlertIndex is built from.
    virtual Result<std::vector<AlertRecord>> LoadArmedAlerts() = 0;
    // One transaction. For each firing of an alert that is still armed and unchanged since the firing's rule was
    // read (its updated_at is the firing's version): a notification (one per alert and
    // crossing time: a firing stored before, e.g. replayed after a crash, is skipped; read already when the alert
    // has no in-app channel), a pending delivery per other channel, and the alert's last firing, with a once
    // alert marked fired. Then the marks are upserted. Returns the notifications stored by this call.
    virtual Result<std::vector<NotificationRecord>> RecordFirings(std::span<const FiringRecord> firings,
                                                                  std::span<const AlertMark> marks, Timestamp now) = 0;
    virtual Result<std::vector<AlertMark>> LoadAlertMarks() = 0;
    // The stored ticks of `symbol` after `after` (exclusive), oldest first, at most `limit`.
    virtual Result<std::vector<market::Tick>> TicksAfter(market::SymbolId symbol, Timestamp after,
                                                         std::size_t limit) = 0;
    // Pending deliveries due at `now`, oldest first, with their notifications.
    virtual Result<std::vector<DeliveryRecord>> DueDeliveries(Timestamp now, std::size_t limit) = 0;
    // The earliest next_attempt_at of a pending delivery; 0 when none is pending.
    virtual Result<Timestamp> NextDeliveryDue() = 0;
    // Stores the outcome of an attempt: status, attempts, next_attempt_at, last_error and delivered_at of `d`.
    virtual Status FinishDelivery(const DeliveryRecord& d) = 0;
    // The deliveries of the user's notifications `ids` (without their notifications), by notification then id.
    virtual Result<std::vector<DeliveryRecord>> DeliveriesOf(std::int64_t user_id,
                                                             std::span<const std::int64_t> notification_ids) = 0;
    // The user's notifications, newest first: at most `limit`, with ids below `before_id` (0: from the newest).
    virtual Result<std::vector<NotificationRecord>> ListNotifications(std::int64_t user_id, std::size_t limit,
                                                                      std::int64_t before_id) = 0;
    // false when the user has no such notification; reading one twice keeps the first time.
    virtual Result<bool> MarkNotificationRead(std::int64_t user_id, std::int64_t id, Timestamp now) = 0;
    virtual Result<std::int64_t> UnreadNotifications(std::int64_t user_id) = 0;
};

class RecommendStore {
public:
    virtual ~RecommendStore() = default;
    virtual Status Migrate() = 0;
    virtual Result<int> SchemaVersion() = 0;
    virtual int LatestSchemaVersion() const = 0;
    virtual Status UpsertStocks(const market::Universe& universe) = 0;
    // Appends ticks in one transaction; a tick already stored (same symbol and ts) is ignored.
    virtual Status AppendTicks(std::span<const market::Tick> ticks) = 0;
    virtual Result<std::int64_t> CountRows(const std::string& table) = 0;
};

}  // namespace ik::storage
