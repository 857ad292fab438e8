// Scripting: EVAL/EVALSHA with Lua 5.1 (Debian's liblua5.1) and Redis's
// script API: KEYS, ARGV, redis.call, redis.pcall, redis.error_reply,
// redis.status_reply, redis.sha1hex, redis.log. One Lua state per Store,
// on the store's loop; scripts are cached by SHA1 (SCRIPT LOAD/EXISTS/FLUSH).
// Replies convert between RESP and Lua by Redis's rules (nil bulk <-> false,
// status <-> {ok=...}, error <-> {err=...}, numbers truncate to integers).
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>

struct lua_State;

namespace cohort::store {

class Store;
struct Client;

class Scripting {
 public:
  explicit Scripting(Store& store);
  ~Scripting();
  Scripting(const Scripting&) = delete;
  Scripting& operator=(const Scripting&) = delete;

  // Runs `body` (or the cached script `sha` when body is empty) for the
  // client, replying into client.out. keys/argv as given to EVAL.
  void Eval(Client& client, std::string_view sha, std::string_view body, std::span<const std::string_view> keys,
            std::span<const std::string_view> argv);
  // Compiles and caches; returns the SHA1, or "" after replying the compile error.
  std::string Load(Client& client, std::string_view body);
  bool Exists(std::string_view sha) const { return scripts_.count(std::string(sha)) != 0; }
  void Flush();
  size_t size() const { return scripts_.size(); }

  // Internal, for the Lua C functions.
  int Call(lua_State* L, bool protected_call);
  Store& store() { return store_; }

 private:
  void Reset();
  std::string Compile(Client& client, const std::string& sha, std::string_view body);

  Store& store_;
  lua_State* L_ = nullptr;
  std::map<std::string, std::string> scripts_;  // sha -> body (the function f_<sha> is defined in L_)
  Client* caller_ = nullptr;                    // while a script runs
};

std::string Sha1Hex(std::string_view data);

}  // namespace cohort::store
