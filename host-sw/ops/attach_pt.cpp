// Attach, replace and detach of a device (or PASID) to a HWPT or to an IOAS through an
// automatic domain (attach_pt.h).
#include "host-sw/ops/attach_pt.h"

#include <algorithm>

#include "host-sw/ops/iopf_rules.h"
#include "host-sw/ops/msi_window.h"
#include "host-sw/ops/pasid_compat.h"

namespace sim {

void PtTarget::parse(ConfigReader& r, OpNames& n) {
  pt = read_hwpt(r, n);
  if (r.has("auto_hwpt")) auto_name = n.new_object(r, n.hwpt, "auto_hwpt");
}

Errno PtTarget::kind(Host& h, bool& ioas) const {
  ioas = !h.hwpts().count(pt);
  if (!ioas || h.ioases().count(pt)) return Errno::Ok;
  // An object of another type: iommufd_device_change_pt's default.
  return h.objects().id_of(std::nullopt, pt) ? Errno::Einval : Errno::Enoent;
}

uint32_t read_pasid(ConfigReader& r) {
  return r.has("pasid") ? uint32_t(r.integer("pasid", 1, (1 << 20) - 1)) : kNoPasid;
}

Task<Errno> PtTarget::change(Host& h, const std::string& device, uint32_t pasid, bool replace,
                             OpOutcome& out) const {
  bool to_ioas = false;
  if (Errno e = kind(h, to_ioas); e != Errno::Ok) co_return e;
  if (!replace && h.attachments().count({device, pasid})) co_return Errno::Ebusy;
  if (!to_ioas && replace) co_return co_await replace_hwpt(h, device, pasid, pt);
  if (!to_ioas) co_return co_await attach_hwpt(h, device, pasid, pt);
  std::string got;
  Errno e = co_await auto_get_domain(h, pt, device, pasid, replace, auto_name, got);
  if (e == Errno::Ok && !auto_name.empty() && got != auto_name)
    out.detail = "the automatic domain is HWPT '" + got + "', expected '" + auto_name + "'";
  co_return e;
}

namespace {

uint16_t bdf_of(Host& h, const std::string& device) {
  const HardwareInfo::Device* dev = h.device_info(device);
  return dev ? dev->bdf : 0;
}

// Every live object has its ID under its name (object_table.h), whatever its type.
bool name_taken(Host& h, const std::string& name) {
  return h.objects().id_of(std::nullopt, name).has_value();
}

// A new automatic HWPT's name: the one the scenario gave, unless something has it.
std::string new_auto_name(Host& h, const std::string& ioas, const std::string& want) {
  if (!want.empty() && !name_taken(h, want)) return want;
  for (unsigned k = 1;; ++k)
    if (std::string c = ioas + "#auto" + std::to_string(k); !name_taken(h, c)) return c;
}

uint64_t aperture_last(const IommuDriver& drv) {
  const unsigned bits = drv.format().iova_bits();
  return bits >= 64 ? UINT64_MAX : (1ull << bits) - 1;
}

}  // namespace

Task<Errno> attach_hwpt(Host& h, const std::string& device, uint32_t pasid,
                        const std::string& hwpt) {
  Host::Hwpt& hw = h.hwpts().at(hwpt);
  const HardwareInfo::Device* dev = h.device_info(device);
  // PASID-tagged device-TLB invalidation is not modelled.
  if (pasid != kNoPasid && dev && dev->ats) co_return Errno::Eopnotsupp;
  // A tracking domain on a unit that cannot track (the kernel's drivers refuse it).
  if (hw.dirty_capable && !h.tracking_capable(device)) co_return Errno::Einval;
  if (hw.nested()) {
    const Host::Hwpt& parent = h.hwpts().at(hw.parent);
    if (parent.dirty_capable && !h.tracking_capable(device)) co_return Errno::Einval;
    if (!hw.viommu.empty() && h.viommus().at(hw.viommu).unit != h.unit_of(device))
      co_return Errno::Einval;
    if (Errno e = h.driver().nested_attach_check(*hw.domain, h.unit_of(device)); e != Errno::Ok)
      co_return e;
  }
  // On x86 the MSI window, an IOMMU_RESV_MSI region owned by the device; EADDRINUSE
  // over an area or an allowed range, and the attach fails. Only for the requests
  // without a PASID: a PASID's DMA never carries an MSI (iommufd reserves the
  // device's regions in the non-PASID path only).
  IoPagetable& iopt = h.ioases()[hw.ioas]->iopt;
  const std::string owner = Host::attach_owner(device, pasid);
  Errno e = Errno::Ok;
  if (pasid == kNoPasid) {
    if (h.fail_alloc()) co_return Errno::Enomem;  // the reserved range's node
    if (e = iopt.reserve(kMsiFirst, kMsiLast, owner); e != Errno::Ok) co_return e;
  }
  // Then, in iommufd's order: a VF with PRI on an iopf-capable HWPT, the
  // PASID-compatibility rules and the device's PASID width (EINVAL), the driver's IOPF
  // enable (ENODEV without PRI; iopf_rules.h), then the PASID directory and tables the
  // entry needs (a failure point each, ENOMEM); each failure releases the window.
  if (e = iopf_compatible(hw, dev); e == Errno::Ok) e = pasid_compat(h, hw, device, pasid);
  if (e == Errno::Ok) e = pasid_in_width(dev, pasid);
  if (e == Errno::Ok) e = iopf_enable(hw, dev);
  if (e == Errno::Ok) e = h.driver().prepare_pasid_tables(bdf_of(h, device), pasid, hw.nested());
  if (e != Errno::Ok) {
    iopt.unreserve(owner);
    co_return e;
  }
  co_await h.driver().attach(*hw.domain, bdf_of(h, device), pasid);
  h.attachments()[{device, pasid}] = hwpt;
  co_return Errno::Ok;
}

Task<> detach_hwpt(Host& h, const std::string& device, uint32_t pasid) {
  auto it = h.attachments().find({device, pasid});
  if (it == h.attachments().end()) co_return;
  const std::string hwpt = it->second;
  const Host::Hwpt& hw = h.hwpts().at(hwpt);
  co_await h.driver().detach(*hw.domain, bdf_of(h, device), pasid);
  h.ioases()[hw.ioas]->iopt.unreserve(Host::attach_owner(device, pasid));
  h.attachments().erase(it);
  h.iopf_detached(hwpt, device, pasid);  // its pending page faults answered INVALID
  if (auto v = h.containers().find(hw.ioas); v != h.containers().end())
    v->second->device_detached();
  co_await put_hwpt(h, hwpt);
}

Task<Errno> replace_hwpt(Host& h, const std::string& device, uint32_t pasid,
                         const std::string& hwpt) {
  auto at = h.attachments().find({device, pasid});
  if (at == h.attachments().end()) co_return Errno::Einval;  // nothing to replace
  if (at->second == hwpt) co_return Errno::Ok;
  Host::Hwpt& to = h.hwpts().at(hwpt);
  if (to.dirty_capable && !h.tracking_capable(device)) co_return Errno::Einval;
  const std::string old = at->second;
  Host::Hwpt& from = h.hwpts().at(old);
  const std::string owner = Host::attach_owner(device, pasid);
  const bool other_ioas = from.ioas != to.ioas;
  // The MSI window moves with the requests without a PASID only (as attach).
  if (other_ioas && pasid == kNoPasid) {
    if (h.fail_alloc()) co_return Errno::Enomem;  // the reserved range's node
    Errno e = h.ioases()[to.ioas]->iopt.reserve(kMsiFirst, kMsiLast, owner);
    if (e != Errno::Ok) co_return e;
  }
  // The iopf and PASID-compatibility rules hold as for attach: EINVAL (ENODEV), the
  // reservation released.
  const HardwareInfo::Device* dev = h.device_info(device);
  Errno e = iopf_compatible(to, dev);
  if (e == Errno::Ok) e = pasid_compat(h, to, device, pasid);
  if (e == Errno::Ok) e = iopf_enable(to, dev);
  if (e == Errno::Ok)  // a nested HWPT puts the context into PASID mode
    e = h.driver().prepare_pasid_tables(bdf_of(h, device), pasid, to.nested());
  if (e != Errno::Ok) {
    if (other_ioas) h.ioases()[to.ioas]->iopt.unreserve(owner);
    co_return e;
  }
  co_await h.driver().replace(*from.domain, *to.domain, bdf_of(h, device), pasid);
  if (other_ioas) {
    h.ioases()[from.ioas]->iopt.unreserve(owner);
    if (auto v = h.containers().find(from.ioas); v != h.containers().end())
      v->second->device_detached();
  }
  at->second = hwpt;
  h.iopf_detached(old, device, pasid);  // the old HWPT's pending page faults: INVALID
  co_await put_hwpt(h, old);
  co_return Errno::Ok;
}

Task<> put_hwpt(Host& h, const std::string& hwpt) {
  auto hw = h.hwpts().find(hwpt);
  if (hw == h.hwpts().end()) co_return;
  const std::vector<std::string>& autos = h.ioases().at(hw->second.ioas)->auto_hwpts;
  if (std::find(autos.begin(), autos.end(), hwpt) == autos.end()) co_return;
  for (const auto& [key, name] : h.attachments())
    if (name == hwpt) co_return;  // another device or PASID still uses it
  co_await h.destroy_hwpt(hwpt);
}

Task<Errno> auto_get_domain(Host& h, const std::string& ioas, const std::string& device,
                            uint32_t pasid, bool replace, const std::string& want,
                            std::string& got) {
  Host::Ioas& io = *h.ioases().at(ioas);
  // Any automatic domain the device can use will do (oldest first).
  for (const std::string& hwpt : std::vector<std::string>(io.auto_hwpts)) {
    Errno e = Errno::Ok;
    if (replace)
      e = co_await replace_hwpt(h, device, pasid, hwpt);
    else
      e = co_await attach_hwpt(h, device, pasid, hwpt);
    if (e == Errno::Einval) continue;  // incompatible with the device
    if (e == Errno::Ok) got = hwpt;
    co_return e;
  }
  // iommufd_hwpt_paging_alloc: IOMMU_HWPT_ALLOC_PASID when the device has PASIDs
  // (max_pasids), so its PASIDs and its requests without one can share the domain.
  IommuDriver& drv = h.driver();
  Host::Hwpt hw;
  hw.ioas = ioas;
  const HardwareInfo::Device* dev = h.device_info(device);
  hw.pasid_compat = dev && dev->pasid_width > 0;
  hw.domain = drv.domain_alloc(false);
  if (!hw.domain) co_return Errno::Enomem;  // fault injection
  const std::string name = new_auto_name(h, ioas, want);
  Domain* d = hw.domain;
  if (!replace) {
    // Immediate attach: the device joins the domain, then the domain is filled.
    h.hwpts()[name] = hw;
    if (Errno e = co_await attach_hwpt(h, device, pasid, name); e != Errno::Ok) {
      h.hwpts().erase(name);
      drv.domain_free(d);
      co_return e;
    }
    if (Errno e = co_await io.iopt.add_domain(drv, h.vmm(), d, aperture_last(drv));
        e != Errno::Ok) {
      co_await drv.detach(*d, bdf_of(h, device), pasid);
      io.iopt.unreserve(Host::attach_owner(device, pasid));
      h.attachments().erase(std::make_pair(device, pasid));
      h.hwpts().erase(name);
      drv.domain_free(d);
      co_return e;
    }
  } else {
    if (Errno e = co_await io.iopt.add_domain(drv, h.vmm(), d, aperture_last(drv));
        e != Errno::Ok) {
      drv.domain_free(d);
      co_return e;
    }
    h.hwpts()[name] = hw;
    if (Errno e = co_await replace_hwpt(h, device, pasid, name); e != Errno::Ok) {
      co_await io.iopt.remove_domain(drv, d);
      h.hwpts().erase(name);
      drv.domain_free(d);
      co_return e;
    }
  }
  ++io.users;
  io.auto_hwpts.push_back(name);
  h.objects().add(ObjectType::Hwpt, name);
  got = name;
  co_return Errno::Ok;
}

}  // namespace sim
