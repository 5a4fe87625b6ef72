#pragma once
// The host: the VMM and the kernel's iommufd (IOAS, HWPT, device attach, dirty
// tracking) over the IOMMU driver, running the scenario's set-up before time 0 and
// its steps in simulated time, and checking each result the scenario expects.
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "host-sw/host_config.h"
#include "host-sw/io_pagetable.h"
#include "host-sw/iommu_driver.h"
#include "host-sw/iommufd_access.h"
#include "host-sw/page_set.h"
#include "host-sw/sticky_pages.h"
#include "host-sw/vfio_type1.h"
#include "host-sw/vmm_memory.h"

namespace sim {

class Host {
 public:
  Host(const HostConfig& c, HostEnv env);
  ~Host();

  void boot_and_setup();  // the caller runs the dispatcher until setup_done()
  bool setup_done() const { return setup_done_; }
  void start_steps();
  bool steps_done() const { return steps_done_; }
  void on_step_done(std::function<void(const std::string&, Ps)> fn) { step_done_ = std::move(fn); }
  void finalize();  // a step still running at the end fails
  const std::vector<MigrationRound>& rounds() const { return rounds_; }
  const MigrationProgress& migration_progress() const { return mig_progress_; }
  // The bookkeeping rules that must hold between operations; "" when they do, else
  // the first one broken: areas never overlap, every area is mapped in every domain of
  // its IOAS at the right physical address and permission, each pages object pins
  // exactly the union of its covers (areas stored in domains, access pins) and is
  // accounted, the RLIMIT_MEMLOCK charge equals the accounted pinned bytes, accesses'
  // pinned_pfns hold the right pages, and no page table outlives every HWPT.
  std::string check_invariants() const;
  // The IO page-table pages the driver holds (0 once every HWPT is destroyed).
  uint64_t table_pages() const { return drv_.table_pages(); }
  // Tests: run check_invariants() after every operation and fail the step when broken.
  void check_each_op(bool on) { check_each_op_ = on; }

 private:
  struct Ioas {
    explicit Ioas(PinLedger& l) : iopt(l) {}
    IoPagetable iopt;
    unsigned users = 0;  // HWPTs built on it
  };
  struct Hwpt {
    std::string ioas;
    Domain* domain = nullptr;
    bool dirty_capable = false;
    StickyPages sticky;  // a sticky deferred policy's pages still to re-report
  };

