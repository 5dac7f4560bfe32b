// SqliteServiceStore and SqliteRecommendStore on real files: migrations, commit round trips, idempotent
// redelivery, atomicity, users, stocks, bars.
#include "storage/sqlite/sqlite_store.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "storage/sqlite/db.hpp"
#include "storage/sqlite/migrations.hpp"
#include "storage/test_events.hpp"

namespace ik::storage {
namespace {

using testing::EventBuilder;
using testing::ExecSql;
using testing::QuerySql;
using testing::TempDir;

std::unique_ptr<SqliteServiceStore> OpenService(const std::string& path) {
    auto store = SqliteServiceStore::Open(path, SqliteOptions{});
    if (!store) throw std::runtime_error(store.error().message);
    if (auto ok = (*store)->Migrate(); !ok) throw std::runtime_error(ok.error().message);
    return std::move(*store);
}

std::string ReadBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

market::Universe DefaultUniverse() {
    market::Universe u;
    for (auto& info : market::DefaultUniverse()) EXPECT_TRUE(u.Upsert(info));
    return u;
}

// A small but complete trading day: two accounts, a filled buy, an open buy, a partially filled sell, a
// canceled buy and a top-up. Returned as three batches in engine order.
struct Day {
    EventBuilder b;
    std::vector<WriteBatch> batches;
    trading::OrderId filled_buy = 0, open_buy = 0, open_sell = 0, canceled_buy = 0;
};

Day MakeDay() {
    Day d;
    WriteBatch first;
    first.events.push_back(d.b.OpenAccount(1, 10'000'000));
    first.events.push_back(d.b.OpenAccount(2, 5'000'000));
    auto buy = d.b.AcceptBuy(1, 3, 10, 70'000, "first-buy");
    d.filled_buy = buy.order.id;
    first.events.push_back(buy);
    first.events.push_back(d.b.Fill(d.filled_buy, 10, 70'000));
    first.ticks.push_back(market::Tick{3, 1'000, 70'000, 69'900, 70'000, 500});
    d.batches.push_back(first);

    WriteBatch second;
    auto open_buy = d.b.AcceptBuy(1, 3, 5, 69'000);
    d.open_buy = open_buy.order.id;
    second.events.push_back(open_buy);
    auto sell = d.b.AcceptSell(1, 3, 4, 71'000);
    d.open_sell = sell.order.id;
    second.events.push_back(sell);
    second.events.push_back(d.b.Fill(d.open_sell, 2, 71'000));
    second.ticks.push_back(market::Tick{3, 2'000, 71'000, 71'000, 71'100, 300});
    second.ticks.push_back(market::Tick{0, 2'500, 1'759'000, 1'758'000, 1'759'000, 10});
    d.batches.push_back(second);

    WriteBatch third;
    auto canceled = d.b.AcceptBuy(2, 0, 1, 1'759'000);
    d.canceled_buy = canceled.order.id;
    third.events.push_back(canceled);
    third.events.push_back(d.b.Cancel(d.canceled_buy));
    third.events.push_back(d.b.Deposit(2, 1'000'000));
    third.bars.push_back(market::Bar{3, 60 * kNanosPerSecond, 60, 70'000, 71'000, 69'900, 71'000, 800, 2});
    third.bars.push_back(market::Bar{3, 120 * kNanosPerSecond, 60, 71'000, 71'000, 71'000, 71'000, 10, 1});
    d.batches.push_back(third);
    return d;
}

// Everything a store holds, as text, to compare before and after a redelivery.
std::string Dump(const std::string& path) {
    std::string out;
    for (const char* table : {"accounts", "orders", "fills", "positions", "deposits", "ledger_entries", "stock_infos",
                              "bars", "engine_meta"}) {
        out += std::string(table) + ":\n" + testing::DumpTable(path, table);
    }
    return out;
}

TEST(SqliteStoreTest, MigratesFreshDatabaseToLatestVersion) {
    TempDir dir;
    auto store = SqliteServiceStore::Open(dir.File("service.db"), SqliteOptions{});
    ASSERT_TRUE(store) << store.error().message;
    EXPECT_EQ((*store)->SchemaVersion().value(), 0);
    ASSERT_TRUE((*store)->Migrate());
    EXPECT_EQ((*store)->SchemaVersion().value(), (*store)->LatestSchemaVersion());
    EXPECT_EQ((*store)->LatestSchemaVersion(), 4);
    for (const char* table : {"users", "api_keys", "accounts", "orders", "fills", "positions", "deposits",
                              "ledger_entries", "stocks", "stock_infos", "bars", "engine_meta", "universe"}) {
        auto rows = (*store)->CountRows(table);
        ASSERT_TRUE(rows) << table << ": " << rows.error().message;
        EXPECT_EQ(*rows, 0) << table;
    }
    EXPECT_EQ((*store)->CountRows("schema_migrations").value(), 4);
    EXPECT_EQ(QuerySql(dir.File("service.db"), "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
}

TEST(SqliteStoreTest, MigrateIsIdempotent) {
    TempDir dir;
    auto store = OpenService(dir.File("service.db"));
    const auto applied_at = QuerySql(dir.File("service.db"), "SELECT SUM(applied_at) FROM schema_migrations");
    ASSERT_TRUE(store->Migrate());
    ASSERT_TRUE(store->Migrate());
    EXPECT_EQ(store->CountRows("schema_migrations").value(), 4);
    EXPECT_EQ(QuerySql(dir.File("service.db"), "SELECT SUM(applied_at) FROM schema_migrations"), applied_at);
    store.reset();
    auto reopened = OpenService(dir.File("service.db"));
    EXPECT_EQ(reopened->SchemaVersion().value(), 4);
}

TEST(SqliteStoreTest, EachMigrationCommitsInItsOwnTransaction) {
    TempDir dir;
    auto db = impl::Database::Open(dir.File("m.db"), impl::OpenFlags::kReadWriteCreate);
    ASSERT_TRUE(db);
    const impl::Migration first_two[] = {
        {1, "create_a", "CREATE TABLE a (x INTEGER)"},
        {2, "create_b", "CREATE TABLE b (x INTEGER); INSERT INTO b VALUES (1)"},
    };
    ASSERT_TRUE(impl::ApplyMigrations(**db, first_two));
    EXPECT_EQ(impl::SchemaVersionOf(**db).value(), 2);

    const impl::Migration with_broken_fourth[] = {
        first_two[0],
        first_two[1],
        {3, "create_c", "CREATE TABLE c (x INTEGER)"},
        {4, "broken", "CREATE TABLE d (x INTEGER); INSERT INTO no_such_table VALUES (1)"},
    };
    auto failed = impl::ApplyMigrations(**db, with_broken_fourth);
    ASSERT_FALSE(failed);
    EXPECT_NE(failed.error().message.find("migration 4 broken"), std::string::npos) << failed.error().message;
    EXPECT_EQ(impl::SchemaVersionOf(**db).value(), 3);  // 3 committed, 4 rolled back as a whole
    db->reset();
    EXPECT_EQ(QuerySql(dir.File("m.db"), "SELECT COUNT(*) FROM sqlite_master WHERE name = 'c'"), 1);
    EXPECT_EQ(QuerySql(dir.File("m.db"), "SELECT COUNT(*) FROM sqlite_master WHERE name = 'd'"), 0);
    EXPECT_EQ(QuerySql(dir.File("m.db"), "SELECT COUNT(*) FROM b"), 1);  // migration 2 ran exactly once
}

TEST(SqliteStoreTest, RefusesDatabaseNewerThanTheBinaryWithoutChangingIt) {
    TempDir dir;
    const std::string path = dir.File("service.db");
    OpenService(path).reset();
    ExecSql(path, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (5, 'from_the_future', 0)");
    ExecSql(path, "PRAGMA wal_checkpoint(TRUNCATE)");
    const std::string before = ReadBytes(path);

    auto store = SqliteServiceStore::Open(path, SqliteOptions{});
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_NE(store.error().message.find("schema version 5 is newer than this binary's 4"), std::string::npos)
        << store.error().message;
    EXPECT_EQ(ReadBytes(path), before);

    // Migrate() on a store opened before the newer binary wrote to the file refuses as well.
    ExecSql(path, "DELETE FROM schema_migrations WHERE version = 5");
    auto open = SqliteServiceStore::Open(path, SqliteOptions{});
    ASSERT_TRUE(open);
    ExecSql(path, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (5, 'from_the_future', 0)");
    auto migrated = (*open)->Migrate();
    ASSERT_FALSE(migrated);
    EXPECT_EQ(migrated.error().code, ErrorCode::kFailedPrecondition);
}

TEST(SqliteStoreTest, RefusesDatabaseFromADivergedBuild) {
    TempDir dir;
    const std::string path = dir.File("service.db");
    OpenService(path).reset();
    ExecSql(path, "UPDATE schema_migrations SET name = 'someone_elses' WHERE version = 2");
    auto store = SqliteServiceStore::Open(path, SqliteOptions{});
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_NE(store.error().message.find("someone_elses"), std::string::npos) << store.error().message;
}

TEST(SqliteStoreTest, CommitRoundTripRestoresEngineState) {
    TempDir dir;
    auto store = OpenService(dir.File("service.db"));
    ASSERT_TRUE(store->UpsertStocks(DefaultUniverse()));
    Day day = MakeDay();
    for (const auto& batch : day.batches) ASSERT_TRUE(store->Commit(batch));
    store.reset();

    auto reopened = OpenService(dir.File("service.db"));
    auto snap = reopened->LoadEngineState();
    ASSERT_TRUE(snap) << snap.error().message;

    ASSERT_EQ(snap->accounts.size(), 2u);
    for (const auto& a : snap->accounts) {
        EXPECT_EQ(a.cash, day.b.balance(a.id).cash) << a.id;
        EXPECT_EQ(a.reserved_cash, day.b.balance(a.id).reserved_cash) << a.id;
    }
    // Account 1: 10,000,000 − 700,000 − 105 (buy) + 142,000 − 21 − 284 (sell 2 @ 71,000).
    EXPECT_EQ(day.b.balance(1).cash, 10'000'000 - 700'105 + 142'000 - 21 - 284);
    EXPECT_EQ(day.b.balance(2).cash, 6'000'000);

    ASSERT_EQ(snap->positions.size(), 1u);
    const auto& p = snap->positions[0];
    EXPECT_EQ(p.account, 1u);
    EXPECT_EQ(p.symbol, 3u);
    EXPECT_EQ(p.qty, 8);
    EXPECT_EQ(p.reserved_qty, 2);
    EXPECT_EQ(p.cost_basis, 560'000);
    EXPECT_EQ(p.realized_pnl, 142'000 - 140'000 - 21 - 284);

    ASSERT_EQ(snap->open_orders.size(), 2u);  // the filled and the canceled buy are history
    EXPECT_EQ(snap->open_orders[0].id, day.open_buy);
    EXPECT_EQ(snap->open_orders[0].status, trading::OrderStatus::kNew);
    EXPECT_EQ(snap->open_orders[0].reserved_cash, 345'000 + 51);
    EXPECT_EQ(snap->open_orders[1].id, day.open_sell);
    EXPECT_EQ(snap->open_orders[1].status, trading::OrderStatus::kPartiallyFilled);
    EXPECT_EQ(snap->open_orders[1].filled_qty, 2);
    EXPECT_EQ(snap->open_orders[1].filled_notional, 142'000);
    EXPECT_EQ(snap->open_orders[1].tif, trading::TimeInForce::kGtc);
    EXPECT_EQ(snap->open_orders[1].client_order_id, day.b.order(day.open_sell).client_order_id);

    EXPECT_EQ(snap->next_order_id, day.canceled_buy + 1);
    EXPECT_EQ(snap->next_fill_id, 3u);
    EXPECT_EQ(snap->next_ledger_txn, 6u);  // 2 openings, 2 fills, 1 deposit
    EXPECT_EQ(snap->next_event_seq, day.b.last_seq() + 1);

    ASSERT_EQ(snap->last_ticks.size(), 2u);  // only symbols 0 and 3 ever ticked
    EXPECT_EQ(snap->last_ticks[0].symbol, 0u);
    EXPECT_EQ(snap->last_ticks[1].symbol, 3u);
    EXPECT_EQ(snap->last_ticks[1].ts, 2'000);
    EXPECT_EQ(snap->last_ticks[1].price, 71'000);
    EXPECT_EQ(snap->last_ticks[1].ask, 71'100);
    ASSERT_EQ(snap->previous_closes.size(), 5u);
    EXPECT_EQ(snap->previous_closes[3], (std::pair<market::SymbolId, Won>{3, 249'500}));

    auto filled = reopened->GetOrder(day.filled_buy);
    ASSERT_TRUE(filled && filled->has_value());
    EXPECT_EQ((*filled)->status, trading::OrderStatus::kFilled);
    EXPECT_EQ((*filled)->client_order_id, "first-buy");
    EXPECT_EQ((*filled)->replaces, 0u);
    auto by_client = reopened->GetOrderByClientOrderId(1, "first-buy");
    ASSERT_TRUE(by_client && by_client->has_value());
    EXPECT_EQ((*by_client)->id, day.filled_buy);
    EXPECT_TRUE(reopened->ClientOrderIdExists(1, "first-buy").value());
    EXPECT_FALSE(reopened->ClientOrderIdExists(2, "first-buy").value());

    auto fills = reopened->FillsOfOrder(day.filled_buy);
    ASSERT_TRUE(fills);
    ASSERT_EQ(fills->size(), 1u);
    EXPECT_EQ((*fills)[0].qty, 10);
    EXPECT_EQ((*fills)[0].price, 70'000);
    EXPECT_EQ((*fills)[0].commission, 105);
    EXPECT_EQ((*fills)[0].settle_date, (Date{2026, 7, 28}));

    EXPECT_EQ(reopened->CountRows("ledger_entries").value(), 2 + 3 + 5 + 2 + 2);
    EXPECT_EQ(reopened->CountRows("deposits").value(), 3);
    EXPECT_EQ(QuerySql(dir.File("service.db"), "SELECT COUNT(*) FROM ledger_entries WHERE stock_id IS NULL"), 6);
    EXPECT_EQ(QuerySql(dir.File("service.db"),
                       "SELECT SUM(amount) FROM ledger_entries WHERE book = 'commission' AND account_id = 1"),
              105 + 21);

    auto bars = reopened->LoadBars(3, 60, 0, 120 * kNanosPerSecond);
    ASSERT_TRUE(bars);
    ASSERT_EQ(bars->size(), 1u);
    EXPECT_EQ((*bars)[0], day.batches[2].bars[0]);

    auto violations = reopened->Verify();
    ASSERT_TRUE(violations);
    for (const auto& v : *violations) ADD_FAILURE() << v.check << ": " << v.message;
}

TEST(SqliteStoreTest, CommitIsIdempotentOnRedelivery) {
    TempDir dir;
    const std::string path = dir.File("service.db");
    auto store = OpenService(path);
    Day day = MakeDay();
    for (const auto& batch : day.batches) ASSERT_TRUE(store->Commit(batch));
    const std::string before = Dump(path);

    // The same batches again, one by one and all in one transaction.
    for (const auto& batch : day.batches) ASSERT_TRUE(store->Commit(batch));
    EXPECT_EQ(Dump(path), before);
    ASSERT_TRUE(store->CommitGroup(day.batches));
    EXPECT_EQ(Dump(path), before);

    // An old batch redelivered after newer ones must not roll rows back to its older snapshots.
    ASSERT_TRUE(store->Commit(day.batches[0]));
    EXPECT_EQ(Dump(path), before);
    auto order = store->GetOrder(day.open_sell);
    ASSERT_TRUE(order && order->has_value());
    EXPECT_EQ((*order)->filled_qty, 2);
    EXPECT_TRUE(store->Verify().value().empty());
}

TEST(SqliteStoreTest, CommitIsAllOrNothing) {
    TempDir dir;
    const std::string path = dir.File("service.db");
    auto store = OpenService(path);
    EventBuilder b;
    WriteBatch ok_batch;
    ok_batch.events.push_back(b.OpenAccount(1, 1'000'000));
    WriteBatch bad;
    bad.events.push_back(b.AcceptBuy(1, 0, 1, 10'000));
    bad.ticks.push_back(market::Tick{0, 5, 10'000, 0, 0, 1});
    auto orphan = b.AcceptBuy(1, 0, 1, 10'000);
    orphan.order.account = 99;  // an account that was never opened: the foreign key refuses it
    orphan.balance.id = 0;
    bad.events.push_back(orphan);

    const WriteBatch both[] = {ok_batch, bad};
    auto result = store->CommitGroup(both);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition) << result.error().message;
    for (const char* table : {"accounts", "orders", "ledger_entries", "stock_infos", "engine_meta"}) {
        EXPECT_EQ(store->CountRows(table).value(), 0) << table;
    }
    // The store stays usable after a failed transaction.
    ASSERT_TRUE(store->Commit(ok_batch));
    EXPECT_EQ(store->CountRows("accounts").value(), 1);
}

TEST(SqliteStoreTest, StateRowsTouchedTwiceInOneCommitKeepTheLastSnapshot) {
    TempDir dir;
    auto store = OpenService(dir.File("service.db"));
    EventBuilder b;
    WriteBatch batch;
    batch.events.push_back(b.OpenAccount(1, 10'000'000));
    auto buy = b.AcceptBuy(1, 2, 10, 300'000);
    batch.events.push_back(buy);
    batch.events.push_back(b.Fill(buy.order.id, 3, 299'000));
    batch.events.push_back(b.Fill(buy.order.id, 7, 300'000));
    batch.events.push_back(b.Deposit(1, 1'000));
    ASSERT_TRUE(store->Commit(batch));
    auto order = store->GetOrder(buy.order.id).value();
    ASSERT_TRUE(order.has_value());
    EXPECT_EQ(order->status, trading::OrderStatus::kFilled);
    EXPECT_EQ(order->filled_qty, 10);
    EXPECT_EQ(order->filled_notional, 3 * 299'000 + 7 * 300'000);
    EXPECT_EQ(store->FillsOfOrder(buy.order.id).value().size(), 2u);
    auto snap = store->LoadEngineState().value();
    ASSERT_EQ(snap.accounts.size(), 1u);
    EXPECT_EQ(snap.accounts[0].cash, b.balance(1).cash);
    EXPECT_EQ(snap.accounts[0].reserved_cash, 0);
    ASSERT_EQ(snap.positions.size(), 1u);
    EXPECT_EQ(snap.positions[0].qty, 10);
    EXPECT_TRUE(store->Verify().value().empty());
}

TEST(SqliteStoreTest, AFillOfAnUnknownOrderFailsTheWholeCommit) {
    TempDir dir;
    auto store = OpenService(dir.File("service.db"));
    EventBuilder b;
    ASSERT_TRUE(store->Commit(WriteBatch{{b.OpenAccount(1, 10'000'000)}, {}, {}}));
    auto buy = b.AcceptBuy(1, 0, 1, 10'000);  // never committed
    auto fill = b.Fill(buy.order.id, 1, 10'000);
    fill.has_order = false;  // so nothing writes the order row: the deferred foreign key must catch it
    auto result = store->Commit(WriteBatch{{b.Deposit(1, 5), fill}, {}, {}});
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition) << result.error().message;
    EXPECT_EQ(store->CountRows("fills").value(), 0);
    EXPECT_EQ(store->CountRows("deposits").value(), 1);                 // only the opening deposit
    ASSERT_TRUE(store->Commit(WriteBatch{{b.Deposit(1, 5)}, {}, {}}));  // the connection is usable again
}

TEST(SqliteStoreTest, RejectsMalformedEvents) {
    TempDir dir;
    auto store = OpenService(dir.File("service.db"));
    EventBuilder b;
    WriteBatch batch;
    batch.events.push_back(b.OpenAccount(1, 1'000'000));
    ASSERT_TRUE(store->Commit(batch));

    auto unbalanced = b.Deposit(1, 500);
    unbalanced.ledger.entries[1].amount = -499;
    auto result = store->Commit(WriteBatch{{unbalanced}, {}, {}});
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(result.error().message.find("does not balance (sums to 1)"), std::string::npos) << result.error().message;

    auto stray = b.Deposit(1, 500);
    stray.balance.id = 42;  // never opened
    result = store->Commit(WriteBatch{{stray}, {}, {}});
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().message.find("account 42 was never opened"), std::string::npos) << result.error().message;
    EXPECT_EQ(store->CountRows("deposits").value(), 1);
}

TEST(SqliteStoreTest, CreatesAndFindsUsers) {
    TempDir dir;
    auto store = OpenService(dir.File("service.db"));
    UserRecord alice{0, "alice", "$argon2id$v=19$...", "alice@example.com", "010-0000-0000", "user", 123};
    auto id = store->CreateUser(alice);
    ASSERT_TRUE(id) << id.error().message;
    EXPECT_EQ(*id, 1);
    UserRecord admin{77, "root", "", "", "", "admin", 5};
    EXPECT_EQ(store->CreateUser(admin).value(), 77);

    auto found = store->FindUserByName("alice");
    ASSERT_TRUE(found && found->has_value());
    EXPECT_EQ((*found)->email, "alice@example.com");
    EXPECT_EQ((*found)->created_at, 123);
    EXPECT_EQ(store->FindUserById(77).value()->username, "root");
    EXPECT_FALSE(store->FindUserByName("bob").value().has_value());
    EXPECT_FALSE(store->FindUserByName("alice' OR '1'='1").value().has_value());

    auto dup = store->CreateUser(alice);
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error().code, ErrorCode::kAlreadyExists);
    auto dup_id = store->CreateUser(UserRecord{77, "other", "", "", "", "user", 0});
    ASSERT_FALSE(dup_id);
    EXPECT_EQ(dup_id.error().code, ErrorCode::kAlreadyExists);
    auto bad_role = store->CreateUser(UserRecord{0, "eve", "", "", "", "superuser", 0});
    ASSERT_FALSE(bad_role);
    EXPECT_EQ(bad_role.error().code, ErrorCode::kInvalidArgument);
}

TEST(SqliteStoreTest, StocksRoundTripAndIdsArePermanent) {
    TempDir dir;
    auto store = OpenService(dir.File("service.db"));
    market::Universe universe = DefaultUniverse();
    ASSERT_TRUE(store->UpsertStocks(universe));
    ASSERT_TRUE(universe.SetPreviousClose(2, 320'000));
    ASSERT_TRUE(
        universe.Upsert(market::StockInfo{"0126Z0", "새종목", "New Listing", market::Exchange::kKosdaq, "", 1'000}));
    ASSERT_TRUE(store->UpsertStocks(universe));

    auto stocks = store->LoadStocks();
    ASSERT_TRUE(stocks) << stocks.error().message;
    market::Universe rebuilt;
    for (auto& s : *stocks) ASSERT_TRUE(rebuilt.Upsert(s));
    ASSERT_EQ(rebuilt.size(), 6u);
    for (market::SymbolId id = 0; id < rebuilt.size(); ++id) {
        EXPECT_EQ(rebuilt.Get(id).code, universe.Get(id).code);
        EXPECT_EQ(rebuilt.Get(id).name_ko, universe.Get(id).name_ko);
        EXPECT_EQ(rebuilt.Get(id).market, universe.Get(id).market);
        EXPECT_EQ(rebuilt.Get(id).previous_close, universe.Get(id).previous_close);
    }

    market::Universe reordered;
    auto defaults = market::DefaultUniverse();
    std::reverse(defaults.begin(), defaults.end());
    for (auto& s : defaults) ASSERT_TRUE(reordered.Upsert(s));
    auto refused = store->UpsertStocks(reordered);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_EQ(store->LoadStocks().value()[0].code, "000660");  // nothing changed
}

TEST(SqliteStoreTest, ListingStatusesAreUpsertedByCodeAndSurviveReopening) {
    TempDir dir;
    {
        auto store = OpenService(dir.File("service.db"));
        EXPECT_TRUE(store->LoadListingStatuses().value().empty());
        ASSERT_TRUE(store->SetListingStatus("000270", market::ListingStatus::kActive, 10));
        ASSERT_TRUE(store->SetListingStatus("005930", market::ListingStatus::kHalted, 11));
        ASSERT_TRUE(store->SetListingStatus("000270", market::ListingStatus::kHalted, 12));
        auto inactive = store->SetListingStatus("035720", market::ListingStatus::kInactive, 13);
        ASSERT_FALSE(inactive);
        EXPECT_EQ(inactive.error().code, ErrorCode::kInvalidArgument);
    }
    auto store = OpenService(dir.File("service.db"));
    auto rows = store->LoadListingStatuses();
    ASSERT_TRUE(rows) << rows.error().message;
    ASSERT_EQ(rows->size(), 2u);
    EXPECT_EQ((*rows)[0].code, "000270");
    EXPECT_EQ((*rows)[0].status, market::ListingStatus::kHalted);
    EXPECT_EQ((*rows)[0].updated_at, 12);
    EXPECT_EQ((*rows)[1].code, "005930");
    EXPECT_EQ((*rows)[1].status, market::ListingStatus::kHalted);
    // The table refuses statuses other than active and halted even behind the store's back.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir.File("service.db").c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, "INSERT INTO universe VALUES ('000660', 'inactive', 1)", nullptr, nullptr, nullptr),
              SQLITE_CONSTRAINT);
    sqlite3_close(db);
}

TEST(SqliteStoreTest, CountRowsRefusesUnknownTables) {
    TempDir dir;
    auto store = OpenService(dir.File("service.db"));
    auto result = store->CountRows("orders; DROP TABLE orders");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(store->CountRows("orders").value(), 0);
}

TEST(SqliteStoreTest, RecommendStoreKeepsTheSameStocksAndTicks) {
    TempDir dir;
    auto store = SqliteRecommendStore::Open(dir.File("recommend.db"), SqliteOptions{});
    ASSERT_TRUE(store);
    ASSERT_TRUE((*store)->Migrate());
    EXPECT_EQ((*store)->SchemaVersion().value(), 1);
    ASSERT_TRUE((*store)->UpsertStocks(DefaultUniverse()));
    const market::Tick ticks[] = {{0, 1, 100, 0, 0, 1}, {0, 2, 101, 0, 0, 1}, {1, 1, 50, 0, 0, 1}};
    ASSERT_TRUE((*store)->AppendTicks(ticks));
    ASSERT_TRUE((*store)->AppendTicks(ticks));  // redelivered
    EXPECT_EQ((*store)->CountRows("stock_infos").value(), 3);
    EXPECT_EQ((*store)->CountRows("stocks").value(), 5);
    EXPECT_EQ((*store)->CountRows("weathers").value(), 0);
    EXPECT_EQ((*store)->CountRows("recommendations").value(), 0);
}

}  // namespace
}  // namespace ik::storage
