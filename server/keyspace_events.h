// The server's KeyspaceObserver: turns the keyspace's change signals into WATCH invalidation
// (WatchedKeys) and ready keys for blocked clients (BlockedClients).
// Loop thread only.
#pragma once

#include <string_view>

#include "engine/keyspace.h"

namespace keel::server {

class Aof;
class BlockedClients;
class WatchedKeys;

class KeyspaceEvents final : public engine::KeyspaceObserver {
 public:
  // All must outlive this. Keys the keyspace removes by itself are logged to `aof` as DEL.
  KeyspaceEvents(WatchedKeys* watched, BlockedClients* blocked, Aof* aof)
      : watched_(watched), blocked_(blocked), aof_(aof) {}

  void OnKeyExpired(engine::Db& db, std::string_view key) override;
  void OnKeyEvicted(engine::Db& db, std::string_view key) override;
  void OnKeyModified(engine::Db& db, std::string_view key) override;
  void OnKeyAdded(engine::Db& db, std::string_view key, engine::ObjType type) override;
  void OnDbFlushing(engine::Db& db) override;
  void OnDbsSwapped(engine::Db& a, engine::Db& b) override;

 private:
  WatchedKeys* watched_;
  BlockedClients* blocked_;
  Aof* aof_;
};

}  // namespace keel::server
