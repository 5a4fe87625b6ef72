// The IOAS ioctls of the host (iommufd-semantics §1): each checks its arguments in the
// kernel's order, then hands over to the IOAS's io_pagetable, and compares what the
// call returns with what the scenario expects (`detail` says how it differs).
#include "host-sw/vmm/host.h"

namespace sim {

namespace {
std::string show(const std::vector<IovaRange>& rs) {
  std::string s = "[";
  for (const IovaRange& r : rs) s += (s.size() > 1 ? ", " : "") + hex(r.start) + "-" + hex(r.last);
  return s + "]";
}

void expect_value(const char* what, const std::optional<uint64_t>& want, uint64_t got,
                  std::string& detail) {
  if (want && *want != got && detail.empty())
    detail = std::string("expected ") + what + " " + hex(*want) + ", got " + hex(got);
}
}  // namespace

Task<Errno> Host::ioas_op(const HostOp& op, std::string& detail) {
  const std::string& o = op.op;
  auto find = [this](const std::string& id) -> IoPagetable* {
    auto it = ioas_.find(id);
    return it == ioas_.end() ? nullptr : &it->second->iopt;
  };
  if (o == "ioas_map") {
    // §1.4: overflow, then no permission, then the IOAS lookup.
    if (op.iova == UINT64_MAX || op.length == UINT64_MAX) co_return Errno::Eoverflow;
    if (!op.r && !op.w) co_return Errno::Einval;
    IoPagetable* iopt = find(op.ioas);
    if (!iopt) co_return Errno::Enoent;
    const VmmMapping* m = vmm_.find(op.user);
    if (!m) co_return Errno::Efault;  // the VMM unmapped it: no address to give
    uint64_t placed = 0;
    Errno e = co_await iopt->map(drv_, vmm_, op.iova_auto ? std::nullopt : std::optional(op.iova),
                                 m->va + op.offset, op.length, op.r, op.w, placed);
    if (e == Errno::Ok) {
      expect_value("iova", op.expect_iova, placed, detail);
      if (!op.save_iova.empty()) saved_iovas_[op.save_iova] = placed;
    }
    co_return e;
  }
  if (o == "ioas_copy") {
    // §1.7: overflow, permission, source lookup and slices, destination lookup, map.
    if (op.length == UINT64_MAX || op.iova == UINT64_MAX || op.dst_iova == UINT64_MAX)
      co_return Errno::Eoverflow;
    if (!op.r && !op.w) co_return Errno::Einval;
    IoPagetable* src = find(op.ioas);
    if (!src) co_return Errno::Enoent;
    std::vector<IoptSlice> slices;
    if (Errno e = src->get_pages(op.iova, op.length, slices); e != Errno::Ok) co_return e;
    IoPagetable* dst = find(op.dst_ioas);
    if (!dst) co_return Errno::Enoent;
    uint64_t placed = 0;
    Errno e = co_await dst->map_pages(drv_, vmm_, slices, op.length,
                                      op.iova_auto ? std::nullopt : std::optional(op.dst_iova),
                                      op.r, op.w, placed);
    if (e == Errno::Ok) {
      expect_value("iova", op.expect_iova, placed, detail);
      if (!op.save_iova.empty()) saved_iovas_[op.save_iova] = placed;
    }
    co_return e;
  }
  if (o == "ioas_option" && op.option == "rlimit_mode") {
    // §1.11: global, object 0; SET needs CAP_SYS_RESOURCE (EPERM) and a context with
    // no objects (EBUSY), then 0 (USER) or 1 (MM), else EINVAL.
    if (!op.ioas.empty()) co_return Errno::Eopnotsupp;
    if (!op.option_set) {
      expect_value("value", op.expect_value, rlimit_mm_ ? 1 : 0, detail);
      co_return Errno::Ok;
    }
    if (!c_.cap_sys_resource) co_return Errno::Eperm;
    if (!ioas_.empty() || !hwpts_.empty()) co_return Errno::Ebusy;
    if (*op.option_set > 1) co_return Errno::Einval;
    rlimit_mm_ = *op.option_set == 1;
    // New pages are MM when the context says so, unless CAP_IPC_LOCK makes them NONE.
    if (!c_.cap_ipc_lock) ledger_.set_new_mode(rlimit_mm_ ? AccountMode::Mm : AccountMode::User);
    co_return Errno::Ok;
  }
  IoPagetable* iopt = find(op.ioas);
  if (!iopt) co_return Errno::Enoent;
  if (o == "ioas_destroy") {
    if (ioas_[op.ioas]->users) co_return Errno::Ebusy;  // a HWPT holds it
    if (iopt->accesses()) co_return Errno::Ebusy;       // so does an access
    uint64_t n;
    co_await iopt->unmap(drv_, 0, UINT64_MAX, n);  // implicit unmap-all
    ioas_.erase(op.ioas);
    vfio_.erase(op.ioas);  // a VFIO container over it goes with it
    co_return Errno::Ok;
  }
  if (o == "ioas_unmap") {
    // `length: all` is U64_MAX: unmap-all with iova 0, EOVERFLOW otherwise (kernel).
    uint64_t n = 0;
    Errno e = co_await iopt->unmap(drv_, op.iova, op.length_all ? UINT64_MAX : op.length, n);
    if (e == Errno::Ok) expect_value("length", op.expect_length, n, detail);
    co_return e;  // on error the length is not copied back: nothing to compare
  }
  if (o == "ioas_iova_ranges") {
    const std::vector<IovaRange> all = iopt->iova_ranges();
    // The kernel writes min(num_iovas, total) entries and the count and alignment,
    // then says EMSGSIZE when the caller's array was too small.
    std::vector<IovaRange> written(all.begin(),
                                   all.begin() + std::min<uint64_t>(all.size(), op.num_iovas));
    if (op.expect_ranges && *op.expect_ranges != written)
      detail = "expected ranges " + show(*op.expect_ranges) + ", got " + show(written);
    expect_value("num_iovas", op.expect_num_iovas, all.size(), detail);
    expect_value("alignment", op.expect_alignment, iopt->alignment(), detail);
    co_return all.size() > op.num_iovas ? Errno::Emsgsize : Errno::Ok;
  }
  if (o == "ioas_allow_iovas") co_return iopt->allow_iovas(op.ranges);
  if (o == "ioas_option") {
    if (op.option_set) co_return iopt->set_huge_pages(*op.option_set);
    expect_value("value", op.expect_value, iopt->huge_pages() ? 1 : 0, detail);
    co_return Errno::Ok;
  }
  co_return Errno::Einval;
}

Task<Errno> Host::hwpt_destroy(const HostOp& op) {
  auto h = hwpts_.find(op.hwpt);
  if (h == hwpts_.end()) co_return Errno::Enoent;
  for (const auto& [dev, hwpt] : attached_)
    if (hwpt == op.hwpt) co_return Errno::Ebusy;  // a device is attached to it
  Ioas& io = *ioas_.at(h->second.ioas);
  // iopt_table_remove_domain, then the driver frees the page tables.
  co_await io.iopt.remove_domain(drv_, h->second.domain);
  drv_.domain_free(h->second.domain);
  --io.users;
  hwpts_.erase(h);
  co_return Errno::Ok;
}

Task<Errno> Host::access_op(const HostOp& op) {
  if (op.op == "access_create") {
    auto io = ioas_.find(op.ioas);
    if (io == ioas_.end()) co_return Errno::Enoent;
    if (accesses_.count(op.id)) co_return Errno::Eexist;
    accesses_[op.id] = {op.ioas, std::make_unique<IommufdAccess>(io->second->iopt)};
    co_return Errno::Ok;
  }
  auto it = accesses_.find(op.access);
  if (it == accesses_.end()) co_return Errno::Enoent;
  IommufdAccess& acc = *it->second.access;
  if (op.op == "access_destroy") {
    accesses_.erase(it);  // its pins go with it
    co_return Errno::Ok;
  }
  if (op.op == "access_unpin") co_return acc.unpin(op.iova, op.length);
  uint64_t pinned = 0;
  Errno e = acc.pin(drv_, vmm_, op.iova, op.length, op.w, pinned);
  co_await cpu_.charge(pinned * cpu_.cost().pin_page);
  co_return e;
}

}  // namespace sim
