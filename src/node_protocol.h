// Node's cluster IPC protocol (Node 20, lib/internal/cluster/*): parsing the
// lines a worker sends and building the lines the primary sends.
// See design.md §2. Pure functions; no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "json_depth.h"  // ParseJsonWithinDepth, kMaxJsonDepth
#include "status.h"

namespace cohort {

using Json = nlohmann::json;

// What a worker's line means to the primary.
struct WorkerMessage {
  enum class Kind {
    kHandleAck,   // {"cmd":"NODE_HANDLE_ACK"}: the worker got the fd we sent
    kHandleNack,  // {"cmd":"NODE_HANDLE_NACK"}: it lost it; resend
    kHandle,      // {"cmd":"NODE_HANDLE","msg":...}: it sent us a handle (we ack, then use msg)
    kNewConnReply,  // {"cmd":"NODE_CLUSTER","ack":seq,"accepted":bool}: answer to newconn
    kHookAccepted,  // {"cmd":"NODE_COHORT_ACCEPTED","ack":seq}: handoff_hook.h's answer to newconn,
                    // standing for both NODE_HANDLE_ACK and an accepted kNewConnReply
    kCluster,     // {"cmd":"NODE_CLUSTER","act":...}: online/queryServer/listening/close/...
    kInternal,    // other NODE_* commands: ignored
    kUser,        // anything else: the app's process.send(x)
  };
  Kind kind;
  Json body;  // kCluster: the message; kHandle: its msg; kUser: the value
  uint64_t ack = 0;       // kNewConnReply, kHookAccepted: the newconn's seq
  bool accepted = false;  // kNewConnReply (kHookAccepted: always true)
};

// Parses one line. Malformed JSON is an error naming what was wrong.
Result<WorkerMessage> ParseWorkerLine(std::string_view line);

// True when Node would treat `value` as internal (cmd starts with "NODE_"),
// so it must not be sent as a user message.
bool IsNodeInternal(const Json& value);

// Serializes `value` as one channel line ("...\n"), never throwing: invalid
// UTF-8 is replaced.
std::string ToLine(const Json& value);

// {"cmd":"NODE_CLUSTER",...fields,"seq":seq}
std::string ClusterLine(Json fields, uint64_t seq);
// {"cmd":"NODE_HANDLE","type":type,"msg":{"cmd":"NODE_CLUSTER",...fields,"seq":seq}}
std::string HandleLine(Json fields, uint64_t seq, const char* type = "net.Native");
// The fd-carrying newconn line, built without a JSON tree (hot path).
// `key_json` is the key already encoded as a JSON string. Padded with
// spaces (JSON whitespace, which Node's parser skips) to kNewConnLineSize
// bytes: the handoff hook reads the channel that many bytes at a time, so
// that libuv, which stops reading after a read shorter than its buffer,
// takes every waiting connection in one turn of the worker's event loop.
// A longer key makes a longer line, which the hook reads in pieces.
inline constexpr size_t kNewConnLineSize = 256;
// How every newconn line starts (the key follows); the handoff hook matches it.
inline constexpr std::string_view kNewConnPrefix =
    R"({"cmd":"NODE_HANDLE","type":"net.Native","msg":{"cmd":"NODE_CLUSTER","act":"newconn","key":)";
std::string NewConnLine(const std::string& key_json, uint64_t seq);

constexpr std::string_view kHandleAckLine = R"({"cmd":"NODE_HANDLE_ACK"})";

// The server key Node's primary uses: "address:port:addressType:fd:index",
// with JavaScript's rendering of null/undefined.
std::string ServerKey(const Json& query);

}  // namespace cohort
