#include "storage/sqlite/shared.hpp"

#include <filesystem>
#include <system_error>

#include <sqlite3.h>

namespace ik::storage::impl {

namespace {

constexpr const char* kQuickCheck = "PRAGMA quick_check(8)";
constexpr const char* kStockIdOfCode = "SELECT id FROM stocks WHERE code = ?1";
constexpr const char* kStockCodeOfId = "SELECT code FROM stocks WHERE id = ?1";
constexpr const char* kUpsertStock = R"sql(
INSERT INTO stocks (id, code, name_ko, name_en, market, sector, previous_close) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
ON CONFLICT (id) DO UPDATE SET name_ko = excluded.name_ko, name_en = excluded.name_en, market = excluded.market,
    sector = excluded.sector, previous_close = excluded.previous_close)sql";
constexpr const char* kStockTaken = "SELECT code FROM stocks WHERE id = ?1 OR code = ?2";
constexpr const char* kInsertStock = R"sql(
INSERT INTO stocks (id, code, name_ko, name_en, market, sector, previous_close) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7))sql";
constexpr const char* kInsertTick = R"sql(
INSERT INTO stock_infos (stock_id, ts, price, bid, ask, volume) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT (stock_id, ts) DO NOTHING)sql";
constexpr const char* kTableExists = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1";

// Wraps an error from the first statements that read the file: they are the ones that discover a file that
// is not a database, and the message must say which file.
Error FileError(const std::string& path, const Error& error) {
    if (error.code == ErrorCode::kDataLoss) {
        return Error(ErrorCode::kDataLoss, path + " is corrupt or not a SQLite database (" + error.message + ")");
    }
    return error;
}

// The seven columns of a stocks row, in the order of kUpsertStock and kInsertStock.
template <class Stmt>
void BindStock(Stmt& stmt, std::int64_t id, const market::StockInfo& info) {
    stmt.Bind(1, id)
        .Bind(2, info.code)
        .Bind(3, info.name_ko)
        .Bind(4, info.name_en)
        .Bind(5, market::ExchangeName(info.market))
        .Bind(6, info.sector)
        .Bind(7, info.previous_close);
}

}  // namespace

Result<std::unique_ptr<Database>> OpenConfigured(const std::string& path, const SqliteOptions& options,
                                                 std::span<const Migration> migrations) {
    std::error_code ec;
    const bool exists = std::filesystem::exists(path, ec);
    if (!exists && (!options.create || options.read_only)) {
        return MakeError(ErrorCode::kNotFound, "database file " + path + " does not exist");
    }
    if (exists && !std::filesystem::is_regular_file(path, ec)) {
        return MakeError(ErrorCode::kFailedPrecondition, path + " exists but is not a regular file");
    }
    const OpenFlags flags = options.read_only ? OpenFlags::kReadOnly
                            : options.create  ? OpenFlags::kReadWriteCreate
                                              : OpenFlags::kReadWrite;
    auto db = Database::Open(path, flags);
    if (!db) return std::unexpected(FileError(path, db.error()));
    sqlite3_busy_timeout((*db)->handle(), options.busy_timeout_ms);

    // The first statement that reads the header: a file that is not a database fails here.
    if (auto ok = (*db)->Exec("SELECT COUNT(*) FROM sqlite_master", "read schema"); !ok) {
        return std::unexpected(FileError(path, ok.error()));
    }
    if (!options.read_only) {
        auto stmt = (*db)->PrepareOnce("PRAGMA journal_mode = WAL");
        if (!stmt) return std::unexpected(FileError(path, stmt.error()));
        auto row = stmt->Step();
        if (!row) return std::unexpected(FileError(path, row.error()));
        if (!*row || stmt->Text(0) != "wal") {
            return MakeError(ErrorCode::kUnavailable, path + ": could not switch to WAL journal mode");
        }
    }
    const char* sync =
        options.synchronous == Synchronous::kFull ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL";
    if (auto ok = (*db)->Exec(sync, "set synchronous"); !ok) return std::unexpected(ok.error());
    if (auto ok = (*db)->Exec("PRAGMA foreign_keys = ON", "enable foreign keys"); !ok) {
        return std::unexpected(ok.error());
    }
    // A 64 MiB page cache keeps the hot B-tree pages (recent orders, indexes, accounts) in memory, and a
    // larger auto-checkpoint interval means fewer checkpoints (each one also fsyncs the main file).
    if (auto ok = (*db)->Exec("PRAGMA cache_size = -65536", "set cache size"); !ok) return std::unexpected(ok.error());
    if (auto ok = (*db)->Exec("PRAGMA temp_store = MEMORY", "set temp store"); !ok) return std::unexpected(ok.error());
    if (!options.read_only) {
        if (auto ok = (*db)->Exec("PRAGMA wal_autocheckpoint = 8192", "set checkpoint interval"); !ok) {
            return std::unexpected(ok.error());
        }
    }
    if (options.quick_check) {
        auto problems = QuickCheck(**db);
        if (!problems) return std::unexpected(FileError(path, problems.error()));
        if (!problems->empty()) {
            return MakeError(ErrorCode::kDataLoss, path + " is corrupt (quick_check: " + *problems + ")");
        }
    }
    if (auto ok = CheckSchemaCompatible(**db, migrations); !ok) return std::unexpected(FileError(path, ok.error()));
    return db;
}

