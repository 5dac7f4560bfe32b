#include "common/allocator.hpp"

#include <malloc.h>

namespace ik {

void TuneAllocator() {
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

}  // namespace ik
