#pragma once
#include <sndfile.h>

#ifdef __linux__
#include <sys/types.h>
// glibc declares sync_file_range only under _GNU_SOURCE. Defining that here would change how this module sees
// the libc headers that other modules (Dispatch) see too, which clang refuses; so the prototype is glibc's own.
extern int sync_file_range(int __fd, __off64_t __offset, __off64_t __count, unsigned int __flags);
/// Starts writeback of the dirty pages in [offset, offset + count) without waiting for it (Linux
/// sync_file_range with SYNC_FILE_RANGE_WRITE, which is 2), so that the fsync before an atomic rename has
/// little left to wait for.
static inline int am_start_writeback(int fd, long long offset, long long count) {
  return sync_file_range(fd, offset, count, 2);
}
#else
static inline int am_start_writeback(int fd, long long offset, long long count) { return 0; }
#endif
