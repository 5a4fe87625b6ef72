// Huge-leaf split when dirty tracking starts, and merge when it stops (after the SMMUv3
// split_block / merge_page proposal, never merged in Linux): a 2 MiB or 1 GiB leaf
// reports every small page under it as dirty for one byte written, so the driver
// trades PTE writes, table pages, invalidations and IOTLB reach for dirty granularity.
// Each huge leaf is swapped for a table in one atomic entry write (the new table is
// built first, invisible to the walker), its dirty state carried into every piece; one
// wait then drops what the IOTLB cached of the huge leaves. Merging is the reverse: a
// piece table that still maps the huge leaf's pages whole, with the same rights,
// becomes the huge leaf again (dirty if any piece is), and its tables are freed only
// after the invalidation that drops the walk cache's pointers into them.
#include <algorithm>

#include "host-sw/driver/iommu_driver.h"

namespace sim {

void IommuDriver::enable_split_stats() {
  if (!split_stats_.empty()) return;
  static const char* const kStats[][3] = {
      {"host.split.leaves_split", "count", "huge leaves split for dirty tracking"},
      {"host.split.leaves_merged", "count", "split leaves merged back into their huge leaf"},
      {"host.split.merge_skipped", "count", "split leaves no longer whole, left split"},
      {"host.split.tables", "count", "leaf tables written by splits and freed by merges"},
      {"host.split.ptes_written", "count", "PTEs written by splits and merges"},
      {"host.split.descriptors", "count", "invalidation descriptors splits and merges submitted"},
      {"host.split.cpu_ns", "ns", "host CPU time in splits and merges, waits included"}};
  for (const auto& s : kStats) split_stats_.push_back(&env_.stats.counter(s[0], s[1], s[2]));
}

void IommuDriver::count_split(const SplitCounts& n, bool merge) {
  if (split_stats_.empty()) return;
  *split_stats_[merge ? 1 : 0] += n.leaves;
  *split_stats_[2] += n.skipped;
  *split_stats_[3] += n.tables;
  *split_stats_[4] += n.ptes;
  *split_stats_[5] += n.descriptors;
  *split_stats_[6] += uint64_t(n.cpu / kNs);
}

// A table of `level` mapping 512 level spans from `pa`: leaves down to `leaf_level`,
// tables above it. Returns its physical address.
uint64_t IommuDriver::build_split(uint64_t pa, unsigned level, unsigned leaf_level, LeafPerm perm,
                                  bool dirty, SplitCounts& n) {
  const uint64_t t = alloc_table();
  ++pt_tables_;
  ++n.tables;
  const uint64_t span = format_->entry_span(level);
  const unsigned shift = 12 + 9 * (level - 1);
  for (unsigned i = 0; i < 512; ++i) {
    uint64_t e;
    if (level > leaf_level) {
      e = format_->make_table(build_split(pa + i * span, level - 1, leaf_level, perm, dirty, n),
                              level);
    } else {
      e = format_->make_leaf(pa + i * span, shift, perm);
      // Each piece is as dirty as the huge leaf was (Arm maps writable-dirty by default).
      if (dirty)
        e = format_->with_access(e, true);
      else if (format_->dirty(e))
        e = format_->without_dirty(e);
      ++leaves_[level];
    }
    env_.memory.write64(t + 8ull * i, e);
    ++n.ptes;
  }
  return t;
}

Task<SplitCounts> IommuDriver::split_leaves(Domain& d, uint64_t iova, uint64_t length,
                                            unsigned shift) {
  SplitCounts n;
  const Ps t0 = cpu_.now();
  const unsigned target = format_->leaf_level(shift);
  std::vector<InvDescriptor> descs;
  for (uint64_t done = 0; done < length;) {
    const uint64_t at = iova + done;
    const Leaf l = leaf_at(d, at);
    const uint64_t size = 1ull << l.shift;
    const uint64_t base = at & ~(size - 1);
    done = base + size - iova;
    if (!l.first || l.shift <= shift || l.level <= target) continue;
    // Read the huge leaf and swap it for its pieces in one atomic step: a write the
    // hardware makes dirty before the swap is carried into every piece.
    const Pte p = format_->decode(env_.memory.read64(l.first), l.level);
    bool dirty = false;
    for (uint64_t i = 0; i < l.entries; ++i)
      dirty |= format_->dirty(env_.memory.read64(l.first + 8 * i));
    const LeafPerm perm{p.r, p.w, d.dirty_capable};
    const SplitCounts before = n;
    for (uint64_t i = 0; i < l.entries; ++i) {
      const uint64_t span = format_->entry_span(l.level);
      const uint64_t t = build_split(p.addr + i * span, l.level - 1, target, perm, dirty, n);
      env_.memory.write64(l.first + 8 * i, format_->make_table(t, l.level));
      ++n.ptes;
    }
    leaves_[l.level] -= l.entries;
    ++tables_gen_;
    ++n.leaves;
    d.split.emplace(base, l.shift);
    std::vector<InvDescriptor> c = covering(d.did, base, base + size - 1, caps());
    descs.insert(descs.end(), c.begin(), c.end());
    const HostCost& cost = cpu_.cost();
    co_await cpu_.charge((n.tables - before.tables) * cost.table_visit +
                         (n.ptes - before.ptes) * cost.pte_write);
  }
  if (!descs.empty()) {
    // The huge leaves' IOTLB entries would keep translating (and skipping D) for the
    // whole block: they go before tracking relies on the pieces.
    add_device_tlb(d, descs);
    n.descriptors = descs.size();
    co_await submit(d, descs);
  }
  n.cpu = cpu_.now() - t0;
  count_split(n, false);
  co_return n;
}

// Whether `table` of `level` maps 512 spans contiguously from `pa` down to leaves with
// `want`'s rights; ORs their dirty state, lists the tables and counts the leaves by level.
bool IommuDriver::merge_check(uint64_t table, unsigned level, uint64_t pa, const Pte& want,
                              bool& dirty, std::vector<uint64_t>& tables,
                              uint64_t (&pieces)[4]) const {
  tables.push_back(table);
  const uint64_t span = format_->entry_span(level);
  for (unsigned i = 0; i < 512; ++i) {
    const uint64_t raw = env_.memory.read64(table + 8ull * i);
    const Pte p = format_->decode(raw, level);
    if (!p.present) return false;
    if (!p.leaf) {
      if (level == 1 || !merge_check(p.addr, level - 1, pa + i * span, want, dirty, tables, pieces))
        return false;
      continue;
    }
    if (p.size_shift != 12 + 9 * (level - 1) || p.addr != pa + i * span || p.r != want.r ||
        p.w != want.w)
      return false;
    dirty |= format_->dirty(raw);
    ++pieces[level];
  }
  return true;
}

Task<SplitCounts> IommuDriver::merge_leaves(Domain& d, uint64_t iova, uint64_t length) {
  SplitCounts n;
  const Ps t0 = cpu_.now();
  std::vector<InvDescriptor> descs;
  std::vector<uint64_t> freed;
  auto it = d.split.lower_bound(iova);
  while (it != d.split.end() && it->first < iova + length) {
    const auto [base, shift] = *it;
    it = d.split.erase(it);
    const unsigned level = format_->leaf_level(shift);
    const uint64_t entries = format_->leaf_entries(shift), span = format_->entry_span(level);
    // Every replica slot must still point to a whole piece table of the huge page.
    auto [slot0, l0] = find_leaf(d, base);
    uint64_t pa = 0;
    Pte want;
    if (slot0) {
      want = format_->decode(env_.memory.read64(slot0), l0);
      pa = want.addr;
    }
    bool whole = slot0 && pa % (1ull << shift) == 0;
    bool dirty = false;
    uint64_t pieces[4] = {};
    std::vector<uint64_t> tables, slots;
    uint64_t table = d.root;  // the table holding the huge leaf's slots
    for (unsigned l = format_->levels(); whole && l > level; --l) {
      const Pte p = format_->decode(env_.memory.read64(table + 8ull * format_->index(base, l)), l);
      if (!p.present || p.leaf) whole = false;
      table = p.addr;
    }
    for (uint64_t i = 0; whole && i < entries; ++i) {
      const uint64_t slot = table + 8ull * (format_->index(base, level) + i);
      const Pte p = format_->decode(env_.memory.read64(slot), level);
      whole = p.present && !p.leaf &&
              merge_check(p.addr, level - 1, pa + i * span, want, dirty, tables, pieces);
      slots.push_back(slot);
    }
    if (!whole) {
      ++n.skipped;
      continue;
    }
    uint64_t e = format_->make_leaf(pa, shift, {want.r, want.w, d.dirty_capable});
    if (dirty)
      e = format_->with_access(e, true);
    else if (format_->dirty(e))
      e = format_->without_dirty(e);
    for (uint64_t s : slots) env_.memory.write64(s, e);
    leaves_[level] += entries;
    for (unsigned l = 1; l <= 3; ++l) leaves_[l] -= pieces[l];
    ++tables_gen_;
    ++n.leaves;
    n.ptes += entries;
    n.tables += tables.size();
    freed.insert(freed.end(), tables.begin(), tables.end());
    std::vector<InvDescriptor> c = covering(d.did, base, base + (1ull << shift) - 1, caps());
    descs.insert(descs.end(), c.begin(), c.end());
    const HostCost& cost = cpu_.cost();
    co_await cpu_.charge(tables.size() * (cost.table_visit + 512 * cost.pte_scan) +
                         entries * cost.pte_write);
  }
  if (!descs.empty()) {
    add_device_tlb(d, descs);
    n.descriptors = descs.size();
    co_await submit(d, descs);
  }
  for (uint64_t t : freed) free_table(t);
  n.cpu = cpu_.now() - t0;
  count_split(n, true);
  co_return n;
}

}  // namespace sim
