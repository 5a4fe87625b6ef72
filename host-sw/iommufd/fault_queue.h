#pragma once
// iommufd's fault object (IOMMUFD_OBJ_FAULT, after eventq.c): the queue through which
// I/O page faults (page request groups) on an iopf-capable HWPT reach user space and
// their responses come back. A group the IOMMU core hands over waits on the deliver
// list; read(fault_fd) takes whole groups from its head, gives each a cookie (the
// lowest free from 1) and keeps it until write(fault_fd) answers that cookie. Every
// group ends with exactly one page response to its device: the user's, or INVALID
// when its attachment goes (detach, replace) or the object is destroyed.
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "host-sw/kernel/errno.h"

namespace sim {

// struct iommu_hwpt_pgfault's flags and perm bits, as the uAPI numbers them.
inline constexpr uint32_t kPgfaultPasidValid = 1u << 0;
inline constexpr uint32_t kPgfaultLastPage = 1u << 1;
inline constexpr uint32_t kPgfaultPermRead = 1u << 0, kPgfaultPermWrite = 1u << 1,
                          kPgfaultPermExec = 1u << 2, kPgfaultPermPriv = 1u << 3;
// The uAPI's record sizes: struct iommu_hwpt_pgfault and iommu_hwpt_page_response.
inline constexpr uint64_t kPgfaultBytes = 40, kPageResponseBytes = 8;
// enum iommufd_page_response_code.
inline constexpr uint32_t kPageRespSuccess = 0, kPageRespInvalid = 1;

// One page request as the IOMMU reported it.
struct IopfFault {
  uint32_t flags = 0;  // kPgfault* bits
  uint32_t pasid = 0;
  uint32_t grpid = 0;
  uint32_t perm = 0;
  uint64_t addr = 0;
};

// A page request group: the requests of one group ID up to its last page, and the
// attachment (device, PASID key) whose domain's handler took it.
struct IopfGroup {
  std::string device, hwpt;
  uint32_t attach_pasid = 0;  // the attachment's key (kNoPasid: the requests without one)
  std::vector<IopfFault> faults;
  uint32_t cookie = 0;
};

// What read() copies out per fault (the device by name where the uAPI has its dev_id).
struct PgfaultRecord {
  IopfFault fault;
  std::string device;
  uint32_t length = 0;
  uint32_t cookie = 0;
};

// One write() record.
struct PageResponseArg {
  uint32_t cookie = 0;
  uint32_t code = kPageRespSuccess;
};

// A response sent back to the device for a whole group (iopf_group_response).
struct PageResponse {
  std::string device;
  uint32_t pasid = 0, grpid = 0, code = 0;
  bool pasid_valid = false;
};

class FaultQueue {
 public:
  using Respond = std::function<void(const PageResponse&)>;

  // iommufd_fault_iopf_handler: the group joins the tail of the deliver list.
  void deliver(IopfGroup g) { deliver_.push_back(std::move(g)); }
  // iommufd_fault_fops_read of `count` bytes: ESPIPE unless a multiple of the record
  // size; whole groups from the head while they fit, each given a cookie (`fail_alloc`:
  // the xarray's allocation fails, ENOMEM when nothing was read). `bytes`: what was read.
  Errno read(uint64_t count, const std::function<bool()>& fail_alloc,
             std::vector<PgfaultRecord>& out, uint64_t& bytes);
  // iommufd_fault_fops_write of the first `count` bytes of `rs`: ESPIPE unless a
  // multiple of the record size; each record in turn, EINVAL for a code that is neither
  // success nor invalid or a cookie no group awaits (an error after some records
  // returns those bytes instead).
  Errno write(const std::vector<PageResponseArg>& rs, uint64_t count, const Respond& respond,
              uint64_t& bytes);
  // iommufd_auto_response_faults: the groups of one attachment, delivered or awaiting a
  // response, answered INVALID.
  void auto_respond(const std::string& device, uint32_t attach_pasid, const Respond& respond);
  // iommufd_fault_destroy: every group answered INVALID.
  void destroy(const Respond& respond);

  bool fd_open = true;  // the fault fd holds the object until it is closed
  size_t delivered() const { return deliver_.size(); }
  size_t awaiting() const { return response_.size(); }
  // For fault injection's comparison: the groups in both lists.
  std::string state() const;
  // Every group, queued then awaiting a response.
  template <class F>
  void each_group(F f) const {
    for (const IopfGroup& g : deliver_) f(g);
    for (const auto& [cookie, g] : response_) f(g);
  }

 private:
  std::deque<IopfGroup> deliver_;
  std::map<uint32_t, IopfGroup> response_;  // by cookie
};

// The response iopf_group_response sends for a group.
PageResponse group_response(const IopfGroup& g, uint32_t code);

}  // namespace sim
