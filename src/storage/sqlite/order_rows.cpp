#include "storage/sqlite/order_rows.hpp"

namespace ik::storage::impl {

namespace {
template <class T, class Read>
Result<std::vector<T>> ReadAll(Stmt& stmt, const std::string& file, Read read) {
    std::vector<T> out;
    auto ok = stmt.ForEach([&](const Stmt& s) -> Status {
        auto row = read(s, file);
        if (!row) return std::unexpected(row.error());
        out.push_back(std::move(*row));
        return {};
    });
    if (!ok) return std::unexpected(ok.error());
    return out;
}
}  // namespace

Result<std::vector<trading::Order>> ReadOrders(Stmt& stmt, const std::string& file) {
    return ReadAll<trading::Order>(stmt, file, rows::OrderFromRow<Stmt>);
}

Result<std::vector<trading::Fill>> ReadFills(Stmt& stmt, const std::string& file) {
    return ReadAll<trading::Fill>(stmt, file, rows::FillFromRow<Stmt>);
}

}  // namespace ik::storage::impl
