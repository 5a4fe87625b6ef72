#!/usr/bin/env bash
# The layering rules DESIGN.md states, checked on the sources:
# cores (any .h/.cpp not named *_tlm.*) never include SystemC/TLM, and hardware
# (iommu/, pcie/, models/ outside platform) never includes host-sw/.
cd "$(dirname "$0")/.." || exit 1
bad=0
for f in $(find models iommu pcie host-sw -name '*.h' -o -name '*.cpp' | sort); do
  case "$f" in *.h|*.cpp) ;; *) continue ;; esac
  case "$f" in *_tlm.h|*_tlm.cpp|models/cli/*) continue ;; esac
  if grep -nE '#include\s*[<"](systemc|tlm|sysc/|tlm_utils/|tlm_core/)' "$f" /dev/null; then
    echo "core file includes SystemC: $f"; bad=1
  fi
  if grep -nE '#include\s*[<"][^>"]*_tlm\.h' "$f" /dev/null; then
    echo "core file includes a shell header: $f"; bad=1
  fi
done
if grep -rnE '#include\s*[<"](\.\./)*host-sw/' iommu pcie models --include='*.h' --include='*.cpp' | grep -v '^models/platform/\|^models/cli/'; then
  echo "hardware or substrate includes host-sw/"; bad=1
fi
[ $bad -eq 0 ] && echo "layering ok"
exit $bad
