#pragma once
// Mapping between trading::Order, Fill and Position and rows of their MariaDB tables: the column lists and the
// row readers are the backend-neutral ones of storage/rows.hpp (shared with the SQLite stores); here only what
// depends on the statement class (0-based parameters, fetching rows). Stateless.
#include <string>
#include <vector>

#include "common/error.hpp"
#include "storage/mysql/db.hpp"
#include "storage/rows.hpp"
#include "trading/types.hpp"

namespace ik::storage::mysql {

// Binds parameters 0 … 18 in IK_ORDER_COLUMNS order (replaces/replaced_by 0 → NULL).
inline void BindOrder(Statement& stmt, const trading::Order& o) { rows::BindOrder<0>(stmt, o); }

// Every remaining row of an executed statement; the first bad row's error.
Result<std::vector<trading::Order>> ReadOrders(Statement& stmt, const std::string& where);
Result<std::vector<trading::Fill>> ReadFills(Statement& stmt, const std::string& where);

}  // namespace ik::storage::mysql
