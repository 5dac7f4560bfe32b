// MysqlServiceStore::Verify: the SQLite store's checks (sqlite/verify.cpp), each invariant one SQL query that
// returns the rows breaking it, run in one REPEATABLE READ transaction (one consistent snapshot). Each row becomes
// a Violation with the ids and won amounts involved. There is no page-level integrity check: InnoDB checksums
// its pages itself and refuses to serve a corrupt one (the query fails instead).
#include <functional>

#include "common/money.hpp"
#include "storage/mysql/db.hpp"
#include "storage/mysql/migrations.hpp"
#include "storage/mysql/mysql_store.hpp"

namespace ik::storage {

namespace {

using Stmt = mysql::Statement;

// A database broken everywhere would otherwise produce millions of lines; past this many rows a check
// reports how many more it found.
constexpr int kMaxReportsPerCheck = 100;

constexpr const char* kLedgerTotal = "SELECT COALESCE(SUM(amount), 0), COUNT(*) FROM ledger_entries";
constexpr const char* kLedgerTxnUnbalanced = R"sql(
SELECT txn_id, SUM(amount), COUNT(*) FROM ledger_entries GROUP BY txn_id HAVING SUM(amount) != 0 ORDER BY txn_id)sql";
constexpr const char* kLedgerBookOwner = R"sql(
SELECT txn_id, idx, book, account_id, stock_id IS NULL FROM ledger_entries
WHERE (book = 'securities' AND stock_id IS NULL)
   OR NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = ledger_entries.account_id)
ORDER BY txn_id, idx)sql";
constexpr const char* kCashVsLedger = R"sql(
WITH l AS (SELECT account_id, SUM(amount) AS total FROM ledger_entries WHERE book = 'cash' GROUP BY account_id)
SELECT a.id, a.cash, COALESCE(l.total, 0) FROM accounts a LEFT JOIN l ON l.account_id = a.id
WHERE a.cash != COALESCE(l.total, 0) ORDER BY a.id)sql";
constexpr const char* kCashVsFlows = R"sql(
WITH d AS (SELECT account_id, SUM(amount) AS total FROM deposits GROUP BY account_id),
     f AS (SELECT account_id,
                  SUM(CASE WHEN side = 'buy' THEN price * qty ELSE 0 END) AS buys,
                  SUM(CASE WHEN side = 'sell' THEN price * qty ELSE 0 END) AS sells,
                  SUM(commission) AS commissions, SUM(tax) AS taxes
           FROM fills GROUP BY account_id)
SELECT a.id, a.cash, COALESCE(d.total, 0), COALESCE(f.buys, 0), COALESCE(f.sells, 0), COALESCE(f.commissions, 0),
       COALESCE(f.taxes, 0),
       COALESCE(d.total, 0) - COALESCE(f.buys, 0) - COALESCE(f.commissions, 0) - COALESCE(f.taxes, 0)
           + COALESCE(f.sells, 0)
FROM accounts a LEFT JOIN d ON d.account_id = a.id LEFT JOIN f ON f.account_id = a.id
WHERE a.cash != COALESCE(d.total, 0) - COALESCE(f.buys, 0) - COALESCE(f.commissions, 0) - COALESCE(f.taxes, 0)
                + COALESCE(f.sells, 0)
ORDER BY a.id)sql";
constexpr const char* kPositionVsFills = R"sql(
WITH f AS (SELECT account_id, stock_id, SUM(CASE WHEN side = 'buy' THEN qty ELSE -qty END) AS net
           FROM fills GROUP BY account_id, stock_id)
SELECT p.account_id, p.stock_id, p.qty, COALESCE(f.net, 0), 1
FROM positions p LEFT JOIN f ON f.account_id = p.account_id AND f.stock_id = p.stock_id
WHERE p.qty != COALESCE(f.net, 0)
UNION ALL
SELECT f.account_id, f.stock_id, 0, f.net, 0 FROM f
WHERE NOT EXISTS (SELECT 1 FROM positions p WHERE p.account_id = f.account_id AND p.stock_id = f.stock_id)
ORDER BY 1, 2)sql";
constexpr const char* kCostBasisVsLedger = R"sql(
WITH l AS (SELECT account_id, stock_id, SUM(amount) AS total FROM ledger_entries
           WHERE book = 'securities' AND stock_id IS NOT NULL GROUP BY account_id, stock_id)
