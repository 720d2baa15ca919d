// Glob-style pattern matching as Redis's KEYS, SCAN MATCH, CONFIG GET and PSUBSCRIBE use it:
// '*', '?', '[abc]', '[^a-z]', '\' escapes. Bounded: time O(len(pattern) * len(string)) and no
// recursion, so pathological patterns such as "*a*a*a*a*b" cannot stall the server (N15).
#pragma once

#include <string_view>

namespace keel::engine {

bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase = false);

}  // namespace keel::engine
