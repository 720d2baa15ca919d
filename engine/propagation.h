// What a command logs to the append-only file (Redis's command propagation).
//
// After a command changed the dataset (Keyspace::dirty grew), the server logs it as it was
// received, in the database the client had selected. A handler whose arguments do not determine
// its effect says instead what replays it exactly, through CommandContext::propagation (Redis's
// rewriteClientCommandVector, alsoPropagate and preventCommandPropagation):
//   - relative expiries become absolute: SET k v EX 10 -> SET k v PXAT <ms>; EXPIRE k 10 ->
//     PEXPIREAT k <ms>; an expiry in the past deletes: DEL k; GETEX EX -> PEXPIREAT, GETEX
//     PERSIST -> PERSIST; RESTORE with a relative TTL gets an absolute one and ABSTTL;
//   - random or floating-point results become what they produced: SPOP -> SREM (DEL when the set
//     is gone), INCRBYFLOAT -> SET k <value> KEEPTTL, HINCRBYFLOAT -> HSET k f <value>, GETDEL
//     -> DEL;
//   - blocking forms become non-blocking ones: BLPOP -> LPOP, BLMOVE -> LMOVE, BZPOPMIN ->
//     ZPOPMIN, BLMPOP -> LPOP/RPOP with a count, ...
// Keys deleted by expiry or eviction are logged as DEL by the server itself.
// Loop thread only.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace keel::engine {

class Propagation {
 public:
  // Logs `args` instead of the received command (drops anything set before).
  void Replace(std::initializer_list<std::string_view> args) {
    Clear();
    Add(args);
  }
  void Replace(std::vector<std::string> args) {
    Clear();
    Add(std::move(args));
  }
  // Logs `args` too, after the commands set so far. The first call replaces the received command:
  // once overridden, exactly commands() is logged, in order (the server wraps several in
  // MULTI/EXEC, as Redis does).
  void Add(std::initializer_list<std::string_view> args) {
    overridden_ = true;
    commands_.emplace_back(args.begin(), args.end());
  }
  void Add(std::vector<std::string> args) {
    overridden_ = true;
    commands_.push_back(std::move(args));
  }
  // Logs nothing for this command even though it changed the dataset.
  void LogNothing() {
    Clear();
    overridden_ = true;
  }

  bool overridden() const { return overridden_; }
  const std::vector<std::vector<std::string>>& commands() const { return commands_; }
  // The server resets it before each command.
  void Clear() {
    commands_.clear();
    overridden_ = false;
  }

 private:
  std::vector<std::vector<std::string>> commands_;
  bool overridden_ = false;
};

}  // namespace keel::engine
