// MysqlServiceStore and MysqlRecommendStore against a real MariaDB (the ctest fixture mariadb_server; see
// db_test.cpp): the store contract suites (store_contract_test.*) instantiated for MariaDB, plus what only the
// MariaDB stores have (migrations whose DDL commits statement by statement).
#include "storage/mysql/mysql_store.hpp"

#include <mysql.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "storage/mysql/migrations.hpp"
#include "storage/store_contract_test.hpp"

namespace ik::storage {
namespace {

using namespace std::chrono_literals;

std::string ReadWord(const std::string& path) {
    std::ifstream in(path);
    std::string s;
    in >> s;
    return s;
}

// The fixture's database `name`; throws (failing the test, never skipping it) without a server.
mysql::Dsn FixtureDsn(const std::string& name) {
    const char* dir = std::getenv("IK_MARIADB_DIR");
    if (dir == nullptr) throw std::runtime_error("no server: run through ctest (fixture mariadb_server)");
    mysql::Dsn d;
    d.user = "investking";
    d.password = ReadWord(std::string(dir) + "/password");
    d.port = static_cast<std::uint16_t>(std::stoi(ReadWord(std::string(dir) + "/port")));
    d.database = name;
    return d;
}

std::unique_ptr<mysql::Connection> Connect(const mysql::Dsn& dsn) {
    auto c = mysql::Connection::Open(dsn, 30s);
    if (!c) throw std::runtime_error(c.error().message);
    return std::move(*c);
}

// Runs dynamic SQL (test-only) and returns every row as text columns.
std::vector<std::vector<std::string>> Rows(mysql::Connection& c, const std::string& sql) {
    MYSQL* db = c.handle();
    if (mysql_real_query(db, sql.data(), static_cast<unsigned long>(sql.size())) != 0) {
        throw std::runtime_error(sql + ": " + mysql_error(db));
    }
    std::vector<std::vector<std::string>> out;
    MYSQL_RES* res = mysql_store_result(db);
    if (res == nullptr) return out;
    const unsigned n = mysql_num_fields(res);
    while (MYSQL_ROW row = mysql_fetch_row(res)) {
        unsigned long* lengths = mysql_fetch_lengths(res);
        std::vector<std::string> r;
        for (unsigned i = 0; i < n; ++i) r.push_back(row[i] != nullptr ? std::string(row[i], lengths[i]) : "NULL");
        out.push_back(std::move(r));
    }
    mysql_free_result(res);
    return out;
}

// Drops every table of the connection's database.
void DropAllTables(mysql::Connection& c) {
    auto tables = Rows(c, "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()");
    if (tables.empty()) return;
    Rows(c, "SET FOREIGN_KEY_CHECKS = 0");
    for (const auto& t : tables) Rows(c, "DROP TABLE IF EXISTS `" + t[0] + "`");
    Rows(c, "SET FOREIGN_KEY_CHECKS = 1");
}

class MysqlBackend final : public testing::StoreBackend {
public:
    MysqlBackend() : service_(FixtureDsn("investking_service")), recommend_(FixtureDsn("investking_recommend")) {}

