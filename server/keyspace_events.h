// The server's KeyspaceObserver: turns the keyspace's change signals into WATCH invalidation
// (WatchedKeys) and ready keys for blocked clients (BlockedClients).
// Loop thread only.
#pragma once

#include <string_view>

#include "engine/keyspace.h"

namespace keel::server {

class BlockedClients;
class WatchedKeys;

class KeyspaceEvents final : public engine::KeyspaceObserver {
 public:
  // Both must outlive this.
  KeyspaceEvents(WatchedKeys* watched, BlockedClients* blocked)
      : watched_(watched), blocked_(blocked) {}

  void OnKeyExpired(engine::Db& db, std::string_view key) override;
  void OnKeyModified(engine::Db& db, std::string_view key) override;
  void OnKeyAdded(engine::Db& db, std::string_view key, engine::ObjType type) override;
  void OnDbFlushing(engine::Db& db) override;
  void OnDbsSwapped(engine::Db& a, engine::Db& b) override;

 private:
  WatchedKeys* watched_;
  BlockedClients* blocked_;
};

}  // namespace keel::server
