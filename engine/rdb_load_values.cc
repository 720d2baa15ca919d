// RdbValueBuilder: the encodings Redis 7.0's rdbLoadObject gives loaded values. Blobs that are
// Redis's in-memory encoding (listpack nodes, intsets, hash and sorted set listpacks) are copied
// once and adopted; everything else is rebuilt through the objects' own insert paths, which also
// catch duplicate members that an element-by-element encoding may carry.
#include "engine/rdb_load_values.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "engine/hash_object.h"
#include "engine/intset.h"
#include "engine/list_object.h"
#include "engine/listpack.h"
#include "engine/set_object.h"
#include "engine/zset_object.h"
#include "formats/intset.h"
#include "formats/listpack.h"

namespace keel::engine {

namespace {

using formats::RdbBlob;
using formats::RdbKind;
namespace rdb = formats::rdb;

// Redis caps set-max-intset-entries at 2^30 when it loads a set (rdbLoadObject).
constexpr int64_t kIntsetEntriesCap = int64_t{1} << 30;

int64_t MaxIntsetEntries(const EncodingLimits& limits) {
  return std::min(limits.set_max_intset_entries, kIntsetEntriesCap);
}

}  // namespace

RdbValueBuilder::RdbValueBuilder(const EncodingLimits& limits)
    : limits_(limits), table_limits_(limits) {
  table_limits_.hash_max_listpack_entries = 0;
}

RdbValueBuilder::~RdbValueBuilder() = default;

ObjType RdbValueBuilder::type() const {
  switch (kind_) {
    case RdbKind::kList:
      return ObjType::kList;
    case RdbKind::kSet:
      return ObjType::kSet;
    case RdbKind::kZset:
      return ObjType::kZSet;
    case RdbKind::kHash:
      return ObjType::kHash;
    default:
      return ObjType::kString;
  }
}

bool RdbValueBuilder::empty() const {
  switch (kind_) {
    case RdbKind::kList:
      return list_ == nullptr || list_->Size() == 0;
    case RdbKind::kSet:
      return set_ == nullptr || set_->Size() == 0;
    case RdbKind::kZset:
      return zset_ == nullptr || zset_->Size() == 0;
    case RdbKind::kHash:
      return hash_ == nullptr || hash_->Size() == 0;
    default:
      return false;
  }
}

std::unique_ptr<Object> RdbValueBuilder::TakeObject() {
  switch (kind_) {
    case RdbKind::kList:
      return std::move(list_);
    case RdbKind::kSet:
      return std::move(set_);
    case RdbKind::kZset:
      return std::move(zset_);
    case RdbKind::kHash:
      return std::move(hash_);
    default:
      return nullptr;
  }
}

std::string RdbValueBuilder::Where() const {
  if (info_.key.empty()) return {};
  return " (key '" + std::string(info_.key) + "' at offset " + std::to_string(info_.offset) + ")";
}

Status RdbValueBuilder::Duplicate(const char* what) const {
  return Status::Corruption(std::string("duplicate ") + what + Where(), info_.offset);
}

Status RdbValueBuilder::BeginKey(const formats::RdbKeyInfo& key) {
  // The reader keeps the key's bytes until EndKey, which is as long as the builder needs them.
  info_ = key;
  kind_ = formats::KindOfType(key.type);
  skip_value_ = false;
  list_.reset();
  set_.reset();
  hash_.reset();
  zset_.reset();
  hash_table_ = false;
  zset_max_len_ = 0;
  zset_total_len_ = 0;
  string_.clear();
  if (kind_ == RdbKind::kStream) {
    return Status::NotSupported("stream values are not supported by Keel yet" + Where());
  }
  return Status::Ok();
}

Status RdbValueBuilder::OnModuleValue(const formats::RdbModuleInfo& info) {
  return Status::NotSupported("module value of type '" + info.name +
                              "' cannot be loaded: Keel has no modules" + Where());
}

void RdbValueBuilder::StartHash(bool table) {
  hash_ = std::make_unique<HashObject>();
  hash_table_ = table;
}

Status RdbValueBuilder::OnSizeHint(uint64_t elements) {
  if (skip_value_) return Status::Ok();
  const uint64_t reserve = std::min(elements, max_reserve_);
  switch (kind_) {
    case RdbKind::kSet:
      // rdbLoadObject: a hash table from the start when the count exceeds the intset limit,
      // presized; otherwise an intset that converts at the first non-integer member.
      if (set_ == nullptr) {
        if (elements > static_cast<uint64_t>(MaxIntsetEntries(limits_))) {
          set_ = SetObject::CreateHashtable();
          set_->Reserve(reserve);
        } else {
          set_ = SetObject::CreateIntset();
        }
      }
      break;
    case RdbKind::kHash:
      if (hash_ == nullptr) {
        StartHash(elements > static_cast<uint64_t>(limits_.hash_max_listpack_entries));
      }
      break;
    case RdbKind::kZset:
      if (zset_ == nullptr) zset_ = ZSetObject::CreateSkiplist(reserve);
      break;
    default:
      break;
  }
  return Status::Ok();
}

Status RdbValueBuilder::OnString(std::string_view value) {
  if (skip_value_) return Status::Ok();
  string_.assign(value);
  return Status::Ok();
}

Status RdbValueBuilder::OnElement(std::string_view value) {
  if (skip_value_) return Status::Ok();
  if (kind_ == RdbKind::kList) {
    if (list_ == nullptr) list_ = std::make_unique<ListObject>(limits_);
    // Packed nodes of a QUICKLIST_2 list arrive as blobs (always adopted), so an element here is
    // a plain node, which Redis appends as a plain node whatever its size.
    if (info_.type == rdb::kTypeListQuicklist2) {
      list_->AppendPlain(value);
    } else {
      list_->Push(ListObject::End::kTail, value);
    }
    return Status::Ok();
  }
  if (kind_ == RdbKind::kSet) {
    if (set_ == nullptr) set_ = SetObject::CreateIntset();
    if (!set_->Add(value, MaxIntsetEntries(limits_))) return Duplicate("set member");
    return Status::Ok();
  }
  return Status::Corruption(
      "unexpected element in a value of type " + std::to_string(info_.type) + Where(),
      info_.offset);
}

Status RdbValueBuilder::OnPair(std::string_view field, std::string_view value) {
  if (skip_value_) return Status::Ok();
  if (kind_ != RdbKind::kHash) {
    return Status::Corruption(
        "unexpected field in a value of type " + std::to_string(info_.type) + Where(),
        info_.offset);
  }
  if (hash_ == nullptr) StartHash(false);
  // As rdbLoadObject: a listpack converts when a field or value passes hash-max-listpack-value
  // or the count passes hash-max-listpack-entries; a hash known to be big is a table from the
  // first field.
  if (!hash_->Set(field, value, hash_table_ ? table_limits_ : limits_)) {
    return Duplicate("hash field");
  }
  return Status::Ok();
}

Status RdbValueBuilder::OnScored(std::string_view member, double score) {
  if (skip_value_) return Status::Ok();
  if (kind_ != RdbKind::kZset) {
    return Status::Corruption(
        "unexpected scored member in a value of type " + std::to_string(info_.type) + Where(),
        info_.offset);
  }
  if (std::isnan(score)) {
    return Status::Corruption("NaN score in a sorted set" + Where(), info_.offset);
  }
  if (zset_ == nullptr) zset_ = ZSetObject::CreateSkiplist();
  double unused;
  if (zset_->Add(score, member, 0, limits_, &unused) != kZAddAdded) {
    return Duplicate("sorted set member");
  }
  zset_max_len_ = std::max(zset_max_len_, member.size());
  zset_total_len_ += member.size();
  return Status::Ok();
}

Result<bool> RdbValueBuilder::OnBlob(RdbBlob kind, std::span<const uint8_t> bytes) {
  // A skipped key takes the blob unread: cheaper than decoding its elements.
  if (skip_value_) return true;
  switch (kind) {
    case RdbBlob::kListNode:
      // quicklistAppendListpack: the node as it is; the list applies list-compress-depth as
      // nodes are linked.
      if (list_ == nullptr) list_ = std::make_unique<ListObject>(limits_);
      list_->AppendListpack(Listpack::FromBytes(bytes));
      return true;
    case RdbBlob::kIntset: {
      const uint64_t count = formats::IntsetLength(bytes.data());
      if (count <= static_cast<uint64_t>(limits_.set_max_intset_entries)) {
        set_ = SetObject::FromIntset(Intset::FromBytes(bytes));
        return true;
      }
      // Too many members for this server's intsets: a table, filled from the elements.
      set_ = SetObject::CreateHashtable();
      set_->Reserve(std::min(count, max_reserve_));
      return false;
    }
    case RdbBlob::kSetListpack: {
      // Redis 7.2's listpack sets become intsets (all integers, few enough) or tables here.
      const uint16_t header = formats::ListpackHeaderCount(bytes.data());
      if (header != formats::kListpackCountUnknown &&
          header <= static_cast<uint64_t>(MaxIntsetEntries(limits_))) {
        set_ = SetObject::CreateIntset();
      } else {
        set_ = SetObject::CreateHashtable();
        if (header != formats::kListpackCountUnknown) set_->Reserve(header);
      }
      return false;
    }
    case RdbBlob::kHashListpack: {
      // Redis 7.0 checks only the field count here (not the value lengths): a listpack within
      // hash-max-listpack-entries stays one, whatever hash-max-listpack-value says.
      Listpack lp = Listpack::FromBytes(bytes);
      if (lp.size() / 2 <= static_cast<size_t>(limits_.hash_max_listpack_entries)) {
        hash_ = std::make_unique<HashObject>(std::move(lp));
        return true;
      }
      StartHash(true);
      return false;
    }
    case RdbBlob::kZsetListpack: {
      Listpack lp = Listpack::FromBytes(bytes);
      const size_t count = lp.size() / 2;
      if (count <= static_cast<size_t>(limits_.zset_max_listpack_entries)) {
        zset_ = ZSetObject::FromListpack(std::move(lp));
        return true;
      }
      // Redis's zsetConvert to a skiplist; the members come back one by one.
      zset_ = ZSetObject::CreateSkiplist(std::min<uint64_t>(count, max_reserve_));
      return false;
    }
  }
  return false;
}

Status RdbValueBuilder::FinishZset() {
  // Redis converts a sorted set loaded member by member to a listpack when it is small enough
  // (after the loop in rdbLoadObject), whatever encoding it was stored in.
  if (zset_ != nullptr && !zset_->is_listpack()) {
    zset_->ConvertToListpackIfNeeded(zset_max_len_, zset_total_len_, limits_);
  }
  return Status::Ok();
}

Status RdbValueBuilder::EndKey() {
  if (skip_value_) return OnValue();
  if (kind_ == RdbKind::kZset) KEEL_RETURN_IF_ERROR(FinishZset());
  return OnValue();
}

}  // namespace keel::engine
