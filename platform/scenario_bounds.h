#pragma once
// Checks that span sections of a scenario, run once everything is read: the address
// map (register pages, device control pages, MSI window), VMM memory against
// physical memory, work scheduled after sim.end, and streams that would keep a
// `sim.end: auto` run going forever. Each is an InputError at the place to change.
#include "platform/scenario.h"

namespace sim {

// The platform's MMIO window below 4 GiB: the devices' control pages from its base,
// the IOMMU register pages, the MSI window at 0xfee00000.
inline constexpr uint64_t kMmioWindowBase = 0xfe000000, kMmioWindowEnd = 0x100000000;
inline constexpr uint64_t kMsiWindowBase = 0xfee00000, kMsiWindowEnd = 0xfef00000;

// `devices_mark`: where the devices list is (for "too many devices").
void check_scenario_bounds(const Scenario& s, const SourceMark& devices_mark);

// The scenario's name becomes the output folder's name: "" when it may, else why not.
std::string output_name_problem(const std::string& name);

}  // namespace sim
