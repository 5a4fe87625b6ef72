// Fault injection after the kernel's iommufd_fail_nth.c: every host operation of a
// smoke scenario runs with its 1st, 2nd, ... failure point failing until it reaches
// none; each failure must be ENOMEM and leave pins, charge, areas, domains, page-table
// leaves, objects, kernel pages and the IOTLB as they were.
#include <doctest/doctest.h>

#include <iostream>
#include <set>

#include "host-sw/ops/op_registry.h"
#include "tests/host-sw/ioas_rig.h"

using namespace sim;
using namespace sim::test;

namespace {

// Every operation that reaches a failure point, in shapes that reach many: a lazy
// IOAS filled by its first domain, maps into two domains in several pfn batches (a
// failure in the second domain's map unwinds the first's), huge pages, copies, access
// pins, reads and writes (the slow path over a lazy IOAS pins), an access moved to
// another IOAS, automatic domains (replaced to another IOAS: a new domain filled,
// the old one destroyed), dirty reads, the VFIO container's calls, iommufd's VFIO
// compat ioctls, file maps and moving the accounting to another process; PASID
// attaches allocate the PASID directory and tables (2048 needs a table of its own).
const char* kSmoke = R"(
fail_nth: true
pfn_batch_runs: 4
memory: [{name: guest, size: 16MiB, backing: 4KiB}, {name: huge, size: 8MiB, backing: 2MiB}]
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 256KiB}
  - {op: hwpt_alloc, id: h, ioas: a, dirty_tracking: true, pasid: true}
  - {op: hwpt_alloc, id: g, ioas: a, pasid: true}
  - {op: attach, device: nic0, hwpt: h}
  - {op: attach, device: nic0, pasid: 5, hwpt: g}
  - {op: attach, device: nic0, pasid: 2048, hwpt: g}
  - {op: ioas_map, ioas: a, iova: 0x40000000, user: guest, offset: 1MiB, length: 1MiB}
  - {op: ioas_map, ioas: a, user: huge, length: 4MiB, save_iova: hv}
  - {op: ioas_alloc, id: b}
  - {op: hwpt_alloc, id: hb, ioas: b, pasid: true}
  - {op: replace, device: nic0, pasid: 5, hwpt: hb}
  - {op: get_hw_info, device: nic0, expect_capabilities: [dirty_tracking]}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x100000, dst_ioas: b, length: 64KiB}
  - {op: ioas_copy, src_ioas: a, src_iova: 0x100000, dst_ioas: b, dst_iova: 0x900000,
     length: 128KiB}
  - {op: attach, device: nic0, pasid: 7, hwpt: b}
  - {op: replace, device: nic0, pasid: 7, hwpt: a}
  - {op: ioas_iova_ranges, ioas: a}
  - {op: ioas_allow_iovas, ioas: b, ranges: ["0x10000000-0x1fffffff"]}
  - {op: ioas_option, ioas: b, option: huge_pages, set: 1}
  - {op: set_dirty_tracking, hwpt: h, enable: true}
  - {op: get_dirty_bitmap, hwpt: h, iova: 0x100000, length: 256KiB, page_size: 4KiB}
  - {op: access_create, id: x, ioas: a}
  - {op: access_pin, access: x, iova: 0x100000, length: 64KiB}
  - {op: access_pin, access: x, iova: 0x40000000, length: 64KiB}
  - {op: access_rw, access: x, iova: 0x100ff0, length: 0x2000, write: true, pattern: 1}
  - {op: access_rw, access: x, iova: 0x100ff0, length: 0x2000, expect_pattern: 1, slow_path: true}
  - {op: access_unpin, access: x, iova: 0x100000, length: 64KiB}
  - {op: access_replace, access: x, ioas: b}
  - {op: ioas_unmap, ioas: a, iova: 0x40000000, length: 1MiB}
  - {op: access_destroy, access: x}
  - {op: ioas_alloc, id: d}
  - {op: ioas_map, ioas: d, iova: 0x100000, user: guest, offset: 8MiB, length: 64KiB}
  - {op: access_create, id: r, ioas: d, pin_pages: false}
  - {op: access_rw, access: r, iova: 0x100ff0, length: 0x8000, write: true, pattern: 2,
     slow_path: true}
  - {op: access_destroy, access: r}
  - {op: ioas_alloc, id: c}
  - {op: vfio_set_iommu, ioas: c}
  - {op: vfio_map_dma, ioas: c, iova: 0x100000, user: guest, offset: 4MiB, length: 1MiB}
  - {op: hwpt_alloc, id: hc, ioas: c}
  - {op: vfio_map_dma, ioas: c, iova: 0x300000, user: guest, offset: 6MiB, length: 256KiB}
  - {op: vfio_pin_pages, ioas: c, iova: 0x101000, pages: 2}
  - {op: vfio_dirty_pages, ioas: c, flags: [start]}
  - {op: vfio_dma_rw, ioas: c, iova: 0x110800, length: 0x1000}
  - {op: vfio_dirty_pages, ioas: c, flags: [get_bitmap], iova: 0x100000, length: 1MiB}
  - {op: vfio_unpin_pages, ioas: c, iova: 0x101000, pages: 2}
  - {op: vfio_unmap_dma, ioas: c, iova: 0x100000, length: 1MiB}
  - {op: ioas_alloc, id: v}
  - {op: vfio_ioas, cmd: set, ioas: v}
  - {op: vfio_set_iommu, type: type1}
  - {op: vfio_get_api_version, expect_version: 0}
  - {op: vfio_check_extension, extension: dma_cc, expect_value: 1}
  - {op: hwpt_alloc, id: hv, ioas: v}
  - {op: vfio_map_dma, iova: 0x100000, user: guest, offset: 8MiB, length: 512KiB}
  - {op: vfio_iommu_get_info, argsz: 4096}
  - {op: vfio_unmap_dma, iova: 0x140000, length: 64KiB}
  - {op: vfio_unmap_dma, flags: [all]}
  - {op: mmap, user: extra, size: 1MiB}
  - {op: ioas_map, ioas: b, iova: 0x10000000, user: extra, length: 1MiB}
  - {op: ioas_unmap, ioas: b, iova: 0x10000000, length: 1MiB}
  - {op: munmap, user: extra}
  - {op: detach, device: nic0, pasid: 7}
  - {op: detach, device: nic0, pasid: 5}
  - {op: detach, device: nic0, pasid: 2048}
  - {op: detach, device: nic0}
  - {op: hwpt_destroy, hwpt: g}
  - {op: destroy, object: h}
  - {op: ioas_destroy, ioas: a}
  - {op: memfd_create, file: mf, size: 1MiB}
  - {op: memfd_truncate, file: mf, size: 512KiB}
  - {op: ioas_alloc, id: f}
  - {op: hwpt_alloc, id: hf, ioas: f}
  - {op: ioas_map_file, ioas: f, file: mf, iova: 0x100000, length: 256KiB}
  - {op: ioas_map_file, ioas: f, file: mf, start: 256KiB, length: 128KiB}
  - {op: ioas_unmap, ioas: b, iova: 0, length: all}
  - {op: vfio_unmap_dma, ioas: c, flags: [all]}
  - {op: ioas_unmap, ioas: d, iova: 0, length: all}
  - {op: process_create, id: next}
  - {op: ioas_change_process, process: next, expect_moved: 384KiB}
