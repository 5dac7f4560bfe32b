#include "trading/engine.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

namespace ik::trading {
namespace {

constexpr SymbolId kSamsung = 0;
constexpr SymbolId kKakao = 1;

// A small deterministic generator of mixed commands and ticks, for property tests.
class Workload {
public:
    explicit Workload(std::uint64_t seed) : rng_(seed) {}

    Command Next(Timestamp ts) {
        const int roll = Uniform(0, 99);
        const AccountId account = static_cast<AccountId>(Uniform(1, 5));
        const SymbolId symbol = Uniform(0, 1) == 0 ? kSamsung : kKakao;
        const Won base = symbol == kSamsung ? 70'000 : 36'200;
        const Won step = symbol == kSamsung ? 100 : 50;
        if (roll < 30) {
            market::Tick t;
            t.symbol = symbol;
            t.ts = ts;
            t.bid = base + step * Uniform(-20, 20);
            t.ask = t.bid + step;
            t.price = Uniform(0, 1) ? t.bid : t.ask;
            t.volume = Uniform(0, 60);
            return MarketTick{t};
        }
        if (roll < 75) {
            PlaceOrder p;
            p.account = account;
            p.symbol = symbol;
            p.side = Uniform(0, 1) ? Side::kBuy : Side::kSell;
            p.type = static_cast<OrderType>(Uniform(0, 3));
            p.tif = static_cast<TimeInForce>(Uniform(0, 3));
            if (p.type == OrderType::kStop || p.type == OrderType::kStopLimit) p.tif = TimeInForce::kGtc;
            p.qty = Uniform(1, 40);
            if (p.type == OrderType::kLimit || p.type == OrderType::kStopLimit) {
                p.limit_price = base + step * Uniform(-15, 15);
            }
            if (p.type == OrderType::kStop || p.type == OrderType::kStopLimit) {
                p.stop_price = base + step * Uniform(-15, 15);
            }
            p.ts = ts;
            return p;
        }
        if (roll < 85) return CancelOrder{account, static_cast<OrderId>(Uniform(1, 400)), ts};
        if (roll < 93) {
            ReplaceOrder r;
            r.account = account;
            r.order = static_cast<OrderId>(Uniform(1, 400));
            r.qty = Uniform(0, 30);
            r.ts = ts;
            return r;
        }
        if (roll < 96) return Deposit{account, Uniform(1, 1'000'000), ts};
        static constexpr market::SessionState kStates[] = {market::SessionState::kContinuous,
                                                           market::SessionState::kClosingAuction,
                                                           market::SessionState::kClosed};
        return SessionChange{kStates[Uniform(0, 2)], ts};
    }

private:
    std::int64_t Uniform(std::int64_t lo, std::int64_t hi) {
        // Portable: no std distribution (their output differs between standard libraries).
        return lo + static_cast<std::int64_t>(rng_() % static_cast<std::uint64_t>(hi - lo + 1));
    }
    std::mt19937_64 rng_;
};

std::unique_ptr<Engine> MakeEngine() {
    auto e = std::make_unique<Engine>(EngineOptions{});
    std::vector<Event> out;
    e->Apply(ListSymbol{kSamsung, 70'000, 0, "005930"}, out);
    e->Apply(ListSymbol{kKakao, 36'200, 0, "035720"}, out);
    for (AccountId a = 1; a <= 5; ++a) e->Apply(OpenAccount{a, 5'000'000, 0}, out);
    return e;
}

void CheckInvariants(const Engine& e, const std::map<AccountId, Won>& flows) {
    for (AccountId a = 1; a <= 5; ++a) {
        const AccountBalance* b = e.FindAccount(a);
        ASSERT_NE(b, nullptr);
        ASSERT_GE(b->cash, 0);
        ASSERT_GE(b->reserved_cash, 0);
        ASSERT_LE(b->reserved_cash, b->cash);
        ASSERT_EQ(b->cash, flows.at(a));
        Won reserved = 0;
        std::map<SymbolId, Qty> sells;
        for (const Order& o : e.OpenOrders(a)) {
            ASSERT_TRUE(IsOpen(o.status));
            ASSERT_LT(o.filled_qty, o.qty);
            if (o.side == Side::kBuy) {
                reserved += o.reserved_cash;
            } else {
                sells[o.symbol] += o.remaining();
            }
        }
        ASSERT_EQ(b->reserved_cash, reserved);
        for (const Position& p : e.Positions(a)) {
            ASSERT_GE(p.qty, 0);
            ASSERT_LE(p.reserved_qty, p.qty);
            ASSERT_EQ(p.reserved_qty, sells[p.symbol]);
        }
    }
}

TEST(EngineTest, RandomWorkloadsKeepEveryInvariant) {
    for (std::uint64_t seed = 1; seed <= 8; ++seed) {
        auto engine = MakeEngine();
        Engine& e = *engine;
        Workload w(seed);
        std::map<AccountId, Won> flows;
        for (AccountId a = 1; a <= 5; ++a) flows[a] = 5'000'000;
        std::vector<Event> out;
        std::size_t fills = 0;
        for (int i = 0; i < 3'000; ++i) {
            out.clear();
            e.Apply(w.Next(i * kNanosPerSecond), out);
            for (const Event& ev : out) {
                Won sum = 0;
                for (int k = 0; k < ev.ledger.count; ++k) sum += ev.ledger.entries[k].amount;
                ASSERT_EQ(sum, 0);
                if (ev.type == EventType::kDeposited) flows[ev.balance.id] += ev.deposit_amount;
                if (ev.has_fill) {
                    ++fills;
                    const Won n = ev.fill.price * ev.fill.qty;
                    flows[ev.balance.id] += (ev.fill.side == Side::kBuy ? -n : n) - ev.fill.commission - ev.fill.tax;
                }
            }
            CheckInvariants(e, flows);
            if (HasFatalFailure()) return;
        }
        EXPECT_GT(fills, 50u) << "the workload should trade (seed " << seed << ")";
    }
}

TEST(EngineTest, SameInputsGiveSameEvents) {
    auto run = [] {
        auto engine = MakeEngine();
        Engine& e = *engine;
        Workload w(42);
        std::vector<Event> out;
        for (int i = 0; i < 2'000; ++i) e.Apply(w.Next(i * kNanosPerSecond), out);
        return out;
    };
    const auto a = run();
    const auto b = run();
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].type, b[i].type);
        EXPECT_EQ(a[i].seq, b[i].seq);
        EXPECT_EQ(a[i].order.id, b[i].order.id);
        EXPECT_EQ(a[i].fill.price, b[i].fill.price);
        EXPECT_EQ(a[i].balance.cash, b[i].balance.cash);
    }
}

// Two engines writing one database side by side take every other id; a restore continues on the engine's own
// residue above whatever the snapshot has seen.
TEST(EngineTest, IdStridesKeepTheIdsOfSideBySideEnginesApart) {
    std::set<std::uint64_t> orders, fills, txns;
    for (std::uint64_t offset : {1, 0}) {
        EngineOptions options;
        options.id_stride = 2;
        options.id_offset = offset;
        Engine e{options};
        std::vector<Event> out;
        e.Apply(ListSymbol{kSamsung, 70'000, 0, "005930"}, out);
        e.Apply(OpenAccount{offset + 1, 5'000'000, 0}, out);
        e.Apply(MarketTick{market::Tick{kSamsung, 1, 70'000, 70'000, 70'100, 1'000}}, out);
        for (int i = 0; i < 3; ++i) {
            PlaceOrder p{offset + 1, kSamsung, Side::kBuy, OrderType::kMarket, TimeInForce::kDay, 1, 0, 0, "", 2};
            ASSERT_TRUE(e.Apply(p, out).ok());
        }
        for (const Event& ev : out) {
            if (ev.type == EventType::kOrderAccepted) {
                EXPECT_TRUE(orders.insert(ev.order.id).second);
            }
            if (ev.has_fill) {
                EXPECT_TRUE(fills.insert(ev.fill.id).second);
            }
            if (ev.ledger.id != 0) {
                EXPECT_TRUE(txns.insert(ev.ledger.id).second);
            }
        }
        for (std::uint64_t id : orders) EXPECT_NE(id, 0u);
        for (const Event& ev : out) {
            if (ev.type == EventType::kOrderAccepted) {
                EXPECT_EQ(ev.order.id % 2, offset);
            }
        }
        // Restored from a snapshot whose counters sit on the other residue, it moves up to its own.
        EngineSnapshot snap = e.Snapshot();
        snap.next_order_id = 10 + (1 - offset);
        Engine restored{options};
        restored.Restore(snap);
        std::vector<Event> more;
        restored.Apply(ListSymbol{kSamsung, 70'000, 0, "005930"}, more);
        restored.Apply(MarketTick{market::Tick{kSamsung, 3, 70'000, 70'000, 70'100, 1'000}}, more);
        PlaceOrder p{offset + 1, kSamsung, Side::kBuy, OrderType::kLimit, TimeInForce::kDay, 1, 60'000, 0, "", 4};
        EXPECT_EQ(restored.Apply(p, more).order, offset == 1 ? 11u : 12u);
    }
    EXPECT_EQ(orders, (std::set<std::uint64_t>{1, 2, 3, 4, 5, 6}));  // 1, 3, 5 from the first; 2, 4, 6 from the second
}

TEST(EngineTest, RestoredEngineBehavesLikeTheOriginal) {
    auto engine = MakeEngine();
    Engine& original = *engine;
    Workload w(7);
    std::vector<Event> out;
    int i = 0;
    for (; i < 1'500; ++i) original.Apply(w.Next(i * kNanosPerSecond), out);

    EngineOptions restored_options;
    restored_options.session = original.session();  // the session comes from the clock, not the snapshot
    Engine restored{restored_options};
    restored.Restore(original.Snapshot());
    // The restored engine forgets the unused liquidity of the last tick; start both from a fresh tick.
    for (SymbolId s : {kSamsung, kKakao}) {
        market::Tick t = *original.LastTick(s);
        t.ts = i * kNanosPerSecond;
        out.clear();
        original.Apply(MarketTick{t}, out);
        std::vector<Event> out2;
        restored.Apply(MarketTick{t}, out2);
        ASSERT_EQ(out.size(), out2.size());
    }
    Workload w2(99);
    Workload w3(99);
    for (int k = 0; k < 1'500; ++k) {
        std::vector<Event> a, b;
        const Timestamp ts = (i + 1 + k) * kNanosPerSecond;
        const CommandResult ra = original.Apply(w2.Next(ts), a);
        const CommandResult rb = restored.Apply(w3.Next(ts), b);
        ASSERT_EQ(ra.ok(), rb.ok());
        ASSERT_EQ(ra.order, rb.order);
        ASSERT_EQ(a.size(), b.size()) << "step " << k;
        for (std::size_t j = 0; j < a.size(); ++j) {
            EXPECT_EQ(a[j].type, b[j].type);
            EXPECT_EQ(a[j].seq, b[j].seq);
            EXPECT_EQ(a[j].balance.cash, b[j].balance.cash);
            EXPECT_EQ(a[j].fill.id, b[j].fill.id);
            EXPECT_EQ(a[j].ledger.id, b[j].ledger.id);
        }
    }
}

TEST(EngineTest, NewPreviousCloseReReservesOpenMarketBuys) {
    Engine e{EngineOptions{}};
    std::vector<Event> out;
    e.Apply(ListSymbol{kSamsung, 70'000, 0, "005930"}, out);
    e.Apply(OpenAccount{1, 950'000, 0}, out);
    // No tick yet: a market buy queues, reserving at the upper limit 91,000 × 10 + 136.
    auto r = e.Apply(PlaceOrder{1, kSamsung, Side::kBuy, OrderType::kMarket, TimeInForce::kGtc, 10, 0, 0, "", 1}, out);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(e.FindAccount(1)->reserved_cash, 910'136);
    // Next day the close is 75,000: the upper limit is 97,500 and 10 shares (975,146) no longer fit in 950,000.
    out.clear();
    e.Apply(ListSymbol{kSamsung, 75'000, 2, "005930"}, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].type, EventType::kOrderCanceled);
    EXPECT_EQ(e.FindAccount(1)->reserved_cash, 0);
}

TEST(EngineTest, GeneratesAClientOrderIdWhenNoneIsGiven) {
    auto engine = MakeEngine();
    Engine& e = *engine;
    std::vector<Event> out;
    auto r = e.Apply(PlaceOrder{1, kSamsung, Side::kBuy, OrderType::kLimit, TimeInForce::kGtc, 1, 60'000, 0, "", 1}, out);
    ASSERT_TRUE(r.ok());
    const Order* o = e.FindOrder(r.order);
    ASSERT_NE(o, nullptr);
    EXPECT_TRUE(o->client_order_id.empty());
    EXPECT_EQ(ClientOrderIdOf(*o), "ik-" + std::to_string(r.order));
    // The generated prefix is reserved: a client cannot collide with a future generated id.
    auto clash = e.Apply(PlaceOrder{1, kSamsung, Side::kBuy, OrderType::kLimit, TimeInForce::kGtc, 1, 60'000, 0, "ik-99", 1}, out);
    ASSERT_FALSE(clash.ok());
    EXPECT_EQ(clash.error->code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace ik::trading
