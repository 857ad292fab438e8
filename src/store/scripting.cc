#include "store/scripting.h"

#include <sha1.h>  // libmd

#include <cmath>
#include <vector>

#include <fmt/format.h>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

#include "store/args.h"
#include "store/client.h"
#include "store/store.h"

namespace cohort::store {

std::string Sha1Hex(std::string_view data) {
  char hex[SHA1_DIGEST_STRING_LENGTH];
  SHA1Data(reinterpret_cast<const uint8_t*>(data.data()), data.size(), hex);
  return hex;
}

namespace {

Scripting* Self(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, "cohort_scripting");
  auto* s = static_cast<Scripting*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return s;
}

int LuaCall(lua_State* L) { return Self(L)->Call(L, false); }
int LuaPCall(lua_State* L) { return Self(L)->Call(L, true); }

int LuaSha1Hex(lua_State* L) {
  size_t len = 0;
  const char* s = luaL_checklstring(L, 1, &len);
  lua_pushstring(L, Sha1Hex(std::string_view(s, len)).c_str());
  return 1;
}

// redis.error_reply(msg) -> {err=msg}; redis.status_reply(msg) -> {ok=msg}
int TableReply(lua_State* L, const char* field) {
  const char* msg = luaL_checkstring(L, 1);
  lua_newtable(L);
  lua_pushstring(L, msg);
  lua_setfield(L, -2, field);
  return 1;
}
int LuaErrorReply(lua_State* L) { return TableReply(L, "err"); }
int LuaStatusReply(lua_State* L) { return TableReply(L, "ok"); }
int LuaLog(lua_State*) { return 0; }

// Pushes the RESP2 reply at text[pos] as a Lua value (Redis's conversion).
// Returns false if the reply is an error (then the error table is pushed).
void PushReply(lua_State* L, std::string_view text, size_t& pos) {
  char type = text[pos];
  size_t eol = text.find("\r\n", pos);
  std::string_view head = text.substr(pos + 1, eol - pos - 1);
  pos = eol + 2;
  switch (type) {
    case '+':
      lua_newtable(L);
      lua_pushlstring(L, head.data(), head.size());
      lua_setfield(L, -2, "ok");
      return;
    case '-':
      lua_newtable(L);
      lua_pushlstring(L, head.data(), head.size());
      lua_setfield(L, -2, "err");
      return;
    case ':':
      lua_pushnumber(L, static_cast<lua_Number>(ParseInt64(head).value_or(0)));
      return;
    case '$': {
      int64_t n = ParseInt64(head).value_or(-1);
      if (n < 0) {
        lua_pushboolean(L, 0);
        return;
      }
      lua_pushlstring(L, text.data() + pos, static_cast<size_t>(n));
      pos += static_cast<size_t>(n) + 2;
      return;
    }
    case '*': {
      int64_t n = ParseInt64(head).value_or(-1);
      if (n < 0) {
        lua_pushboolean(L, 0);
        return;
      }
      lua_createtable(L, static_cast<int>(n), 0);
      for (int64_t i = 1; i <= n; ++i) {
        PushReply(L, text, pos);
        lua_rawseti(L, -2, static_cast<int>(i));
      }
      return;
    }
    default:
      lua_pushboolean(L, 0);
  }
}

// Converts the Lua value on top of the stack to a reply (Redis's rules).
void LuaToReply(lua_State* L, Reply& r, int depth = 0) {
  int t = lua_type(L, -1);
  if (depth > 100) return r.Error("ERR reached lua stack limit");
  switch (t) {
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      return r.Bulk(std::string_view(s, len));
    }
    case LUA_TBOOLEAN:
      return lua_toboolean(L, -1) ? r.Int(1) : r.Null();
    case LUA_TNUMBER:
      return r.Int(static_cast<int64_t>(lua_tonumber(L, -1)));
    case LUA_TTABLE: {
      lua_getfield(L, -1, "err");
      if (lua_type(L, -1) == LUA_TSTRING) {
        std::string msg = lua_tostring(L, -1);
        lua_pop(L, 1);
        // Redis adds "ERR " unless the message has its own code.
        if (msg.find(' ') == std::string::npos || msg[0] < 'A' || msg[0] > 'Z') msg = "ERR " + msg;
        return r.Error(msg);
      }
      lua_pop(L, 1);
      lua_getfield(L, -1, "ok");
      if (lua_type(L, -1) == LUA_TSTRING) {
        std::string msg = lua_tostring(L, -1);
        lua_pop(L, 1);
        return r.Simple(msg);
      }
      lua_pop(L, 1);
      std::vector<int> dummy;
      size_t mark = r.BeginDeferred();
      int64_t n = 0;
      for (int i = 1;; ++i) {
        lua_rawgeti(L, -1, i);
        if (lua_isnil(L, -1)) {
          lua_pop(L, 1);
          break;
        }
        LuaToReply(L, r, depth + 1);
        lua_pop(L, 1);
        ++n;
      }
      return r.EndDeferredArray(mark, n);
    }
    default:
      return r.Null();
  }
}

}  // namespace