  Task<> run_setup();
  Task<> run_steps();
  Task<> run_op(const HostOp& op, const char* list);
  Task<Errno> execute(const HostOp& op, std::string& detail);
  // `reported`, when given, receives the IOVA ranges whose bits were set.
  Task<Errno> get_dirty_bitmap(const HostOp& op, std::string& detail,
                               std::vector<Range>* reported = nullptr);
  // Invalidates what a harvest cleared; a sticky deferred policy remembers it.
  Task<> flush_cleared(Hwpt& h, Gather& g, const FlushPolicy& policy);
  Task<Errno> migrate(const HostOp& op);
  Task<uint64_t> harvest_for_migration(const HostOp& op, const std::string& ioas, bool no_clear,
                                       PageSet& pending);
  uint64_t add_guest_pages(const IoptArea& a, PageSet& pending) const;
  uint64_t add_reported_pages(const IoPagetable& iopt, const std::vector<Range>& ranges,
                              PageSet& pending) const;
  Task<uint64_t> harvest_type1(const HostOp& op, const IoPagetable& iopt, PageSet& pending);
  Task<> copy_pages(PageSet& pages, uint64_t bandwidth);
  struct RoundMark {
    HostAccounts acc;
    uint64_t killed = 0, misses = 0;
  };
  RoundMark round_mark() const;
  void record_round(MigrationRound r, const RoundMark& start);
  Task<> send_round(MigrationRound r, const RoundMark& start, PageSet& pending, uint64_t bandwidth);
  Task<> quiesce_devices(const std::string& ioas);
  // Writes the device's control register; a stop returns once it drained.
  Task<Errno> device_control(const std::string& device, bool stop);
  Task<Errno> set_dirty_tracking(const HostOp& op);
  Task<Errno> hwpt_alloc(const HostOp& op);
  // The device's IOMMU unit (every unit when `device` is empty) can track dirty pages.
  bool tracking_capable(const std::string& device) const;
  // The owner of an attachment's reserved regions in its IOAS.
  static std::string attach_owner(const HostOp& op);
  Task<Errno> attach(const HostOp& op);
  Task<Errno> ioas_op(const HostOp& op, std::string& detail);
  // The VFIO type1 front end's ops (host_vfio.cpp).
  void register_vfio_stats();
  // `reported`, when given, receives the IOVA ranges a bitmap read set.
  Task<Errno> vfio_op(const HostOp& op, std::string& detail,
                      std::vector<Range>* reported = nullptr);
  // A DIRTY_PAGES ioctl the host makes itself (migration), its syscall charged.
  Task<Errno> vfio_call(const std::string& ioas, uint32_t flags, uint64_t iova = 0,
                        uint64_t length = 0, std::vector<Range>* reported = nullptr);
  // The user bitmap of a type1 read, zeroed then prefilled; ENOMEM when it cannot be had.
  Errno vfio_bitmap(const HostOp& op, Type1Bitmap& bm, uint64_t& bytes);
  Task<> vfio_bitmap_done(const HostOp& op, const VfioType1& v, const Type1Bitmap& bm,
                          uint64_t bytes, std::string& detail, std::vector<Range>* reported);
  // hwpt_destroy and the in-kernel access ops (host_ioas.cpp).
  Task<Errno> hwpt_destroy(const HostOp& op);
  Task<Errno> access_op(const HostOp& op);
  uint64_t scratch_bitmap(uint64_t bytes);
  void fail(const HostOp& op, const char* list, const std::string& what);

  HostConfig c_;
  PinLedger ledger_;  // pins and RLIMIT_MEMLOCK charge of every IOAS's pages
  HostEnv env_;
  HostCpu cpu_;
  PhysAllocator phys_;
  VmmMemory vmm_;
  IommuDriver drv_;
  std::map<std::string, std::unique_ptr<Ioas>> ioas_;
  std::map<std::string, Hwpt> hwpts_;
  // (device, PASID or kNoPasid for its requests without one) -> hwpt
  std::map<std::pair<std::string, uint32_t>, std::string> attached_;
  struct Access {
    std::string ioas;
    std::unique_ptr<IommufdAccess> access;
  };
  std::map<std::string, Access> accesses_;  // destroyed before the IOASes they use
  std::map<std::string, Ps> step_end_;
  std::map<std::string, uint64_t> saved_iovas_;  // save_iova: NAME -> the IOVA placed
  std::function<void(const std::string&, Ps)> step_done_;
  Fiber setup_fiber_, steps_fiber_;
  bool setup_done_ = false, steps_done_ = false, steps_started_ = false;
  bool check_each_op_ = false;
  bool rlimit_mm_ = false;  // IOMMU_OPTION_RLIMIT_MODE: the context's account mode is MM
  std::vector<MigrationRound> rounds_;
  std::map<std::string, std::unique_ptr<VfioType1>> vfio_;  // IOAS -> its container
  // Registered only when the scenario makes a container.
  uint64_t *vfio_reads_ = nullptr, *vfio_words_ = nullptr, *vfio_bits_ = nullptr;
  std::string scratch_name_;
  uint64_t scratch_size_ = 0, scratch_va_ = 0, scratch_seq_ = 0;

  uint64_t& steps_;
  uint64_t& failed_;
  uint64_t& late_;
  uint64_t& harvests_;
  uint64_t& ptes_visited_;
  uint64_t& bits_set_;
  uint64_t& partial_;
  uint64_t& sticky_reports_;
  uint64_t& mig_rounds_;
  MigrationProgress mig_progress_;
  uint64_t& mig_pages_;
};

}  // namespace sim
