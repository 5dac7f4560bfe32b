// SqliteServiceStore and SqliteRecommendStore on real files: the store contract suites (store_contract_test.*)
// instantiated for SQLite, plus what only SQLite has (WAL, migrations in one transaction each, the file left
// byte-for-byte unchanged when refused).
#include "storage/sqlite/sqlite_store.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "storage/sqlite/db.hpp"
#include "storage/sqlite/migrations.hpp"
#include "storage/store_contract_test.hpp"
#include "storage/test_events.hpp"

namespace ik::storage {
namespace {

using testing::ExecSql;
using testing::QuerySql;
using testing::TempDir;

// Both databases as files in a fresh temporary directory (so Reset() has nothing to do).
class SqliteBackend final : public testing::StoreBackend {
public:
    void Reset() override {}
    Result<std::unique_ptr<ServiceStore>> OpenService() override {
        auto store = SqliteServiceStore::Open(service_path(), SqliteOptions{});
        if (!store) return std::unexpected(store.error());
        return std::unique_ptr<ServiceStore>(std::move(*store));
    }
    Result<std::unique_ptr<RecommendStore>> OpenRecommend() override {
        auto store = SqliteRecommendStore::Open(dir_.File("recommend.db"), SqliteOptions{});
        if (!store) return std::unexpected(store.error());
        return std::unique_ptr<RecommendStore>(std::move(*store));
    }
    Status Exec(const std::string& sql) override { return Run(sql); }
    Status ExecUnchecked(const std::string& sql) override { return Run("PRAGMA foreign_keys = OFF; " + sql); }
    std::int64_t Query(const std::string& sql) override { return QuerySql(service_path(), sql); }
    std::string DumpTable(const std::string& table) override { return testing::DumpTable(service_path(), table); }

private:
    std::string service_path() const { return dir_.File("service.db"); }
    Status Run(const std::string& sql) {
        try {
            ExecSql(service_path(), sql);
        } catch (const std::exception& e) {
            return MakeError(ErrorCode::kInternal, e.what());
        }
        return {};
    }
    TempDir dir_;
};

const testing::StoreBackendFactory kSqlite{"Sqlite", [] { return std::make_unique<SqliteBackend>(); }};

}  // namespace

namespace testing {
INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContract, ::testing::Values(kSqlite),
                         [](const auto& info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(Sqlite, VerifyContract, ::testing::Combine(::testing::Values(kSqlite), ::testing::ValuesIn(Corruptions())),
                         VerifyContractName);
}  // namespace testing

namespace {

std::unique_ptr<SqliteServiceStore> OpenService(const std::string& path) {
    auto store = SqliteServiceStore::Open(path, SqliteOptions{});
    if (!store) throw std::runtime_error(store.error().message);
    if (auto ok = (*store)->Migrate(); !ok) throw std::runtime_error(ok.error().message);
    return std::move(*store);
}

std::string ReadBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(SqliteStoreTest, MigratesFreshDatabaseToLatestVersion) {
    TempDir dir;
    auto store = SqliteServiceStore::Open(dir.File("service.db"), SqliteOptions{});
    ASSERT_TRUE(store) << store.error().message;
    EXPECT_EQ((*store)->SchemaVersion().value(), 0);
    ASSERT_TRUE((*store)->Migrate());
    EXPECT_EQ((*store)->SchemaVersion().value(), (*store)->LatestSchemaVersion());
    EXPECT_EQ((*store)->LatestSchemaVersion(), 7);
    for (const char* table : {"users", "api_keys", "accounts", "orders", "fills", "positions", "deposits",
                              "ledger_entries", "stocks", "stock_infos", "bars", "engine_meta", "universe"}) {
        auto rows = (*store)->CountRows(table);
        ASSERT_TRUE(rows) << table << ": " << rows.error().message;
        EXPECT_EQ(*rows, 0) << table;
    }
    EXPECT_EQ((*store)->CountRows("schema_migrations").value(), 7);
    EXPECT_EQ(QuerySql(dir.File("service.db"), "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
}

TEST(SqliteStoreTest, EachMigrationCommitsInItsOwnTransaction) {
    TempDir dir;
    auto db = impl::Database::Open(dir.File("m.db"), impl::OpenFlags::kReadWriteCreate);
    ASSERT_TRUE(db);
    const impl::Migration first_two[] = {
        {1, "create_a", "CREATE TABLE a (x INTEGER)"},
        {2, "create_b", "CREATE TABLE b (x INTEGER); INSERT INTO b VALUES (1)"},
    };
    ASSERT_TRUE(impl::ApplyMigrations(**db, first_two));
    EXPECT_EQ(impl::SchemaVersionOf(**db).value(), 2);

    const impl::Migration with_broken_fourth[] = {
        first_two[0],
        first_two[1],
        {3, "create_c", "CREATE TABLE c (x INTEGER)"},
        {4, "broken", "CREATE TABLE d (x INTEGER); INSERT INTO no_such_table VALUES (1)"},
    };
    auto failed = impl::ApplyMigrations(**db, with_broken_fourth);
    ASSERT_FALSE(failed);
    EXPECT_NE(failed.error().message.find("migration 4 broken"), std::string::npos) << failed.error().message;
    EXPECT_EQ(impl::SchemaVersionOf(**db).value(), 3);  // 3 committed, 4 rolled back as a whole
    db->reset();
    EXPECT_EQ(QuerySql(dir.File("m.db"), "SELECT COUNT(*) FROM sqlite_master WHERE name = 'c'"), 1);
    EXPECT_EQ(QuerySql(dir.File("m.db"), "SELECT COUNT(*) FROM sqlite_master WHERE name = 'd'"), 0);
    EXPECT_EQ(QuerySql(dir.File("m.db"), "SELECT COUNT(*) FROM b"), 1);  // migration 2 ran exactly once
}

TEST(SqliteStoreTest, RefusesDatabaseNewerThanTheBinaryWithoutChangingIt) {
    TempDir dir;
    const std::string path = dir.File("service.db");
    OpenService(path).reset();
    ExecSql(path, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (8, 'from_the_future', 0)");
    ExecSql(path, "PRAGMA wal_checkpoint(TRUNCATE)");
    const std::string before = ReadBytes(path);

    auto store = SqliteServiceStore::Open(path, SqliteOptions{});
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_NE(store.error().message.find("schema version 8 is newer than this binary's 7"), std::string::npos)
        << store.error().message;
    EXPECT_EQ(ReadBytes(path), before);

    // Migrate() on a store opened before the newer binary wrote to the file refuses as well.
    ExecSql(path, "DELETE FROM schema_migrations WHERE version = 8");
    auto open = SqliteServiceStore::Open(path, SqliteOptions{});
    ASSERT_TRUE(open);
    ExecSql(path, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (8, 'from_the_future', 0)");
    auto migrated = (*open)->Migrate();
    ASSERT_FALSE(migrated);
    EXPECT_EQ(migrated.error().code, ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace ik::storage
