#include "store_command.h"

#include <signal.h>
#include <sys/stat.h>
#include <uv.h>

#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include "logger.h"
#include "store/args.h"
#include "store/store.h"
#include "store/store_server.h"
#include "uv_handle.h"

namespace cohort {
namespace {

int64_t UnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int StoreCommand(const StoreArgs& a) {
  ::signal(SIGPIPE, SIG_IGN);
  auto fail = [](const std::string& msg) {
    fmt::print(stderr, "cohort store: {}\n", msg);
    return 2;
  };
  store::StoreConfig config;
  config.databases = a.databases;
  config.requirepass = a.requirepass;
  config.appendonly = a.appendonly;
  config.appendfsync = a.appendfsync;
  config.dir = a.dir;
  config.bind = a.no_tcp ? "" : a.bind;
  config.port = a.port;
  config.maxclients = a.maxclients;
  if (a.databases < 1 || a.databases > 1024) return fail("--databases must be between 1 and 1024");
  if (a.appendfsync != "always" && a.appendfsync != "everysec" && a.appendfsync != "no") {
    return fail(fmt::format("--appendfsync must be always, everysec or no (got '{}')", a.appendfsync));
  }
  if (a.appendonly != "yes" && a.appendonly != "no") return fail("--appendonly must be yes or no");
  {
    // Reuse CONFIG SET's parsing for the memory options.
    store::Store probe(config, UnixMs);
    store::Client c(0);
    c.authenticated = true;
    for (auto [k, v] : {std::pair<std::string_view, std::string_view>{"maxmemory", a.maxmemory},
                        {"maxmemory-policy", a.maxmemory_policy}}) {
      std::string_view cmd[] = {"CONFIG", "SET", k, v};
      probe.ExecuteDirect(c, cmd, false);
      if (!c.out.empty() && c.out[0] == '-') {
        return fail(fmt::format("--{}: {}", k, c.out.substr(1, c.out.size() - 3)));
      }
      c.out.clear();
    }
    config = probe.config();
  }
  if (a.no_tcp && a.unix_path.empty()) return fail("--no-tcp needs --unix PATH");
  if (a.appendonly == "yes") {
    if (mkdir(a.dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return fail(fmt::format("cannot create --dir {}: {}", a.dir, std::strerror(errno)));
    }
  }

  uv_loop_t loop;
  uv_loop_init(&loop);
  Logger logger;
  int code = 0;
  {
    store::Store store(config, UnixMs);
    store::StoreServerOptions options;
    options.bind = config.bind;
    options.port = a.port;
    options.unix_path = a.unix_path;
    options.aof_path = a.appendonly == "yes" ? a.dir + "/appendonly.aof" : "";
    options.logger = &logger;
    store::StoreServer server(&loop, store, options);
    std::vector<UvHandle<uv_signal_t>> signals;
    Status s = server.Start();
    if (!s.ok()) {
      code = fail(s.message());
    } else {
      for (int sig : {SIGINT, SIGTERM}) {
        signals.emplace_back();
        uv_signal_init(&loop, signals.back().get());
        signals.back()->data = &server;
        uv_signal_start(signals.back().get(), [](uv_signal_t* h, int) {
          if (auto* srv = static_cast<store::StoreServer*>(h->data)) srv->Stop();
        }, sig);
      }
      server.on_shutdown = [&signals] { signals.clear(); };
      std::string where;
      if (!config.bind.empty()) where = fmt::format("{}:{}", config.bind, server.port());
      if (!a.unix_path.empty()) where += (where.empty() ? "unix:" : " and unix:") + a.unix_path;
      fmt::print("cohort store: ready on {}; {}\n", where,
                 options.aof_path.empty() ? std::string("not persistent (--appendonly no)")
                                          : fmt::format("data in {} (appendfsync {})", options.aof_path, a.appendfsync));
      std::fflush(stdout);
      uv_run(&loop, UV_RUN_DEFAULT);
    }
  }
  uv_run(&loop, UV_RUN_DEFAULT);  // let closed handles finish closing
  uv_loop_close(&loop);
  return code;
}

}  // namespace cohort
