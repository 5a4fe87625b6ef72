#pragma once
// The host: the VMM and the kernel's iommufd context it holds (IOASes, HWPTs, device
// attachments, in-kernel accesses, VFIO containers) over the IOMMU driver. It runs the
// scenario's operations (each kind in host-sw/ops/, reached through their table) — the
// set-up before time 0, the steps in simulated time — and checks each result the
// scenario expects; the harvest (host_harvest.cpp), the VFIO type1 dirty calls
// (host_vfio.cpp) and the migration (migration.cpp) are its functions.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "host-sw/driver/iommu_driver.h"
#include "host-sw/driver/sticky_pages.h"
#include "host-sw/iommufd/fault_queue.h"
#include "host-sw/iommufd/io_pagetable.h"
#include "host-sw/iommufd/iommufd_access.h"
#include "host-sw/iommufd/vfio_type1.h"
#include "host-sw/kernel/vmm_memory.h"
#include "host-sw/vmm/call_args.h"
#include "host-sw/vmm/host_config.h"
#include "host-sw/vmm/host_operation.h"
#include "host-sw/vmm/host_snapshot.h"
#include "host-sw/vmm/migration_params.h"
#include "host-sw/vmm/nesting_objects.h"
#include "host-sw/vmm/object_table.h"
#include "host-sw/vmm/page_set.h"

namespace sim {

class IovaBitmap;
class GuestIommu;
class DirtyTracker;

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
  // Fault injection (host_fail_nth.cpp): what a failed call must leave unchanged, and
  // the hardware's part of it, as text, from the embedding (the IOTLB: compared for
  // set-up operations only, while no device runs).
  HostSnapshot snapshot(bool with_hardware) const;
  void on_hardware_state(std::function<std::string()> fn) { hardware_state_ = std::move(fn); }
  // Failure points failed so far under fault injection (all kinds, and by kind).
  uint64_t fail_points() const { return fail_points_; }

