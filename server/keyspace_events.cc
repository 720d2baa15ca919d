// Keyspace signals to WATCH and blocking, in Redis's terms: signalModifiedKey -> touchWatchedKey,
// dbAdd -> signalKeyAsReady, FLUSHDB/SWAPDB -> touchAllWatchedKeysInDb and
// scanDatabaseForReadyKeys.
#include "server/keyspace_events.h"

#include "server/aof.h"
#include "server/blocking.h"
#include "server/transaction.h"

namespace keel::server {

void KeyspaceEvents::OnKeyExpired(engine::Db& db, std::string_view key) {
  // Told before the entry is freed, but the key is as good as gone.
  watched_->Touch(db, key, /*deleted=*/true);
  // Replay never expires keys: the log says when they went (Redis's propagateDeletion).
  aof_->Append(db.index(), std::initializer_list<std::string_view>{"DEL", key});
}

void KeyspaceEvents::OnKeyEvicted(engine::Db& db, std::string_view key) {
  aof_->Append(db.index(), std::initializer_list<std::string_view>{"DEL", key});
}

void KeyspaceEvents::OnKeyModified(engine::Db& db, std::string_view key) {
  watched_->Touch(db, key, /*deleted=*/false);
}

void KeyspaceEvents::OnKeyAdded(engine::Db& db, std::string_view key, engine::ObjType type) {
  // Only lists, sorted sets (and streams) can serve a blocked client; the serving loop checks
  // each client's wanted type against the key's type at that time.
  if (type == engine::ObjType::kList || type == engine::ObjType::kZSet ||
      type == engine::ObjType::kStream) {
    blocked_->SignalKeyAsReady(db.index(), key);
  }
}

void KeyspaceEvents::OnDbFlushing(engine::Db& db) {
  watched_->TouchAllInDb(db.index(), db, nullptr);
}

void KeyspaceEvents::OnDbsSwapped(engine::Db& a, engine::Db& b) {
  // Called after the swap: the keys watched in `a` used to live in what is now `b`, and `a` holds
  // what `b` held. Clients stay on their db index, so their watches and blocks stay too.
  watched_->TouchAllInDb(a.index(), b, &a);
  watched_->TouchAllInDb(b.index(), a, &b);
  blocked_->SignalDbSwapped(a.index());
  blocked_->SignalDbSwapped(b.index());
}

}  // namespace keel::server
