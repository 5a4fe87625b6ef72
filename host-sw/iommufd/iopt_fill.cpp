// The PFN half of the io_pagetable: filling areas into
// domains through a pfn_reader batch by batch, unfilling them (unmap before unpin),
// the accounting after each fill, and the pins of in-kernel accesses.
#include <algorithm>

#include "host-sw/iommufd/io_pagetable.h"

namespace sim {

Errno IoPagetable::account(IoptPages& p) {
  const uint64_t now = p.npinned(), last = p.last_npinned();
  if (now > last) {
    if (Errno e = ledger_.charge(p.mode(), now - last, p.owner()); e != Errno::Ok) return e;
  } else if (last > now) {
    ledger_.uncharge(p.mode(), last - now, p.owner());
  }
  p.set_last_npinned(now);
  return Errno::Ok;
}

void IoPagetable::note_unpin(IommuDriver& drv, uint64_t pages) {
  if (pages == 0) return;
  unpinned_ += pages;
  TraceRecorder& t = drv.env().trace;
  if (t.enabled()) t.record(drv.cpu().now(), "host", "unpin", {TraceField::dec("pages", pages)});
}

Task<> IoPagetable::charge_pins(IommuDriver& drv, uint64_t pages) {
  if (pages) co_await drv.cpu().charge(pages * drv.cpu().cost().pin_page);
}

void IoPagetable::add_cover(IoptArea& a, const Domain* storage) {
  IoptPages& p = *a.pages;
  a.cover = p.new_cover_key();
  p.hold(a.first_page(), a.last_page());
  p.add_domain_cover(a.cover, {{a.first_page(), a.last_page()}, a.iova, storage});
}

void IoPagetable::drop_cover(IommuDriver& drv, IoptArea& a) {
  if (!a.cover) return;
  IoptPages& p = *a.pages;
  p.remove_domain_cover(a.cover);
  a.cover = 0;
  note_unpin(drv, p.release(a.first_page(), a.last_page()));
  account(p);  // an uncharge never fails
}

Task<Errno> IoPagetable::map_batch(IommuDriver& drv, Domain& d, const IoptArea& a,
                                   const PfnReader& rd) {
  const PfnBatch& b = rd.batch();
  if (b.empty()) co_return Errno::Ok;
  // Areas stored in domains are page-aligned (the IOAS alignment is at least 4 KiB).
  const uint64_t iova = a.iova + (rd.batch_first() - a.first_page()) * kCpuPage;
  size_t run = 0;
  uint64_t run_off = 0;  // byte offset of `run` in the batch; the driver asks in order
  Backing backing = [&b, run, run_off](uint64_t off) mutable {
    if (off < run_off) run = 0, run_off = 0;
    while (off >= run_off + b.runs()[run].npfns * kCpuPage)
      run_off += b.runs()[run++].npfns * kCpuPage;
    const PfnRun& r = b.runs()[run];
    return std::pair<uint64_t, uint64_t>{r.pfn * kCpuPage + (off - run_off),
                                         r.npfns * kCpuPage - (off - run_off)};
  };
  // With large pages disabled every IOPTE is one page, so any page can be cut later.
  co_return co_await drv.map(d, iova, b.total() * kCpuPage, backing, a.r, a.w,
                             !disable_large_pages_);
}

Task<Errno> IoPagetable::fill_domains(IommuDriver& drv, const VmmMemory& vmm, IoptArea& a) {
  if (domains_.empty()) co_return Errno::Ok;  // lazy: nothing is pinned, nothing faults
  IoptPages& p = *a.pages;
  PfnReader rd(p, vmm, drv, drv.env().memory, a.first_page(), a.last_page(), batch_runs_);
  uint64_t mapped = 0;   // bytes from a.iova every domain holds
  size_t got_batch = 0;  // on a map failure: the domains before it hold the batch too
  Errno e = Errno::Ok;
  while (e == Errno::Ok && !rd.done()) {
    e = rd.next();
    if (e != Errno::Ok) break;
    for (got_batch = 0; got_batch < domains_.size(); ++got_batch) {
      e = co_await map_batch(drv, *domains_[got_batch], a, rd);
      if (e != Errno::Ok) break;  // the driver unmapped its part already
    }
    if (e != Errno::Ok) break;
    got_batch = 0;
    mapped += rd.batch().total() * kCpuPage;
  }
  co_await charge_pins(drv, rd.pinned());
  if (e == Errno::Ok) {
    add_cover(a, domains_.front());
    rd.release();    // the area holds the pages now
    e = account(p);  // charged after the fill; ENOMEM rolls it back whole
    if (e == Errno::Ok) co_return e;
  }
  // Unmap before unpin: up to the failed batch's end in the domains that got it.
  const uint64_t batch_end = mapped + rd.batch().total() * kCpuPage;
  for (size_t i = 0; i < domains_.size(); ++i) {
    const uint64_t n = i < got_batch ? batch_end : mapped;
    if (n) co_await drv.unmap(*domains_[i], a.iova, n);
  }
  drop_cover(drv, a);
  note_unpin(drv, rd.release());
  co_return e;
}

Task<Errno> IoPagetable::fill_domain(IommuDriver& drv, const VmmMemory& vmm, Domain& d, IoptArea& a,
                                     bool first) {
  IoptPages& p = *a.pages;
  PfnReader rd(p, vmm, drv, drv.env().memory, a.first_page(), a.last_page(), batch_runs_);
  uint64_t mapped = 0;
  Errno e = Errno::Ok;
  while (!rd.done()) {
    e = rd.next();
    if (e != Errno::Ok) break;
    e = co_await map_batch(drv, d, a, rd);  // on error the driver unmapped its part
    if (e != Errno::Ok) break;
    mapped += rd.batch().total() * kCpuPage;
  }
  co_await charge_pins(drv, rd.pinned());
  if (e == Errno::Ok) {
    if (first) add_cover(a, &d);
    rd.release();
    e = first ? account(p) : Errno::Ok;
    if (e == Errno::Ok) co_return e;
  }
  if (mapped) co_await drv.unmap(d, a.iova, mapped);
  if (first) drop_cover(drv, a);
  note_unpin(drv, rd.release());
  co_return e;
}

Task<> IoPagetable::unfill(IommuDriver& drv, IoptArea& a) {
  for (Domain* d : domains_) co_await drv.unmap(*d, a.iova, a.length);  // syncs the IOTLB
  drop_cover(drv, a);
}

Errno IoPagetable::access_pin(const IommuDriver& drv, const VmmMemory& vmm, uint64_t iova,
                              uint64_t length, bool write, std::vector<AccessPiece>& pieces,
                              uint64_t& pinned) {
  pieces.clear();
  if (length == 0) return Errno::Einval;
  if (iova + (length - 1) < iova) return Errno::Eoverflow;
  const uint64_t last = iova + length - 1;
  Errno e = Errno::Ok;
  for (uint64_t cur = iova;;) {
    const IoptArea* a = area_at(cur);
    if (!a) {
      e = Errno::Enoent;  // not contiguous
      break;
    }
    if (write && !a->pages->writable()) {
      e = Errno::Eperm;
      break;
    }
    const uint64_t end = std::min(last, a->last());
    IoptPages& p = *a->pages;
    const IndexRange r{(a->user_va + (cur - a->iova)) / kCpuPage,
                       (a->user_va + (end - a->iova)) / kCpuPage};
    // Indexes new to the pinned_pfns tier are read (from a domain, else pinned from
    // user memory) before the tier takes them.
    std::vector<std::unique_ptr<PfnReader>> readers;
    std::vector<std::pair<uint64_t, PfnBatch>> batches;
    for (const IndexRange& gap : p.access_holes(r.first, r.last)) {
      readers.push_back(std::make_unique<PfnReader>(p, vmm, drv, drv.env().memory, gap.first,
                                                    gap.last, batch_runs_));
      PfnReader& rd = *readers.back();
      while (e == Errno::Ok && !rd.done()) {
        e = rd.next();
        if (e == Errno::Ok) batches.emplace_back(rd.batch_first(), rd.batch());
      }
      pinned += rd.pinned();
      if (e != Errno::Ok) break;
    }
    if (e == Errno::Ok) {
      p.access_add(r.first, r.last);
      for (const auto& [first, b] : batches) p.store_pfns(first, b);
      p.hold(r.first, r.last);  // the access's own cover
      for (auto& rd : readers) rd->release();
      e = account(p);
      if (e != Errno::Ok) {
        p.access_remove(r.first, r.last);
        unpinned_ += p.release(r.first, r.last);
      }
    }
    for (auto& rd : readers) unpinned_ += rd->release();  // on error: what they pinned
    if (e != Errno::Ok) break;
    pieces.push_back({a->pages, r});
    if (end == last) return Errno::Ok;
    cur = end + 1;
  }
  access_unpin(pieces);
  pieces.clear();
  return e;
}

uint64_t IoPagetable::access_unpin(const std::vector<AccessPiece>& pieces) {
  uint64_t n = 0;
  for (const AccessPiece& x : pieces) {
    x.pages->access_remove(x.range.first, x.range.last);
    n += x.pages->release(x.range.first, x.range.last);
    account(*x.pages);
  }
  unpinned_ += n;
  return n;
}

}  // namespace sim
