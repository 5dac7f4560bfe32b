#include "bus/bus_contract_test.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>

#include <fmt/format.h>

namespace ik::bus::testing {
namespace {

using namespace std::chrono_literals;

// A name no other test (or earlier run against the same broker) uses.
std::string Unique(std::string_view what) {
    static std::atomic<int> counter{0};
    static const std::uint64_t run = std::random_device{}();
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string test = info != nullptr ? info->name() : "test";
    std::replace(test.begin(), test.end(), '/', '-');
    return fmt::format("ik-{}-{}-{:x}-{}", what, test, run & 0xffffff, counter++);
}

// Polls until `done` holds for everything read so far, or `deadline` passes; returns what was read.
std::vector<Message> PollUntil(Consumer& c, const std::function<bool(const std::vector<Message>&)>& done,
                               std::chrono::milliseconds deadline) {
    std::vector<Message> all;
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (!done(all) && std::chrono::steady_clock::now() < until) {
        auto got = c.Poll(100ms);
        EXPECT_TRUE(got.has_value()) << got.error().message;
        if (!got) break;
        for (auto& m : *got) all.push_back(std::move(m));
    }
    return all;
}

std::function<bool(const std::vector<Message>&)> AtLeast(std::size_t n) {
    return [n](const std::vector<Message>& all) { return all.size() >= n; };
}

// Polls (reading nothing that matters) until the consumer owns exactly `n` partitions.
bool AwaitAssignment(Consumer& c, std::size_t n, std::chrono::milliseconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
        if (c.Assignment().size() == n) return true;
        if (!c.Poll(50ms)) return false;
    }
    return c.Assignment().size() == n;
}

std::vector<TopicPartitionOffset> NextOffsets(const std::vector<Message>& read) {
    std::map<TopicPartition, std::int64_t> next;
    for (const auto& m : read) next[m.tp] = std::max(next[m.tp], m.offset + 1);
    std::vector<TopicPartitionOffset> out;
    for (const auto& [tp, offset] : next) out.push_back({tp, offset});
    return out;
}

TEST_P(BusContract, MessagesArriveInOrderPerKeyOnThePartitionOfTheirKey) {
    auto bus = GetParam().make();
    const std::string topic = Unique("t");
    ASSERT_TRUE(bus->CreateTopic({topic, 4}).has_value());
    ASSERT_EQ(bus->Partitions(topic).value_or(-1), 4);
    auto producer = bus->NewProducer();
    ASSERT_TRUE(producer.has_value()) << producer.error().message;
    const std::vector<std::string> keys = {"00000001", "00000002", "00000003", "005930", "000660"};
    for (int i = 0; i < 20; ++i) {
        const std::string& key = keys[static_cast<std::size_t>(i) % keys.size()];
        auto d = (*producer)->Send(topic, key, fmt::format("{}:{}", key, i));
        ASSERT_TRUE(d.has_value()) << d.error().message;
        EXPECT_EQ(d->tp.partition, PartitionFor(key, 4)) << key;
    }
    auto consumer = bus->NewConsumer({.group = Unique("g"), .topics = {topic}});
    ASSERT_TRUE(consumer.has_value()) << consumer.error().message;
    auto read = PollUntil(**consumer, AtLeast(20), GetParam().settle + 10s);
    ASSERT_EQ(read.size(), 20U);
    std::map<std::string, int> last;
    for (const auto& m : read) {
        EXPECT_EQ(m.tp.partition, PartitionFor(m.key, 4));
        const int i = std::stoi(m.value.substr(m.value.find(':') + 1));
        EXPECT_GT(i, last.contains(m.key) ? last[m.key] : -1) << "order of key " << m.key;
        last[m.key] = i;
        EXPECT_GT(m.timestamp, 0);
    }
    (*consumer)->Close();
}

TEST_P(BusContract, ANewMemberOfTheGroupResumesAtTheCommittedOffsets) {
    auto bus = GetParam().make();
    const std::string topic = Unique("t"), group = Unique("g");
    ASSERT_TRUE(bus->CreateTopic({topic, 2}).has_value());
    auto producer = *bus->NewProducer();
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(producer->Send(topic, fmt::format("k{}", i), fmt::format("first-{}", i)));
    {
        auto first = *bus->NewConsumer({.group = group, .topics = {topic}});
        auto read = PollUntil(*first, AtLeast(10), GetParam().settle + 10s);
        ASSERT_EQ(read.size(), 10U);
        const auto next = NextOffsets(read);
        ASSERT_TRUE(first->Commit(next).has_value());
        for (const auto& n : next) EXPECT_EQ(first->Committed(n.tp).value_or(std::nullopt), n.offset);
        first->Close();
    }
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(producer->Send(topic, fmt::format("k{}", i), fmt::format("second-{}", i)));
    auto second = *bus->NewConsumer({.group = group, .topics = {topic}});
    auto read = PollUntil(*second, AtLeast(4), GetParam().settle + 10s);
    ASSERT_EQ(read.size(), 4U);
    for (const auto& m : read) EXPECT_TRUE(m.value.starts_with("second-")) << m.value;
    second->Close();
}

TEST_P(BusContract, GroupsReadIndependentlyAndLatestSkipsWhatCameBefore) {
    auto bus = GetParam().make();
    const std::string topic = Unique("t");
    ASSERT_TRUE(bus->CreateTopic({topic, 3}).has_value());
    auto producer = *bus->NewProducer();
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(producer->Send(topic, fmt::format("k{}", i), "old"));
    auto a = *bus->NewConsumer({.group = Unique("a"), .topics = {topic}});
    auto b = *bus->NewConsumer({.group = Unique("b"), .topics = {topic}});
    auto late = *bus->NewConsumer({.group = Unique("late"), .topics = {topic}, .start = ConsumerOptions::Start::kLatest});
    EXPECT_EQ(PollUntil(*a, AtLeast(6), GetParam().settle + 10s).size(), 6U);
    EXPECT_EQ(PollUntil(*b, AtLeast(6), GetParam().settle + 10s).size(), 6U);
    ASSERT_TRUE(AwaitAssignment(*late, 3, GetParam().settle + 10s));
    // A latest-start member reads only what is sent after its start positions are settled. Getting the
    // partitions comes a moment before that on a broker, so new messages are sent until one arrives; none of
    // the old ones ever may.
    std::vector<Message> fresh;
    for (int i = 0; i < 20 && fresh.empty(); ++i) {
        ASSERT_TRUE(producer->Send(topic, "k0", fmt::format("new-{}", i)));
        fresh = PollUntil(*late, AtLeast(1), 1s);
    }
    ASSERT_FALSE(fresh.empty());
    for (const auto& m : fresh) EXPECT_TRUE(m.value.starts_with("new-")) << m.value;
    a->Close();
    b->Close();
    late->Close();
}

TEST_P(BusContract, MembersSplitThePartitionsAndTheLastOneTakesAllOver) {
    auto bus = GetParam().make();
    const std::string topic = Unique("t"), group = Unique("g");
    ASSERT_TRUE(bus->CreateTopic({topic, 4}).has_value());
    std::mutex mu;
    std::vector<std::string> events;
    auto options = [&](std::string who) {
        ConsumerOptions o{.group = group, .topics = {topic}};
        o.on_assigned = [&, who](std::span<const TopicPartition> tps) {
            std::lock_guard lock(mu);
            for (const auto& tp : tps) events.push_back(fmt::format("{}+{}", who, tp.partition));
            return std::vector<TopicPartitionOffset>{};
        };
        o.on_revoked = [&, who](std::span<const TopicPartition> tps) {
            std::lock_guard lock(mu);
            for (const auto& tp : tps) events.push_back(fmt::format("{}-{}", who, tp.partition));
        };
        return o;
    };
    auto one = *bus->NewConsumer(options("one"));
    ASSERT_TRUE(AwaitAssignment(*one, 4, GetParam().settle + 10s));
    auto two = *bus->NewConsumer(options("two"));
    // Both poll until the four partitions are split two and two, no partition held by both.
    const auto until = std::chrono::steady_clock::now() + GetParam().settle * 3 + 20s;
    while (std::chrono::steady_clock::now() < until && (one->Assignment().size() != 2 || two->Assignment().size() != 2)) {
        ASSERT_TRUE(one->Poll(50ms).has_value());
        ASSERT_TRUE(two->Poll(50ms).has_value());
    }
    auto a = one->Assignment(), b = two->Assignment();
    ASSERT_EQ(a.size(), 2U);
    ASSERT_EQ(b.size(), 2U);
    std::set<TopicPartition> all(a.begin(), a.end());
    all.insert(b.begin(), b.end());
    EXPECT_EQ(all.size(), 4U);
    // What each reads after the split, it owns: messages to every partition reach exactly one of them.
    auto producer = *bus->NewProducer();
    for (int i = 0; i < 40; ++i) ASSERT_TRUE(producer->Send(topic, fmt::format("key-{}", i), fmt::format("{}", i)));
    std::vector<Message> read;
    const auto until2 = std::chrono::steady_clock::now() + 15s;
    while (read.size() < 40 && std::chrono::steady_clock::now() < until2) {
        for (auto* c : {one.get(), two.get()}) {
            auto got = c->Poll(50ms);
            ASSERT_TRUE(got.has_value());
            for (auto& m : *got) {
                const auto mine = c->Assignment();
                EXPECT_NE(std::find(mine.begin(), mine.end(), m.tp), mine.end()) << "read a partition it does not own";
                read.push_back(std::move(m));
            }
        }
    }
    EXPECT_EQ(read.size(), 40U);
    two->Close();
    EXPECT_TRUE(AwaitAssignment(*one, 4, GetParam().settle * 3 + 20s)) << "the remaining member takes all over";
    one->Close();
    std::lock_guard lock(mu);
    EXPECT_NE(std::find(events.begin(), events.end(), "one+0"), events.end());
    EXPECT_GE(std::count_if(events.begin(), events.end(), [](const std::string& e) { return e.starts_with("one-"); }), 2);
    EXPECT_EQ(std::count_if(events.begin(), events.end(), [](const std::string& e) { return e.starts_with("two-"); }), 2)
        << "closing revokes what it held";
}

TEST_P(BusContract, OnAssignedChoosesWhereAPartitionStarts) {
    auto bus = GetParam().make();
    const std::string topic = Unique("t");
    ASSERT_TRUE(bus->CreateTopic({topic, 1}).has_value());
    auto producer = *bus->NewProducer();
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(producer->Send(topic, "same-key", fmt::format("{}", i)));
    ConsumerOptions o{.group = Unique("g"), .topics = {topic}};
    o.on_assigned = [&](std::span<const TopicPartition> tps) {
        std::vector<TopicPartitionOffset> out;
        for (const auto& tp : tps) out.push_back({tp, 7});  // as stored with the role's own state
        return out;
    };
    auto c = *bus->NewConsumer(o);
    auto read = PollUntil(*c, AtLeast(3), GetParam().settle + 10s);
    ASSERT_EQ(read.size(), 3U);
    EXPECT_EQ(read[0].offset, 7);
    EXPECT_EQ(read[0].value, "7");
    c->Close();
}

TEST_P(BusContract, EndOffsetIsWhereTheNextMessageLands) {
    auto bus = GetParam().make();
    const std::string topic = Unique("t");
    ASSERT_TRUE(bus->CreateTopic({topic, 2}).has_value());
    auto producer = *bus->NewProducer();
    std::map<std::int32_t, std::int64_t> sent;
    for (int i = 0; i < 10; ++i) {
        auto d = producer->Send(topic, fmt::format("key-{}", i), "v");
        ASSERT_TRUE(d.has_value()) << d.error().message;
        sent[d->tp.partition] += 1;
    }
    for (std::int32_t p = 0; p < 2; ++p) {
        auto end = bus->EndOffset({topic, p});
        ASSERT_TRUE(end.has_value()) << end.error().message;
        EXPECT_EQ(*end, sent[p]);
    }
    auto next = producer->Send(topic, "key-0", "v");
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(next->offset, sent[next->tp.partition]);
    EXPECT_FALSE(bus->EndOffset({topic, 2}).has_value());
    EXPECT_FALSE(bus->EndOffset({Unique("missing"), 0}).has_value());
}

TEST_P(BusContract, AsyncSendsReportEveryDeliveryAndFlushWaitsForThem) {
    auto bus = GetParam().make();
    const std::string topic = Unique("t");
    ASSERT_TRUE(bus->CreateTopic({topic, 2}).has_value());
    auto producer = *bus->NewProducer();
    std::mutex mu;
    std::vector<Delivery> delivered;
    for (int i = 0; i < 100; ++i) {
        producer->SendAsync(topic, fmt::format("k{}", i % 7), fmt::format("{}", i), [&](Result<Delivery> d) {
            ASSERT_TRUE(d.has_value()) << d.error().message;
            std::lock_guard lock(mu);
            delivered.push_back(*d);
        });
    }
    ASSERT_TRUE(producer->Flush(30s).has_value());
    std::lock_guard lock(mu);
    EXPECT_EQ(delivered.size(), 100U);
    std::set<std::pair<std::int32_t, std::int64_t>> places;
    for (const auto& d : delivered) places.insert({d.tp.partition, d.offset});
    EXPECT_EQ(places.size(), 100U) << "each message has its own place";
}

TEST_P(BusContract, UnknownTopicsDuplicateTopicsAndForeignCommitsAreRefused) {
    auto bus = GetParam().make();
    const std::string topic = Unique("t");
    EXPECT_EQ(bus->Partitions(topic).error().code, ErrorCode::kNotFound);
    ASSERT_TRUE(bus->CreateTopic({topic, 1}).has_value());
    EXPECT_EQ(bus->CreateTopic({topic, 1}).error().code, ErrorCode::kAlreadyExists);
    EXPECT_EQ(bus->CreateTopic({"", 1}).error().code, ErrorCode::kInvalidArgument);
    auto producer = *bus->NewProducer();
    auto sent = producer->Send(Unique("missing"), "k", "v");
    ASSERT_FALSE(sent.has_value());
    EXPECT_EQ(sent.error().code, ErrorCode::kNotFound) << sent.error().message;
    auto c = *bus->NewConsumer({.group = Unique("g"), .topics = {topic}});
    ASSERT_TRUE(AwaitAssignment(*c, 1, GetParam().settle + 10s));
    auto foreign = c->Commit(std::vector<TopicPartitionOffset>{{{topic, 5}, 1}});
    EXPECT_FALSE(foreign.has_value()) << "partition 5 does not exist, let alone belong to this member";
    c->Close();
}

}  // namespace
}  // namespace ik::bus::testing
