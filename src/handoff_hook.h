// The handoff hook: a small CommonJS module cohort preloads into Node workers
// (node --require; installed with InstallNodePreload) under the schedulers
// that hand connections to workers (everything but --scheduler shared).
//
// Node's worker takes each connection the primary hands it through a long
// path: the channel's read is parsed as JSON by a generator, the handle
// message goes through two process.nextTick hops and two 'internalMessage'
// emits, and the worker writes two replies (NODE_HANDLE_ACK, then the
// cluster's {ack, accepted}), each JSON.stringify'd and written on its own.
// For a small request that is about a tenth of the worker's CPU.
//
// The hook recognises a read that is exactly one newconn line with its
// connection (the common case: Linux never merges an fd-carrying message
// with another one into a read), checks what Node's cluster worker would
// check (the server still listens under that key, maxConnections not
// reached), writes one line, {"cmd":"NODE_COHORT_ACCEPTED","ack":<seq>},
// which stands for both of Node's replies, and gives the connection to the
// server at once, as Node does for a connection it accepted itself.
// Anything else (another message in the read, a closed server, a refusal, a
// Node whose internals differ) takes Node's own path, unchanged.
#pragma once

#include <string_view>

namespace cohort {

std::string_view HandoffHookSource();

}  // namespace cohort
