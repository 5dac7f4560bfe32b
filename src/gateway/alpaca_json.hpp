#pragma once
// Alpaca's JSON shape of an order, shared by the REST API and the trade-updates stream. Stateless.
#include <boost/json.hpp>

#include "market/symbols.hpp"
#include "trading/types.hpp"

namespace ik::gateway {

boost::json::object OrderToJson(const trading::Order& order, const market::Universe& universe);

}  // namespace ik::gateway
