// The MariaDB connection layer against a real server (MariaDB 10.11 from Debian), started for the test run by
// the ctest fixture mariadb_server (scripts/mariadb start build/…/mariadb); IK_MARIADB_DIR names that folder.
#include "storage/mysql/db.hpp"

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

namespace ik::storage::mysql {
namespace {

using namespace std::chrono_literals;

std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    std::string s;
    in >> s;
    return s;
}

// The fixture's service database; the test fails (never skips) without one.
Dsn ServiceDsn() {
    const char* dir = std::getenv("IK_MARIADB_DIR");
    if (dir == nullptr) {
        ADD_FAILURE() << "no server: run through ctest (fixture mariadb_server) with IK_MARIADB_DIR set";
        return {};
    }
    Dsn d;
    d.user = "investking";
    d.password = ReadFile(std::string(dir) + "/password");
    d.port = static_cast<std::uint16_t>(std::stoi(ReadFile(std::string(dir) + "/port")));
    d.database = "investking_service";
    return d;
}

std::unique_ptr<Connection> Open() {
    auto c = Connection::Open(ServiceDsn(), 30s);
    if (!c) {
        ADD_FAILURE() << c.error().message;
        std::abort();
    }
    return std::move(*c);
}

TEST(MysqlDsn, ParsesUrlsAndRefusesBrokenOnes) {
    auto d = Dsn::Parse("mysql://investking:p%40ss:w@127.0.0.1:3307/investking_service");
    ASSERT_TRUE(d.has_value()) << d.error().message;
    EXPECT_EQ(d->user, "investking");
    EXPECT_EQ(d->password, "p@ss:w");
    EXPECT_EQ(d->host, "127.0.0.1");
    EXPECT_EQ(d->port, 3307);
    EXPECT_EQ(d->database, "investking_service");
    EXPECT_EQ(d->Redacted(), "mysql://investking:***@127.0.0.1:3307/investking_service");
    EXPECT_EQ(Dsn::Parse("mysql://u@db/x")->port, 3306);
    for (const char* bad : {"postgres://u:p@h/x", "mysql://h/x", "mysql://u:p@h:0/x", "mysql://u:p@h:99999/x",
                            "mysql://u:p@h:12a/x", "mysql://u:p@/x", "mysql://u:p@h/", "mysql://u:p%4@h/x"}) {
        EXPECT_EQ(Dsn::Parse(bad).error().code, ErrorCode::kInvalidArgument) << bad;
    }
}

TEST(MysqlConnection, RefusedCredentialsAndAnAbsentServerAreClearErrors) {
    Dsn wrong = ServiceDsn();
    wrong.password = "not-the-password";
    auto refused = Connection::Open(wrong, 5s);
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied) << refused.error().message;
    EXPECT_EQ(refused.error().message.find("not-the-password"), std::string::npos) << "the password never shows";

    Dsn absent = ServiceDsn();
    absent.port = 1;
    const auto start = std::chrono::steady_clock::now();
    auto down = Connection::Open(absent, 2s);
    ASSERT_FALSE(down.has_value());
    EXPECT_EQ(down.error().code, ErrorCode::kUnavailable) << down.error().message;
    EXPECT_NE(down.error().message.find("127.0.0.1:1"), std::string::npos) << down.error().message;
    EXPECT_LT(std::chrono::steady_clock::now() - start, 15s);
}

