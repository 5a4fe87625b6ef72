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

SparseMemory::SlabBits::SlabBits(uint64_t size_bytes)
    : bits_(static_cast<uint64_t*>(std::calloc(((size_bytes - 1) >> (kSlabBits + 6)) + 1, 8)),
            std::free) {
  if (!bits_) throw std::bad_alloc();
}

SparseMemory::SparseMemory(uint64_t size_bytes)
    : size_(size_bytes),
      chunk_bits_(chunk_bits_for(size_bytes)),
      chunk_(((size_bytes - 1) >> chunk_bits_) + 1, nullptr),
      written_(size_bytes),
      pending_(size_bytes),
      direct_(size_bytes) {}

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
  const uint64_t s = addr >> kSlabBits;
  if (!written_.test(s)) [[unlikely]] {
    written_.set(s);
    ++slabs_;
  }
  return c + ((addr & ((1ull << chunk_bits_) - 1)) & ~(kSlabSize - 1));
}

const uint8_t* SparseMemory::stored(uint64_t addr) const {
  if (addr >= size_ || !written_.test(addr >> kSlabBits)) return nullptr;
  return chunk_of(addr) + (addr & ((1ull << chunk_bits_) - 1));
}

const uint8_t* SparseMemory::find(uint64_t addr) {
  const uint8_t* p = stored(addr);
  if (p && !direct_.test(addr >> kSlabBits)) make_direct(addr);
  return p;
}

void SparseMemory::store_recorded(uint64_t addr, size_t len) {
  each_frame(addr, len, [&](uint64_t a, uint32_t off, uint32_t, size_t) {
    overlay_.apply(a >> PayloadOverlay::kFrameBits, slab(a) + offset(a) - off);
  });
}

void SparseMemory::make_direct(uint64_t addr) {
  const uint64_t s = addr >> kSlabBits;
  direct_.set(s);
  if (pending_.test(s)) store_recorded(s << kSlabBits, kSlabSize);
}

void SparseMemory::read(uint64_t addr, void* dst, size_t len) const {
  check(addr, len);
  auto* out = static_cast<uint8_t*>(dst);
  while (len) {
    const size_t n = std::min<uint64_t>(len, kSlabSize - offset(addr));
    if (const uint8_t* p = stored(addr))
      std::memcpy(out, p, n);
    else
      std::memset(out, 0, n);
    if (pending_.test(addr >> kSlabBits))
      each_frame(addr, n, [&](uint64_t a, uint32_t off, uint32_t m, size_t done) {
        overlay_.overlay(a >> PayloadOverlay::kFrameBits, off, m, out + done);
      });
    out += n;
    addr += n;
    len -= n;
  }
}

void SparseMemory::write(uint64_t addr, const void* src, size_t len) {
  check(addr, len);
  auto* in = static_cast<const uint8_t*>(src);
  for (size_t done = 0; done < len;) {
    const uint64_t a = addr + done;
    const size_t n = std::min<uint64_t>(len - done, kSlabSize - offset(a));
    uint8_t* s = slab(a);
    if (pending_.test(a >> kSlabBits)) store_recorded(a, n);
    std::memcpy(s + offset(a), in + done, n);
    done += n;
  }
}

void SparseMemory::write_generated_slow(uint64_t addr, size_t len, PayloadGenerator g, uint64_t key,
                                        uint64_t gen_addr) {
  check(addr, len);
  each_frame(addr, len, [&](uint64_t a, uint32_t off, uint32_t n, size_t done) {
    uint8_t* s = slab(a);  // counted as written, though no byte is stored yet
    const uint64_t frame = a >> PayloadOverlay::kFrameBits;
    if (direct_.test(a >> kSlabBits)) {
      g(key, gen_addr + done, s + offset(a), n);
    } else if (overlay_.record(frame, off, n, g, key, gen_addr + done)) {
      pending_.set(a >> kSlabBits);
    } else {  // the frame is stored (its record was full): store its record, then these bytes
      overlay_.apply(frame, s + offset(a) - off);
      g(key, gen_addr + done, s + offset(a), n);
    }
  });
}

uint64_t SparseMemory::read64(uint64_t addr) const {
  const uint8_t* p = stored(addr);
  if (!p) {
    check(addr, 8);
    return 0;
  }
  uint64_t v;
  if (offset(addr) <= kSlabSize - 8 && !pending_.test(addr >> kSlabBits)) {
    std::memcpy(&v, p, 8);
    return v;
  }
  read(addr, &v, 8);
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
