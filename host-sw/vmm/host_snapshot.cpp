// The host's state as fault injection compares it (host_snapshot.h).
#include "host-sw/vmm/host_snapshot.h"

#include "host-sw/vmm/host.h"

namespace sim {

namespace {

std::string range_text(uint64_t start, uint64_t last) {
  return hex(start) + "-" + hex(last);
}

}  // namespace

HostSnapshot Host::snapshot(bool with_hardware) const {
  HostSnapshot s;
  auto& it = s.items;
  it["pinned pages"] = std::to_string(ledger_.pinned_pages());
  it["charged pages"] = std::to_string(ledger_.charged_pages());
  it["locked bytes"] = std::to_string(ledger_.locked_bytes());
  for (const PinLedger::Process& p : ledger_.processes())  // and whose they are
    it["process " + p.name] = std::to_string(p.pinned) + " pinned, " + std::to_string(p.charged);
  // Kernel memory other than page tables (a domain keeps its tables until it goes).
  it["kernel pages"] = std::to_string(phys_.free_bytes() / 4096 + drv_.table_pages());
  it["objects"] = std::to_string(objects_.size());
  std::map<uint64_t, const IoptPages*> pages;
  for (const auto& [name, io] : ioas_) {
    const IoPagetable& iopt = io->iopt;
    const std::string w = "IOAS " + name + " ";
    std::string areas, reserved, allowed, domains;
    for (const auto& [iova, a] : iopt.areas()) {
      areas += range_text(a.iova, a.last()) + "@" + hex(a.user_va) + (a.w ? "w" : "") +
               (a.cover ? "s" : "") + " ";
      pages[a.pages->id()] = a.pages.get();
    }
    for (const ReservedRange& r : iopt.reserved())
      reserved += range_text(r.range.start, r.range.last) + "(" + r.owner + ") ";
    for (const IovaRange& r : iopt.allowed()) allowed += range_text(r.start, r.last) + " ";
    for (const Domain* d : iopt.domains()) domains += std::to_string(d->did) + " ";
    it[w + "areas"] = areas;
    it[w + "reserved"] = reserved;
    it[w + "allowed"] = allowed;
    it[w + "domains"] = domains;
    it[w + "alignment"] = std::to_string(iopt.alignment());
    it[w + "accesses"] = std::to_string(iopt.accesses()) + " users " + std::to_string(io->users);
  }
  for (const auto& [name, acc] : accesses_) {
    std::string pinned;
    for (const AccessPiece& x : acc.access->pieces()) {
      pinned += std::to_string(x.range.first) + "-" + std::to_string(x.range.last) + " ";
      pages[x.pages->id()] = x.pages.get();
    }
    it["access " + name] = acc.ioas + ": " + pinned;
  }
  for (const auto& [id, p] : pages)
    it["pages " + std::to_string(id)] = "pinned " + std::to_string(p->npinned()) + " accounted " +
                                        std::to_string(p->last_npinned()) + " access tier " +
                                        std::to_string(p->access_indexes());
  for (const auto& [name, h] : hwpts_) {
    it["HWPT " + name] = h.ioas + " domain " + std::to_string(h.domain->did) + " mapped " +
                         std::to_string(h.domain->mapped) +
                         (h.domain->dirty_tracking ? " tracking" : "");
    s.leaves[h.domain->did] = drv_.leaf_entries(*h.domain);
  }
  for (const auto& [key, hwpt] : attached_)
    it["attached " + key.first + " pasid " + std::to_string(key.second)] = hwpt;
  for (const auto& [ioas, v] : vfio_) it["container " + ioas] = "present";
  for (const auto& [name, q] : faults_) it["fault " + name] = q.state();
  if (with_hardware && hardware_state_) it["hardware"] = hardware_state_();
  return s;
}

std::string snapshot_diff(const HostSnapshot& before, const HostSnapshot& after) {
  std::string out;
  auto line = [&out](const std::string& s) { out += (out.empty() ? "" : "; ") + s; };
  static const std::string kNone = "(none)";
  auto value = [](const std::map<std::string, std::string>& m, const std::string& k) {
    auto it = m.find(k);
    return it == m.end() ? kNone : (it->second.empty() ? std::string("(empty)") : it->second);
  };
  std::map<std::string, int> keys;
  for (const auto& [k, v] : before.items) keys[k];
  for (const auto& [k, v] : after.items) keys[k];
  for (const auto& [k, unused] : keys) {
    const std::string b = value(before.items, k), a = value(after.items, k);
    if (a != b) line(k + ": " + b + " -> " + a);
  }
  std::map<uint16_t, int> dids;
  for (const auto& [d, v] : before.leaves) dids[d];
  for (const auto& [d, v] : after.leaves) dids[d];
  static const std::vector<std::pair<uint64_t, uint64_t>> kEmpty;
  for (const auto& [d, unused] : dids) {
    auto bi = before.leaves.find(d), ai = after.leaves.find(d);
    const auto& b = bi == before.leaves.end() ? kEmpty : bi->second;
    const auto& a = ai == after.leaves.end() ? kEmpty : ai->second;
    if (a == b) continue;
    size_t i = 0;
    while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
    const uint64_t at = i < a.size() ? a[i].first : b[i].first;
    line("domain " + std::to_string(d) + " leaves: " + std::to_string(b.size()) + " -> " +
         std::to_string(a.size()) + ", first difference at " + hex(at));
  }
  return out;
}

}  // namespace sim
