#include "host-sw/iommufd/iommufd_access.h"

namespace sim {

IommufdAccess::~IommufdAccess() {
  for (const Pin& p : pins_) iopt_->access_unpin(p.pieces);
  if (attached_) iopt_->remove_access(this);
}

Errno IommufdAccess::attach() {
  Errno e = iopt_->add_access(this);
  attached_ = e == Errno::Ok;
  return e;
}

Errno IommufdAccess::replace(IoPagetable& to) {
  if (!attached_) return Errno::Enoent;
  if (&to == iopt_) return Errno::Ok;
  if (Errno e = to.add_access(this); e != Errno::Ok) return e;
  notify_unmap(0, UINT64_MAX);  // the driver's unmap callback over everything
  iopt_->remove_access(this);
  iopt_ = &to;
  return Errno::Ok;
}

Errno IommufdAccess::pin(const IommuDriver& drv, const VmmMemory& vmm, uint64_t iova,
                         uint64_t length, bool write, uint64_t& pinned) {
  if (!needs_pin_) return Errno::Einval;
  Pin p{iova, length, {}};
  Errno e = iopt_->access_pin(drv, vmm, iova, length, write, p.pieces, pinned);
  if (e == Errno::Ok) pins_.push_back(std::move(p));
  return e;
}

Errno IommufdAccess::unpin(uint64_t iova, uint64_t length) {
  for (auto it = pins_.begin(); it != pins_.end(); ++it) {
    if (it->iova != iova || it->length != length) continue;
    iopt_->access_unpin(it->pieces);
    pins_.erase(it);
    return Errno::Ok;
  }
  return Errno::Enoent;
}

std::vector<AccessPiece> IommufdAccess::pieces() const {
  std::vector<AccessPiece> out;
  for (const Pin& p : pins_) out.insert(out.end(), p.pieces.begin(), p.pieces.end());
  return out;
}

bool IommufdAccess::pins_in(uint64_t iova, uint64_t last) const {
  for (const Pin& p : pins_)
    if (p.iova <= last && p.iova + (p.length - 1) >= iova) return true;
  return false;
}

void IommufdAccess::notify_unmap(uint64_t iova, uint64_t last) {
  if (internal_) return;
  std::erase_if(pins_, [&](const Pin& p) {
    if (p.iova > last || p.iova + (p.length - 1) < iova) return false;
    ++notices_;
    iopt_->access_unpin(p.pieces);
    return true;
  });
}

}  // namespace sim
