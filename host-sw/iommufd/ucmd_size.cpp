#include "host-sw/iommufd/ucmd_size.h"

namespace sim {

Errno check_ucmd_size(const UcmdStruct& s, uint32_t user_size, bool trailing_nonzero) {
  if (!s.is_ioctl()) return Errno::Ok;
  if (user_size < s.min_size) return Errno::Einval;
  // copy_struct_from_user: a longer struct is accepted only if its tail is all zero.
  if (user_size > s.size && trailing_nonzero) return Errno::E2big;
  return Errno::Ok;
}

}  // namespace sim
