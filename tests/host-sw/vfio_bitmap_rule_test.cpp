// The type1 bitmap's word rule held over random layouts of mappings and holes: what a
// mapping reports and what a hole keeps of the user's bits.
#include <doctest/doctest.h>

#include <algorithm>

#include "host-sw/iommufd/vfio_type1.h"
#include "tests/host-sw/ioas_rig.h"

using namespace sim;
using namespace sim::test;

TEST_CASE("vfio get_bitmap: random layouts follow the word rule, 200 seeds") {
  // The rule, stated per bit rather than per word write: a mapping's bits are its
  // dirty pages; a hole's bit keeps the user's value unless a mapping below it ends
  // in the same u64 word (that word was written whole, zeros past the mapping).
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    uint64_t x = seed * 0x9e3779b97f4a7c15ull;
    auto rnd = [&x](uint64_t n) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      return x % n;
    };
    IoptRig t;
    Domain* d = t.drv.domain_alloc();
    REQUIRE(t.run(t.iopt.add_domain(t.drv, t.vmm, d, (1ull << 48) - 1)) == Errno::Ok);
    VfioType1 v(t.iopt, true);
    const uint64_t pages = 512;  // the request: IOVA [0, 2 MiB), 8 words
    std::vector<int> owner(pages, -1);
    std::vector<std::pair<uint64_t, uint64_t>> dmas;  // first page, count
    for (uint64_t p = rnd(70); p < pages;) {
      const uint64_t n = 1 + rnd(std::min<uint64_t>(90, pages - p));
      REQUIRE(t.run(v.map_dma(t.drv, t.vmm, p * 4096, t.va + p * 4096, n * 4096, true, true)) ==
              Errno::Ok);
      for (uint64_t k = p; k < p + n; ++k) owner[k] = int(dmas.size());
      dmas.push_back({p, n});
      p += n + rnd(80);
    }
    const bool backed = rnd(2);
    std::vector<bool> pinned(pages);
    for (int i = 0; i < 30; ++i) {
      const uint64_t p = rnd(pages);
      if (owner[p] >= 0 && v.pin_pages(p * 4096, 1, true, true) == Errno::Ok) pinned[p] = true;
    }
    REQUIRE(v.dirty_pages({vfio::kDirtyMinsz, vfio::kDirtyStart, 0, 0, nullptr, backed}) ==
            Errno::Ok);
    uint64_t bva = 0;
    REQUIRE(t.vmm.mmap("bm", 4096, 4096, false, bva) == Errno::Ok);
    const uint64_t off = rnd(4096 - 64);
    Type1Bitmap bm{&t.vmm, &t.rig.mem, bva + off, 64, 4096};
    std::vector<bool> user(pages);
    for (uint64_t w = 0; w < 8; ++w) {
      uint64_t word = x;
      rnd(2);
      bm.write_word(w, word);
      for (uint64_t b = 0; b < 64; ++b) user[w * 64 + b] = word >> b & 1;
    }
    REQUIRE(v.dirty_pages({vfio::kDirtyGetArgsz, vfio::kDirtyGetBitmap, 0, pages * 4096, &bm,
                           backed}) == Errno::Ok);
    std::vector<bool> last_word_of_prev(pages);  // a mapping below ends in this word
    for (const auto& [p, n] : dmas)
      for (uint64_t k = p + n; k < pages && k / 64 == (p + n - 1) / 64; ++k)
        last_word_of_prev[k] = true;
    for (uint64_t k = 0; k < pages; ++k) {
      const bool want = owner[k] >= 0          ? (backed || pinned[k])
                        : last_word_of_prev[k] ? false
                                               : bool(user[k]);
      const bool got = bm.read_word(k / 64) >> (k % 64) & 1;
      if (got != want) {
        FAIL_CHECK("seed " << seed << " bit " << k << ": got " << got << ", want " << want);
        break;
      }
    }
    // After the read the bits are the pinned pages again, whatever was reported.
    for (uint64_t w = 0; w < 8; ++w) bm.write_word(w, 0);
    REQUIRE(v.dirty_pages({vfio::kDirtyGetArgsz, vfio::kDirtyGetBitmap, 0, pages * 4096, &bm,
                           false}) == Errno::Ok);
    for (uint64_t k = 0; k < pages; ++k)
      if ((bm.read_word(k / 64) >> (k % 64) & 1) != (owner[k] >= 0 && pinned[k])) {
        FAIL_CHECK("seed " << seed << " second read, bit " << k);
        break;
      }
    // Unmapping it all with the bitmap follows the same rule, relative to the unmap's
    // IOVA, over fresh random user bits: the pinned pages, or all if backed.
    const bool backed2 = rnd(2);
    std::vector<bool> before(pages);
    for (uint64_t w = 0; w < 8; ++w) {
      rnd(2);
      bm.write_word(w, x);
      for (uint64_t b = 0; b < 64; ++b) before[w * 64 + b] = x >> b & 1;
    }
    VfioType1::Unmap u{
        vfio::kUnmapBitmapArgsz, vfio::kUnmapGetDirtyBitmap, 0, pages * 4096, &bm, backed2};
    uint64_t unmapped = 0;
    REQUIRE(t.run(v.unmap_dma(t.drv, u, unmapped)) == Errno::Ok);
    uint64_t mapped = 0;
    for (int o : owner) mapped += o >= 0;
    CHECK(unmapped == mapped * 4096);
    CHECK(t.iopt.areas().empty());
    for (uint64_t k = 0; k < pages; ++k) {
      const bool want = owner[k] >= 0          ? (backed2 || pinned[k])
                        : last_word_of_prev[k] ? false
                                               : bool(before[k]);
      if ((bm.read_word(k / 64) >> (k % 64) & 1) != want) {
        FAIL_CHECK("seed " << seed << " unmap, bit " << k);
        break;
      }
    }
  }
}
