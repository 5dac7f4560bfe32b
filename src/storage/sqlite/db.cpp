#include "storage/sqlite/db.hpp"

#include <stdexcept>

#include <sqlite3.h>

namespace ik::storage::impl {

Error SqliteError(sqlite3* db, int rc, std::string_view file, std::string_view what) {
    const int primary = rc & 0xff;
    std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    std::string message =
        std::string(file) + ": " + std::string(what) + ": " + detail + " (sqlite code " + std::to_string(rc) + ")";
    switch (primary) {
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB: return Error(ErrorCode::kDataLoss, std::move(message));
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
        case SQLITE_IOERR:
        case SQLITE_FULL:
        case SQLITE_CANTOPEN:
        case SQLITE_READONLY:
        case SQLITE_PROTOCOL: return Error(ErrorCode::kUnavailable, std::move(message));
        case SQLITE_CONSTRAINT: return Error(ErrorCode::kFailedPrecondition, std::move(message));
        default: return Error(ErrorCode::kInternal, std::move(message));
    }
}

// ---- Stmt -------------------------------------------------------------------------------------------------

namespace {

// A failed bind means a wrong index or an out-of-memory condition: a programming error, not an expected one.
void CheckBind(int rc, sqlite3_stmt* stmt, int index) {
    if (rc != SQLITE_OK) {
        throw std::logic_error("sqlite bind of parameter " + std::to_string(index) +
                               " failed: " + sqlite3_errmsg(sqlite3_db_handle(stmt)) + " in: " + sqlite3_sql(stmt));
    }
}

}  // namespace

Stmt::~Stmt() {
    if (stmt_ == nullptr) return;
    if (owned_) {
        sqlite3_finalize(stmt_);
    } else {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
}

Stmt& Stmt::Bind(int index, std::int64_t value) {
    CheckBind(sqlite3_bind_int64(stmt_, index, value), stmt_, index);
    return *this;
}

Stmt& Stmt::Bind(int index, std::string_view value) {
    CheckBind(sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT), stmt_,
              index);
    return *this;
}

Stmt& Stmt::BindNull(int index) {
    CheckBind(sqlite3_bind_null(stmt_, index), stmt_, index);
    return *this;
}

Stmt& Stmt::BindOptional(int index, std::optional<std::int64_t> value) {
    return value ? Bind(index, *value) : BindNull(index);
}

Result<bool> Stmt::Step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return std::unexpected(SqliteError(sqlite3_db_handle(stmt_), rc, *file_, sqlite3_sql(stmt_)));
}

Status Stmt::Run() {
    for (;;) {
        auto row = Step();
        if (!row) {
            sqlite3_reset(stmt_);
            return std::unexpected(row.error());
        }
        if (!*row) break;
    }
    sqlite3_reset(stmt_);
    return {};
}

std::int64_t Stmt::Changes() const { return sqlite3_changes64(sqlite3_db_handle(stmt_)); }

std::int64_t Stmt::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Stmt::Text(int column) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    if (text == nullptr) return {};
    return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

bool Stmt::IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

void Stmt::Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

// ---- Database ---------------------------------------------------------------------------------------------

Result<std::unique_ptr<Database>> Database::Open(const std::string& path, OpenFlags flags) {
    int open_flags = SQLITE_OPEN_NOMUTEX;  // callers serialise use of a connection
    switch (flags) {
        case OpenFlags::kReadWriteCreate: open_flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE; break;
        case OpenFlags::kReadWrite: open_flags |= SQLITE_OPEN_READWRITE; break;
        case OpenFlags::kReadOnly: open_flags |= SQLITE_OPEN_READONLY; break;
    }
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &db, open_flags, nullptr);
    if (rc != SQLITE_OK) {
        Error error = SqliteError(db, rc, path, "open");
        sqlite3_close_v2(db);  // a handle is allocated even on failure
        return std::unexpected(std::move(error));
    }
    sqlite3_extended_result_codes(db, 1);
    return std::unique_ptr<Database>(new Database(db, path));
}

Database::~Database() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
}

Status Database::Exec(std::string_view sql, std::string_view what) {
    const std::string text(sql);
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        Error error = SqliteError(db_, rc, path_, what);
        sqlite3_free(message);
        return std::unexpected(std::move(error));
    }
    return {};
}

Result<Stmt> Database::Prepare(const char* sql) {
    if (auto it = cache_.find(sql); it != cache_.end()) return Stmt(it->second, &path_, false);
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return std::unexpected(SqliteError(db_, rc, path_, std::string("prepare: ") + sql));
    cache_.emplace(sql, stmt);
    return Stmt(stmt, &path_, false);
}

Result<Stmt> Database::PrepareOnce(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) {
        return std::unexpected(SqliteError(db_, rc, path_, "prepare: " + std::string(sql)));
    }
    return Stmt(stmt, &path_, true);
}

Result<std::optional<std::int64_t>> Database::QueryInt(const char* sql) {
    auto stmt = Prepare(sql);
    if (!stmt) return std::unexpected(stmt.error());
    auto row = stmt->Step();
    if (!row) return std::unexpected(row.error());
    if (!*row || stmt->IsNull(0)) return std::optional<std::int64_t>{};
    return std::optional<std::int64_t>{stmt->Int(0)};
}

Error Database::ErrorFrom(int rc, std::string_view what) const { return SqliteError(db_, rc, path_, what); }

bool Database::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

// ---- Transaction ------------------------------------------------------------------------------------------

namespace {
constexpr const char* kBeginDeferred = "BEGIN DEFERRED";
constexpr const char* kBeginImmediate = "BEGIN IMMEDIATE";
constexpr const char* kCommit = "COMMIT";
constexpr const char* kRollback = "ROLLBACK";
}  // namespace

Result<Transaction> Transaction::Begin(Database& db, Kind kind) {
    auto stmt = db.Prepare(kind == Kind::kImmediate ? kBeginImmediate : kBeginDeferred);
    if (!stmt) return std::unexpected(stmt.error());
    if (auto ok = stmt->Run(); !ok) return std::unexpected(ok.error());
    return Transaction(&db);
}

Transaction::~Transaction() {
    if (db_ == nullptr || !db_->InTransaction()) return;
    // Best effort: a failed ROLLBACK leaves nothing more we can do, and SQLite rolls back on close anyway.
    if (auto stmt = db_->Prepare(kRollback)) (void)stmt->Run();
}

Status Transaction::Commit() {
    auto stmt = db_->Prepare(kCommit);
    if (!stmt) return std::unexpected(stmt.error());
    auto ok = stmt->Run();
    if (ok) db_ = nullptr;
    return ok;
}

std::string QuoteIdentifier(std::string_view name) {
    std::string out = "\"";
    for (char c : name) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

}  // namespace ik::storage::impl