  // What the operations (ops/) act on, as an ioctl handler sees struct iommufd_ctx.
  struct Ioas {
    explicit Ioas(PinLedger& l) : iopt(l) {}
    IoPagetable iopt;
    unsigned users = 0;  // HWPTs built on it
    // Its automatic domains (attach and replace to the IOAS), oldest first.
    std::vector<std::string> auto_hwpts;
  };
  struct Hwpt {
    std::string ioas;  // a nested HWPT: its parent's
    Domain* domain = nullptr;
    bool dirty_capable = false;
    StickyPages sticky;  // a sticky deferred policy's pages still to re-report
    bool nest_parent = false;
    std::string parent;  // a nested HWPT: its nesting parent (hwpt_nested.cpp)
    std::string viommu;  // a nested HWPT allocated on a vIOMMU
    // Allocated IOMMU_HWPT_ALLOC_PASID: usable for PASIDs (pasid_compat.h).
    bool pasid_compat = false;
    // Allocated with a fault object (IOMMU_HWPT_FAULT_ID_VALID): iopf-capable, its I/O
    // page faults go to that object's queue (host_iopf.cpp).
    std::string fault;
    bool nested() const { return !parent.empty(); }
  };
  struct Access {
    std::string ioas;
    std::unique_ptr<IommufdAccess> access;
  };
  IommuDriver& driver() { return drv_; }
  VmmMemory& vmm() { return vmm_; }
  HostCpu& cpu() { return cpu_; }
  StatsRegistry& stats() { return env_.stats; }
  const HostConfig& config() const { return c_; }
  PinLedger& ledger() { return ledger_; }
  std::map<std::string, std::unique_ptr<Ioas>>& ioases() { return ioas_; }
  IoPagetable* find_ioas(const std::string& id);
  std::map<std::string, Hwpt>& hwpts() { return hwpts_; }
  // (device, PASID or kNoPasid for its requests without one) -> HWPT
  std::map<std::pair<std::string, uint32_t>, std::string>& attachments() { return attached_; }
  std::map<std::string, Access>& accesses() { return accesses_; }  // go before their IOASes
  std::map<std::string, std::unique_ptr<VfioType1>>& containers() { return vfio_; }  // by IOAS
  // iommufd's compat IOAS (ictx->vfio_ioas), which the VFIO compatibility ioctls serve
  // (iommufd/vfio_compat.h): "" for none; destroying the IOAS clears it.
  std::string& compat_ioas() { return compat_ioas_; }
  // Simulated memfds (ops/memfd_*.cpp): a file's pages live in a VMM-internal mapping
  // no `user` can name; `size` is its i_size (MAP_FILE may not reach past it).
  struct MemFile {
    std::string mapping;
    uint64_t capacity = 0, size = 0;
  };
  std::map<std::string, MemFile>& files() { return files_; }
  // Nesting's objects (nesting_objects.h), by name.
  std::map<std::string, Viommu>& viommus() { return viommus_; }
  std::map<std::string, Vdevice>& vdevices() { return vdevices_; }
  // Fault objects (IOMMU_FAULT_QUEUE_ALLOC) by name, and the I/O page faults that reach
  // them (host_iopf.cpp).
  std::map<std::string, FaultQueue>& faults() { return faults_; }
  // iommu_report_device_fault for one page request of `device`: true when it was taken
  // (a group's last request delivered to a fault queue, or an earlier one waiting for
  // its last); false when refused (no fault handler for its PASID or the requests
  // without one: the group's requests dropped and an INVALID response sent).
  bool report_iopf(const std::string& device, const IopfFault& f);
  // The attachment (device, PASID) left `hwpt` (detach, replace): its groups still
  // pending in the HWPT's fault queue are answered INVALID; once the device has no
  // iopf-capable attachment left its I/O page faults are disabled (partial groups go).
  void iopf_detached(const std::string& hwpt, const std::string& device, uint32_t pasid);
  // The driver's IOPF reference count for the device: its attachments to iopf-capable HWPTs.
  unsigned iopf_users(const std::string& device) const;
  // A page response sent to a device, and every one so far.
  void page_response(const PageResponse& r);
  const std::vector<PageResponse>& page_responses() const { return page_responses_; }
  // IOMMU_DESTROY of a fault object: EBUSY while its fd is open or a HWPT holds it;
  // pending groups are answered INVALID.
  Errno destroy_fault(const std::string& fault);
  // The host.iopf.* statistics, only in runs with a fault object.
  void enable_iopf_stats();
  // check_invariants' part: every HWPT's fault object is live, and every pending group
  // belongs to an attachment still on the HWPT that took it ("" when so).
  std::string iopf_invariants() const;
  // vEVENTQs and HW queues (host_vevents.cpp): an event of `type` for the guest of
  // `viommu` (EOPNOTSUPP when it has no vEVENTQ of that type, as
  // iommufd_viommu_report_event); the stage-1 faults of nested contexts the units have
  // logged, forwarded to the vEVENTQ of their device's vIOMMU (the driver's fault
  // handler, run before a vEVENTQ is read); destroying them (EBUSY for a HW queue a
  // later index depends on).
  std::map<std::string, VeventqObject>& veventqs() { return veventqs_; }
  std::map<std::string, HwQueue>& hw_queues() { return hw_queues_; }
  Errno report_vevent(const std::string& viommu, VeventqType type, std::vector<uint8_t> data);
  void forward_faults();
  Errno destroy_veventq(const std::string& name);
  Errno destroy_hw_queue(const std::string& name);
  // The host.vevent.* statistics exist only in runs with a vEVENTQ.
  void enable_vevent_stats();
  uint64_t& vevent_counter(int which) { return vevent_stats_[which]; }
  enum VeventStat { kVeventsReported, kVeventsLost, kVeventsRead, kFaultsForwarded, kFaultsKept };
  // The paging HWPT (IOMMUFD_OBJ_HWPT_PAGING) of that name, or nullptr: a nested HWPT
  // is not one (the dirty-tracking calls are ENOENT on it).
  Hwpt* find_paging(const std::string& hwpt);
  // The object IDs of the IOASes, HWPTs, accesses, vIOMMUs and vDEVICEs (object_table.h).
  ObjectTable& objects() { return objects_; }
  // IOMMU_DESTROY of one object (host_objects.cpp): an IOAS is EBUSY while a HWPT or
  // an access holds it, else its areas are unmapped and a VFIO container over it goes;
  // a HWPT is EBUSY while a device or PASID is attached, else its domain is unmapped
  // (iopt_table_remove_domain) and the driver frees its page tables; ENOENT for
  // neither.
  Task<Errno> destroy_ioas(const std::string& ioas);
  Task<Errno> destroy_hwpt(const std::string& hwpt);
  // (host_nesting.cpp) A nesting parent is EBUSY while a nested HWPT or a vIOMMU holds
  // it, a nested HWPT while attached, a vIOMMU while a vDEVICE or a nested HWPT holds
  // it; a vDEVICE goes at once.
  Task<Errno> destroy_nested(const std::string& hwpt);
  Errno destroy_viommu(const std::string& viommu);
  Errno destroy_vdevice(const std::string& vdevice);
  // The device's vDEVICE (a device has one at most), or nullptr.
  const Vdevice* vdevice_of(const std::string& device) const;
  // IOMMU_HWPT_INVALIDATE (host_nesting.cpp): on a nested HWPT the driver turns each
  // request into stage-1 descriptors; on a vIOMMU a request names a vDEVICE (EIO for a
  // virtual ID it has not given, as the SMMUv3 driver) and invalidates the stage-1
  // caches of the nested HWPT on the vIOMMU that device is attached to, if any. ENOENT
  // for an object that is gone, EINVAL for one of another type. `done`: the requests
  // handled before the first refused.
  Task<Errno> hwpt_invalidate(const std::string& target, const std::vector<S1Invalidation>& reqs,
                              uint32_t& done);
  // A guest CPU write (the guest's page tables): the oracle sees it, and the CPU dirty
  // log (KVM's, which the migration reads each round) records the page.
  void guest_cpu_write(uint64_t pa);
  // The platform's oracle, when there is one (an access_rw write tells it).
  MigrationObserver* observer() const { return env_.observer; }
  // The migration's stop-and-copy has paused the guest.
  bool vcpus_stopped() const { return vcpus_stopped_; }
  // The statistics of guest invalidations exist only in runs that nest.
  void enable_nesting_stats();
  // The IOMMU unit index of a device (0 for one the hardware does not list).
  unsigned unit_of(const std::string& device) const;
  const HardwareInfo::Device* device_info(const std::string& device) const;
  // The device's IOMMU unit (every unit when `device` is empty) can track dirty pages.
  bool tracking_capable(const std::string& device) const;
  // The same for nested translation (host_nesting.cpp).
  bool nesting_capable(const std::string& device) const;
  // The owner of an attachment's reserved regions in its IOAS.
  static std::string attach_owner(const std::string& device, uint32_t pasid);
  // A failure point of kind Alloc (fault injection, kernel/fail_nth.h): true when the
  // caller's allocation is to fail with ENOMEM.
  bool fail_alloc() { return drv_.fail_nth().should_fail(FailPoint::Alloc); }
  // IOMMU_OPTION_RLIMIT_MODE: the context's account mode is MM.
  bool rlimit_mm() const { return rlimit_mm_; }
  void set_rlimit_mm(bool mm);
  // `save_iova: NAME`: an IOVA a map or copy placed, for later operations.
  void save_iova(const std::string& name, uint64_t iova) { saved_iovas_[name] = iova; }
  // The IOVA an argument names; nullopt (and `out.missing` set) when the operation that
  // was to save it failed.
  std::optional<uint64_t> resolve(const IovaArg& a, OpOutcome& out) const;
  // Writes the device's control register; a stop returns once it drained.
  Task<Errno> device_control(const std::string& device, bool stop);

