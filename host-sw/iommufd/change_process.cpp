#include "host-sw/iommufd/change_process.h"

#include <map>

namespace sim {

Errno change_process(const std::vector<IoPagetable*>& ioases, PinLedger& ledger, unsigned to,
                     uint64_t& moved) {
  moved = 0;
  // The pages objects behind every area, once each (COPYs and cuts share them).
  std::map<uint64_t, IoptPages*> pages;
  for (const IoPagetable* iopt : ioases)
    for (const auto& [iova, a] : iopt->areas()) {
      if (!a.pages->file()) return Errno::Einval;  // user memory stays with its mm
      pages.emplace(a.pages->id(), a.pages.get());
    }
  // What the new process takes, per accounting mode: each object's charged count
  // (npinned == last_npinned between calls). In mode NONE nothing is charged against
  // the limit, but pinned_vm moves too (the kernel leaves it on the old mm).
  std::map<AccountMode, uint64_t> take;
  for (const auto& [id, p] : pages)
    if (p->owner() != to) take[p->mode()] += p->last_npinned();
  std::vector<AccountMode> charged;
  for (const auto& [mode, n] : take) {
    if (n == 0) continue;
    if (Errno e = ledger.charge(mode, n, to); e != Errno::Ok) {
      for (AccountMode m : charged) ledger.uncharge(m, take[m], to);  // undone
      return e;
    }
    charged.push_back(mode);
  }
  for (const auto& [id, p] : pages) {
    if (p->owner() == to) continue;
    if (p->last_npinned()) ledger.uncharge(p->mode(), p->last_npinned(), p->owner());
    moved += p->last_npinned();
    p->set_owner(to);
  }
  return Errno::Ok;
}

}  // namespace sim
