#pragma once
// What the operations' parsers share: the names defined so far (a reference to
// something never created is an input error, with "did you mean") and the argument
// forms several operations take.
#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "host-sw/iommufd/iova_allocator.h"
#include "host-sw/vmm/call_args.h"
#include "host-sw/vmm/churn_params.h"
#include "host-sw/vmm/host_operation.h"
#include "models/config/config.h"

namespace sim {

struct OpNames {
  std::set<std::string> ioas, hwpt, user, steps, saved_iovas, access, viommu, vdevice;
  std::set<std::string> fault;                    // fault objects (fault_queue_alloc)
  std::set<std::string> veventq, hw_queue;        // vEVENTQs and HW queues of a vIOMMU
  std::set<std::string> vfio;                     // IOASes a vfio_set_iommu made containers
  std::set<std::string> files, processes{"vmm"};  // memfds; accounting owners
  std::vector<std::string> devices;
  // Fails at `key` unless `v` is among `known`.
  void need(ConfigReader& r, const char* key, const std::set<std::string>& known,
            const std::string& v, const char* what) const;
  std::string device(ConfigReader& r, const char* key = "device") const;
  // The kinds of iommufd object, which share one name space as the kernel's objects
  // share one ID space.
  std::array<const std::set<std::string>*, 8> objects() const {
    return {&ioas, &hwpt, &access, &viommu, &vdevice, &fault, &veventq, &hw_queue};
  }
  // `id` of a new object, added to `kind` (a name of another kind is an error).
  std::string new_object(ConfigReader& r, std::set<std::string>& kind, const char* key = "id");
  // Fails at `key` unless `v` names an object of any kind; an object of another kind
  // than the operation wants is the kernel's ENOENT when it runs, not an input error.
  void need_object(ConfigReader& r, const char* key, const std::set<std::string>& kind,
                   const std::string& v, const char* what) const;
};

// host.guest (load_guest.cpp): its HWPT must be a nested one defined in setup.
struct GuestConfig;
GuestConfig load_guest(ConfigReader& r, const OpNames& n);
// 4KiB, 2MiB or 1GiB.
uint64_t read_backing(ConfigReader& r, const char* key);
// `split_to:` none, 4KiB or 2MiB: the log2 size huge leaves split to for tracking (0: none).
unsigned read_split_to(ConfigReader& r);
// `migrate`'s `churn:` map (churn_parse.cpp).
ChurnParams read_churn(ConfigReader& m, bool vfio_container, bool tracker_type1);
// `prot:` r, w, rw or none.
void read_prot(ConfigReader& r, bool& readable, bool& writable);
// IOVA ranges as "FIRST-LAST" (inclusive, up to 0xffffffffffffffff) or "START+LENGTH".
std::vector<IovaRange> read_iova_ranges(ConfigReader& r, const char* key);
// An address, or the name an earlier `save_iova:` gave an allocated IOVA.
IovaArg read_iova(ConfigReader& r, const OpNames& n, const char* key);
// `save_iova: NAME` (optional): "" when absent.
std::string read_save_iova(ConfigReader& r, OpNames& n);
// An IOAS created earlier.
std::string read_ioas(ConfigReader& r, const OpNames& n, const char* key = "ioas");
std::string read_hwpt(ConfigReader& r, const OpNames& n);
std::string read_access(ConfigReader& r, const OpNames& n);
std::string read_viommu(ConfigReader& r, const OpNames& n);
std::string read_user(ConfigReader& r, const OpNames& n);
// A list of flag names under `key` as uAPI bits (names[i] is bit i).
uint32_t read_flags(ConfigReader& r, std::initializer_list<const char*> names,
                    const char* key = "flags");
// The user bitmap of a VFIO type1 read (its iova and length are the caller's).
void read_type1_bitmap(ConfigReader& r, VfioBitmapArgs& b);
// A value the call returned, against what the scenario expects (the first mismatch wins).
void expect_value(const char* what, const std::optional<uint64_t>& want, uint64_t got,
                  std::string& detail);
// `bitmap_offset`: a byte offset below 4096.
uint64_t read_bitmap_offset(ConfigReader& r);

}  // namespace sim
