#pragma once
// _GNU_SOURCE before any libc header: it declares sync_file_range (below).
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif
#include <sndfile.h>

#ifdef __linux__
#include <fcntl.h>
/// Starts writeback of the dirty pages in [offset, offset + count) without waiting for it (Linux
/// sync_file_range, SYNC_FILE_RANGE_WRITE), so that the fsync before an atomic rename has little left to wait
/// for. Glibc declares it only under _GNU_SOURCE, which Swift's Glibc module does not define.
static inline int am_start_writeback(int fd, long long offset, long long count) {
  return sync_file_range(fd, offset, count, SYNC_FILE_RANGE_WRITE);
}
#else
static inline int am_start_writeback(int fd, long long offset, long long count) { return 0; }
#endif
