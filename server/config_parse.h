// The lexical rules of redis.conf that Keel's configuration shares with Redis 7.0: splitting a line
// into words (quotes and escapes), quoting a word back, splitting a CONFIG SET value on spaces, and
// reading byte counts with units ("512mb"). Pure functions, no state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keel::server {

// Splits one configuration line into words the way redis-server does (sdssplitargs):
// blanks separate words; "double quotes" understand \n \r \t \b \a, \xHH and \<any char>;
// 'single quotes' understand only \'; a closing quote must be followed by a blank or the end of the
// line; a quote inside an unquoted word opens a quoted part of the same word.
// Returns nullopt for unbalanced quotes (Redis: "Unbalanced quotes in configuration line").
std::optional<std::vector<std::string>> SplitConfigLine(std::string_view line);

// Quotes a word so that SplitConfigLine reads it back unchanged, as Redis's sdscatrepr does:
// "..." with \\ \" \n \r \t \a \b escaped and other non-printable bytes as \xHH.
std::string QuoteConfigWord(std::string_view word);

// Splits a CONFIG SET value of a multi-word option (bind, save, client-output-buffer-limit) on
// single spaces, as Redis does: "" gives no words, and two adjacent spaces give an empty word.
std::vector<std::string> SplitOnSpaces(std::string_view value);

// Redis's memtoull: decimal digits followed by an optional unit, case-insensitive: b, k (1000),
// kb (1024), m (1000^2), mb (1024^2), g (1000^3), gb (1024^3). A '-' sign, any other suffix or a
// product overflowing 64 bits is an error (nullopt). Quirks kept for compatibility: an empty digit
// string reads as 0 ("" and "mb" are 0), and digits that overflow saturate to UINT64_MAX.
std::optional<uint64_t> ParseMemory(std::string_view text);

// C's strtoll over the whole word (leading blanks and '+' allowed, base 10) as Redis uses it for
// save points and buffer-limit seconds: nullopt when characters remain after the number. An empty
// word reads as 0, and out-of-range values saturate, exactly as strtoll does.
std::optional<int64_t> ParseLooseInt(std::string_view text);

}  // namespace keel::server
