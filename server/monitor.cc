// MONITOR's line format and argument redaction, byte for byte as Redis 7.0's
// replicationFeedMonitors and redactClientCommandArgument produce them.
#include "server/monitor.h"

#include <algorithm>
#include <cstdio>

#include "engine/command.h"
#include "engine/parse.h"
#include "formats/split_args.h"
#include "server/config.h"

namespace keel::server {

std::string FormatMonitorLine(int64_t unix_us, int db, std::string_view peer,
                              std::span<const std::string_view> args) {
  char head[96];
  int n = std::snprintf(head, sizeof(head), "+%lld.%06lld [%d ",
                        static_cast<long long>(unix_us / 1000000),
                        static_cast<long long>(unix_us % 1000000), db);
  std::string line;
  size_t size = static_cast<size_t>(n) + peer.size() + 4;
  for (std::string_view a : args) size += a.size() + 3;
  line.reserve(size);
  line.append(head, static_cast<size_t>(n));
  line.append(peer);
  line.append("] ");
  for (size_t i = 0; i < args.size(); ++i) {
    if (i != 0) line.push_back(' ');
    formats::AppendRepr(&line, args[i]);
  }
  line.append("\r\n");
  return line;
}

std::vector<bool> RedactedArguments(const engine::CommandSpec& cmd,
                                    std::span<const std::string_view> args,
                                    const ConfigStore& config) {
  using engine::EqualsIgnoreCase;
  const std::string_view name = cmd.name;
  const bool is_config_set = name == "set" && cmd.parent != nullptr && cmd.parent->name == "config";
  if (name != "auth" && name != "hello" && !is_config_set) return {};
  std::vector<bool> hidden(args.size(), false);
  bool any = false;
  auto hide = [&](size_t i) {
    if (i < hidden.size()) hidden[i] = any = true;
  };
  if (name == "auth") {
    // The password, and the user name with it; a malformed AUTH (more than two arguments) is
    // refused before Redis redacts anything.
    if (args.size() <= 3) {
      for (size_t i = 1; i < args.size(); ++i) hide(i);
    }
  } else if (name == "hello") {
    // Redis redacts while it parses the options, so only an AUTH it reaches is hidden: not after a
    // bad protocol version, and not past an option it refuses.
    size_t i = 1;
    if (args.size() >= 2) {
      auto ver = engine::ParseInt64(args[1]);
      if (!ver || *ver < 2 || *ver > 3) return {};
      i = 2;
    }
    for (; i < args.size(); ++i) {
      size_t more = args.size() - 1 - i;
      if (EqualsIgnoreCase(args[i], "AUTH") && more >= 2) {
        hide(i + 1);
        hide(i + 2);
        i += 2;
      } else if (EqualsIgnoreCase(args[i], "SETNAME") && more >= 1) {
        i += 1;
      } else {
        break;
      }
    }
  } else {
    // CONFIG SET walks every pair, even past an unknown or refused one, so that no sensitive value
    // escapes; an odd argument count is a syntax error before any of that.
    if (args.size() % 2 == 0) {
      for (size_t i = 2; i + 1 < args.size(); i += 2) {
        if (config.IsSensitive(args[i])) hide(i + 1);
      }
    }
  }
  if (!any) return {};
  return hidden;
}

void MonitorList::Remove(const Client* client) {
  clients_.erase(std::remove(clients_.begin(), clients_.end(), client), clients_.end());
}

bool MonitorList::Contains(const Client* client) const {
  return std::find(clients_.begin(), clients_.end(), client) != clients_.end();
}

}  // namespace keel::server
