// trigger_vevents (the selftest's IOMMU_TEST_OP_TRIGGER_VEVENT, `count` times): the
// selftest driver reports an event of type `selftest` (struct
// iommu_viommu_event_selftest: the device's virtual ID, u32) to the vIOMMU its device
// is attached through. As iommufd_test_trigger_vevent: ENOENT unless the device is
// attached (without a PASID) to a nested HWPT on a vIOMMU and has a vDEVICE; then
// EOPNOTSUPP when that vIOMMU has no `selftest` vEVENTQ. Stops at the first failure,
// as the selftest's loop does; a full queue is no failure (the event is lost).
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

struct TriggerVevents final : HostOperation {
  std::string device;
  uint64_t count = 1;

  void parse(ConfigReader& r, OpNames& n) {
    device = n.device(r);
    count = uint64_t(r.integer("count", 1, 0, 1 << 20));
  }
  void prepare(Host& h) const override { h.enable_vevent_stats(); }
  Task<Errno> run(Host& h, OpOutcome&) const override {
    for (uint64_t i = 0; i < count; ++i) {
      auto at = h.attachments().find({device, kNoPasid});
      const std::string viommu = at == h.attachments().end() ? "" : h.hwpts().at(at->second).viommu;
      const Vdevice* vd = h.vdevice_of(device);
      if (viommu.empty() || !vd) co_return Errno::Enoent;
      std::vector<uint8_t> event(4);
      for (int b = 0; b < 4; ++b) event[b] = uint8_t(vd->virt_id >> (8 * b));
      if (Errno e = h.report_vevent(viommu, VeventqType::Selftest, std::move(event));
          e != Errno::Ok)
        co_return e;
    }
    co_return Errno::Ok;
  }
};

}  // namespace
extern const HostOpEntry trigger_vevents_op = host_op<TriggerVevents>("trigger_vevents");
}  // namespace sim
