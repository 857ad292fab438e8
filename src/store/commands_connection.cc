// Connection commands: PING, ECHO, AUTH, HELLO, SELECT, SWAPDB, QUIT, RESET, CLIENT.
#include <fmt/format.h>

#include "store/args.h"
#include "store/command.h"
#include "store/store.h"

namespace cohort::store {

// The Redis version the store reports, so clients enable the features it has.
extern const std::string_view kRedisVersion;
const std::string_view kRedisVersion = "7.0.15";

namespace {

void Ping(CommandContext& c) {
  if (c.argc() > 2) return ReplyArity(c, "ping");
  if (c.client.subscriptions() > 0 && c.reply.protocol() < 3) {
    c.reply.Array(2);
    c.reply.Bulk("pong");
    return c.reply.Bulk(c.argc() == 2 ? c.arg(1) : "");
  }
  c.argc() == 2 ? c.reply.Bulk(c.arg(1)) : c.reply.Simple("PONG");
}

void Echo(CommandContext& c) { c.reply.Bulk(c.arg(1)); }

// Checks credentials; replies the error and returns false when they are wrong.
bool CheckAuth(CommandContext& c, std::string_view user, std::string_view pass) {
  const std::string& want = c.store.config().requirepass;
  if (user != "default" || (want.empty() ? false : pass != want)) {
    c.reply.Error("WRONGPASS invalid username-password pair or user is disabled.");
    return false;
  }
  c.client.authenticated = true;
  return true;
}

void Auth(CommandContext& c) {
  if (c.argc() > 3) return c.reply.Error(kErrSyntax);
  if (c.argc() == 2 && c.store.config().requirepass.empty()) {
    return c.reply.Error(
        "ERR AUTH <password> called without any password configured for the default user. Are you sure your "
        "configuration is correct?");
  }
  std::string_view user = c.argc() == 3 ? c.arg(1) : "default";
  if (CheckAuth(c, user, c.arg(c.argc() - 1))) c.reply.Ok();
}

void Hello(CommandContext& c) {
  int proto = c.reply.protocol();
  size_t i = 1;
  if (c.argc() >= 2) {
    auto v = ParseInt64(c.arg(1));
    if (!v) return c.reply.Error("ERR Protocol version is not an integer or out of range");
    if (*v < 2 || *v > 3) return c.reply.Error("NOPROTO unsupported protocol version");
    proto = static_cast<int>(*v);
    i = 2;
  }
  std::string name;
  bool set_name = false;
  for (; i < c.argc(); ++i) {
    if (EqualsIgnoreCase(c.arg(i), "AUTH") && i + 2 < c.argc()) {
      if (!CheckAuth(c, c.arg(i + 1), c.arg(i + 2))) return;
      i += 2;
    } else if (EqualsIgnoreCase(c.arg(i), "SETNAME") && i + 1 < c.argc()) {
      name = std::string(c.arg(++i));
      set_name = true;
    } else {
      return c.reply.Error(fmt::format("ERR Syntax error in HELLO option '{}'", c.arg(i)));
    }
  }
  if (!c.client.authenticated) {
    return c.reply.Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
                         "<proto> AUTH <user> <pass> option can be used to authenticate the client and select the "
                         "RESP protocol version at the same time");
  }
  if (set_name) c.client.name = name;
  c.reply.set_protocol(proto);
  c.reply.Map(7);
  c.reply.Bulk("server");
  c.reply.Bulk("redis");
  c.reply.Bulk("version");
  c.reply.Bulk(kRedisVersion);
  c.reply.Bulk("proto");
  c.reply.Int(proto);
  c.reply.Bulk("id");
  c.reply.Int(static_cast<int64_t>(c.client.id));
  c.reply.Bulk("mode");
  c.reply.Bulk("standalone");
  c.reply.Bulk("role");
  c.reply.Bulk("master");
  c.reply.Bulk("modules");
  c.reply.Array(0);
}

void Select(CommandContext& c) {
  auto v = ParseInt64(c.arg(1));
  if (!v) return c.reply.Error(kErrNotInt);
  if (*v < 0 || *v >= c.store.db_count()) return c.reply.Error("ERR DB index is out of range");
  c.client.db = static_cast<int>(*v);
  c.reply.Ok();
}

void SwapDb(CommandContext& c) {
  auto a = ParseInt64(c.arg(1));
  if (!a) return c.reply.Error("ERR invalid first DB index");
  auto b = ParseInt64(c.arg(2));
  if (!b) return c.reply.Error("ERR invalid second DB index");
  if (*a < 0 || *a >= c.store.db_count() || *b < 0 || *b >= c.store.db_count()) {
    return c.reply.Error("ERR DB index is out of range");
  }
  c.store.SwapDb(static_cast<int>(*a), static_cast<int>(*b));
  c.db.Modified("");  // counts as a write so the log records it
  c.reply.Ok();
}

void Quit(CommandContext& c) {
  c.reply.Ok();
  c.client.close_after_reply = true;
}

void Reset(CommandContext& c) {
  Client& cl = c.client;
  cl.in_multi = false;
  cl.multi_error = false;
  cl.queued.clear();
  c.store.Unwatch(cl);
  for (const auto& ch : std::vector<std::string>(cl.channels.begin(), cl.channels.end())) {
    c.store.Unsubscribe(cl, ch, false);
  }
  for (const auto& p : std::vector<std::string>(cl.patterns.begin(), cl.patterns.end())) {
    c.store.Unsubscribe(cl, p, true);
  }
  cl.db = 0;
  cl.name.clear();
  cl.no_evict = false;
  cl.authenticated = c.store.config().requirepass.empty();
  c.reply.set_protocol(2);
  c.reply.Simple("RESET");
}

std::string ClientInfoLine(Store& store, const Client& cl) {
  int64_t now = store.now();
  char flag_buf[4];
  size_t nflags = 0;
  if (cl.in_multi) flag_buf[nflags++] = 'x';
  if (cl.blocked) flag_buf[nflags++] = 'b';
  if (cl.subscriptions() > 0) flag_buf[nflags++] = 'P';
  if (nflags == 0) flag_buf[nflags++] = 'N';
  std::string_view flags(flag_buf, nflags);
  return fmt::format(
      "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub=0 multi={} qbuf=0 "
      "qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem={} tot-mem=0 events=r cmd={} user=default "
      "redir=-1 resp={} lib-name={} lib-ver={}",
      cl.id, cl.addr, cl.laddr, cl.fd, cl.name, (now - cl.created_ms) / 1000, (now - cl.last_ms) / 1000, flags, cl.db,
      cl.channels.size(), cl.patterns.size(), cl.in_multi ? static_cast<int64_t>(cl.queued.size()) : -1,
      cl.out.size(), cl.last_command, cl.reply.protocol(), cl.lib_name, cl.lib_ver);
}

bool ValidName(std::string_view name) {
  for (char ch : name) {
    if (ch < '!' || ch > '~') return false;
  }
  return true;
}

void ClientCmd(CommandContext& c) {
  std::string sub = Lower(c.arg(1));
  Client& cl = c.client;
  auto arity = [&] {
    ReplySubcommandError(c, "client", {"id", "getname", "setname", "setinfo", "info", "list", "no-evict", "no-touch",
                                       "reply", "kill", "help"});
  };
  if (sub == "id" && c.argc() == 2) return c.reply.Int(static_cast<int64_t>(cl.id));
  if (sub == "getname" && c.argc() == 2) return cl.name.empty() ? c.reply.Null() : c.reply.Bulk(cl.name);
  if (sub == "setname" && c.argc() == 3) {
    if (!ValidName(c.arg(2))) {
      return c.reply.Error("ERR Client names cannot contain spaces, newlines or special characters.");
    }
    cl.name = std::string(c.arg(2));
    return c.reply.Ok();
  }
  if (sub == "setinfo" && c.argc() == 4) {
    std::string attr = Lower(c.arg(2));
    if (!ValidName(c.arg(3))) {
      return c.reply.Error(fmt::format("ERR {} cannot contain spaces, newlines or special characters.", attr));
    }
    if (attr == "lib-name") cl.lib_name = std::string(c.arg(3));
    else if (attr == "lib-ver") cl.lib_ver = std::string(c.arg(3));
    else return c.reply.Error(fmt::format("ERR Unrecognized option '{}'", c.arg(2)));
    return c.reply.Ok();
  }
  if (sub == "info" && c.argc() == 2) {
    std::string line = ClientInfoLine(c.store, cl);
    line.push_back('\n');
    return c.reply.Verbatim(line);
  }
  if (sub == "list") {
    std::string out;
    for (const auto& [id, other] : c.store.clients()) {
      out.append(ClientInfoLine(c.store, *other));
      out.push_back('\n');
    }
    return c.reply.Verbatim(out);
  }
  if (sub == "no-evict" && c.argc() == 3) {
    if (EqualsIgnoreCase(c.arg(2), "on")) cl.no_evict = true;
    else if (EqualsIgnoreCase(c.arg(2), "off")) cl.no_evict = false;
    else return c.reply.Error(kErrSyntax);
    return c.reply.Ok();
  }
  if ((sub == "no-touch" || sub == "reply") && c.argc() == 3) return c.reply.Ok();
  if (sub == "kill" && c.argc() >= 3) {
    std::vector<Client*> victims;
    if (c.argc() == 3) {  // old form: CLIENT KILL addr:port
      for (const auto& [id, other] : c.store.clients()) {
        if (other->addr == c.arg(2)) victims.push_back(other);
      }
      if (victims.empty()) return c.reply.Error("ERR No such client");
    } else {
      if ((c.argc() - 2) % 2 != 0) return c.reply.Error(kErrSyntax);
      bool skipme = true;
      std::optional<uint64_t> id;
      std::string addr, laddr;
      for (size_t i = 2; i < c.argc(); i += 2) {
        std::string opt = Lower(c.arg(i));
        if (opt == "id") {
          auto v = ParseInt64(c.arg(i + 1));
          if (!v || *v <= 0) return c.reply.Error("ERR client-id should be greater than 0");
          id = static_cast<uint64_t>(*v);
        } else if (opt == "addr") {
          addr = std::string(c.arg(i + 1));
        } else if (opt == "laddr") {
          laddr = std::string(c.arg(i + 1));
        } else if (opt == "skipme") {
          skipme = !EqualsIgnoreCase(c.arg(i + 1), "no");
        } else {
          return c.reply.Error(kErrSyntax);
        }
      }
      for (const auto& [cid, other] : c.store.clients()) {
        if (id && *id != cid) continue;
        if (!addr.empty() && other->addr != addr) continue;
        if (!laddr.empty() && other->laddr != laddr) continue;
        if (skipme && other == &cl) continue;
        victims.push_back(other);
      }
    }
    for (Client* v : victims) {
      v->close_after_reply = true;
      if (v != &cl && c.store.wake) c.store.wake(*v);
    }
    if (c.argc() == 3) return c.reply.Ok();
    return c.reply.Int(static_cast<int64_t>(victims.size()));
  }
  if (sub == "help") {
    c.reply.Array(1);
    return c.reply.Simple("CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands: ID GETNAME SETNAME SETINFO "
                          "INFO LIST KILL NO-EVICT");
  }
  arity();
}

}  // namespace

void RegisterConnectionCommands(CommandTable& t) {
  uint32_t conn = kLoading | kStale | kFast;
  t.Add({"ping", -1, conn | kPubSubContext, 0, 0, 0, Ping, "connection"});
  t.Add({"echo", 2, conn, 0, 0, 0, Echo, "connection"});
  t.Add({"auth", -2, conn | kNoAuth | kNoScript, 0, 0, 0, Auth, "connection"});
  t.Add({"hello", -1, conn | kNoAuth | kNoScript, 0, 0, 0, Hello, "connection"});
  t.Add({"select", 2, conn, 0, 0, 0, Select, "connection"});
  t.Add({"swapdb", 3, kWrite | kFast, 0, 0, 0, SwapDb, "server"});
  t.Add({"quit", -1, conn | kNoAuth | kNoScript | kNoMulti | kPubSubContext, 0, 0, 0, Quit, "connection"});
  t.Add({"reset", 1, conn | kNoAuth | kNoScript | kNoMulti | kPubSubContext, 0, 0, 0, Reset, "connection"});
  t.Add({"client", -2, kContainer | kAdmin | kNoScript | kLoading | kStale, 0, 0, 0, ClientCmd, "connection"});
}

}  // namespace cohort::store
