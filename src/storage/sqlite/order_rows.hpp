#pragma once
// Mapping between trading::Order, Fill and Position and rows of their tables for the SQLite stores: the column
// lists and the row readers are the backend-neutral ones of storage/rows.hpp; here only what depends on the
// statement class (1-based parameters, stepping through rows). Stateless; internal to the SQLite stores.
#include <string>
#include <vector>

#include "common/error.hpp"
#include "storage/rows.hpp"
#include "storage/sqlite/db.hpp"
#include "trading/types.hpp"

namespace ik::storage::impl {

// Binds ?1 … ?19 in IK_ORDER_COLUMNS order (replaces/replaced_by 0 → NULL).
inline void BindOrder(Stmt& stmt, const trading::Order& o) { rows::BindOrder<1>(stmt, o); }

// Every row of a statement selecting IK_ORDER_COLUMNS / IK_FILL_COLUMNS; the first bad row's error.
Result<std::vector<trading::Order>> ReadOrders(Stmt& stmt, const std::string& file);
Result<std::vector<trading::Fill>> ReadFills(Stmt& stmt, const std::string& file);

}  // namespace ik::storage::impl
