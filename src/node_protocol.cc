#include "node_protocol.h"

#include <algorithm>

#include <fmt/format.h>

namespace cohort {
namespace {

// How JavaScript's template literal renders a JSON field: absent is
// "undefined", null is "null", strings raw, numbers as numbers.
std::string JsString(const Json& obj, const char* field) {
  auto it = obj.find(field);
  if (it == obj.end()) return "undefined";
  if (it->is_null()) return "null";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  if (it->is_number()) return it->dump();
  if (it->is_boolean()) return it->get<bool>() ? "true" : "false";
  return "[object Object]";
}

}  // namespace

bool IsNodeInternal(const Json& v) {
  if (!v.is_object()) return false;
  auto it = v.find("cmd");
  if (it == v.end() || !it->is_string()) return false;
  const std::string& cmd = it->get_ref<const std::string&>();
  return cmd.size() > 4 && cmd.compare(0, 5, "NODE_") == 0;
}

// The digits of a sequence number at the front of `s` (at most 19), removed
// from it; nullopt when there are none.
static std::optional<uint64_t> TakeSeq(std::string_view& s) {
  uint64_t n = 0;
  size_t i = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i < 19) n = n * 10 + (s[i++] - '0');
  if (i == 0) return std::nullopt;
  s.remove_prefix(i);
  return n;
}

// The replies to every newconn, parsed without a JSON tree because they come
// once per connection: Node's worker writes
// {"cmd":"NODE_CLUSTER","ack":<seq>,"accepted":<bool>,"seq":<n>}, the
// handoff hook {"cmd":"NODE_COHORT_ACCEPTED","ack":<seq>}.
static std::optional<WorkerMessage> ParseNewConnReply(std::string_view line) {
  constexpr std::string_view kHook = R"({"cmd":"NODE_COHORT_ACCEPTED","ack":)";
  if (line.starts_with(kHook)) {
    line.remove_prefix(kHook.size());
    std::optional<uint64_t> ack = TakeSeq(line);
    if (!ack || line != "}") return std::nullopt;
    return WorkerMessage{WorkerMessage::Kind::kHookAccepted, Json(), *ack, true};
  }
  constexpr std::string_view kPrefix = R"({"cmd":"NODE_CLUSTER","ack":)";
  if (!line.starts_with(kPrefix)) return std::nullopt;
  line.remove_prefix(kPrefix.size());
  std::optional<uint64_t> ack = TakeSeq(line);
  if (!ack) return std::nullopt;
  bool accepted;
  constexpr std::string_view kTrue = R"(,"accepted":true,"seq":)";
  constexpr std::string_view kFalse = R"(,"accepted":false,"seq":)";
  if (line.starts_with(kTrue)) {
    accepted = true;
    line.remove_prefix(kTrue.size());
  } else if (line.starts_with(kFalse)) {
    accepted = false;
    line.remove_prefix(kFalse.size());
  } else {
    return std::nullopt;
  }
  if (!TakeSeq(line) || line != "}") return std::nullopt;
  return WorkerMessage{WorkerMessage::Kind::kNewConnReply, Json(), *ack, accepted};
}

Result<WorkerMessage> ParseWorkerLine(std::string_view line) {
  if (line == kHandleAckLine) return WorkerMessage{WorkerMessage::Kind::kHandleAck, Json()};
  if (auto reply = ParseNewConnReply(line)) return std::move(*reply);
  bool too_deep = false;
  Json v = ParseJsonWithinDepth(line, &too_deep);
  if (too_deep) return Status::Error(fmt::format("a message nested deeper than {} levels ({} bytes)", kMaxJsonDepth, line.size()));
  if (v.is_discarded()) {
    return Status::Error(fmt::format("malformed JSON ({} bytes: {:.80})", line.size(), line));
  }
  if (!IsNodeInternal(v)) return WorkerMessage{WorkerMessage::Kind::kUser, std::move(v)};
  const std::string& cmd = v["cmd"].get_ref<const std::string&>();
  if (cmd == "NODE_HANDLE_ACK") return WorkerMessage{WorkerMessage::Kind::kHandleAck, Json()};
  if (cmd == "NODE_HANDLE_NACK") return WorkerMessage{WorkerMessage::Kind::kHandleNack, Json()};
  if (cmd == "NODE_COHORT_ACCEPTED") {
    auto ack = v.find("ack");
    if (ack != v.end() && ack->is_number_unsigned()) {
      return WorkerMessage{WorkerMessage::Kind::kHookAccepted, Json(), ack->get<uint64_t>(), true};
    }
    return WorkerMessage{WorkerMessage::Kind::kInternal, std::move(v)};
  }
  if (cmd == "NODE_CLUSTER") {
    auto ack = v.find("ack");
    auto accepted = v.find("accepted");
    if (ack != v.end() && ack->is_number_unsigned() && accepted != v.end()) {
      return WorkerMessage{WorkerMessage::Kind::kNewConnReply, Json(), ack->get<uint64_t>(),
                           accepted->is_boolean() && accepted->get<bool>()};
    }
    return WorkerMessage{WorkerMessage::Kind::kCluster, std::move(v)};
  }
  if (cmd == "NODE_HANDLE") {
    auto msg = v.find("msg");
    if (msg == v.end()) return Status::Error("NODE_HANDLE without msg");
    return WorkerMessage{WorkerMessage::Kind::kHandle, std::move(*msg)};
  }
  return WorkerMessage{WorkerMessage::Kind::kInternal, std::move(v)};
}

std::string ToLine(const Json& value) {
  std::string s = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  s.push_back('\n');
  return s;
}

std::string ClusterLine(Json fields, uint64_t seq) {
  fields["cmd"] = "NODE_CLUSTER";
  fields["seq"] = seq;
  return ToLine(fields);
}

std::string HandleLine(Json fields, uint64_t seq, const char* type) {
  fields["cmd"] = "NODE_CLUSTER";
  fields["seq"] = seq;
  return ToLine(Json{{"cmd", "NODE_HANDLE"}, {"type", type}, {"msg", std::move(fields)}});
}

std::string NewConnLine(const std::string& key_json, uint64_t seq) {
  std::string s;
  s.reserve(std::max<size_t>(kNewConnLineSize, 96 + key_json.size()));
  s += kNewConnPrefix;
  s += key_json;
  s += R"(,"seq":)";
  s += std::to_string(seq);
  s += "}}";
  if (s.size() < kNewConnLineSize - 1) s.append(kNewConnLineSize - 1 - s.size(), ' ');
  s += '\n';
  return s;
}

std::string ServerKey(const Json& q) {
  return fmt::format("{}:{}:{}:{}:{}", JsString(q, "address"), JsString(q, "port"),
                     JsString(q, "addressType"), JsString(q, "fd"), JsString(q, "index"));
}

}  // namespace cohort
