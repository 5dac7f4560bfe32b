#include "storage/sqlite/db.hpp"
#include "storage/sqlite/migrations.hpp"
#include "storage/sqlite/shared.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace ik::storage {

SqliteRecommendStore::SqliteRecommendStore(std::unique_ptr<impl::Database> db, std::string path)
    : db_(std::move(db)), path_(std::move(path)) {}

SqliteRecommendStore::~SqliteRecommendStore() = default;

Result<std::unique_ptr<SqliteRecommendStore>> SqliteRecommendStore::Open(const std::string& path,
                                                                         const SqliteOptions& options) {
    auto db = impl::OpenConfigured(path, options, impl::RecommendMigrations());
    if (!db) return std::unexpected(db.error());
    return std::unique_ptr<SqliteRecommendStore>(new SqliteRecommendStore(std::move(*db), path));
}

Status SqliteRecommendStore::Migrate() {
    std::lock_guard lock(mutex_);
    return impl::ApplyMigrations(*db_, impl::RecommendMigrations());
}

Result<int> SqliteRecommendStore::SchemaVersion() {
    std::lock_guard lock(mutex_);
    return impl::SchemaVersionOf(*db_);
}

int SqliteRecommendStore::LatestSchemaVersion() const { return static_cast<int>(impl::RecommendMigrations().size()); }

Status SqliteRecommendStore::UpsertStocks(const market::Universe& universe) {
    std::lock_guard lock(mutex_);
    auto txn = impl::Transaction::Begin(*db_, impl::Transaction::Kind::kImmediate);
    if (!txn) return std::unexpected(txn.error());
    if (auto ok = impl::UpsertStocksIn(*db_, universe); !ok) return ok;
    return txn->Commit();
}

Status SqliteRecommendStore::AppendTicks(std::span<const market::Tick> ticks) {
    if (ticks.empty()) return {};
    std::lock_guard lock(mutex_);
    auto txn = impl::Transaction::Begin(*db_, impl::Transaction::Kind::kImmediate);
    if (!txn) return std::unexpected(txn.error());
    if (auto ok = impl::InsertTicksIn(*db_, ticks); !ok) return ok;
    return txn->Commit();
}

Result<std::int64_t> SqliteRecommendStore::CountRows(const std::string& table) {
    std::lock_guard lock(mutex_);
    return impl::CountRowsIn(*db_, table);
}

}  // namespace ik::storage
