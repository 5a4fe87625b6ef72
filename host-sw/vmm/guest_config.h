#pragma once
// host.guest: a guest with a vIOMMU (read by ops/load_guest.cpp; run by guest_iommu.cpp).
#include <cstdint>
#include <string>

#include "models/base/units.h"

namespace sim {

struct GuestConfig {
  bool enabled = false;
  std::string hwpt;         // the nested HWPT whose stage 1 the guest owns
  uint64_t table_base = 0;  // GPA of its table pages (the root first: the HWPT's s1_root)
  uint64_t table_size = 1ull << 20;
  bool lazy = false;         // strict: invalidate every unmap; lazy: a flush queue
  unsigned fq_size = 256;    // lazy: unmaps queued before a flush (Linux's IOVA_FQ_SIZE)
  Ps fq_timeout = 10 * kMs;  // lazy: a queued unmap's longest wait (Linux's FQ timeout)
  Ps trap = 5 * kUs;         // a guest invalidation reaching the host: VM exit and VMM (estimate)
  // The DMA-API pattern: `buffers` buffers of `buffer_size` at consecutive IOVAs from
  // `iova`, backed by GPAs from `gpa`, mapped at start with leaves of `leaf` bytes;
  // per packet (`per_packet`), every `interval` from `start` one buffer in turn is
  // unmapped and mapped again onto the other of two GPA halves (the DMA API's map per
  // packet), `packets` times (0: until the end); per buffer, they stay mapped (reuse).
  uint64_t iova = 0, gpa = 0, buffers = 64, buffer_size = 4096, leaf = 4096;
  bool per_packet = true;
  Ps start = 0, interval = 1 * kUs;
  uint64_t packets = 0;
};

}  // namespace sim
