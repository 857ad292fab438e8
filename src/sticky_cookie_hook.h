// The sticky-cookie hook: a small CommonJS module that cohort preloads into
// Node workers (node --require) under --sticky cookie:NAME. When a response
// sets that cookie (a new session: express-session, koa-session, ...), the
// hook declares the cookie's value as the worker's own sticky key
// (cohort:sticky) before the response is written, so the follow-up requests
// of that session come back to the worker that holds it in memory: no app
// change. Declarations are sent before the response, so they reach the
// primary before the client can use the cookie.
#pragma once

#include <string>
#include <string_view>

#include "status.h"

namespace cohort {

std::string_view StickyCookieHookSource();
// Writes the hook to <home>/lib/ (once per content) and returns its path.
Result<std::string> InstallStickyCookieHook(const std::string& home);

}  // namespace cohort
