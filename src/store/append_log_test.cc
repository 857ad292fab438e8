#include "store/append_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "store/resp_parser.h"

namespace cohort::store {
namespace {

class AppendLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cohort-aof-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/appendonly.aof";
  }
  void TearDown() override {
    unlink(path_.c_str());
    rmdir(dir_.c_str());
  }

  // A store with its log attached, as the server wires them.
  struct Node {
    Node(const std::string& path, int64_t* now) : store(StoreConfig{}, [now] { return *now; }), log(store, path) {
      store.AddClient(client);
    }
    ~Node() { store.RemoveClient(client); }
    std::string Run(std::string_view line) {
      std::vector<std::string> args;
      SplitInlineArgs(line, args);
      std::vector<std::string_view> v(args.begin(), args.end());
      client.out.clear();
      store.Execute(client, v);
      return client.out;
    }
    void Attach() {
      ASSERT_TRUE(log.Load().ok());
      store.propagate = [this](int db, std::span<const std::string_view> a) { log.Append(db, a); };
    }
    Store store;
    AppendLog log;
    Client client{1};
  };

  std::string Contents() {
    std::ifstream in(path_, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::string dir_, path_;
  int64_t now_ = 1'700'000'000'000;
};

TEST_F(AppendLogTest, ReplaysWritesWithAbsoluteExpiry) {
  {
    Node a(path_, &now_);
    a.Attach();
    a.Run("SET k v EX 100");
    a.Run("SELECT 3");
    a.Run("RPUSH l x y");
    a.Run("GET k");  // reads are not logged
    ASSERT_TRUE(a.log.Flush().ok());
  }
  EXPECT_EQ(Contents().find("GET"), std::string::npos);
  EXPECT_NE(Contents().find("PXAT"), std::string::npos);
  now_ += 50'000;  // restarting later must not extend the TTL
  Node b(path_, &now_);
  b.Attach();
  EXPECT_EQ(b.Run("TTL k"), ":50\r\n");
  b.Run("SELECT 3");
  EXPECT_EQ(b.Run("LRANGE l 0 -1"), "*2\r\n$1\r\nx\r\n$1\r\ny\r\n");
}

TEST_F(AppendLogTest, ATornLastCommandIsCutOff) {
  {
    Node a(path_, &now_);
    a.Attach();
    a.Run("SET a 1");
    a.Run("SET b 2");
    ASSERT_TRUE(a.log.Flush().ok());
  }
  std::string whole = Contents();
  {
    std::ofstream out(path_, std::ios::binary | std::ios::app);
    out << "*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$5\r\nhal";  // crash mid-write
  }
  Node b(path_, &now_);
  auto report = b.log.Load();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->commands, 2u);
  EXPECT_GT(report->truncated_bytes, 0u);
  EXPECT_EQ(b.Run("GET b"), "$1\r\n2\r\n");
  EXPECT_EQ(b.Run("EXISTS c"), ":0\r\n");
  EXPECT_EQ(Contents(), whole);  // the torn bytes are gone from the file too
}

TEST_F(AppendLogTest, AnUnfinishedTransactionIsNotApplied) {
  {
    Node a(path_, &now_);
    a.Attach();
    a.Run("SET a 1");
    a.Run("MULTI");
    a.Run("INCR a");
    a.Run("INCR a");
    a.Run("EXEC");
    ASSERT_TRUE(a.log.Flush().ok());
  }
  std::string whole = Contents();
  ASSERT_NE(whole.find("MULTI"), std::string::npos);
  // Keep the log only up to just before EXEC: half a transaction.
  std::string cut = whole.substr(0, whole.rfind("*1\r\n$4\r\nEXEC"));
  {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out << cut;
  }
  Node b(path_, &now_);
  b.Attach();
  EXPECT_EQ(b.Run("GET a"), "$1\r\n1\r\n");
}

TEST_F(AppendLogTest, GarbageInTheMiddleRefusesToLoad) {
  {
    std::ofstream out(path_, std::ios::binary);
    out << "*2\r\n$3\r\nSET\r\n$1\r\na\r\n" << "*1\r\n:x\r\n" << "*1\r\n$4\r\nPING\r\n";
  }
  Node b(path_, &now_);
  auto report = b.log.Load();
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("appendonly.aof"), std::string::npos);
}

TEST_F(AppendLogTest, ScriptEffectsAreLoggedAsOneTransaction) {
  {
    Node a(path_, &now_);
    a.Attach();
    std::vector<std::string_view> eval = {"EVAL", "redis.call('SET', KEYS[1], 'x'); redis.call('INCR', KEYS[2])", "2",
                                          "s", "n"};
    a.client.out.clear();
    a.store.Execute(a.client, eval);
    ASSERT_EQ(a.client.out, "$-1\r\n");
    ASSERT_TRUE(a.log.Flush().ok());
  }
  std::string log = Contents();
  EXPECT_EQ(log.find("EVAL"), std::string::npos);  // effects, not the script
  EXPECT_LT(log.find("MULTI"), log.find("SET"));
  EXPECT_LT(log.find("INCR"), log.find("EXEC"));
  Node b(path_, &now_);
  b.Attach();
  EXPECT_EQ(b.Run("GET s"), "$1\r\nx\r\n");
  EXPECT_EQ(b.Run("GET n"), "$1\r\n1\r\n");
}

TEST_F(AppendLogTest, SnapshotRecreatesEveryType) {
  Node a(path_, &now_);
  a.Run("SET s v PX 5000");
  a.Run("RPUSH l 1 2 3");
  a.Run("HSET h f v");
  a.Run("SADD set m n");
  a.Run("ZADD z 0.1 a 2 b");
  a.Run("SELECT 2");
  a.Run("SET other x");
  std::string snap = path_ + ".snap";
  int fd = open(snap.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_TRUE(AppendLog::WriteSnapshot(a.store, fd).ok());
  close(fd);
  rename(snap.c_str(), path_.c_str());
  Node b(path_, &now_);
  b.Attach();
  EXPECT_EQ(b.Run("PTTL s"), ":5000\r\n");
  EXPECT_EQ(b.Run("LRANGE l 0 -1"), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n");
  EXPECT_EQ(b.Run("HGET h f"), "$1\r\nv\r\n");
  EXPECT_EQ(b.Run("SCARD set"), ":2\r\n");
  EXPECT_EQ(b.Run("ZSCORE z a"), "$19\r\n0.10000000000000001\r\n");  // exact double round trip
  b.Run("SELECT 2");
  EXPECT_EQ(b.Run("GET other"), "$1\r\nx\r\n");
}

}  // namespace
}  // namespace cohort::store
