#include "store/store.h"

#include <gtest/gtest.h>

#include "store/resp_parser.h"

namespace cohort::store {
namespace {

// Runs inline-syntax commands against a Store with a hand-driven clock.
class StoreTest : public ::testing::Test {
 protected:
  StoreTest() : store_(StoreConfig{}, [this] { return now_; }) {
    store_.AddClient(client_);
    store_.AddClient(other_);
  }
  ~StoreTest() override {
    store_.RemoveClient(client_);
    store_.RemoveClient(other_);
  }

  std::string Run(Client& c, std::string_view line) {
    std::vector<std::string> args;
    EXPECT_TRUE(SplitInlineArgs(line, args));
    std::vector<std::string_view> views(args.begin(), args.end());
    c.out.clear();
    store_.Execute(c, views);
    return c.out;
  }
  std::string Run(std::string_view line) { return Run(client_, line); }

  int64_t now_ = 1'700'000'000'000;
  Store store_;
  Client client_{1};
  Client other_{2};
};

TEST_F(StoreTest, StringsAndCounters) {
  EXPECT_EQ(Run("SET k v"), "+OK\r\n");
  EXPECT_EQ(Run("GET k"), "$1\r\nv\r\n");
  EXPECT_EQ(Run("GET missing"), "$-1\r\n");
  EXPECT_EQ(Run("INCR n"), ":1\r\n");
  EXPECT_EQ(Run("INCRBY n 41"), ":42\r\n");
  EXPECT_EQ(Run("INCR k"), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Run("SET big 9223372036854775807"), "+OK\r\n");
  EXPECT_EQ(Run("INCR big"), "-ERR increment or decrement would overflow\r\n");
  EXPECT_EQ(Run("INCRBYFLOAT f 10.5"), "$4\r\n10.5\r\n");
  EXPECT_EQ(Run("INCRBYFLOAT f 0.1"), "$4\r\n10.6\r\n");
  EXPECT_EQ(Run("APPEND k 123456789"), ":10\r\n");
  EXPECT_EQ(Run("GETRANGE k 1 3"), "$3\r\n123\r\n");
  EXPECT_EQ(Run("SETRANGE k 12 x"), ":13\r\n");
  EXPECT_EQ(Run("STRLEN k"), ":13\r\n");
  EXPECT_EQ(Run("MSET a 1 b 2"), "+OK\r\n");
  EXPECT_EQ(Run("MGET a nope b"), "*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n");
  EXPECT_EQ(Run("MSETNX a 3 c 4"), ":0\r\n");
  EXPECT_EQ(Run("SET k v NX"), "$-1\r\n");
  EXPECT_EQ(Run("SET k w XX GET"), std::string("$13\r\nv123456789\0\0x\r\n", 20));
}

TEST_F(StoreTest, SetOptionErrors) {
  EXPECT_EQ(Run("SET k v EX 0"), "-ERR invalid expire time in 'set' command\r\n");
  EXPECT_EQ(Run("SET k v EX x"), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Run("SET k v NX XX"), "-ERR syntax error\r\n");
  EXPECT_EQ(Run("SET k v EX 1 PX 1"), "-ERR syntax error\r\n");
  EXPECT_EQ(Run("SET k"), "-ERR wrong number of arguments for 'set' command\r\n");
  EXPECT_EQ(Run("NOSUCH a b"), "-ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' \r\n");
}

TEST_F(StoreTest, ExpiryIsLazyAndActive) {
  Run("SET k v PX 1500");
  Run("SET keep v");
  EXPECT_EQ(Run("PTTL k"), ":1500\r\n");
  EXPECT_EQ(Run("TTL k"), ":2\r\n");  // rounded like Redis
  EXPECT_EQ(Run("TTL keep"), ":-1\r\n");
  EXPECT_EQ(Run("TTL nope"), ":-2\r\n");
  now_ += 1500;
  EXPECT_EQ(Run("GET k"), "$-1\r\n");
  EXPECT_EQ(Run("DBSIZE"), ":1\r\n");
  for (int i = 0; i < 100; ++i) Run("SET t" + std::to_string(i) + " v EX 10");
  EXPECT_EQ(Run("DBSIZE"), ":101\r\n");
  now_ += 10'000;
  store_.Cron();  // samples volatile keys until few are expired
  EXPECT_EQ(Run("DBSIZE"), ":1\r\n");
  EXPECT_EQ(store_.stats().expired_keys, 101u);
}

TEST_F(StoreTest, ExpireOptions) {
  Run("SET k v");
  EXPECT_EQ(Run("EXPIRE k 100 XX"), ":0\r\n");
  EXPECT_EQ(Run("EXPIRE k 100 NX"), ":1\r\n");
  EXPECT_EQ(Run("EXPIRE k 50 GT"), ":0\r\n");
  EXPECT_EQ(Run("EXPIRE k 50 LT"), ":1\r\n");
  EXPECT_EQ(Run("EXPIRE k 50 NX XX"), "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
  EXPECT_EQ(Run("PERSIST k"), ":1\r\n");
  EXPECT_EQ(Run("EXPIRE k -1"), ":1\r\n");  // a past time deletes
  EXPECT_EQ(Run("EXISTS k"), ":0\r\n");
}

TEST_F(StoreTest, WrongTypeAndTypes) {
  Run("LPUSH l a");
  EXPECT_EQ(Run("GET l"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(Run("TYPE l"), "+list\r\n");
  EXPECT_EQ(Run("TYPE nope"), "+none\r\n");
}

TEST_F(StoreTest, HashesListsSetsSortedSets) {
  EXPECT_EQ(Run("HSET h a 1 b 2"), ":2\r\n");
  EXPECT_EQ(Run("HINCRBY h a 5"), ":6\r\n");
  EXPECT_EQ(Run("HGET h a"), "$1\r\n6\r\n");
  EXPECT_EQ(Run("HDEL h a b"), ":2\r\n");
  EXPECT_EQ(Run("EXISTS h"), ":0\r\n");  // empty collections disappear
  EXPECT_EQ(Run("RPUSH l a b c d"), ":4\r\n");
  EXPECT_EQ(Run("LRANGE l 1 -2"), "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
  EXPECT_EQ(Run("LPOS l c"), ":2\r\n");
  EXPECT_EQ(Run("LMOVE l l2 LEFT RIGHT"), "$1\r\na\r\n");
  EXPECT_EQ(Run("LSET l 9 x"), "-ERR index out of range\r\n");
  EXPECT_EQ(Run("SADD s a b c"), ":3\r\n");
  EXPECT_EQ(Run("SADD s2 b c d"), ":3\r\n");
  EXPECT_EQ(Run("SINTERCARD 2 s s2"), ":2\r\n");
  EXPECT_EQ(Run("SMISMEMBER s a d"), "*2\r\n:1\r\n:0\r\n");
  EXPECT_EQ(Run("ZADD z 1 a 2 b 3 c"), ":3\r\n");
  EXPECT_EQ(Run("ZADD z GT CH 0 a 5 b"), ":1\r\n");
  EXPECT_EQ(Run("ZRANGE z 0 -1 WITHSCORES"), "*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n5\r\n");
  EXPECT_EQ(Run("ZRANGE z (1 +inf BYSCORE LIMIT 0 1"), "*1\r\n$1\r\nc\r\n");
  EXPECT_EQ(Run("ZRANGE z +inf -inf BYSCORE REV"), "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n");
  EXPECT_EQ(Run("ZRANK z b"), ":2\r\n");
  EXPECT_EQ(Run("ZSCORE z a"), "$1\r\n1\r\n");
  EXPECT_EQ(Run("ZINCRBY z 0.1 a"), "$18\r\n1.1000000000000001\r\n");
  EXPECT_EQ(Run("ZPOPMIN z"), "*2\r\n$1\r\na\r\n$18\r\n1.1000000000000001\r\n");
}

TEST_F(StoreTest, Resp3ChangesReplyTypes) {
  EXPECT_NE(Run("HELLO 3").find("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n"), std::string::npos);
  Run("HSET h a 1");
  EXPECT_EQ(Run("HGETALL h"), "%1\r\n$1\r\na\r\n$1\r\n1\r\n");
  EXPECT_EQ(Run("GET nope"), "_\r\n");
  Run("ZADD z 1.5 m");
  EXPECT_EQ(Run("ZSCORE z m"), ",1.5\r\n");
  EXPECT_EQ(Run("HELLO 4"), "-NOPROTO unsupported protocol version\r\n");
}

TEST_F(StoreTest, MultiExecAndWatch) {
  EXPECT_EQ(Run("MULTI"), "+OK\r\n");
  EXPECT_EQ(Run("SET a 1"), "+QUEUED\r\n");
  EXPECT_EQ(Run("INCR a"), "+QUEUED\r\n");
  EXPECT_EQ(Run("EXEC"), "*2\r\n+OK\r\n:2\r\n");
  EXPECT_EQ(Run("WATCH a"), "+OK\r\n");
  Run(other_, "SET a changed");
  Run("MULTI");
  Run("SET a mine");
  EXPECT_EQ(Run("EXEC"), "*-1\r\n");
  EXPECT_EQ(Run("GET a"), "$7\r\nchanged\r\n");
  Run("MULTI");
  EXPECT_EQ(Run("SET a"), "-ERR wrong number of arguments for 'set' command\r\n");
  EXPECT_EQ(Run("EXEC"), "-EXECABORT Transaction discarded because of previous errors.\r\n");
  EXPECT_EQ(Run("EXEC"), "-ERR EXEC without MULTI\r\n");
}

TEST_F(StoreTest, BlockedPopIsServedByAPushFromAnotherClient) {
  int woken = 0;
  store_.wake = [&](Client& c) { woken += c.id == client_.id; };
  EXPECT_EQ(Run("BLPOP q 0"), "");
  EXPECT_TRUE(client_.blocked);
  EXPECT_EQ(Run(other_, "RPUSH q job"), ":1\r\n");
  EXPECT_FALSE(client_.blocked);
  EXPECT_EQ(client_.out, "*2\r\n$1\r\nq\r\n$3\r\njob\r\n");
  EXPECT_EQ(woken, 1);
  EXPECT_EQ(Run("EXISTS q"), ":0\r\n");
}

TEST_F(StoreTest, BlockedPopTimesOut) {
  Run("BLPOP q 1.5");
  EXPECT_EQ(store_.NextBlockDeadline(), now_ + 1500);
  now_ += 1499;
  store_.Cron();
  EXPECT_TRUE(client_.blocked);
  now_ += 1;
  store_.Cron();
  EXPECT_FALSE(client_.blocked);
  EXPECT_EQ(client_.out, "*-1\r\n");
}

TEST_F(StoreTest, PubSubDeliversToChannelsAndPatterns) {
  EXPECT_EQ(Run("SUBSCRIBE news"), "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n");
  EXPECT_EQ(Run(other_, "PSUBSCRIBE n*"), "*3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:1\r\n");
  Client publisher(3);
  store_.AddClient(publisher);
  client_.out.clear();
  other_.out.clear();
  EXPECT_EQ(Run(publisher, "PUBLISH news hi"), ":2\r\n");
  EXPECT_EQ(client_.out, "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
  EXPECT_EQ(other_.out, "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
  EXPECT_NE(Run("GET x").find("only (P|S)SUBSCRIBE"), std::string::npos);
  store_.RemoveClient(publisher);
}

TEST_F(StoreTest, AuthIsRequiredWhenAPasswordIsSet) {
  store_.config().requirepass = "secret";
  Client c(9);
  store_.AddClient(c);
  EXPECT_EQ(Run(c, "GET a"), "-NOAUTH Authentication required.\r\n");
  EXPECT_EQ(Run(c, "AUTH wrong"), "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  EXPECT_EQ(Run(c, "AUTH secret"), "+OK\r\n");
  EXPECT_EQ(Run(c, "GET a"), "$-1\r\n");
  store_.RemoveClient(c);
}

TEST_F(StoreTest, MaxmemoryNoevictionRefusesWritesButNotReads) {
  Run("SET before v");
  store_.config().maxmemory = store_.used_memory() + (1 << 20);
  std::string value(1000, 'x');
  std::string last;
  int i = 0;
  for (; i < 10000; ++i) {
    last = Run("SET k" + std::to_string(i) + " " + value);
    if (last != "+OK\r\n") break;
  }
  EXPECT_EQ(last, "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
  EXPECT_LT(i, 10000);
  EXPECT_EQ(Run("GET before"), "$1\r\nv\r\n");
  EXPECT_EQ(Run("DEL k0"), ":1\r\n");  // deleting is allowed: it frees memory
}

TEST_F(StoreTest, MaxmemoryLruEvictsTheLeastRecentlyUsedKeys) {
  store_.config().maxmemory = store_.used_memory() + (2 << 20);
  store_.config().policy = EvictionPolicy::kAllKeysLru;
  Run("SET hot v");
  std::string value(1000, 'x');
  for (int i = 0; i < 10000; ++i) {
    now_ += 1000;  // one second per write, so LRU clocks differ
    Run("GET hot");
    ASSERT_EQ(Run("SET k" + std::to_string(i) + " " + value), "+OK\r\n");
  }
  EXPECT_GT(store_.stats().evicted_keys, 5000u);
  EXPECT_LT(store_.db(0).size(), 5000u);
  EXPECT_EQ(Run("GET hot"), "$1\r\nv\r\n");  // used every second: never the victim
}

TEST_F(StoreTest, ScanVisitsEveryKeyOnce) {
  for (int i = 0; i < 1000; ++i) Run("SET key" + std::to_string(i) + " v");
  std::set<std::string> seen;
  std::string cursor = "0";
  int rounds = 0;
  do {
    std::vector<std::string_view> args = {"SCAN", cursor, "COUNT", "50"};
    client_.out.clear();
    store_.Execute(client_, args);
    RespParser p;
    // Reply: *2 $cursor *N keys... — read the cursor and keys by hand.
    std::string_view out = client_.out;
    size_t a = out.find("\r\n$") + 3;
    size_t len_end = out.find("\r\n", a);
    size_t n = std::stoul(std::string(out.substr(a, len_end - a)));
    cursor = std::string(out.substr(len_end + 2, n));
    size_t pos = out.find("\r\n*", len_end + 2 + n) + 3;
    pos = out.find("\r\n", pos) + 2;
    while (pos < out.size()) {
      size_t e = out.find("\r\n", pos);
      size_t klen = std::stoul(std::string(out.substr(pos + 1, e - pos - 1)));
      seen.insert(std::string(out.substr(e + 2, klen)));
      pos = e + 2 + klen + 2;
    }
    ++rounds;
  } while (cursor != "0" && rounds < 1000);
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace cohort::store
