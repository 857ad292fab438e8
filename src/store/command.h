// Command: one entry of the store's command table, and the context a
// command handler runs with. Handlers live in commands_<family>.cc, one file
// per data type or concern, and register themselves in the table.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/client.h"
#include "store/database.h"
#include "store/reply.h"

namespace cohort::store {

class Store;

enum CommandFlag : uint32_t {
  kWrite = 1 << 0,
  kReadOnly = 1 << 1,
  kDenyOom = 1 << 2,    // refused over maxmemory with noeviction
  kAdmin = 1 << 3,
  kPubSub = 1 << 4,
  kNoScript = 1 << 5,   // not callable from EVAL
  kFast = 1 << 6,
  kBlocking = 1 << 7,
  kNoAuth = 1 << 8,     // allowed before AUTH
  kStale = 1 << 9,
  kLoading = 1 << 10,
  kNoMulti = 1 << 11,   // runs immediately even inside MULTI (EXEC, DISCARD, ...)
  kPubSubContext = 1 << 12,  // allowed in RESP2 subscribed context
  kContainer = 1 << 13,      // has subcommands (CLIENT, CONFIG, ...): Redis names it "client|kill"
};

struct CommandContext {
  Store& store;
  Client& client;
  std::span<const std::string_view> args;
  Reply& reply;
  Database& db;
  int64_t now_ms;
  bool from_script = false;
  // Set by a handler that propagates a different form than args (relative
  // TTLs made absolute, INCRBYFLOAT as SET); empty = propagate args as given.
  std::vector<std::vector<std::string>> rewritten;
  bool suppress_propagation = false;

  std::string_view arg(size_t i) const { return args[i]; }
  size_t argc() const { return args.size(); }
  // Marks the key written (WATCH, blocked clients, persistence).
  void Touch(std::string_view key) { db.Modified(key); }
  void Propagate(std::vector<std::string> cmd) { rewritten.push_back(std::move(cmd)); }
};

using CommandHandler = void (*)(CommandContext&);

struct Command {
  std::string name;  // lower case
  int arity;         // >0 exact, <0 at least -arity (including the name)
  uint32_t flags;
  int first_key, last_key, step;
  CommandHandler handler;
  std::string_view group;  // for COMMAND DOCS
  // INFO commandstats; updated by the store on every call.
  mutable uint64_t calls = 0, usec = 0;
};

class CommandTable {
 public:
  CommandTable();
  const Command* Find(std::string_view name) const;
  void Add(Command c);
  const std::unordered_map<std::string, Command>& all() const { return commands_; }

 private:
  std::unordered_map<std::string, Command> commands_;
};

// Registration, one per commands_<family>.cc.
void RegisterStringCommands(CommandTable& t);
void RegisterKeyCommands(CommandTable& t);
void RegisterHashCommands(CommandTable& t);
void RegisterListCommands(CommandTable& t);
void RegisterSetCommands(CommandTable& t);
void RegisterZSetCommands(CommandTable& t);
void RegisterServerCommands(CommandTable& t);
void RegisterConnectionCommands(CommandTable& t);
void RegisterPubSubCommands(CommandTable& t);
void RegisterTransactionCommands(CommandTable& t);
void RegisterScriptCommands(CommandTable& t);

// Shared helpers for handlers.
// Looks up key expecting `type`: nullptr with no reply if absent, nullptr
// after replying WRONGTYPE if of another type; *wrong tells which.
Entry* LookupTyped(CommandContext& c, std::string_view key, Type type, bool* wrong);
// LookupTyped, and if the key is absent creates it as an empty `type`
// (list, hash, set or sorted set); nullptr only after replying WRONGTYPE.
Entry* LookupOrCreate(CommandContext& c, std::string_view key, Type type);
// Replies the arity error Redis gives: "ERR wrong number of arguments for 'x' command".
void ReplyArity(CommandContext& c, std::string_view name);
std::string Lower(std::string_view s);
// Redis's reply for a container command (CLIENT, CONFIG, ...) whose
// subcommand is unknown, or known but given the wrong number of arguments.
void ReplySubcommandError(CommandContext& c, std::string_view container,
                          std::initializer_list<std::string_view> known);
// What OBJECT ENCODING says for the value (Redis 7.0's rules).
std::string_view EncodingOf(const Entry* e);

}  // namespace cohort::store