steps:
  - {at: 1us, op: wait}
)";

// Nesting's objects on a unit that nests: the parent, a vIOMMU and vDEVICE, a nested
// HWPT on each, attach and invalidations through both, a vEVENTQ (its object and file)
// with events reported and read (no failure point: a report that cannot allocate loses
// the event instead) and a HW queue (its object, page array and internal access).
const char* kNestSmoke = R"(
fail_nth: true
memory: [{name: guest, size: 16MiB, backing: 4KiB}]
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, iova: 0, user: guest, length: 4MiB}
  - {op: hwpt_alloc, id: s2, ioas: a, nest_parent: true, dirty_tracking: true}
  - {op: viommu_alloc, id: v, hwpt: s2, device: nic0}
  - {op: vdevice_alloc, id: d0, viommu: v, device: nic0, virt_id: 0x10}
  - {op: hwpt_alloc_nested, id: s1, parent: s2, device: nic0, s1_root: 0x100000}
  - {op: hwpt_alloc_nested, id: g, parent: v, device: nic0, s1_root: 0x200000}
  - {op: attach, device: nic0, hwpt: g}
  - {op: hwpt_invalidate, hwpt: v, requests: [{vdev_id: 0x10, addr: 0, npages: 1}]}
  - {op: hwpt_invalidate, hwpt: g, requests: [{addr: 0x1000, npages: 2}]}
  - {op: veventq_alloc, id: q, viommu: v, type: selftest, depth: 2}
  - {op: trigger_vevents, device: nic0, count: 3}
  - {op: veventq_read, veventq: q, expect_bytes: 32}
  - {op: hw_queue_alloc, id: hq, viommu: v, type: selftest, index: 0, iova: 0x1000, length: 4096}
  - {op: destroy, object: hq}
  - {op: veventq_close, veventq: q}
  - {op: destroy, object: q}
  - {op: detach, device: nic0}
  - {op: hwpt_destroy, hwpt: g}
  - {op: destroy, object: d0}
