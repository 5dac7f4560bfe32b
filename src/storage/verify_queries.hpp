#pragma once
// The SQL of Verify()'s checks: plain SQL that both backends (SQLite and MariaDB) run as written, each row
// handed to the shared descriptions in verify_checks.hpp.
#include "storage/verify_checks.hpp"

namespace ik::storage::verify {

inline constexpr const char* kLedgerTotal = "SELECT COALESCE(SUM(amount), 0), COUNT(*) FROM ledger_entries";
inline constexpr const char* kLedgerTxnUnbalanced = R"sql(
SELECT txn_id, SUM(amount), COUNT(*) FROM ledger_entries GROUP BY txn_id HAVING SUM(amount) != 0 ORDER BY txn_id)sql";
inline constexpr const char* kLedgerBookOwner = R"sql(
SELECT txn_id, idx, book, account_id, stock_id IS NULL FROM ledger_entries
WHERE (book = 'securities' AND stock_id IS NULL)
   OR NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = ledger_entries.account_id)
ORDER BY txn_id, idx)sql";
inline constexpr const char* kCashVsLedger = R"sql(
WITH l AS (SELECT account_id, SUM(amount) AS total FROM ledger_entries WHERE book = 'cash' GROUP BY account_id)
SELECT a.id, a.cash, COALESCE(l.total, 0) FROM accounts a LEFT JOIN l ON l.account_id = a.id
WHERE a.cash != COALESCE(l.total, 0) ORDER BY a.id)sql";
inline constexpr const char* kCashVsFlows = R"sql(
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
inline constexpr const char* kPositionVsFills = R"sql(
WITH f AS (SELECT account_id, stock_id, SUM(CASE WHEN side = 'buy' THEN qty ELSE -qty END) AS net
           FROM fills GROUP BY account_id, stock_id)
SELECT p.account_id, p.stock_id, p.qty, COALESCE(f.net, 0), 1
FROM positions p LEFT JOIN f ON f.account_id = p.account_id AND f.stock_id = p.stock_id
WHERE p.qty != COALESCE(f.net, 0)
UNION ALL
SELECT f.account_id, f.stock_id, 0, f.net, 0 FROM f
WHERE NOT EXISTS (SELECT 1 FROM positions p WHERE p.account_id = f.account_id AND p.stock_id = f.stock_id)
ORDER BY 1, 2)sql";
inline constexpr const char* kCostBasisVsLedger = R"sql(
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
inline constexpr const char* kReservedCashVsOrders = R"sql(
WITH o AS (SELECT account_id, SUM(reserved_cash) AS total, COUNT(*) AS n FROM orders
           WHERE side = 'buy' AND status IN ('new', 'partially_filled') GROUP BY account_id)
SELECT a.id, a.reserved_cash, COALESCE(o.total, 0), COALESCE(o.n, 0) FROM accounts a LEFT JOIN o ON o.account_id = a.id
WHERE a.reserved_cash != COALESCE(o.total, 0) ORDER BY a.id)sql";
inline constexpr const char* kReservedQtyVsOrders = R"sql(
WITH o AS (SELECT account_id, stock_id, SUM(qty - filled_qty) AS total FROM orders
           WHERE side = 'sell' AND status IN ('new', 'partially_filled') GROUP BY account_id, stock_id)
SELECT p.account_id, p.stock_id, p.reserved_qty, COALESCE(o.total, 0), 1
FROM positions p LEFT JOIN o ON o.account_id = p.account_id AND o.stock_id = p.stock_id
WHERE p.reserved_qty != COALESCE(o.total, 0)
UNION ALL
SELECT o.account_id, o.stock_id, 0, o.total, 0 FROM o
WHERE NOT EXISTS (SELECT 1 FROM positions p WHERE p.account_id = o.account_id AND p.stock_id = o.stock_id)
ORDER BY 1, 2)sql";
inline constexpr const char* kBalanceBounds = R"sql(
SELECT id, cash, reserved_cash FROM accounts WHERE cash < 0 OR reserved_cash < 0 OR reserved_cash > cash
ORDER BY id)sql";
inline constexpr const char* kPositionBounds = R"sql(
SELECT account_id, stock_id, qty, reserved_qty, cost_basis FROM positions
WHERE qty < 0 OR reserved_qty < 0 OR reserved_qty > qty OR cost_basis < 0 OR (qty = 0 AND cost_basis != 0)
ORDER BY account_id, stock_id)sql";
inline constexpr const char* kOrderVsFills = R"sql(
WITH f AS (SELECT order_id, SUM(qty) AS q, SUM(price * qty) AS n FROM fills GROUP BY order_id)
SELECT o.id, o.filled_qty, COALESCE(f.q, 0), o.filled_notional, COALESCE(f.n, 0)
FROM orders o LEFT JOIN f ON f.order_id = o.id
WHERE o.filled_qty != COALESCE(f.q, 0) OR o.filled_notional != COALESCE(f.n, 0) ORDER BY o.id)sql";
inline constexpr const char* kOrderQuantities = R"sql(
SELECT id, status, qty, filled_qty FROM orders
WHERE qty <= 0 OR filled_qty < 0 OR filled_qty > qty OR ((status = 'filled') != (filled_qty = qty))
ORDER BY id)sql";
inline constexpr const char* kFillVsOrder = R"sql(
SELECT f.id, f.order_id, f.qty, f.price, f.commission, f.tax,
       f.account_id != o.account_id OR f.stock_id != o.stock_id OR f.side != o.side
FROM fills f JOIN orders o ON o.id = f.order_id
WHERE f.account_id != o.account_id OR f.stock_id != o.stock_id OR f.side != o.side
   OR f.qty <= 0 OR f.price <= 0 OR f.commission < 0 OR f.tax < 0
ORDER BY f.id)sql";
inline constexpr const char* kDepositValues = R"sql(
SELECT d.txn_id, d.account_id, d.amount, COALESCE(l.total, 0) FROM deposits d
LEFT JOIN (SELECT txn_id, account_id, SUM(amount) AS total FROM ledger_entries WHERE book = 'cash'
           GROUP BY txn_id, account_id) l ON l.txn_id = d.txn_id AND l.account_id = d.account_id
WHERE d.amount <= 0 OR d.amount != COALESCE(l.total, 0) ORDER BY d.txn_id)sql";

inline constexpr const char* kListingOfUnknownStock = R"sql(
SELECT u.code, u.status FROM universe u WHERE NOT EXISTS (SELECT 1 FROM stocks s WHERE s.code = u.code)
ORDER BY u.code)sql";

inline constexpr Queries kQueries{
    .ledger_total = kLedgerTotal,
    .ledger_txn_unbalanced = kLedgerTxnUnbalanced,
    .ledger_book_owner = kLedgerBookOwner,
    .cash_vs_ledger = kCashVsLedger,
    .cash_vs_flows = kCashVsFlows,
    .position_vs_fills = kPositionVsFills,
    .cost_basis_vs_ledger = kCostBasisVsLedger,
    .reserved_cash_vs_orders = kReservedCashVsOrders,
    .reserved_qty_vs_orders = kReservedQtyVsOrders,
    .balance_bounds = kBalanceBounds,
    .position_bounds = kPositionBounds,
    .order_vs_fills = kOrderVsFills,
    .order_quantities = kOrderQuantities,
    .fill_vs_order = kFillVsOrder,
    .deposit_values = kDepositValues,
    .listing_of_unknown_stock = kListingOfUnknownStock,
};

}  // namespace ik::storage::verify
