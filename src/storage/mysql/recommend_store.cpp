#include "storage/mysql/db.hpp"
#include "storage/mysql/migrations.hpp"
#include "storage/mysql/mysql_store.hpp"
#include "storage/mysql/shared.hpp"

namespace ik::storage {

MysqlRecommendStore::MysqlRecommendStore(std::unique_ptr<mysql::Connection> c)
    : c_(std::move(c)), where_(c_->dsn().Redacted()) {}

MysqlRecommendStore::~MysqlRecommendStore() = default;

Result<std::unique_ptr<MysqlRecommendStore>> MysqlRecommendStore::Open(const mysql::Dsn& dsn,
                                                                       const MysqlOptions& options) {
    auto c = mysql::OpenChecked(dsn, options.connect_timeout, mysql::RecommendMigrations());
    if (!c) return std::unexpected(c.error());
    return std::unique_ptr<MysqlRecommendStore>(new MysqlRecommendStore(std::move(*c)));
}

Status MysqlRecommendStore::Migrate() {
    std::lock_guard lock(mutex_);
    return mysql::ApplyMigrations(*c_, mysql::RecommendMigrations());
}

Result<int> MysqlRecommendStore::SchemaVersion() {
    std::lock_guard lock(mutex_);
    return mysql::SchemaVersionOf(*c_);
}

int MysqlRecommendStore::LatestSchemaVersion() const { return static_cast<int>(mysql::RecommendMigrations().size()); }

Status MysqlRecommendStore::UpsertStocks(const market::Universe& universe) {
    std::lock_guard lock(mutex_);
    auto txn = mysql::Transaction::Begin(*c_);
    if (!txn) return std::unexpected(txn.error());
    if (auto ok = mysql::UpsertStocksIn(*c_, universe); !ok) return ok;
    return txn->Commit();
}

Status MysqlRecommendStore::AppendTicks(std::span<const market::Tick> ticks) {
    if (ticks.empty()) return {};
    std::lock_guard lock(mutex_);
    auto txn = mysql::Transaction::Begin(*c_);
    if (!txn) return std::unexpected(txn.error());
    if (auto ok = mysql::InsertTicksIn(*c_, ticks); !ok) return ok;
    return txn->Commit();
}

Result<std::int64_t> MysqlRecommendStore::CountRows(const std::string& table) {
    std::lock_guard lock(mutex_);
    return mysql::CountRowsIn(*c_, table);
}

}  // namespace ik::storage
