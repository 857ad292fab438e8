#include "handoff_hook.h"

namespace cohort {

std::string_view HandoffHookSource() {
  return R"JS('use strict';
// Preloaded by cohort into Node workers: a connection the primary hands this
// worker goes to its server in one step and is confirmed with one line,
// instead of through Node's generic handle-passing path. Whatever this hook
// does not recognise takes Node's path, unchanged.
const cluster = require('cluster');
(function install() {
  if (!cluster.isWorker || typeof cluster._getServer !== 'function') return;
  const mode = process.env.NODE_CHANNEL_SERIALIZATION_MODE;
  if (mode !== undefined && mode !== 'json') return;
  // process.binding warns under --pending-deprecation: leave such apps alone.
  if (process.env.NODE_PENDING_DEPRECATION === '1' || process.execArgv.includes('--pending-deprecation')) return;
  let binding;
  try { binding = process.binding('stream_wrap'); } catch { return; }
  const { WriteWrap, streamBaseState, kReadBytesOrError, kArrayBufferOffset } = binding;
  const symbol = (obj, name) => Object.getOwnPropertySymbols(obj).find((s) => s.description === name);
  const channelSymbol = symbol(process, 'kChannelHandle');
  const channel = channelSymbol && process[channelSymbol];
  if (!channel || typeof channel.onread !== 'function' || typeof channel.writeUtf8String !== 'function' ||
      typeof WriteWrap !== 'function' || !streamBaseState) return;
  // Node's JSON framing keeps a partial line and a partial UTF-8 character
  // here between reads; a read is only taken whole when both are empty.
  const kJSONBuffer = symbol(channel, 'kJSONBuffer');
  const kStringDecoder = symbol(channel, 'kStringDecoder');
  if (!kJSONBuffer || !kStringDecoder) return;

  // Round-robin servers by the key the primary gave them: the key comes in
  // the queryServer reply, which reaches the listener below just before
  // cluster's own listener calls back into _getServer.
  const servers = new Map();  // key -> { server, handle }
  let reply = null;
  process.prependListener('internalMessage', (m) => { reply = m; });
  const getServer = cluster._getServer;
  cluster._getServer = function (obj, options, cb) {
    return getServer.call(this, obj, options, function (err, handle) {
      const r = reply;
      reply = null;
      // Round-robin handles are plain objects (shared ones are native).
      if (!err && handle && r && typeof r.key === 'string' && Object.getPrototypeOf(handle) === Object.prototype &&
          typeof handle.close === 'function') {
        const key = r.key;
        const entry = { server: obj, handle };
        servers.set(key, entry);
        const close = handle.close;
        handle.close = function () {
          if (servers.get(key) === entry) servers.delete(key);
          return close.apply(this, arguments);
        };
      }
      return cb.apply(this, arguments);
    });
  };

  const NEWCONN = '{"cmd":"NODE_HANDLE","type":"net.Native","msg":{"cmd":"NODE_CLUSTER","act":"newconn","key":';
  const MSG_AT = NEWCONN.indexOf('{"cmd":"NODE_CLUSTER"');
  const decoder = new TextDecoder();
  const noop = () => {};

  // The read (a newconn line and its connection) given to its server, or false.
  function take(arrayBuffer, connection) {
    if (!process.connected || channel[kJSONBuffer] !== '') return false;
    const partial = channel[kStringDecoder];
    if (partial !== undefined && partial.lastNeed) return false;
    const nread = streamBaseState[kReadBytesOrError];
    if (!(nread > NEWCONN.length)) return false;
    const line = decoder.decode(new Uint8Array(arrayBuffer, streamBaseState[kArrayBufferOffset], nread));
    if (!line.startsWith(NEWCONN) || line.indexOf('\n') !== line.length - 1 || !line.endsWith('}}\n')) return false;
    let msg;
    try { msg = JSON.parse(line.slice(MSG_AT, -2)); } catch { return false; }
    if (typeof msg.seq !== 'number' || typeof msg.key !== 'string') return false;
    const entry = servers.get(msg.key);
    if (!entry) return false;
    const { server, handle } = entry;
    if (server._handle !== handle || typeof handle.onconnection !== 'function') return false;
    // What Node's cluster worker checks before it accepts.
    if (server.maxConnections && server._connections >= server.maxConnections) return false;
    channel.pendingHandle = null;
    const req = new WriteWrap();
    req.oncomplete = noop;
    channel.writeUtf8String(req, `{"cmd":"NODE_COHORT_ACCEPTED","ack":${msg.seq}}\n`);
    handle.onconnection(0, connection);
    return true;
  }

  const onread = channel.onread;
  channel.onread = function (arrayBuffer) {
    const connection = channel.pendingHandle;
    if (connection && arrayBuffer && take(arrayBuffer, connection)) return;
    return onread.apply(this, arguments);
  };
})();
)JS";
}

}  // namespace cohort
