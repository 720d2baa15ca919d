// Validation of untrusted intset bytes (Redis's intsetValidateIntegrity, with offsets).
#include "formats/intset.h"

#include <string>

namespace keel::formats {

Status ValidateIntset(std::span<const uint8_t> is, bool deep) {
  if (is.size() < kIntsetHeaderSize) {
    return Status::Corruption(
        "intset of " + std::to_string(is.size()) + " bytes is shorter than its 8-byte header", 0);
  }
  const uint32_t enc = IntsetEncoding(is.data());
  if (enc != kIntsetEnc16 && enc != kIntsetEnc32 && enc != kIntsetEnc64) {
    return Status::Corruption("intset has an unknown encoding " + std::to_string(enc), 0);
  }
  const uint32_t length = IntsetLength(is.data());
  const uint64_t expected = kIntsetHeaderSize + uint64_t{length} * enc;
  if (expected != is.size()) {
    return Status::Corruption("intset of " + std::to_string(length) + " elements of " +
                                  std::to_string(enc) + " bytes needs " + std::to_string(expected) +
                                  " bytes but has " + std::to_string(is.size()),
                              4);
  }
  if (length == 0) return Status::Corruption("intset is empty", 4);
  if (!deep) return Status::Ok();
  const uint8_t* contents = is.data() + kIntsetHeaderSize;
  int64_t prev = IntsetGetEncoded(contents, 0, enc);
  for (uint32_t i = 1; i < length; ++i) {
    const int64_t cur = IntsetGetEncoded(contents, i, enc);
    if (cur <= prev) {
      return Status::Corruption("intset elements are not in strictly ascending order",
                                kIntsetHeaderSize + uint64_t{i} * enc);
    }
    prev = cur;
  }
  return Status::Ok();
}

}  // namespace keel::formats
