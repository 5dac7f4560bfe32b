#include "storage/mysql/migrations.hpp"

#include <array>
#include <stdexcept>
#include <string>

#include "common/log.hpp"
#include "common/time.hpp"

namespace ik::storage::mysql {

namespace {

// Conventions as in sqlite/migrations.cpp: money in integer won, quantities in integer shares, timestamps in
// BIGINT nanoseconds since the Unix epoch (UTC), enums as the lower-case names the API uses, stock_id =
// SymbolId, `seq` = the engine event sequence that last wrote a row. Text columns that are keys or indexed are
// VARCHARs sized for their content; utf8mb4_bin makes comparisons and uniqueness exact (case-sensitive) as in
// SQLite. Foreign keys as in SQLite, except that InnoDB checks them per statement, never deferred (the store
// writes orders before their fills instead).
#define IK_TABLE " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"

constexpr std::string_view kStocks = R"sql(
CREATE TABLE IF NOT EXISTS stocks (
    id             BIGINT       NOT NULL PRIMARY KEY,      -- the engine's SymbolId: dense, from 0
    code           VARCHAR(32)  NOT NULL,                  -- KRX code, 6 characters
    name_ko        VARCHAR(255) NOT NULL,
    name_en        VARCHAR(255) NOT NULL DEFAULT '',
    market         VARCHAR(8)   NOT NULL,
    sector         VARCHAR(255) NOT NULL DEFAULT '',
    previous_close BIGINT       NOT NULL DEFAULT 0,        -- won; reference for the day's price band
    UNIQUE KEY stocks_by_code (code),
    CONSTRAINT stocks_market CHECK (market IN ('KOSPI', 'KOSDAQ', 'KONEX'))
))sql" IK_TABLE;
// One tick per symbol and instant: redelivered ticks are ignored, and the last tick is an index seek.
constexpr std::string_view kStockInfos = R"sql(
CREATE TABLE IF NOT EXISTS stock_infos (
    id       BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    stock_id BIGINT NOT NULL,
    ts       BIGINT NOT NULL,                              -- ns since epoch
    price    BIGINT NOT NULL,                              -- last trade, won
    bid      BIGINT NOT NULL DEFAULT 0,                    -- 0 = none
    ask      BIGINT NOT NULL DEFAULT 0,                    -- 0 = none
    volume   BIGINT NOT NULL DEFAULT 0,
    UNIQUE KEY stock_infos_by_stock_ts (stock_id, ts)
))sql" IK_TABLE;

