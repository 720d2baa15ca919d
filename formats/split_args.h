// Splitting a line into words with Redis's sdssplitargs rules (quotes, \xHH and backslash escapes),
// as inline requests and redis.conf lines use them. Pure code over bytes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace keel::formats {

// Appends the words of `line` to `*words`; their bytes are written back to back into `out`, which
// must hold at least line.size() bytes and outlive the views. Returns false when a quote is
// unbalanced or a closing quote is not followed by a blank. The whole line is read, NUL bytes
// included; callers with C-string semantics cut the line at its first NUL first.
bool SplitArgs(std::string_view line, char* out, std::vector<std::string_view>* words);

// Appends `s` quoted as Redis's sdscatrepr writes it ("..." with \n \r \t \a \b \\ \" escaped
// and other bytes outside 0x20-0x7e as \xHH), which SplitArgs reads back.
void AppendRepr(std::string* out, std::string_view s);

}  // namespace keel::formats
