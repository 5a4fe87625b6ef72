#include "platform/scenario_bounds.h"

#include "iommu/vtd_regs.h"
#include "pcie/endpoint.h"

namespace sim {

namespace {

std::string hex(uint64_t v) {
  char b[32];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

bool overlaps(uint64_t a, uint64_t a_end, uint64_t b, uint64_t b_end) {
  return a < b_end && b < a_end;
}

void check_address_map(const Scenario& s, const SourceMark& devices_mark) {
  const uint64_t ctrl_end = kEndpointCtrlBase + s.devices.size() * kEndpointCtrlStride;
  for (const IommuConfig& u : s.iommus) {
    const uint64_t b = u.mmio_base, e = u.mmio_base + kIommuMmioSize;
    auto fail = [&](const std::string& why) {
      throw InputError(u.mmio_mark, u.mmio_key,
                       "unit " + u.name + "'s register page at " + hex(b) + " " + why);
    };
    if (b < kMmioWindowBase || e > kMmioWindowEnd || e < b)
      fail("is outside the platform's MMIO window " + hex(kMmioWindowBase) + "-" +
           hex(kMmioWindowEnd - 1) + " (below it is RAM)");
    if (overlaps(b, e, kMsiWindowBase, kMsiWindowEnd))
      fail("is on the MSI window " + hex(kMsiWindowBase) + "-" + hex(kMsiWindowEnd - 1));
    if (overlaps(b, e, kEndpointCtrlBase, ctrl_end)) {
      const uint64_t fit = (b - kEndpointCtrlBase) / kEndpointCtrlStride;
      throw InputError(devices_mark, "devices",
                       std::to_string(s.devices.size()) + " devices: their control pages (" +
                           hex(kEndpointCtrlStride) + " bytes each from " + hex(kEndpointCtrlBase) +
                           ") reach unit " + u.name + "'s register page at " + hex(b) +
                           "; at most " + std::to_string(fit) + " devices fit below it");
    }
  }
  if (ctrl_end > kMsiWindowBase)
    throw InputError(devices_mark, "devices",
                     std::to_string(s.devices.size()) +
                         " devices: their control pages reach the MSI window at " +
                         hex(kMsiWindowBase));
}

void check_vmm_memory(const Scenario& s) {
  uint64_t used = 0;
  for (const VmmMemoryConfig& m : s.host.memory) {
    used += m.size;
    if (used > s.memory.size || used < m.size)
      throw InputError(m.size_mark, m.size_key,
                       "the VMM's memory (" + std::to_string(used) +
                           " bytes with this mapping) does not fit platform.memory.size (" +
                           std::to_string(s.memory.size) + " bytes)");
  }
}

void check_end(const Scenario& s) {
  if (s.end_auto) {
    // A stream with neither stop nor count ends only when a host step stops its device.
    auto stopped = [&](const std::string& device) {
      for (const auto& op : s.host.steps)
        if (op->stops_device(device)) return true;
      return false;
    };
    for (const DeviceConfig& d : s.devices)
      for (const DmaJobConfig& j : d.jobs)
        if (!j.one_shot && j.pattern != DmaPattern::Replay && j.stop == 0 && j.count == 0 &&
            !stopped(d.name))
          throw InputError(j.start_mark, "devices." + d.name + ".dma." + j.name,
                           "runs forever under sim.end: auto (no stop, no count, and no host "
                           "step stops the device); give it a stop or a count, or set sim.end");
    return;
  }
  for (const auto& op : s.host.steps)
    if (op->after.empty() && op->at >= s.end)
      throw InputError(op->mark, "host.steps[" + std::to_string(op->index) + "].at",
                       "at " + format_time(op->at) + ", not before sim.end (" + format_time(s.end) +
                           "): the step would never run");
  for (const DeviceConfig& d : s.devices)
    for (const DmaJobConfig& j : d.jobs)
      if (j.start_after.empty() && j.start >= s.end)
        throw InputError(j.start_mark, "devices." + d.name + ".dma." + j.name,
                         "starts at " + format_time(j.start) + ", not before sim.end (" +
                             format_time(s.end) + "): it would never run");
}

}  // namespace

void check_scenario_bounds(const Scenario& s, const SourceMark& devices_mark) {
  check_address_map(s, devices_mark);
  check_vmm_memory(s);
  check_end(s);
}

std::string output_name_problem(const std::string& name) {
  if (name.empty()) return "it is empty";
  if (name.size() > 100) return "it is over 100 bytes long";
  if (name == "." || name == "..") return "'" + name + "' names a folder itself";
  if (name[0] == '.') return "it starts with '.' (a hidden folder)";
  if (name[0] == '-') return "it starts with '-' (read as a flag by tools)";
  for (size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c == '/' || c == '\\') return "it holds a '" + std::string(1, char(c)) + "'";
    if (c < 0x20 || c == 0x7f) return "it holds a control character";
    if (c >= 0x80) {  // valid UTF-8 only
      size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xc2 ? 2 : 0;
      if (n == 0 || i + n > name.size()) return "it is not UTF-8";
      for (size_t k = 1; k < n; ++k)
        if ((static_cast<unsigned char>(name[i + k]) & 0xc0) != 0x80) return "it is not UTF-8";
      i += n - 1;
    }
  }
  return "";
}

}  // namespace sim