constexpr std::string_view kUsers = R"sql(
CREATE TABLE IF NOT EXISTS users (
    id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username      VARCHAR(255) NOT NULL,
    password_hash VARCHAR(255) NOT NULL DEFAULT '',        -- Argon2id string; never a password
    email         VARCHAR(320) NOT NULL DEFAULT '',
    phone         VARCHAR(64)  NOT NULL DEFAULT '',
    role          VARCHAR(8)   NOT NULL DEFAULT 'user',
    created_at    BIGINT       NOT NULL,
    UNIQUE KEY users_by_username (username),
    CONSTRAINT users_role CHECK (role IN ('user', 'admin'))
))sql" IK_TABLE;
constexpr std::string_view kApiKeys = R"sql(
CREATE TABLE IF NOT EXISTS api_keys (
    id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id      BIGINT       NOT NULL,
    key_id       VARCHAR(128) NOT NULL,                    -- APCA-API-KEY-ID
    secret_hash  VARCHAR(255) NOT NULL,                    -- hash of APCA-API-SECRET-KEY
    name         VARCHAR(255) NOT NULL DEFAULT '',
    created_at   BIGINT       NOT NULL,
    last_used_at BIGINT       NULL,
    revoked_at   BIGINT       NULL,
    UNIQUE KEY api_keys_by_key_id (key_id),
    KEY api_keys_by_user (user_id),
    CONSTRAINT api_keys_user FOREIGN KEY (user_id) REFERENCES users (id)
))sql" IK_TABLE;
constexpr std::string_view kAccounts = R"sql(
CREATE TABLE IF NOT EXISTS accounts (
    id            BIGINT NOT NULL PRIMARY KEY,             -- the engine's AccountId
    cash          BIGINT NOT NULL,
    reserved_cash BIGINT NOT NULL,                         -- held by open buy orders
    opened_at     BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    seq           BIGINT NOT NULL DEFAULT 0
))sql" IK_TABLE;
// orders_open: MariaDB has no partial indexes; an index on status finds the (few) open orders at start-up.
// orders_by_account also serves the foreign key and the API's per-account history.
constexpr std::string_view kOrders = R"sql(
CREATE TABLE IF NOT EXISTS orders (
    id              BIGINT       NOT NULL PRIMARY KEY,     -- the engine's OrderId
    account_id      BIGINT       NOT NULL,
    stock_id        BIGINT       NOT NULL,
    client_order_id VARCHAR(128) NOT NULL,
    side            VARCHAR(4)   NOT NULL,
    type            VARCHAR(10)  NOT NULL,
    time_in_force   VARCHAR(3)   NOT NULL,
    status          VARCHAR(16)  NOT NULL,
    triggered       TINYINT      NOT NULL DEFAULT 0,
    qty             BIGINT       NOT NULL,
    filled_qty      BIGINT       NOT NULL DEFAULT 0,
    limit_price     BIGINT       NOT NULL DEFAULT 0,       -- 0 = none
    stop_price      BIGINT       NOT NULL DEFAULT 0,       -- 0 = none
    filled_notional BIGINT       NOT NULL DEFAULT 0,       -- sum of fill price x qty
    reserved_cash   BIGINT       NOT NULL DEFAULT 0,       -- buys: cash still held for the unfilled part
    replaces        BIGINT       NULL,                     -- NULL = none
    replaced_by     BIGINT       NULL,                     -- NULL = none
    created_at      BIGINT       NOT NULL,
    updated_at      BIGINT       NOT NULL,
    seq             BIGINT       NOT NULL DEFAULT 0,
    UNIQUE KEY orders_by_client_id (client_order_id, account_id),
    KEY orders_open (status),
    KEY orders_by_account (account_id, created_at),
    CONSTRAINT orders_account FOREIGN KEY (account_id) REFERENCES accounts (id),
    CONSTRAINT orders_side CHECK (side IN ('buy', 'sell')),
    CONSTRAINT orders_type CHECK (type IN ('market', 'limit', 'stop', 'stop_limit')),
    CONSTRAINT orders_tif CHECK (time_in_force IN ('day', 'gtc', 'ioc', 'fok')),
    CONSTRAINT orders_status CHECK (status IN ('new', 'partially_filled', 'filled', 'canceled', 'expired',
                                               'replaced'))
))sql" IK_TABLE;
constexpr std::string_view kFills = R"sql(
CREATE TABLE IF NOT EXISTS fills (
    id          BIGINT      NOT NULL PRIMARY KEY,          -- the engine's FillId
    order_id    BIGINT      NOT NULL,
    account_id  BIGINT      NOT NULL,
    stock_id    BIGINT      NOT NULL,
    side        VARCHAR(4)  NOT NULL,
    qty         BIGINT      NOT NULL,
    price       BIGINT      NOT NULL,
    commission  BIGINT      NOT NULL,
    tax         BIGINT      NOT NULL,                      -- securities transaction tax, sells only
    ts          BIGINT      NOT NULL,
    settle_date VARCHAR(10) NOT NULL,                      -- YYYY-MM-DD, T+2 trading days
    txn_id      BIGINT      NULL,                          -- the ledger transaction that posted it
    KEY fills_by_order (order_id),
    KEY fills_by_account (account_id, ts),
    CONSTRAINT fills_order FOREIGN KEY (order_id) REFERENCES orders (id),
    CONSTRAINT fills_account FOREIGN KEY (account_id) REFERENCES accounts (id),
    CONSTRAINT fills_side CHECK (side IN ('buy', 'sell'))
))sql" IK_TABLE;
constexpr std::string_view kPositions = R"sql(
CREATE TABLE IF NOT EXISTS positions (
    account_id   BIGINT NOT NULL,
    stock_id     BIGINT NOT NULL,
    qty          BIGINT NOT NULL,
    reserved_qty BIGINT NOT NULL,                          -- held by open sell orders
    cost_basis   BIGINT NOT NULL,                          -- sum of price x qty of shares held, fees excluded
    realized_pnl BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    seq          BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, stock_id),                    -- rows with qty 0 stay: they carry realized_pnl
    CONSTRAINT positions_account FOREIGN KEY (account_id) REFERENCES accounts (id)
))sql" IK_TABLE;
constexpr std::string_view kDeposits = R"sql(
CREATE TABLE IF NOT EXISTS deposits (
    txn_id     BIGINT NOT NULL PRIMARY KEY,                -- the ledger transaction that posted it
    account_id BIGINT NOT NULL,
    amount     BIGINT NOT NULL,
    ts         BIGINT NOT NULL,
    KEY deposits_by_account (account_id),
    CONSTRAINT deposits_account FOREIGN KEY (account_id) REFERENCES accounts (id)
))sql" IK_TABLE;
// Double entry: the entries of one txn_id sum to zero (see sqlite/migrations.cpp). InnoDB indexes the foreign
// key's account_id itself.
constexpr std::string_view kLedgerEntries = R"sql(
CREATE TABLE IF NOT EXISTS ledger_entries (
    txn_id     BIGINT      NOT NULL,
    idx        BIGINT      NOT NULL,                       -- position of the entry in its transaction
    book       VARCHAR(16) NOT NULL,
    account_id BIGINT      NOT NULL,
    stock_id   BIGINT      NULL,                           -- NULL on deposits; the traded stock on fill entries
    amount     BIGINT      NOT NULL,                       -- debit +, credit -
    ts         BIGINT      NOT NULL,
    PRIMARY KEY (txn_id, idx),
    CONSTRAINT ledger_entries_account FOREIGN KEY (account_id) REFERENCES accounts (id),
    CONSTRAINT ledger_entries_book CHECK (book IN ('cash', 'securities', 'realized_pnl', 'deposits', 'commission',
                                                   'tax'))
))sql" IK_TABLE;
// Engine bookkeeping: last_event_seq (the next event is last + 1).
constexpr std::string_view kEngineMeta = R"sql(
CREATE TABLE IF NOT EXISTS engine_meta (
    `key`  VARCHAR(64) NOT NULL PRIMARY KEY,
    value  BIGINT      NOT NULL
))sql" IK_TABLE;

