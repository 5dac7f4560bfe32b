#pragma once
// One-statement helpers of the MariaDB stores: bind the arguments in order (integers and strings), execute, and
// hand each row to a callback or return the rows changed.
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>

#include "storage/mysql/db.hpp"

namespace ik::storage::mysql {

inline void BindAll(Statement&, int) {}
template <class First, class... Rest>
void BindAll(Statement& stmt, int index, const First& first, const Rest&... rest) {
    if constexpr (std::is_convertible_v<const First&, std::string_view>) {
        stmt.Bind(index, std::string_view(first));
    } else {
        stmt.Bind(index, static_cast<std::int64_t>(first));
    }
    BindAll(stmt, index + 1, rest...);
}

// One statement: bind the arguments in order, execute, hand each row to `row`.
template <class F, class... Args>
Status Each(Connection& c, const char* sql, F&& row, const Args&... args) {
    auto stmt = c.Prepare(sql);
    if (!stmt) return std::unexpected(stmt.error());
    BindAll(*stmt, 0, args...);
    if (auto ok = stmt->Execute(); !ok) return ok;
    for (;;) {
        auto more = stmt->Fetch();
        if (!more) return std::unexpected(more.error());
        if (!*more) return {};
        row(std::as_const(*stmt));
    }
}

// One statement that returns no rows: bind, execute, return the rows it changed.
template <class... Args>
Result<std::int64_t> Exec(Connection& c, const char* sql, const Args&... args) {
    auto stmt = c.Prepare(sql);
    if (!stmt) return std::unexpected(stmt.error());
    BindAll(*stmt, 0, args...);
    if (auto ok = stmt->Execute(); !ok) return std::unexpected(ok.error());
    return stmt->AffectedRows();
}

}  // namespace ik::storage::mysql
