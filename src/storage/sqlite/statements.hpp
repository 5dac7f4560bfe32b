#pragma once
// One-statement helpers of the SQLite stores: bind the arguments in order (?1, ?2, …), run, and hand each row to
// a callback or return the rows changed.
#include <cstdint>
#include <utility>

#include "storage/sqlite/db.hpp"

namespace ik::storage::impl {

// One statement: bind the arguments in order (?1, ?2, …), then hand each row to `row`.
template <class F, class... Args>
Status Each(impl::Database& db, const char* sql, F&& row, const Args&... args) {
    auto stmt = db.Prepare(sql);
    if (!stmt) return std::unexpected(stmt.error());
    int index = 1;
    (stmt->Bind(index++, args), ...);
    return stmt->ForEach(std::forward<F>(row));
}

// One statement that returns no rows: bind, run, return the rows it changed.
template <class... Args>
Result<std::int64_t> Exec(impl::Database& db, const char* sql, const Args&... args) {
    auto stmt = db.Prepare(sql);
    if (!stmt) return std::unexpected(stmt.error());
    int index = 1;
    (stmt->Bind(index++, args), ...);
    if (auto ok = stmt->Run(); !ok) return std::unexpected(ok.error());
    return stmt->Changes();
}

}  // namespace ik::storage::impl