constexpr std::string_view kBars = R"sql(
CREATE TABLE IF NOT EXISTS bars (
    stock_id   BIGINT NOT NULL,
    interval_s BIGINT NOT NULL,
    start_ts   BIGINT NOT NULL,                            -- ns since epoch, aligned to the interval
    `open`     BIGINT NOT NULL,
    high       BIGINT NOT NULL,
    low        BIGINT NOT NULL,
    `close`    BIGINT NOT NULL,
    volume     BIGINT NOT NULL,
    trades     BIGINT NOT NULL,
    PRIMARY KEY (stock_id, interval_s, start_ts)
))sql" IK_TABLE;

constexpr std::string_view kDepositEquity =
    "ALTER TABLE deposits ADD COLUMN IF NOT EXISTS equity_before BIGINT NOT NULL DEFAULT 0";
constexpr std::string_view kRefreshTokens = R"sql(
CREATE TABLE IF NOT EXISTS refresh_tokens (
    id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id    BIGINT       NOT NULL,
    token_hash VARCHAR(128) NOT NULL,                      -- SHA-256 of the token; never the token
    family     VARCHAR(128) NOT NULL,                      -- tokens descended from one login
    created_at BIGINT       NOT NULL,
    expires_at BIGINT       NOT NULL,
    revoked_at BIGINT       NULL,
    UNIQUE KEY refresh_tokens_by_hash (token_hash),
    KEY refresh_tokens_by_family (family),
    CONSTRAINT refresh_tokens_user FOREIGN KEY (user_id) REFERENCES users (id)
))sql" IK_TABLE;
constexpr std::string_view kWatchlists = R"sql(
CREATE TABLE IF NOT EXISTS watchlists (
    id         VARCHAR(64)  NOT NULL PRIMARY KEY,          -- UUID
    user_id    BIGINT       NOT NULL,
    name       VARCHAR(255) NOT NULL,
    created_at BIGINT       NOT NULL,
    updated_at BIGINT       NOT NULL,
    UNIQUE KEY watchlists_by_user_name (user_id, name),
    CONSTRAINT watchlists_user FOREIGN KEY (user_id) REFERENCES users (id)
))sql" IK_TABLE;
constexpr std::string_view kWatchlistItems = R"sql(
CREATE TABLE IF NOT EXISTS watchlist_items (
    watchlist_id VARCHAR(64) NOT NULL,
    stock_id     BIGINT      NOT NULL,
    idx          BIGINT      NOT NULL,                     -- the user's order
    PRIMARY KEY (watchlist_id, stock_id),
    CONSTRAINT watchlist_items_list FOREIGN KEY (watchlist_id) REFERENCES watchlists (id) ON DELETE CASCADE
))sql" IK_TABLE;

