// MysqlServiceStore::Verify: the SQLite store's checks (sqlite/verify.cpp), each invariant one SQL query that
// returns the rows breaking it, run in one REPEATABLE READ transaction (one consistent snapshot). Each row becomes
// a Violation (storage/verify_checks.hpp, shared with SQLite). There is no page-level integrity check: InnoDB checksums
// its pages itself and refuses to serve a corrupt one (the query fails instead).
#include <utility>

#include "storage/mysql/db.hpp"
#include "storage/mysql/migrations.hpp"
#include "storage/mysql/mysql_store.hpp"
#include "storage/verify_queries.hpp"

namespace ik::storage {

namespace {

using Stmt = mysql::Statement;

std::string N(std::int64_t n) { return std::to_string(n); }

}  // namespace

Result<std::vector<Violation>> MysqlServiceStore::VerifyLocked() {
    std::vector<Violation> out;
    if (auto ok = mysql::CheckSchemaCompatible(*c_, mysql::ServiceMigrations()); !ok) {
        if (ok.error().code != ErrorCode::kFailedPrecondition) return std::unexpected(ok.error());
        out.push_back(Violation{"schema_version", ok.error().message});
        return out;
    }
    auto version = mysql::SchemaVersionOf(*c_);
    if (!version) return std::unexpected(version.error());
    if (*version != LatestSchemaVersion()) {
        out.push_back(Violation{"schema_version", where_ + ": schema version " + N(*version) + ", this binary's is " +
                                                      N(LatestSchemaVersion()) + "; run `investking migrate`"});
        return out;  // the checks need the current tables
    }

    auto txn = mysql::Transaction::Begin(*c_);
    if (!txn) return std::unexpected(txn.error());
    // Runs one check's query on the snapshot, handing each row to `on_row`.
    auto for_each_row = [this](const char* sql, const auto& on_row) -> Status {
        auto stmt = c_->Prepare(sql);
        if (!stmt) return std::unexpected(stmt.error());
        if (auto ok = stmt->Execute(); !ok) return ok;
        for (;;) {
            auto row = stmt->Fetch();
            if (!row) return std::unexpected(row.error());
            if (!*row) return {};
            on_row(std::as_const(*stmt));
        }
    };
    if (auto ok = verify::RunChecks<Stmt>(verify::kQueries, for_each_row, out); !ok) return std::unexpected(ok.error());
    if (auto ok = txn->Commit(); !ok) return std::unexpected(ok.error());
    return out;
}

}  // namespace ik::storage
