#include "storage/mysql/order_rows.hpp"

namespace ik::storage::mysql {

namespace {

std::optional<std::int64_t> NullIfZero(std::uint64_t id) {
    return id == 0 ? std::nullopt : std::optional<std::int64_t>(static_cast<std::int64_t>(id));
}

template <class T>
Status Take(Result<T> parsed, T& out, trading::OrderId id, const std::string& where) {
    if (!parsed) {
        return MakeError(ErrorCode::kDataLoss, where + ": order " + std::to_string(id) + ": " + parsed.error().message);
    }
    out = *parsed;
    return {};
}

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

void BindOrder(Statement& stmt, const trading::Order& o) {
    stmt.Bind(0, static_cast<std::int64_t>(o.id))
        .Bind(1, static_cast<std::int64_t>(o.account))
        .Bind(2, std::int64_t{o.symbol})
        .Bind(3, trading::ClientOrderIdOf(o))  // the generated "ik-<id>" when the client gave none
        .Bind(4, trading::SideName(o.side))
        .Bind(5, trading::OrderTypeName(o.type))
        .Bind(6, trading::TimeInForceName(o.tif))
        .Bind(7, trading::OrderStatusName(o.status))
        .Bind(8, std::int64_t{o.triggered ? 1 : 0})
        .Bind(9, o.qty)
        .Bind(10, o.filled_qty)
        .Bind(11, o.limit_price)
        .Bind(12, o.stop_price)
        .Bind(13, o.filled_notional)
        .Bind(14, o.reserved_cash)
        .BindOptional(15, NullIfZero(o.replaces))
        .BindOptional(16, NullIfZero(o.replaced_by))
        .Bind(17, o.created_at)
        .Bind(18, o.updated_at);
}

Result<trading::Order> ReadOrder(const Statement& stmt, const std::string& where) {
    trading::Order o;
    o.id = static_cast<trading::OrderId>(stmt.Int(0));
    o.account = static_cast<trading::AccountId>(stmt.Int(1));
    o.symbol = static_cast<market::SymbolId>(stmt.Int(2));
    o.client_order_id = stmt.Text(3);
    if (auto ok = Take(trading::ParseSide(stmt.Text(4)), o.side, o.id, where); !ok) return std::unexpected(ok.error());
    if (auto ok = Take(trading::ParseOrderType(stmt.Text(5)), o.type, o.id, where); !ok) {
        return std::unexpected(ok.error());
    }
    if (auto ok = Take(trading::ParseTimeInForce(stmt.Text(6)), o.tif, o.id, where); !ok) {
        return std::unexpected(ok.error());
    }
    if (auto ok = Take(trading::ParseOrderStatus(stmt.Text(7)), o.status, o.id, where); !ok) {
        return std::unexpected(ok.error());
    }
    o.triggered = stmt.Int(8) != 0;
    o.qty = stmt.Int(9);
    o.filled_qty = stmt.Int(10);
    o.limit_price = stmt.Int(11);
    o.stop_price = stmt.Int(12);
    o.filled_notional = stmt.Int(13);
    o.reserved_cash = stmt.Int(14);
    o.replaces = static_cast<trading::OrderId>(stmt.Int(15));  // NULL reads as 0
    o.replaced_by = static_cast<trading::OrderId>(stmt.Int(16));
    o.created_at = stmt.Int(17);
    o.updated_at = stmt.Int(18);
    return o;
}

Result<trading::Fill> ReadFill(const Statement& stmt, const std::string& where) {
    trading::Fill f;
    f.id = static_cast<trading::FillId>(stmt.Int(0));
    f.order = static_cast<trading::OrderId>(stmt.Int(1));
    f.account = static_cast<trading::AccountId>(stmt.Int(2));
    f.symbol = static_cast<market::SymbolId>(stmt.Int(3));
    auto side = trading::ParseSide(stmt.Text(4));
    if (!side) {
        return MakeError(ErrorCode::kDataLoss, where + ": fill " + std::to_string(f.id) + ": " + side.error().message);
    }
    f.side = *side;
    f.qty = stmt.Int(5);
    f.price = stmt.Int(6);
    f.commission = stmt.Int(7);
    f.tax = stmt.Int(8);
    f.ts = stmt.Int(9);
    auto date = ParseDate(stmt.Text(10));
    if (!date) {
        return MakeError(ErrorCode::kDataLoss,
                         where + ": fill " + std::to_string(f.id) + ": settle_date: " + date.error().message);
    }
    f.settle_date = *date;
    return f;
}

trading::Position ReadPosition(const Statement& stmt) {
    trading::Position p;
    p.account = static_cast<trading::AccountId>(stmt.Int(0));
    p.symbol = static_cast<market::SymbolId>(stmt.Int(1));
    p.qty = stmt.Int(2);
    p.reserved_qty = stmt.Int(3);
    p.cost_basis = stmt.Int(4);
    p.realized_pnl = stmt.Int(5);
    return p;
}

Result<std::vector<trading::Order>> ReadOrders(Statement& stmt, const std::string& where) {
    return ReadAll<trading::Order>(stmt, where, ReadOrder);
}

Result<std::vector<trading::Fill>> ReadFills(Statement& stmt, const std::string& where) {
    return ReadAll<trading::Fill>(stmt, where, ReadFill);
}

}  // namespace ik::storage::mysql
