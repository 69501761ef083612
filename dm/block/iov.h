/* SPDX-License-Identifier: BSD-3-Clause */
/* Scatter-gather helpers for the block drivers. */
#ifndef DM_BLOCK_IOV_H
#define DM_BLOCK_IOV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

uint64_t blk_iov_size(const struct iovec *iov, int iovcnt);
/* The bytes [@off, @off+@len) of @iov as iovecs in @out (room for @iovcnt); returns the count. */
int blk_iov_slice(const struct iovec *iov, int iovcnt, uint64_t off, uint64_t len,
                  struct iovec *out);
void blk_iov_memset(const struct iovec *iov, int iovcnt, uint64_t off, int c, uint64_t len);
void blk_iov_to_buf(const struct iovec *iov, int iovcnt, uint64_t off, void *buf, uint64_t len);
void blk_iov_from_buf(const struct iovec *iov, int iovcnt, uint64_t off, const void *buf,
                      uint64_t len);
/* preadv/pwritev until done; reads past the end of the file give zeros. 0 or -errno. */
int blk_preadv_full(int fd, const struct iovec *iov, int iovcnt, uint64_t off);
int blk_pwritev_full(int fd, const struct iovec *iov, int iovcnt, uint64_t off);

#endif
