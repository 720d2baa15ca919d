// Runs engine commands without a network, for unit tests: a keyspace on a manual clock, the
// engine's command table, and a Run() that returns the raw RESP reply and records what the AOF
// would log for the command (logged()).
#pragma once

#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "engine/command.h"
#include "engine/commands.h"
#include "engine/keyspace.h"
#include "io/clock.h"

namespace keel::engine::testing {

class CommandHarness {
 public:
  explicit CommandHarness(int num_dbs = 16) : ks_(num_dbs, &clock_) {
    RegisterEngineCommands(table_);
  }

  // Executes one command (arity checked as the dispatcher does) and returns its RESP reply.
  std::string Run(std::initializer_list<std::string_view> args) {
    return Run(std::vector<std::string_view>(args));
  }
  std::string Run(const std::vector<std::string_view>& args) {
    logged_.clear();
    block_.reset();
    std::string out;
    formats::ReplyWriter reply(&out);
    const CommandSpec* cmd = table_.Find(args[0]);
    if (cmd == nullptr) {
      reply.AddError("unknown command");
      return out;
    }
    if (!cmd->subcommands.empty() && args.size() >= 2) {
      const CommandSpec* sub = cmd->FindSubcommand(args[1]);
      if (sub != nullptr) cmd = sub;
    }
    if (!ArityOk(cmd->arity, args.size())) {
      reply.AddError("wrong number of arguments for '" + cmd->FullName() + "' command");
      return out;
    }
    ks_.UpdateTime();
    CommandContext ctx;
    ctx.ks = &ks_;
    ctx.db = &ks_.db(session_.db_index);
    ctx.args = args;
    ctx.reply = &reply;
    ctx.cmd = cmd;
    ctx.session = &session_;
    ctx.may_block = may_block;
    if (ready_key) ctx.ready_key = *ready_key;
    propagation_.Clear();
    ctx.propagation = &propagation_;
    const uint64_t dirty_before = ks_.dirty;
    cmd->handler(ctx);
    block_ = std::move(ctx.block);
    if (propagation_.overridden()) {
      logged_ = propagation_.commands();
    } else if (ks_.dirty != dirty_before) {
      logged_.emplace_back(args.begin(), args.end());
    }
    return out;
  }

  // What the AOF would log for the last Run(), as the server decides it: the handler's override
  // (even when dirty did not grow, like Redis's alsoPropagate), else the command as received when
  // it made dirty grow, else nothing.
  const std::vector<std::vector<std::string>>& logged() const { return logged_; }
  // The block request the last Run() filed (with may_block set and nothing to serve).
  const std::optional<BlockRequest>& block() const { return block_; }

  // Set to run commands as the server does for a client that may block (outside MULTI), and as
  // it runs a blocked command again when `ready_key` got a value.
  bool may_block = false;
  std::optional<std::string> ready_key;

  io::ManualClock& clock() { return clock_; }
  Keyspace& ks() { return ks_; }
  CommandTable& table() { return table_; }
  SessionState& session() { return session_; }

 private:
  io::ManualClock clock_;
  Keyspace ks_;
  CommandTable table_;
  SessionState session_;
  Propagation propagation_;
  std::vector<std::vector<std::string>> logged_;
  std::optional<BlockRequest> block_;
};

// RESP helpers for expectations.
inline std::string Bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}
inline std::string Int(long long v) { return ":" + std::to_string(v) + "\r\n"; }
inline std::string Err(std::string_view msg) { return "-" + std::string(msg) + "\r\n"; }
inline const char* kOk = "+OK\r\n";
inline const char* kNil = "$-1\r\n";
// An array of replies, each already in RESP.
inline std::string Arr(std::initializer_list<std::string> items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const std::string& s : items) out += s;
  return out;
}
// A flat array of bulk strings.
inline std::string Bulks(std::initializer_list<std::string_view> items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (std::string_view s : items) out += Bulk(s);
  return out;
}
// The items of a flat RESP array of bulk strings (no nesting, no nulls).
inline std::vector<std::string> Items(const std::string& resp) {
  std::vector<std::string> out;
  size_t pos = resp.find("\r\n") + 2;
  while (pos < resp.size()) {
    if (resp[pos] != '$') throw std::runtime_error("not a bulk string at " + std::to_string(pos));
    size_t eol = resp.find("\r\n", pos);
    size_t len = std::stoul(resp.substr(pos + 1, eol - pos - 1));
    out.push_back(resp.substr(eol + 2, len));
    pos = eol + 2 + len + 2;
  }
  return out;
}
// A SCAN-family reply ("*2 $n cursor *k items...") split into its cursor and items.
struct ScanReply {
  std::string cursor;
  std::vector<std::string> items;
};
inline ScanReply ParseScanReply(const std::string& resp) {
  size_t p = resp.find("\r\n", 4);
  size_t eol = resp.find("\r\n", p + 2);
  return {resp.substr(p + 2, eol - p - 2), Items(resp.substr(eol + 2))};
}
// OBJECT ENCODING's name for the key in db 0; empty when it does not exist.
inline std::string EncodingOf(CommandHarness& h, std::string_view key) {
  const Entry* e = h.ks().db(0).Find(key);
  return e == nullptr ? "" : e->EncodingName();
}

}  // namespace keel::engine::testing