Scripting::Scripting(Store& store) : store_(store) { Reset(); }

Scripting::~Scripting() {
  if (L_ != nullptr) lua_close(L_);
}

void Scripting::Reset() {
  if (L_ != nullptr) lua_close(L_);
  L_ = luaL_newstate();
  // Only the libraries Redis gives scripts; no io, os, or package loading.
  for (auto [name, fn] : {std::pair<const char*, lua_CFunction>{"", luaopen_base}, {LUA_TABLIBNAME, luaopen_table},
                          {LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, luaopen_math}}) {
    lua_pushcfunction(L_, fn);
    lua_pushstring(L_, name);
    lua_call(L_, 1, 0);
  }
  for (const char* unsafe : {"dofile", "loadfile", "print"}) {
    lua_pushnil(L_);
    lua_setglobal(L_, unsafe);
  }
  lua_pushlightuserdata(L_, this);
  lua_setfield(L_, LUA_REGISTRYINDEX, "cohort_scripting");
  lua_newtable(L_);
  for (auto [name, fn] : {std::pair<const char*, lua_CFunction>{"call", LuaCall}, {"pcall", LuaPCall},
                          {"sha1hex", LuaSha1Hex}, {"error_reply", LuaErrorReply},
                          {"status_reply", LuaStatusReply}, {"log", LuaLog}}) {
    lua_pushcfunction(L_, fn);
    lua_setfield(L_, -2, name);
  }
  for (auto [name, level] : {std::pair<const char*, int>{"LOG_DEBUG", 0}, {"LOG_VERBOSE", 1}, {"LOG_NOTICE", 2},
                             {"LOG_WARNING", 3}}) {
    lua_pushnumber(L_, level);
    lua_setfield(L_, -2, name);
  }
  lua_setglobal(L_, "redis");
  scripts_.clear();
}

void Scripting::Flush() { Reset(); }

std::string Scripting::Compile(Client& client, const std::string& sha, std::string_view body) {
  std::string code = fmt::format("function f_{}() {}\nend", sha, body);
  if (luaL_loadbuffer(L_, code.data(), code.size(), "@user_script") != 0) {
    std::string err = lua_tostring(L_, -1);
    lua_pop(L_, 1);
    client.reply.Error(fmt::format("ERR Error compiling script (new function): {}", err));
    return "";
  }
  if (lua_pcall(L_, 0, 0, 0) != 0) {
    std::string err = lua_tostring(L_, -1);
    lua_pop(L_, 1);
    client.reply.Error(fmt::format("ERR Error compiling script (new function): {}", err));
    return "";
  }
  scripts_[sha] = std::string(body);
  return sha;
}

std::string Scripting::Load(Client& client, std::string_view body) {
  std::string sha = Sha1Hex(body);
  if (scripts_.count(sha) != 0) return sha;
  return Compile(client, sha, body);
}

