// The handoff hook: a small CommonJS module cohort preloads into its Node
// workers (node --require; installed with InstallNodePreload) under the
// schedulers that hand connections to workers (everything but --scheduler
// shared). ClusterPrimary marks those workers with COHORT_HANDOFF_HOOK=1;
// the hook removes the mark at once, so Node programs the app starts
// (which inherit its node options) leave their own clusters to Node.
//
// Node's worker takes each connection the primary hands it through a long
// path: libuv returns to the event loop after every read shorter than its
// 64 KB buffer, so each handle costs a turn of the loop; the read is parsed
// by a JSON generator, the handle goes through two process.nextTick hops and
// two 'internalMessage' emits, and the worker writes two replies
// (NODE_HANDLE_ACK, then the cluster's {ack, accepted}).
//
// The hook reads the channel in 256-byte pieces (useUserBuffer) and the
// primary pads every newconn line to 256 bytes (NewConnLine), so a read is
// one line with its connection and libuv, finding its buffer full, reads
// again: every connection waiting on the channel is taken in one turn. A
// newconn line goes straight to its server after the checks Node's cluster
// worker makes (the server still listens under that key, maxConnections
// not reached); the batch's confirmations go out in one write as soon as
// libuv finds the channel empty (at the latest when the turn ends), one
// {"cmd":"NODE_COHORT_ACCEPTED","ack":<seq>} line each, which stands for
// both of Node's replies, before any of those connections can be read
// from. (The primary sees a worker that is slow to confirm as busy and
// passes it by, so confirmations must not wait for the turn's other work.)
// Other lines are put back together from the pieces and handed to Node's
// own reader one at a time, each with its connection if it is a
// NODE_HANDLE line (connections and their lines come in the same order),
// so a refusal, a message, a line of any length takes Node's path
// unchanged. The read size and the newconn prefix are node_protocol.h's
// kNewConnLineSize and kNewConnPrefix (handoff_hook_test.cc holds the
// source to them).
// Where Node's internals are not as expected, the hook does nothing.
#pragma once

#include <string_view>

namespace cohort {

std::string_view HandoffHookSource();

}  // namespace cohort
