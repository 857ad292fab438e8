// The worker channel protocol (docs/worker-protocol.md): what cohort's
// primary and a balanced --listen worker (any language) say to each other on
// the worker's channel, a unix stream socket. One JSON object per
// '\n'-terminated line, each with a string "type"; a "connection" line
// carries the connection's fd (SCM_RIGHTS) and is written with one sendmsg().
//
// Pure functions, no I/O, no exceptions; used by the primary (parses what
// workers send) and by libcohort_worker (parses what the primary sends).
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "json_depth.h"
#include "status.h"

namespace cohort::channel {

// Longest line either side accepts; longer ones are reported and skipped.
constexpr size_t kMaxLine = 1 << 20;
// Longest sticky key a worker may declare (as cohort:sticky for Node).
constexpr size_t kMaxStickyKey = 4096;
// Lines nested deeper than kMaxJsonDepth (json_depth.h) are refused.

// Who is at the other end of a connection, as the primary saw it.
struct Peer {
  std::string family;   // "IPv4", "IPv6" or "unix"
  std::string address;  // "127.0.0.1", "::1"; "" for unix
  int port = 0;         // 0 for unix
  bool operator==(const Peer&) const = default;
};

// The Peer for an address that accept() or getpeername() filled in.
Peer PeerFromSockaddr(const sockaddr_storage& addr);

// A line from a worker.
struct FromWorker {
  enum class Type {
    kAccepted,   // {"type":"accepted","id":N}: it took connection N
    kRefused,    // {"type":"refused","id":N}: give connection N to another worker
    kReady,      // {"type":"ready"}: as sd_notify READY=1
    kStatus,     // {"type":"status","text":"..."}: as STATUS=
    kStopping,   // {"type":"stopping"}: as STOPPING=1; no new connections for it
    kWatchdog,   // {"type":"watchdog"}: as WATCHDOG=1
    kMessage,    // {"type":"message","data":X}: X for the primary
    kBroadcast,  // {"type":"broadcast","data":X}: X for every other worker
    kSticky,     // {"type":"sticky","key":"K"}: connections carrying K are its own
    kLeave,      // {"type":"leave"}: it wants to leave; answered with a leave line
    kUnknown,    // a type this version does not know: ignored (forward compatible)
  };
  Type type = Type::kUnknown;
  uint64_t id = 0;       // kAccepted, kRefused
  std::string text;      // kStatus: the text; kSticky: the key; kUnknown: the type
  nlohmann::json data;   // kMessage, kBroadcast
};

// A line from the primary.
struct FromPrimary {
  enum class Type {
    kConnection,  // {"type":"connection","id":N,"listener":"listen0","peer":{...}} + fd
    kMessage,     // {"type":"message","data":X}
    kLeave,       // {"type":"leave"}: no connection follows; finish and exit
    kUnknown,
  };
  Type type = Type::kUnknown;
  uint64_t id = 0;        // kConnection
  std::string listener;   // kConnection: the --listen socket's name (LISTEN_FDNAMES in shared mode)
  Peer peer;              // kConnection
  nlohmann::json data;    // kMessage
};

// Errors name what is wrong ("not JSON", "no type", "accepted without an id").
Result<FromWorker> ParseFromWorker(std::string_view line);
Result<FromPrimary> ParseFromPrimary(std::string_view line);

// Lines the primary writes (each ends with '\n').
std::string ConnectionLine(uint64_t id, std::string_view listener, const Peer& peer);
std::string MessageLine(const nlohmann::json& data);
std::string LeaveLine();

// Lines a worker writes.
std::string ConfirmLine(uint64_t id, bool accepted);  // accepted or refused
std::string SignalLine(FromWorker::Type type);        // ready, stopping, watchdog, leave
std::string StatusLine(std::string_view text);
std::string StickyLine(std::string_view key);
std::string DataLine(FromWorker::Type type, const nlohmann::json& data);  // message or broadcast

}  // namespace cohort::channel
