#include "storage/test_events.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <vector>

#include <sqlite3.h>

namespace ik::storage::testing {

namespace fs = std::filesystem;

TempDir::TempDir() {
    static std::atomic<int> counter{0};
    std::random_device rd;
    const fs::path base = fs::temp_directory_path();
    for (int attempt = 0; attempt < 100; ++attempt) {
        const fs::path candidate = base / ("ik-storage-" + std::to_string(::getpid()) + "-" +
                                           std::to_string(counter.fetch_add(1)) + "-" + std::to_string(rd() % 100000));
        std::error_code ec;
        if (fs::create_directory(candidate, ec)) {
            path_ = candidate.string();
            return;
        }
    }
    throw std::runtime_error("cannot create a temporary directory under " + base.string());
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

namespace {

struct RawDb {
    explicit RawDb(const std::string& path) {
        if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
            throw std::runtime_error("open " + path + ": " + sqlite3_errmsg(db));
        }
        sqlite3_busy_timeout(db, 5'000);
    }
    ~RawDb() { sqlite3_close_v2(db); }
    sqlite3* db = nullptr;
};

}  // namespace

void ExecSql(const std::string& db_path, const std::string& sql) {
    RawDb raw(db_path);
    char* message = nullptr;
    if (sqlite3_exec(raw.db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        std::string text = message != nullptr ? message : "unknown error";
        sqlite3_free(message);
        throw std::runtime_error(sql + ": " + text);
    }
}

std::int64_t QuerySql(const std::string& db_path, const std::string& sql) {
    RawDb raw(db_path);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(raw.db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
        throw std::runtime_error(sql + ": " + sqlite3_errmsg(raw.db));
    }
    std::int64_t value = 0;
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) throw std::runtime_error(sql + ": step failed");
    return value;
}

std::string DumpTable(const std::string& db_path, const std::string& table) {
    RawDb raw(db_path);
    sqlite3_stmt* stmt = nullptr;
    const std::string sql = "SELECT * FROM " + table;
    if (sqlite3_prepare_v2(raw.db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
        throw std::runtime_error(sql + ": " + sqlite3_errmsg(raw.db));
    }
    std::vector<std::string> rows;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        std::string row;
        for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
            const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
            row += text != nullptr ? text : "NULL";
            row += '|';
        }
        rows.push_back(std::move(row));
    }
    sqlite3_finalize(stmt);
    std::sort(rows.begin(), rows.end());
    std::string out;
    for (const auto& r : rows) out += r + "\n";
    return out;
}

EventBuilder::EventBuilder(std::uint64_t first_id, Timestamp start_ts)
    : seq_(first_id - 1), next_order_(first_id), next_fill_(first_id), next_txn_(first_id), ts_(start_ts) {}

trading::Event EventBuilder::Next(trading::EventType type) {
    trading::Event e;
    e.type = type;
    e.seq = ++seq_;
    ts_ += 1'000'000;  // 1 ms per event
    e.ts = ts_;
    return e;
}

trading::LedgerTxn EventBuilder::NewTxn() {
    trading::LedgerTxn txn;
    txn.id = next_txn_++;
    return txn;
}

namespace {

void Post(trading::LedgerTxn& txn, trading::LedgerBook book, trading::AccountId account, market::SymbolId symbol,
          Won amount) {
    txn.entries.at(txn.count++) = trading::LedgerEntry{book, account, symbol, amount};
}

}  // namespace

trading::Event EventBuilder::OpenAccount(trading::AccountId account, Won deposit) {
    trading::Event e = Next(trading::EventType::kAccountOpened);
    auto& balance = accounts_[account];
    balance = trading::AccountBalance{account, deposit, 0};
    e.balance = balance;
    e.deposit_amount = deposit;
    if (deposit > 0) {  // as the engine: an account opened with nothing posts no transaction
        e.ledger = NewTxn();
        Post(e.ledger, trading::LedgerBook::kCash, account, market::kNoSymbol, deposit);
        Post(e.ledger, trading::LedgerBook::kDeposits, account, market::kNoSymbol, -deposit);
    }
    return e;
}

trading::Event EventBuilder::Deposit(trading::AccountId account, Won amount) {
    trading::Event e = Next(trading::EventType::kDeposited);
    auto& balance = accounts_.at(account);
    balance.cash += amount;
    e.balance = balance;
    e.deposit_amount = amount;
    e.ledger = NewTxn();
    Post(e.ledger, trading::LedgerBook::kCash, account, market::kNoSymbol, amount);
    Post(e.ledger, trading::LedgerBook::kDeposits, account, market::kNoSymbol, -amount);
    return e;
}

trading::Event EventBuilder::AcceptBuy(trading::AccountId account, market::SymbolId symbol, Qty qty, Won limit_price,
                                       std::string client_order_id) {
    trading::Event e = Next(trading::EventType::kOrderAccepted);
    trading::Order o;
    o.id = next_order_++;
    o.account = account;
    o.symbol = symbol;
    o.side = trading::Side::kBuy;
    o.type = trading::OrderType::kLimit;
    o.tif = trading::TimeInForce::kDay;
    o.qty = qty;
    o.limit_price = limit_price;
    o.reserved_cash = limit_price * qty + fees_.Commission(limit_price * qty);
    o.created_at = o.updated_at = e.ts;
    o.client_order_id = client_order_id.empty() ? "c-" + std::to_string(o.id) : std::move(client_order_id);
    auto& balance = accounts_.at(account);
    balance.reserved_cash += o.reserved_cash;
    orders_[o.id] = o;
    e.has_order = true;
    e.order = o;
    e.balance = balance;
    return e;
}

trading::Event EventBuilder::AcceptSell(trading::AccountId account, market::SymbolId symbol, Qty qty, Won limit_price,
                                        std::string client_order_id) {
    trading::Event e = Next(trading::EventType::kOrderAccepted);
    trading::Order o;
    o.id = next_order_++;
    o.account = account;
    o.symbol = symbol;
    o.side = trading::Side::kSell;
    o.type = trading::OrderType::kLimit;
    o.tif = trading::TimeInForce::kGtc;
    o.qty = qty;
    o.limit_price = limit_price;
    o.created_at = o.updated_at = e.ts;
    o.client_order_id = client_order_id.empty() ? "c-" + std::to_string(o.id) : std::move(client_order_id);
    auto& position = positions_.at({account, symbol});
    position.reserved_qty += qty;
    orders_[o.id] = o;
    e.has_order = true;
    e.order = o;
    e.has_position = true;
    e.position = position;
    e.balance = accounts_.at(account);
    return e;
}

trading::Event EventBuilder::Fill(trading::OrderId order_id, Qty qty, Won price) {
    trading::Event e = Next(trading::EventType::kOrderFilled);
    trading::Order& o = orders_.at(order_id);
    auto& balance = accounts_.at(o.account);
    auto [it, inserted] = positions_.try_emplace({o.account, o.symbol});
    trading::Position& p = it->second;
    if (inserted) {
        p.account = o.account;
        p.symbol = o.symbol;
    }
    const Won notional = price * qty;
    const Won commission = fees_.Commission(notional);
    const Won tax = o.side == trading::Side::kSell ? fees_.SellTax(notional) : 0;

    o.filled_qty += qty;
    o.filled_notional += notional;
    o.status = o.filled_qty == o.qty ? trading::OrderStatus::kFilled : trading::OrderStatus::kPartiallyFilled;
    o.updated_at = e.ts;
    e.ledger = NewTxn();
    if (o.side == trading::Side::kBuy) {
        const Won remaining_reserve =
            o.remaining() == 0 ? 0 : o.limit_price * o.remaining() + fees_.Commission(o.limit_price * o.remaining());
        balance.reserved_cash -= o.reserved_cash - remaining_reserve;
        o.reserved_cash = remaining_reserve;
        balance.cash -= notional + commission;
        p.qty += qty;
        p.cost_basis += notional;
        Post(e.ledger, trading::LedgerBook::kCash, o.account, o.symbol, -(notional + commission));
        Post(e.ledger, trading::LedgerBook::kSecurities, o.account, o.symbol, notional);
        Post(e.ledger, trading::LedgerBook::kCommission, o.account, o.symbol, commission);
    } else {
        const Won cost = qty == p.qty ? p.cost_basis : p.cost_basis * qty / p.qty;
        p.qty -= qty;
        p.reserved_qty -= qty;
        p.cost_basis -= cost;
        p.realized_pnl += notional - cost - commission - tax;
        balance.cash += notional - commission - tax;
        Post(e.ledger, trading::LedgerBook::kCash, o.account, o.symbol, notional - commission - tax);
        Post(e.ledger, trading::LedgerBook::kSecurities, o.account, o.symbol, -cost);
        Post(e.ledger, trading::LedgerBook::kRealizedPnl, o.account, o.symbol, cost - notional);
        Post(e.ledger, trading::LedgerBook::kCommission, o.account, o.symbol, commission);
        Post(e.ledger, trading::LedgerBook::kTax, o.account, o.symbol, tax);
    }
    trading::Fill f;
    f.id = next_fill_++;
    f.order = o.id;
    f.account = o.account;
    f.symbol = o.symbol;
    f.side = o.side;
    f.qty = qty;
    f.price = price;
    f.commission = commission;
    f.tax = tax;
    f.ts = e.ts;
    f.settle_date = Date{2026, 7, 28};
    e.has_fill = true;
    e.fill = f;
    e.has_order = true;
    e.order = o;
    e.has_position = true;
    e.position = p;
    e.balance = balance;
    return e;
}

trading::Event EventBuilder::Cancel(trading::OrderId order_id) {
    trading::Event e = Next(trading::EventType::kOrderCanceled);
    trading::Order& o = orders_.at(order_id);
    auto& balance = accounts_.at(o.account);
    if (o.side == trading::Side::kBuy) {
        balance.reserved_cash -= o.reserved_cash;
        o.reserved_cash = 0;
    } else {
        trading::Position& p = positions_.at({o.account, o.symbol});
        p.reserved_qty -= o.remaining();
        e.has_position = true;
        e.position = p;
    }
    o.status = trading::OrderStatus::kCanceled;
    o.updated_at = e.ts;
    e.has_order = true;
    e.order = o;
    e.balance = balance;
    return e;
}

}  // namespace ik::storage::testing
