#include "bus/kafka/kafka_bus.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "common/log.hpp"
#include "common/thread_name.hpp"

namespace ik::bus {

namespace {

using Ms = std::chrono::milliseconds;

struct HandleDeleter {
    void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

struct ConfDeleter {
    void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
using Conf = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

struct ListDeleter {
    void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;

int Millis(Ms d) { return static_cast<int>(std::min<std::int64_t>(d.count(), 24 * 3600 * 1000)); }

Error KafkaError(rd_kafka_resp_err_t err, std::string_view what) {
    ErrorCode code = ErrorCode::kUnavailable;
    switch (err) {
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
        case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
        case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
            code = ErrorCode::kNotFound;
            break;
        case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
            code = ErrorCode::kAlreadyExists;
            break;
        case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
        case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
        case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
        case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
        case RD_KAFKA_RESP_ERR__INVALID_ARG:
            code = ErrorCode::kInvalidArgument;
            break;
        case RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION:
        case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
        case RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID:
            code = ErrorCode::kFailedPrecondition;
            break;
        default:
            break;
    }
    return Error{code, fmt::format("{}: {}", what, rd_kafka_err2str(err))};
}

// A client configuration; `settings` are applied in order, the first refusal reported.
Result<Conf> MakeConf(const KafkaOptions& o, std::initializer_list<std::pair<const char*, std::string>> settings) {
    Conf conf(rd_kafka_conf_new());
    char err[512];
    const std::pair<const char*, std::string> common[] = {
        {"bootstrap.servers", o.bootstrap},
        {"client.id", o.client_id},
        {"allow.auto.create.topics", "false"},
        {"log_level", "4"},  // warnings and worse
    };
    for (const auto& [k, v] : common) {
        if (rd_kafka_conf_set(conf.get(), k, v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
            return MakeError(ErrorCode::kInvalidArgument, fmt::format("kafka setting {}: {}", k, err));
        }
    }
    for (const auto& [k, v] : settings) {
        if (rd_kafka_conf_set(conf.get(), k, v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
            return MakeError(ErrorCode::kInvalidArgument, fmt::format("kafka setting {}: {}", k, err));
        }
    }
    rd_kafka_conf_set_log_cb(conf.get(), [](const rd_kafka_t*, int level, const char* fac, const char* buf) {
        auto log = GetLogger("bus");
        if (level <= 3) {
            log->error("event=kafka_log facility={} message=\"{}\"", fac, buf);
        } else {
            log->warn("event=kafka_log facility={} message=\"{}\"", fac, buf);
        }
    });
    return conf;
}

Result<Handle> MakeHandle(rd_kafka_type_t type, Conf conf) {
    char err[512];
    rd_kafka_t* rk = rd_kafka_new(type, conf.get(), err, sizeof err);
    if (rk == nullptr) return MakeError(ErrorCode::kInvalidArgument, fmt::format("kafka client: {}", err));
    conf.release();  // rd_kafka_new owns it now
    return Handle(rk);
}

// The partition count of a topic per the cluster's metadata (kNotFound when the cluster does not know it).
Result<std::int32_t> TopicPartitions(rd_kafka_t* rk, std::string_view topic, Ms timeout) {
    rd_kafka_topic_t* t = rd_kafka_topic_new(rk, std::string(topic).c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, t, &md, Millis(timeout));
    rd_kafka_topic_destroy(t);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return std::unexpected(KafkaError(err, "kafka metadata"));
    Result<std::int32_t> out = MakeError(ErrorCode::kNotFound, fmt::format("unknown topic '{}'", topic));
    for (int i = 0; i < md->topic_cnt; ++i) {
        const auto& mt = md->topics[i];
        if (topic != mt.topic) continue;
        if (mt.err == RD_KAFKA_RESP_ERR_NO_ERROR && mt.partition_cnt > 0) {
            out = mt.partition_cnt;
        } else if (mt.err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART && mt.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            out = std::unexpected(KafkaError(mt.err, fmt::format("kafka topic '{}'", topic)));
        }
    }
    rd_kafka_metadata_destroy(md);
    return out;
}

// ---------------------------------------------------------------------------------------------------------

struct Pending {
    std::function<void(Result<Delivery>)> done;
};

class KafkaProducer final : public Producer {
public:
    static Result<std::unique_ptr<KafkaProducer>> Make(const KafkaOptions& o) {
        auto conf = MakeConf(o, {
                                    {"enable.idempotence", "true"},  // implies acks=all and ordered retries
                                    {"acks", "all"},
                                    {"partitioner", "murmur2_random"},
                                    {"linger.ms", "2"},
                                    {"message.timeout.ms", std::to_string(o.delivery_timeout.count())},
                                });
        if (!conf) return std::unexpected(conf.error());
        auto producer = std::unique_ptr<KafkaProducer>(new KafkaProducer(o));
        rd_kafka_conf_set_opaque(conf->get(), producer.get());
        rd_kafka_conf_set_dr_msg_cb(conf->get(), [](rd_kafka_t*, const rd_kafka_message_t* m, void*) {
            std::unique_ptr<Pending> p(static_cast<Pending*>(m->_private));
            if (!p || !p->done) return;
            try {
                if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                    p->done(std::unexpected(KafkaError(m->err, "kafka delivery")));
                } else {
                    p->done(Delivery{{rd_kafka_topic_name(m->rkt), m->partition}, m->offset});
                }
            } catch (const std::exception& e) {  // never through librdkafka's C frames
                GetLogger("bus")->error("event=delivery_callback_failed error=\"{}\"", e.what());
            }
        });
        // A fatal error (the idempotent producer lost its guarantees) ends this producer: Health() says so.
        rd_kafka_conf_set_error_cb(conf->get(), [](rd_kafka_t* rk, int err, const char* reason, void* opaque) {
            if (err != RD_KAFKA_RESP_ERR__FATAL) return;
            char why[512];
            rd_kafka_fatal_error(rk, why, sizeof why);
            auto* self = static_cast<KafkaProducer*>(opaque);
            std::lock_guard lock(self->mu_);
            self->fatal_ = fmt::format("kafka producer failed for good: {} ({})", why, reason);
        });
        auto handle = MakeHandle(RD_KAFKA_PRODUCER, std::move(*conf));
        if (!handle) return std::unexpected(handle.error());
        producer->rk_ = std::move(*handle);
        producer->StartPoller();
        return producer;
    }

    ~KafkaProducer() override {
        if (!rk_) return;  // never started
        const int wait = options_.delivery_timeout.count() == 0 ? 30'000 : Millis(options_.delivery_timeout);
        (void)Flush(Ms(wait));
        // What is still queued will not be sent: its callbacks run now, with a purge error, instead of never.
        rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        stop_ = true;
        if (poller_.joinable()) poller_.join();
        while (rd_kafka_outq_len(rk_.get()) > 0) rd_kafka_poll(rk_.get(), 100);
        DrainEarly();
    }

    Result<Delivery> Send(std::string_view topic, std::string_view key, std::string_view value) override {
        auto promise = std::make_shared<std::promise<Result<Delivery>>>();
        auto future = promise->get_future();
        SendAsync(topic, key, value, [promise](Result<Delivery> d) { promise->set_value(std::move(d)); });
        if (options_.delivery_timeout.count() == 0) return future.get();  // no delivery timeout: until durable
        if (future.wait_for(options_.delivery_timeout + Ms(5'000)) != std::future_status::ready) {
            // The message may still arrive: a retry by the caller could duplicate it.
            return MakeError(ErrorCode::kUnavailable, "kafka delivery: no report in time (outcome unknown)");
        }
        return future.get();
    }

    void SendAsync(std::string_view topic, std::string_view key, std::string_view value,
                   std::function<void(Result<Delivery>)> done) override {
        if (auto healthy = Health(); !healthy) return Early(std::move(done), std::unexpected(healthy.error()));
        if (auto known = Known(topic); !known) return Early(std::move(done), std::unexpected(known.error()));
        auto pending = std::make_unique<Pending>(Pending{std::move(done)});
        const std::string name(topic);
        const rd_kafka_resp_err_t err = rd_kafka_producev(
            rk_.get(), RD_KAFKA_V_TOPIC(name.c_str()),
            RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
            RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_OPAQUE(pending.get()), RD_KAFKA_V_END);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return Early(std::move(pending->done), std::unexpected(KafkaError(err, "kafka produce")));
        pending.release();  // the delivery report owns it now
    }

    Status Flush(std::chrono::milliseconds timeout) override {
        const auto until = std::chrono::steady_clock::now() + timeout;
        const rd_kafka_resp_err_t err = rd_kafka_flush(rk_.get(), Millis(timeout));
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return std::unexpected(KafkaError(err, "kafka flush"));
        std::unique_lock lock(mu_);
        if (!idle_.wait_until(lock, until, [&] { return early_.empty() && !reporting_; })) {
            return MakeError(ErrorCode::kUnavailable, "kafka flush: reports still pending");
        }
        return {};
    }

    Status Health() override {
        std::lock_guard lock(mu_);
        if (fatal_.empty()) return {};
        return MakeError(ErrorCode::kUnavailable, fatal_);
    }

private:
    explicit KafkaProducer(const KafkaOptions& o) : options_(o) {}

    // Delivery reports and early failures are served on this thread, off the caller's.
    void StartPoller() {
        poller_ = std::thread([this] {
            NameThisThread("ik-kafka-producer");
            while (!stop_) {
                rd_kafka_poll(rk_.get(), 50);
                DrainEarly();
            }
            rd_kafka_poll(rk_.get(), 0);
        });
    }

    // Producing to a topic the cluster does not have would wait for it to appear; refuse at once instead.
    Status Known(std::string_view topic) {
        {
            std::lock_guard lock(mu_);
            if (known_.contains(std::string(topic))) return {};
        }
        auto n = TopicPartitions(rk_.get(), topic, Ms(10'000));
        if (!n) return std::unexpected(n.error());
        std::lock_guard lock(mu_);
        known_.insert(std::string(topic));
        return {};
    }

    // A failure found before the message left: queued for the poller thread, as deliveries are reported.
    void Early(std::function<void(Result<Delivery>)> done, Result<Delivery> result) {
        if (!done) return;
        std::lock_guard lock(mu_);
        early_.emplace_back(std::move(done), std::move(result));
    }

    void DrainEarly() {
        std::unique_lock lock(mu_);
        while (!early_.empty()) {
            auto [done, result] = std::move(early_.front());
            early_.pop_front();
            reporting_ = true;
            lock.unlock();
            try {
                done(std::move(result));
            } catch (const std::exception& e) {
                GetLogger("bus")->error("event=delivery_callback_failed error=\"{}\"", e.what());
            }
            lock.lock();
            reporting_ = false;
        }
        idle_.notify_all();
    }

    KafkaOptions options_;
    Handle rk_;
    std::mutex mu_;
    std::condition_variable idle_;
    std::deque<std::pair<std::function<void(Result<Delivery>)>, Result<Delivery>>> early_;
    bool reporting_ = false;
    std::string fatal_;
    std::set<std::string> known_;
    std::atomic<bool> stop_{false};
    std::thread poller_;
};

// ---------------------------------------------------------------------------------------------------------

class KafkaConsumer final : public Consumer {
public:
    static Result<std::unique_ptr<KafkaConsumer>> Make(const KafkaOptions& o, ConsumerOptions c) {
        auto consumer = std::unique_ptr<KafkaConsumer>(new KafkaConsumer(std::move(c)));
        auto conf = MakeConf(o, {
                                    {"group.id", consumer->options_.group},
                                    {"enable.auto.commit", "false"},
                                    {"enable.auto.offset.store", "false"},
                                    {"auto.offset.reset",
                                     consumer->options_.start == ConsumerOptions::Start::kLatest ? "latest" : "earliest"},
                                    {"session.timeout.ms", std::to_string(o.session_timeout.count())},
                                    {"heartbeat.interval.ms", std::to_string(std::max<std::int64_t>(500, o.session_timeout.count() / 5))},
                                    {"partition.assignment.strategy", "roundrobin"},
                                });
        if (!conf) return std::unexpected(conf.error());
        rd_kafka_conf_set_opaque(conf->get(), consumer.get());
        rd_kafka_conf_set_rebalance_cb(conf->get(), [](rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                                       rd_kafka_topic_partition_list_t* parts, void* opaque) {
            auto* self = static_cast<KafkaConsumer*>(opaque);
            try {
                self->Rebalanced(rk, err, parts);
            } catch (const std::exception& e) {  // never through librdkafka's C frames
                GetLogger("bus")->error("event=rebalance_callback_failed error=\"{}\"", e.what());
                self->failure_ = e.what();
                rd_kafka_assign(rk, nullptr);
                self->assignment_.clear();
            }
        });
        auto handle = MakeHandle(RD_KAFKA_CONSUMER, std::move(*conf));
        if (!handle) return std::unexpected(handle.error());
        consumer->rk_ = std::move(*handle);
        rd_kafka_poll_set_consumer(consumer->rk_.get());
        for (const auto& t : consumer->options_.topics) {
            if (auto n = TopicPartitions(consumer->rk_.get(), t, Ms(10'000)); !n) return std::unexpected(n.error());
        }
        PartitionList topics(rd_kafka_topic_partition_list_new(static_cast<int>(consumer->options_.topics.size())));
        for (const auto& t : consumer->options_.topics) {
            rd_kafka_topic_partition_list_add(topics.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
        }
        if (auto err = rd_kafka_subscribe(consumer->rk_.get(), topics.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            return std::unexpected(KafkaError(err, "kafka subscribe"));
        }
        return consumer;
    }

    ~KafkaConsumer() override { Close(); }

    Result<std::vector<Message>> Poll(std::chrono::milliseconds timeout, std::size_t max) override {
        std::vector<Message> out;
        if (closed_) return out;
        if (!failure_.empty()) return MakeError(ErrorCode::kInternal, "kafka consumer: a rebalance callback failed: " + failure_);
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (out.size() < max) {
            const auto left = std::chrono::duration_cast<Ms>(deadline - std::chrono::steady_clock::now());
            // Wait for the first message; after it, take what is already here.
            const int wait = out.empty() ? std::max(0, Millis(left)) : 0;
            rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_.get(), wait);
            if (revoked_) {
                // A rebalance took the partitions away inside that call: what was read from them is no longer
                // ours to hand out (the next owner starts at the committed offsets and reads it again).
                revoked_ = false;
                out.clear();
            }
            if (m == nullptr) {
                if (!out.empty() || left.count() <= 0) break;
                continue;
            }
            std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t*)> owned(m, rd_kafka_message_destroy);
            if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
            if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                char reason[512];
                if (rd_kafka_fatal_error(rk_.get(), reason, sizeof reason) != RD_KAFKA_RESP_ERR_NO_ERROR) {
                    return MakeError(ErrorCode::kUnavailable, fmt::format("kafka consumer failed: {}", reason));
                }
                GetLogger("bus")->warn("event=kafka_consume_error error=\"{}\"", rd_kafka_message_errstr(m));
                continue;  // transient (a broker restarting, a rebalance): the client recovers by itself
            }
            Message msg;
            msg.tp = {rd_kafka_topic_name(m->rkt), m->partition};
            msg.offset = m->offset;
            if (m->key != nullptr) msg.key.assign(static_cast<const char*>(m->key), m->key_len);
            if (m->payload != nullptr) msg.value.assign(static_cast<const char*>(m->payload), m->len);
            rd_kafka_timestamp_type_t kind;
            const std::int64_t ms = rd_kafka_message_timestamp(m, &kind);
            msg.timestamp = ms > 0 ? ms * 1'000'000 : 0;
            out.push_back(std::move(msg));
        }
        return out;
    }

    Status Commit(std::span<const TopicPartitionOffset> next) override {
        if (next.empty()) return {};
        if (closed_) return MakeError(ErrorCode::kFailedPrecondition, "kafka consumer is closed");
        PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(next.size())));
        for (const auto& c : next) {
            if (std::find(assignment_.begin(), assignment_.end(), c.tp) == assignment_.end()) {
                return MakeError(ErrorCode::kFailedPrecondition,
                                 fmt::format("{}[{}] is not assigned to this consumer", c.tp.topic, c.tp.partition));
            }
            rd_kafka_topic_partition_list_add(list.get(), c.tp.topic.c_str(), c.tp.partition)->offset = c.offset;
        }
        if (auto err = rd_kafka_commit(rk_.get(), list.get(), 0); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            return std::unexpected(KafkaError(err, "kafka commit"));
        }
        for (int i = 0; i < list->cnt; ++i) {
            if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                return std::unexpected(KafkaError(list->elems[i].err, "kafka commit"));
            }
        }
        return {};
    }

    Result<std::optional<std::int64_t>> Committed(const TopicPartition& tp) override {
        if (closed_) return MakeError(ErrorCode::kFailedPrecondition, "kafka consumer is closed");
        PartitionList list(rd_kafka_topic_partition_list_new(1));
        rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition);
        if (auto err = rd_kafka_committed(rk_.get(), list.get(), 10'000); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            return std::unexpected(KafkaError(err, "kafka committed offsets"));
        }
        const auto& e = list->elems[0];
        if (e.err != RD_KAFKA_RESP_ERR_NO_ERROR) return std::unexpected(KafkaError(e.err, "kafka committed offsets"));
        if (e.offset < 0) return std::optional<std::int64_t>{};
        return std::optional<std::int64_t>{e.offset};
    }

    std::vector<TopicPartition> Assignment() override { return assignment_; }

    void Close() override {
        if (closed_ || !rk_) return;
        closed_ = true;
        rd_kafka_consumer_close(rk_.get());  // revokes (on_revoked runs here) and leaves the group
        rk_.reset();
    }

private:
    explicit KafkaConsumer(ConsumerOptions o) : options_(std::move(o)) {}

    // Runs inside rd_kafka_consumer_poll / rd_kafka_consumer_close, on the caller's thread (eager protocol).
    void Rebalanced(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts) {
        std::vector<TopicPartition> tps;
        for (int i = 0; i < parts->cnt; ++i) tps.push_back({parts->elems[i].topic, parts->elems[i].partition});
        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
            if (options_.on_assigned) {
                for (const auto& chosen : options_.on_assigned(tps)) {
                    if (auto* e = rd_kafka_topic_partition_list_find(parts, chosen.tp.topic.c_str(), chosen.tp.partition)) {
                        e->offset = chosen.offset;
                    }
                }
            }
            if (auto e = rd_kafka_assign(rk, parts); e != RD_KAFKA_RESP_ERR_NO_ERROR) {
                throw std::runtime_error(std::string("assign: ") + rd_kafka_err2str(e));
            }
            assignment_ = std::move(tps);
        } else {
            revoked_ = true;
            if (options_.on_revoked && !tps.empty()) options_.on_revoked(tps);
            rd_kafka_assign(rk, nullptr);
            assignment_.clear();
        }
    }

    ConsumerOptions options_;
    Handle rk_;
    std::vector<TopicPartition> assignment_;
    bool closed_ = false;
    bool revoked_ = false;  // set by a revoke inside rd_kafka_consumer_poll
    std::string failure_;   // a rebalance callback threw: the consumer is unusable
};

}  // namespace

// ---------------------------------------------------------------------------------------------------------

struct KafkaBus::Impl {
    KafkaOptions options;
    Handle admin;  // a producer handle used for metadata and the admin API
};

KafkaBus::KafkaBus(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KafkaBus::~KafkaBus() = default;

Result<std::unique_ptr<KafkaBus>> KafkaBus::Connect(const KafkaOptions& options, const Clock&) {
    if (options.bootstrap.empty()) return MakeError(ErrorCode::kInvalidArgument, "kafka: no bootstrap servers given");
    auto conf = MakeConf(options, {{"socket.connection.setup.timeout.ms", "3000"}, {"reconnect.backoff.max.ms", "1000"}});
    if (!conf) return std::unexpected(conf.error());
    rd_kafka_conf_set_log_cb(conf->get(), nullptr);  // connection refusals while waiting are expected: said below
    auto handle = MakeHandle(RD_KAFKA_PRODUCER, std::move(*conf));
    if (!handle) return std::unexpected(handle.error());
    auto log = GetLogger("bus");
    const auto start = std::chrono::steady_clock::now();
    std::string last = "no answer";
    for (int attempt = 1;; ++attempt) {
        const rd_kafka_metadata_t* md = nullptr;
        const rd_kafka_resp_err_t err = rd_kafka_metadata(handle->get(), 0, nullptr, &md, 2'000);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR && md->broker_cnt > 0) {
            log->info("event=kafka_connected bootstrap={} brokers={} attempts={}", options.bootstrap, md->broker_cnt, attempt);
            rd_kafka_metadata_destroy(md);
            break;
        }
        if (md != nullptr) rd_kafka_metadata_destroy(md);
        last = rd_kafka_err2str(err);
        const auto waited = std::chrono::duration_cast<Ms>(std::chrono::steady_clock::now() - start);
        if (waited >= options.connect_timeout) {
            return MakeError(ErrorCode::kUnavailable, fmt::format("Kafka at {} did not answer within {} ms ({} attempts; last: {})",
                                                                  options.bootstrap, waited.count(), attempt, last));
        }
        log->warn("event=kafka_waiting bootstrap={} attempt={} waited_ms={} last_error=\"{}\"", options.bootstrap, attempt,
                  waited.count(), last);
        std::this_thread::sleep_for(std::min(Ms(500), options.connect_timeout - waited));
    }
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    impl->admin = std::move(*handle);
    return std::unique_ptr<KafkaBus>(new KafkaBus(std::move(impl)));
}

Status KafkaBus::CreateTopic(const TopicSpec& spec) {
    if (spec.name.empty() || spec.partitions < 1) {
        return MakeError(ErrorCode::kInvalidArgument, "a topic needs a name and at least one partition");
    }
    char err[512];
    rd_kafka_NewTopic_t* topic = rd_kafka_NewTopic_new(spec.name.c_str(), spec.partitions, impl_->options.replication, err, sizeof err);
    if (topic == nullptr) return MakeError(ErrorCode::kInvalidArgument, fmt::format("kafka topic '{}': {}", spec.name, err));
    if (spec.compacted) rd_kafka_NewTopic_set_config(topic, "cleanup.policy", "compact");
    rd_kafka_queue_t* queue = rd_kafka_queue_new(impl_->admin.get());
    rd_kafka_CreateTopics(impl_->admin.get(), &topic, 1, nullptr, queue);
    rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, 30'000);
    Status out{};
    if (ev == nullptr) {
        out = MakeError(ErrorCode::kUnavailable, fmt::format("kafka: creating topic '{}' got no answer", spec.name));
    } else if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        out = std::unexpected(KafkaError(rd_kafka_event_error(ev), fmt::format("kafka: creating topic '{}'", spec.name)));
    } else {
        std::size_t n = 0;
        const rd_kafka_topic_result_t** results =
            rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
        for (std::size_t i = 0; i < n; ++i) {
            if (auto e = rd_kafka_topic_result_error(results[i]); e != RD_KAFKA_RESP_ERR_NO_ERROR) {
                out = std::unexpected(KafkaError(e, fmt::format("kafka: creating topic '{}'", spec.name)));
                if (out.error().code == ErrorCode::kAlreadyExists) out.error().message = fmt::format("topic '{}' exists", spec.name);
            }
        }
    }
    if (ev != nullptr) rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(queue);
    rd_kafka_NewTopic_destroy(topic);
    if (!out) return out;
    // Wait until the cluster's metadata has the topic with every partition, so the next Send works at once.
    const auto until = std::chrono::steady_clock::now() + Ms(30'000);
    while (std::chrono::steady_clock::now() < until) {
        if (auto n = Partitions(spec.name); n && *n == spec.partitions) return {};
        std::this_thread::sleep_for(Ms(50));
    }
    return MakeError(ErrorCode::kUnavailable, fmt::format("kafka: topic '{}' created but not visible yet", spec.name));
}

Result<std::int32_t> KafkaBus::Partitions(std::string_view topic) {
    return TopicPartitions(impl_->admin.get(), topic, Ms(10'000));
}

Result<std::int64_t> KafkaBus::EndOffset(const TopicPartition& tp) {
    std::int64_t low = 0, high = 0;
    const rd_kafka_resp_err_t err =
        rd_kafka_query_watermark_offsets(impl_->admin.get(), tp.topic.c_str(), tp.partition, &low, &high, 10'000);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return std::unexpected(KafkaError(err, fmt::format("end offset of {}[{}]", tp.topic, tp.partition)));
    }
    return high;
}

Result<std::unique_ptr<Producer>> KafkaBus::NewProducer() {
    auto p = KafkaProducer::Make(impl_->options);
    if (!p) return std::unexpected(p.error());
    return std::unique_ptr<Producer>(std::move(*p));
}

Result<std::unique_ptr<Consumer>> KafkaBus::NewConsumer(ConsumerOptions options) {
    if (options.group.empty() || options.topics.empty()) {
        return MakeError(ErrorCode::kInvalidArgument, "a consumer needs a group and at least one topic");
    }
    auto c = KafkaConsumer::Make(impl_->options, std::move(options));
    if (!c) return std::unexpected(c.error());
    return std::unique_ptr<Consumer>(std::move(*c));
}

}  // namespace ik::bus