  // GET_DIRTY_BITMAP (host_harvest.cpp); `reported`, when given, receives the IOVA
  // ranges whose bits were set.
  Task<Errno> get_dirty_bitmap(const HarvestArgs& a, std::vector<Range>* reported = nullptr);
  // The pre-copy live migration (migration.cpp).
  Task<Errno> migrate(const MigrationParams& op);
  // The migration.churn.* statistics (only in runs with a `churn:`).
  void enable_churn_stats(bool moving);

  // VFIO type1 (host_vfio.cpp). The statistics exist only in runs with a container.
  void enable_vfio_stats();
  // The container over an IOAS: ENOENT without the IOAS, EINVAL when it is none.
  Errno find_container(const std::string& ioas, VfioType1*& v);
  // A device attached to a HWPT of the IOAS is IOMMU-backed: it cannot say what it wrote.
  bool iommu_backed(const std::string& ioas);
  // The user bitmap of a type1 read, zeroed then prefilled; ENOMEM when it cannot be had.
  Errno vfio_bitmap(const VfioBitmapArgs& a, Type1Bitmap& bm, uint64_t& bytes);
  // After a read: the copy-out's cost, its trace, and the bitmap against what is expected.
  Task<> vfio_bitmap_done(const VfioBitmapArgs& a, const VfioType1& v, const Type1Bitmap& bm,
                          uint64_t bytes, std::string& detail, std::vector<Range>* reported);
  Task<Errno> vfio_dirty_pages(const VfioDirtyArgs& a, std::string& detail,
                               std::vector<Range>* reported = nullptr);

