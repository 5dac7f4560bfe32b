#pragma once
// Alpaca's JSON shapes of an order and of market data (bar, trade, quote), shared by the REST API and the
// streams (which add "T" and "S" and may write msgpack). Stateless.
#include <boost/json.hpp>

#include "market/symbols.hpp"
#include "market/tick.hpp"
#include "trading/types.hpp"

namespace ik::gateway {

boost::json::object OrderToJson(const trading::Order& order, const market::Universe& universe);

// Time in "t" as RFC 3339; "n" and "vw" always present ("vw" null: ticks carry no sizes fine enough for it).
boost::json::object BarToJson(const market::Bar& bar);
// One trade per tick: "i" is the tick's time (it only increases), exchange "V", condition "@".
boost::json::object TradeToJson(const market::Tick& tick);
// The tick's best bid and ask; sizes are 1 (ticks carry none).
boost::json::object QuoteToJson(const market::Tick& tick);

}  // namespace ik::gateway
