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

// The fast path writes several words a step: every length around its step must still
// give word n's bytes at offset 8n.
TEST_CASE("payload: bytes are the words' bytes in order, at every length") {
  for (uint32_t len = 0; len <= 300; ++len) {
    std::vector<uint8_t> got(len + 1, 0xa5);
    fill_payload(7, 64, got.data(), len);
    for (uint32_t i = 0; i < len; ++i) {
      const uint64_t w = payload_word(7, (64 + i) / 8);
      CHECK(got[i] == reinterpret_cast<const uint8_t*>(&w)[(64 + i) % 8]);
    }
    CHECK(got[len] == 0xa5);  // nothing past the end
  }
}

TEST_CASE("payload: words differ within a request and across requests") {
  std::set<uint64_t> seen;
  for (uint64_t r = 1; r <= 64; ++r)
    for (uint64_t w = 0; w < 512; ++w) seen.insert(payload_word(r, w));
  CHECK(seen.size() == 64 * 512);
}
