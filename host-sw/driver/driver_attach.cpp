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
  const DeviceAttach& a = attach_[bdf];
  const uint8_t aw = format_->levels() == 5 ? 3 : 2;
  auto put = [&](uint64_t addr, std::pair<uint64_t, uint64_t> e) {
    env_.memory.write64(addr + 8, e.second);
    env_.memory.write64(addr, e.first);  // present last
  };
  ContextEntry c;
  c.tt = ats(bdf) ? ContextEntry::kTranslateAts : ContextEntry::kTranslate;
  c.aw = aw;
  if (a.pasid_table) {
    c.present = c.pasid = true;
    c.root = a.pasid_table;
    auto entry = [&](const Domain* d) {
      PasidEntry p;
      if (d) p = {true, false, d->root, aw, d->dirty_tracking, d->did};
      return p.encode();
    };
    put(pasid_entry_addr(a.pasid_table, kRidPasid), entry(a.rid));
    for (const auto& [pasid, d] : a.pasids) put(pasid_entry_addr(a.pasid_table, pasid), entry(d));
  } else if (a.rid) {
    c.present = true;
    c.root = a.rid->root;
    c.ade = a.rid->dirty_tracking;
    c.did = a.rid->did;
  }
  put(context_entry_addr(root.context_table, bdf), c.encode());
}

InvDescriptor IommuDriver::entry_invalidation(uint16_t did, uint16_t bdf, uint32_t pasid) const {
  auto it = attach_.find(bdf);
  if (it == attach_.end() || !it->second.pasid_table)
    return InvDescriptor::context_device(did, bdf);
  return InvDescriptor::pasid_cache(did, pasid == kNoPasid ? kRidPasid : pasid);
}

Task<> IommuDriver::attach(Domain& d, uint16_t bdf, uint32_t pasid) {
  DeviceAttach& a = attach_[bdf];
  std::vector<InvDescriptor> descs;
  if (pasid != kNoPasid && !a.pasid_table) {
    // Into PASID mode: a new context entry, so the context cache is invalidated.
    a.pasid_table = alloc_table();
    a.pasids[pasid] = &d;
    descs.push_back(InvDescriptor::context_device(d.did, bdf));
  } else {
    descs.push_back(entry_invalidation(d.did, bdf, pasid));
    (pasid == kNoPasid ? a.rid : a.pasids[pasid]) = &d;
  }
  write_context(bdf);
  d.devices.push_back(bdf);
  co_await cpu_.charge(cpu_.cost().pte_write * 2);
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
  if (a.pasid_table && pasid != kNoPasid)  // the entry goes: clear it
    env_.memory.write64(pasid_entry_addr(a.pasid_table, pasid), 0);
  write_context(bdf);
  d.devices.erase(std::find(d.devices.begin(), d.devices.end(), bdf));
  co_await cpu_.charge(cpu_.cost().pte_write * 2);
  descs.push_back(InvDescriptor::iotlb_domain(d.did));
  if (ats(bdf)) descs.push_back(InvDescriptor::device_tlb(bdf, 0, 52));
  co_await submit_unit(unit_of(bdf), descs, true, 0);
}

Task<> IommuDriver::set_dirty_tracking(Domain& d, bool on, bool flush_iotlb) {
  if (d.dirty_tracking == on) co_return;  // a no-op, as the kernel's drivers treat it
  d.dirty_tracking = on;
  std::vector<InvDescriptor> descs;
  unsigned entries = 0;
  for (const auto& [bdf, a] : attach_) {
    bool touched = false;
    if (a.rid == &d) {
      descs.push_back(entry_invalidation(d.did, bdf, kNoPasid));
      touched = true;
    }
    for (const auto& [pasid, pd] : a.pasids)
      if (pd == &d) {
        descs.push_back(entry_invalidation(d.did, bdf, pasid));
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
