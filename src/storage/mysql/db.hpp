#pragma once
// A thin layer over MariaDB Connector/C (libmariadb) for the MySQL/MariaDB stores: a connection from a
// `mysql://user:password@host:port/database` URL, prepared statements only (parameters are always bound,
// never spliced into SQL text), a transaction guard, and the one place that maps server errors to ik::Error.
// Not thread-safe: a Connection and its statements are used by one thread at a time (callers serialise).
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "common/error.hpp"
#include "storage/each_row.hpp"

struct st_mysql;
struct st_mysql_stmt;

namespace ik::storage::mysql {

// Where a database is. `Redacted()` is the URL with the password replaced, for logs and errors.
struct Dsn {
    std::string user;
    std::string password;
    std::string host = "127.0.0.1";
    std::uint16_t port = 3306;
    std::string database;

    // mysql://user:password@host[:port]/database (user and password may be percent-encoded).
    static Result<Dsn> Parse(std::string_view url);
    std::string Redacted() const;
};

// A prepared statement in use. Parameters and columns are 0-based. Every column arrives as text (integers in
// decimal), so reading never depends on the column's declared type.
class Statement final {
public:
    Statement(Statement&&) noexcept;
    Statement& operator=(Statement&&) = delete;
    ~Statement();

    Statement& Bind(int index, std::int64_t value);
    Statement& Bind(int index, std::string_view value);
    Statement& BindNull(int index);
    Statement& BindOptional(int index, std::optional<std::int64_t> value);

    // Sends the statement with its parameters; rows (if any) are then read with Fetch().
    Status Execute();
    // The next row: true when there is one, false when done.
    Result<bool> Fetch();
    // Fetches every row, calling `row(*this)` for each; stops at the first error (a row callback may return
    // Status to stop with its error). As impl::Stmt::ForEach for SQLite.
    template <class F>
    Status ForEach(F&& row) {
        return EachRow([this] { return Fetch(); }, [&] { return row(*this); });
    }
    std::int64_t Int(int column) const;  // 0 for NULL
    std::string Text(int column) const;
    bool IsNull(int column) const;
    // Rows inserted, updated or deleted by the last Execute() (an upsert that changed a row counts 2).
    std::int64_t AffectedRows() const;
    std::int64_t LastInsertId() const;

    struct Impl;

private:
    friend class Connection;
    explicit Statement(Impl* impl) : impl_(impl) {}
    Impl* impl_;  // owned by the connection's cache
};

class Connection final {
public:
    // Connects over TCP with utf8mb4, retrying until the server answers or `timeout` passes; kUnavailable
    // naming the (redacted) URL otherwise, kPermissionDenied for refused credentials.
    static Result<std::unique_ptr<Connection>> Open(const Dsn& dsn, std::chrono::milliseconds timeout);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Statements without parameters or rows of interest (DDL). Never with values from outside.
    Status Exec(std::string_view sql);
    // A cached prepared statement. `sql` must have static storage duration: the cache is keyed by the pointer.
    Result<Statement> Prepare(const char* sql);

    Error ErrorFrom(std::string_view what) const;
    const Dsn& dsn() const { return dsn_; }
    st_mysql* handle() const { return db_; }

private:
    Connection(st_mysql* db, Dsn dsn);
    st_mysql* db_;
    Dsn dsn_;
    std::unordered_map<const char*, std::unique_ptr<Statement::Impl>> cache_;
};

// Whether `e` is InnoDB rolling a transaction back to resolve a deadlock or a lock wait timeout (ER_LOCK_DEADLOCK,
// ER_LOCK_WAIT_TIMEOUT): the transaction did nothing and may simply run again.
bool IsTransactionConflict(const Error& e);

// START TRANSACTION … COMMIT; rolls back on destruction unless Commit() succeeded.
class Transaction final {
public:
    static Result<Transaction> Begin(Connection& c);
    Transaction(Transaction&& other) noexcept : c_(other.c_) { other.c_ = nullptr; }
    Transaction& operator=(Transaction&&) = delete;
    ~Transaction();
    Status Commit();

private:
    explicit Transaction(Connection* c) : c_(c) {}
    Connection* c_;
};

}  // namespace ik::storage::mysql