void Scripting::Eval(Client& client, std::string_view sha_in, std::string_view body,
                     std::span<const std::string_view> keys, std::span<const std::string_view> argv) {
  std::string sha = body.empty() ? ToLower(sha_in) : Sha1Hex(body);
  if (scripts_.count(sha) == 0) {
    if (body.empty()) return client.reply.Error("NOSCRIPT No matching script. Please use EVAL.");
    if (Compile(client, sha, body).empty()) return;
  }
  auto set_array = [&](const char* name, std::span<const std::string_view> items) {
    lua_createtable(L_, static_cast<int>(items.size()), 0);
    for (size_t i = 0; i < items.size(); ++i) {
      lua_pushlstring(L_, items[i].data(), items[i].size());
      lua_rawseti(L_, -2, static_cast<int>(i + 1));
    }
    lua_setglobal(L_, name);
  };
  set_array("KEYS", keys);
  set_array("ARGV", argv);
  lua_getglobal(L_, ("f_" + sha).c_str());
  caller_ = &client;
  int rc = lua_pcall(L_, 0, 1, 0);
  caller_ = nullptr;
  if (rc != 0) {
    if (lua_istable(L_, -1)) {  // an error reply raised by redis.call: pass it on
      lua_getfield(L_, -1, "err");
      std::string err = lua_isstring(L_, -1) ? lua_tostring(L_, -1) : "ERR unknown error";
      lua_pop(L_, 2);
      return client.reply.Error(fmt::format("{} script: {}, on @user_script.", err, sha));
    }
    std::string err = lua_isstring(L_, -1) ? lua_tostring(L_, -1) : "unknown error";
    lua_pop(L_, 1);
    // A redis.call error raised as {err=...} arrives as a table.
    return client.reply.Error(fmt::format("ERR Error running script (call to f_{}): {}", sha, err));
  }
  LuaToReply(L_, client.reply);
  lua_pop(L_, 1);
  lua_gc(L_, LUA_GCSTEP, 1);
}

int Scripting::Call(lua_State* L, bool protected_call) {
  int argc = lua_gettop(L);
  if (argc == 0 || caller_ == nullptr) {
    return luaL_error(L, "Please specify at least one argument for redis.call()");
  }
  std::vector<std::string> args;
  for (int i = 1; i <= argc; ++i) {
    if (lua_type(L, i) == LUA_TNUMBER) {
      // Redis converts numbers with %.17g, then integers print without decimals.
      lua_Number n = lua_tonumber(L, i);
      if (std::floor(n) == n && std::fabs(n) < 1e17) {
        args.push_back(fmt::format("{}", static_cast<int64_t>(n)));
      } else {
        args.push_back(fmt::format("{:.17g}", n));
      }
    } else if (lua_type(L, i) == LUA_TSTRING) {
      size_t len = 0;
      const char* s = lua_tolstring(L, i, &len);
      args.emplace_back(s, len);
    } else {
      return luaL_error(L, "Lua redis() command arguments must be strings or integers");
    }
  }
  const Command* cmd = store_.commands().Find(args[0]);
  Client script_client(0);
  script_client.authenticated = true;
  script_client.db = caller_->db;
  std::string err;
  if (cmd == nullptr) {
    err = "ERR Unknown Redis command called from script";
  } else if (cmd->flags & kNoScript) {
    err = "ERR This Redis command is not allowed from script";
  } else {
    std::vector<std::string_view> views(args.begin(), args.end());
    store_.ExecuteDirect(script_client, views, true);
    caller_->db = script_client.db;  // SELECT inside a script sticks, as in Redis 7
  }
  if (!err.empty()) {
    script_client.out = "-" + err + "\r\n";
  }
  size_t pos = 0;
  PushReply(L, script_client.out, pos);
  if (!protected_call && script_client.out[0] == '-') {
    // redis.call raises the error table, as Redis does.
    return lua_error(L);
  }
  return 1;
}

}  // namespace cohort::store
