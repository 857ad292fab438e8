// The sticky-cookie hook: a small CommonJS module that cohort preloads into
// Node workers (node --require) under --sticky cookie:NAME. When a response
// sets that cookie (a new session: express-session, koa-session, ...), the
// hook declares the cookie's value as the worker's own sticky key
// (cohort:sticky) before the response is written, so the follow-up requests
// of that session come back to the worker that holds it in memory: no app
// change. Declarations are sent before the response, so they reach the
// primary before the client can use the cookie. Installed with
// InstallNodePreload (node_preload.h).
#pragma once

#include <string_view>

namespace cohort {

std::string_view StickyCookieHookSource();

}  // namespace cohort
