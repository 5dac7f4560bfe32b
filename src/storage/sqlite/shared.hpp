#pragma once
// Pieces both SQLite stores use: opening and configuring a connection (WAL, synchronous, busy timeout,
// foreign keys, quick_check), and writing the tables the two databases share (stocks, stock_infos).
// Stateless functions over a caller-owned Database; not thread-safe beyond that.
#include <memory>
#include <span>
#include <string>

#include "common/error.hpp"
#include "market/symbols.hpp"
#include "market/tick.hpp"
#include "storage/sqlite/db.hpp"
#include "storage/sqlite/migrations.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace ik::storage::impl {

// Opens `path`, applies the connection settings, runs quick_check when asked and refuses a schema newer than
// `migrations`. kNotFound when the file is missing and options.create is false.
Result<std::unique_ptr<Database>> OpenConfigured(const std::string& path, const SqliteOptions& options,
                                                 std::span<const Migration> migrations);

// PRAGMA quick_check: an empty string when the file is sound, else the first problems SQLite reports.
Result<std::string> QuickCheck(Database& db);

// Upserts every listing under its SymbolId inside the caller's transaction; kFailedPrecondition when a code
// or an id is already stored with a different partner (ids are permanent).
Status UpsertStocksIn(Database& db, const market::Universe& universe);
// Inserts one stock inside the caller's transaction; kAlreadyExists when its id or code is stored already.
Status InsertStockIn(Database& db, market::SymbolId id, const market::StockInfo& info);

// Inserts ticks inside the caller's transaction; a tick with a stored (symbol, ts) is skipped.
Status InsertTicksIn(Database& db, std::span<const market::Tick> ticks);

// COUNT(*) of a table that exists in this database; kInvalidArgument otherwise (the name is never spliced
// into SQL unchecked).
Result<std::int64_t> CountRowsIn(Database& db, const std::string& table);

}  // namespace ik::storage::impl