// The tradable status of listings an admin added or halted at run time; keyed by code (see SQLite's v4).
constexpr std::string_view kUniverse = R"sql(
CREATE TABLE IF NOT EXISTS universe (
    code       VARCHAR(32) NOT NULL PRIMARY KEY,           -- stocks.code (KRX code)
    status     VARCHAR(8)  NOT NULL,
    updated_at BIGINT      NOT NULL,                       -- ns since epoch
    CONSTRAINT universe_status CHECK (status IN ('active', 'halted'))
))sql" IK_TABLE;

// Where a consumer (the engine role) got to in each partition, written with the state it produced.
constexpr std::string_view kConsumerOffsets = R"sql(
CREATE TABLE IF NOT EXISTS consumer_offsets (
    consumer     VARCHAR(128) NOT NULL,
    topic        VARCHAR(249) NOT NULL,                    -- Kafka's longest topic name
    partition_id INT          NOT NULL,
    next_offset  BIGINT       NOT NULL,
    updated_at   BIGINT       NOT NULL,
    PRIMARY KEY (consumer, topic, partition_id),
    CONSTRAINT consumer_offsets_next CHECK (next_offset >= 0)
))sql" IK_TABLE;

// Price alerts (src/alerts): a user's rules, and one notification per firing (alert, crossing time).
constexpr std::string_view kAlerts = R"sql(
CREATE TABLE IF NOT EXISTS alerts (
    id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id       BIGINT       NOT NULL,
    stock_id      BIGINT       NOT NULL,
    kind          VARCHAR(32)  NOT NULL,
    level         BIGINT       NOT NULL,                    -- won, ppm of the previous close, or shares
    mode          VARCHAR(8)   NOT NULL,
    cooldown_s    BIGINT       NOT NULL DEFAULT 0,
    expires_at    BIGINT       NOT NULL DEFAULT 0,          -- 0 = never
    channels      INT          NOT NULL,                    -- bits: 1 in-app, 2 webhook, 4 SNS
    webhook_url   VARCHAR(2048) NOT NULL DEFAULT '',
    status        VARCHAR(8)   NOT NULL DEFAULT 'armed',
    last_fired_at BIGINT       NOT NULL DEFAULT 0,
    created_at    BIGINT       NOT NULL,
    updated_at    BIGINT       NOT NULL,
    KEY alerts_by_user (user_id, id),
    KEY alerts_by_status (status, id),
    CONSTRAINT alerts_kind CHECK (kind IN ('price_at_or_above', 'price_at_or_below', 'change_pct_at_or_above',
                                           'change_pct_at_or_below', 'volume_above')),
    CONSTRAINT alerts_mode CHECK (mode IN ('once', 'repeat')),
    CONSTRAINT alerts_status CHECK (status IN ('armed', 'fired', 'expired')),
    CONSTRAINT alerts_channels CHECK (channels BETWEEN 1 AND 7),
    CONSTRAINT alerts_cooldown CHECK (cooldown_s >= 0)
))sql" IK_TABLE;

