#pragma once
// A thin layer over the sqlite3 C API: a connection (Database) with a cache of prepared statements, a
// statement handle that resets itself when it goes out of scope (Stmt), a transaction guard (Transaction),
// and the one place that maps SQLite result codes to ik::Error. Internal to the storage module.
// Not thread-safe: a Database and its statements are used by one thread at a time (callers serialise).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>

#include "common/error.hpp"
#include "storage/each_row.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace ik::storage::impl {

// Maps an SQLite result code to an Error naming the file and the operation: corrupt or not-a-database →
// kDataLoss; busy/locked/I/O/full → kUnavailable; constraint → kFailedPrecondition; else kInternal.
Error SqliteError(sqlite3* db, int rc, std::string_view file, std::string_view what);

// A prepared statement in use. Binding indexes are 1-based, column indexes 0-based (as in SQLite). On
// destruction a cached statement is reset and its bindings cleared, so an idle statement holds no lock; an
// owned (uncached) one is finalised. `file` names the database in errors and must outlive the Stmt.
class Stmt final {
public:
    Stmt(sqlite3_stmt* stmt, const std::string* file, bool owned) : stmt_(stmt), file_(file), owned_(owned) {}
    ~Stmt();
    Stmt(Stmt&& other) noexcept : stmt_(other.stmt_), file_(other.file_), owned_(other.owned_) {
        other.stmt_ = nullptr;
    }
    Stmt& operator=(Stmt&&) = delete;
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;

    Stmt& Bind(int index, std::int64_t value);
    Stmt& Bind(int index, std::string_view value);
    Stmt& BindNull(int index);
    // Binds value, or NULL when it is nullopt.
    Stmt& BindOptional(int index, std::optional<std::int64_t> value);

    // Advances: true when a row is available, false when done.
    Result<bool> Step();
    // Steps through every row, calling `row(*this)` for each; stops at the first error (a row callback may
    // return Status to stop with its error).
    template <class F>
    Status ForEach(F&& row) {
        return EachRow([this] { return Step(); }, [&] { return row(*this); });
    }
    // Steps to completion, ignoring rows (for INSERT/UPDATE/DDL), then resets for reuse.
    Status Run();
    // Rows changed by the last Run() of this connection.
    std::int64_t Changes() const;

    std::int64_t Int(int column) const;
    std::string Text(int column) const;
    bool IsNull(int column) const;

    void Reset();

private:
    sqlite3_stmt* stmt_;
    const std::string* file_;
    bool owned_;
};

enum class OpenFlags : std::uint8_t { kReadWriteCreate, kReadWrite, kReadOnly };

class Database final {
public:
    // Opens (or creates) a database file; errors name the path.
    static Result<std::unique_ptr<Database>> Open(const std::string& path, OpenFlags flags);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // Runs one or more SQL statements that return no rows of interest (DDL, PRAGMA settings).
    Status Exec(std::string_view sql, std::string_view what);
    // A cached prepared statement. `sql` must have static storage duration: the cache is keyed by the
    // pointer, so the hot path pays no hashing of the text.
    Result<Stmt> Prepare(const char* sql);
    // An uncached statement for dynamic SQL, finalised when the Stmt is destroyed.
    Result<Stmt> PrepareOnce(std::string_view sql);

    // Single-value helper: the first column of the first row, or nullopt when there is no row or it is NULL.
    Result<std::optional<std::int64_t>> QueryInt(const char* sql);

    Error ErrorFrom(int rc, std::string_view what) const;
    sqlite3* handle() const { return db_; }
    const std::string& path() const { return path_; }
    bool InTransaction() const;

private:
    Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

    sqlite3* db_;
    std::string path_;
    std::unordered_map<const char*, sqlite3_stmt*> cache_;
};

// BEGIN [IMMEDIATE] … COMMIT; rolls back on destruction unless Commit() succeeded.
class Transaction final {
public:
    enum class Kind : std::uint8_t { kDeferred, kImmediate };
    static Result<Transaction> Begin(Database& db, Kind kind);
    Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
    Transaction& operator=(Transaction&&) = delete;
    ~Transaction();
    Status Commit();

private:
    explicit Transaction(Database* db) : db_(db) {}
    Database* db_;
};

// '"name"' with embedded quotes doubled, for identifiers that cannot be bound as parameters.
std::string QuoteIdentifier(std::string_view name);

}  // namespace ik::storage::impl