steps:
  - {at: 1us, op: wait}
)";

// I/O page faults on a device with PRI: a fault object, an iopf-capable HWPT attached,
// a page request read (the cookie's allocation) and answered, and all of it undone.
const char* kIopfSmoke = R"(
fail_nth: true
memory: [{name: guest, size: 16MiB, backing: 4KiB}]
setup:
  - {op: ioas_alloc, id: a}
  - {op: ioas_map, ioas: a, iova: 0x100000, user: guest, length: 64KiB}
  - {op: fault_queue_alloc, id: f}
  - {op: hwpt_alloc, id: h, ioas: a, fault: f}
  - {op: attach, device: nic0, hwpt: h}
  - {op: trigger_iopf, device: nic0, grpid: 1, addr: 0x1000, last: false}
  - {op: trigger_iopf, device: nic0, grpid: 1, addr: 0x2000}
  - {op: fault_read, fault: f, count: 80, expect_bytes: 80}
  - {op: fault_respond, fault: f, responses: [{cookie: 1}]}
  - {op: detach, device: nic0}
  - {op: hwpt_destroy, hwpt: h}
  - {op: fault_close, fault: f}
  - {op: destroy, object: f}
steps:
  - {at: 1us, op: wait}
)";

// Operations with no failure point: the VMM's own calls and the device's register
// (mmap/munmap, device_quiesce/resume, wait, and the device's own DMA log, which our
// model allocates nothing on the host for), the VMM's memfds (memfd_create and
// memfd_truncate: its own calls, as mmap), another process for IOAS_CHANGE_PROCESS
// (process_create: a process, nothing of iommufd's), and the migration (many calls,
// each with its effects: not one call to unwind); of the I/O page fault calls,
// trigger_iopf (the selftest's command returns 0 whatever the IOMMU core's allocations
// do: a failed one becomes a response to the device, not an errno), fault_respond (it
// only frees) and fault_close (nothing), veventq_close (nothing); the smoke run has
// them all the same; an ioctl
// number no command answers (ENOTTY before anything).
const std::set<std::string> kNoPoint = {"mmap",
                                        "munmap",
                                        "memfd_create",
                                        "memfd_truncate",
                                        "process_create",
                                        "device_quiesce",
                                        "device_resume",
                                        "wait",
                                        "migrate",
                                        "dma_logging_start",
                                        "dma_logging_report",
                                        "dma_logging_stop",
                                        "trigger_iopf",
                                        "fault_respond",
                                        "fault_close",
                                        "veventq_close",
                                        "ioctl"};