constexpr std::string_view kNotifications = R"sql(
CREATE TABLE IF NOT EXISTS notifications (
    id         BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id    BIGINT        NOT NULL,
    alert_id   BIGINT        NOT NULL,
    stock_id   BIGINT        NOT NULL,
    price      BIGINT        NOT NULL,
    message    VARCHAR(1024) NOT NULL,
    channels   INT           NOT NULL,
    fired_at   BIGINT        NOT NULL,                      -- the crossing tick's time
    created_at BIGINT        NOT NULL,
    read_at    BIGINT        NOT NULL DEFAULT 0,            -- 0 = unread
    UNIQUE KEY notifications_once (alert_id, fired_at),
    KEY notifications_by_user (user_id, id)
))sql" IK_TABLE;

// Alert delivery: the evaluator's marks and the outbox of webhook and SNS deliveries (see the SQLite schema).
constexpr std::string_view kAlertColumnsV7 = R"sql(
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS webhook_secret VARCHAR(128) NOT NULL DEFAULT '',
                   ADD COLUMN IF NOT EXISTS sns_topic_arn VARCHAR(300) NOT NULL DEFAULT '',
                   ADD COLUMN IF NOT EXISTS language VARCHAR(8) NOT NULL DEFAULT 'ko')sql";

constexpr std::string_view kAlertMarks = R"sql(
CREATE TABLE IF NOT EXISTS alert_marks (
    stock_id       BIGINT NOT NULL PRIMARY KEY,
    ts             BIGINT NOT NULL,                         -- the last evaluated tick's time
    price          BIGINT NOT NULL,
    day_volume     BIGINT NOT NULL,
    previous_close BIGINT NOT NULL
))sql" IK_TABLE;

constexpr std::string_view kAlertDeliveries = R"sql(
CREATE TABLE IF NOT EXISTS alert_deliveries (
    id              BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    notification_id BIGINT        NOT NULL,
    user_id         BIGINT        NOT NULL,
    channel         VARCHAR(8)    NOT NULL,
    target          VARCHAR(2048) NOT NULL,                 -- URL, phone number or topic ARN
    secret          VARCHAR(128)  NOT NULL DEFAULT '',      -- webhook signing secret
    status          VARCHAR(10)   NOT NULL DEFAULT 'pending',
    attempts        BIGINT        NOT NULL DEFAULT 0,
    next_attempt_at BIGINT        NOT NULL,
    last_error      VARCHAR(1024) NOT NULL DEFAULT '',
    delivered_at    BIGINT        NOT NULL DEFAULT 0,
    created_at      BIGINT        NOT NULL,
    UNIQUE KEY alert_deliveries_once (notification_id, channel),
    KEY alert_deliveries_due (status, next_attempt_at),
    CONSTRAINT alert_deliveries_channel CHECK (channel IN ('webhook', 'sns')),
    CONSTRAINT alert_deliveries_status CHECK (status IN ('pending', 'delivered', 'dead'))
))sql" IK_TABLE;

// Seoul daily weather (KMA ASOS 108); temperatures and precipitation in integer tenths.
constexpr std::string_view kWeathers = R"sql(
CREATE TABLE IF NOT EXISTS weathers (
    id            BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    `date`        VARCHAR(10) NOT NULL,                    -- YYYY-MM-DD (KST)
    station       BIGINT      NOT NULL DEFAULT 108,
    temp_mean_c10 BIGINT      NULL,                        -- tenths of degrees C; NULL = missing
    temp_min_c10  BIGINT      NULL,
    temp_max_c10  BIGINT      NULL,
    precip_mm10   BIGINT      NULL,                        -- tenths of mm
    UNIQUE KEY weathers_by_date (`date`)
))sql" IK_TABLE;
constexpr std::string_view kRecommendations = R"sql(
CREATE TABLE IF NOT EXISTS recommendations (
    id             BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    stock_id       BIGINT       NOT NULL,
    recommend_date VARCHAR(10)  NOT NULL,                  -- YYYY-MM-DD (KST)
    similarity_ppm BIGINT       NOT NULL,                  -- parts per million (-1,000,000 ... 1,000,000)
    method         VARCHAR(64)  NOT NULL DEFAULT '',
    created_at     BIGINT       NOT NULL,
    UNIQUE KEY recommendations_by_date_stock (recommend_date, stock_id)
))sql" IK_TABLE;

