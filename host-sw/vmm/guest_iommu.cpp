#include "host-sw/vmm/guest_iommu.h"

#include <stdexcept>

#include "host-sw/vmm/host.h"

namespace sim {

GuestIommu::GuestIommu(Host& host, const GuestConfig& c)
    : host_(host),
      c_(c),
      next_table_(c.table_base),
      maps_(host.driver().env().stats.counter("guest.maps", "count",
                                              "leaves the guest's IOMMU driver mapped")),
      invalidations_(host.driver().env().stats.counter(
          "guest.invalidations", "count", "HWPT_INVALIDATE calls the guest's vIOMMU made")),
      flushes_(host.driver().env().stats.counter("guest.fq_flushes", "count",
                                                 "lazy mode: flush-queue flushes (full or timer)")),
      trap_ns_(host.driver().env().stats.counter(
          "guest.inv_ns", "ns", "guest time in invalidations: trap, ioctl and the host's flush")) {}

std::optional<uint64_t> GuestIommu::hpa(uint64_t gpa) const {
  const IoPagetable* iopt = host_.find_ioas(host_.hwpts().at(c_.hwpt).ioas);
  if (!iopt) return std::nullopt;
  auto it = iopt->areas().upper_bound(gpa);
  if (it == iopt->areas().begin()) return std::nullopt;
  const IoptArea& a = (--it)->second;
  if (gpa > a.last()) return std::nullopt;
  return host_.vmm().pa(a.user_va + (gpa - a.iova));
}

uint64_t GuestIommu::read_entry(uint64_t gpa) const {
  std::optional<uint64_t> pa = hpa(gpa);
  return pa ? host_.driver().env().memory.read64(*pa) : 0;
}

void GuestIommu::write_entry(uint64_t gpa, uint64_t value) {
  std::optional<uint64_t> pa = hpa(gpa);
  if (!pa)
    throw std::runtime_error("guest: its page table at GPA " + hex(gpa) + " is not guest memory");
  host_.driver().env().memory.write64(*pa, value);
  host_.guest_cpu_write(*pa);
}

uint64_t GuestIommu::alloc_table() {
  if (next_table_ + 4096 > c_.table_base + c_.table_size)
    throw std::runtime_error("guest: out of page-table pages (host.guest.table_size)");
  const uint64_t t = next_table_;
  next_table_ += 4096;
  for (uint64_t off = 0; off < 4096; off += 8) write_entry(t + off, 0);
  return t;
}

void GuestIommu::map_leaf(uint64_t iova, uint64_t gpa) {
  const unsigned leaf_level = c_.leaf == (2ull << 20) ? 2 : 1;
  uint64_t table = c_.table_base;
  for (unsigned l = fmt_.levels(); l > leaf_level; --l) {
    const uint64_t slot = table + 8ull * fmt_.index(iova, l);
    const Pte p = fmt_.decode(read_entry(slot), l);
    if (!p.present) {
      const uint64_t t = alloc_table();
      write_entry(slot, fmt_.make_table(t, l));
      table = t;
    } else {
      table = p.addr;
    }
  }
  // As Linux's first-stage mappings for the DMA API: A and D preset, so the walker
  // need not set them (it still may, after a clear).
  const uint64_t leaf = fmt_.make_leaf(gpa, leaf_level == 2 ? 21 : 12, {true, true, false});
  write_entry(table + 8ull * fmt_.index(iova, leaf_level), leaf);
  ++maps_;
}

std::optional<uint64_t> GuestIommu::lookup(uint64_t iova) const {
  uint64_t table = c_.table_base;
  for (unsigned l = fmt_.levels(); l >= 1; --l) {
    const Pte p = fmt_.decode(read_entry(table + 8ull * fmt_.index(iova, l)), l);
    if (!p.present) return std::nullopt;
    if (p.leaf) return p.addr + (iova & ((1ull << p.size_shift) - 1));
    table = p.addr;
  }
  return std::nullopt;
}

Task<> GuestIommu::invalidate(uint64_t iova, uint64_t npages) {
  HostCpu& cpu = host_.cpu();
  const Ps t0 = cpu.now();
  co_await cpu.charge(c_.trap + cpu.cost().syscall);
  S1Invalidation q;
  q.addr = npages == S1Invalidation::kAll ? 0 : iova;
  q.npages = npages;
  q.flags = npages == S1Invalidation::kAll ? 0 : S1Invalidation::kLeaf;
  uint32_t done = 0;
  const std::vector<S1Invalidation> reqs(1, q);
  const Errno e = co_await host_.hwpt_invalidate(c_.hwpt, reqs, done);
  if (e != Errno::Ok)
    throw std::runtime_error(std::string("guest: HWPT_INVALIDATE failed: ") + errno_name(e));
  ++invalidations_;
  trap_ns_ += (cpu.now() - t0) / kNs;
}

Task<> GuestIommu::flush_queue() {
  const uint64_t n = queued_;
  queued_ = 0;
  ++fq_gen_;
  if (!n) co_return;
  ++flushes_;
  co_await invalidate(0, S1Invalidation::kAll);  // Linux's flush queue flushes everything
}

Task<> GuestIommu::timer(uint64_t gen, Ps at) {
  co_await SleepUntil{host_.driver().env().dispatcher, at, Rank::Timer};
  if (fq_gen_ == gen) co_await flush_queue();
}

Task<> GuestIommu::run() {
  HostCpu& cpu = host_.cpu();
  if (hpa(c_.table_base) == std::nullopt)
    throw std::runtime_error("guest: table_base is not mapped in its IOAS");
  next_table_ = c_.table_base + 4096;  // the root
  for (uint64_t off = 0; off < 4096; off += 8) write_entry(c_.table_base + off, 0);
  const uint64_t per_buffer = c_.buffer_size / c_.leaf;
  for (uint64_t b = 0; b < c_.buffers; ++b)
    for (uint64_t k = 0; k < per_buffer; ++k)
      map_leaf(c_.iova + b * c_.buffer_size + k * c_.leaf,
               c_.gpa + b * c_.buffer_size + k * c_.leaf);
  co_await cpu.charge(cpu.cost().pte_write * c_.buffers * per_buffer);
  if (!c_.per_packet) co_return;  // map per buffer: reused, never unmapped
  co_await SleepUntil{host_.driver().env().dispatcher, std::max(c_.start, cpu.now()), Rank::Host};
  for (uint64_t k = 0; (c_.packets == 0 || k < c_.packets) && !host_.vcpus_stopped(); ++k) {
    const Ps next = cpu.now() + c_.interval;
    // Packet k's buffer is unmapped and mapped again onto the other GPA half.
    const uint64_t b = k % c_.buffers, half = (k / c_.buffers + 1) % 2;
    const uint64_t iova = c_.iova + b * c_.buffer_size;
    const uint64_t gpa = c_.gpa + half * c_.buffers * c_.buffer_size + b * c_.buffer_size;
    for (uint64_t i = 0; i < per_buffer; ++i) map_leaf(iova + i * c_.leaf, gpa + i * c_.leaf);
    co_await cpu.charge(cpu.cost().pte_write * per_buffer);
    if (!c_.lazy) {
      co_await invalidate(iova, c_.buffer_size / 4096);
    } else if (++queued_ >= c_.fq_size) {
      co_await flush_queue();
    } else if (timer_gen_ != fq_gen_) {
      timer_gen_ = fq_gen_;
      std::erase_if(timers_, [](const Fiber& f) { return f.done(); });
      timers_.push_back(
          Fiber::start(timer(fq_gen_, cpu.now() + c_.fq_timeout), [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
          }));
    }
    if (cpu.now() < next) co_await SleepUntil{host_.driver().env().dispatcher, next, Rank::Host};
  }
}

}  // namespace sim
