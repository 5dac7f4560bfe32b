#pragma once
// Versioned schema migrations for the two MariaDB/MySQL databases, compiled into the binary: the same tables,
// columns, keys and CHECK constraints as sqlite/migrations.cpp, in MariaDB DDL (InnoDB, utf8mb4 with binary
// collation so text compares exactly as in SQLite, BIGINT for money, quantities and ns timestamps).
// Each database keeps `schema_migrations(version, name, applied_at)`. DDL commits implicitly in MariaDB, so a
// migration cannot be one transaction: every statement is idempotent (CREATE TABLE IF NOT EXISTS, ADD COLUMN
// IF NOT EXISTS), and the version is recorded right after its statements; a migration interrupted half-way is
// simply run again. Migrate holds a named server lock (GET_LOCK) so two processes never migrate at once.
// Stateless functions; the caller owns (and serialises) the Connection.
#include <span>
#include <string_view>

#include "common/error.hpp"
#include "storage/mysql/db.hpp"

namespace ik::storage::mysql {

struct Migration {
    int version = 0;                            // 1, 2, 3 … without gaps
    std::string_view name;                      // snake_case; the same names as the SQLite migrations
    std::span<const std::string_view> statements;  // each one statement, each idempotent
};

std::span<const Migration> ServiceMigrations();
std::span<const Migration> RecommendMigrations();

// The highest applied version; 0 for a database without schema_migrations.
Result<int> SchemaVersionOf(Connection& c);

// kFailedPrecondition when the database is newer than `migrations` or an applied version carries another name
// than the binary's (a database from a diverged build). Reads only.
Status CheckSchemaCompatible(Connection& c, std::span<const Migration> migrations);

// Applies every migration above the database's version in order, recording each right after its statements.
// Idempotent; stops at the first failure, leaving the versions before it applied.
Status ApplyMigrations(Connection& c, std::span<const Migration> migrations);

}  // namespace ik::storage::mysql