#undef IK_TABLE

constexpr std::array kServiceV1 = {kUsers,     kApiKeys,  kAccounts,      kOrders,    kFills,
                                   kPositions, kDeposits, kLedgerEntries, kEngineMeta};
constexpr std::array kServiceV2 = {kStocks, kStockInfos, kBars};
constexpr std::array kServiceV3 = {kDepositEquity, kRefreshTokens, kWatchlists, kWatchlistItems};
constexpr std::array kServiceV4 = {kUniverse};
constexpr std::array kServiceV5 = {kConsumerOffsets};
constexpr std::array kServiceV6 = {kAlerts, kNotifications};
constexpr std::string_view kNotificationsUnread =
    "CREATE INDEX IF NOT EXISTS notifications_unread ON notifications (user_id, read_at)";
constexpr std::array kServiceV7 = {kAlertColumnsV7, kAlertMarks, kAlertDeliveries, kNotificationsUnread};
constexpr std::array kRecommendV1 = {kStocks, kStockInfos, kWeathers, kRecommendations};

void CheckOrdered(std::span<const Migration> migrations) {
    for (std::size_t i = 0; i < migrations.size(); ++i) {
        if (migrations[i].version != static_cast<int>(i) + 1) {
            throw std::logic_error("migrations must be numbered 1, 2, 3 … without gaps; found version " +
                                   std::to_string(migrations[i].version) + " at position " + std::to_string(i + 1));
        }
    }
}

constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INT NOT NULL PRIMARY KEY, name VARCHAR(128) NOT NULL,"
    " applied_at BIGINT NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
constexpr const char* kHasMigrationsTable =
    "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = "
    "'schema_migrations'";
constexpr const char* kMaxVersion = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
constexpr const char* kAppliedMigrations = "SELECT version, name FROM schema_migrations ORDER BY version";
constexpr const char* kRecordMigration = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)";
// Server-wide named locks: the name carries the database so the two databases migrate independently.
constexpr const char* kLock = "SELECT GET_LOCK(CONCAT('investking.migrate.', DATABASE()), 60)";
constexpr const char* kUnlock = "SELECT RELEASE_LOCK(CONCAT('investking.migrate.', DATABASE()))";

Result<std::int64_t> QueryInt(Connection& c, const char* sql) {
    auto stmt = c.Prepare(sql);
    if (!stmt) return std::unexpected(stmt.error());
    if (auto ok = stmt->Execute(); !ok) return std::unexpected(ok.error());
    auto row = stmt->Fetch();
    if (!row) return std::unexpected(row.error());
    return *row ? stmt->Int(0) : 0;
}

// Holds the migration lock for its lifetime.
class MigrationLock final {
public:
    static Result<MigrationLock> Take(Connection& c) {
        auto got = QueryInt(c, kLock);
        if (!got) return std::unexpected(got.error());
        if (*got != 1) {
            return MakeError(ErrorCode::kUnavailable,
                             c.dsn().Redacted() + ": another process has been migrating for 60 s; try again later");
        }
        return MigrationLock(&c);
    }
    MigrationLock(MigrationLock&& other) noexcept : c_(other.c_) { other.c_ = nullptr; }
    MigrationLock& operator=(MigrationLock&&) = delete;
    ~MigrationLock() {
        if (c_ != nullptr) (void)QueryInt(*c_, kUnlock);
    }

private:
    explicit MigrationLock(Connection* c) : c_(c) {}
    Connection* c_;
};

}  // namespace

