// The hash value's two encodings and the conversion between them (see hash_object.h). The
// thresholds and the order of checks follow Redis 7.0's t_hash.c, because OBJECT ENCODING, RDB
// encodings and memory all depend on exactly when a listpack becomes a hashtable.
#include "engine/hash_object.h"

#include <cstring>
#include <new>
#include <unordered_set>
#include <utility>
#include <vector>

#include "engine/keyspace.h"
#include "engine/memory.h"

namespace keel::engine {

namespace {

// Redis's LISTPACK_MAX_SAFETY_SIZE: a listpack is never let grow past 1 GiB (lpSafeToAdd).
constexpr size_t kListpackSafetySize = size_t{1} << 30;
constexpr size_t kNextBytes = sizeof(HashNode*);

size_t VarintLength(size_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

size_t PutVarint(char* p, size_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  p[n++] = static_cast<char>(v);
  return n;
}

size_t GetVarint(const char* p, size_t* offset) {
  size_t v = 0;
  int shift = 0;
  for (;;) {
    auto b = static_cast<unsigned char>(p[(*offset)++]);
    v |= static_cast<size_t>(b & 0x7F) << shift;
    if (b < 0x80) return v;
    shift += 7;
  }
}

const char* Bytes(const HashNode* n) { return reinterpret_cast<const char*>(n); }
char* Bytes(HashNode* n) { return reinterpret_cast<char*>(n); }

struct NodeLayout {
  size_t field_off;
  size_t field_len;
  size_t value_len;  // the value follows the field
};

NodeLayout Decode(const HashNode* n) {
  size_t off = kNextBytes;
  NodeLayout l{};
  l.field_len = GetVarint(Bytes(n), &off);
  l.value_len = GetVarint(Bytes(n), &off);
  l.field_off = off;
  return l;
}

size_t NodeSize(size_t field_len, size_t value_len) {
  return kNextBytes + VarintLength(field_len) + VarintLength(value_len) + field_len + value_len;
}

// Writes the lengths, field and value after the chain pointer. `field` may point into `p` (an
// in-place value update moves the field when the value's varint changes length); `value` may not.
void WriteNode(char* p, std::string_view field, std::string_view value) {
  size_t off = kNextBytes + PutVarint(p + kNextBytes, field.size());
  const size_t value_varint = VarintLength(value.size());
  memmove(p + off + value_varint, field.data(), field.size());
  off += PutVarint(p + off, value.size());
  memcpy(p + off + field.size(), value.data(), value.size());
}

HashNode* NewNode(std::string_view field, std::string_view value) {
  char* p = static_cast<char*>(Allocate(NodeSize(field.size(), value.size())));
  memset(p, 0, kNextBytes);
  WriteNode(p, field, value);
  return reinterpret_cast<HashNode*>(p);
}

// Whether a node block of `usable` bytes should take a layout of `need` bytes in place: it must
// fit, and a value that shrank a lot moves to a smaller block, so a field never costs much more
// than Redis's freshly sized sds would.
bool FitsInPlace(size_t need, size_t usable) {
  return need <= usable && usable - need <= need / 4 + 8;
}

// A uniform double in [0, 1], for Redis's selection sampling (lpRandomPairsUnique).
double RandomUnit() { return static_cast<double>(DictRandom() >> 11) * 0x1.0p-53; }

}  // namespace

std::string_view HashNodeTraits::Key(const HashNode* n) {
  NodeLayout l = Decode(n);
  return std::string_view(Bytes(n) + l.field_off, l.field_len);
}

std::string_view HashNodeValue(const HashNode* n) {
  NodeLayout l = Decode(n);
  return std::string_view(Bytes(n) + l.field_off + l.field_len, l.value_len);
}

HashObject::HashObject() {
  static_assert(sizeof(Listpack) == sizeof(uintptr_t), "the Listpack must fit the tagged word");
  static_assert(alignof(Table) > kTableTag, "Table addresses must leave the tag bit free");
  new (&listpack_) Listpack();
}

HashObject::HashObject(Listpack pairs) { new (&listpack_) Listpack(std::move(pairs)); }

HashObject::~HashObject() {
  if (is_listpack()) {
    listpack_.~Listpack();
    return;
  }
  Table* t = &table();
  t->dict.Clear([](HashNode* n) { Deallocate(n); });
  delete t;
}

void HashObject::AdoptTable(std::unique_ptr<Table> t) {
  listpack_.~Listpack();
  tagged_table_ = reinterpret_cast<uintptr_t>(t.release()) | kTableTag;
}

size_t HashObject::Size() const { return is_listpack() ? listpack().size() / 2 : dict().size(); }

size_t HashObject::AllocatedBytes() const {
  size_t total = UsableSize(this);
  if (is_listpack()) return total + listpack().AllocatedBytes();
  const Table& t = table();
  return total + UsableSize(&t) + t.dict.slots() * sizeof(HashNode*) + t.node_bytes;
}

std::unique_ptr<Object> HashObject::Clone() const {
  auto copy = std::make_unique<HashObject>();
  if (is_listpack()) {
    copy->listpack_ = listpack_;
    return copy;
  }
  // Sized for every field up front, as Redis's hashTypeDup does.
  auto t = std::make_unique<Table>();
  t->dict.Expand(Size());
  ForEach([&](std::string_view field, std::string_view value) {
    HashNode* n = NewNode(field, value);
    t->node_bytes += UsableSize(n);
    t->dict.Insert(n);
  });
  copy->AdoptTable(std::move(t));
  return copy;
}

void HashObject::ConvertToHashtable() {
  auto t = std::make_unique<Table>();
  // Redis's hashTypeConvertListpack expands to the field count first: the table starts at the
  // next power of two and no rehash runs while the fields move over.
  t->dict.Expand(Size());
  ForEach([&](std::string_view field, std::string_view value) {
    HashNode* n = NewNode(field, value);
    t->node_bytes += UsableSize(n);
    t->dict.Insert(n);
  });
  AdoptTable(std::move(t));
}

void HashObject::TryConversion(std::span<const std::string_view> args,
                               const EncodingLimits& limits) {
  if (!is_listpack()) return;
  size_t sum = 0;
  for (std::string_view a : args) {
    if (static_cast<int64_t>(a.size()) > limits.hash_max_listpack_value) {
      ConvertToHashtable();
      return;
    }
    sum += a.size();
  }
  if (listpack().bytes() + sum > kListpackSafetySize) ConvertToHashtable();
}

std::optional<std::string_view> HashObject::Get(std::string_view field, char (&buf)[24]) {
  if (is_listpack()) {
    const Listpack& lp = listpack();
    Listpack::Pos first = lp.First();
    if (first == Listpack::kNone) return std::nullopt;
    Listpack::Pos p = lp.Find(first, field, 1);
    if (p == Listpack::kNone) return std::nullopt;
    return lp.Get(lp.Next(p)).Bytes(buf);
  }
  HashNode* n = dict().Find(field);
  if (n == nullptr) return std::nullopt;
  return HashNodeValue(n);
}

bool HashObject::Exists(std::string_view field) {
  char buf[24];
  return Get(field, buf).has_value();
}

bool HashObject::Set(std::string_view field, std::string_view value, const EncodingLimits& limits) {
  if (is_listpack() && (static_cast<int64_t>(field.size()) > limits.hash_max_listpack_value ||
                        static_cast<int64_t>(value.size()) > limits.hash_max_listpack_value)) {
    ConvertToHashtable();
  }
  if (!is_listpack()) return DictSet(field, value);

  Listpack& lp = listpack_;
  Listpack::Pos first = lp.First();
  Listpack::Pos p = first == Listpack::kNone ? Listpack::kNone : lp.Find(first, field, 1);
  if (p != Listpack::kNone) {
    lp.Replace(lp.Next(p), value);
    return false;
  }
  lp.Append(field);
  lp.Append(value);
  if (static_cast<int64_t>(lp.size() / 2) > limits.hash_max_listpack_entries) {
    ConvertToHashtable();
  }
  return true;
}

bool HashObject::DictSet(std::string_view field, std::string_view value) {
  Table& t = table();
  const uint64_t hash = HashDict::Hash(field);
  HashNode* n = t.dict.Find(field, hash);
  if (n == nullptr) {
    n = NewNode(field, value);
    t.node_bytes += UsableSize(n);
    t.dict.Insert(n, hash);
    return true;
  }
  const size_t usable = UsableSize(n);
  const NodeLayout l = Decode(n);
  const size_t need = NodeSize(l.field_len, value.size());
  if (FitsInPlace(need, usable)) {
    WriteNode(Bytes(n), std::string_view(Bytes(n) + l.field_off, l.field_len), value);
    return false;
  }
  // A new block in the old one's place in its chain: LinkTo does not touch the table, so the
  // link stays valid until we store through it.
  HashNode* replacement = NewNode(std::string_view(Bytes(n) + l.field_off, l.field_len), value);
  HashNode** link = t.dict.LinkTo(n);
  *HashNodeTraits::NextPtr(replacement) = *HashNodeTraits::NextPtr(n);
  *link = replacement;
  t.node_bytes += UsableSize(replacement);
  t.node_bytes -= usable;
  Deallocate(n);
  return false;
}

bool HashObject::Delete(std::string_view field) {
  if (is_listpack()) {
    Listpack& lp = listpack_;
    Listpack::Pos first = lp.First();
    if (first == Listpack::kNone) return false;
    Listpack::Pos p = lp.Find(first, field, 1);
    if (p == Listpack::kNone) return false;
    lp.DeleteRange(p, 2);
    return true;
  }
  Table& t = table();
  HashNode* n = t.dict.Remove(field);
  if (n == nullptr) return false;
  t.node_bytes -= UsableSize(n);
  Deallocate(n);
  // Redis's hashTypeDelete resizes after every delete that leaves the table under 10% full.
  if (t.dict.NeedsShrink()) t.dict.ShrinkToFit();
  return true;
}

void HashObject::RandomPair(const PairFn& fn) {
  if (is_listpack()) {
    // Redis's lpRandomPair: a uniform index among the fields.
    const Listpack& lp = listpack();
    const size_t fields = lp.size() / 2;
    Listpack::Pos p = lp.Seek(static_cast<int64_t>(2 * (DictRandom() % fields)));
    char fbuf[24], vbuf[24];
    fn(lp.Get(p).Bytes(fbuf), lp.Get(lp.Next(p)).Bytes(vbuf));
    return;
  }
  HashNode* n = dict().FairRandom();
  fn(HashNodeTraits::Key(n), HashNodeValue(n));
}

void HashObject::RandomPairs(uint64_t count, const PairFn& fn) {
  if (!is_listpack()) {
    while (count-- > 0) {
      HashNode* n = dict().FairRandom();
      fn(HashNodeTraits::Key(n), HashNodeValue(n));
    }
    return;
  }
  // Redis's lpRandomPairs picks uniform indexes and replies in the order they were drawn; one
  // pass collecting the field positions makes each pick O(1).
  const Listpack& lp = listpack();
  std::vector<Listpack::Pos> fields;
  fields.reserve(lp.size() / 2);
  for (Listpack::Pos p = lp.First(); p != Listpack::kNone; p = lp.Next(lp.Next(p))) {
    fields.push_back(p);
  }
  char fbuf[24], vbuf[24];
  while (count-- > 0) {
    Listpack::Pos p = fields[DictRandom() % fields.size()];
    fn(lp.Get(p).Bytes(fbuf), lp.Get(lp.Next(p)).Bytes(vbuf));
  }
}

void HashObject::RandomDistinctPairs(uint64_t count, const PairFn& fn) {
  const size_t size = Size();
  char fbuf[24], vbuf[24];
  if (count * 3 > size) {
    // Redis's HRANDFIELD case 3 (HRANDFIELD_SUB_STRATEGY_MUL): copy everything, then remove
    // random fields until `count` remain. Cheaper than drawing when most fields are wanted.
    if (is_listpack()) {
      const Listpack& lp = listpack();
      std::vector<Listpack::Pos> fields;
      fields.reserve(size);
      for (Listpack::Pos p = lp.First(); p != Listpack::kNone; p = lp.Next(lp.Next(p))) {
        fields.push_back(p);
      }
      while (fields.size() > count) {
        std::swap(fields[DictRandom() % fields.size()], fields.back());
        fields.pop_back();
      }
      for (Listpack::Pos p : fields) fn(lp.Get(p).Bytes(fbuf), lp.Get(lp.Next(p)).Bytes(vbuf));
      return;
    }
    std::vector<HashNode*> nodes;
    nodes.reserve(size);
    dict().ForEach([&](HashNode* n) { nodes.push_back(n); });
    while (nodes.size() > count) {
      std::swap(nodes[DictRandom() % nodes.size()], nodes.back());
      nodes.pop_back();
    }
    for (HashNode* n : nodes) fn(HashNodeTraits::Key(n), HashNodeValue(n));
    return;
  }
  if (is_listpack()) {
    // Redis's lpRandomPairsUnique: selection sampling, each field taken with probability
    // (still wanted) / (still unseen), so the picks come out in listpack order.
    const Listpack& lp = listpack();
    uint64_t remaining = count;
    size_t index = 0;
    for (Listpack::Pos p = lp.First(); p != Listpack::kNone && remaining > 0; index++) {
      Listpack::Pos v = lp.Next(p);
      const double threshold = static_cast<double>(remaining) / static_cast<double>(size - index);
      if (RandomUnit() <= threshold) {
        fn(lp.Get(p).Bytes(fbuf), lp.Get(v).Bytes(vbuf));
        remaining--;
      }
      p = lp.Next(v);
    }
    return;
  }
  // Case 4 for a hashtable: fair random picks, repeats skipped, replied in the order drawn.
  std::unordered_set<const HashNode*> seen;
  seen.reserve(count);
  while (seen.size() < count) {
    HashNode* n = dict().FairRandom();
    if (!seen.insert(n).second) continue;
    fn(HashNodeTraits::Key(n), HashNodeValue(n));
  }
}

}  // namespace keel::engine
