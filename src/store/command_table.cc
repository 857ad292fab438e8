#include <fmt/format.h>

#include "store/args.h"
#include "store/command.h"
#include "store/store.h"

namespace cohort::store {

CommandTable::CommandTable() {
  RegisterStringCommands(*this);
  RegisterKeyCommands(*this);
  RegisterHashCommands(*this);
  RegisterListCommands(*this);
  RegisterSetCommands(*this);
  RegisterZSetCommands(*this);
  RegisterServerCommands(*this);
  RegisterConnectionCommands(*this);
  RegisterPubSubCommands(*this);
  RegisterTransactionCommands(*this);
  RegisterScriptCommands(*this);
}

const Command* CommandTable::Find(std::string_view name) const {
  char buf[32];
  if (name.size() >= sizeof buf) return nullptr;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    buf[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  }
  auto it = commands_.find(std::string(buf, name.size()));
  return it == commands_.end() ? nullptr : &it->second;
}

void CommandTable::Add(Command c) {
  std::string name = c.name;
  commands_.emplace(std::move(name), std::move(c));
}

Entry* LookupTyped(CommandContext& c, std::string_view key, Type type, bool* wrong) {
  *wrong = false;
  Entry* e = c.db.Find(key, c.now_ms);
  if (e == nullptr) {
    ++c.store.stats().keyspace_misses;
    return nullptr;
  }
  ++c.store.stats().keyspace_hits;
  e->lru = static_cast<uint32_t>(c.now_ms / 1000);
  if (e->lfu < 255) {
    // Redis's LFULogIncr: the higher the counter, the less likely it grows.
    double base = e->lfu > 5 ? e->lfu - 5 : 0;
    double p = 1.0 / (base * static_cast<double>(c.store.config().lfu_log_factor) + 1);
    if (std::uniform_real_distribution<double>(0, 1)(c.store.rng()) < p) ++e->lfu;
  }
  if (e->type != type) {
    *wrong = true;
    c.reply.Error(kErrWrongType);
    return nullptr;
  }
  return e;
}

Entry* LookupOrCreate(CommandContext& c, std::string_view key, Type type) {
  bool wrong;
  Entry* e = LookupTyped(c, key, type, &wrong);
  if (wrong || e != nullptr) return e;
  e = c.db.Add(key);
  e->type = type;
  switch (type) {
    case Type::kList: e->v.list = new List(); break;
    case Type::kHash:
    case Type::kSet: e->v.fields = new FieldMap(); break;
    case Type::kZSet: e->v.zset = new ZSet(); break;
    case Type::kString: break;
  }
  return e;
}

void ReplyArity(CommandContext& c, std::string_view name) {
  c.reply.Error(fmt::format("ERR wrong number of arguments for '{}' command", name));
}

std::string Lower(std::string_view s) { return ToLower(s); }

void ReplySubcommandError(CommandContext& c, std::string_view container,
                          std::initializer_list<std::string_view> known) {
  std::string sub = ToLower(c.arg(1));
  for (std::string_view k : known) {
    if (k == sub) {
      return c.reply.Error(fmt::format("ERR wrong number of arguments for '{}|{}' command", ToLower(container), sub));
    }
  }
  c.reply.Error(fmt::format("ERR unknown subcommand '{}'. Try {} HELP.", c.arg(1).substr(0, 128), ToUpper(container)));
}

}  // namespace cohort::store
