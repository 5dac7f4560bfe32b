// Replays every trading scenario in tests/scenarios/*.scn against the engine: commands and ticks in,
// events out, each compared with the file's expectations. After every command the driver also checks
// the engine's invariants (balanced ledger, reservations equal open orders' needs, no negative balances,
// cash equal to deposits − buys − fees − taxes + sells).
//
// Format, one statement per line, '#' starts a comment:
//   options commission_ppm=150 sell_tax_ppm=2000 price_limit_ppm=300000 session=continuous
//   list CODE close=N                     list a symbol with its previous close
//   halt CODE | resume CODE               suspend or resume trading in a listed symbol
//   session continuous|closing_auction|closed
//   time 2026-11-25T09:00:00+09:00        set the command clock (otherwise +1 s per statement)
//   open ACCOUNT cash=N
//   deposit ACCOUNT N
//   tick CODE price=N [bid=N] [ask=N] [volume=N]
//   buy|sell ACCOUNT CODE QTY TYPE TIF [limit=N] [stop=N] [coid=TEXT]
//   cancel ACCOUNT ORDER
//   replace ACCOUNT ORDER [qty=N] [limit=N] [stop=N] [tif=T] [coid=TEXT]
//   expect EVENT key=value…               next event of the previous command(s), in order
//   expect error CODE [text…]             the previous command was refused; text must occur in the message
//   check account ACCOUNT key=value…      cash, reserved, available
//   check position ACCOUNT CODE key=value…  qty, reserved, cost, realized
//   check open ACCOUNT N                  number of open orders
// A statement that runs the engine fails the test if the previous one left events or an error unexpected.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "trading/engine.hpp"

namespace ik::trading {
namespace {

namespace fs = std::filesystem;

struct Line {
    int number = 0;
    std::vector<std::string> words;
    std::map<std::string, std::string> kv;
};

Line Parse(int number, const std::string& text) {
    Line line;
    line.number = number;
    std::istringstream in(text.substr(0, text.find('#')));
    std::string w;
    while (in >> w) {
        auto eq = w.find('=');
        if (eq != std::string::npos) {
            line.kv[w.substr(0, eq)] = w.substr(eq + 1);
        } else {
            line.words.push_back(w);
        }
    }
    return line;
}

std::int64_t Int(const std::string& s) {
    std::size_t pos = 0;
    const long long v = std::stoll(s, &pos);
    if (pos != s.size()) throw std::invalid_argument("not an integer: " + s);
    return v;
}

class Driver {
public:
    explicit Driver(std::string name) : name_(std::move(name)) {}

