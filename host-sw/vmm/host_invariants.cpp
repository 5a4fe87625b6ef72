// The bookkeeping rules that must hold between host operations (tests and the host-ops
// fuzzer call the checker after every step).
#include "host-sw/vmm/host.h"

namespace sim {

std::string Host::check_invariants() const {
  // Pages covered by areas stored in domains, per pages object: must be what the
  // ledger pins, and the charge must equal the pinned pages.
  std::map<uint64_t, std::vector<IovaRange>> covers;
  std::map<uint64_t, const IoptPages*> pages;
  for (const auto& [name, acc] : accesses_)
    for (const AccessPiece& x : acc.access->pieces()) {
      pages[x.pages->id()] = x.pages.get();
      covers[x.pages->id()].push_back({x.range.first, x.range.last});
      // The pinned_pfns tier holds the page the VMM has there.
      auto want = vmm_.pa(x.range.first * 4096);
      if (!x.pages->in_access_tier(x.range.first))
        return "access " + name + ": page " + hex(x.range.first * 4096) + " not in pinned_pfns";
      if (want && x.pages->access_pfn(x.range.first).first != *want / 4096)
        return "access " + name + ": pinned_pfns of " + hex(x.range.first * 4096) + " is wrong";
    }
  for (const auto& [name, io] : ioas_) {
    const IoPagetable& iopt = io->iopt;
    const std::string where = "IOAS " + name + ": ";
    if (iopt.alignment() != iopt.computed_alignment())
      return where + "alignment " + std::to_string(iopt.alignment()) + ", expected " +
             std::to_string(iopt.computed_alignment());
    const auto& allowed = iopt.allowed();
    for (size_t i = 0; i < allowed.size(); ++i) {
      if (allowed[i].start >= allowed[i].last) return where + "an empty allowed range";
      for (size_t j = 0; j < i; ++j)
        if (allowed[j].start <= allowed[i].last && allowed[i].start <= allowed[j].last)
          return where + "allowed ranges overlap";
      for (const ReservedRange& r : iopt.reserved())
        if (r.range.start <= allowed[i].last && allowed[i].start <= r.range.last)
          return where + "allowed range meets reserved " + hex(r.range.start);
    }
    uint64_t prev_end = 0;
    bool first = true;
    for (const auto& [iova, a] : iopt.areas()) {
      if (!first && a.iova < prev_end) return where + "areas overlap at " + hex(a.iova);
      first = false;
      prev_end = a.iova + a.length;
      if (!a.pages) return where + "area " + hex(a.iova) + " has no pages";
      if (a.user_va < a.pages->uptr() || a.user_va + a.length > a.pages->uptr() + a.pages->length())
        return where + "area " + hex(a.iova) + " outside its pages";
      if (a.w && !a.pages->writable()) return where + "writable area on read-only pages";
      const uint64_t al = iopt.alignment();
      if (a.iova % al || a.length % al || a.page_offset() % al)
        return where + "area " + hex(a.iova) + " not aligned to " + std::to_string(al);
      if (a.iova != iova || a.length == 0 || a.iova + (a.length - 1) < a.iova)
        return where + "area " + hex(a.iova) + " malformed";
      for (const ReservedRange& r : iopt.reserved())
        if (r.range.start <= a.last() && a.iova <= r.range.last)
          return where + "area " + hex(a.iova) + " inside reserved (" + r.owner + ")";
      pages[a.pages->id()] = a.pages.get();
      if (iopt.domains().empty() != (a.cover == 0))
        return where + "area " + hex(a.iova) +
               (a.cover ? " stored without a domain" : " not stored");
      if (a.cover) covers[a.pages->id()].push_back({a.first_page(), a.last_page()});
      if (a.pages->mode() == AccountMode::None && !c_.cap_ipc_lock)
        return where + "area " + hex(a.iova) + " not accounted without CAP_IPC_LOCK";
      // Sample the area: its first and last pages and up to 64 in between.
      const uint64_t pages = (a.length + 4095) / 4096, step = pages > 64 ? pages / 64 : 1;
      std::vector<uint64_t> sample;
      for (uint64_t p = 0; p < pages; p += step) sample.push_back(p);
      if (sample.back() != pages - 1) sample.push_back(pages - 1);
      for (const Domain* d : iopt.domains()) {
        for (uint64_t p : sample) {
          const uint64_t at = a.iova + p * 4096;
          auto [pte_addr, level] = drv_.find_leaf(*d, at);
          if (!pte_addr) return where + hex(at) + " not mapped in domain " + std::to_string(d->did);
          Pte pte = drv_.format().decode(env_.memory.read64(pte_addr), level);
          const uint64_t pa = pte.addr + (at & ((1ull << pte.size_shift) - 1));
          auto want = vmm_.pa(a.user_va + p * 4096);
          if (!want) continue;  // the VMM unmapped it; the pinned page stays mapped
          if (pa != (*want & ~0xfffull))
            return where + hex(at) + " maps " + hex(pa) + ", expected " + hex(*want);
          if (pte.w != a.w || pte.r != a.r) return where + hex(at) + " has the wrong permission";
          if (!iopt.huge_pages() && pte.size_shift != 12)
            return where + hex(at) + " in a large IOPTE with huge pages off";
        }
      }
    }
  }
  uint64_t pinned = 0, charged = 0;
  for (auto& [id, rs] : covers) {  // the size of the union of page ranges
    const uint64_t before = pinned;
    const IoptPages& p = *pages.at(id);
    std::sort(rs.begin(), rs.end(),
              [](const IovaRange& x, const IovaRange& y) { return x.start < y.start; });
    uint64_t next = 0;  // first page not yet counted
    for (const IovaRange& r : rs) {
      const uint64_t from = std::max(r.start, next);
      if (r.last >= from) pinned += r.last - from + 1;
      next = std::max(next, r.last + 1);
    }
    if (p.npinned() != pinned - before)
      return "pages " + std::to_string(id) + " pin " + std::to_string(p.npinned()) +
             ", their covers " + std::to_string(pinned - before);
    if (p.last_npinned() != p.npinned())
      return "pages " + std::to_string(id) + " not accounted since their last pin";
    for (const IovaRange& r : rs)
      if (!p.holes(r.start, r.last).empty())
        return "pages " + std::to_string(id) + ": a covered page is not pinned";
    if (p.mode() != AccountMode::None) charged += pinned - before;
  }
  for (const auto& [id, p] : pages)
    if (!covers.count(id) && p->npinned())
      return "pages " + std::to_string(id) + " pinned with nothing covering them";
  if (pinned != ledger_.pinned_pages())
    return "ledger pins " + std::to_string(ledger_.pinned_pages()) + " pages, areas cover " +
           std::to_string(pinned);
  if (ledger_.charged_pages() != charged || ledger_.locked_bytes() != charged * 4096)
    return "charge " + std::to_string(ledger_.charged_pages()) + " pages, accounted pages pinned " +
           std::to_string(charged);
  for (const PinLedger::Process& p : ledger_.processes())  // each against its own limit
    if (p.limit && p.charged * 4096 > p.limit) return "charge above RLIMIT_MEMLOCK of " + p.name;
  // Page tables belong to domains: none once every HWPT is gone.
  if (hwpts_.empty() && drv_.table_pages())
    return std::to_string(drv_.table_pages()) + " page-table pages left with no HWPT";
  return iopf_invariants();
}

}  // namespace sim