    void Reset() override {
        raw_ = Connect(service_);
        DropAllTables(*raw_);
        DropAllTables(*Connect(recommend_));
    }
    Result<std::unique_ptr<ServiceStore>> OpenService() override {
        auto store = MysqlServiceStore::Open(service_);
        if (!store) return std::unexpected(store.error());
        return std::unique_ptr<ServiceStore>(std::move(*store));
    }
    Result<std::unique_ptr<RecommendStore>> OpenRecommend() override {
        auto store = MysqlRecommendStore::Open(recommend_);
        if (!store) return std::unexpected(store.error());
        return std::unique_ptr<RecommendStore>(std::move(*store));
    }
    Status Exec(const std::string& sql) override {
        try {
            Rows(*raw_, sql);
        } catch (const std::exception& e) {
            return MakeError(ErrorCode::kInternal, e.what());
        }
        return {};
    }
    Status ExecUnchecked(const std::string& sql) override {
        Rows(*raw_, "SET FOREIGN_KEY_CHECKS = 0");
        auto ok = Exec(sql);
        Rows(*raw_, "SET FOREIGN_KEY_CHECKS = 1");
        return ok;
    }
    std::int64_t Query(const std::string& sql) override {
        auto rows = Rows(*raw_, sql);
        if (rows.empty() || rows[0].empty() || rows[0][0] == "NULL") return 0;
        return std::stoll(rows[0][0]);
    }
    std::string DumpTable(const std::string& table) override {
        std::vector<std::string> lines;
        for (const auto& r : Rows(*raw_, "SELECT * FROM `" + table + "`")) {
            std::string line;
            for (const auto& v : r) line += v + "|";
            lines.push_back(std::move(line));
        }
        std::sort(lines.begin(), lines.end());
        std::string out;
        for (const auto& l : lines) out += l + "\n";
        return out;
    }

private:
    mysql::Dsn service_;
    mysql::Dsn recommend_;
    std::unique_ptr<mysql::Connection> raw_;
};

const testing::StoreBackendFactory kMysql{"Mysql", [] { return std::make_unique<MysqlBackend>(); }};

}  // namespace

namespace testing {
INSTANTIATE_TEST_SUITE_P(Mysql, StoreContract, ::testing::Values(kMysql),
                         [](const auto& info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(Mysql, VerifyContract,
                         ::testing::Combine(::testing::Values(kMysql), ::testing::ValuesIn(Corruptions())),
                         VerifyContractName);
}  // namespace testing

namespace {

TEST(MysqlMigrationsTest, EachMigrationIsRecordedAfterItsStatementsAndAHalfAppliedOneRunsAgain) {
    MysqlBackend backend;
    backend.Reset();
    auto c = Connect(FixtureDsn("investking_service"));
    constexpr std::string_view kA[] = {"CREATE TABLE IF NOT EXISTS a (x BIGINT) ENGINE=InnoDB"};
    constexpr std::string_view kB[] = {"CREATE TABLE IF NOT EXISTS b (x BIGINT PRIMARY KEY) ENGINE=InnoDB",
                                       "INSERT INTO b VALUES (1) ON DUPLICATE KEY UPDATE x = x"};
    constexpr std::string_view kC[] = {"CREATE TABLE IF NOT EXISTS c (x BIGINT) ENGINE=InnoDB"};
    constexpr std::string_view kBrokenD[] = {"CREATE TABLE IF NOT EXISTS d (x BIGINT) ENGINE=InnoDB",
                                             "INSERT INTO no_such_table VALUES (1)"};
    constexpr std::string_view kD[] = {"CREATE TABLE IF NOT EXISTS d (x BIGINT) ENGINE=InnoDB",
                                       "ALTER TABLE d ADD COLUMN IF NOT EXISTS y BIGINT NOT NULL DEFAULT 7"};
    const mysql::Migration first_two[] = {{1, "create_a", kA}, {2, "create_b", kB}};
    ASSERT_TRUE(mysql::ApplyMigrations(*c, first_two));
    EXPECT_EQ(mysql::SchemaVersionOf(*c).value(), 2);
    ASSERT_TRUE(mysql::ApplyMigrations(*c, first_two));  // idempotent

    const mysql::Migration with_broken_fourth[] = {first_two[0], first_two[1], {3, "create_c", kC}, {4, "d", kBrokenD}};
    auto failed = mysql::ApplyMigrations(*c, with_broken_fourth);
    ASSERT_FALSE(failed);
    EXPECT_NE(failed.error().message.find("migration 4 d"), std::string::npos) << failed.error().message;
    EXPECT_EQ(mysql::SchemaVersionOf(*c).value(), 3);  // 3 recorded; 4's first statement committed, 4 is not
    EXPECT_EQ(backend.Query("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()"
                            " AND table_name = 'd'"),
              1);

    // The fixed migration 4 runs over its half-applied self.
    const mysql::Migration fixed[] = {first_two[0], first_two[1], {3, "create_c", kC}, {4, "d", kD}};
    ASSERT_TRUE(mysql::ApplyMigrations(*c, fixed));
    EXPECT_EQ(mysql::SchemaVersionOf(*c).value(), 4);
    ASSERT_TRUE(backend.Exec("INSERT INTO d (x) VALUES (1)"));
    EXPECT_EQ(backend.Query("SELECT y FROM d"), 7);
    EXPECT_EQ(backend.Query("SELECT COUNT(*) FROM b"), 1);  // migration 2 ran exactly once
    EXPECT_EQ(backend.Query("SELECT COUNT(*) FROM schema_migrations"), 4);
}

TEST(MysqlMigrationsTest, TheRealSchemaIsInnoDbUtf8mb4AndAHalfAppliedVersionRunsAgain) {
    MysqlBackend backend;
    backend.Reset();
    auto store = MysqlServiceStore::Open(FixtureDsn("investking_service"));
    ASSERT_TRUE(store) << store.error().message;
    ASSERT_TRUE((*store)->Migrate());
    EXPECT_EQ(backend.Query("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()"
                            " AND (engine <> 'InnoDB' OR table_collation <> 'utf8mb4_bin')"),
              0);
    // As if the process died after migration 4's DDL but before recording it.
    ASSERT_TRUE(backend.Exec("DELETE FROM schema_migrations WHERE version >= 3"));
    EXPECT_EQ((*store)->SchemaVersion().value(), 2);
    ASSERT_TRUE((*store)->Migrate());
    EXPECT_EQ((*store)->SchemaVersion().value(), 7);
    EXPECT_EQ((*store)->CountRows("universe").value(), 0);
}

// An engine's instance number is held as a named lock of its connection: a second holder is refused until the
// first connection is gone.
TEST(MysqlStoreTest, ANamedLockIsHeldByOneConnectionUntilItCloses) {
    MysqlBackend backend;
    backend.Reset();  // whatever schema an earlier test left: Open refuses a diverged one
    auto a = MysqlServiceStore::Open(FixtureDsn("investking_service"));
    auto b = MysqlServiceStore::Open(FixtureDsn("investking_service"));
    ASSERT_TRUE(a.has_value() && b.has_value());
    const std::string name = "investking-test-lock-" + std::to_string(::getpid());
    EXPECT_TRUE((*a)->TryNamedLock(name).value());
    EXPECT_TRUE((*a)->TryNamedLock(name).value()) << "the holder may take it again";
    EXPECT_FALSE((*b)->TryNamedLock(name).value());
    a->reset();
    EXPECT_TRUE((*b)->TryNamedLock(name).value()) << "free once the holder's connection closed";
}

// Two engines claiming their partitions' offset rows at the same moment lock the same index gap; InnoDB rolls
// one of them back (a deadlock), and CommitGroup runs it again, so both commits succeed.
TEST(MysqlStoreTest, ConcurrentFirstClaimsOfOffsetsAllCommitDespiteDeadlocks) {
    MysqlBackend backend;
    backend.Reset();
    auto a = MysqlServiceStore::Open(FixtureDsn("investking_service"));
    auto b = MysqlServiceStore::Open(FixtureDsn("investking_service"));
    ASSERT_TRUE(a.has_value() && b.has_value());
    ASSERT_TRUE((*a)->Migrate());
    constexpr int kRounds = 30;
    auto claim = [](ServiceStore& store, int first) {
        int failures = 0;
        for (int round = 0; round < kRounds; ++round) {
            WriteBatch batch;
            for (int p = 0; p < 4; ++p) batch.offsets.push_back({"engine", "orders", round * 8 + first + 2 * p, -1, 1});
            if (!store.Commit(batch)) ++failures;
        }
        return failures;
    };
    int failures_a = 0, failures_b = 0;
    std::thread ta([&] { failures_a = claim(**a, 0); });
    std::thread tb([&] { failures_b = claim(**b, 1); });
    ta.join();
    tb.join();
    EXPECT_EQ(failures_a + failures_b, 0);
    EXPECT_EQ((*a)->LoadConsumerOffsets("engine", "orders").value().size(), static_cast<std::size_t>(kRounds * 8));
    EXPECT_TRUE(mysql::IsTransactionConflict(Error{ErrorCode::kUnavailable, "execute (x): Deadlock found [1213]"}));
    EXPECT_TRUE(mysql::IsTransactionConflict(Error{ErrorCode::kUnavailable, "execute (x): Lock wait timeout [1205]"}));
    EXPECT_FALSE(mysql::IsTransactionConflict(Error{ErrorCode::kUnavailable, "connect (x): gone [2006]"}));
}

TEST(MysqlStoreTest, AnAbsentServerIsUnavailableNamingTheRedactedUrl) {
    auto dsn = FixtureDsn("investking_service");
    dsn.port = 1;
    MysqlOptions options;
    options.connect_timeout = 1s;
    auto store = MysqlServiceStore::Open(dsn, options);
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(store.error().message.find("mysql://investking:***@127.0.0.1:1/investking_service"), std::string::npos)
        << store.error().message;
}

}  // namespace
}  // namespace ik::storage