    void Run(const fs::path& path) {
        std::ifstream in(path);
        ASSERT_TRUE(in) << "cannot open " << path;
        std::string text;
        int n = 0;
        while (std::getline(in, text)) {
            ++n;
            Line line = Parse(n, text);
            if (line.words.empty()) continue;
            SCOPED_TRACE(name_ + ":" + std::to_string(n) + ": " + text);
            Step(line);
            if (::testing::Test::HasFatalFailure()) return;
        }
        ExpectDrained(n + 1);
        EXPECT_GT(commands_, 0) << "scenario ran no command";
        EXPECT_GT(expectations_, 0) << "scenario checked nothing";
    }

private:
    void Step(const Line& l) {
        const std::string& verb = l.words[0];
        if (verb == "options") return Options(l);
        if (verb == "expect") return Expect(l);
        if (verb == "check") return Check(l);
        if (verb == "time") {
            auto t = ParseRfc3339(l.words.at(1));
            ASSERT_TRUE(t.has_value()) << t.error().message;
            now_ = *t;
            return;
        }
        ExpectDrained(l.number);
        Engine& e = EngineRef();
        now_ += kNanosPerSecond;
        pending_.clear();
        next_ = 0;
        result_ = CommandResult{};
        ++commands_;
        if (verb == "list") {
            const std::string& code = l.words.at(1);
            if (!symbols_.contains(code)) symbols_[code] = static_cast<SymbolId>(symbols_.size());
            result_ = e.Apply(ListSymbol{symbols_[code], Int(l.kv.at("close")), now_, code}, pending_);
        } else if (verb == "halt" || verb == "resume") {
            result_ = e.Apply(HaltSymbol{Symbol(l.words.at(1)), verb == "halt", now_}, pending_);
        } else if (verb == "session") {
            auto state = ParseState(l.words.at(1));
            result_ = e.Apply(SessionChange{state, now_}, pending_);
        } else if (verb == "open") {
            result_ = e.Apply(OpenAccount{static_cast<AccountId>(Int(l.words.at(1))), Int(l.kv.at("cash")), now_},
                              pending_);
        } else if (verb == "deposit") {
            result_ = e.Apply(trading::Deposit{static_cast<AccountId>(Int(l.words.at(1))), Int(l.words.at(2)), now_},
                              pending_);
        } else if (verb == "tick") {
            market::Tick t;
            t.symbol = Symbol(l.words.at(1));
            t.ts = now_;
            t.price = Int(l.kv.at("price"));
            t.bid = l.kv.contains("bid") ? Int(l.kv.at("bid")) : 0;
            t.ask = l.kv.contains("ask") ? Int(l.kv.at("ask")) : 0;
            t.volume = l.kv.contains("volume") ? Int(l.kv.at("volume")) : 1'000'000;
            result_ = e.Apply(MarketTick{t}, pending_);
        } else if (verb == "buy" || verb == "sell") {
            PlaceOrder p;
            p.side = verb == "buy" ? Side::kBuy : Side::kSell;
            p.account = static_cast<AccountId>(Int(l.words.at(1)));
            p.symbol = Symbol(l.words.at(2));
            p.qty = Int(l.words.at(3));
            p.type = ParseOrderType(l.words.at(4)).value();
            p.tif = ParseTimeInForce(l.words.at(5)).value();
            p.limit_price = l.kv.contains("limit") ? Int(l.kv.at("limit")) : 0;
            p.stop_price = l.kv.contains("stop") ? Int(l.kv.at("stop")) : 0;
            p.client_order_id = l.kv.contains("coid") ? l.kv.at("coid") : "";
            p.ts = now_;
            result_ = e.Apply(p, pending_);
        } else if (verb == "cancel") {
            result_ = e.Apply(CancelOrder{static_cast<AccountId>(Int(l.words.at(1))),
                                          static_cast<OrderId>(Int(l.words.at(2))), now_},
                              pending_);
        } else if (verb == "replace") {
            ReplaceOrder r;
            r.account = static_cast<AccountId>(Int(l.words.at(1)));
            r.order = static_cast<OrderId>(Int(l.words.at(2)));
            r.qty = l.kv.contains("qty") ? Int(l.kv.at("qty")) : 0;
            r.limit_price = l.kv.contains("limit") ? Int(l.kv.at("limit")) : 0;
            r.stop_price = l.kv.contains("stop") ? Int(l.kv.at("stop")) : 0;
            if (l.kv.contains("tif")) r.tif = ParseTimeInForce(l.kv.at("tif")).value();
            r.client_order_id = l.kv.contains("coid") ? l.kv.at("coid") : "";
            r.ts = now_;
            result_ = e.Apply(r, pending_);
        } else {
            FAIL() << "unknown statement '" << verb << "'";
        }
        error_consumed_ = result_.ok();
        if (!result_.ok()) {
            EXPECT_TRUE(pending_.empty()) << "a refused command must emit no event";
        }
        Account(pending_);
        CheckInvariants();
    }

    void Options(const Line& l) {
        ASSERT_FALSE(engine_) << "options must come before the first command";
        for (const auto& [k, v] : l.kv) {
            if (k == "commission_ppm") {
                options_.fees.commission_ppm = Int(v);
            } else if (k == "sell_tax_ppm") {
                options_.fees.sell_tax_ppm = Int(v);
            } else if (k == "price_limit_ppm") {
                options_.price_limit_ppm = Int(v);
            } else if (k == "session") {
                options_.session = ParseState(v);
            } else {
                FAIL() << "unknown option " << k;
            }
        }
    }

    Engine& EngineRef() {
        if (!engine_) engine_ = std::make_unique<Engine>(options_);
        return *engine_;
    }

    static market::SessionState ParseState(const std::string& s) {
        if (s == "continuous") return market::SessionState::kContinuous;
        if (s == "closing_auction") return market::SessionState::kClosingAuction;
        if (s == "closed") return market::SessionState::kClosed;
        throw std::invalid_argument("unknown session " + s);
    }

    SymbolId Symbol(const std::string& code) {
        auto it = symbols_.find(code);
        return it == symbols_.end() ? static_cast<SymbolId>(1000) : it->second;
    }

    std::string CodeOf(SymbolId id) const {
        for (const auto& [code, sid] : symbols_) {
            if (sid == id) return code;
        }
        return "?";
    }

