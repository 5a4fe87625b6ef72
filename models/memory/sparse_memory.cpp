#include "models/memory/sparse_memory.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>

namespace sim {

namespace {
constexpr uint64_t kLeafSlabs = 1ull << 12;
}

SparseMemory::SparseMemory(uint64_t size_bytes) : size_(size_bytes) {
  uint64_t slabs = (size_bytes + kSlabSize - 1) >> kSlabBits;
  top_.resize((slabs + kLeafSlabs - 1) / kLeafSlabs);
}

SparseMemory::~SparseMemory() {
  for (auto& l : top_)
    if (l)
      for (uint64_t i = 0; i < kLeafSlabs; ++i) std::free(l[i]);
}

void SparseMemory::check(uint64_t addr, size_t len) const {
  if (addr > size_ || len > size_ - addr)
    throw std::out_of_range("physical access beyond memory size");
}

uint8_t* const* SparseMemory::leaf(uint64_t addr) const {
  uint64_t s = addr >> kSlabBits;
  const auto& l = top_[s >> kLeafBits];
  return l ? &l[s & (kLeafSlabs - 1)] : nullptr;
}

uint8_t* SparseMemory::slab(uint64_t addr) {
  check(addr, 1);
  uint64_t s = addr >> kSlabBits;
  auto& l = top_[s >> kLeafBits];
  if (!l) l.reset(new uint8_t*[kLeafSlabs]());
  uint8_t*& p = l[s & (kLeafSlabs - 1)];
  if (!p) {
    p = static_cast<uint8_t*>(std::calloc(1, kSlabSize));
    if (!p) throw std::bad_alloc();
    ++slabs_;
  }
  return p;
}

const uint8_t* SparseMemory::find(uint64_t addr) const {
  if (addr >= size_) return nullptr;
  uint8_t* const* p = leaf(addr);
  return p && *p ? *p + offset(addr) : nullptr;
}

void SparseMemory::read(uint64_t addr, void* dst, size_t len) const {
  check(addr, len);
  auto* out = static_cast<uint8_t*>(dst);
  while (len) {
    size_t n = std::min<uint64_t>(len, kSlabSize - offset(addr));
    const uint8_t* p = find(addr);
    if (p)
      std::memcpy(out, p, n);
    else
      std::memset(out, 0, n);
    out += n;
    addr += n;
    len -= n;
  }
}

void SparseMemory::write(uint64_t addr, const void* src, size_t len) {
  check(addr, len);
  auto* in = static_cast<const uint8_t*>(src);
  while (len) {
    size_t n = std::min<uint64_t>(len, kSlabSize - offset(addr));
    std::memcpy(slab(addr) + offset(addr), in, n);
    in += n;
    addr += n;
    len -= n;
  }
}

uint64_t SparseMemory::read64(uint64_t addr) const {
  const uint8_t* p = find(addr);
  if (!p) {
    check(addr, 8);
    return 0;
  }
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

uint32_t SparseMemory::read32(uint64_t addr) const {
  uint32_t v = 0;
  read(addr, &v, 4);
  return v;
}

void SparseMemory::write32(uint64_t addr, uint32_t v) {
  write(addr, &v, 4);
  if (on_write32) on_write32(addr);
}

}  // namespace sim
