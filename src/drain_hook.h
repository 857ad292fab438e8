// The drain hook: a small CommonJS module cohort preloads into every Node
// worker (node --require; installed with InstallNodePreload). When cohort
// asks a worker to leave (rolling reload, scale down, stop: Node's cluster
// `disconnect`), Node 20 closes the worker's servers, which destroys idle
// keep-alive connections at once (a request the client is sending at that
// moment meets a closed socket) and lets busy ones go on serving keep-alive
// until the worker is killed (a reset for each). With the hook, every
// response from then on carries `Connection: close` (Node closes the
// connection after it, and the client opens a new one, to another worker),
// and connections still idle after a grace period are closed then. See
// RELIABILITY.md for what remains.
#pragma once

#include <string_view>

namespace cohort {

std::string_view DrainHookSource();

}  // namespace cohort
