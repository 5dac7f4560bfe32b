#pragma once
// Mapping between trading::Order, Fill and Position and rows of their MariaDB tables (0-based parameters and
// columns); the column lists are the SQLite stores' (storage/sqlite/order_rows.hpp). Stateless.
#include <string>
#include <vector>

#include "common/error.hpp"
#include "storage/mysql/db.hpp"
#include "trading/types.hpp"

// The order columns in bind/read order; a macro so statements can be concatenated at compile time.
#define IK_MYSQL_ORDER_COLUMNS                                                                                   \
    "id, account_id, stock_id, client_order_id, side, type, time_in_force, status, triggered, qty, filled_qty, " \
    "limit_price, stop_price, filled_notional, reserved_cash, replaces, replaced_by, created_at, updated_at"
#define IK_MYSQL_FILL_COLUMNS "id, order_id, account_id, stock_id, side, qty, price, commission, tax, ts, settle_date"
#define IK_MYSQL_POSITION_COLUMNS "account_id, stock_id, qty, reserved_qty, cost_basis, realized_pnl"

namespace ik::storage::mysql {

// Binds parameters 0 … 18 in IK_MYSQL_ORDER_COLUMNS order (replaces/replaced_by 0 → NULL).
void BindOrder(Statement& stmt, const trading::Order& o);

// Reads a row selected with IK_MYSQL_ORDER_COLUMNS as its first columns; kDataLoss for an unknown enum name.
Result<trading::Order> ReadOrder(const Statement& stmt, const std::string& where);
// Reads a row selected with IK_MYSQL_FILL_COLUMNS; kDataLoss for an unknown side or a malformed settle date.
Result<trading::Fill> ReadFill(const Statement& stmt, const std::string& where);
trading::Position ReadPosition(const Statement& stmt);

// Every remaining row of an executed statement; the first bad row's error.
Result<std::vector<trading::Order>> ReadOrders(Statement& stmt, const std::string& where);
Result<std::vector<trading::Fill>> ReadFills(Statement& stmt, const std::string& where);

}  // namespace ik::storage::mysql