  // VFIO migration v2 device DMA logging (host_dma_log.cpp), through the device's
  // registers: ENOTTY for a device without it. Start: E2BIG for more ranges than the
  // device (or the uAPI's 256) takes, EINVAL for a bad page size or range or when
  // already started. Report: the dirty granules of [iova, iova + length) as IOVA
  // ranges, cleared on the device; EINVAL when not started, EIO once the log overflowed.
  Task<Errno> dma_logging_start(const std::string& device, const std::vector<Range>& ranges,
                                uint64_t page_size);
  Task<Errno> dma_logging_report(const std::string& device, uint64_t iova, uint64_t length,
                                 uint64_t page_size, std::vector<Range>* dirty);
  Task<Errno> dma_logging_stop(const std::string& device);
  // The devices attached (RID or PASID) to a HWPT of the IOAS, by name.
  std::vector<std::string> ioas_devices(const std::string& ioas) const;

  // What the migration's trackers (tracker_*.cpp) use.
  // The hardware as the kernel knows it, and physical memory (an IOMMU dirty log's ring).
  const HardwareInfo& hardware() const { return env_.hw; }
  SparseMemory& memory() { return env_.memory; }
  // A statistic of theirs, registered the first time it is asked for (a tracker's
  // `prepare` asks before the run, so the scenario's checks can name it).
  uint64_t& tracker_counter(const std::string& name, const char* unit = "count",
                            const char* desc = "");
  // A DIRTY_PAGES ioctl the host makes itself, its syscall charged.
  Task<Errno> vfio_call(const std::string& ioas, uint32_t flags, uint64_t iova = 0,
                        uint64_t length = 0, std::vector<Range>* reported = nullptr);
  // The guest pages behind reported IOVA ranges, added to `pending`; how many were new.
  uint64_t add_reported_pages(const IoPagetable& iopt, const std::vector<Range>& ranges,
                              PageSet& pending) const;

 private:
  Task<> run_setup();
  Task<> run_steps();
  Task<> run_op(const HostOperation& op, const char* list);
  // The operation with its 1st, 2nd, ... failure point failing until it reaches none;
  // after each failure the state must equal the state before the call (else `out`
  // says what leaked). Returns the last run's errno.
  Task<Errno> run_injected(const HostOperation& op, bool in_setup, OpOutcome& out);
  // The harvest's pieces (host_harvest.cpp).
  Errno harvest_checks(const Hwpt& h, const IoPagetable& iopt, const HarvestArgs& a) const;
  struct HarvestSpan;
  Task<bool> harvest_windows(Hwpt& h, const IoPagetable& iopt, IovaBitmap& bm, const HarvestArgs& a,
                             const FlushPolicy& policy, HarvestSpan& span);
  struct HarvestMark {
    uint64_t ptes = 0, descs = 0, waits = 0;
  };
  HarvestMark harvest_mark() const;
  void trace_harvest(const HarvestArgs& a, const IovaBitmap& bm, const HarvestMark& m0,
                     const HarvestSpan& span) const;
  // Invalidates what a harvest cleared; a sticky deferred policy remembers it.
  Task<> flush_cleared(Hwpt& h, Gather& g, const FlushPolicy& policy);
  uint64_t scratch_bitmap(uint64_t bytes);
  // The migration's pieces (migration.cpp).
  uint64_t add_guest_pages(const IoptArea& a, PageSet& pending) const;
  Task<> copy_pages(PageSet& pages, uint64_t bandwidth);
  // Mapping churn while the migration runs (churn.cpp): a fiber remapping the
  // region's buffers until stop_churn; the pages its reads reported wait in
  // churn_reported_ for the next harvest.
  void start_churn(const MigrationParams& op);
  Task<> stop_churn();
  Task<> churn_loop(const MigrationParams& op);
  Task<> churn_remap(const MigrationParams& op, const IoptArea& area);
  // Moves `from`'s pages into `pending`; how many were new there.
  static uint64_t take_pages(PageSet& from, PageSet& pending);
  // The tracker's harvest under the IOAS lock, with the churn's reports (churn.cpp).
  Task<uint64_t> locked_harvest(DirtyTracker& tracker, const MigrationParams& op, bool final,
                                PageSet& pending);
  // The IOAS's areas change only under this lock, and a harvest reads them under it
  // (the kernel's iova_rwsem, held here for a whole harvest): the churn and the
  // migration's harvests take turns.
  Task<> iopt_lock();
  void iopt_unlock() { ++iopt_serving_; }
  // `split_to`: splits the huge leaves of every dirty-tracking HWPT on the IOAS, or
  // merges them back (migration_split.cpp).
  Task<> split_for_migration(const std::string& ioas, unsigned shift, bool merge);
  struct RoundMark {
    HostAccounts acc;
    uint64_t killed = 0, misses = 0;
  };
  RoundMark round_mark() const;
  void record_round(MigrationRound r, const RoundMark& start);
  Task<> send_round(MigrationRound r, const RoundMark& start, PageSet& pending, uint64_t bandwidth);
  Task<> quiesce_devices(const std::string& ioas);
  Task<Errno> abort_migration(DirtyTracker& tracker, const MigrationParams& op, Errno e);
  // One DMA-logging command: registers written, the command, then polls until done.
  Task<Errno> dma_log_command(const HardwareInfo::Device& dev, uint64_t cmd);
  void register_stats();
  void fail(const HostOperation& op, const char* list, const std::string& what);

