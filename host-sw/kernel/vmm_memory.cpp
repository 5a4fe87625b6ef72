#include "host-sw/kernel/vmm_memory.h"

#include <iterator>

#include "models/base/rng.h"

namespace sim {

namespace {
uint64_t align_up(uint64_t v, uint64_t a) {
  return (v + a - 1) & ~(a - 1);
}
}  // namespace

// A bijection of [0, pages): an affine map with an odd multiplier followed by an
// xor-shift, both invertible modulo 2^k, cycle-walked until it lands inside.
uint64_t VmmMemory::permute(const VmmMapping& m, uint64_t i) {
  if (m.pages <= 1) return i;
  const uint64_t mask = (m.perm_bits >= 64) ? ~0ull : (1ull << m.perm_bits) - 1;
  uint64_t x = i;
  do {
    x = (x * m.perm_mul + m.perm_add) & mask;
    x ^= x >> (m.perm_bits / 2 + 1);
  } while (x >= m.pages);
  return x;
}

Errno VmmMemory::mmap(const std::string& name, uint64_t size, uint64_t backing, bool readonly,
                      uint64_t& va) {
  if (size == 0 || by_name_.count(name)) return Errno::Einval;
  VmmMapping m;
  m.name = name;
  m.size = align_up(size, backing);
  m.backing = backing;
  m.readonly = readonly;
  m.pages = m.size / backing;
  m.extent = phys_.alloc(m.size, backing);
  if (!m.extent) return Errno::Enomem;
  while ((1ull << m.perm_bits) < m.pages) ++m.perm_bits;
  Rng rng(stable_hash(name), "vmm.scatter");
  m.perm_mul = rng.next() | 1;
  m.perm_add = rng.next();
  m.va = align_up(next_va_, backing);
  next_va_ = m.va + m.size + backing;  // a guard gap between mappings
  va = m.va;
  by_name_[name] = m.va;
  by_va_[m.va] = m;
  return Errno::Ok;
}

Errno VmmMemory::munmap(const std::string& name) {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return Errno::Einval;
  // The physical pages stay allocated: IOMMU mappings may still pin them (the kernel
  // keeps pinned pages after munmap). Pin-aware freeing comes with pfn_reader.
  last_ = nullptr;
  by_va_.erase(it->second);
  by_name_.erase(it);
  return Errno::Ok;
}

const VmmMapping* VmmMemory::find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &by_va_.at(it->second);
}

const VmmMapping* VmmMemory::find_va(uint64_t va) const {
  if (last_ && va - last_->va < last_->size) return last_;
  auto it = by_va_.upper_bound(va);
  if (it == by_va_.begin()) return nullptr;
  --it;
  if (va - it->second.va >= it->second.size) return nullptr;
  return last_ = &it->second;
}

uint64_t VmmMemory::pa_in(const VmmMapping& m, uint64_t va) {
  const uint64_t off = va - m.va;
  return m.extent + permute(m, off / m.backing) * m.backing + off % m.backing;
}

std::optional<uint64_t> VmmMemory::pa(uint64_t va) const {
  const VmmMapping* m = find_va(va);
  if (!m) return std::nullopt;
  return pa_in(*m, va);
}

// Walks the mapping found once: a map with millions of pages asks page by page.
uint64_t VmmMemory::contiguous(uint64_t va, uint64_t max, uint64_t& pa) const {
  const VmmMapping* m = find_va(va);
  if (!m) return 0;
  pa = pa_in(*m, va);
  // The rest of va's backing page, then each next page while it follows in memory.
  uint64_t run = m->backing - (va - m->va) % m->backing;
  while (run < max && va + run - m->va < m->size && pa_in(*m, va + run) == pa + run)
    run += m->backing;
  return run < max ? run : max;
}

}  // namespace sim
