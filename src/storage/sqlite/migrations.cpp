#include "storage/sqlite/migrations.hpp"

#include <array>
#include <stdexcept>
#include <string>

#include "common/log.hpp"
#include "common/time.hpp"

namespace ik::storage::impl {

namespace {

// Conventions for every table: money in integer won, quantities in integer shares, timestamps in int64
// nanoseconds since the Unix epoch (UTC), enums as the lower-case names the API uses, stock_id = SymbolId.
// `seq` columns hold the engine event sequence that last wrote a row, so a stale redelivered event never
// overwrites newer state.
// Enum CHECKs are OR-chains, not `x IN (…)`: SQLite codes an IN list of more than two constants as a temporary
// b-tree built on every statement execution, which made each order upsert allocate and zero a page cache
// (measured: 3× slower commits). Lists of two stay IN.

// The stock master and the tick table are identical in both databases (the original kept them in sync
// through Kafka); both migration lists use these two definitions.
constexpr std::string_view kStocksAndTicks = R"sql(
CREATE TABLE stocks (
    id             INTEGER PRIMARY KEY,             -- the engine's SymbolId: dense, from 0
    code           TEXT    NOT NULL UNIQUE,         -- KRX code, 6 characters
    name_ko        TEXT    NOT NULL,
    name_en        TEXT    NOT NULL DEFAULT '',
    market         TEXT    NOT NULL CHECK (market = 'KOSPI' OR market = 'KOSDAQ' OR market = 'KONEX'),
    sector         TEXT    NOT NULL DEFAULT '',
    previous_close INTEGER NOT NULL DEFAULT 0       -- won; reference for the day's price band
);
CREATE TABLE stock_infos (
    id       INTEGER PRIMARY KEY,
    stock_id INTEGER NOT NULL,
    ts       INTEGER NOT NULL,                      -- ns since epoch
    price    INTEGER NOT NULL,                      -- last trade, won
    bid      INTEGER NOT NULL DEFAULT 0,            -- 0 = none
    ask      INTEGER NOT NULL DEFAULT 0,            -- 0 = none
    volume   INTEGER NOT NULL DEFAULT 0
);
-- One tick per symbol and instant: redelivered ticks are ignored, and the last tick is an index seek.
CREATE UNIQUE INDEX stock_infos_by_stock_ts ON stock_infos (stock_id, ts);
)sql";

constexpr std::string_view kServiceV1 = R"sql(
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL DEFAULT '',       -- Argon2id string; never a password
    email         TEXT    NOT NULL DEFAULT '',
    phone         TEXT    NOT NULL DEFAULT '',
    role          TEXT    NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    created_at    INTEGER NOT NULL
);
CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    key_id       TEXT    NOT NULL UNIQUE,            -- APCA-API-KEY-ID
    secret_hash  TEXT    NOT NULL,                   -- hash of APCA-API-SECRET-KEY
    name         TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_keys_by_user ON api_keys (user_id);

CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,               -- the engine's AccountId
    cash          INTEGER NOT NULL,
    reserved_cash INTEGER NOT NULL,                  -- held by open buy orders
    opened_at     INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    seq           INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE orders (
    id              INTEGER PRIMARY KEY,             -- the engine's OrderId
    account_id      INTEGER NOT NULL REFERENCES accounts (id),
    stock_id        INTEGER NOT NULL,
    client_order_id TEXT    NOT NULL,
    side            TEXT    NOT NULL CHECK (side IN ('buy', 'sell')),
    type            TEXT    NOT NULL CHECK (type = 'market' OR type = 'limit' OR type = 'stop'
                                            OR type = 'stop_limit'),
    time_in_force   TEXT    NOT NULL CHECK (time_in_force = 'day' OR time_in_force = 'gtc'
                                            OR time_in_force = 'ioc' OR time_in_force = 'fok'),
    status          TEXT    NOT NULL CHECK (status = 'new' OR status = 'partially_filled' OR status = 'filled'
                                            OR status = 'canceled' OR status = 'expired' OR status = 'replaced'),
    triggered       INTEGER NOT NULL DEFAULT 0,
    qty             INTEGER NOT NULL,
    filled_qty      INTEGER NOT NULL DEFAULT 0,
    limit_price     INTEGER NOT NULL DEFAULT 0,      -- 0 = none
    stop_price      INTEGER NOT NULL DEFAULT 0,      -- 0 = none
    filled_notional INTEGER NOT NULL DEFAULT 0,      -- Σ fill price × qty
    reserved_cash   INTEGER NOT NULL DEFAULT 0,      -- buys: cash still held for the unfilled part
    replaces        INTEGER,                         -- NULL = none
    replaced_by     INTEGER,                         -- NULL = none
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    seq             INTEGER NOT NULL DEFAULT 0
);
-- Write locality matters more than anything for group commit: every page an index touches is written and
-- fsynced once per commit. Keyed by client id first, generated ids ("ik-<id>") land next to each other.
CREATE UNIQUE INDEX orders_by_client_id ON orders (client_order_id, account_id);
-- Only open orders are indexed, by status then rowid, so new orders append to one hot page; the engine
-- reloads them at start and they are few.
CREATE INDEX orders_open ON orders (status) WHERE status IN ('new', 'partially_filled');

CREATE TABLE fills (
    id          INTEGER PRIMARY KEY,                 -- the engine's FillId
    order_id    INTEGER NOT NULL REFERENCES orders (id) DEFERRABLE INITIALLY DEFERRED,  -- see CommitGroup
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    stock_id    INTEGER NOT NULL,
    side        TEXT    NOT NULL CHECK (side IN ('buy', 'sell')),
    qty         INTEGER NOT NULL,
    price       INTEGER NOT NULL,
    commission  INTEGER NOT NULL,
    tax         INTEGER NOT NULL,                    -- securities transaction tax, sells only
    ts          INTEGER NOT NULL,
    settle_date TEXT    NOT NULL,                    -- YYYY-MM-DD, T+2 trading days
    txn_id      INTEGER                              -- the ledger transaction that posted it
);
CREATE INDEX fills_by_order ON fills (order_id);
CREATE INDEX fills_by_account ON fills (account_id, ts);

CREATE TABLE positions (
    account_id   INTEGER NOT NULL REFERENCES accounts (id),
    stock_id     INTEGER NOT NULL,
    qty          INTEGER NOT NULL,
    reserved_qty INTEGER NOT NULL,                   -- held by open sell orders
    cost_basis   INTEGER NOT NULL,                   -- Σ price × qty of shares held, fees excluded
    realized_pnl INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    seq          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, stock_id)               -- rows with qty 0 stay: they carry realized_pnl
) WITHOUT ROWID;

CREATE TABLE deposits (
    txn_id     INTEGER PRIMARY KEY,                  -- the ledger transaction that posted it
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    amount     INTEGER NOT NULL,
    ts         INTEGER NOT NULL
);
CREATE INDEX deposits_by_account ON deposits (account_id);

-- Double entry: the entries of one txn_id sum to zero. Every book belongs to an account: cash and securities
-- (shares at cost) are assets, deposits the capital paid in, realized_pnl gains (credits) and losses,
-- commission and tax the fees the account paid.
CREATE TABLE ledger_entries (
    txn_id     INTEGER NOT NULL,
    idx        INTEGER NOT NULL,                     -- position of the entry in its transaction
    book       TEXT    NOT NULL CHECK (book = 'cash' OR book = 'securities' OR book = 'realized_pnl'
                                       OR book = 'deposits' OR book = 'commission' OR book = 'tax'),
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    stock_id   INTEGER,                              -- NULL on deposits; the traded stock on fill entries
    amount     INTEGER NOT NULL,                     -- debit +, credit −
    ts         INTEGER NOT NULL,
    PRIMARY KEY (txn_id, idx)
) WITHOUT ROWID;
-- No per-account index on the ledger: it would add a random page write to every fill; verify scans it.

