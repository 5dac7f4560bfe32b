#pragma once
// Versioned schema migrations for the two SQLite databases, compiled into the binary. Each database keeps
// `schema_migrations(version, name, applied_at)`; Migrate applies the missing ones in order, each in its own
// transaction, and refuses a database whose version is newer than the binary knows. A shipped migration is
// never edited: changes go in a new, higher-numbered one. Stateless functions; the caller owns the Database.
#include <span>
#include <string_view>

#include "common/error.hpp"
#include "storage/sqlite/db.hpp"

namespace ik::storage::impl {

struct Migration {
    int version = 0;        // 1, 2, 3 … without gaps
    std::string_view name;  // snake_case, recorded with the version
    std::string_view sql;   // one or more statements
};

std::span<const Migration> ServiceMigrations();
std::span<const Migration> RecommendMigrations();

// The highest applied version; 0 for a database without schema_migrations (fresh or empty file).
Result<int> SchemaVersionOf(Database& db);

// kFailedPrecondition when the database is newer than `migrations` or an applied version carries another
// name than the binary's (a database from a diverged build). Reads only.
Status CheckSchemaCompatible(Database& db, std::span<const Migration> migrations);

// Applies every migration above the database's version, each in its own IMMEDIATE transaction together with
// its schema_migrations row. Idempotent; stops at the first failure, leaving the versions before it applied.
Status ApplyMigrations(Database& db, std::span<const Migration> migrations);

}  // namespace ik::storage::impl
