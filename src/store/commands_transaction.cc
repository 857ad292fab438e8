// MULTI/EXEC/DISCARD/WATCH/UNWATCH.
#include "store/args.h"
#include "store/command.h"
#include "store/store.h"

namespace cohort::store {
namespace {

void Multi(CommandContext& c) {
  if (c.client.in_multi) return c.reply.Error("ERR MULTI calls can not be nested");
  c.client.in_multi = true;
  c.client.multi_error = false;
  c.client.queued.clear();
  c.reply.Ok();
}

void ResetMulti(Client& client, Store& store) {
  client.in_multi = false;
  client.multi_error = false;
  client.queued.clear();
  store.Unwatch(client);
}

void Exec(CommandContext& c) {
  Client& client = c.client;
  if (!client.in_multi) return c.reply.Error("ERR EXEC without MULTI");
  if (client.multi_error) {
    ResetMulti(client, c.store);
    return c.reply.Error("EXECABORT Transaction discarded because of previous errors.");
  }
  if (client.dirty_cas) {
    ResetMulti(client, c.store);
    return c.reply.NullArray();
  }
  auto queued = std::move(client.queued);
  client.in_multi = false;  // queued commands run for real now
  c.store.Unwatch(client);
  c.reply.Array(static_cast<int64_t>(queued.size()));
  c.store.PropagateAsOneTransaction([&] {
    for (const auto& cmd : queued) {
      std::vector<std::string_view> args(cmd.begin(), cmd.end());
      client.in_multi = true;  // so blocking commands do not block (BLPOP acts as LPOP)
      c.store.ExecuteDirect(client, args, false);
    }
  });
  client.in_multi = false;
  client.multi_error = false;
}

void Discard(CommandContext& c) {
  if (!c.client.in_multi) return c.reply.Error("ERR DISCARD without MULTI");
  ResetMulti(c.client, c.store);
  c.reply.Ok();
}

void Watch(CommandContext& c) {
  if (c.client.in_multi) return c.reply.Error("ERR WATCH inside MULTI is not allowed");
  for (size_t i = 1; i < c.argc(); ++i) c.store.Watch(c.client, c.client.db, c.arg(i));
  c.reply.Ok();
}

void Unwatch(CommandContext& c) {
  c.store.Unwatch(c.client);
  c.reply.Ok();
}

}  // namespace

void RegisterTransactionCommands(CommandTable& t) {
  t.Add({"multi", 1, kNoMulti | kNoScript | kFast | kLoading | kStale, 0, 0, 0, Multi, "transactions"});
  t.Add({"exec", 1, kNoMulti | kNoScript | kLoading | kStale, 0, 0, 0, Exec, "transactions"});
  t.Add({"discard", 1, kNoMulti | kNoScript | kFast | kLoading | kStale, 0, 0, 0, Discard, "transactions"});
  t.Add({"watch", -2, kNoMulti | kNoScript | kFast | kLoading | kStale, 1, -1, 1, Watch, "transactions"});
  t.Add({"unwatch", 1, kNoScript | kFast | kLoading | kStale, 0, 0, 0, Unwatch, "transactions"});
}

}  // namespace cohort::store