-- Engine bookkeeping: last_event_seq (the next event is last + 1), later consumed bus offsets.
CREATE TABLE engine_meta (
    key   TEXT    PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

constexpr std::string_view kServiceV2Head = R"sql(
CREATE TABLE bars (
    stock_id   INTEGER NOT NULL,
    interval_s INTEGER NOT NULL,
    start_ts   INTEGER NOT NULL,                     -- ns since epoch, aligned to the interval
    open       INTEGER NOT NULL,
    high       INTEGER NOT NULL,
    low        INTEGER NOT NULL,
    close      INTEGER NOT NULL,
    volume     INTEGER NOT NULL,
    trades     INTEGER NOT NULL,
    PRIMARY KEY (stock_id, interval_s, start_ts)
) WITHOUT ROWID;
)sql";

// Platform API state: rotating refresh tokens, watchlists, and the equity each deposit found (the boundary of a
// time-weighted-return period, so top-ups never count as return).
constexpr std::string_view kServiceV3 = R"sql(
ALTER TABLE deposits ADD COLUMN equity_before INTEGER NOT NULL DEFAULT 0;
CREATE TABLE refresh_tokens (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    token_hash TEXT    NOT NULL UNIQUE,              -- SHA-256 of the token; never the token
    family     TEXT    NOT NULL,                     -- tokens descended from one login
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family);
CREATE TABLE watchlists (
    id         TEXT    PRIMARY KEY,                  -- UUID
    user_id    INTEGER NOT NULL REFERENCES users (id),
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (user_id, name)
);
-- Key columns first: SQLite 3.40's quick_check misreads NOT NULL columns placed before the key of a WITHOUT
-- ROWID table (it reported "NULL value in watchlist_items.idx" for rows that have one).
CREATE TABLE watchlist_items (
    watchlist_id TEXT    NOT NULL REFERENCES watchlists (id) ON DELETE CASCADE,
    stock_id     INTEGER NOT NULL,
    idx          INTEGER NOT NULL,                   -- the user's order
    PRIMARY KEY (watchlist_id, stock_id)
) WITHOUT ROWID;
)sql";

// The tradable status of listings an admin added or halted at run time (POST/PATCH /api/v1/admin/universe). The
// stocks traded after a start are market.symbols plus the rows here; a row also halts a configured symbol.
// Keyed by code like the configuration, so a row means the same stock whatever id it has in stocks.
constexpr std::string_view kServiceV4 = R"sql(
CREATE TABLE universe (
    code       TEXT    PRIMARY KEY,                  -- stocks.code (KRX code)
    status     TEXT    NOT NULL CHECK (status IN ('active', 'halted')),
    updated_at INTEGER NOT NULL                      -- ns since epoch
);
)sql";

// Where a consumer (the engine role) got to in each partition, written with the state it produced.
constexpr std::string_view kServiceV5 = R"sql(
CREATE TABLE consumer_offsets (
    consumer     TEXT    NOT NULL,
    topic        TEXT    NOT NULL,
    partition_id INTEGER NOT NULL,
    next_offset  INTEGER NOT NULL CHECK (next_offset >= 0),
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (consumer, topic, partition_id)
);
)sql";

// Price alerts (src/alerts): a user's rules, and one notification per firing (alert, crossing time).
constexpr std::string_view kServiceV6 = R"sql(
CREATE TABLE alerts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL,
    stock_id      INTEGER NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('price_at_or_above', 'price_at_or_below', 'change_pct_at_or_above',
                                                   'change_pct_at_or_below', 'volume_above')),
    level         INTEGER NOT NULL,                  -- won, ppm of the previous close, or shares
    mode          TEXT    NOT NULL CHECK (mode IN ('once', 'repeat')),
    cooldown_s    INTEGER NOT NULL DEFAULT 0 CHECK (cooldown_s >= 0),
    expires_at    INTEGER NOT NULL DEFAULT 0,        -- 0 = never
    channels      INTEGER NOT NULL CHECK (channels BETWEEN 1 AND 7),  -- bits: 1 in-app, 2 webhook, 4 SNS
    webhook_url   TEXT    NOT NULL DEFAULT '',
    status        TEXT    NOT NULL DEFAULT 'armed' CHECK (status IN ('armed', 'fired', 'expired')),
    last_fired_at INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX alerts_by_user ON alerts (user_id, id);
