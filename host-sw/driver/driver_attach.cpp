// The IOMMU driver's side of devices: context and PASID entries written from each
// device's attachments, and the invalidations that make their changes visible.
#include <algorithm>

#include "host-sw/driver/iommu_driver.h"
#include "iommu/context_entry.h"

namespace sim {

bool IommuDriver::ats(uint16_t bdf) const {
  for (const auto& dev : env_.hw.devices)
    if (dev.bdf == bdf) return dev.ats;
  return false;
}

void IommuDriver::add_device_tlb(const Domain& d, std::vector<InvDescriptor>& descs) const {
  std::vector<InvDescriptor> dev;
  for (const InvDescriptor& x : descs) {
    if (x.type != InvDescriptor::kIotlb) continue;
    // Device TLBs take aligned power-of-two sizes: a range goes as its covering block.
    uint8_t am = 52;
    uint64_t addr = 0;
    if (x.granularity == InvDescriptor::kPage) {
      am = x.am;
      addr = x.addr;
    } else if (x.granularity == InvDescriptor::kRange && x.pages) {
      InvDescriptor c = covering_invalidation(x.did, x.addr, x.addr + x.span_bytes() - 1, 52);
      am = c.am;
      addr = c.addr;
    }
    for (uint16_t bdf : d.devices)
      if (ats(bdf)) dev.push_back(InvDescriptor::device_tlb(bdf, addr, am));
  }
  descs.insert(descs.end(), dev.begin(), dev.end());
}

void IommuDriver::write_context(uint16_t bdf) {
  const uint64_t ra = root_entry_addr(unit_of(bdf).root_table, bdf);
  RootEntry root = RootEntry::decode(env_.memory.read64(ra), 0);
  if (!root.present) {
    root = {true, alloc_table()};
    auto [lo, hi] = root.encode();
    env_.memory.write64(ra, lo);
    env_.memory.write64(ra + 8, hi);
  }
  DeviceAttach& a = attach_[bdf];
  const uint8_t aw = format_->levels() == 5 ? 3 : 2;
  auto put = [&](uint64_t addr, std::pair<uint64_t, uint64_t> e) {
    env_.memory.write64(addr + 8, e.second);
    env_.memory.write64(addr, e.first);  // present last
  };
  ContextEntry c;
  c.tt = ats(bdf) ? ContextEntry::kTranslateAts : ContextEntry::kTranslate;
  c.aw = aw;
  if (a.pasid_dir) {
    c.present = c.pasid = true;
    c.root = a.pasid_dir;
    c.pdts = a.pdts;
    auto entry = [&](uint32_t pasid, const Domain* d) {
      const uint64_t slot = pasid_slot(a, pasid);
      if (d && d->parent) {  // a nested entry: its second half first
        put(slot + 16, nesting_half(*d));
        put(slot, nested_entry(*d, aw));
        return;
      }
      PasidEntry p;
      if (d) {
        p.present = true;
        p.root = d->root;
        p.aw = aw;
        p.ade = d->dirty_tracking;
        p.did = d->did;
      }
      put(slot, p.encode());
    };
    entry(kRidPasid, a.rid);
    for (const auto& [pasid, d] : a.pasids) entry(pasid, d);
  } else if (a.rid) {
    c.present = true;
    c.root = a.rid->root;
    c.ade = a.rid->dirty_tracking;
    c.did = a.rid->did;
  }
  put(context_entry_addr(root.context_table, bdf), c.encode());
  a.context_pasid = c.pasid;
}

InvDescriptor IommuDriver::entry_invalidation(uint16_t did, uint16_t bdf, uint32_t pasid) const {
  auto it = attach_.find(bdf);
  if (it == attach_.end() || !it->second.context_pasid)
    return InvDescriptor::context_device(did, bdf);
  return InvDescriptor::pasid_cache(did, pasid == kNoPasid ? kRidPasid : pasid);
}

Task<> IommuDriver::attach(Domain& d, uint16_t bdf, uint32_t pasid) {
  DeviceAttach& a = attach_[bdf];
  std::vector<InvDescriptor> descs;
  // A nested domain is a PASID entry (RID_PASID for requests without one).
  const bool nested = d.parent != nullptr;
  if (pasid != kNoPasid || nested || a.pasid_dir)
    ensure_pasid_tables(a, bdf, pasid, false);  // prepared ahead, or made here
  (pasid == kNoPasid ? a.rid : a.pasids[pasid]) = &d;
  // Into PASID mode: a new context entry, so the context cache is invalidated.
  descs.push_back(a.pasid_dir && !a.context_pasid ? InvDescriptor::context_device(d.did, bdf)
                                                  : entry_invalidation(d.did, bdf, pasid));
  write_context(bdf);
  d.devices.push_back(bdf);
  if (d.parent) d.parent->devices.push_back(bdf);  // its flushes reach this unit and ATC
  co_await cpu_.charge(cpu_.cost().pte_write * (nested ? 4 : 2));
  co_await submit_unit(unit_of(bdf), descs, true, 0);
}

Task<> IommuDriver::detach(Domain& d, uint16_t bdf, uint32_t pasid) {
  DeviceAttach& a = attach_[bdf];
  std::vector<InvDescriptor> descs;
  descs.push_back(entry_invalidation(d.did, bdf, pasid));
  if (pasid == kNoPasid)
    a.rid = nullptr;
  else
    a.pasids.erase(pasid);
  if (a.pasid_dir && pasid != kNoPasid)  // the entry goes: clear it
    env_.memory.write64(pasid_slot(a, pasid), 0);
  write_context(bdf);
  d.devices.erase(std::find(d.devices.begin(), d.devices.end(), bdf));
  if (d.parent)
    d.parent->devices.erase(std::find(d.parent->devices.begin(), d.parent->devices.end(), bdf));
  co_await cpu_.charge(cpu_.cost().pte_write * 2);
  // A nested domain's entries are stage-1 ones, tagged with its PASID.
  if (d.parent)
    descs.push_back(InvDescriptor::piotlb_pasid(d.did, pasid == kNoPasid ? kRidPasid : pasid));
  else
    descs.push_back(InvDescriptor::iotlb_domain(d.did));
  if (ats(bdf)) descs.push_back(InvDescriptor::device_tlb(bdf, 0, 52));
  co_await submit_unit(unit_of(bdf), descs, true, 0);
}

Task<> IommuDriver::set_dirty_tracking(Domain& d, bool on, bool flush_iotlb) {
  if (d.dirty_tracking == on) co_return;  // a no-op, as the kernel's drivers treat it
  d.dirty_tracking = on;
  std::vector<InvDescriptor> descs;
  unsigned entries = 0;
  // Entries of nested domains on `d` carry its tracking enable as their stage 2's.
  auto uses = [&d](const Domain* x) { return x && (x == &d || x->parent == &d); };
  for (const auto& [bdf, a] : attach_) {
    bool touched = false;
    if (uses(a.rid)) {
      descs.push_back(entry_invalidation(a.rid->did, bdf, kNoPasid));
      touched = true;
    }
    for (const auto& [pasid, pd] : a.pasids)
      if (uses(pd)) {
        descs.push_back(entry_invalidation(pd->did, bdf, pasid));
        touched = true;
      }
    if (touched) {
      write_context(bdf);
      ++entries;
    }
  }
  // Entries filled while tracking was off must not act as dirty-known (skipping this
  // is a negative control).
  // Device TLBs too: a write grant made while tracking was off never set D.
  if (flush_iotlb) {
    descs.push_back(InvDescriptor::iotlb_domain(d.did));
    add_device_tlb(d, descs);
  }
  co_await cpu_.charge(cpu_.cost().pte_write * 2 * entries);
  co_await submit(d, descs);
}

}  // namespace sim