SELECT p.account_id, p.stock_id, p.cost_basis, COALESCE(l.total, 0), 1
FROM positions p LEFT JOIN l ON l.account_id = p.account_id AND l.stock_id = p.stock_id
WHERE p.cost_basis != COALESCE(l.total, 0)
UNION ALL
SELECT l.account_id, l.stock_id, 0, l.total, 0 FROM l
WHERE l.total != 0
  AND NOT EXISTS (SELECT 1 FROM positions p WHERE p.account_id = l.account_id AND p.stock_id = l.stock_id)
ORDER BY 1, 2)sql";
constexpr const char* kReservedCashVsOrders = R"sql(
WITH o AS (SELECT account_id, SUM(reserved_cash) AS total, COUNT(*) AS n FROM orders
           WHERE side = 'buy' AND status IN ('new', 'partially_filled') GROUP BY account_id)
SELECT a.id, a.reserved_cash, COALESCE(o.total, 0), COALESCE(o.n, 0) FROM accounts a LEFT JOIN o ON o.account_id = a.id
WHERE a.reserved_cash != COALESCE(o.total, 0) ORDER BY a.id)sql";
constexpr const char* kReservedQtyVsOrders = R"sql(
WITH o AS (SELECT account_id, stock_id, SUM(qty - filled_qty) AS total FROM orders
           WHERE side = 'sell' AND status IN ('new', 'partially_filled') GROUP BY account_id, stock_id)
SELECT p.account_id, p.stock_id, p.reserved_qty, COALESCE(o.total, 0), 1
FROM positions p LEFT JOIN o ON o.account_id = p.account_id AND o.stock_id = p.stock_id
WHERE p.reserved_qty != COALESCE(o.total, 0)
UNION ALL
SELECT o.account_id, o.stock_id, 0, o.total, 0 FROM o
WHERE NOT EXISTS (SELECT 1 FROM positions p WHERE p.account_id = o.account_id AND p.stock_id = o.stock_id)
ORDER BY 1, 2)sql";
constexpr const char* kBalanceBounds = R"sql(
SELECT id, cash, reserved_cash FROM accounts WHERE cash < 0 OR reserved_cash < 0 OR reserved_cash > cash
ORDER BY id)sql";
constexpr const char* kPositionBounds = R"sql(
SELECT account_id, stock_id, qty, reserved_qty, cost_basis FROM positions
WHERE qty < 0 OR reserved_qty < 0 OR reserved_qty > qty OR cost_basis < 0 OR (qty = 0 AND cost_basis != 0)
ORDER BY account_id, stock_id)sql";
constexpr const char* kOrderVsFills = R"sql(
WITH f AS (SELECT order_id, SUM(qty) AS q, SUM(price * qty) AS n FROM fills GROUP BY order_id)
SELECT o.id, o.filled_qty, COALESCE(f.q, 0), o.filled_notional, COALESCE(f.n, 0)
FROM orders o LEFT JOIN f ON f.order_id = o.id
WHERE o.filled_qty != COALESCE(f.q, 0) OR o.filled_notional != COALESCE(f.n, 0) ORDER BY o.id)sql";
constexpr const char* kOrderQuantities = R"sql(
SELECT id, status, qty, filled_qty FROM orders
WHERE qty <= 0 OR filled_qty < 0 OR filled_qty > qty OR ((status = 'filled') != (filled_qty = qty))
ORDER BY id)sql";
constexpr const char* kFillVsOrder = R"sql(
SELECT f.id, f.order_id, f.qty, f.price, f.commission, f.tax,
       f.account_id != o.account_id OR f.stock_id != o.stock_id OR f.side != o.side
FROM fills f JOIN orders o ON o.id = f.order_id
WHERE f.account_id != o.account_id OR f.stock_id != o.stock_id OR f.side != o.side
   OR f.qty <= 0 OR f.price <= 0 OR f.commission < 0 OR f.tax < 0
ORDER BY f.id)sql";
constexpr const char* kDepositValues = R"sql(
SELECT d.txn_id, d.account_id, d.amount, COALESCE(l.total, 0) FROM deposits d
LEFT JOIN (SELECT txn_id, account_id, SUM(amount) AS total FROM ledger_entries WHERE book = 'cash'
           GROUP BY txn_id, account_id) l ON l.txn_id = d.txn_id AND l.account_id = d.account_id
WHERE d.amount <= 0 OR d.amount != COALESCE(l.total, 0) ORDER BY d.txn_id)sql";

constexpr const char* kListingOfUnknownStock = R"sql(
SELECT u.code, u.status FROM universe u WHERE NOT EXISTS (SELECT 1 FROM stocks s WHERE s.code = u.code)
ORDER BY u.code)sql";

