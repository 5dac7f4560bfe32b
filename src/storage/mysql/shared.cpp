#include "storage/mysql/shared.hpp"

#include <array>
#include <string>
#include <utility>

namespace ik::storage::mysql {

namespace {

constexpr const char* kStockIdOfCode = "SELECT id FROM stocks WHERE code = ?";
constexpr const char* kStockCodeOfId = "SELECT code FROM stocks WHERE id = ?";
constexpr const char* kUpsertStock = R"sql(
INSERT INTO stocks (id, code, name_ko, name_en, market, sector, previous_close) VALUES (?, ?, ?, ?, ?, ?, ?)
ON DUPLICATE KEY UPDATE name_ko = VALUES(name_ko), name_en = VALUES(name_en), market = VALUES(market),
    sector = VALUES(sector), previous_close = VALUES(previous_close))sql";
constexpr const char* kStockTaken = "SELECT code FROM stocks WHERE id = ? OR code = ?";
constexpr const char* kInsertStock = R"sql(
INSERT INTO stocks (id, code, name_ko, name_en, market, sector, previous_close) VALUES (?, ?, ?, ?, ?, ?, ?))sql";
// Not INSERT IGNORE: that would also turn other errors (a value out of range) into warnings.
// Ticks go in multi-row INSERTs: one statement and one round trip per chunk instead of per row (the sink's
// batches are thousands of ticks). The chunk sizes, largest first; the texts are built once and live as long as
// the program, since the connection caches statements by pointer.
constexpr std::array<std::size_t, 3> kTickChunks = {256, 16, 1};

const char* InsertTicksSql(std::size_t rows) {
    static const std::array<std::string, kTickChunks.size()> texts = [] {
        std::array<std::string, kTickChunks.size()> out;
        for (std::size_t i = 0; i < kTickChunks.size(); ++i) {
            out[i] = "INSERT INTO stock_infos (stock_id, ts, price, bid, ask, volume) VALUES ";
            for (std::size_t r = 0; r < kTickChunks[i]; ++r)
                out[i] += r == 0 ? "(?, ?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?, ?)";
            out[i] += " ON DUPLICATE KEY UPDATE stock_id = stock_id";
        }
        return out;
    }();
    for (std::size_t i = 0; i < kTickChunks.size(); ++i) {
        if (kTickChunks[i] == rows) return texts[i].c_str();
    }
    return nullptr;
}
constexpr const char* kTableExists =
    "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?";

// Every table of either database, with its count statement (table names cannot be bound as parameters).
#define IK_COUNT(table) \
    std::pair<std::string_view, const char*> { table, "SELECT COUNT(*) FROM " table }
constexpr std::array kCounts = {
    IK_COUNT("schema_migrations"),
    IK_COUNT("users"),
    IK_COUNT("api_keys"),
    IK_COUNT("accounts"),
    IK_COUNT("orders"),
    IK_COUNT("fills"),
    IK_COUNT("positions"),
    IK_COUNT("deposits"),
    IK_COUNT("ledger_entries"),
    IK_COUNT("engine_meta"),
    IK_COUNT("stocks"),
    IK_COUNT("stock_infos"),
    IK_COUNT("bars"),
    IK_COUNT("refresh_tokens"),
    IK_COUNT("watchlists"),
    IK_COUNT("watchlist_items"),
    IK_COUNT("universe"),
    IK_COUNT("weathers"),
    IK_COUNT("recommendations"),
    IK_COUNT("consumer_offsets"),
    IK_COUNT("alerts"),
    IK_COUNT("notifications"),
    IK_COUNT("alert_marks"),
    IK_COUNT("alert_deliveries"),
};
#undef IK_COUNT

// The seven columns of a stocks row, in the order of kUpsertStock and kInsertStock.
template <class Stmt>
void BindStock(Stmt& stmt, std::int64_t id, const market::StockInfo& info) {
    stmt.Bind(0, id)
        .Bind(1, info.code)
        .Bind(2, info.name_ko)
        .Bind(3, info.name_en)
        .Bind(4, market::ExchangeName(info.market))
        .Bind(5, info.sector)
        .Bind(6, info.previous_close);
}

}  // namespace

Result<std::unique_ptr<Connection>> OpenChecked(const Dsn& dsn, std::chrono::milliseconds timeout,
                                                std::span<const Migration> migrations) {
    auto c = Connection::Open(dsn, timeout);
    if (!c) return std::unexpected(c.error());
    if (auto ok = CheckSchemaCompatible(**c, migrations); !ok) return std::unexpected(ok.error());
    return c;
}

Result<std::optional<std::int64_t>> QueryInt(Connection& c, const char* sql) {
    auto stmt = c.Prepare(sql);
    if (!stmt) return std::unexpected(stmt.error());
    if (auto ok = stmt->Execute(); !ok) return std::unexpected(ok.error());
    auto row = stmt->Fetch();
    if (!row) return std::unexpected(row.error());
    if (!*row || stmt->IsNull(0)) return std::optional<std::int64_t>{};
    return std::optional<std::int64_t>(stmt->Int(0));
}

