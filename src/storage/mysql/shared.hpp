#pragma once
// Pieces both MariaDB stores use: connecting and refusing a newer schema, writing the tables the two databases
// share (stocks, stock_infos), counting rows of a known table, single-value queries. Stateless functions over a
// caller-owned (and caller-serialised) Connection.
#include <chrono>
#include <memory>
#include <span>
#include <string>

#include "common/error.hpp"
#include "market/symbols.hpp"
#include "market/tick.hpp"
#include "storage/mysql/db.hpp"
#include "storage/mysql/migrations.hpp"

namespace ik::storage::mysql {

// Connects and refuses a schema newer than `migrations` (or from a diverged build): kFailedPrecondition.
Result<std::unique_ptr<Connection>> OpenChecked(const Dsn& dsn, std::chrono::milliseconds timeout,
                                                std::span<const Migration> migrations);

// The first column of the first row as an integer; nullopt when there is no row or it is NULL.
Result<std::optional<std::int64_t>> QueryInt(Connection& c, const char* sql);

// Upserts every listing under its SymbolId inside the caller's transaction; kFailedPrecondition when a code or
// an id is already stored with a different partner (ids are permanent).
Status UpsertStocksIn(Connection& c, const market::Universe& universe);
// Inserts one stock inside the caller's transaction; kAlreadyExists when its id or code is stored already
// (checked first for a clear message; the keys refuse what another connection inserted meanwhile).
Status InsertStockIn(Connection& c, market::SymbolId id, const market::StockInfo& info);

// Inserts ticks inside the caller's transaction; a tick with a stored (symbol, ts) is skipped.
Status InsertTicksIn(Connection& c, std::span<const market::Tick> ticks);

// COUNT(*) of a table of this database; kInvalidArgument for a name that is no table of the schema (or not one
// of the application's tables: the statement is chosen from a fixed list, never built from the name).
Result<std::int64_t> CountRowsIn(Connection& c, const std::string& table);

}  // namespace ik::storage::mysql
