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
  // Set by cohort for its own workers only, and removed here, so that Node
  // programs this worker starts (which inherit its node options, this hook
  // included) leave a cluster of their own to Node's protocol.
  const ours = process.env.COHORT_HANDOFF_HOOK === '1';
  delete process.env.COHORT_HANDOFF_HOOK;
  if (!ours || !cluster.isWorker || typeof cluster._getServer !== 'function') return;
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
  // Node's JSON framing keeps a partial line here between reads; from now on
  // it only ever gets whole lines, so it must not hold one already.
  const kJSONBuffer = symbol(channel, 'kJSONBuffer');
  if (!kJSONBuffer || channel[kJSONBuffer] !== '' || typeof channel.useUserBuffer !== 'function') return;

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

  // The channel is read LINE bytes at a time: the primary pads every newconn
  // line to that size (node_protocol.h), so a read is one whole line with its
  // connection, and libuv, which reads again only after a full buffer, takes
  // every connection waiting on the channel in one turn of the event loop.
  // Anything else comes in pieces and is put back together here; each whole
  // line goes on to Node's own reader alone, with its connection if it has
  // one (connections and the NODE_HANDLE lines they came for are in the
  // same order on the channel).
  const LINE = 256;
  const HANDLE = '{"cmd":"NODE_HANDLE",';
  const NEWCONN = '{"cmd":"NODE_HANDLE","type":"net.Native","msg":{"cmd":"NODE_CLUSTER","act":"newconn","key":';
  const MSG_AT = NEWCONN.indexOf('{"cmd":"NODE_CLUSTER"');
  const buffer = new Uint8Array(LINE);
  const decoder = new TextDecoder();
  const received = [];  // connections whose NODE_HANDLE line has not ended yet
  let pieces = [];      // the start of a line that did not fit in the reads so far
  let acks = '';        // confirmations, written once per batch of reads
  let flushing = false;
  const noop = () => {};

  function flushAcks() {
    flushing = false;
    if (!acks) return;
    const req = new WriteWrap();
    req.oncomplete = noop;
    channel.writeUtf8String(req, acks);
    acks = '';
  }

  // A newconn line (`text`, padding and newline included) given to its
  // server with `connection`, or false when Node's path must decide.
  function take(text, connection) {
    if (!process.connected || !text.startsWith(NEWCONN)) return false;
    let msg;
    try { msg = JSON.parse(text.slice(MSG_AT, text.lastIndexOf('}'))); } catch { return false; }
    if (typeof msg.seq !== 'number' || typeof msg.key !== 'string') return false;
    const entry = servers.get(msg.key);
    if (!entry) return false;
    const { server, handle } = entry;
    if (server._handle !== handle || typeof handle.onconnection !== 'function') return false;
    // What Node's cluster worker checks before it accepts.
    if (server.maxConnections && server._connections >= server.maxConnections) return false;
    // Confirmed before the connection can be read from: its first read is
    // in a later turn, after this one's confirmations are written.
    acks += `{"cmd":"NODE_COHORT_ACCEPTED","ack":${msg.seq}}\n`;
    if (!flushing) {
      flushing = true;
      setImmediate(flushAcks);
    }
    handle.onconnection(0, connection);
    return true;
  }

  // One whole line (newline included) through Node's own reader.
  function toNode(bytes, connection) {
    flushAcks();  // Node's replies to earlier handles must not overtake ours
    const copy = new ArrayBuffer(bytes.length);
    new Uint8Array(copy).set(bytes);
    streamBaseState[kArrayBufferOffset] = 0;
    streamBaseState[kReadBytesOrError] = bytes.length;
    channel.pendingHandle = connection;
    onread.call(channel, copy);
  }

  function line(bytes) {
    let connection = null;
    if (bytes.length >= HANDLE.length && decoder.decode(bytes.subarray(0, HANDLE.length)) === HANDLE) {
      connection = received.length ? received.shift() : null;
      if (connection && take(decoder.decode(bytes), connection)) return;
    }
    toNode(bytes, connection);
  }

  // An exception from the app (a 'connection' listener) is thrown again
  // after the read is dealt with, so the pieces stay in step with the channel.
  function lineOrLater(bytes) {
    try {
      line(bytes);
    } catch (e) {
      process.nextTick(() => { throw e; });
    }
  }

  function consume(nread) {
    const bytes = buffer.subarray(0, nread);
    let start = 0;
    for (let nl; (nl = bytes.indexOf(10, start)) >= 0; start = nl + 1) {
      if (pieces.length) {
        pieces.push(bytes.subarray(start, nl + 1));
        const whole = Buffer.concat(pieces);
        pieces = [];
        lineOrLater(whole);
      } else {
        lineOrLater(bytes.subarray(start, nl + 1));
      }
    }
    if (start < nread) pieces.push(bytes.slice(start));  // a copy: the buffer is reused
  }

  const onread = channel.onread;
  channel.useUserBuffer(buffer);
  channel.onread = function () {
    const nread = streamBaseState[kReadBytesOrError];
    const connection = channel.pendingHandle;
    channel.pendingHandle = null;
    if (connection) received.push(connection);
    if (nread > 0) return consume(nread);
    // libuv found the channel empty after a full read: the batch is over,
    // confirm it now rather than after the rest of this turn's work.
    if (nread === 0) return flushAcks();
    // The channel ended (the primary is gone) or failed: Node disconnects.
    flushAcks();
    for (const c of received.splice(0)) c.close();
    pieces = [];
    return onread.call(this, undefined);
  };
})();
)JS";
}

}  // namespace cohort
