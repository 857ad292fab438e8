// ClusterPrimary's side of Node's cluster protocol (design.md §2): the
// lines a Node worker sends on its IPC channel (online, queryServer,
// listening, close, handles and their acks, user messages, cohort:sticky,
// cohort:broadcast) and the answers. The handoff of connections
// (SendConnection) and the rest of the primary are in cluster_primary.cc.
#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include "cluster_primary.h"
#include "node_protocol.h"

namespace cohort {

void ClusterPrimary::OpenNodeChannel(Worker& w, UniqueFd ours) {
  WorkerId id = w.id;
  int slot = w.slot;
  IpcChannel::Callbacks cb;
  cb.on_line = [this, id](std::string_view line, int& fd) {
    if (Worker* w = FindWorker(id)) OnLine(*w, line, fd);
  };
  cb.on_oversized = [this, id, slot](size_t n) {
    if (Worker* w = FindWorker(id)) {
      LogWorkerFault(*w, LogLevel::kWarn, fmt::format("slot {}: worker {} sent a message over {} bytes ({}); ignored",
                                                      slot, id, IpcChannel::kDefaultMaxLine, n));
    }
  };
  cb.on_close = [this, id](const std::string& why) {
    // Deferred: the channel must not be destroyed inside its own callback.
    StartTimer(Millis(0), [this, id, why] { OnChannelClosed(id, why); });
  };
  w.channel = std::make_unique<IpcChannel>(loop_, std::move(ours), std::move(cb));
}

void ClusterPrimary::SendLine(Worker& w, std::string line, int fd) {
  if (!w.channel || !w.channel->open()) return;
  if (fd >= 0) w.unacked.push_back({line, fd});
  Status s = w.channel->Send(std::move(line), fd);
  if (!s.ok()) Log(LogLevel::kWarn, fmt::format("slot {}: worker {}: {}", w.slot, w.id, s.message()));
}

void ClusterPrimary::OnLine(Worker& w, std::string_view line, int& fd) {
  Result<WorkerMessage> m = ParseWorkerLine(line);
  if (!m.ok()) {
    LogWorkerFault(w, LogLevel::kWarn, fmt::format("slot {}: worker {} sent {}; ignored", w.slot, w.id, m.status().message()));
    return;
  }
  switch (m->kind) {
    case WorkerMessage::Kind::kHandleAck:
      if (!w.unacked.empty()) w.unacked.pop_front();
      return;
    case WorkerMessage::Kind::kHandleNack:
      if (!w.unacked.empty()) {
        HandleSend h = std::move(w.unacked.front());
        w.unacked.pop_front();
        SendLine(w, std::move(h.line), h.fd);
      }
      return;
    case WorkerMessage::Kind::kHandle: {
      // The worker sent us a handle (process.send(msg, socket)): acknowledge
      // as Node does; cohort has no use for the fd itself.
      SendLine(w, std::string(kHandleAckLine) + "\n");
      if (fd >= 0) {
        ::close(fd);
        fd = -1;
      }
      OnUserMessage(w, m->body);
      return;
    }
    case WorkerMessage::Kind::kNewConnReply:
      balancer_.OnReply(w.id, m->ack, m->accepted);
      return;
    case WorkerMessage::Kind::kHookAccepted:
      // The hook skips NODE_HANDLE_ACK: this line is that ack too.
      if (!w.unacked.empty()) w.unacked.pop_front();
      if (w.hook_confirmed++ == 0) {
        Log(LogLevel::kDebug, fmt::format("slot {}: worker {} takes connections through the handoff hook", w.slot, w.id));
      }
      balancer_.OnReply(w.id, m->ack, true);
      return;
    case WorkerMessage::Kind::kCluster:
      OnCluster(w, m->body);
      return;
    case WorkerMessage::Kind::kInternal:
      return;
    case WorkerMessage::Kind::kUser:
      OnUserMessage(w, m->body);
      return;
  }
}

void ClusterPrimary::OnCluster(Worker& w, const nlohmann::json& msg) {
  auto act_it = msg.find("act");
  if (act_it == msg.end() || !act_it->is_string()) return;
  const std::string& act = act_it->get_ref<const std::string&>();
  if (act == "online") {
    supervisor_.OnOnline(w.id);
  } else if (act == "queryServer") {
    OnQueryServer(w, msg);
  } else if (act == "listening") {
    OnListening(w, msg);
  } else if (act == "close") {
    auto key = msg.find("key");
    if (key == msg.end() || !key->is_string()) return;
    std::string k = key->get<std::string>();
    w.keys.erase(k);
    balancer_.StopServing(w.id, k);
    supervisor_.OnServerClosed(w.id, k);
  } else if (act == "exitedAfterDisconnect") {
    Log(LogLevel::kInfo, fmt::format("slot {}: worker {} is leaving on its own (disconnect)", w.slot, w.id));
    balancer_.Drain(w.id);
    nlohmann::json reply = {{"ack", msg.value("seq", 0)}};
    SendLine(w, ClusterLine(reply, next_seq_++));
  }
}

void ClusterPrimary::OnQueryServer(Worker& w, const nlohmann::json& msg) {
  std::string key = ServerKey(msg);
  nlohmann::json reply = {{"key", key}, {"ack", msg.value("seq", 0)}, {"data", msg.value("data", nlohmann::json())}};
  if (w.disconnect_sent) return;  // as Node: a leaving worker gets no new servers
  Result<ListenSpec> spec = ListenSpecFromQuery(msg);
  Status error;
  Listener* l = spec.ok() ? FindOrOpenListener(key, *spec, &error) : nullptr;
  if (!spec.ok()) error = spec.status();
  if (!l) {
    LogWorkerFault(w, LogLevel::kError, fmt::format("slot {}: {}", w.slot, error.message()));
    reply["errno"] = -(error.sys_errno() ? error.sys_errno() : EINVAL);
    SendLine(w, ClusterLine(reply, next_seq_++));
    return;
  }
  w.keys.insert(key);
  bool udp = l->spec().kind == ListenSpec::Kind::kUdp;
  if (shared_ || udp) {
    reply["errno"] = nullptr;
    SendLine(w, HandleLine(reply, next_seq_++, udp ? "dgram.Native" : "net.Native"), l->fd());
    return;
  }
  reply["errno"] = nullptr;
  if (l->spec().kind != ListenSpec::Kind::kUnix) reply["sockname"] = SocknameJson(l->fd());
  SendLine(w, ClusterLine(reply, next_seq_++));
  balancer_.Serve(w.id, w.slot, key);
}

void ClusterPrimary::OnListening(Worker& w, const nlohmann::json& msg) {
  // The listening message is the queryServer message with act and the actual
  // port changed; match it to the key the worker asked for (port 0 included).
  std::string key = ServerKey(msg);
  if (!w.keys.count(key)) {
    nlohmann::json zero = msg;
    zero["port"] = 0;
    key = ServerKey(zero);
    if (!w.keys.count(key)) return;
  }
  supervisor_.OnListening(w.id, key);
}

void ClusterPrimary::OnStickyDeclaration(Worker& w, const nlohmann::json& msg) {
  auto key = msg.find("key");
  std::string k;
  if (key != msg.end() && key->is_string()) k = key->get<std::string>();
  if (key != msg.end() && key->is_number()) k = key->dump();
  if (k.empty() || k.size() > 4096) {
    LogWorkerFault(w, LogLevel::kWarn, fmt::format("slot {}: worker {} sent cohort:sticky without a key (a non-empty "
                                                   "string up to 4096 bytes); ignored", w.slot, w.id));
    return;
  }
  if (!peek_options_) {
    Log(LogLevel::kDebug, fmt::format("slot {}: cohort:sticky from worker {} ignored: the app runs without --sticky", w.slot, w.id));
    return;
  }
  sticky_table_.Declare(k, w.id, Now());
}

void ClusterPrimary::OnUserMessage(Worker& w, const nlohmann::json& msg) {
  if (msg.is_object() && msg.value("cmd", "") == "cohort:sticky") {
    OnStickyDeclaration(w, msg);
    return;
  }
  if (msg.is_object() && msg.value("cmd", "") == "cohort:broadcast") {
    auto data = msg.find("data");
    if (data == msg.end() || IsNodeInternal(*data)) return;
    std::string line = ToLine(*data);
    for (auto& [id, other] : workers_) {
      if (id != w.id && !other.disconnect_sent) SendLine(other, line);
    }
    return;
  }
  // Dumping a message (up to 8 MB) only to show 200 bytes of it: only with -v.
  if (logger_->options().min_level > LogLevel::kDebug) return;
  Log(LogLevel::kDebug, fmt::format("slot {}: message from worker {}: {:.200}", w.slot, w.id,
                                    msg.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
}

void ClusterPrimary::OnChannelClosed(WorkerId id, const std::string& why) {
  Worker* w = FindWorker(id);
  if (!w) return;
  Log(LogLevel::kDebug, fmt::format("slot {}: worker {}: {}", w->slot, id, why));
  ForgetWorker(id);
  w->unacked.clear();
  // A Node worker that closed its channel unasked gets SIGTERM. One that was
  // asked to leave closes it once its servers are closed and their
  // connections done (nothing of it is in flight any more), and normally
  // exits a moment later. One still running after kLeaveGrace is held up by
  // something else (a database client, a timer): SIGTERM asks it to exit
  // (a handler of its own can close those) instead of it being killed at
  // --kill-timeout. The worker's record goes when it is reaped, so the
  // signal never reaches another process that got its pid.
  if (!w->disconnect_sent) {
    ::kill(w->pid, SIGTERM);
    return;
  }
  StartTimer(kLeaveGrace, [this, id] {
    Worker* left = FindWorker(id);
    if (!left) return;
    Log(LogLevel::kInfo, fmt::format("slot {}: worker {} (pid {}): done serving but still running; sending SIGTERM",
                                     left->slot, id, left->pid));
    ::kill(left->pid, SIGTERM);
  });
}

}  // namespace cohort
