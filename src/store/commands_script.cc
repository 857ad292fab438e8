// EVAL, EVALSHA, SCRIPT LOAD|EXISTS|FLUSH.
#include <fmt/format.h>

#include "store/args.h"
#include "store/command.h"
#include "store/scripting.h"
#include "store/store.h"

namespace cohort::store {
namespace {

void EvalGeneric(CommandContext& c, bool by_sha) {
  auto n = ParseInt64(c.arg(2));
  if (!n) return c.reply.Error(kErrNotInt);
  if (*n < 0) return c.reply.Error("ERR Number of keys can't be negative");
  if (static_cast<size_t>(*n) > c.argc() - 3) {
    return c.reply.Error("ERR Number of keys can't be greater than number of args");
  }
  auto keys = c.args.subspan(3, static_cast<size_t>(*n));
  auto argv = c.args.subspan(3 + static_cast<size_t>(*n));
  c.store.PropagateAsOneTransaction([&] {
    if (by_sha) {
      c.store.scripting().Eval(c.client, c.arg(1), "", keys, argv);
    } else {
      c.store.scripting().Eval(c.client, "", c.arg(1), keys, argv);
    }
  });
}
void Eval(CommandContext& c) { EvalGeneric(c, false); }
void EvalSha(CommandContext& c) { EvalGeneric(c, true); }

void Script(CommandContext& c) {
  std::string sub = Lower(c.arg(1));
  Scripting& s = c.store.scripting();
  if (sub == "load" && c.argc() == 3) {
    std::string sha = s.Load(c.client, c.arg(2));
    if (!sha.empty()) c.reply.Bulk(sha);
    return;
  }
  if (sub == "exists" && c.argc() >= 3) {
    c.reply.Array(static_cast<int64_t>(c.argc() - 2));
    for (size_t i = 2; i < c.argc(); ++i) c.reply.Int(s.Exists(ToLower(c.arg(i))) ? 1 : 0);
    return;
  }
  if (sub == "flush" && c.argc() <= 3) {
    if (c.argc() == 3 && !EqualsIgnoreCase(c.arg(2), "ASYNC") && !EqualsIgnoreCase(c.arg(2), "SYNC")) {
      return c.reply.Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    }
    s.Flush();
    return c.reply.Ok();
  }
  ReplySubcommandError(c, "script", {"load", "exists", "flush"});
}

}  // namespace

void RegisterScriptCommands(CommandTable& t) {
  // Scripts may write; the store propagates the commands they run, not EVAL itself.
  t.Add({"eval", -3, kNoScript | kDenyOom, 0, 0, 0, Eval, "scripting"});
  t.Add({"evalsha", -3, kNoScript | kDenyOom, 0, 0, 0, EvalSha, "scripting"});
  t.Add({"eval_ro", -3, kNoScript | kReadOnly, 0, 0, 0, Eval, "scripting"});
  t.Add({"evalsha_ro", -3, kNoScript | kReadOnly, 0, 0, 0, EvalSha, "scripting"});
  t.Add({"script", -2, kContainer | kNoScript, 0, 0, 0, Script, "scripting"});
}

}  // namespace cohort::store