std::string W(std::int64_t won) { return FormatWon(won); }
std::string N(std::int64_t n) { return std::to_string(n); }

class Checker final {
public:
    Checker(mysql::Connection& db, std::vector<Violation>& out) : db_(db), out_(out) {}

    // Runs `sql`; every row it returns is one violation of `check`, described by `describe`.
    Status Run(const char* check, const char* sql, const std::function<std::string(const Stmt&)>& describe) {
        auto stmt = db_.Prepare(sql);
        if (!stmt) return std::unexpected(stmt.error());
        if (auto ok = stmt->Execute(); !ok) return ok;
        int found = 0;
        for (;;) {
            auto row = stmt->Fetch();
            if (!row) return std::unexpected(row.error());
            if (!*row) break;
            if (++found <= kMaxReportsPerCheck) out_.push_back(Violation{check, describe(*stmt)});
        }
        if (found > kMaxReportsPerCheck) {
            out_.push_back(
                Violation{check, "… and " + N(found - kMaxReportsPerCheck) + " more rows breaking " + check});
        }
        return {};
    }

private:
    mysql::Connection& db_;
    std::vector<Violation>& out_;
};

std::string PositionName(const Stmt& s) { return "account " + N(s.Int(0)) + " stock " + N(s.Int(1)); }

}  // namespace

