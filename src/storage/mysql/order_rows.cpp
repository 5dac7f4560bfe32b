#include "storage/mysql/order_rows.hpp"

namespace ik::storage::mysql {

namespace {

template <class T, class Read>
Result<std::vector<T>> ReadAll(Statement& stmt, const std::string& where, Read read) {
    std::vector<T> out;
    for (;;) {
        auto more = stmt.Fetch();
        if (!more) return std::unexpected(more.error());
        if (!*more) return out;
        auto row = read(stmt, where);
        if (!row) return std::unexpected(row.error());
        out.push_back(std::move(*row));
    }
}

}  // namespace

Result<std::vector<trading::Order>> ReadOrders(Statement& stmt, const std::string& where) {
    return ReadAll<trading::Order>(stmt, where, rows::OrderFromRow<Statement>);
}

Result<std::vector<trading::Fill>> ReadFills(Statement& stmt, const std::string& where) {
    return ReadAll<trading::Fill>(stmt, where, rows::FillFromRow<Statement>);
}

}  // namespace ik::storage::mysql
