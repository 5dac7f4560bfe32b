#pragma once
// The invariant checks of ServiceStore::Verify, shared by the SQLite and MariaDB stores: which invariants there
// are, and how a row breaking one becomes a Violation with the ids and won amounts involved. Each backend
// supplies the SQL (one query per invariant returning the rows that break it, with the columns its describer
// below reads) and a way to run a query over its rows, on one read snapshot. Internal to the storage module.
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "common/money.hpp"
#include "storage/store.hpp"

namespace ik::storage::verify {

// One query per invariant; the columns each must return are those its check in RunChecks reads.
struct Queries {
    const char* ledger_total;  // SUM(amount), COUNT(*) over every ledger entry: exactly one row
    const char* ledger_txn_unbalanced;
    const char* ledger_book_owner;
    const char* cash_vs_ledger;
    const char* cash_vs_flows;
    const char* position_vs_fills;
    const char* cost_basis_vs_ledger;
    const char* reserved_cash_vs_orders;
    const char* reserved_qty_vs_orders;
    const char* balance_bounds;
    const char* position_bounds;
    const char* order_vs_fills;
    const char* order_quantities;
    const char* fill_vs_order;
    const char* deposit_values;
    const char* listing_of_unknown_stock;
};

// A database broken everywhere would otherwise produce millions of lines; past this many rows a check
// reports how many more it found.
inline constexpr int kMaxReportsPerCheck = 100;

namespace detail {
inline std::string W(std::int64_t won) { return FormatWon(won); }
inline std::string N(std::int64_t n) { return std::to_string(n); }
template <class Row>
std::string PositionName(const Row& s) {
    return "account " + N(s.Int(0)) + " stock " + N(s.Int(1));
}
}  // namespace detail

// Runs every check, appending a Violation per offending row to `out`. `for_each_row(sql, on_row)` runs one
// query and calls `on_row(const Row&)` for each row it returns (Row offers Int(col) and Text(col), 0-based),
// returning its Status; the first error stops the checks.
template <class Row, class ForEachRow>
Status RunChecks(const Queries& q, ForEachRow&& for_each_row, std::vector<Violation>& out) {
    using detail::N;
    using detail::PositionName;
    using detail::W;
    {
        bool first = true;
        auto ok = for_each_row(q.ledger_total, [&](const Row& s) {
            if (first && s.Int(0) != 0) {
                out.push_back(Violation{
                    "ledger_balanced", "the " + N(s.Int(1)) + " ledger entries sum to " + W(s.Int(0)) + " won, not 0"});
            }
            first = false;
        });
        if (!ok) return ok;
    }
    const std::pair<const char*, std::pair<const char*, std::function<std::string(const Row&)>>> checks[] = {
        {"ledger_txn_balanced",
         {q.ledger_txn_unbalanced,
          [](const Row& s) -> std::string {
              return "ledger transaction " + N(s.Int(0)) + ": its " + N(s.Int(2)) + " entries sum to " + W(s.Int(1)) +
                     " won, not 0";
          }}},
        {"ledger_book_owner",
         {q.ledger_book_owner,
          [](const Row& s) -> std::string {
              return "ledger transaction " + N(s.Int(0)) + " entry " + N(s.Int(1)) + ": book " + s.Text(2) +
                     " of account " + N(s.Int(3)) + (s.Int(4) != 0 ? " without a stock" : "") +
                     " (every entry belongs to an opened account; securities entries name a stock)";
          }}},
        {"cash_matches_ledger",
         {q.cash_vs_ledger,
          [](const Row& s) -> std::string {
              return "account " + N(s.Int(0)) + ": cash " + W(s.Int(1)) + " but its ledger cash book sums to " +
                     W(s.Int(2));
          }}},
        {"cash_matches_flows",
         {q.cash_vs_flows,
          [](const Row& s) -> std::string {
              return "account " + N(s.Int(0)) + ": cash " + W(s.Int(1)) + " but deposits " + W(s.Int(2)) + " − buys " +
                     W(s.Int(3)) + " − commissions " + W(s.Int(5)) + " − taxes " + W(s.Int(6)) + " + sells " +
                     W(s.Int(4)) + " = " + W(s.Int(7));
          }}},
        {"position_matches_fills",
         {q.position_vs_fills,
          [](const Row& s) -> std::string {
              if (s.Int(4) == 0) {
                  return PositionName(s) + ": fills net " + N(s.Int(3)) + " shares but there is no position row";
              }
              return PositionName(s) + ": qty " + N(s.Int(2)) + " but buy fills − sell fills = " + N(s.Int(3));
          }}},
        {"cost_basis_matches_ledger",
         {q.cost_basis_vs_ledger,
          [](const Row& s) -> std::string {
              if (s.Int(4) == 0) {
                  return PositionName(s) + ": securities book holds " + W(s.Int(3)) + " won but there is no position";
              }
              return PositionName(s) + ": cost_basis " + W(s.Int(2)) + " but its ledger securities book sums to " +
                     W(s.Int(3));
          }}},
        {"reserved_cash_matches_orders",
         {q.reserved_cash_vs_orders,
          [](const Row& s) -> std::string {
              return "account " + N(s.Int(0)) + ": reserved_cash " + W(s.Int(1)) + " but its " + N(s.Int(3)) +
                     " open buy orders reserve " + W(s.Int(2));
          }}},
        {"reserved_qty_matches_orders",
         {q.reserved_qty_vs_orders,
          [](const Row& s) -> std::string {
              if (s.Int(4) == 0) {
                  return PositionName(s) + ": open sell orders hold " + N(s.Int(3)) +
                         " shares but there is no position";
              }
              return PositionName(s) + ": reserved_qty " + N(s.Int(2)) + " but open sell orders hold " + N(s.Int(3));
          }}},
        {"balance_bounds",
         {q.balance_bounds,
          [](const Row& s) -> std::string {
              return "account " + N(s.Int(0)) + ": cash " + W(s.Int(1)) + ", reserved_cash " + W(s.Int(2)) +
                     " (need 0 ≤ reserved_cash ≤ cash)";
          }}},
        {"position_bounds",
         {q.position_bounds,
          [](const Row& s) -> std::string {
              return PositionName(s) + ": qty " + N(s.Int(2)) + ", reserved_qty " + N(s.Int(3)) + ", cost_basis " +
                     W(s.Int(4)) + " (need 0 ≤ reserved_qty ≤ qty, cost_basis ≥ 0 and 0 when qty is 0)";
          }}},
        {"order_fills_match",
         {q.order_vs_fills,
          [](const Row& s) -> std::string {
              return "order " + N(s.Int(0)) + ": filled_qty " + N(s.Int(1)) + ", filled_notional " + W(s.Int(3)) +
                     " but its fills total " + N(s.Int(2)) + " shares, " + W(s.Int(4)) + " won";
          }}},
        {"order_quantities",
         {q.order_quantities,
          [](const Row& s) -> std::string {
              return "order " + N(s.Int(0)) + ": status " + s.Text(1) + ", qty " + N(s.Int(2)) + ", filled_qty " +
                     N(s.Int(3)) + " (need 0 ≤ filled_qty ≤ qty, and status filled exactly when filled_qty = qty)";
          }}},
        {"fill_matches_order",
         {q.fill_vs_order,
          [](const Row& s) -> std::string {
              if (s.Int(6) != 0) {
                  return "fill " + N(s.Int(0)) + ": account, stock or side differ from its order " + N(s.Int(1));
              }
              return "fill " + N(s.Int(0)) + " of order " + N(s.Int(1)) + ": qty " + N(s.Int(2)) + ", price " +
                     W(s.Int(3)) + ", commission " + W(s.Int(4)) + ", tax " + W(s.Int(5)) +
                     " (need qty and price > 0, fees ≥ 0)";
          }}},
        {"deposit_matches_ledger",
         {q.deposit_values,
          [](const Row& s) -> std::string {
              return "deposit of ledger transaction " + N(s.Int(0)) + " to account " + N(s.Int(1)) + ": amount " +
                     W(s.Int(2)) + " but the transaction moves " + W(s.Int(3)) + " won into its cash";
          }}},
        {"listing_stock_known",
         {q.listing_of_unknown_stock,
          [](const Row& s) -> std::string {
              return "universe row " + s.Text(0) + " (" + s.Text(1) +
                     ") names no stock of the stock master (a listing is stored after its stock)";
          }}},
    };
    for (const auto& [name, check] : checks) {
        const char* const check_name = name;
        const auto& describe = check.second;
        int found = 0;
        auto ok = for_each_row(check.first, [&](const Row& s) {
            if (++found <= kMaxReportsPerCheck) out.push_back(Violation{check_name, describe(s)});
        });
        if (!ok) return ok;
        if (found > kMaxReportsPerCheck) {
            out.push_back(
                Violation{check_name, "… and " + N(found - kMaxReportsPerCheck) + " more rows breaking " + check_name});
        }
    }
    return {};
}

}  // namespace ik::storage::verify
