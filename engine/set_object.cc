// SetObject: Redis 7.0's setTypeAdd/Remove/IsMember/RandomElement/Convert/Dup over an Intset or a
// Dict of single-allocation members.
#include "engine/set_object.h"

#include <cstring>
#include <new>
#include <optional>
#include <utility>

#include "engine/entry_layout.h"
#include "engine/memory.h"
#include "engine/parse.h"
#include "formats/resp_writer.h"

namespace keel::engine {

namespace {

constexpr size_t kNodeHeader = sizeof(SetNode*);
// Redis caps set-max-intset-entries at 1G entries because of the intset's internals.
constexpr int64_t kIntsetEntriesCap = int64_t{1} << 30;

SetNode* NewNode(std::string_view member) {
  size_t size = kNodeHeader + entry_layout::VarintLength(member.size()) + member.size();
  char* p = static_cast<char*>(Allocate(size));
  memset(p, 0, kNodeHeader);
  size_t off = kNodeHeader + entry_layout::PutVarint(p + kNodeHeader, member.size());
  if (!member.empty()) memcpy(p + off, member.data(), member.size());
  return reinterpret_cast<SetNode*>(p);
}

void FreeNode(SetNode* n) { Deallocate(n); }

std::string_view IntBytes(int64_t v, char (&buf)[24]) {
  return std::string_view(buf, formats::FormatInt64(v, buf));
}

}  // namespace

std::string_view SetNodeTraits::Key(const SetNode* n) {
  const char* p = reinterpret_cast<const char*>(n);
  size_t off = kNodeHeader;
  size_t len = entry_layout::GetVarint(p, &off);
  return std::string_view(p + off, len);
}

std::string_view SetMember::Bytes(char (&buf)[24]) const {
  return is_int ? IntBytes(int_value, buf) : str;
}

std::string SetMember::ToString() const {
  char buf[24];
  return std::string(Bytes(buf));
}

std::unique_ptr<SetObject> SetObject::CreateIntset() {
  return std::unique_ptr<SetObject>(new SetObject());
}

std::unique_ptr<SetObject> SetObject::CreateHashtable() {
  std::unique_ptr<SetObject> s(new SetObject());
  s->BecomeHashtable(new SetDict());
  return s;
}

std::unique_ptr<SetObject> SetObject::CreateFor(std::string_view first_member) {
  return ParseInt64(first_member) ? CreateIntset() : CreateHashtable();
}

std::unique_ptr<SetObject> SetObject::FromIntset(Intset members) {
  std::unique_ptr<SetObject> s(new SetObject());
  s->rep_.intset = std::move(members);
  return s;
}

SetObject::~SetObject() {
  if (is_intset()) {
    rep_.intset.~Intset();
    return;
  }
  dict().Clear(FreeNode);
  delete &dict();
}

void SetObject::BecomeHashtable(SetDict* d) {
  rep_.intset.~Intset();
  rep_.tagged_dict = reinterpret_cast<uintptr_t>(d) | kDictTag;
}

void SetObject::Swap(SetObject& other) {
  if (is_intset() == other.is_intset()) {
    if (is_intset()) {
      std::swap(rep_.intset, other.rep_.intset);
    } else {
      std::swap(rep_.tagged_dict, other.rep_.tagged_dict);
    }
    return;
  }
  SetObject& ints = is_intset() ? *this : other;
  SetObject& table = is_intset() ? other : *this;
  Intset moved(std::move(ints.rep_.intset));
  ints.BecomeHashtable(&table.dict());
  new (&table.rep_.intset) Intset(std::move(moved));
}

size_t SetObject::Size() const { return is_intset() ? intset().size() : dict().size(); }

size_t SetObject::AllocatedBytes() const {
  size_t bytes = UsableSize(this);
  if (is_intset()) return bytes + intset().AllocatedBytes();
  const SetDict& d = dict();
  bytes += UsableSize(&d) + d.slots() * sizeof(SetNode*);
  d.ForEach([&](SetNode* n) { bytes += UsableSize(n); });
  return bytes;
}

std::unique_ptr<Object> SetObject::Clone() const {
  // Redis's setTypeDup: the same encoding; a hashtable presized to the member count.
  std::unique_ptr<SetObject> copy(new SetObject());
  if (is_intset()) {
    copy->rep_.intset = intset();
    return copy;
  }
  copy->BecomeHashtable(new SetDict());
  SetDict& d = copy->dict();
  d.Expand(Size());
  dict().ForEach([&](SetNode* n) { d.Insert(NewNode(SetNodeTraits::Key(n))); });
  return copy;
}

void SetObject::ConvertToHashtable(size_t expected) {
  // Redis's setTypeConvert presizes the table for the intset's members, so the conversion itself
  // never rehashes (the member that triggered it may still grow the table).
  auto* d = new SetDict();
  d->Expand(expected);
  const Intset& is = intset();
  char buf[24];
  for (size_t i = 0; i < is.size(); i++) d->Insert(NewNode(IntBytes(is.At(i), buf)));
  BecomeHashtable(d);
}

bool SetObject::DictAdd(std::string_view member) {
  SetDict& d = dict();
  uint64_t hash = SetDict::Hash(member);
  if (d.Find(member, hash) != nullptr) return false;
  d.Insert(NewNode(member), hash);
  return true;
}

bool SetObject::Add(std::string_view member, int64_t max_intset_entries) {
  if (!is_intset()) return DictAdd(member);
  std::optional<int64_t> v = ParseInt64(member);
  if (!v) {
    ConvertToHashtable(intset().size());
    return DictAdd(member);
  }
  Intset& is = rep_.intset;
  if (!is.Add(*v)) return false;
  int64_t max = max_intset_entries < kIntsetEntriesCap ? max_intset_entries : kIntsetEntriesCap;
  if (static_cast<int64_t>(is.size()) > max) ConvertToHashtable(is.size());
  return true;
}

bool SetObject::Remove(std::string_view member) {
  if (is_intset()) {
    std::optional<int64_t> v = ParseInt64(member);
    return v && rep_.intset.Remove(*v);
  }
  SetDict& d = dict();
  SetNode* n = d.Remove(member);
  if (n == nullptr) return false;
  FreeNode(n);
  if (d.NeedsShrink()) d.ShrinkToFit();
  return true;
}

bool SetObject::Contains(std::string_view member) {
  if (is_intset()) {
    std::optional<int64_t> v = ParseInt64(member);
    return v && intset().Contains(*v);
  }
  return dict().Find(member) != nullptr;
}

bool SetObject::ContainsInt(int64_t v) {
  if (is_intset()) return intset().Contains(v);
  char buf[24];
  return dict().Find(IntBytes(v, buf)) != nullptr;
}

SetMember SetObject::Random() {
  if (is_intset()) return SetMember{true, intset().Random(), {}};
  return SetMember{false, 0, SetNodeTraits::Key(dict().FairRandom())};
}

std::vector<std::string> SetObject::Members() const {
  std::vector<std::string> out;
  out.reserve(Size());
  ForEach([&](const SetMember& m) { out.push_back(m.ToString()); });
  return out;
}

}  // namespace keel::engine
