#pragma once
// Process-wide allocator tuning for the server. glibc serves large blocks (event batches of a few hundred
// kilobytes) with mmap and trims freed memory back to the kernel; under load that turns every batch into
// page faults and madvise calls. Raising the thresholds keeps such blocks in the heap for reuse.
namespace ik {
void TuneAllocator();
}  // namespace ik