// Runs a smoke scenario with every operation checked after it: no step fails, nothing
// leaks, the invariants hold.
void run_clean(HostRig& rig) {
  rig.host->on_hardware_state(
      [&rig] { return "IOTLB " + std::to_string(rig.iommu->iotlb().occupancy()); });
  rig.host->check_each_op(true);
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 0);
  CHECK(rig.stat("host.fail_nth.leaks") == 0);
  CHECK(rig.host->check_invariants() == "");
}

}  // namespace

TEST_CASE("fail_nth (iommufd_fail_nth.c): every operation unwinds each injected failure") {
  HostRig rig(kSmoke);
  run_clean(rig);
  const int64_t points = rig.stat("host.fail_nth.points");
  std::cout << "fail_nth smoke: " << points << " failure points failed and unwound ("
            << rig.stat("host.fail_nth.alloc") << " alloc, " << rig.stat("host.fail_nth.pin")
            << " pin, " << rig.stat("host.fail_nth.domain_map") << " domain map)\n";
  CHECK(rig.stat("host.fail_nth.alloc") > 0);
  CHECK(rig.stat("host.fail_nth.pin") > 0);
  CHECK(rig.stat("host.fail_nth.domain_map") > 0);
  // Every registered operation is in the smoke run, or has no failure point.
  for (const HostOpEntry* e : host_operations()) {
    const std::string name(e->name);
    INFO(name);
    const std::string op = "op: " + name + ",";
    CHECK((kNoPoint.count(name) || std::string(kSmoke).find(op) != std::string::npos ||
           std::string(kNestSmoke).find(op) != std::string::npos ||
           std::string(kIopfSmoke).find(op) != std::string::npos));
  }
}

TEST_CASE("fail_nth over nesting's objects: each allocation fails and unwinds") {
  HostRig rig(kNestSmoke, nesting_unit());
  run_clean(rig);
  std::cout << "fail_nth nesting smoke: " << rig.stat("host.fail_nth.points")
            << " failure points failed and unwound\n";
  // The vIOMMU, the vDEVICE, both nested HWPTs and the parent's object each fail once,
  // the vEVENTQ twice, the HW queue three times.
  CHECK(rig.stat("host.fail_nth.alloc") >= 10);
}

TEST_CASE("fail_nth over I/O page faults: the fault object, the iopf HWPT, a read's cookie") {
  HostRig rig(kIopfSmoke, {}, [](HardwareInfo& hw) { hw.devices[0].pri = true; });
  run_clean(rig);
  std::cout << "fail_nth iopf smoke: " << rig.stat("host.fail_nth.points")
            << " failure points failed and unwound\n";
  // The fault object, the read's cookie, and the HWPT's own points (its domain, the
  // attach's reserved range and the fill's pins) each fail once at least.
  CHECK(rig.stat("host.fail_nth.alloc") >= 4);
  CHECK(rig.stat("host.iopf.groups") == 1);
  CHECK(rig.stat("host.iopf.responses_success") == 1);
}

TEST_CASE("fail_nth: a failure that is not unwound is reported with the point and what leaked") {
  // A negative control: the hardware hook reports a change after the first failure,
  // as a leak would; the step fails naming point 1 and the item.
  HostRig rig(R"(
memory: [{name: guest, size: 1MiB}]
setup:
  - {op: ioas_alloc, id: a, fail_nth: true}
)");
  int calls = 0;
  rig.host->on_hardware_state([&calls] { return std::to_string(calls++); });
  rig.run();
  CHECK(rig.stat("host.steps_failed") == 1);
  CHECK(rig.stat("host.fail_nth.leaks") == 1);
  CHECK(rig.stat("host.fail_nth.points") == 1);
}