std::span<const Migration> ServiceMigrations() {
    static const std::array<Migration, 7> migrations = {{
        {1, "accounts_orders_ledger", kServiceV1},
        {2, "stocks_ticks_bars", kServiceV2},
        {3, "auth_watchlists_deposit_equity", kServiceV3},
        {4, "universe_status", kServiceV4},
        {5, "consumer_offsets", kServiceV5},
        {6, "alerts_notifications", kServiceV6},
        {7, "alert_marks_deliveries", kServiceV7},
    }};
    return migrations;
}

std::span<const Migration> RecommendMigrations() {
    static const std::array<Migration, 1> migrations = {{
        {1, "stocks_ticks_weathers_recommendations", kRecommendV1},
    }};
    return migrations;
}

Result<int> SchemaVersionOf(Connection& c) {
    auto has = QueryInt(c, kHasMigrationsTable);
    if (!has) return std::unexpected(has.error());
    if (*has == 0) return 0;
    auto max = QueryInt(c, kMaxVersion);
    if (!max) return std::unexpected(max.error());
    return static_cast<int>(*max);
}

Status CheckSchemaCompatible(Connection& c, std::span<const Migration> migrations) {
    CheckOrdered(migrations);
    auto version = SchemaVersionOf(c);
    if (!version) return std::unexpected(version.error());
    const int known = static_cast<int>(migrations.size());
    const std::string where = c.dsn().Redacted();
    if (*version > known) {
        return MakeError(ErrorCode::kFailedPrecondition, where + ": schema version " + std::to_string(*version) +
                                                             " is newer than this binary's " + std::to_string(known) +
                                                             "; run a newer investking (nothing was changed)");
    }
    if (*version == 0) return {};
    auto stmt = c.Prepare(kAppliedMigrations);
    if (!stmt) return std::unexpected(stmt.error());
    if (auto ok = stmt->Execute(); !ok) return ok;
    auto each = stmt->ForEach([&](const mysql::Statement&) -> Status {
        const auto v = stmt->Int(0);
        const std::string name = stmt->Text(1);
        if (v < 1 || v > known || migrations[static_cast<std::size_t>(v - 1)].name != name) {
            return MakeError(ErrorCode::kFailedPrecondition, where + ": applied migration " + std::to_string(v) + " '" +
                                                                 name + "' is not this binary's migration " +
                                                                 std::to_string(v) +
                                                                 "; the database comes from a different build");
        }
        return {};
    });
    if (!each) return std::unexpected(each.error());
    return {};
}

Status ApplyMigrations(Connection& c, std::span<const Migration> migrations) {
    auto lock = MigrationLock::Take(c);
    if (!lock) return std::unexpected(lock.error());
    // Checked under the lock, before anything is written, so a newer database stays unchanged.
    if (auto ok = CheckSchemaCompatible(c, migrations); !ok) return ok;
    auto version = SchemaVersionOf(c);
    if (!version) return std::unexpected(version.error());
    if (*version == static_cast<int>(migrations.size())) return {};

    auto log = GetLogger("storage");
    const SystemClock clock;
    for (const Migration& m : migrations) {
        if (m.version <= *version) continue;
        const std::string what = "migration " + std::to_string(m.version) + " " + std::string(m.name);
        const auto fail = [&](const Error& e) {
            return MakeError(e.code, c.dsn().Redacted() + ": " + what + ": " + e.message);
        };
        if (m.version == 1) {
            if (auto ok = c.Exec(kCreateMigrationsTable); !ok) return fail(ok.error());
        }
        for (std::string_view sql : m.statements) {
            if (auto ok = c.Exec(sql); !ok) return fail(ok.error());
        }
        auto record = c.Prepare(kRecordMigration);
        if (!record) return std::unexpected(record.error());
        record->Bind(0, std::int64_t{m.version}).Bind(1, m.name).Bind(2, clock.Now());
        if (auto ok = record->Execute(); !ok) return fail(ok.error());
        log->info("event=migration_applied db={} version={} name={}", c.dsn().Redacted(), m.version, m.name);
    }
    return {};
}

}  // namespace ik::storage::mysql