    void ExpectDrained(int line) {
        EXPECT_EQ(next_, pending_.size()) << "line " << line << ": unexpected event '"
                                          << (next_ < pending_.size() ? Describe(pending_[next_]) : "") << "'";
        EXPECT_TRUE(error_consumed_) << "line " << line << ": unexpected error: "
                                     << (result_.error ? result_.error->message : "");
        next_ = pending_.size();
        error_consumed_ = true;
    }

    static std::string Describe(const Event& e) {
        std::string s(EventTypeName(e.type));
        if (e.has_order) {
            s += " order=" + std::to_string(e.order.id) + " status=" + std::string(OrderStatusName(e.order.status)) +
                 " filled=" + std::to_string(e.order.filled_qty);
        }
        if (e.has_fill) {
            s += " qty=" + std::to_string(e.fill.qty) + " price=" + std::to_string(e.fill.price) +
                 " commission=" + std::to_string(e.fill.commission) + " tax=" + std::to_string(e.fill.tax);
        }
        s += " cash=" + std::to_string(e.balance.cash) + " reserved=" + std::to_string(e.balance.reserved_cash);
        return s;
    }

    void Expect(const Line& l) {
        ++expectations_;
        const std::string& what = l.words.at(1);
        if (what == "error") {
            ASSERT_FALSE(result_.ok()) << "expected an error, the command succeeded";
            EXPECT_EQ(ErrorCodeName(result_.error->code), l.words.at(2));
            std::string text;
            for (std::size_t i = 3; i < l.words.size(); ++i) text += (i > 3 ? " " : "") + l.words[i];
            EXPECT_NE(result_.error->message.find(text), std::string::npos)
                << "message '" << result_.error->message << "' lacks '" << text << "'";
            error_consumed_ = true;
            return;
        }
        ASSERT_LT(next_, pending_.size()) << "expected event '" << what << "', none left";
        const Event& e = pending_[next_++];
        ASSERT_EQ(EventTypeName(e.type), what) << "got " << Describe(e);
        for (const auto& [k, v] : l.kv) {
            std::int64_t actual = 0;
            if (k == "status") {
                EXPECT_EQ(OrderStatusName(e.order.status), v) << Describe(e);
                continue;
            }
            if (k == "coid") {
                EXPECT_EQ(e.order.client_order_id, v);
                continue;
            }
            if (k == "order") actual = static_cast<std::int64_t>(e.order.id);
            else if (k == "filled") actual = e.order.filled_qty;
            else if (k == "order_qty") actual = e.order.qty;
            else if (k == "limit") actual = e.order.limit_price;
            else if (k == "stop") actual = e.order.stop_price;
            else if (k == "order_reserved") actual = e.order.reserved_cash;
            else if (k == "replaces") actual = static_cast<std::int64_t>(e.order.replaces);
            else if (k == "replaced_by") actual = static_cast<std::int64_t>(e.order.replaced_by);
            else if (k == "qty") actual = e.fill.qty;
            else if (k == "price") actual = e.fill.price;
            else if (k == "commission") actual = e.fill.commission;
            else if (k == "tax") actual = e.fill.tax;
            else if (k == "cash") actual = e.balance.cash;
            else if (k == "reserved") actual = e.balance.reserved_cash;
            else if (k == "amount") actual = e.deposit_amount;
            else if (k == "pos_qty") actual = e.position.qty;
            else if (k == "pos_reserved") actual = e.position.reserved_qty;
            else if (k == "cost") actual = e.position.cost_basis;
            else if (k == "realized") actual = e.position.realized_pnl;
            else if (k == "settle") {
                EXPECT_EQ(FormatDate(e.fill.settle_date), v);
                continue;
            } else {
                FAIL() << "unknown event field " << k;
            }
            EXPECT_EQ(actual, Int(v)) << "field " << k << " of " << Describe(e);
        }
    }

    void Check(const Line& l) {
        ++expectations_;
        const std::string& what = l.words.at(1);
        Engine& e = EngineRef();
        if (what == "account") {
            const AccountBalance* a = e.FindAccount(static_cast<AccountId>(Int(l.words.at(2))));
            ASSERT_NE(a, nullptr);
            for (const auto& [k, v] : l.kv) {
                std::int64_t actual = k == "cash" ? a->cash : k == "reserved" ? a->reserved_cash : a->available();
                EXPECT_EQ(actual, Int(v)) << "account field " << k;
            }
        } else if (what == "position") {
            const Position* p = e.FindPosition(static_cast<AccountId>(Int(l.words.at(2))), Symbol(l.words.at(3)));
            Position zero;
            if (p == nullptr) p = &zero;
            for (const auto& [k, v] : l.kv) {
                std::int64_t actual = k == "qty"        ? p->qty
                                      : k == "reserved" ? p->reserved_qty
                                      : k == "cost"     ? p->cost_basis
                                                        : p->realized_pnl;
                EXPECT_EQ(actual, Int(v)) << "position field " << k;
            }
        } else if (what == "open") {
            EXPECT_EQ(static_cast<std::int64_t>(e.OpenOrders(static_cast<AccountId>(Int(l.words.at(2)))).size()),
                      Int(l.words.at(3)));
        } else {
            FAIL() << "unknown check " << what;
        }
    }

