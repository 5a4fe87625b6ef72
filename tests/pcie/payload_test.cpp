#include <doctest/doctest.h>

#include <set>
#include <vector>

#include "pcie/payload.h"

using namespace sim;

// The whole-word path and the byte path must give a TLP the same bytes as the same
// range read out of the request's whole payload, at any offset and length.
TEST_CASE("payload: any slice equals the same bytes of the whole payload") {
  std::vector<uint8_t> whole(256);
  fill_payload(42, 0, whole.data(), 256);
  for (uint32_t off : {0u, 1u, 7u, 8u, 13u, 64u, 100u})
    for (uint32_t len : {1u, 7u, 8u, 9u, 64u, 100u}) {
      if (off + len > 256) continue;
      std::vector<uint8_t> part(len);
      fill_payload(42, off, part.data(), len);
      CHECK(std::equal(part.begin(), part.end(), whole.begin() + off));
    }
}

TEST_CASE("payload: words differ within a request and across requests") {
  std::set<uint64_t> seen;
  for (uint64_t r = 1; r <= 64; ++r)
    for (uint64_t w = 0; w < 512; ++w) seen.insert(payload_word(r, w));
  CHECK(seen.size() == 64 * 512);
}