TEST(MysqlConnection, PreparedStatementsBindTextIntegersAndNullsAndUpsert) {
    auto c = Open();
    ASSERT_TRUE(c->Exec("DROP TABLE IF EXISTS db_test_stocks").has_value());
    ASSERT_TRUE(c->Exec("CREATE TABLE db_test_stocks (code VARCHAR(6) PRIMARY KEY, name VARCHAR(200) NOT NULL,"
                        " price BIGINT NOT NULL, note TEXT NULL) ENGINE=InnoDB")
                    .has_value());
    static constexpr const char* kUpsert =
        "INSERT INTO db_test_stocks (code, name, price, note) VALUES (?, ?, ?, ?)"
        " ON DUPLICATE KEY UPDATE name = VALUES(name), price = VALUES(price), note = VALUES(note)";
    const std::string long_note(5'000, 'x');  // longer than the first fetch buffer
    {
        auto s = c->Prepare(kUpsert);
        ASSERT_TRUE(s.has_value()) << s.error().message;
        ASSERT_TRUE(s->Bind(0, "005930").Bind(1, "삼성전자 📈").Bind(2, std::int64_t{250'000}).BindNull(3).Execute());
        EXPECT_EQ(s->AffectedRows(), 1);
    }
    {
        auto s = c->Prepare(kUpsert);  // the cached statement again
        ASSERT_TRUE(s->Bind(0, "000660").Bind(1, "SK하이닉스").Bind(2, std::int64_t{9'000'000'000'000}).Bind(3, long_note).Execute());
        ASSERT_TRUE(s->Bind(0, "005930").Bind(1, "삼성전자").Bind(2, std::int64_t{251'000}).BindNull(3).Execute());
        EXPECT_EQ(s->AffectedRows(), 2) << "an upsert that changed a row counts 2";
    }
    static constexpr const char* kSelect = "SELECT code, name, price, note FROM db_test_stocks WHERE price >= ? ORDER BY code";
    auto q = c->Prepare(kSelect);
    ASSERT_TRUE(q->Bind(0, std::int64_t{0}).Execute());
    ASSERT_TRUE(q->Fetch().value_or(false));
    EXPECT_EQ(q->Text(0), "000660");
    EXPECT_EQ(q->Int(2), 9'000'000'000'000);
    EXPECT_EQ(q->Text(3), long_note);
    ASSERT_TRUE(q->Fetch().value_or(false));
    EXPECT_EQ(q->Text(1), "삼성전자");
    EXPECT_EQ(q->Int(2), 251'000);
    EXPECT_TRUE(q->IsNull(3));
    EXPECT_FALSE(q->Fetch().value_or(true));

    // A hostile value is data, never SQL.
    auto s = c->Prepare(kUpsert);
    ASSERT_TRUE(s->Bind(0, "x'); D").Bind(1, "'; DROP TABLE db_test_stocks; --").Bind(2, std::int64_t{1}).BindNull(3).Execute());
    static constexpr const char* kCount = "SELECT COUNT(*) FROM db_test_stocks";
    auto n = c->Prepare(kCount);
    ASSERT_TRUE(n->Execute());
    ASSERT_TRUE(n->Fetch().value_or(false));
    EXPECT_EQ(n->Int(0), 3);
}

TEST(MysqlConnection, DuplicatesAreAlreadyExistsAndTransactionsCommitOrRollBack) {
    auto c = Open();
    auto other = Open();
    ASSERT_TRUE(c->Exec("DROP TABLE IF EXISTS db_test_ledger").has_value());
    ASSERT_TRUE(c->Exec("CREATE TABLE db_test_ledger (id BIGINT PRIMARY KEY, amount BIGINT NOT NULL) ENGINE=InnoDB").has_value());
    static constexpr const char* kInsert = "INSERT INTO db_test_ledger (id, amount) VALUES (?, ?)";
    static constexpr const char* kSum = "SELECT COALESCE(SUM(amount), 0), COUNT(*) FROM db_test_ledger";
    const auto sum = [&](Connection& on) {
        auto q = on.Prepare(kSum);
        EXPECT_TRUE(q->Execute());
        EXPECT_TRUE(q->Fetch().value_or(false));
        return std::pair{q->Int(0), q->Int(1)};
    };
    {
        auto tx = Transaction::Begin(*c);
        ASSERT_TRUE(tx.has_value());
        ASSERT_TRUE(c->Prepare(kInsert)->Bind(0, std::int64_t{1}).Bind(1, std::int64_t{100}).Execute());
        ASSERT_TRUE(c->Prepare(kInsert)->Bind(0, std::int64_t{2}).Bind(1, std::int64_t{-100}).Execute());
        EXPECT_EQ(sum(*other), (std::pair<std::int64_t, std::int64_t>{0, 0})) << "not visible before the commit";
        ASSERT_TRUE(tx->Commit().has_value());
    }
    EXPECT_EQ(sum(*other), (std::pair<std::int64_t, std::int64_t>{0, 2}));
    {
        auto tx = Transaction::Begin(*c);
        ASSERT_TRUE(c->Prepare(kInsert)->Bind(0, std::int64_t{3}).Bind(1, std::int64_t{5}).Execute());
        auto dup = c->Prepare(kInsert)->Bind(0, std::int64_t{1}).Bind(1, std::int64_t{7}).Execute();
        ASSERT_FALSE(dup.has_value());
        EXPECT_EQ(dup.error().code, ErrorCode::kAlreadyExists) << dup.error().message;
        // leaving without Commit rolls back what the transaction did
    }
    EXPECT_EQ(sum(*c), (std::pair<std::int64_t, std::int64_t>{0, 2}));
    EXPECT_EQ(sum(*other), (std::pair<std::int64_t, std::int64_t>{0, 2}));
}

}  // namespace
}  // namespace ik::storage::mysql