    // Independent bookkeeping from the events, compared with the engine after every command.
    struct Flows {
        Won deposits = 0, buys = 0, sells = 0, commissions = 0, taxes = 0;
    };

    void Account(const std::vector<Event>& events) {
        for (const Event& e : events) {
            EXPECT_GT(e.seq, last_seq_) << "event sequence must increase";
            last_seq_ = e.seq;
            Won sum = 0;
            for (int i = 0; i < e.ledger.count; ++i) sum += e.ledger.entries[i].amount;
            EXPECT_EQ(sum, 0) << "unbalanced ledger transaction in " << Describe(e);
            Flows& f = flows_[e.balance.id];
            if (e.type == EventType::kAccountOpened || e.type == EventType::kDeposited) f.deposits += e.deposit_amount;
            if (e.has_fill) {
                const Won n = e.fill.price * e.fill.qty;
                (e.fill.side == Side::kBuy ? f.buys : f.sells) += n;
                f.commissions += e.fill.commission;
                f.taxes += e.fill.tax;
                EXPECT_GT(e.fill.qty, 0);
            }
        }
    }

    void CheckInvariants() {
        Engine& e = *engine_;
        for (const auto& [id, f] : flows_) {
            const AccountBalance* a = e.FindAccount(id);
            if (a == nullptr) continue;
            EXPECT_EQ(a->cash, f.deposits - f.buys - f.commissions - f.taxes + f.sells) << "cash flows of " << id;
            EXPECT_GE(a->cash, 0);
            EXPECT_GE(a->reserved_cash, 0);
            EXPECT_LE(a->reserved_cash, a->cash) << "reserved beyond cash for account " << id;
            Won reserved = 0;
            std::map<SymbolId, Qty> sell_reserved;
            for (const Order& o : e.OpenOrders(id)) {
                if (o.side == Side::kBuy) reserved += o.reserved_cash;
                else sell_reserved[o.symbol] += o.remaining();
            }
            EXPECT_EQ(a->reserved_cash, reserved) << "account " << id << " reservation != open buys";
            for (const Position& p : e.Positions(id)) {
                EXPECT_GE(p.qty, 0);
                EXPECT_GE(p.reserved_qty, 0);
                EXPECT_LE(p.reserved_qty, p.qty);
                EXPECT_EQ(p.reserved_qty, sell_reserved[p.symbol]) << "position reservation != open sells";
                if (p.qty == 0) {
                    EXPECT_EQ(p.cost_basis, 0);
                }
            }
        }
    }

    std::string name_;
    EngineOptions options_;
    std::unique_ptr<Engine> engine_;
    std::map<std::string, SymbolId> symbols_;
    Timestamp now_ = FromKst({2026, 11, 25}, 9, 30);
    std::vector<Event> pending_;
    std::size_t next_ = 0;
    CommandResult result_;
    bool error_consumed_ = true;
    std::uint64_t last_seq_ = 0;
    int commands_ = 0;
    int expectations_ = 0;
    std::map<AccountId, Flows> flows_;
};

std::vector<fs::path> Scenarios() {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(IK_SCENARIO_DIR)) {
        if (entry.path().extension() == ".scn") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

class ScenarioTest : public ::testing::TestWithParam<fs::path> {};

TEST_P(ScenarioTest, ProducesExactlyTheExpectedEvents) {
    Driver driver(GetParam().filename().string());
    driver.Run(GetParam());
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ScenarioTest, ::testing::ValuesIn(Scenarios()),
                         [](const ::testing::TestParamInfo<fs::path>& info) {
                             std::string name = info.param.stem().string();
                             for (char& c : name) {
                                 if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                             }
                             return name;
                         });

TEST(ScenarioFilesTest, AtLeastTenScenariosExist) { EXPECT_GE(Scenarios().size(), 10u); }

}  // namespace
}  // namespace ik::trading
