// The keyspace: its databases, the fork-time resize policy and the cron's table maintenance
// (Redis's databasesCron). The active expiry cycle is in expire_cycle.cc.
#include "engine/keyspace.h"

#include "engine/dict.h"

namespace keel::engine {

namespace {
constexpr int kDbsPerCall = 16;  // CRON_DBS_PER_CALL
}  // namespace

Keyspace::Keyspace(int num_dbs, const io::Clock* clock) : clock_(clock) {
  now_ms_ = clock_->NowMs();
  dbs_.reserve(static_cast<size_t>(num_dbs));
  for (int i = 0; i < num_dbs; i++) dbs_.push_back(std::make_unique<Db>(this, i));
}

Keyspace::~Keyspace() = default;

void Keyspace::SetResizeAllowed(bool allowed) { SetDictResizeAllowed(allowed); }
bool Keyspace::resize_allowed() const { return DictResizeAllowed(); }

void Keyspace::SwapDbs(int a, int b) {
  if (a == b) return;
  dbs_[a]->SwapContents(dbs_[b].get());
  if (observer_ != nullptr) observer_->OnDbsSwapped(*dbs_[a], *dbs_[b]);
}

void Keyspace::DatabasesCron(int64_t us) {
  // While a fork child runs, moving buckets would copy the pages it shares with the parent.
  if (!resize_allowed() || dbs_.empty()) return;
  int n = num_dbs();
  int dbs_per_call = kDbsPerCall < n ? kDbsPerCall : n;
  for (int j = 0; j < dbs_per_call; j++) {
    dbs_[resize_db_cursor_]->MaybeResize();
    resize_db_cursor_ = (resize_db_cursor_ + 1) % n;
  }
  if (us <= 0) return;
  // Spend the budget on the db being rehashed; move on only when it has nothing left to do, so a
  // large rehash finishes before the next one starts (Redis keeps its rehash_db the same way).
  int64_t start = clock_->MonotonicUs();
  for (int j = 0; j < dbs_per_call; j++) {
    int64_t left = us - (clock_->MonotonicUs() - start);
    if (left <= 0) break;
    if (dbs_[rehash_db_cursor_]->RehashFor(left)) break;
    rehash_db_cursor_ = (rehash_db_cursor_ + 1) % n;
  }
}

size_t Keyspace::TotalKeys() const {
  size_t total = 0;
  for (const auto& db : dbs_) total += db->size();
  return total;
}

}  // namespace keel::engine
