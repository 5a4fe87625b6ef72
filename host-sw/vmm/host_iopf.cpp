// I/O page faults on the host (after the IOMMU core's io-pgfault.c and iommufd's
// eventq.c): a device's page request finds the fault handler of the domain its PASID
// (or its requests without one) is attached to; a group's requests wait per device
// until its last one, then the group goes to the HWPT's fault object. Responses go
// back to the device; the driver's IOPF enable count is the device's attachments to
// iopf-capable HWPTs (the VT-d driver's iopf_refcount).
#include "host-sw/vmm/host.h"

namespace sim {

void Host::enable_iopf_stats() {
  if (iopf_stats_) return;
  iopf_stats_ = true;
  const IopfCounts& c = iopf_counts_;
  auto add = [this](const char* name, const char* desc, const uint64_t& v) {
    env_.stats.computed(name, "count", desc, [&v] { return StatValue(int64_t(v)); });
  };
  add("host.iopf.requests", "page requests the devices reported", c.requests);
  add("host.iopf.groups", "page request groups delivered to fault objects", c.groups);
  add("host.iopf.refused", "page requests without a fault handler (answered INVALID)", c.refused);
  add("host.iopf.responses_success", "page responses SUCCESS sent to devices", c.success);
  add("host.iopf.responses_invalid", "page responses INVALID sent to devices", c.invalid);
}

unsigned Host::iopf_users(const std::string& device) const {
  unsigned n = 0;
  for (auto it = attached_.lower_bound({device, 0});
       it != attached_.end() && it->first.first == device; ++it)
    if (!hwpts_.at(it->second).fault.empty()) ++n;
  return n;
}

void Host::page_response(const PageResponse& r) {
  page_responses_.push_back(r);
  ++(r.code == kPageRespSuccess ? iopf_counts_.success : iopf_counts_.invalid);
}

bool Host::report_iopf(const std::string& device, const IopfFault& f) {
  ++iopf_counts_.requests;
  // find_fault_handler: the PASID's attachment, or the requests without a PASID. (A
  // driver with a user-managed PASID table, as Arm's or the selftest's mock, would
  // take an unattached PASID's faults on the RID's nested domain; VT-d has none.)
  const uint32_t key = (f.flags & kPgfaultPasidValid) ? f.pasid : kNoPasid;
  auto at = attached_.find({device, key});
  const Hwpt* hw = at == attached_.end() ? nullptr : &hwpts_.at(at->second);
  if (!hw || hw->fault.empty()) {  // iopf_error_response
    ++iopf_counts_.refused;
    page_response(
        {device, f.pasid, f.grpid, kPageRespInvalid, (f.flags & kPgfaultPasidValid) != 0});
    return false;
  }
  std::vector<IopfFault>& partial = iopf_partial_[device];
  if (!(f.flags & kPgfaultLastPage)) {  // report_partial_fault: no response needed
    partial.push_back(f);
    return true;
  }
  // iopf_group_alloc: the group's earlier requests, in arrival order, then the last.
  IopfGroup g;
  g.device = device;
  g.hwpt = at->second;
  g.attach_pasid = key;
  std::erase_if(partial, [&](const IopfFault& p) {
    if (p.grpid != f.grpid) return false;
    g.faults.push_back(p);
    return true;
  });
  g.faults.push_back(f);
  ++iopf_counts_.groups;
  faults_.at(hw->fault).deliver(std::move(g));
  return true;
}

void Host::iopf_detached(const std::string& hwpt, const std::string& device, uint32_t pasid) {
  auto hw = hwpts_.find(hwpt);
  if (hw == hwpts_.end() || hw->second.fault.empty()) return;
  faults_.at(hw->second.fault).auto_respond(device, pasid, [this](const PageResponse& r) {
    page_response(r);
  });
  // iopf_queue_remove_device once the last iopf-capable attachment went.
  if (!iopf_users(device)) iopf_partial_.erase(device);
}

std::string Host::iopf_invariants() const {
  for (const auto& [name, hw] : hwpts_)
    if (!hw.fault.empty() && !faults_.count(hw.fault))
      return "HWPT " + name + " holds fault object " + hw.fault + ", which is gone";
  std::string bad;
  for (const auto& entry : faults_) {
    const std::string& name = entry.first;  // named: lambdas cannot capture a binding (clang)
    entry.second.each_group([&](const IopfGroup& g) {
      auto at = attached_.find({g.device, g.attach_pasid});
      if (bad.empty() &&
          (at == attached_.end() || at->second != g.hwpt || hwpts_.at(g.hwpt).fault != name))
        bad = "fault object " + name + " holds a group of " + g.device + " PASID " +
              std::to_string(g.attach_pasid) + " whose attachment left it";
    });
  }
  return bad;
}

Errno Host::destroy_fault(const std::string& fault) {
  auto q = faults_.find(fault);
  if (q == faults_.end()) return Errno::Enoent;
  if (q->second.fd_open) return Errno::Ebusy;
  for (const auto& [name, hw] : hwpts_)
    if (hw.fault == fault) return Errno::Ebusy;
  q->second.destroy([this](const PageResponse& r) { page_response(r); });
  faults_.erase(q);
  objects_.remove(ObjectType::Fault, fault);
  return Errno::Ok;
}

}  // namespace sim
