#include "models/memory/sparse_memory.h"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>

namespace sim {

namespace {
constexpr unsigned kMinChunkBits = 30;  // 1 GiB
constexpr unsigned kMaxChunks = 12;     // log2: at most 4096 chunks

unsigned chunk_bits_for(uint64_t size) {
  const unsigned bits = unsigned(std::bit_width(size - 1));
  return std::max(kMinChunkBits, bits > kMaxChunks ? bits - kMaxChunks : 0);
}
}  // namespace

SparseMemory::SparseMemory(uint64_t size_bytes)
    : size_(size_bytes),
      chunk_bits_(chunk_bits_for(size_bytes)),
      chunk_(((size_bytes - 1) >> chunk_bits_) + 1, nullptr),
      // calloc: a large bitmap comes zeroed from the kernel, resident where written.
      written_(static_cast<uint64_t*>(std::calloc(((size_bytes - 1) >> (kSlabBits + 6)) + 1, 8)),
               std::free) {
  if (!written_) throw std::bad_alloc();
}

SparseMemory::~SparseMemory() {
  for (uint8_t* c : chunk_)
    if (c) munmap(c, size_t(1) << chunk_bits_);
}

void SparseMemory::beyond_size() {
  throw std::out_of_range("physical access beyond memory size");
}

uint8_t* SparseMemory::map_chunk(uint64_t index) {
  // NORESERVE: the kernel commits nothing up front; pages come (zeroed) when written.
  void* p = mmap(nullptr, size_t(1) << chunk_bits_, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  ++chunks_;
  return chunk_[index] = static_cast<uint8_t*>(p);
}

uint8_t* SparseMemory::first_write(uint64_t addr) {
  uint8_t* c = chunk_of(addr);
  if (!c) [[unlikely]]
    c = map_chunk(addr >> chunk_bits_);
  const uint64_t s = addr >> kSlabBits, bit = 1ull << (s & 63);
  if (!(written_[s >> 6] & bit)) [[unlikely]] {
    written_[s >> 6] |= bit;
    ++slabs_;
  }
  return c + ((addr & ((1ull << chunk_bits_) - 1)) & ~(kSlabSize - 1));
}

const uint8_t* SparseMemory::find(uint64_t addr) const {
  if (addr >= size_) return nullptr;
  const uint64_t s = addr >> kSlabBits;
  if (!(written_[s >> 6] >> (s & 63) & 1)) return nullptr;
  return chunk_of(addr) + (addr & ((1ull << chunk_bits_) - 1));
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
  auto* in = static_cast<const uint8_t*>(src);
  write_with(addr, len,
             [in](uint8_t* dst, size_t done, size_t n) { std::memcpy(dst, in + done, n); });
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
