#pragma once
// Mapping between trading::Order, Fill and Position and rows of their tables, in one place for writes and reads.
// Stateless; internal to the SQLite stores.
#include <string>
#include <vector>

#include "common/error.hpp"
#include "storage/sqlite/db.hpp"
#include "trading/types.hpp"

// The order columns in bind/read order (?1 … ?19); a macro so statements can be concatenated at compile time.
#define IK_ORDER_COLUMNS                                                                                         \
    "id, account_id, stock_id, client_order_id, side, type, time_in_force, status, triggered, qty, filled_qty, " \
    "limit_price, stop_price, filled_notional, reserved_cash, replaces, replaced_by, created_at, updated_at"

// The fill and position columns in read order.
#define IK_FILL_COLUMNS "id, order_id, account_id, stock_id, side, qty, price, commission, tax, ts, settle_date"
#define IK_POSITION_COLUMNS "account_id, stock_id, qty, reserved_qty, cost_basis, realized_pnl"

namespace ik::storage::impl {

// Binds ?1 … ?19 in IK_ORDER_COLUMNS order (replaces/replaced_by 0 → NULL).
void BindOrder(Stmt& stmt, const trading::Order& o);

// Reads a row selected with IK_ORDER_COLUMNS as its first columns; kDataLoss for an unknown enum name.
Result<trading::Order> ReadOrder(const Stmt& stmt, const std::string& file);

// Reads a row selected with IK_FILL_COLUMNS; kDataLoss for an unknown side or a malformed settle date.
Result<trading::Fill> ReadFill(const Stmt& stmt, const std::string& file);

// Every row of a statement selecting IK_ORDER_COLUMNS / IK_FILL_COLUMNS; the first bad row's error.
Result<std::vector<trading::Order>> ReadOrders(Stmt& stmt, const std::string& file);
Result<std::vector<trading::Fill>> ReadFills(Stmt& stmt, const std::string& file);

// Reads a row selected with IK_POSITION_COLUMNS.
trading::Position ReadPosition(const Stmt& stmt);

}  // namespace ik::storage::impl
