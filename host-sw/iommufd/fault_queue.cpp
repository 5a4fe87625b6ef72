// iommufd's fault object: deliver, read, respond (fault_queue.h).
#include "host-sw/iommufd/fault_queue.h"

namespace sim {

PageResponse group_response(const IopfGroup& g, uint32_t code) {
  // The response answers the group's last request (its PASID and group ID).
  const IopfFault& last = g.faults.back();
  return {g.device, last.pasid, last.grpid, code, (last.flags & kPgfaultPasidValid) != 0};
}

Errno FaultQueue::read(uint64_t count, const std::function<bool()>& fail_alloc,
                       std::vector<PgfaultRecord>& out, uint64_t& bytes) {
  bytes = 0;
  if (count % kPgfaultBytes) return Errno::Espipe;
  Errno rc = Errno::Ok;
  while (!deliver_.empty()) {
    IopfGroup& g = deliver_.front();
    // A group is read whole or not at all.
    if (bytes >= count || g.faults.size() * kPgfaultBytes > count - bytes) break;
    if (fail_alloc && fail_alloc()) {  // xa_alloc of the cookie; the group stays
      rc = Errno::Enomem;
      break;
    }
    uint32_t cookie = 1;  // XA_FLAGS_ALLOC1: the lowest free index from 1
    for (const auto& [used, group] : response_) {
      if (used != cookie) break;
      ++cookie;
    }
    g.cookie = cookie;
    for (const IopfFault& f : g.faults) {
      out.push_back({f, g.device, 0, cookie});
      bytes += kPgfaultBytes;
    }
    response_.emplace(cookie, std::move(g));
    deliver_.pop_front();
  }
  return bytes ? Errno::Ok : rc;
}

Errno FaultQueue::write(const std::vector<PageResponseArg>& rs, uint64_t count,
                        const Respond& respond, uint64_t& bytes) {
  bytes = 0;
  if (count % kPageResponseBytes) return Errno::Espipe;
  Errno rc = Errno::Ok;
  for (size_t i = 0; bytes < count && i < rs.size(); ++i) {
    const PageResponseArg& r = rs[i];
    if (r.code != kPageRespSuccess && r.code != kPageRespInvalid) {
      rc = Errno::Einval;
      break;
    }
    auto it = response_.find(r.cookie);
    if (it == response_.end()) {
      rc = Errno::Einval;
      break;
    }
    respond(group_response(it->second, r.code));
    response_.erase(it);
    bytes += kPageResponseBytes;
  }
  return bytes ? Errno::Ok : rc;
}

void FaultQueue::auto_respond(const std::string& device, uint32_t attach_pasid,
                              const Respond& respond) {
  // Answered INVALID and dropped, in the lists' order.
  auto answer = [&](const IopfGroup& g) {
    if (g.device != device || g.attach_pasid != attach_pasid) return false;
    respond(group_response(g, kPageRespInvalid));
    return true;
  };
  std::erase_if(deliver_, answer);
  std::erase_if(response_, [&](const auto& entry) { return answer(entry.second); });
}

void FaultQueue::destroy(const Respond& respond) {
  each_group([&](const IopfGroup& g) { respond(group_response(g, kPageRespInvalid)); });
  deliver_.clear();
  response_.clear();
}

std::string FaultQueue::state() const {
  std::string s = fd_open ? "fd open;" : "fd closed;";
  auto group = [&s](const IopfGroup& g) {
    s += " " + g.device + "/" + std::to_string(g.attach_pasid) + "/" +
         std::to_string(g.faults.back().grpid) + "x" + std::to_string(g.faults.size());
  };
  s += " deliver:";
  for (const IopfGroup& g : deliver_) group(g);
  s += " awaiting:";
  for (const auto& [cookie, g] : response_) {
    s += " #" + std::to_string(cookie);
    group(g);
  }
  return s;
}

}  // namespace sim