Result<std::vector<Violation>> MysqlServiceStore::VerifyLocked() {
    std::vector<Violation> out;
    if (auto ok = mysql::CheckSchemaCompatible(*c_, mysql::ServiceMigrations()); !ok) {
        if (ok.error().code != ErrorCode::kFailedPrecondition) return std::unexpected(ok.error());
        out.push_back(Violation{"schema_version", ok.error().message});
        return out;
    }
    auto version = mysql::SchemaVersionOf(*c_);
    if (!version) return std::unexpected(version.error());
    if (*version != LatestSchemaVersion()) {
        out.push_back(Violation{"schema_version", where_ + ": schema version " + N(*version) + ", this binary's is " +
                                                      N(LatestSchemaVersion()) + "; run `investking migrate`"});
        return out;  // the checks need the current tables
    }

    auto txn = mysql::Transaction::Begin(*c_);
    if (!txn) return std::unexpected(txn.error());
    Checker c(*c_, out);

    {
        auto stmt = c_->Prepare(kLedgerTotal);
        if (!stmt) return std::unexpected(stmt.error());
        if (auto ok = stmt->Execute(); !ok) return std::unexpected(ok.error());
        auto row = stmt->Fetch();
        if (!row) return std::unexpected(row.error());
        if (*row && stmt->Int(0) != 0) {
            out.push_back(Violation{"ledger_balanced", "the " + N(stmt->Int(1)) + " ledger entries sum to " +
                                                           W(stmt->Int(0)) + " won, not 0"});
        }
    }
    const std::pair<const char*, std::pair<const char*, std::function<std::string(const Stmt&)>>> checks[] = {
        {"ledger_txn_balanced",
         {kLedgerTxnUnbalanced,
          [](const Stmt& s) {
              return "ledger transaction " + N(s.Int(0)) + ": its " + N(s.Int(2)) + " entries sum to " + W(s.Int(1)) +
                     " won, not 0";
          }}},
        {"ledger_book_owner",
         {kLedgerBookOwner,
          [](const Stmt& s) {
              return "ledger transaction " + N(s.Int(0)) + " entry " + N(s.Int(1)) + ": book " + s.Text(2) +
                     " of account " + N(s.Int(3)) + (s.Int(4) != 0 ? " without a stock" : "") +
                     " (every entry belongs to an opened account; securities entries name a stock)";
          }}},
        {"cash_matches_ledger",
         {kCashVsLedger,
          [](const Stmt& s) {
              return "account " + N(s.Int(0)) + ": cash " + W(s.Int(1)) + " but its ledger cash book sums to " +
                     W(s.Int(2));
          }}},
        {"cash_matches_flows",
         {kCashVsFlows,
          [](const Stmt& s) {
              return "account " + N(s.Int(0)) + ": cash " + W(s.Int(1)) + " but deposits " + W(s.Int(2)) + " − buys " +
                     W(s.Int(3)) + " − commissions " + W(s.Int(5)) + " − taxes " + W(s.Int(6)) + " + sells " +
                     W(s.Int(4)) + " = " + W(s.Int(7));
          }}},
        {"position_matches_fills",
         {kPositionVsFills,
          [](const Stmt& s) {
              if (s.Int(4) == 0) {
                  return PositionName(s) + ": fills net " + N(s.Int(3)) + " shares but there is no position row";
              }
              return PositionName(s) + ": qty " + N(s.Int(2)) + " but buy fills − sell fills = " + N(s.Int(3));
          }}},
        {"cost_basis_matches_ledger",
         {kCostBasisVsLedger,
          [](const Stmt& s) {
              if (s.Int(4) == 0) {
                  return PositionName(s) + ": securities book holds " + W(s.Int(3)) + " won but there is no position";
              }
              return PositionName(s) + ": cost_basis " + W(s.Int(2)) + " but its ledger securities book sums to " +
                     W(s.Int(3));
          }}},
        {"reserved_cash_matches_orders",
         {kReservedCashVsOrders,
          [](const Stmt& s) {
              return "account " + N(s.Int(0)) + ": reserved_cash " + W(s.Int(1)) + " but its " + N(s.Int(3)) +
                     " open buy orders reserve " + W(s.Int(2));
          }}},
        {"reserved_qty_matches_orders",
         {kReservedQtyVsOrders,
          [](const Stmt& s) {
              if (s.Int(4) == 0) {
                  return PositionName(s) + ": open sell orders hold " + N(s.Int(3)) +
                         " shares but there is no position";
              }
              return PositionName(s) + ": reserved_qty " + N(s.Int(2)) + " but open sell orders hold " + N(s.Int(3));
          }}},
        {"balance_bounds",
         {kBalanceBounds,
          [](const Stmt& s) {
              return "account " + N(s.Int(0)) + ": cash " + W(s.Int(1)) + ", reserved_cash " + W(s.Int(2)) +
                     " (need 0 ≤ reserved_cash ≤ cash)";
          }}},
        {"position_bounds",
         {kPositionBounds,
          [](const Stmt& s) {
              return PositionName(s) + ": qty " + N(s.Int(2)) + ", reserved_qty " + N(s.Int(3)) + ", cost_basis " +
                     W(s.Int(4)) + " (need 0 ≤ reserved_qty ≤ qty, cost_basis ≥ 0 and 0 when qty is 0)";
          }}},
        {"order_fills_match",
         {kOrderVsFills,
          [](const Stmt& s) {
              return "order " + N(s.Int(0)) + ": filled_qty " + N(s.Int(1)) + ", filled_notional " + W(s.Int(3)) +
                     " but its fills total " + N(s.Int(2)) + " shares, " + W(s.Int(4)) + " won";
          }}},
        {"order_quantities",
         {kOrderQuantities,
          [](const Stmt& s) {
              return "order " + N(s.Int(0)) + ": status " + s.Text(1) + ", qty " + N(s.Int(2)) + ", filled_qty " +
                     N(s.Int(3)) + " (need 0 ≤ filled_qty ≤ qty, and status filled exactly when filled_qty = qty)";
          }}},
        {"fill_matches_order",
         {kFillVsOrder,
          [](const Stmt& s) {
              if (s.Int(6) != 0) {
                  return "fill " + N(s.Int(0)) + ": account, stock or side differ from its order " + N(s.Int(1));
              }
              return "fill " + N(s.Int(0)) + " of order " + N(s.Int(1)) + ": qty " + N(s.Int(2)) + ", price " +
                     W(s.Int(3)) + ", commission " + W(s.Int(4)) + ", tax " + W(s.Int(5)) +
                     " (need qty and price > 0, fees ≥ 0)";
          }}},
        {"deposit_matches_ledger",
         {kDepositValues,
          [](const Stmt& s) {
              return "deposit of ledger transaction " + N(s.Int(0)) + " to account " + N(s.Int(1)) + ": amount " +
                     W(s.Int(2)) + " but the transaction moves " + W(s.Int(3)) + " won into its cash";
          }}},
        {"listing_stock_known",
         {kListingOfUnknownStock,
          [](const Stmt& s) {
              return "universe row " + s.Text(0) + " (" + s.Text(1) +
                     ") names no stock of the stock master (a listing is stored after its stock)";
          }}},
    };
    for (const auto& [name, check] : checks) {
        if (auto ok = c.Run(name, check.first, check.second); !ok) return std::unexpected(ok.error());
    }
    if (auto ok = txn->Commit(); !ok) return std::unexpected(ok.error());
    return out;
}

}  // namespace ik::storage
