#pragma once
// The row loop both database wrappers share (sqlite/db.hpp Stmt::ForEach, mysql/db.hpp Statement::ForEach).
#include <type_traits>
#include <utility>

#include "common/error.hpp"

namespace ik::storage {

// Calls `next()` (Result<bool>: true when a row is there) and then `row()` for each row, until there are no more
// rows or an error; a `row` that returns Status stops the loop with its error.
template <class Next, class Row>
Status EachRow(Next&& next, Row&& row) {
    for (;;) {
        auto more = next();
        if (!more) return std::unexpected(more.error());
        if (!*more) return {};
        if constexpr (std::is_same_v<decltype(row()), Status>) {
            if (auto s = row(); !s) return s;
        } else {
            row();
        }
    }
}

}  // namespace ik::storage