Result<std::string> QuickCheck(Database& db) {
    auto stmt = db.PrepareOnce(kQuickCheck);
    if (!stmt) return std::unexpected(stmt.error());
    std::string problems;
    for (;;) {
        auto row = stmt->Step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        const std::string line = stmt->Text(0);
        if (line == "ok") continue;
        if (!problems.empty()) problems += "; ";
        problems += line;
    }
    return problems;
}

Status UpsertStocksIn(Database& db, const market::Universe& universe) {
    const std::vector<market::StockInfo> all = universe.all();  // one consistent copy
    for (std::size_t i = 0; i < all.size(); ++i) {
        const market::StockInfo& info = all[i];
        const auto id = static_cast<std::int64_t>(i);
        {
            auto stmt = db.Prepare(kStockIdOfCode);
            if (!stmt) return std::unexpected(stmt.error());
            stmt->Bind(1, info.code);
            auto row = stmt->Step();
            if (!row) return std::unexpected(row.error());
            if (*row && stmt->Int(0) != id) {
                return MakeError(ErrorCode::kFailedPrecondition,
                                 db.path() + ": stock " + info.code + " is stored with id " +
                                     std::to_string(stmt->Int(0)) + " but the universe gives it id " +
                                     std::to_string(id) + "; build the universe from LoadStocks() first");
            }
        }
        {
            auto stmt = db.Prepare(kStockCodeOfId);
            if (!stmt) return std::unexpected(stmt.error());
            stmt->Bind(1, id);
            auto row = stmt->Step();
            if (!row) return std::unexpected(row.error());
            if (*row && stmt->Text(0) != info.code) {
                return MakeError(ErrorCode::kFailedPrecondition, db.path() + ": stock id " + std::to_string(id) +
                                                                     " belongs to " + stmt->Text(0) + ", not " +
                                                                     info.code + "; stock ids are permanent");
            }
        }
        auto stmt = db.Prepare(kUpsertStock);
        if (!stmt) return std::unexpected(stmt.error());
        BindStock(*stmt, id, info);
        if (auto ok = stmt->Run(); !ok) return ok;
    }
    return {};
}

Status InsertStockIn(Database& db, market::SymbolId id, const market::StockInfo& info) {
    {
        auto stmt = db.Prepare(kStockTaken);
        if (!stmt) return std::unexpected(stmt.error());
        stmt->Bind(1, static_cast<std::int64_t>(id)).Bind(2, info.code);
        auto row = stmt->Step();
        if (!row) return std::unexpected(row.error());
        if (*row) {
            return MakeError(ErrorCode::kAlreadyExists, db.path() + ": stock id " + std::to_string(id) + " or code " +
                                                            info.code + " is taken (by " + stmt->Text(0) + ")");
        }
    }
    auto stmt = db.Prepare(kInsertStock);
    if (!stmt) return std::unexpected(stmt.error());
    BindStock(*stmt, static_cast<std::int64_t>(id), info);
    return stmt->Run();
}

Status InsertTicksIn(Database& db, std::span<const market::Tick> ticks) {
    if (ticks.empty()) return {};
    auto stmt = db.Prepare(kInsertTick);
    if (!stmt) return std::unexpected(stmt.error());
    for (const market::Tick& t : ticks) {
        stmt->Bind(1, static_cast<std::int64_t>(t.symbol))
            .Bind(2, t.ts)
            .Bind(3, t.price)
            .Bind(4, t.bid)
            .Bind(5, t.ask)
            .Bind(6, t.volume);
        if (auto ok = stmt->Run(); !ok) return ok;
    }
    return {};
}

Result<std::int64_t> CountRowsIn(Database& db, const std::string& table) {
    {
        auto stmt = db.Prepare(kTableExists);
        if (!stmt) return std::unexpected(stmt.error());
        stmt->Bind(1, table);
        auto row = stmt->Step();
        if (!row) return std::unexpected(row.error());
        if (!*row || stmt->Int(0) == 0) {
            return MakeError(ErrorCode::kInvalidArgument, db.path() + " has no table '" + table + "'");
        }
    }
    auto stmt = db.PrepareOnce("SELECT COUNT(*) FROM " + QuoteIdentifier(table));
    if (!stmt) return std::unexpected(stmt.error());
    auto row = stmt->Step();
    if (!row) return std::unexpected(row.error());
    return *row ? stmt->Int(0) : 0;
}

}  // namespace ik::storage::impl
