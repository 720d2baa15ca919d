// Argument parsing with Redis's exact rules (string2ll, string2ld) and number formatting that
// matches Redis's replies byte for byte.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace keel::engine {

// Redis's string2ll: optional '-', digits, no spaces, no '+', no leading zeros (except "0"),
// no overflow. Returns nullopt when the text is not such an integer.
std::optional<int64_t> ParseInt64(std::string_view s);

// Redis's string2ld / getLongDoubleFromObject: strtold over the whole string, no leading space,
// NaN rejected. Returns nullopt when invalid.
std::optional<long double> ParseLongDouble(std::string_view s);

// Redis's getDoubleFromObject rules (strtod, whole string, no leading space, NaN rejected).
std::optional<double> ParseDouble(std::string_view s);

// Redis's ld2string in LD_STR_HUMAN mode ("%.17Lf" with trailing zeros trimmed), as INCRBYFLOAT
// replies and stores. Returns an empty string for inf/nan (callers reject those first).
std::string FormatLongDouble(long double v);

// Case-insensitive ASCII comparison, for option keywords.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace keel::engine
