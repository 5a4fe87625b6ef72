#include "host-sw/driver/iommu_driver.h"

#include <algorithm>
#include <bit>
#include <stdexcept>

namespace sim {

IommuDriver::IommuDriver(HostEnv& env, HostCpu& cpu, PhysAllocator& phys)
    : env_(env),
      cpu_(cpu),
      phys_(phys),
      format_(make_format(env.hw.format, env.hw.levels)),
      descriptors_(env.stats.counter("host.inv.descriptors", "count",
                                     "invalidation descriptors the driver submitted")),
      waits_(env.stats.counter("host.inv.waits", "count", "invalidation waits the driver polled")),
      deferred_full_(env.stats.counter("host.flush.deferred_full", "count",
                                       "deferred flushes forced by a full queue")),
      deferred_timer_(env.stats.counter("host.flush.deferred_timer", "count",
                                        "deferred flushes fired by the timer")) {
  if (!format_) throw std::logic_error("driver: unknown page-table format");
  const std::vector<HardwareInfo::Unit>& hw = env.hw.units;
  if (hw.empty()) throw std::logic_error("driver: no IOMMU unit");
  caps_ = {hw[0].max_order, hw[0].encoding};
  for (const HardwareInfo::Unit& u : hw) {
    units_.push_back({u});
    caps_.max_order = std::min(caps_.max_order, u.max_order);
    // Page-only is the least any unit takes, then power-of-two blocks.
    if (u.encoding == InvEncoding::PageOnly || caps_.encoding == InvEncoding::PageOnly)
      caps_.encoding = InvEncoding::PageOnly;
    else if (u.encoding == InvEncoding::Pow2Aligned)
      caps_.encoding = InvEncoding::Pow2Aligned;
  }
  const char* size[] = {"", "4k", "2m", "1g"};
  for (unsigned l = 1; l <= 3; ++l)
    env.stats.computed(std::string("iommu.pt.leaves.") + size[l], "count",
                       "leaf entries in the IO page tables at the end",
                       [this, l] { return StatValue(int64_t(leaves_[l])); });
}

uint64_t IommuDriver::alloc_table() {
  uint64_t pa = phys_.alloc(4096, 4096);
  if (!pa) throw std::runtime_error("host: out of physical memory for kernel pages");
  return pa;  // sparse memory reads as zero: a fresh table is empty
}

Domain* IommuDriver::domain_alloc(bool dirty_capable) {
  if (fail_.should_fail(FailPoint::Alloc)) return nullptr;
  auto d = std::make_unique<Domain>();
  d->dirty_capable = dirty_capable;
  d->did = next_did_++;
  d->root = alloc_table();
  ++pt_tables_;
  domains_.push_back(std::move(d));
  return domains_.back().get();
}

uint64_t IommuDriver::slot(Domain& d, uint64_t iova, unsigned level) {
  uint64_t table = d.root;
  for (unsigned l = format_->levels(); l > level; --l) {
    uint64_t addr = table + 8ull * format_->index(iova, l);
    uint64_t raw = env_.memory.read64(addr);
    Pte p = format_->decode(raw, l);
    if (!p.present) {
      if (fail_.should_fail(FailPoint::DomainMap)) return 0;
      uint64_t t = alloc_table();
      ++pt_tables_;
      env_.memory.write64(addr, format_->make_table(t, l));
      ++tables_gen_;
      table = t;
    } else if (p.leaf) {
      throw std::logic_error("driver: mapping over a large leaf");
    } else {
      table = p.addr;
    }
  }
  return table + 8ull * format_->index(iova, level);
}

std::pair<uint64_t, unsigned> IommuDriver::find_leaf(const Domain& d, uint64_t iova) const {
  uint64_t table = d.root;
  for (unsigned l = format_->levels(); l >= 1; --l) {
    uint64_t addr = table + 8ull * format_->index(iova, l);
    Pte p = format_->decode(env_.memory.read64(addr), l);
    if (!p.present) return {0, l};
    if (p.leaf) return {addr, l};
    table = p.addr;
  }
  return {0, 1};
}

Task<Errno> IommuDriver::map(Domain& d, uint64_t iova, uint64_t length, Backing backing, bool r,
                             bool w, bool huge) {
  d.mapped += length;
  uint64_t done = 0, in_table = 0;
  const LeafPerm perm{r, w, d.dirty_capable};
  // The leaf table of the 2 MiB block being filled: one walk per table, not per leaf.
  uint64_t block = UINT64_MAX, table = 0;
  while (done < length) {
    const uint64_t at = iova + done;
    auto [pa, run] = backing(done);
    // The largest page size that alignment and physical contiguity allow.
    unsigned shift = 12;
    for (uint64_t sizes = huge ? format_->page_sizes() : 0; sizes; sizes &= sizes - 1) {
      const unsigned s = unsigned(std::countr_zero(sizes));
      const uint64_t size = 1ull << s;
      if (at % size || pa % size || length - done < size || run < size) break;
      shift = s;
    }
    const unsigned level = format_->leaf_level(shift);
    const uint64_t n = format_->leaf_entries(shift);  // replicas (AMD v1), else 1
    const uint64_t leaf = format_->make_leaf(pa, shift, perm);
    uint64_t first;
    if (level == 1 && (at >> 21) == block) {
      first = table + 8ull * format_->index(at, 1);
    } else {
      first = slot(d, at, level);
      if (!first) {
        d.mapped -= length - done;  // the unmap below takes the rest
        if (done) co_await unmap(d, iova, done);
        co_return Errno::Enomem;
      }
      block = level == 1 ? at >> 21 : UINT64_MAX;
      table = first - 8ull * format_->index(at, 1);
    }
    for (uint64_t i = 0; i < n; ++i) env_.memory.write64(first + 8 * i, leaf);
    leaves_[level] += n;
    done += 1ull << shift;
    // Each leaf table filled is one atomic host operation.
    if ((in_table += n) >= 512 || done >= length ||
        (iova + done) % format_->entry_span(level + 1) == 0) {
      co_await cpu_.charge(cpu_.cost().table_visit + in_table * cpu_.cost().pte_write);
      in_table = 0;
      block = UINT64_MAX;  // others may change the tables while this one waits
    }
  }
  co_return Errno::Ok;
}

IommuDriver::Leaf IommuDriver::leaf_at(const Domain& d, uint64_t iova) const {
  auto [addr, level] = find_leaf(d, iova);
  Leaf l{0, level, 12 + 9 * (level - 1), 1};
  if (!addr) return l;
  l.shift = format_->decode(env_.memory.read64(addr), level).size_shift;
  l.entries = format_->leaf_entries(l.shift);
  // The replicas are consecutive and aligned to the leaf's size: the walked one is
  // iova's, the first is at the page's base.
  l.first = addr - 8 * ((iova & ((1ull << l.shift) - 1)) / format_->entry_span(level));
  return l;
}

Task<> IommuDriver::unmap(Domain& d, uint64_t iova, uint64_t length, bool sync) {
  d.mapped -= std::min(d.mapped, length);
  Gather g;
  uint64_t done = 0, in_table = 0;
  while (done < length) {
    const Leaf l = leaf_at(d, iova + done);
    const uint64_t size = 1ull << l.shift;
    const uint64_t step = size - (iova + done) % size;
    if (l.first) {
      for (uint64_t i = 0; i < l.entries; ++i) env_.memory.write64(l.first + 8 * i, 0);
      leaves_[l.level] -= l.entries;
      g.add(iova + done, step);
      in_table += l.entries;
    }
    done += step;
    if (in_table >= 512 || done >= length || (iova + done) % format_->entry_span(2) == 0) {
      co_await cpu_.charge(cpu_.cost().table_visit + in_table * cpu_.cost().pte_write);
      in_table = 0;
    }
  }
  if (!sync) co_return;
  // Tables the range covers whole are empty now: unhooked before the sync (which
  // drops the walk cache's pointers into them, the range being theirs), freed after.
  std::vector<uint64_t> freed;
  prune(d.root, format_->levels(), 0, iova, iova + length, freed);
  // Unmap before unpin: the IOTLB forgets the range before the caller frees pages.
  if (!g.empty()) {
    // (named vectors: g++ 12 rejects braced lists inside co_await)
    std::vector<InvDescriptor> descs = covering(d.did, g.start, g.end, caps());
    add_device_tlb(d, descs);
    co_await submit(d, descs);
  }
  for (uint64_t t : freed) free_table(t);
}

void IommuDriver::prune(uint64_t table, unsigned level, uint64_t base, uint64_t start, uint64_t end,
                        std::vector<uint64_t>& freed) {
  const uint64_t span = format_->entry_span(level);
  const uint64_t first = start > base ? (start - base) / span : 0;
  for (uint64_t i = first; i < 512; ++i) {
    const uint64_t at = base + i * span;
    if (at >= end) break;
    const uint64_t addr = table + 8 * i;
    const Pte p = format_->decode(env_.memory.read64(addr), level);
    if (!p.present || p.leaf) continue;
    prune(p.addr, level - 1, at, start, end, freed);
    // Like Linux, only a table the unmapped range covers whole is freed (and it is
    // empty then: every leaf under it was in the range).
    if (at >= start && at + span <= end && table_empty(p.addr)) {
      env_.memory.write64(addr, 0);
      ++tables_gen_;
      freed.push_back(p.addr);
    }
  }
}

bool IommuDriver::table_empty(uint64_t pa) const {
  for (uint64_t off = 0; off < 4096; off += 8)
    if (env_.memory.read64(pa + off)) return false;
  return true;
}

void IommuDriver::free_table(uint64_t pa) {
  for (uint64_t off = 0; off < 4096; off += 8) env_.memory.write64(pa + off, 0);
  phys_.free(pa, 4096);
  --pt_tables_;
  ++tables_gen_;
}

void IommuDriver::domain_free(Domain* d) {
  // Every table left below the root, then the root (the domain is unmapped already).
  if (!d->parent) {  // a nested domain has no tables: the guest owns its stage 1
    std::vector<uint64_t> freed;
    prune(d->root, format_->levels(), 0, 0, UINT64_MAX, freed);
    for (uint64_t t : freed) free_table(t);
    free_table(d->root);
  }
  std::erase_if(domains_, [d](const std::unique_ptr<Domain>& p) { return p.get() == d; });
}

IommuDriver::Leaf IommuDriver::leaf_in(const uint64_t* table, uint64_t table_pa,
                                       uint64_t iova) const {
  const unsigned i = format_->index(iova, 1);
  const uint64_t raw = table[i];
  if (!raw) return {0, 1, 12, 1};  // the common empty slot: nothing to decode
  const Pte p = format_->decode(raw, 1);
  if (!p.present) return {0, 1, 12, 1};
  Leaf l{0, 1, p.size_shift, format_->leaf_entries(p.size_shift)};
  // As leaf_at: the replicas are aligned to the leaf's size, the first at its base.
  l.first = table_pa + 8ull * i - 8 * ((iova & ((1ull << l.shift) - 1)) >> 12);
  return l;
}

IommuDriver::Leaf IommuDriver::leaf_near(const Domain& d, uint64_t iova, LeafCursor& c) const {
  if (c.gen != tables_gen_) c = LeafCursor{tables_gen_};
  if ((iova >> 21) == c.block1) return leaf_in(c.t1, c.pa1, iova);
  if ((iova >> 30) != c.block2) {
    uint64_t table = d.root;
    for (unsigned l = format_->levels(); l > 2; --l) {
      const Pte p = format_->decode(env_.memory.read64(table + 8ull * format_->index(iova, l)), l);
      if (!p.present || p.leaf) return leaf_at(d, iova);
      table = p.addr;
    }
    if (!env_.memory.find(table)) return leaf_at(d, iova);  // never written: all empty
    c.block2 = iova >> 30;
    c.pa2 = table;
    c.t2 = env_.memory.word64(table);  // its slab exists: nothing is allocated
  }
  const unsigned i = format_->index(iova, 2);
  const Pte p = format_->decode(c.t2[i], 2);
  if (!p.present) return {0, 2, 21, 1};
  if (p.leaf) {
    Leaf l{0, 2, p.size_shift, format_->leaf_entries(p.size_shift)};
    l.first = c.pa2 + 8ull * i - 8 * ((iova & ((1ull << l.shift) - 1)) >> 21);
    return l;
  }
  if (!env_.memory.find(p.addr)) return leaf_at(d, iova);
  c.block1 = iova >> 21;
  c.pa1 = p.addr;
  c.t1 = env_.memory.word64(p.addr);
  return leaf_in(c.t1, c.pa1, iova);
}

Task<HarvestCounts> IommuDriver::read_and_clear_dirty(
    Domain& d, uint64_t iova, uint64_t length, bool no_clear,
    const std::function<void(uint64_t, uint64_t)>& record) {
  HarvestCounts n;
  uint64_t done = 0, table_ptes = 0, table_cleared = 0;
  const HostCost& cost = cpu_.cost();
  // The tables of the current 1 GiB and 2 MiB blocks, found by one walk and then read
  // through backdoor pointers; valid until a table is hooked or unhooked.
  LeafCursor c;
  // One step is one leaf table: 4 KiB leaves to their 2 MiB boundary, 2 MiB leaves
  // to their 1 GiB one (a level-2 table), and so on.
  unsigned step_level = 0;
  auto end_step = [&]() -> SleepUntil {
    ++n.tables;
    const Ps walk = cost.table_visit + table_ptes * cost.pte_scan;
    const Ps clear = table_cleared * cost.pte_clear;
    if (!cpu_.free()) {
      acc_.walk += walk;
      acc_.clear += clear;
    }
    table_ptes = table_cleared = 0;
    step_level = 0;
    return cpu_.charge(walk + clear);
  };
  while (done < length) {
    const uint64_t at = iova + done;
    const Leaf l = leaf_near(d, at, c);
    const uint64_t size = 1ull << l.shift;
    const uint64_t step = size - at % size;
    // A leaf in another table than the step's so far starts a step of its own.
    if (l.first && step_level && l.level != step_level) co_await end_step();
    if (l.first) step_level = l.level;
    // A run of single leaves in one of the cursor's tables (4 KiB leaves in its level-1
    // table, 2 MiB ones in its level-2 table): read by one format call, with the counts
    // and records the general path below would make visiting them one by one.
    unsigned run = 0;
    if ((at >> 21) == c.block1 && at % 4096 == 0)
      run = 1;
    else if (l.first && l.level == 2 && l.entries == 1 && (at >> 30) == c.block2 &&
             at % format_->entry_span(2) == 0)
      run = 2;
    // An absent slot before a leaf of another level than the step's: the leaf ends that
    // step first, so the slot goes the general way.
    if (step_level && step_level != run) run = 0;
    uint64_t took = 0;
    if (run) {
      const uint64_t span = format_->entry_span(run);
      const unsigned i0 = format_->index(at, run);
      const uint64_t left = (length - done + span - 1) / span;
      // (A step's 512-PTE cap falls at the table's end: the run needs no cap of its own.)
      const unsigned i1 = unsigned(std::min<uint64_t>(512, i0 + left));
      uint16_t dirty_at[512];
      // Level 2 stops at an absent slot: each one ends the general path's step.
      const LeafScan s =
          format_->scan_leaves(run == 1 ? c.t1 : c.t2, run, i0, i1, !no_clear, run == 1, dirty_at);
      for (unsigned k = 0; k < s.dirty; ++k) {
        const uint64_t off = done + uint64_t(dirty_at[k] - i0) * span;
        record(iova + off, std::min<uint64_t>(span, length - off));
      }
      const uint64_t cleared = no_clear ? 0 : s.dirty;
      n.ptes += s.present;
      table_ptes += s.present;
      n.dirty += s.dirty;
      table_cleared += cleared;
      acc_.cleared_pages += cleared * (span / 4096);
      if (s.present) step_level = run;
      took = uint64_t(s.end - i0) * span;
    }
    if (took) {
      done += took;
    } else {
      if (l.first) {
        n.ptes += l.entries;  // every replica is read
        table_ptes += l.entries;
        // A present leaf was read, so its slab exists: word64 allocates nothing.
        uint64_t* e = env_.memory.word64(l.first);
        // Hardware set D on whichever replica it walked: the leaf is dirty if any is.
        bool dirty = false;
        for (uint64_t i = 0; i < l.entries; ++i) dirty |= format_->dirty(e[i]);
        if (dirty) {
          // The test-and-clear happens at this operation's timestamp.
          if (!no_clear) {
            for (uint64_t i = 0; i < l.entries; ++i)
              if (format_->dirty(e[i])) e[i] = format_->without_dirty(e[i]);
            ++table_cleared;
            acc_.cleared_pages += size / 4096;
          }
          ++n.dirty;
          record(at, step < length - done ? step : length - done);
        }
      }
      done += step;
    }
    const unsigned table_level = l.first ? l.level + 1 : 2;
    if (done >= length || (iova + done) % format_->entry_span(table_level) == 0 ||
        table_ptes >= 512)
      co_await end_step();
  }
  co_return n;
}

Task<> IommuDriver::make_writable_dirty(Domain& d, uint64_t iova, uint64_t length) {
  if (!format_->clean_needs_tracking()) co_return;
  uint64_t done = 0, table_ptes = 0, table_written = 0;
  while (done < length) {
    const Leaf l = leaf_at(d, iova + done);
    const uint64_t size = 1ull << l.shift;
    done += size - (iova + done) % size;
    for (uint64_t i = 0; l.first && i < l.entries; ++i, ++table_ptes) {
      uint64_t* pte = env_.memory.word64(l.first + 8 * i);
      if (!format_->decode(*pte, l.level).w_needs_tracking) continue;
      *pte = format_->with_access(*pte, true);
      ++table_written;
    }
    if (done >= length || (iova + done) % format_->entry_span(2) == 0 || table_ptes >= 512) {
      const HostCost& cost = cpu_.cost();
      co_await cpu_.charge(cost.table_visit + table_ptes * cost.pte_scan +
                           table_written * cost.pte_write);
      table_ptes = table_written = 0;
    }
  }
}

}  // namespace sim
