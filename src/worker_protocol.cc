#include "worker_protocol.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <utility>

namespace cohort::channel {
namespace {

using nlohmann::json;

struct TypeName {
  FromWorker::Type type;
  std::string_view name;
};
constexpr TypeName kWorkerTypes[] = {
    {FromWorker::Type::kAccepted, "accepted"}, {FromWorker::Type::kRefused, "refused"},
    {FromWorker::Type::kReady, "ready"},       {FromWorker::Type::kStatus, "status"},
    {FromWorker::Type::kStopping, "stopping"}, {FromWorker::Type::kWatchdog, "watchdog"},
    {FromWorker::Type::kMessage, "message"},   {FromWorker::Type::kBroadcast, "broadcast"},
    {FromWorker::Type::kSticky, "sticky"},     {FromWorker::Type::kLeave, "leave"},
};

std::string_view NameOf(FromWorker::Type type) {
  for (const TypeName& t : kWorkerTypes) {
    if (t.type == type) return t.name;
  }
  return "unknown";
}

// Never throws: invalid UTF-8 in strings is replaced.
std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// "type" first in every line (nlohmann would sort the keys), for people reading them.
std::string TypedLine(std::string_view type, const char* field, const json& value) {
  return std::string(R"({"type":")") + std::string(type) + "\",\"" + field + "\":" + Dump(value) + "}\n";
}

// The object and its "type", or why the line is not a protocol line.
Result<std::pair<json, std::string>> ParseObject(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  bool too_deep = false;
  json j = ParseJsonWithinDepth(line, &too_deep);
  if (too_deep) return Status::Error("a line nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  if (j.is_discarded()) return Status::Error("a line that is not JSON");
  if (!j.is_object()) return Status::Error(std::string("a JSON ") + j.type_name() + " instead of an object");
  auto type = j.find("type");
  if (type == j.end() || !type->is_string()) return Status::Error("an object without a string \"type\"");
  std::string name = type->get<std::string>();
  return std::make_pair(std::move(j), std::move(name));
}

Result<uint64_t> IdOf(const json& j, std::string_view type) {
  auto id = j.find("id");
  if (id == j.end() || !id->is_number_unsigned()) {
    return Status::Error(std::string(type) + " without a numeric \"id\"");
  }
  return id->get<uint64_t>();
}

Result<json> DataOf(const json& j, std::string_view type) {
  auto data = j.find("data");
  if (data == j.end()) return Status::Error(std::string(type) + " without \"data\"");
  return *data;
}

Result<std::string> StringField(const json& j, const char* field, std::string_view type) {
  auto v = j.find(field);
  if (v == j.end() || !v->is_string()) {
    return Status::Error(std::string(type) + " without a string \"" + field + "\"");
  }
  return v->get<std::string>();
}

// json::value() throws on a wrong type; this does not.
std::string StringOr(const json& j, const char* field) {
  auto v = j.find(field);
  return v != j.end() && v->is_string() ? v->get<std::string>() : std::string();
}

Peer PeerOf(const json& j) {
  Peer p;
  auto peer = j.find("peer");
  if (peer == j.end() || !peer->is_object()) return p;
  p.family = StringOr(*peer, "family");
  p.address = StringOr(*peer, "address");
  auto port = peer->find("port");
  if (port != peer->end() && port->is_number_integer()) {
    int64_t n = port->get<int64_t>();
    if (n >= 0 && n <= 65535) p.port = static_cast<int>(n);
  }
  return p;
}

}  // namespace

Peer PeerFromSockaddr(const sockaddr_storage& ss) {
  Peer p;
  char text[INET6_ADDRSTRLEN] = "";
  if (ss.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
    p.family = "IPv4";
    p.address = ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text) ? text : "";
    p.port = ntohs(in->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    p.family = "IPv6";
    p.address = ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text) ? text : "";
    p.port = ntohs(in6->sin6_port);
  } else if (ss.ss_family == AF_UNIX) {
    p.family = "unix";
  }
  return p;
}

// The hot path: a confirmation exactly as ConfirmLine writes it, without a
// JSON tree. Anything else (spaces, more fields, leading zeros) takes the
// general path, which gives the same answer.
std::optional<FromWorker> ParseConfirmation(std::string_view line) {
  constexpr std::string_view kAccepted = R"({"type":"accepted","id":)";
  constexpr std::string_view kRefused = R"({"type":"refused","id":)";
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  bool accepted = line.starts_with(kAccepted);
  if (!accepted && !line.starts_with(kRefused)) return std::nullopt;
  std::string_view digits = line.substr(accepted ? kAccepted.size() : kRefused.size());
  if (digits.size() < 2 || digits.back() != '}') return std::nullopt;
  digits.remove_suffix(1);
  if (digits[0] == '0' && digits.size() > 1) return std::nullopt;
  FromWorker m;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), m.id);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  m.type = accepted ? FromWorker::Type::kAccepted : FromWorker::Type::kRefused;
  return m;
}