CREATE INDEX alerts_by_status ON alerts (status, id);
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL,
    alert_id   INTEGER NOT NULL,
    stock_id   INTEGER NOT NULL,
    price      INTEGER NOT NULL,
    message    TEXT    NOT NULL,
    channels   INTEGER NOT NULL,
    fired_at   INTEGER NOT NULL,                     -- the crossing tick's time
    created_at INTEGER NOT NULL,
    read_at    INTEGER NOT NULL DEFAULT 0,           -- 0 = unread
    UNIQUE (alert_id, fired_at)
);
CREATE INDEX notifications_by_user ON notifications (user_id, id);
)sql";

// Alert delivery: the evaluator's marks (stored with the firings, so a restart resumes where it stopped) and
// the outbox of webhook and SNS deliveries, each tried until delivered or dead (the dead letter).
constexpr std::string_view kServiceV7 = R"sql(
ALTER TABLE alerts ADD COLUMN webhook_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN sns_topic_arn TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN language TEXT NOT NULL DEFAULT 'ko';
CREATE TABLE alert_marks (
    stock_id       INTEGER PRIMARY KEY,
    ts             INTEGER NOT NULL,                 -- the last evaluated tick's time
    price          INTEGER NOT NULL,
    day_volume     INTEGER NOT NULL,
    previous_close INTEGER NOT NULL
);
CREATE TABLE alert_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    notification_id INTEGER NOT NULL,
    user_id         INTEGER NOT NULL,
    channel         TEXT    NOT NULL CHECK (channel IN ('webhook', 'sns')),
    target          TEXT    NOT NULL,                -- URL, phone number or topic ARN
    secret          TEXT    NOT NULL DEFAULT '',     -- webhook signing secret
    status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT    NOT NULL DEFAULT '',
    delivered_at    INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    UNIQUE (notification_id, channel)
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (status, next_attempt_at);
CREATE INDEX notifications_unread ON notifications (user_id, read_at);
)sql";

constexpr std::string_view kRecommendV1Tail = R"sql(
-- Seoul daily weather (KMA ASOS 108); temperatures and precipitation in integer tenths.
CREATE TABLE weathers (
    id             INTEGER PRIMARY KEY,
    date           TEXT    NOT NULL UNIQUE,          -- YYYY-MM-DD (KST)
    station        INTEGER NOT NULL DEFAULT 108,
    temp_mean_c10  INTEGER,                          -- tenths of °C; NULL = missing
    temp_min_c10   INTEGER,
    temp_max_c10   INTEGER,
    precip_mm10    INTEGER                           -- tenths of mm
);
-- The daily batch's output: how closely each stock's price changes followed the weather's.
CREATE TABLE recommendations (
    id             INTEGER PRIMARY KEY,
    stock_id       INTEGER NOT NULL,
    recommend_date TEXT    NOT NULL,                 -- YYYY-MM-DD (KST)
    similarity_ppm INTEGER NOT NULL,                 -- similarity in parts per million (−1,000,000 … 1,000,000)
    method         TEXT    NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    UNIQUE (recommend_date, stock_id)
);
)sql";

// Concatenated at start-up once; the strings live as long as the program.
const std::string& ServiceV2() {
    static const std::string sql = std::string(kStocksAndTicks) + std::string(kServiceV2Head);
    return sql;
}

const std::string& RecommendV1() {
    static const std::string sql = std::string(kStocksAndTicks) + std::string(kRecommendV1Tail);
    return sql;
}

