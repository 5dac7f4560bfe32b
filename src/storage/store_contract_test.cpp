// The store contract suites (see store_contract_test.hpp): migrations, commit round trips, idempotent
// redelivery, atomicity, users, stocks, bars, listings, the recommend store, and Verify on consistent and
// corrupted data. Backend-specific behaviour (files, WAL, fsync, corrupt pages) is tested next to each backend.
#include "storage/store_contract_test.hpp"

#include <algorithm>
#include <stdexcept>

#include "storage/test_events.hpp"

namespace ik::storage::testing {

void StoreContract::SetUp() {
    backend_ = GetParam().make();
    ASSERT_NE(backend_, nullptr);
    backend_->Reset();
}

std::unique_ptr<ServiceStore> StoreContract::OpenService(bool migrate) {
    auto store = backend_->OpenService();
    if (!store) throw std::runtime_error("open service store: " + store.error().message);
    if (migrate) {
        if (auto ok = (*store)->Migrate(); !ok) throw std::runtime_error("migrate: " + ok.error().message);
    }
    return std::move(*store);
}

std::unique_ptr<RecommendStore> StoreContract::OpenRecommend(bool migrate) {
    auto store = backend_->OpenRecommend();
    if (!store) throw std::runtime_error("open recommend store: " + store.error().message);
    if (migrate) {
        if (auto ok = (*store)->Migrate(); !ok) throw std::runtime_error("migrate: " + ok.error().message);
    }
    return std::move(*store);
}

PlatformStore& StoreContract::Platform(ServiceStore& store) {
    auto* platform = dynamic_cast<PlatformStore*>(&store);
    if (platform == nullptr) throw std::logic_error("the service store does not implement PlatformStore");
    return *platform;
}

std::string VerifyContractName(const ::testing::TestParamInfo<std::tuple<StoreBackendFactory, Corruption>>& info) {
    return std::get<0>(info.param).name + "_" + std::get<1>(info.param).name;
}

namespace {

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
std::string Dump(StoreBackend& backend) {
    std::string out;
    for (const char* table : {"accounts", "orders", "fills", "positions", "deposits", "ledger_entries", "stock_infos",
                              "bars", "engine_meta"}) {
        out += std::string(table) + ":\n" + backend.DumpTable(table);
    }
    return out;
}

// Two accounts and a day of trading on stock 3 (see the comments for the amounts the Verify messages show).
void WriteConsistentDay(ServiceStore& store) {
    EventBuilder b;
    WriteBatch batch;
    batch.events.push_back(b.OpenAccount(1, 10'000'000));     // txn 1
    batch.events.push_back(b.OpenAccount(2, 5'000'000));      // txn 2
    batch.events.push_back(b.AcceptBuy(1, 3, 10, 70'000));    // order 1, reserves 700,105
    batch.events.push_back(b.Fill(1, 10, 70'000));            // fill 1, txn 3: cash −700,105
    batch.events.push_back(b.AcceptBuy(1, 3, 5, 69'000));     // order 2 stays open: reserves 345,051
    batch.events.push_back(b.AcceptSell(1, 3, 4, 71'000));    // order 3
    batch.events.push_back(b.Fill(3, 2, 71'000));             // fill 2, txn 4: cash +142,000 −21 −284
    batch.events.push_back(b.AcceptBuy(2, 0, 1, 1'759'000));  // order 4
    batch.events.push_back(b.Cancel(4));
    batch.events.push_back(b.Deposit(2, 1'000'000));  // txn 5
    auto ok = store.Commit(batch);
    ASSERT_TRUE(ok) << ok.error().message;
    ASSERT_EQ(b.balance(1).cash, 9'441'590);
    ASSERT_EQ(b.balance(1).reserved_cash, 345'051);
}

}  // namespace

// ---- Migrations -------------------------------------------------------------------------------------------

TEST_P(StoreContract, MigratesFreshDatabaseToLatestVersion) {
    auto store = OpenService(false);
    EXPECT_EQ(store->SchemaVersion().value(), 0);
    ASSERT_TRUE(store->Migrate());
    EXPECT_EQ(store->SchemaVersion().value(), store->LatestSchemaVersion());
    EXPECT_EQ(store->LatestSchemaVersion(), 7);
    for (const char* table : {"users",
                              "api_keys",
                              "accounts",
                              "orders",
                              "fills",
                              "positions",
                              "deposits",
                              "ledger_entries",
                              "stocks",
                              "stock_infos",
                              "bars",
                              "engine_meta",
                              "universe",
                              "refresh_tokens",
                              "watchlists",
                              "watchlist_items",
                              "consumer_offsets",
                              "alerts",
                              "notifications",
                              "alert_marks",
                              "alert_deliveries"}) {
        auto rows = store->CountRows(table);
        ASSERT_TRUE(rows) << table << ": " << rows.error().message;
        EXPECT_EQ(*rows, 0) << table;
    }
    EXPECT_EQ(store->CountRows("schema_migrations").value(), 7);
}

TEST_P(StoreContract, MigrateIsIdempotent) {
    auto store = OpenService();
    const auto applied_at = backend().Query("SELECT SUM(applied_at / 1000000) FROM schema_migrations");
    ASSERT_TRUE(store->Migrate());
    ASSERT_TRUE(store->Migrate());
    EXPECT_EQ(store->CountRows("schema_migrations").value(), 7);
    EXPECT_EQ(backend().Query("SELECT SUM(applied_at / 1000000) FROM schema_migrations"), applied_at);
    store.reset();
    auto reopened = OpenService();
    EXPECT_EQ(reopened->SchemaVersion().value(), 7);
}

TEST_P(StoreContract, RefusesDatabaseNewerThanTheBinary) {
    OpenService().reset();
    ASSERT_TRUE(
        backend().Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (8, 'from_the_future', 0)"));
    const std::string before = backend().DumpTable("schema_migrations");

    auto store = backend().OpenService();
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_NE(store.error().message.find("schema version 8 is newer than this binary's 7"), std::string::npos)
        << store.error().message;
    EXPECT_EQ(backend().DumpTable("schema_migrations"), before);

    // Migrate() on a store opened before the newer binary wrote to the database refuses as well.
    ASSERT_TRUE(backend().Exec("DELETE FROM schema_migrations WHERE version = 8"));
    auto open = backend().OpenService();
    ASSERT_TRUE(open) << open.error().message;
    ASSERT_TRUE(
        backend().Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (8, 'from_the_future', 0)"));
    auto migrated = (*open)->Migrate();
    ASSERT_FALSE(migrated);
    EXPECT_EQ(migrated.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_EQ(backend().DumpTable("schema_migrations"), before);
}

TEST_P(StoreContract, RefusesDatabaseFromADivergedBuild) {
    OpenService().reset();
    ASSERT_TRUE(backend().Exec("UPDATE schema_migrations SET name = 'someone_elses' WHERE version = 2"));
    auto store = backend().OpenService();
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_NE(store.error().message.find("someone_elses"), std::string::npos) << store.error().message;
}

// ---- Commits ----------------------------------------------------------------------------------------------

TEST_P(StoreContract, CommitRoundTripRestoresEngineState) {
    auto store = OpenService();
    ASSERT_TRUE(store->UpsertStocks(DefaultUniverse()));
    Day day = MakeDay();
    for (const auto& batch : day.batches) {
        auto ok = store->Commit(batch);
        ASSERT_TRUE(ok) << ok.error().message;
    }
    store.reset();

    auto reopened = OpenService();
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
    EXPECT_EQ(backend().Query("SELECT COUNT(*) FROM ledger_entries WHERE stock_id IS NULL"), 6);
    EXPECT_EQ(backend().Query("SELECT SUM(amount) FROM ledger_entries WHERE book = 'commission' AND account_id = 1"),
              105 + 21);

    auto bars = reopened->LoadBars(3, 60, 0, 120 * kNanosPerSecond);
    ASSERT_TRUE(bars);
    ASSERT_EQ(bars->size(), 1u);
    EXPECT_EQ((*bars)[0], day.batches[2].bars[0]);

    auto violations = reopened->Verify();
    ASSERT_TRUE(violations) << violations.error().message;
    for (const auto& v : *violations) ADD_FAILURE() << v.check << ": " << v.message;
}

TEST_P(StoreContract, CommitIsIdempotentOnRedelivery) {
    auto store = OpenService();
    Day day = MakeDay();
    for (const auto& batch : day.batches) ASSERT_TRUE(store->Commit(batch));
    const std::string before = Dump(backend());

    // The same batches again, one by one and all in one transaction.
    for (const auto& batch : day.batches) ASSERT_TRUE(store->Commit(batch));
    EXPECT_EQ(Dump(backend()), before);
    ASSERT_TRUE(store->CommitGroup(day.batches));
    EXPECT_EQ(Dump(backend()), before);

    // An old batch redelivered after newer ones must not roll rows back to its older snapshots.
    ASSERT_TRUE(store->Commit(day.batches[0]));
    EXPECT_EQ(Dump(backend()), before);
    auto order = store->GetOrder(day.open_sell);
    ASSERT_TRUE(order && order->has_value());
    EXPECT_EQ((*order)->filled_qty, 2);
    EXPECT_TRUE(store->Verify().value().empty());
}

TEST_P(StoreContract, CommitIsAllOrNothing) {
    auto store = OpenService();
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

TEST_P(StoreContract, ConsumerOffsetsMoveWithTheirBatchAndFenceAStaleWriter) {
    auto store = OpenService();
    EventBuilder b;
    EXPECT_TRUE(store->LoadConsumerOffsets("engine", "orders").value().empty());

    WriteBatch first;
    first.events.push_back(b.OpenAccount(1, 1'000'000));
    first.offsets.push_back({"engine", "orders", 3, -1, 5});
    first.offsets.push_back({"engine", "orders", 0, -1, 0});  // claimed at the start: a row from now on
    ASSERT_TRUE(store->Commit(first));
    EXPECT_EQ(store->LoadConsumerOffsets("engine", "orders").value(),
              (std::map<std::int32_t, std::int64_t>{{0, 0}, {3, 5}}));

    // The owner moves on; a stale writer that still expects nothing stored (or an older position) is refused,
    // and nothing of its batch is written.
    WriteBatch second;
    second.events.push_back(b.Deposit(1, 500));
    second.offsets.push_back({"engine", "orders", 3, 5, 9});
    ASSERT_TRUE(store->Commit(second));
    for (const std::int64_t stale : {-1, 5}) {
        WriteBatch zombie;
        zombie.events.push_back(b.OpenAccount(2, 1'000));
        zombie.offsets.push_back({"engine", "orders", 3, stale, 7});
        auto refused = store->Commit(zombie);
        ASSERT_FALSE(refused);
        EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
        EXPECT_NE(refused.error().message.find("fenced"), std::string::npos) << refused.error().message;
    }
    EXPECT_EQ(store->CountRows("accounts").value(), 1);
    // A batch without progress is still checked: it carries its expected positions.
    WriteBatch idle;
    idle.offsets.push_back({"engine", "orders", 3, 9, 9});
    ASSERT_TRUE(store->Commit(idle));
    EXPECT_EQ(store->LoadConsumerOffsets("engine", "orders").value(),
              (std::map<std::int32_t, std::int64_t>{{0, 0}, {3, 9}}));
    EXPECT_TRUE(store->LoadConsumerOffsets("engine", "other").value().empty());
    EXPECT_TRUE(store->LoadConsumerOffsets("sink", "orders").value().empty());
    EXPECT_TRUE(store->Verify().value().empty());
}

TEST_P(StoreContract, StateRowsTouchedTwiceInOneCommitKeepTheLastSnapshot) {
    auto store = OpenService();
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

TEST_P(StoreContract, AFillOfAnUnknownOrderFailsTheWholeCommit) {
    auto store = OpenService();
    EventBuilder b;
    ASSERT_TRUE(store->Commit(WriteBatch{{b.OpenAccount(1, 10'000'000)}, {}, {}}));
    auto buy = b.AcceptBuy(1, 0, 1, 10'000);  // never committed
    auto fill = b.Fill(buy.order.id, 1, 10'000);
    fill.has_order = false;  // so nothing writes the order row: the foreign key must catch it
    auto result = store->Commit(WriteBatch{{b.Deposit(1, 5), fill}, {}, {}});
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition) << result.error().message;
    EXPECT_EQ(store->CountRows("fills").value(), 0);
    EXPECT_EQ(store->CountRows("deposits").value(), 1);                 // only the opening deposit
    ASSERT_TRUE(store->Commit(WriteBatch{{b.Deposit(1, 5)}, {}, {}}));  // the connection is usable again
}

TEST_P(StoreContract, RejectsMalformedEvents) {
    auto store = OpenService();
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

// ---- Users, stocks, listings ------------------------------------------------------------------------------

TEST_P(StoreContract, CreatesAndFindsUsers) {
    auto store = OpenService();
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
    EXPECT_FALSE(store->FindUserByName("Alice").value().has_value()) << "names compare exactly";

    auto dup = store->CreateUser(alice);
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error().code, ErrorCode::kAlreadyExists);
    auto dup_id = store->CreateUser(UserRecord{77, "other", "", "", "", "user", 0});
    ASSERT_FALSE(dup_id);
    EXPECT_EQ(dup_id.error().code, ErrorCode::kAlreadyExists);
    auto bad_role = store->CreateUser(UserRecord{0, "eve", "", "", "", "superuser", 0});
    ASSERT_FALSE(bad_role);
    EXPECT_EQ(bad_role.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(store->CreateUser(UserRecord{0, "bob", "", "", "", "user", 9}).value(), 78);
}

TEST_P(StoreContract, StocksRoundTripAndIdsArePermanent) {
    auto store = OpenService();
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

TEST_P(StoreContract, InsertStockTakesAFreeIdOnceAndRefusesATakenIdOrCode) {
    auto store = OpenService();
    ASSERT_TRUE(store->UpsertStocks(DefaultUniverse()));  // ids 0 … 4
    const market::StockInfo fresh{"0126Z0", "새종목", "New Listing", market::Exchange::kKosdaq, "IT", 1'000};
    ASSERT_TRUE(store->InsertStock(5, fresh));
    auto again = store->InsertStock(5, fresh);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
    auto taken_id =
        store->InsertStock(5, market::StockInfo{"0127A0", "다른종목", "", market::Exchange::kKospi, "", 500});
    ASSERT_FALSE(taken_id);
    EXPECT_EQ(taken_id.error().code, ErrorCode::kAlreadyExists);
    auto taken_code = store->InsertStock(6, fresh);
    ASSERT_FALSE(taken_code);
    EXPECT_EQ(taken_code.error().code, ErrorCode::kAlreadyExists);
    auto stocks = store->LoadStocks();
    ASSERT_TRUE(stocks) << stocks.error().message;
    ASSERT_EQ(stocks->size(), 6u);  // nothing of the refused inserts
    EXPECT_EQ((*stocks)[5].code, "0126Z0");
    EXPECT_EQ((*stocks)[5].name_en, "New Listing");
    EXPECT_EQ((*stocks)[5].previous_close, 1'000);
}

AlertRecord MakeAlert(std::int64_t user, alerts::Kind kind, std::int64_t level, alerts::Mode mode) {
    AlertRecord a;
    a.rule.user = user;
    a.rule.symbol = 0;
    a.rule.kind = kind;
    a.rule.level = level;
    a.rule.mode = mode;
    a.rule.cooldown_s = mode == alerts::Mode::kRepeat ? 60 : 0;
    a.rule.channels = alerts::kInApp | alerts::kWebhook;
    a.webhook_url = "https://hooks.example.com/ik";
    a.created_at = a.updated_at = 1'000;
    return a;
}

FiringRecord Fired(const AlertRecord& a, alerts::AlertId id, Timestamp ts, Won price) {
    FiringRecord f;
    f.firing = alerts::Firing{id, a.rule.user, a.rule.symbol, a.rule.kind, a.rule.mode, a.rule.channels, price, 10, ts};
    f.message = "[내일은 투자왕:09:30]삼성전자 " + std::to_string(price) + "원입니다.";
    return f;
}

// Alerts per user, the limit of armed ones, and firings stored exactly once: a replayed firing (the same alert and
// crossing time) stores nothing, a once alert is disarmed with its notification, a deleted one fires no more.
TEST_P(StoreContract, AlertsAreKeptPerUserAndEachCrossingIsStoredOnce) {
    auto service = OpenService();
    auto* store = dynamic_cast<AlertStore*>(service.get());
    ASSERT_NE(store, nullptr);
    const AlertRecord once = MakeAlert(7, alerts::Kind::kPriceAtOrAbove, 252'000, alerts::Mode::kOnce);
    const AlertRecord repeat = MakeAlert(7, alerts::Kind::kChangePctAtOrBelow, -30'000, alerts::Mode::kRepeat);
    auto a = store->CreateAlert(once, 2);
    auto b = store->CreateAlert(repeat, 2);
    ASSERT_TRUE(a.has_value() && b.has_value());
    EXPECT_NE(*a, *b);
    auto full = store->CreateAlert(once, 2);
    ASSERT_FALSE(full.has_value());
    EXPECT_EQ(full.error().code, ErrorCode::kFailedPrecondition);
    auto other = store->CreateAlert(MakeAlert(8, alerts::Kind::kVolumeAbove, 1'000'000, alerts::Mode::kOnce), 2);
    ASSERT_TRUE(other.has_value());

    auto mine = store->ListAlerts(7);
    ASSERT_TRUE(mine.has_value());
    ASSERT_EQ(mine->size(), 2U);
    EXPECT_EQ((*mine)[0].rule.id, *b) << "newest first";
    EXPECT_EQ((*mine)[0].rule.kind, alerts::Kind::kChangePctAtOrBelow);
    EXPECT_EQ((*mine)[0].rule.level, -30'000);
    EXPECT_EQ((*mine)[0].rule.mode, alerts::Mode::kRepeat);
    EXPECT_EQ((*mine)[0].rule.cooldown_s, 60);
    EXPECT_EQ((*mine)[0].webhook_url, "https://hooks.example.com/ik");
    EXPECT_EQ((*mine)[0].rule.channels, alerts::kInApp | alerts::kWebhook);
    EXPECT_EQ((*mine)[0].status, "armed");
    EXPECT_FALSE(store->GetAlert(8, *a).value().has_value()) << "another user's alert is not there for them";
    EXPECT_FALSE(store->DeleteAlert(8, *a).value());
    AlertRecord changed = store->GetAlert(7, *a).value().value();
    EXPECT_EQ(changed.rule.version, 1'000) << "a rule's version is its alert's updated_at";
    changed.rule.level = 253'000;
    changed.updated_at = 2'000;
    EXPECT_TRUE(store->UpdateAlert(changed, 1'000, false).value());
    EXPECT_FALSE(store->UpdateAlert(changed, 1'000, false).value()) << "changed since it was read";
    EXPECT_TRUE(store->UpdateAlert(changed, 2'000, false).value()) << "unchanged values: still there";
    EXPECT_EQ(store->GetAlert(7, *a).value()->rule.level, 253'000);
    EXPECT_EQ(store->GetAlert(7, *a).value()->rule.version, 2'000);
    changed.rule.user = 8;
    EXPECT_FALSE(store->UpdateAlert(changed, 2'000, false).value()) << "not the owner";
    EXPECT_EQ(store->LoadArmedAlerts().value().size(), 3U);

    // Fire both of user 7's alerts; replay the same firings (as after a crash): nothing more is stored.
    const std::vector<FiringRecord> firings{Fired(once, *a, 5'000, 253'000), Fired(repeat, *b, 5'000, 240'000)};
    auto stored = store->RecordFirings(firings, {}, 6'000);
    ASSERT_TRUE(stored.has_value()) << stored.error().message;
    ASSERT_EQ(stored->size(), 2U);
    EXPECT_GT((*stored)[0].id, 0);
    EXPECT_EQ((*stored)[0].alert_id, *a);
    EXPECT_EQ((*stored)[0].price, 253'000);
    auto replayed = store->RecordFirings(firings, {}, 7'000);
    ASSERT_TRUE(replayed.has_value());
    EXPECT_TRUE(replayed->empty()) << "each crossing once";
    EXPECT_EQ(store->GetAlert(7, *a).value()->status, "fired") << "once: disarmed with its notification";
    EXPECT_EQ(store->GetAlert(7, *b).value()->status, "armed");
    EXPECT_EQ(store->GetAlert(7, *b).value()->rule.last_fired, 5'000);
    EXPECT_EQ(store->LoadArmedAlerts().value().size(), 2U);
    EXPECT_EQ(store->GetAlert(7, *a).value()->updated_at, 2'000) << "a firing is not a change of the alert";
    // A firing decided on an older version of the alert (its level changed meanwhile) is not stored.
    FiringRecord stale = Fired(repeat, *b, 8'000, 239'000);
    stale.firing.version = 999;
    EXPECT_TRUE(store->RecordFirings(std::vector<FiringRecord>{stale}, {}, 8'500).value().empty());
    // A once alert fired since it was read keeps its status through a change that does not ask for one.
    AlertRecord late = store->GetAlert(7, *a).value().value();
    late.status = "armed";
    late.updated_at = 3'000;
    EXPECT_TRUE(store->UpdateAlert(late, 2'000, false).value());
    EXPECT_EQ(store->GetAlert(7, *a).value()->status, "fired");
    late.updated_at = 4'000;
    EXPECT_TRUE(store->UpdateAlert(late, 3'000, true).value()) << "re-armed when asked";
    EXPECT_EQ(store->GetAlert(7, *a).value()->status, "armed");
    // The repeat alert fires again at a later crossing; a deleted alert no more.
    EXPECT_EQ(
        store->RecordFirings(std::vector<FiringRecord>{Fired(repeat, *b, 9'000, 241'000)}, {}, 9'500).value().size(),
        1U);
    EXPECT_TRUE(store->DeleteAlert(7, *b).value());
    EXPECT_TRUE(store->RecordFirings(std::vector<FiringRecord>{Fired(repeat, *b, 12'000, 240'500)}, {}, 12'500)
                    .value()
                    .empty());

    // The inbox: newest first, pages below an id, read once.
    auto inbox = store->ListNotifications(7, 10, 0);
    ASSERT_TRUE(inbox.has_value());
    ASSERT_EQ(inbox->size(), 3U);
    EXPECT_EQ((*inbox)[0].price, 241'000);
    EXPECT_EQ((*inbox)[2].message, "[내일은 투자왕:09:30]삼성전자 253000원입니다.");
    EXPECT_EQ(store->ListNotifications(7, 10, (*inbox)[0].id).value().size(), 2U);
    EXPECT_EQ(store->ListNotifications(7, 1, 0).value().size(), 1U);
    EXPECT_TRUE(store->ListNotifications(8, 10, 0).value().empty());
    EXPECT_EQ(store->UnreadNotifications(7).value(), 3);
    EXPECT_TRUE(store->MarkNotificationRead(7, (*inbox)[1].id, 20'000).value());
    EXPECT_TRUE(store->MarkNotificationRead(7, (*inbox)[1].id, 30'000).value()) << "twice is fine";
    EXPECT_FALSE(store->MarkNotificationRead(8, (*inbox)[1].id, 30'000).value()) << "not theirs";
    EXPECT_EQ(store->UnreadNotifications(7).value(), 2);
    EXPECT_EQ(store->ListNotifications(7, 10, 0).value()[1].read_at, 20'000) << "the first reading counts";
    EXPECT_EQ(service->CountRows("notifications").value(), 3);
}

// The evaluator's marks are stored with the firings they come with; each firing leaves a pending delivery per
// channel besides in-app (to the alert's URL with its secret; SNS to the topic or else the user's phone, dead at
// once with neither), which DueDeliveries hands out when due and FinishDelivery settles. A notification without
// the in-app channel is read already.
TEST_P(StoreContract, FiringsCarryTheirMarksAndLeaveDeliveriesInTheOutbox) {
    auto service = OpenService();
    auto* store = dynamic_cast<AlertStore*>(service.get());
    ASSERT_NE(store, nullptr);
    AlertRecord hook = MakeAlert(7, alerts::Kind::kPriceAtOrAbove, 252'000, alerts::Mode::kOnce);
    hook.webhook_secret = "whsec_test";
    hook.language = "en";
    AlertRecord sms = MakeAlert(7, alerts::Kind::kPriceAtOrBelow, 240'000, alerts::Mode::kOnce);
    sms.rule.channels = alerts::kSns;
    sms.webhook_url.clear();
    AlertRecord topic = sms;
    topic.sns_topic_arn = "arn:aws:sns:ap-northeast-2:123456789012:alerts";
    const auto a = store->CreateAlert(hook, 10).value();
    const auto b = store->CreateAlert(sms, 10).value();
    const auto c = store->CreateAlert(topic, 10).value();
    EXPECT_EQ(store->GetAlert(7, a).value()->webhook_secret, "whsec_test");
    EXPECT_EQ(store->GetAlert(7, a).value()->language, "en");
    EXPECT_EQ(store->GetAlert(7, c).value()->sns_topic_arn, topic.sns_topic_arn);

    const std::vector<AlertMark> marks{{0, 5'000, 253'000, 1'200, 250'000}, {1, 4'000, 70'000, 10, 71'000}};
    auto stored =
        store->RecordFirings(std::vector<FiringRecord>{Fired(hook, a, 5'000, 253'000), Fired(sms, b, 5'000, 239'000),
                                                       Fired(topic, c, 5'000, 239'000)},
                             marks, 6'000);
    ASSERT_TRUE(stored.has_value()) << stored.error().message;
    ASSERT_EQ(stored->size(), 3U);
    EXPECT_EQ((*stored)[0].read_at, 0) << "in-app: unread";
    EXPECT_EQ((*stored)[1].read_at, 6'000) << "no in-app channel: nothing to read";
    EXPECT_EQ(store->UnreadNotifications(7).value(), 1);
    EXPECT_EQ(store->LoadAlertMarks().value(), marks);
    const std::vector<AlertMark> later{{0, 9'000, 254'000, 1'300, 250'000}};
    ASSERT_TRUE(store->RecordFirings({}, later, 9'500).has_value()) << "marks alone";
    EXPECT_EQ(store->LoadAlertMarks().value()[0], later[0]);
    EXPECT_EQ(store->LoadAlertMarks().value()[1], marks[1]);

    EXPECT_EQ(store->NextDeliveryDue().value(), 6'000);
    EXPECT_TRUE(store->DueDeliveries(5'999, 10).value().empty()) << "not due yet";
    auto due = store->DueDeliveries(6'000, 10);
    ASSERT_TRUE(due.has_value()) << due.error().message;
    ASSERT_EQ(due->size(), 2U) << "the webhook and the topic; the SMS without a phone number is dead";
    EXPECT_EQ((*due)[0].channel, "webhook");
    EXPECT_EQ((*due)[0].target, "https://hooks.example.com/ik");
    EXPECT_EQ((*due)[0].secret, "whsec_test");
    EXPECT_EQ((*due)[0].notification_id, (*stored)[0].id);
    EXPECT_EQ((*due)[0].notification.price, 253'000);
    EXPECT_EQ((*due)[0].notification.alert_id, a);
    EXPECT_EQ((*due)[0].notification.message, (*stored)[0].message);
    EXPECT_EQ((*due)[1].channel, "sns");
    EXPECT_EQ((*due)[1].target, topic.sns_topic_arn);

    DeliveryRecord retry = (*due)[0];
    retry.attempts = 1;
    retry.next_attempt_at = 8'000;
    retry.last_error = "HTTP 503";
    ASSERT_TRUE(store->FinishDelivery(retry));
    DeliveryRecord done = (*due)[1];
    done.attempts = 1;
    done.status = "delivered";
    done.delivered_at = 6'100;
    ASSERT_TRUE(store->FinishDelivery(done));
    EXPECT_EQ(store->NextDeliveryDue().value(), 8'000);
    ASSERT_EQ(store->DueDeliveries(8'000, 10).value().size(), 1U);
    retry.status = "dead";
    retry.attempts = 2;
    retry.last_error = "HTTP 503 after 2 attempts";
    ASSERT_TRUE(store->FinishDelivery(retry));
    EXPECT_EQ(store->NextDeliveryDue().value(), 0) << "nothing pending";

    const std::vector<std::int64_t> ids{(*stored)[0].id, (*stored)[1].id};
    auto mine = store->DeliveriesOf(7, ids);
    ASSERT_TRUE(mine.has_value()) << mine.error().message;
    ASSERT_EQ(mine->size(), 2U);
    EXPECT_EQ((*mine)[0].status, "dead");
    EXPECT_EQ((*mine)[0].attempts, 2);
    EXPECT_EQ((*mine)[0].last_error, "HTTP 503 after 2 attempts");
    EXPECT_EQ((*mine)[1].status, "dead");
    EXPECT_NE((*mine)[1].last_error.find("phone"), std::string::npos);
    EXPECT_TRUE(store->DeliveriesOf(8, ids).value().empty()) << "not theirs";
}

// After a restart the evaluator reads the stored ticks after its mark.
TEST_P(StoreContract, TicksAfterAMarkComeOldestFirst) {
    auto service = OpenService();
    auto* store = dynamic_cast<AlertStore*>(service.get());
    ASSERT_NE(store, nullptr);
    WriteBatch batch;
    for (int i = 1; i <= 5; ++i) batch.ticks.push_back(market::Tick{0, i * 1'000, 250'000 + i * 500, 0, 0, i});
    batch.ticks.push_back(market::Tick{1, 2'500, 70'000, 0, 0, 3});
    ASSERT_TRUE(service->Commit(batch));
    auto after = store->TicksAfter(0, 2'000, 10);
    ASSERT_TRUE(after.has_value()) << after.error().message;
    ASSERT_EQ(after->size(), 3U);
    EXPECT_EQ((*after)[0].ts, 3'000);
    EXPECT_EQ((*after)[0].price, 251'500);
    EXPECT_EQ((*after)[0].volume, 3);
    EXPECT_EQ((*after)[0].symbol, 0U);
    EXPECT_EQ(store->TicksAfter(0, 2'000, 2).value().size(), 2U);
    EXPECT_TRUE(store->TicksAfter(0, 5'000, 10).value().empty());
    EXPECT_EQ(store->TicksAfter(1, 0, 10).value().size(), 1U);
}

TEST_P(StoreContract, ListingStatusesAreUpsertedByCodeAndSurviveReopening) {
    {
        auto store = OpenService();
        auto& platform = Platform(*store);
        EXPECT_TRUE(platform.LoadListingStatuses().value().empty());
        ASSERT_TRUE(platform.SetListingStatus("000270", market::ListingStatus::kActive, 10));
        ASSERT_TRUE(platform.SetListingStatus("005930", market::ListingStatus::kHalted, 11));
        ASSERT_TRUE(platform.SetListingStatus("000270", market::ListingStatus::kHalted, 12));
        auto inactive = platform.SetListingStatus("035720", market::ListingStatus::kInactive, 13);
        ASSERT_FALSE(inactive);
        EXPECT_EQ(inactive.error().code, ErrorCode::kInvalidArgument);
    }
    auto store = OpenService();
    auto rows = Platform(*store).LoadListingStatuses();
    ASSERT_TRUE(rows) << rows.error().message;
    ASSERT_EQ(rows->size(), 2u);
    EXPECT_EQ((*rows)[0].code, "000270");
    EXPECT_EQ((*rows)[0].status, market::ListingStatus::kHalted);
    EXPECT_EQ((*rows)[0].updated_at, 12);
    EXPECT_EQ((*rows)[1].code, "005930");
    EXPECT_EQ((*rows)[1].status, market::ListingStatus::kHalted);
    // The table refuses statuses other than active and halted even behind the store's back.
    EXPECT_FALSE(backend().Exec("INSERT INTO universe (code, status, updated_at) VALUES ('000660', 'inactive', 1)"));
    EXPECT_EQ(Platform(*store).LoadListingStatuses().value().size(), 2u);
}

TEST_P(StoreContract, CountRowsRefusesUnknownTables) {
    auto store = OpenService();
    auto result = store->CountRows("orders; DROP TABLE orders");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(store->CountRows("no_such_table").error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(store->CountRows("orders").value(), 0);
}

// ---- PlatformStore: history queries -----------------------------------------------------------------------

TEST_P(StoreContract, PlatformQueriesPageThroughAccountsOrdersFillsDepositsAndTicks) {
    auto store = OpenService();
    auto& platform = Platform(*store);
    ASSERT_TRUE(store->UpsertStocks(DefaultUniverse()));
    ASSERT_TRUE(store->CreateUser(UserRecord{1, "alice", "", "", "", "user", 1}));
    ASSERT_TRUE(store->CreateUser(UserRecord{2, "bob", "", "", "", "user", 2}));
    Day day = MakeDay();
    for (const auto& batch : day.batches) ASSERT_TRUE(store->Commit(batch));

    auto account = platform.GetAccount(1);
    ASSERT_TRUE(account && account->has_value()) << (account ? "" : account.error().message);
    EXPECT_EQ((*account)->balance.cash, day.b.balance(1).cash);
    EXPECT_EQ((*account)->balance.reserved_cash, day.b.balance(1).reserved_cash);
    EXPECT_GT((*account)->opened_at, 0);
    EXPECT_FALSE(platform.GetAccount(99).value().has_value());

    auto positions = platform.PositionsOf(1).value();
    ASSERT_EQ(positions.size(), 1u);
    EXPECT_EQ(positions[0].qty, 8);
    EXPECT_TRUE(platform.PositionsOf(2).value().empty());
    EXPECT_EQ(platform.PositionsOf(0).value().size(), 1u);

    OrderQuery open;
    open.account = 1;
    auto open_orders = platform.ListOrders(open);
    ASSERT_TRUE(open_orders) << open_orders.error().message;
    ASSERT_EQ(open_orders->size(), 2u);
    EXPECT_EQ((*open_orders)[0].id, day.open_sell);  // newest first
    EXPECT_EQ((*open_orders)[1].id, day.open_buy);
    OrderQuery all = open;
    all.status = OrderStatusFilter::kAll;
    all.ascending = true;
    auto all_orders = platform.ListOrders(all).value();
    ASSERT_EQ(all_orders.size(), 3u);
    EXPECT_EQ(all_orders[0].id, day.filled_buy);
    all.limit = 2;
    EXPECT_EQ(platform.ListOrders(all).value().size(), 2u);
    all.limit = 50;
    all.after = all_orders[0].created_at;
    EXPECT_EQ(platform.ListOrders(all).value().size(), 2u);
    OrderQuery closed;
    closed.account = 2;
    closed.status = OrderStatusFilter::kClosed;
    auto canceled = platform.ListOrders(closed).value();
    ASSERT_EQ(canceled.size(), 1u);
    EXPECT_EQ(canceled[0].status, trading::OrderStatus::kCanceled);
    OrderQuery sells = all;
    sells.after = 0;
    sells.side = trading::Side::kSell;
    ASSERT_EQ(platform.ListOrders(sells).value().size(), 1u);
    OrderQuery by_symbol = all;
    by_symbol.after = 0;
    by_symbol.symbols = {0, 5};
    EXPECT_TRUE(platform.ListOrders(by_symbol).value().empty());
    by_symbol.symbols = {0, 3};
    EXPECT_EQ(platform.ListOrders(by_symbol).value().size(), 3u);
    by_symbol.account = 2;
    EXPECT_EQ(platform.ListOrders(by_symbol).value().size(), 1u);

    HistoryQuery fills_of_1;
    fills_of_1.account = 1;
    auto fills = platform.ListFills(fills_of_1);
    ASSERT_TRUE(fills) << fills.error().message;
    ASSERT_EQ(fills->size(), 2u);
    EXPECT_EQ((*fills)[0].order, day.open_sell);  // newest first
    EXPECT_EQ((*fills)[1].order, day.filled_buy);
    HistoryQuery every;
    every.ascending = true;
    every.limit = 1;
    auto first_fill = platform.ListFills(every).value();
    ASSERT_EQ(first_fill.size(), 1u);
    EXPECT_EQ(first_fill[0].order, day.filled_buy);
    HistoryQuery fills_of_2;
    fills_of_2.account = 2;
    EXPECT_TRUE(platform.ListFills(fills_of_2).value().empty());

    auto deposits = platform.ListDeposits(fills_of_2).value();
    ASSERT_EQ(deposits.size(), 2u);
    EXPECT_EQ(deposits[0].amount, 1'000'000);  // the top-up, newest first
    EXPECT_EQ(deposits[1].amount, 5'000'000);
    EXPECT_EQ(deposits[0].account, 2u);
    HistoryQuery all_deposits;
    all_deposits.ascending = true;
    auto every_deposit = platform.ListDeposits(all_deposits).value();
    ASSERT_EQ(every_deposit.size(), 3u);
    EXPECT_EQ(every_deposit[0].amount, 10'000'000);
    all_deposits.until = every_deposit[2].ts;
    EXPECT_EQ(platform.ListDeposits(all_deposits).value().size(), 2u);

    auto summaries = platform.AccountSummaries();
    ASSERT_TRUE(summaries) << summaries.error().message;
    ASSERT_EQ(summaries->size(), 2u);
    EXPECT_EQ((*summaries)[0].username, "alice");
    EXPECT_EQ((*summaries)[0].fills, 2);
    EXPECT_EQ((*summaries)[0].cash, day.b.balance(1).cash);
    EXPECT_EQ((*summaries)[1].fills, 0);

    auto ticks = platform.LoadTicks(3, 0, 0, 10, true);
    ASSERT_TRUE(ticks) << ticks.error().message;
    ASSERT_EQ(ticks->size(), 2u);
    EXPECT_EQ((*ticks)[0].ts, 1'000);
    EXPECT_EQ((*ticks)[1].ask, 71'100);
    auto last = platform.LoadTicks(3, 0, 0, 1, false).value();
    ASSERT_EQ(last.size(), 1u);
    EXPECT_EQ(last[0].ts, 2'000);
    EXPECT_TRUE(platform.LoadTicks(3, 1'000, 2'000, 10, true).value().empty());  // bounds are exclusive
}

// ---- PlatformStore: API keys, refresh tokens, watchlists -------------------------------------------------

TEST_P(StoreContract, ApiKeysAndRefreshTokensAreCreatedFoundAndRevoked) {
    auto store = OpenService();
    auto& platform = Platform(*store);
    ASSERT_TRUE(store->CreateUser(UserRecord{7, "alice", "", "", "", "user", 1}));
    ASSERT_TRUE(store->CreateUser(UserRecord{8, "bob", "", "", "", "user", 1}));
    ASSERT_TRUE(platform.CreateApiKey(ApiKeyRecord{0, 7, "PKALICE1", "hash1", "bot", 100, {}, {}}));
    ASSERT_TRUE(platform.CreateApiKey(ApiKeyRecord{0, 7, "PKALICE2", "hash2", "", 101, {}, {}}));
    EXPECT_FALSE(platform.CreateApiKey(ApiKeyRecord{0, 8, "PKALICE1", "hash3", "", 102, {}, {}}));  // key ids unique
    auto key = platform.FindApiKey("PKALICE1");
    ASSERT_TRUE(key && key->has_value());
    EXPECT_EQ((*key)->user_id, 7);
    EXPECT_EQ((*key)->secret_hash, "hash1");
    EXPECT_EQ((*key)->name, "bot");
    EXPECT_EQ((*key)->created_at, 100);
    EXPECT_FALSE((*key)->revoked_at.has_value());
    EXPECT_FALSE(platform.FindApiKey("pkalice1").value().has_value());
    EXPECT_EQ(platform.ListApiKeys(7).value().size(), 2u);
    EXPECT_TRUE(platform.ListApiKeys(8).value().empty());
    EXPECT_FALSE(platform.RevokeApiKey(8, "PKALICE1", 200).value());  // not bob's
    EXPECT_TRUE(platform.RevokeApiKey(7, "PKALICE1", 200).value());
    EXPECT_FALSE(platform.RevokeApiKey(7, "PKALICE1", 201).value());  // already revoked
    EXPECT_EQ(platform.FindApiKey("PKALICE1").value()->revoked_at, 200);

    ASSERT_TRUE(platform.CreateRefreshToken(RefreshTokenRecord{0, 7, "t1", "fam", 10, 1'000, {}}));
    ASSERT_TRUE(platform.CreateRefreshToken(RefreshTokenRecord{0, 7, "t2", "fam", 11, 1'001, {}}));
    ASSERT_TRUE(platform.CreateRefreshToken(RefreshTokenRecord{0, 7, "t3", "other", 12, 1'002, {}}));
    auto token = platform.FindRefreshToken("t1");
    ASSERT_TRUE(token && token->has_value());
    EXPECT_EQ((*token)->family, "fam");
    EXPECT_EQ((*token)->expires_at, 1'000);
    EXPECT_FALSE((*token)->revoked_at.has_value());
    EXPECT_TRUE(platform.RevokeRefreshToken("t1", 20).value());
    EXPECT_FALSE(platform.RevokeRefreshToken("t1", 21).value());
    EXPECT_FALSE(platform.RevokeRefreshToken("unknown", 21).value());
    ASSERT_TRUE(platform.RevokeRefreshFamily("fam", 30));
    EXPECT_EQ(platform.FindRefreshToken("t1").value()->revoked_at, 20);  // the first revocation stays
    EXPECT_EQ(platform.FindRefreshToken("t2").value()->revoked_at, 30);
    EXPECT_FALSE(platform.FindRefreshToken("t3").value()->revoked_at.has_value());
    EXPECT_FALSE(platform.FindRefreshToken("t4").value().has_value());
}

TEST_P(StoreContract, WatchlistsKeepTheirSymbolsInOrderAndBelongToTheirUser) {
    auto store = OpenService();
    auto& platform = Platform(*store);
    ASSERT_TRUE(store->CreateUser(UserRecord{7, "alice", "", "", "", "user", 1}));
    ASSERT_TRUE(store->CreateUser(UserRecord{8, "bob", "", "", "", "user", 1}));
    const std::string id1 = "8b0c1f3e-0000-4000-8000-000000000001";
    const std::string id2 = "8b0c1f3e-0000-4000-8000-000000000002";
    ASSERT_TRUE(platform.CreateWatchlist(WatchlistRecord{id1, 7, "반도체", 10, 10, {3, 0, 2}}));
    ASSERT_TRUE(platform.CreateWatchlist(WatchlistRecord{id2, 7, "later", 11, 11, {}}));
    auto dup = platform.CreateWatchlist(WatchlistRecord{"x", 7, "반도체", 12, 12, {}});
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error().code, ErrorCode::kAlreadyExists);
    ASSERT_TRUE(platform.CreateWatchlist(WatchlistRecord{"y", 8, "반도체", 12, 12, {1}}));  // bob's own

    auto lists = platform.ListWatchlists(7);
    ASSERT_TRUE(lists) << lists.error().message;
    ASSERT_EQ(lists->size(), 2u);
    EXPECT_EQ((*lists)[0].id, id1);
    EXPECT_EQ((*lists)[0].name, "반도체");
    EXPECT_EQ((*lists)[0].symbols, (std::vector<market::SymbolId>{3, 0, 2}));
    EXPECT_TRUE((*lists)[1].symbols.empty());
    EXPECT_FALSE(platform.GetWatchlist(8, id1).value().has_value());  // not bob's

    ASSERT_TRUE(platform.UpdateWatchlist(WatchlistRecord{id1, 7, "chips", 10, 20, {2, 4}}));
    auto got = platform.GetWatchlist(7, id1).value();
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->name, "chips");
    EXPECT_EQ(got->updated_at, 20);
    EXPECT_EQ(got->symbols, (std::vector<market::SymbolId>{2, 4}));
    auto taken = platform.UpdateWatchlist(WatchlistRecord{id2, 7, "chips", 11, 21, {}});
    ASSERT_FALSE(taken);
    EXPECT_EQ(taken.error().code, ErrorCode::kAlreadyExists);
    auto missing = platform.UpdateWatchlist(WatchlistRecord{id2, 8, "mine", 11, 21, {}});
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);

    EXPECT_FALSE(platform.DeleteWatchlist(8, id1).value());
    EXPECT_TRUE(platform.DeleteWatchlist(7, id1).value());
    EXPECT_FALSE(platform.DeleteWatchlist(7, id1).value());
    EXPECT_EQ(platform.ListWatchlists(7).value().size(), 1u);
    EXPECT_EQ(store->CountRows("watchlist_items").value(), 1);  // bob's one symbol
}

// ---- Recommend store --------------------------------------------------------------------------------------

TEST_P(StoreContract, RecommendStoreKeepsTheSameStocksAndTicks) {
    auto store = OpenRecommend(false);
    EXPECT_EQ(store->SchemaVersion().value(), 0);
    ASSERT_TRUE(store->Migrate());
    ASSERT_TRUE(store->Migrate());
    EXPECT_EQ(store->SchemaVersion().value(), 1);
    EXPECT_EQ(store->LatestSchemaVersion(), 1);
    ASSERT_TRUE(store->UpsertStocks(DefaultUniverse()));
    const market::Tick ticks[] = {{0, 1, 100, 0, 0, 1}, {0, 2, 101, 0, 0, 1}, {1, 1, 50, 0, 0, 1}};
    ASSERT_TRUE(store->AppendTicks(ticks));
    ASSERT_TRUE(store->AppendTicks(ticks));  // redelivered
    EXPECT_EQ(store->CountRows("stock_infos").value(), 3);
    EXPECT_EQ(store->CountRows("stocks").value(), 5);
    EXPECT_EQ(store->CountRows("weathers").value(), 0);
    EXPECT_EQ(store->CountRows("recommendations").value(), 0);
    EXPECT_EQ(store->CountRows("orders").error().code, ErrorCode::kInvalidArgument);

    // A sink-sized batch (written in chunks by some backends), with ticks already stored and repeats within it.
    std::vector<market::Tick> batch;
    for (Timestamp ts = 1; ts <= 300; ++ts) batch.push_back({2, ts, 1'000 + ts, 0, 0, 1});
    batch.push_back(batch[7]);
    batch.push_back(ticks[0]);
    ASSERT_TRUE(store->AppendTicks(batch));
    EXPECT_EQ(store->CountRows("stock_infos").value(), 303);
    ASSERT_TRUE(store->AppendTicks(batch));
    EXPECT_EQ(store->CountRows("stock_infos").value(), 303);
}

// ---- Verify -----------------------------------------------------------------------------------------------

TEST_P(StoreContract, VerifyFindsNoViolationsInConsistentData) {
    auto store = OpenService();
    WriteConsistentDay(*store);
    auto violations = store->Verify();
    ASSERT_TRUE(violations) << violations.error().message;
    for (const auto& v : *violations) ADD_FAILURE() << v.check << ": " << v.message;
}

TEST_P(StoreContract, VerifyReportsAnOldSchemaInsteadOfMigrating) {
    auto store = OpenService(false);
    auto violations = store->Verify();
    ASSERT_TRUE(violations) << violations.error().message;
    ASSERT_EQ(violations->size(), 1u);
    EXPECT_EQ((*violations)[0].check, "schema_version");
    EXPECT_NE((*violations)[0].message.find("schema version 0, this binary's is 7"), std::string::npos)
        << (*violations)[0].message;
    EXPECT_EQ(store->SchemaVersion().value(), 0);
}

TEST_P(VerifyContract, ReportsTheBrokenInvariant) {
    const auto& [factory, c] = GetParam();
    auto backend = factory.make();
    backend->Reset();
    {
        auto store = backend->OpenService();
        ASSERT_TRUE(store) << store.error().message;
        ASSERT_TRUE((*store)->Migrate());
        WriteConsistentDay(**store);
    }
    auto corrupted = backend->ExecUnchecked(c.sql);
    ASSERT_TRUE(corrupted) << corrupted.error().message;
    auto store = backend->OpenService();
    ASSERT_TRUE(store) << store.error().message;
    auto violations = (*store)->Verify();
    ASSERT_TRUE(violations) << violations.error().message;
    bool found = false;
    std::string all;
    for (const auto& v : *violations) {
        all += v.check + ": " + v.message + "\n";
        found |= v.check == c.check && v.message.find(c.message) != std::string::npos;
    }
    EXPECT_TRUE(found) << "expected " << c.check << ": …" << c.message << "…\ngot:\n" << all;
}

namespace {

const Corruption kCorruptions[] = {
    {"UnbalancedTransaction", "UPDATE ledger_entries SET amount = amount + 1 WHERE txn_id = 3 AND idx = 2",
     "ledger_txn_balanced", "ledger transaction 3: its 3 entries sum to 1 won, not 0"},
    {"UnbalancedLedger", "UPDATE ledger_entries SET amount = amount + 1 WHERE txn_id = 3 AND idx = 2",
     "ledger_balanced", "ledger entries sum to 1 won, not 0"},
    {"CashDiffersFromLedger", "UPDATE accounts SET cash = cash + 5 WHERE id = 1", "cash_matches_ledger",
     "account 1: cash 9,441,595 but its ledger cash book sums to 9,441,590"},
    {"CashDiffersFromDepositsAndTrades", "UPDATE accounts SET cash = cash + 5 WHERE id = 1", "cash_matches_flows",
     "account 1: cash 9,441,595 but deposits 10,000,000 − buys 700,000 − commissions 126 − taxes 284 + sells 142,000 "
     "= 9,441,590"},
    {"FillFeeDiffersFromCash", "UPDATE fills SET commission = commission + 1 WHERE id = 1", "cash_matches_flows",
     "commissions 127"},
    {"PositionQtyDiffersFromFills", "UPDATE positions SET qty = qty + 1", "position_matches_fills",
     "account 1 stock 3: qty 9 but buy fills − sell fills = 8"},
    {"PositionRowMissing", "DELETE FROM positions", "position_matches_fills",
     "account 1 stock 3: fills net 8 shares but there is no position row"},
    {"CostBasisDiffersFromLedger", "UPDATE positions SET cost_basis = cost_basis + 7", "cost_basis_matches_ledger",
     "account 1 stock 3: cost_basis 560,007 but its ledger securities book sums to 560,000"},
    {"ReservedCashDiffersFromOpenBuys", "UPDATE orders SET reserved_cash = reserved_cash - 1 WHERE id = 2",
     "reserved_cash_matches_orders", "account 1: reserved_cash 345,051 but its 1 open buy orders reserve 345,050"},
    {"ReservedQtyDiffersFromOpenSells", "UPDATE positions SET reserved_qty = 3", "reserved_qty_matches_orders",
     "account 1 stock 3: reserved_qty 3 but open sell orders hold 2"},
    {"ReservedCashAboveCash", "UPDATE accounts SET reserved_cash = cash + 1 WHERE id = 2", "balance_bounds",
     "account 2: cash 6,000,000, reserved_cash 6,000,001"},
    {"NegativeCash", "UPDATE accounts SET cash = -1 WHERE id = 2", "balance_bounds", "account 2: cash -1"},
    {"ReservedQtyAboveQty", "UPDATE positions SET reserved_qty = 20", "position_bounds",
     "account 1 stock 3: qty 8, reserved_qty 20"},
    {"NegativeQty", "UPDATE positions SET qty = -1", "position_bounds", "qty -1"},
    {"OrderNotionalDiffersFromFills", "UPDATE orders SET filled_notional = filled_notional + 1 WHERE id = 3",
     "order_fills_match", "order 3: filled_qty 2, filled_notional 142,001 but its fills total 2 shares, 142,000 won"},
    {"OrderFilledQtyDiffersFromFills", "UPDATE orders SET filled_qty = 3 WHERE id = 3", "order_fills_match",
     "order 3: filled_qty 3"},
    {"FilledStatusWithQtyLeft", "UPDATE orders SET status = 'filled' WHERE id = 3", "order_quantities",
     "order 3: status filled, qty 4, filled_qty 2"},
    {"FilledQtyAboveQty", "UPDATE orders SET qty = 1 WHERE id = 3", "order_quantities",
     "order 3: status partially_filled, qty 1, filled_qty 2"},
    {"FullyFilledButStillOpen", "UPDATE orders SET status = 'partially_filled' WHERE id = 1", "order_quantities",
     "order 1: status partially_filled, qty 10, filled_qty 10"},
    {"FillOnTheWrongSide", "UPDATE fills SET side = 'sell' WHERE id = 1", "fill_matches_order",
     "fill 1: account, stock or side differ from its order 1"},
    {"FillWithZeroPrice", "UPDATE fills SET price = 0 WHERE id = 2", "fill_matches_order",
     "fill 2 of order 3: qty 2, price 0"},
    {"DepositDiffersFromLedger", "UPDATE deposits SET amount = amount + 1 WHERE txn_id = 5", "deposit_matches_ledger",
     "deposit of ledger transaction 5 to account 2: amount 1,000,001 but the transaction moves 1,000,000 won"},
    {"SecuritiesEntryWithoutStock",
     "UPDATE ledger_entries SET stock_id = NULL WHERE txn_id = 3 AND book = 'securities'", "ledger_book_owner",
     "ledger transaction 3 entry 1: book securities of account 1 without a stock"},
    {"EntryOfAnUnknownAccount", "UPDATE ledger_entries SET account_id = 0 WHERE txn_id = 3 AND book = 'commission'",
     "ledger_book_owner", "ledger transaction 3 entry 2: book commission of account 0"},
    {"ListingOfAnUnknownStock", "INSERT INTO universe (code, status, updated_at) VALUES ('999999', 'halted', 1)",
     "listing_stock_known", "universe row 999999 (halted) names no stock"},
};

}  // namespace

std::span<const Corruption> Corruptions() { return kCorruptions; }

}  // namespace ik::storage::testing