  HostConfig c_;
  PinLedger ledger_;  // pins and RLIMIT_MEMLOCK charge of every IOAS's pages
  HostEnv env_;
  HostCpu cpu_;
  PhysAllocator phys_;
  VmmMemory vmm_;
  IommuDriver drv_;
  std::map<std::string, std::unique_ptr<Ioas>> ioas_;
  std::map<std::string, Hwpt> hwpts_;
  std::map<std::pair<std::string, uint32_t>, std::string> attached_;
  std::map<std::string, Access> accesses_;
  std::map<std::string, Viommu> viommus_;
  std::map<std::string, Vdevice> vdevices_;
  std::map<std::string, FaultQueue> faults_;
  std::map<std::string, std::vector<IopfFault>> iopf_partial_;  // by device: the IOMMU core's
  std::vector<PageResponse> page_responses_;
  struct IopfCounts {
    uint64_t requests = 0, groups = 0, refused = 0, success = 0, invalid = 0;
  } iopf_counts_;
  bool iopf_stats_ = false;
  std::map<std::string, VeventqObject> veventqs_;
  std::map<std::string, HwQueue> hw_queues_;  // after ioas_: goes before the IOASes
  uint64_t vevent_stats_[5] = {};
  bool vevent_stats_on_ = false;
  bool nesting_stats_ = false;
  bool vcpus_stopped_ = false;
  PageSet cpu_dirty_;  // pages the guest CPU wrote since the migration last read them
  std::unique_ptr<GuestIommu> guest_;
  Fiber guest_fiber_;
  ObjectTable objects_;
  std::map<std::string, Ps> step_end_;
  std::map<std::string, uint64_t> saved_iovas_;
  std::function<void(const std::string&, Ps)> step_done_;
  Fiber setup_fiber_, steps_fiber_;
  bool setup_done_ = false, steps_done_ = false, steps_started_ = false;
  bool check_each_op_ = false;
  bool rlimit_mm_ = false;
  std::function<std::string()> hardware_state_;
  uint64_t fail_points_ = 0;
  uint64_t* fail_stats_[2 + kFailPointKinds] = {};  // points, leaks, one per FailPoint kind
  std::vector<MigrationRound> rounds_;
  Fiber churn_fiber_;
  bool churn_stop_ = false, churn_running_ = false;
  uint64_t iopt_tickets_ = 0, iopt_serving_ = 0;  // the IOAS lock's queue
  PageSet churn_reported_;
  uint64_t *churn_remaps_ = nullptr, *churn_reported_pages_ = nullptr, *churn_moves_ = nullptr;
  std::map<std::string, std::unique_ptr<VfioType1>> vfio_;
  std::string compat_ioas_;
  std::map<std::string, MemFile> files_;
  uint64_t *vfio_reads_ = nullptr, *vfio_words_ = nullptr, *vfio_bits_ = nullptr;
  uint64_t *log_reports_ = nullptr, *log_bytes_ = nullptr, *log_errors_ = nullptr;
  std::map<std::string, uint64_t*> tracker_counters_;
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
