#include "models/base/frame_index.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <new>

namespace sim {

namespace {
constexpr unsigned kMinChunkBits = 19;  // 2 MiB of values: 2 GiB of 4 KiB frames
constexpr size_t kHuge = size_t(2) << 20;
constexpr unsigned kMaxChunks = 12;  // log2: at most 4096 chunks (and mappings)
}  // namespace

FrameIndex::FrameIndex(uint64_t frames) : frames_(std::max<uint64_t>(frames, 1)) {
  const unsigned bits = unsigned(std::bit_width(frames_ - 1));
  chunk_bits_ = std::max(kMinChunkBits, bits > kMaxChunks ? bits - kMaxChunks : 0);
  chunks_.assign(((frames_ - 1) >> chunk_bits_) + 1, nullptr);
}

FrameIndex::~FrameIndex() {
  for (uint32_t* c : chunks_)
    if (c) munmap(c, chunk_bytes());
}

uint32_t* FrameIndex::map_chunk(uint64_t index) {
  if (index >= chunks_.size()) throw std::bad_alloc();  // a frame beyond the space
  // Aligned to 2 MiB and offered for huge pages: probed at random, a chunk of small
  // pages would cost a TLB miss per probe as well as a cache miss.
  const size_t bytes = chunk_bytes();
  void* p = mmap(nullptr, bytes + kHuge, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  const uintptr_t start = uintptr_t(p), aligned = (start + kHuge - 1) & ~uintptr_t(kHuge - 1);
  if (aligned > start) munmap(p, aligned - start);
  munmap(reinterpret_cast<void*>(aligned + bytes), start + kHuge - aligned);
  madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);
  return chunks_[index] = reinterpret_cast<uint32_t*>(aligned);
}

uint64_t FrameIndex::resident_bytes() const {
  const size_t page = size_t(sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> in((chunk_bytes() + page - 1) / page);
  uint64_t pages = 0;
  for (uint32_t* c : chunks_)
    if (c && mincore(c, chunk_bytes(), in.data()) == 0)
      pages += uint64_t(std::count_if(in.begin(), in.end(), [](unsigned char b) { return b & 1; }));
  return pages * page;
}

}  // namespace sim