Status UpsertStocksIn(Connection& c, const market::Universe& universe) {
    const std::vector<market::StockInfo> all = universe.all();  // one consistent copy
    const std::string where = c.dsn().Redacted();
    for (std::size_t i = 0; i < all.size(); ++i) {
        const market::StockInfo& info = all[i];
        const auto id = static_cast<std::int64_t>(i);
        {
            auto stmt = c.Prepare(kStockIdOfCode);
            if (!stmt) return std::unexpected(stmt.error());
            stmt->Bind(0, info.code);
            if (auto ok = stmt->Execute(); !ok) return ok;
            auto row = stmt->Fetch();
            if (!row) return std::unexpected(row.error());
            if (*row && stmt->Int(0) != id) {
                return MakeError(ErrorCode::kFailedPrecondition,
                                 where + ": stock " + info.code + " is stored with id " + std::to_string(stmt->Int(0)) +
                                     " but the universe gives it id " + std::to_string(id) +
                                     "; build the universe from LoadStocks() first");
            }
        }
        {
            auto stmt = c.Prepare(kStockCodeOfId);
            if (!stmt) return std::unexpected(stmt.error());
            stmt->Bind(0, id);
            if (auto ok = stmt->Execute(); !ok) return ok;
            auto row = stmt->Fetch();
            if (!row) return std::unexpected(row.error());
            if (*row && stmt->Text(0) != info.code) {
                return MakeError(ErrorCode::kFailedPrecondition, where + ": stock id " + std::to_string(id) +
                                                                     " belongs to " + stmt->Text(0) + ", not " +
                                                                     info.code + "; stock ids are permanent");
            }
        }
        auto stmt = c.Prepare(kUpsertStock);
        if (!stmt) return std::unexpected(stmt.error());
        BindStock(*stmt, id, info);
        if (auto ok = stmt->Execute(); !ok) return ok;
    }
    return {};
}

Status InsertStockIn(Connection& c, market::SymbolId id, const market::StockInfo& info) {
    {
        auto stmt = c.Prepare(kStockTaken);
        if (!stmt) return std::unexpected(stmt.error());
        stmt->Bind(0, static_cast<std::int64_t>(id)).Bind(1, info.code);
        if (auto ok = stmt->Execute(); !ok) return ok;
        auto row = stmt->Fetch();
        if (!row) return std::unexpected(row.error());
        if (*row) {
            return MakeError(ErrorCode::kAlreadyExists, c.dsn().Redacted() + ": stock id " + std::to_string(id) +
                                                            " or code " + info.code + " is taken (by " + stmt->Text(0) +
                                                            ")");
        }
    }
    auto stmt = c.Prepare(kInsertStock);
    if (!stmt) return std::unexpected(stmt.error());
    BindStock(*stmt, static_cast<std::int64_t>(id), info);
    return stmt->Execute();  // ER_DUP_ENTRY (another connection's insert) is kAlreadyExists
}

Status InsertTicksIn(Connection& c, std::span<const market::Tick> ticks) {
    std::size_t at = 0;
    for (const std::size_t chunk : kTickChunks) {
        for (; ticks.size() - at >= chunk; at += chunk) {
            auto stmt = c.Prepare(InsertTicksSql(chunk));
            if (!stmt) return std::unexpected(stmt.error());
            for (std::size_t r = 0; r < chunk; ++r) {
                const market::Tick& t = ticks[at + r];
                const int base = static_cast<int>(r * 6);
                stmt->Bind(base, static_cast<std::int64_t>(t.symbol))
                    .Bind(base + 1, t.ts)
                    .Bind(base + 2, t.price)
                    .Bind(base + 3, t.bid)
                    .Bind(base + 4, t.ask)
                    .Bind(base + 5, t.volume);
            }
            if (auto ok = stmt->Execute(); !ok) return ok;
        }
    }
    return {};
}

Result<std::int64_t> CountRowsIn(Connection& c, const std::string& table) {
    const char* sql = nullptr;
    for (const auto& [name, count] : kCounts) {
        if (name == table) sql = count;
    }
    const auto unknown = [&] {
        return MakeError(ErrorCode::kInvalidArgument, c.dsn().Redacted() + " has no table '" + table + "'");
    };
    if (sql == nullptr) return unknown();
    {
        auto stmt = c.Prepare(kTableExists);
        if (!stmt) return std::unexpected(stmt.error());
        stmt->Bind(0, table);
        if (auto ok = stmt->Execute(); !ok) return std::unexpected(ok.error());
        auto row = stmt->Fetch();
        if (!row) return std::unexpected(row.error());
        if (!*row || stmt->Int(0) == 0) return unknown();
    }
    auto n = QueryInt(c, sql);
    if (!n) return std::unexpected(n.error());
    return n->value_or(0);
}

}  // namespace ik::storage::mysql
