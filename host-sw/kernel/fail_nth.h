#pragma once
// Fault injection after the kernel's fail-nth (/proc/self/task/TID/fail-nth, which
// iommufd_fail_nth drives): while armed with N, the Nth failure point reached fails.
// Failure points sit where the kernel can fail an allocation (objects, areas, pages,
// reserved ranges, page-table pages while mapping a domain, bitmaps) or a pin
// (pin_user_pages); each caller turns a failure into the errno the kernel returns
// there (ENOMEM). Unarmed, a point costs one branch and changes nothing.
#include <cstdint>
#include <string_view>

namespace sim {

enum class FailPoint { Alloc, Pin, DomainMap };
inline constexpr unsigned kFailPointKinds = 3;
std::string_view fail_point_name(FailPoint p);

class FailNth {
 public:
  // From now on the nth point reached fails (n >= 1), once; 0 disarms.
  void arm(uint64_t n) {
    nth_ = n;
    reached_ = 0;
    fired_ = false;
  }
  void disarm() { nth_ = 0; }
  // At a failure point: true when this one fails.
  bool should_fail(FailPoint p) {
    if (nth_ == 0 || fired_) return false;
    if (++reached_ != nth_) return false;
    fired_ = true;
    point_ = p;
    return true;
  }
  bool fired() const { return fired_; }
  FailPoint point() const { return point_; }  // the one that failed, when fired()
  uint64_t reached() const { return reached_; }

 private:
  uint64_t nth_ = 0, reached_ = 0;
  bool fired_ = false;
  FailPoint point_ = FailPoint::Alloc;
};

}  // namespace sim
