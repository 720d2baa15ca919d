// Redis's sdssplitargs rules for splitting a line into words, shared by inline requests and
// redis.conf lines so both read quotes and escapes identically.
#include "formats/split_args.h"

namespace keel::formats {
namespace {

// C-locale isspace: what Redis skips between inline arguments and accepts after a closing quote.
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// What a backslash escape inside double quotes stands for.
char Unescape(char c) {
  switch (c) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'b':
      return '\b';
    case 'a':
      return '\a';
    default:
      return c;
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

}  // namespace

// Splits an inline line the way Redis's sdssplitargs does. Blanks (isspace) separate arguments;
// an unquoted argument ends at ' ', '\t', '\r', '\n' or the line end (so '\v' and '\f' inside it
// are kept); a quote may open mid-argument ("a\"b c\"" is one argument "ab c"). In double quotes,
// \xHH is a byte and \n \r \t \b \a are control characters, any other escaped character is itself;
// in single quotes only \' is an escape. A closing quote must be followed by a blank or the line
// end; an unclosed quote is an error.
bool SplitArgs(std::string_view line, char* out, std::vector<std::string_view>* words) {
  const size_t n = line.size();
  size_t w = 0;
  auto at = [&](size_t k) { return k < n ? line[k] : '\0'; };  // C-string lookahead
  size_t i = 0;
  for (;;) {
    while (i < n && IsSpace(line[i])) ++i;
    if (i == n) return true;
    enum class Mode { kPlain, kDouble, kSingle } mode = Mode::kPlain;
    size_t start = w;
    bool done = false;
    while (!done) {
      char c = at(i);
      if (mode == Mode::kDouble) {
        if (c == '\\' && at(i + 1) == 'x' && IsHexDigit(at(i + 2)) && IsHexDigit(at(i + 3))) {
          out[w++] = static_cast<char>(HexValue(line[i + 2]) * 16 + HexValue(line[i + 3]));
          i += 4;
        } else if (c == '\\' && i + 1 < n) {
          out[w++] = Unescape(line[i + 1]);
          i += 2;
        } else if (c == '"') {
          if (i + 1 < n && !IsSpace(line[i + 1])) return false;
          ++i;
          done = true;
        } else if (i == n) {
          return false;
        } else {
          out[w++] = c;
          ++i;
        }
      } else if (mode == Mode::kSingle) {
        if (c == '\\' && at(i + 1) == '\'') {
          out[w++] = '\'';
          i += 2;
        } else if (c == '\'') {
          if (i + 1 < n && !IsSpace(line[i + 1])) return false;
          ++i;
          done = true;
        } else if (i == n) {
          return false;
        } else {
          out[w++] = c;
          ++i;
        }
      } else if (i == n) {
        done = true;
      } else {
        switch (c) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
            done = true;
            break;
          case '"':
            mode = Mode::kDouble;
            break;
          case '\'':
            mode = Mode::kSingle;
            break;
          default:
            out[w++] = c;
            break;
        }
        ++i;
      }
    }
    words->emplace_back(out + start, w - start);
  }
}

void AppendRepr(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char ch : s) {
    switch (ch) {
      case '\\':
      case '"':
        out->push_back('\\');
        out->push_back(ch);
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\a':
        out->append("\\a");
        break;
      case '\b':
        out->append("\\b");
        break;
      default: {
        // isprint() in the "C" locale, which Redis never changes for LC_CTYPE.
        auto byte = static_cast<unsigned char>(ch);
        if (byte >= 0x20 && byte <= 0x7e) {
          out->push_back(ch);
        } else {
          out->append("\\x");
          out->push_back(kHex[byte >> 4]);
          out->push_back(kHex[byte & 15]);
        }
      }
    }
  }
  out->push_back('"');
}

}  // namespace keel::formats
