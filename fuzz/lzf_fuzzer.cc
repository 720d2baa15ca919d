// Fuzz target for LZF. Properties: decompressing arbitrary bytes never writes past the output
// buffer (an exact-size heap allocation, so the sanitizer sees a single byte too many) and
// reports failures as located Corruption; compressing arbitrary bytes under any budget either
// fails with 0 or fits the budget and decompresses back to the input.
//
// Input layout: bytes 0-1 = output size for the decompression (LE, 0..65535); byte 2 = compression
// budget as a percentage of the input size (0..255); then the data, used both as compressed input
// and as plain input.
//   seeds: fuzz/corpus/lzf/ (strings redis-server 7.0.15 stored LZF-compressed, and plain text).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "formats/lzf.h"

namespace {

namespace fmt = keel::formats;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "lzf_fuzzer: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const size_t out_len = data[0] | size_t{data[1]} << 8;
  const size_t percent = data[2];
  std::vector<uint8_t> in(data + 3, data + size);

  std::vector<uint8_t> out(out_len);
  keel::Result<size_t> d = fmt::LzfDecompress(in, out);
  if (d.has_value()) {
    Check(*d <= out_len, "decompressed size past the output");
    // What decompressed fine must also decompress as a string of exactly that size.
    keel::Result<std::string> again =
        fmt::LzfDecompressString({reinterpret_cast<const char*>(in.data()), in.size()}, *d);
    Check(again.has_value() && again->size() == *d &&
              (*d == 0 || std::memcmp(again->data(), out.data(), *d) == 0),
          "decompressing to a string disagrees");
  } else {
    Check(d.error().IsCorruption() && d.error().offset() < in.size(),
          "a decompression error that is not a located Corruption");
  }

  const size_t budget = in.size() * percent / 100;
  std::vector<uint8_t> z(budget);
  const size_t n = fmt::LzfCompress(in, z);
  Check(n <= budget, "compressed past the budget");
  if (n > 0) {
    std::vector<uint8_t> back(in.size());
    keel::Result<size_t> r = fmt::LzfDecompress({z.data(), n}, back);
    Check(r.has_value() && *r == in.size() && back == in, "compress then decompress differs");
  } else {
    // Literals cost one control byte per 32 bytes; nothing costs more.
    Check(in.empty() || budget < in.size() + in.size() / 32 + 8, "a generous budget did not fit");
  }
  return 0;
}