Result<FromWorker> ParseFromWorker(std::string_view line) {
  if (std::optional<FromWorker> fast = ParseConfirmation(line)) return std::move(*fast);
  Result<std::pair<json, std::string>> parsed = ParseObject(line);
  if (!parsed.ok()) return parsed.status();
  const auto& [j, name] = *parsed;
  FromWorker m;
  m.type = FromWorker::Type::kUnknown;
  for (const TypeName& t : kWorkerTypes) {
    if (t.name == name) m.type = t.type;
  }
  switch (m.type) {
    case FromWorker::Type::kAccepted:
    case FromWorker::Type::kRefused: {
      Result<uint64_t> id = IdOf(j, name);
      if (!id.ok()) return id.status();
      m.id = *id;
      break;
    }
    case FromWorker::Type::kStatus:
    case FromWorker::Type::kSticky: {
      Result<std::string> s = StringField(j, m.type == FromWorker::Type::kStatus ? "text" : "key", name);
      if (!s.ok()) return s.status();
      m.text = std::move(*s);
      if (m.type == FromWorker::Type::kSticky && (m.text.empty() || m.text.size() > kMaxStickyKey)) {
        return Status::Error("sticky with a key that is empty or over 4096 bytes");
      }
      break;
    }
    case FromWorker::Type::kMessage:
    case FromWorker::Type::kBroadcast: {
      Result<json> data = DataOf(j, name);
      if (!data.ok()) return data.status();
      m.data = std::move(*data);
      break;
    }
    case FromWorker::Type::kUnknown:
      m.text = name;
      break;
    default:
      break;
  }
  return m;
}

Result<FromPrimary> ParseFromPrimary(std::string_view line) {
  Result<std::pair<json, std::string>> parsed = ParseObject(line);
  if (!parsed.ok()) return parsed.status();
  const auto& [j, name] = *parsed;
  FromPrimary m;
  if (name == "connection") {
    m.type = FromPrimary::Type::kConnection;
    Result<uint64_t> id = IdOf(j, name);
    if (!id.ok()) return id.status();
    m.id = *id;
    m.listener = StringOr(j, "listener");
    m.peer = PeerOf(j);
  } else if (name == "message") {
    m.type = FromPrimary::Type::kMessage;
    Result<json> data = DataOf(j, name);
    if (!data.ok()) return data.status();
    m.data = std::move(*data);
  } else if (name == "leave") {
    m.type = FromPrimary::Type::kLeave;
  }
  return m;
}

std::string ConnectionLine(uint64_t id, std::string_view listener, const Peer& peer) {
  // The hot path: built by hand, only the strings go through the encoder.
  std::string line = R"({"type":"connection","id":)";
  line += std::to_string(id);
  line += R"(,"listener":)";
  line += Dump(json(std::string(listener)));
  line += R"(,"peer":{"family":)";
  line += Dump(json(peer.family));
  line += R"(,"address":)";
  line += Dump(json(peer.address));
  line += R"(,"port":)";
  line += std::to_string(peer.port);
  line += "}}\n";
  return line;
}

std::string MessageLine(const json& data) { return TypedLine("message", "data", data); }

std::string LeaveLine() { return "{\"type\":\"leave\"}\n"; }

std::string ConfirmLine(uint64_t id, bool accepted) {
  return std::string(accepted ? R"({"type":"accepted","id":)" : R"({"type":"refused","id":)") +
         std::to_string(id) + "}\n";
}

std::string SignalLine(FromWorker::Type type) {
  return std::string(R"({"type":")") + std::string(NameOf(type)) + "\"}\n";
}

std::string StatusLine(std::string_view text) { return TypedLine("status", "text", json(std::string(text))); }

std::string StickyLine(std::string_view key) { return TypedLine("sticky", "key", json(std::string(key))); }

std::string DataLine(FromWorker::Type type, const json& data) { return TypedLine(NameOf(type), "data", data); }

}  // namespace cohort::channel
