// Verify(): clean on consistent data; each invariant reported, with ids and won amounts, when a row is
// corrupted behind the store's back with raw SQL.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "storage/data_dir.hpp"
#include "storage/test_events.hpp"

namespace ik::storage {
namespace {

using testing::EventBuilder;
using testing::ExecSql;
using testing::TempDir;

// Two accounts and a day of trading on stock 3 (see the comments for the amounts the messages show).
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
    ASSERT_TRUE(store.Commit(batch));
    ASSERT_EQ(b.balance(1).cash, 9'441'590);
    ASSERT_EQ(b.balance(1).reserved_cash, 345'051);
}

struct Corruption {
    const char* name;
    const char* sql;
    const char* check;
    const char* message;  // a substring of the violation's message
};

std::ostream& operator<<(std::ostream& out, const Corruption& c) { return out << c.name; }

class VerifyTest : public ::testing::TestWithParam<Corruption> {};

TEST(VerifyCleanTest, ConsistentDataHasNoViolations) {
    TempDir tmp;
    OpenOptions o;
    o.migrate = true;
    auto data = OpenDataDir(tmp.path(), o);
    ASSERT_TRUE(data) << data.error().message;
    WriteConsistentDay(*data->service);
    auto violations = data->service->Verify();
    ASSERT_TRUE(violations) << violations.error().message;
    for (const auto& v : *violations) ADD_FAILURE() << v.check << ": " << v.message;
}

TEST_P(VerifyTest, ReportsTheBrokenInvariant) {
    const Corruption& c = GetParam();
    TempDir tmp;
    OpenOptions o;
    o.migrate = true;
    {
        auto data = OpenDataDir(tmp.path(), o);
        ASSERT_TRUE(data) << data.error().message;
        WriteConsistentDay(*data->service);
    }
    ExecSql(tmp.File("service.db"), std::string("PRAGMA foreign_keys = OFF; ") + c.sql);
    o.create_if_missing = false;
    o.migrate = false;
    auto data = OpenDataDir(tmp.path(), o);
    ASSERT_TRUE(data) << data.error().message;
    auto violations = data->service->Verify();
    ASSERT_TRUE(violations) << violations.error().message;
    bool found = false;
    std::string all;
    for (const auto& v : *violations) {
        all += v.check + ": " + v.message + "\n";
        found |= v.check == c.check && v.message.find(c.message) != std::string::npos;
    }
    EXPECT_TRUE(found) << "expected " << c.check << ": …" << c.message << "…\ngot:\n" << all;
}

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

INSTANTIATE_TEST_SUITE_P(Corruptions, VerifyTest, ::testing::ValuesIn(kCorruptions),
                         [](const ::testing::TestParamInfo<Corruption>& info) { return info.param.name; });

TEST(VerifyCleanTest, ReportsAnOldSchemaInsteadOfMigrating) {
    TempDir tmp;
    auto data = OpenDataDir(tmp.path(), OpenOptions{});  // created, not migrated
    ASSERT_TRUE(data);
    auto violations = data->service->Verify();
    ASSERT_TRUE(violations);
    ASSERT_EQ(violations->size(), 1u);
    EXPECT_EQ((*violations)[0].check, "schema_version");
    EXPECT_NE((*violations)[0].message.find("schema version 0, this binary's is 4"), std::string::npos)
        << (*violations)[0].message;
    EXPECT_EQ(data->service->SchemaVersion().value(), 0);
}

TEST(VerifyCleanTest, ReportsCorruptPagesAsAnIntegrityViolation) {
    TempDir tmp;
    OpenOptions o;
    o.migrate = true;
    {
        auto data = OpenDataDir(tmp.path(), o);
        ASSERT_TRUE(data);
        EventBuilder b;
        WriteBatch batch;
        batch.events.push_back(b.OpenAccount(1, 100'000'000));
        for (int i = 0; i < 300; ++i) {
            auto buy = b.AcceptBuy(1, 0, 1, 10'000);
            batch.events.push_back(buy);
            batch.events.push_back(b.Fill(buy.order.id, 1, 10'000));
        }
        ASSERT_TRUE(data->service->Commit(batch));
    }
    const std::string path = tmp.File("service.db");
    const auto size = std::filesystem::file_size(path);
    {
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(static_cast<std::streamoff>(size / 2));
        const std::string junk(2 * 4096, '\x3c');
        f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    }
    o.create_if_missing = false;
    o.migrate = false;
    o.quick_check = false;  // open anyway, as a long-running server would have, and let Verify find it
    auto data = OpenDataDir(tmp.path(), o);
    ASSERT_TRUE(data) << data.error().message;
    auto violations = data->service->Verify();
    ASSERT_TRUE(violations) << violations.error().message;
    ASSERT_FALSE(violations->empty());
    EXPECT_EQ((*violations)[0].check, "integrity") << (*violations)[0].message;
    EXPECT_NE((*violations)[0].message.find("service.db"), std::string::npos) << (*violations)[0].message;
}

}  // namespace
}  // namespace ik::storage
