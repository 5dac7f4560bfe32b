#pragma once
// The topics of the distributed mode (DESIGN.md §7) and the wire format of the market-data ones.
//
// `StockInfos` (key: the stock code) keeps the original system's Kafka Connect JSON-with-schema envelope, so a
// stock Kafka Connect JDBC sink could still read it: its three fields (stock_id, trade_price, updated_time as
// KST "YYYY-MM-DD-HH-MM") stay as they were, and ours follow (symbol, price, bid, ask, volume, timestamp in
// nanoseconds since the epoch). `Stocks` (compacted, key: the code) carries the stock master in the same
// envelope: the original's stock_id, stock_name, stock_code, then ours.
#include <cstdint>
#include <string>
#include <string_view>

#include "bus/bus.hpp"
#include "common/error.hpp"
#include "market/symbols.hpp"
#include "market/tick.hpp"

namespace ik::bus {

inline constexpr std::string_view kStockInfosTopic = "StockInfos";
inline constexpr std::string_view kStocksTopic = "Stocks";
inline constexpr std::string_view kOrdersTopic = "orders";
inline constexpr std::string_view kOrderUpdatesTopic = "order-updates";
inline constexpr std::string_view kNotificationsTopic = "notifications";

// The market-data topics as the roles create them: StockInfos in 6 partitions (key: code), Stocks compacted.
TopicSpec StockInfosSpec();
TopicSpec StocksSpec();
// Creates the topic unless it exists. When another process is creating it at the same moment, waits (bounded)
// until the cluster's metadata shows it, so a first send does not find it missing.
Status EnsureTopic(Bus& bus, const TopicSpec& spec);

// A tick as StockInfos carries it: the code names the stock everywhere; `tick.symbol` is the stock_id (the
// SymbolId of the process that produced it, as stored in stocks.id).
struct StockInfoMessage {
    std::string code;
    market::Tick tick;
};

std::string EncodeStockInfo(std::string_view code, const market::Tick& tick);
// kInvalidArgument, saying what is wrong, for anything that is not a well-formed StockInfos message with our
// fields (a message from the original system, which has no symbol, included).
Result<StockInfoMessage> DecodeStockInfo(std::string_view json);

// A listing as Stocks carries it.
struct StockMessage {
    market::SymbolId id = market::kNoSymbol;
    market::StockInfo stock;
    market::ListingStatus status = market::ListingStatus::kActive;
};

std::string EncodeStock(const StockMessage& m);
Result<StockMessage> DecodeStock(std::string_view json);

}  // namespace ik::bus
