// Pub/Sub: SUBSCRIBE, PSUBSCRIBE, their UNSUBSCRIBEs, PUBLISH, PUBSUB.
#include <fmt/format.h>

#include "store/args.h"
#include "store/command.h"
#include "store/store.h"

namespace cohort::store {
namespace {

void Confirm(CommandContext& c, std::string_view kind, std::string_view channel, bool null_channel = false) {
  c.reply.Push(3);
  c.reply.Bulk(kind);
  null_channel ? c.reply.Null() : c.reply.Bulk(channel);
  c.reply.Int(static_cast<int64_t>(c.client.subscriptions()));
}

void SubscribeGeneric(CommandContext& c, bool pattern) {
  for (size_t i = 1; i < c.argc(); ++i) {
    c.store.Subscribe(c.client, c.arg(i), pattern);
    Confirm(c, pattern ? "psubscribe" : "subscribe", c.arg(i));
  }
}
void Subscribe(CommandContext& c) { SubscribeGeneric(c, false); }
void PSubscribe(CommandContext& c) { SubscribeGeneric(c, true); }

void UnsubscribeGeneric(CommandContext& c, bool pattern) {
  std::string_view kind = pattern ? "punsubscribe" : "unsubscribe";
  std::vector<std::string> targets;
  if (c.argc() > 1) {
    targets.assign(c.args.begin() + 1, c.args.end());
  } else {
    const auto& set = pattern ? c.client.patterns : c.client.channels;
    targets.assign(set.begin(), set.end());
    if (targets.empty()) return Confirm(c, kind, "", true);
  }
  for (const auto& t : targets) {
    c.store.Unsubscribe(c.client, t, pattern);
    Confirm(c, kind, t);
  }
}
void Unsubscribe(CommandContext& c) { UnsubscribeGeneric(c, false); }
void PUnsubscribe(CommandContext& c) { UnsubscribeGeneric(c, true); }

void Publish(CommandContext& c) { c.reply.Int(c.store.Publish(c.arg(1), c.arg(2))); }

void PubSub(CommandContext& c) {
  std::string sub = Lower(c.arg(1));
  const auto& channels = c.store.channel_subscribers();
  if (sub == "channels" && c.argc() <= 3) {
    std::vector<std::string_view> out;
    for (const auto& [name, list] : channels) {
      if (c.argc() == 2 || GlobMatch(c.arg(2), name)) out.push_back(name);
    }
    c.reply.Array(static_cast<int64_t>(out.size()));
    for (auto n : out) c.reply.Bulk(n);
  } else if (sub == "numsub") {
    c.reply.Map(static_cast<int64_t>(c.argc() - 2));
    for (size_t i = 2; i < c.argc(); ++i) {
      auto it = channels.find(std::string(c.arg(i)));
      c.reply.Bulk(c.arg(i));
      c.reply.Int(it == channels.end() ? 0 : static_cast<int64_t>(it->second.size()));
    }
  } else if (sub == "numpat" && c.argc() == 2) {
    c.reply.Int(static_cast<int64_t>(c.store.pattern_count()));
  } else if (sub == "shardchannels" && c.argc() <= 3) {
    c.reply.Array(0);
  } else if (sub == "shardnumsub") {
    c.reply.Map(static_cast<int64_t>(c.argc() - 2));
    for (size_t i = 2; i < c.argc(); ++i) {
      c.reply.Bulk(c.arg(i));
      c.reply.Int(0);
    }
  } else {
    ReplySubcommandError(c, "pubsub", {"channels", "numpat", "shardchannels"});
  }
}

}  // namespace

void RegisterPubSubCommands(CommandTable& t) {
  uint32_t ctx = kPubSub | kNoScript | kLoading | kStale | kPubSubContext;
  t.Add({"subscribe", -2, ctx, 0, 0, 0, Subscribe, "pubsub"});
  t.Add({"psubscribe", -2, ctx, 0, 0, 0, PSubscribe, "pubsub"});
  t.Add({"unsubscribe", -1, ctx, 0, 0, 0, Unsubscribe, "pubsub"});
  t.Add({"punsubscribe", -1, ctx, 0, 0, 0, PUnsubscribe, "pubsub"});
  t.Add({"publish", 3, kPubSub | kLoading | kStale | kFast, 0, 0, 0, Publish, "pubsub"});
  t.Add({"pubsub", -2, kContainer | kPubSub | kLoading | kStale, 0, 0, 0, PubSub, "pubsub"});
}

}  // namespace cohort::store
