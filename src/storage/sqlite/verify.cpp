// SqliteServiceStore::Verify: every ledger invariant as one SQL query that returns the rows breaking it, run
// on one read snapshot. Each row becomes a Violation with the ids and won amounts involved (storage/verify_checks.hpp).
#include "storage/sqlite/db.hpp"
#include "storage/sqlite/migrations.hpp"
#include "storage/sqlite/shared.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "storage/verify_queries.hpp"

namespace ik::storage {

namespace {

using impl::Stmt;

std::string N(std::int64_t n) { return std::to_string(n); }

}  // namespace

Result<std::vector<Violation>> SqliteServiceStore::VerifyLocked() {
    std::vector<Violation> out;

    auto problems = impl::QuickCheck(*db_);
    if (!problems) {
        out.push_back(Violation{"integrity", problems.error().message});
        return out;  // the other checks would read the same broken pages
    }
    if (!problems->empty()) {
        out.push_back(Violation{"integrity", path_ + ": quick_check: " + *problems});
        return out;
    }
    if (auto ok = impl::CheckSchemaCompatible(*db_, impl::ServiceMigrations()); !ok) {
        out.push_back(Violation{"schema_version", ok.error().message});
        return out;
    }
    auto version = impl::SchemaVersionOf(*db_);
    if (!version) return std::unexpected(version.error());
    if (*version != LatestSchemaVersion()) {
        out.push_back(Violation{"schema_version", path_ + ": schema version " + N(*version) + ", this binary's is " +
                                                      N(LatestSchemaVersion()) + "; run `investking migrate`"});
        return out;  // the checks need the current tables
    }

    auto txn = impl::Transaction::Begin(*db_, impl::Transaction::Kind::kDeferred);
    if (!txn) return std::unexpected(txn.error());
    // Runs one check's query on the snapshot, handing each row to `on_row`.
    auto for_each_row = [this](const char* sql, const auto& on_row) -> Status {
        auto stmt = db_->Prepare(sql);
        if (!stmt) return std::unexpected(stmt.error());
        return stmt->ForEach([&](const Stmt& s) { on_row(s); });
    };
    if (auto ok = verify::RunChecks<Stmt>(verify::kQueries, for_each_row, out); !ok) return std::unexpected(ok.error());
    if (auto ok = txn->Commit(); !ok) return std::unexpected(ok.error());
    return out;
}

}  // namespace ik::storage