void CheckOrdered(std::span<const Migration> migrations) {
    for (std::size_t i = 0; i < migrations.size(); ++i) {
        if (migrations[i].version != static_cast<int>(i) + 1) {
            throw std::logic_error("migrations must be numbered 1, 2, 3 … without gaps; found version " +
                                   std::to_string(migrations[i].version) + " at position " + std::to_string(i + 1));
        }
    }
}

constexpr const char* kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)";
constexpr const char* kHasMigrationsTable =
    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";
constexpr const char* kMaxVersion = "SELECT MAX(version) FROM schema_migrations";
constexpr const char* kAppliedMigrations = "SELECT version, name FROM schema_migrations ORDER BY version";
constexpr const char* kRecordMigration = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)";

}  // namespace

std::span<const Migration> ServiceMigrations() {
    static const std::array<Migration, 7> migrations = {{
        {1, "accounts_orders_ledger", kServiceV1},
        {2, "stocks_ticks_bars", ServiceV2()},
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
        {1, "stocks_ticks_weathers_recommendations", RecommendV1()},
    }};
    return migrations;
}

Result<int> SchemaVersionOf(Database& db) {
    auto has = db.QueryInt(kHasMigrationsTable);
    if (!has) return std::unexpected(has.error());
    if (has->value_or(0) == 0) return 0;
    auto max = db.QueryInt(kMaxVersion);
    if (!max) return std::unexpected(max.error());
    return static_cast<int>(max->value_or(0));
}

Status CheckSchemaCompatible(Database& db, std::span<const Migration> migrations) {
    CheckOrdered(migrations);
    auto version = SchemaVersionOf(db);
    if (!version) return std::unexpected(version.error());
    const int known = static_cast<int>(migrations.size());
    if (*version > known) {
        return MakeError(ErrorCode::kFailedPrecondition, db.path() + ": schema version " + std::to_string(*version) +
                                                             " is newer than this binary's " + std::to_string(known) +
                                                             "; run a newer investking (nothing was changed)");
    }
    if (*version == 0) return {};
    auto stmt = db.Prepare(kAppliedMigrations);
    if (!stmt) return std::unexpected(stmt.error());
    for (;;) {
        auto row = stmt->Step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        const auto v = stmt->Int(0);
        const std::string name = stmt->Text(1);
        if (v < 1 || v > known || migrations[static_cast<std::size_t>(v - 1)].name != name) {
            return MakeError(ErrorCode::kFailedPrecondition, db.path() + ": applied migration " + std::to_string(v) +
                                                                 " '" + name + "' is not this binary's migration " +
                                                                 std::to_string(v) +
                                                                 "; the database comes from a different build");
        }
    }
    return {};
}

Status ApplyMigrations(Database& db, std::span<const Migration> migrations) {
    // Refuse before writing anything, so a newer database stays byte-for-byte unchanged.
    if (auto ok = CheckSchemaCompatible(db, migrations); !ok) return ok;
    auto version = SchemaVersionOf(db);
    if (!version) return std::unexpected(version.error());
    if (*version == static_cast<int>(migrations.size())) return {};

    auto log = GetLogger("storage");
    const SystemClock clock;
    for (const Migration& m : migrations) {
        if (m.version <= *version) continue;
        auto txn = Transaction::Begin(db, Transaction::Kind::kImmediate);
        if (!txn) return std::unexpected(txn.error());
        if (m.version == 1) {
            if (auto ok = db.Exec(kCreateMigrationsTable, "create schema_migrations"); !ok) return ok;
        }
        const std::string what = "migration " + std::to_string(m.version) + " " + std::string(m.name);
        if (auto ok = db.Exec(m.sql, what); !ok) return ok;
        auto record = db.Prepare(kRecordMigration);
        if (!record) return std::unexpected(record.error());
        record->Bind(1, std::int64_t{m.version}).Bind(2, m.name).Bind(3, clock.Now());
        if (auto ok = record->Run(); !ok) return ok;
        if (auto ok = txn->Commit(); !ok) return ok;
        log->info("event=migration_applied file={} version={} name={}", db.path(), m.version, m.name);
    }
    return {};
}

}  // namespace ik::storage::impl
