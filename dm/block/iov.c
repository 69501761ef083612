/* SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "iov.h"

uint64_t blk_iov_size(const struct iovec *iov, int iovcnt)
{
	uint64_t n = 0;

	for (int i = 0; i < iovcnt; i++)
		n += iov[i].iov_len;
	return n;
}

int blk_iov_slice(const struct iovec *iov, int iovcnt, uint64_t off, uint64_t len,
                  struct iovec *out)
{
	int n = 0;

	for (int i = 0; i < iovcnt && len > 0; i++) {
		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		uint64_t take = MIN(iov[i].iov_len - off, len);
		out[n].iov_base = (uint8_t *)iov[i].iov_base + off;
		out[n].iov_len = take;
		n++;
		len -= take;
		off = 0;
	}
	return n;
}

/* Walk [off, off+len) of @iov calling @fn on each piece. */
#define IOV_WALK(iov, iovcnt, off, len, body)                                 \
	do {                                                                  \
		uint64_t _off = (off), _len = (len), _done = 0;               \
		for (int _i = 0; _i < (iovcnt) && _len > 0; _i++) {           \
			if (_off >= (iov)[_i].iov_len) {                      \
				_off -= (iov)[_i].iov_len;                    \
				continue;                                     \
			}                                                     \
			uint64_t piece = MIN((iov)[_i].iov_len - _off, _len); \
			uint8_t *base = (uint8_t *)(iov)[_i].iov_base + _off; \
			uint64_t done = _done;                                \
			body;                                                 \
			_done += piece;                                       \
			_len -= piece;                                        \
			_off = 0;                                             \
		}                                                             \
	} while (0)

void blk_iov_memset(const struct iovec *iov, int iovcnt, uint64_t off, int c, uint64_t len)
{
	IOV_WALK(iov, iovcnt, off, len, {
		(void)done;
		memset(base, c, piece);
	});
}

void blk_iov_to_buf(const struct iovec *iov, int iovcnt, uint64_t off, void *buf, uint64_t len)
{
	IOV_WALK(iov, iovcnt, off, len, { memcpy((uint8_t *)buf + done, base, piece); });
}

void blk_iov_from_buf(const struct iovec *iov, int iovcnt, uint64_t off, const void *buf,
                      uint64_t len)
{
	IOV_WALK(iov, iovcnt, off, len, { memcpy(base, (const uint8_t *)buf + done, piece); });
}

static int rw_full(int fd, const struct iovec *iov, int iovcnt, uint64_t off, bool write)
{
	uint64_t total = blk_iov_size(iov, iovcnt), done = 0;
	struct iovec small[8], *cur = iovcnt <= 8 ? small : g_new(struct iovec, iovcnt);
	int ret = 0;

	while (done < total) {
		int n = blk_iov_slice(iov, iovcnt, done, total - done, cur);
		ssize_t r = write ? pwritev(fd, cur, MIN(n, IOV_MAX), (off_t)(off + done))
		                  : preadv(fd, cur, MIN(n, IOV_MAX), (off_t)(off + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			break;
		}
		if (r == 0) {
			if (write) {
				ret = -EIO;
				break;
			}
			blk_iov_memset(iov, iovcnt, done, 0, total - done);
			break;
		}
		done += (uint64_t)r;
	}
	if (cur != small)
		g_free(cur);
	return ret;
}

int blk_preadv_full(int fd, const struct iovec *iov, int iovcnt, uint64_t off)
{
	return rw_full(fd, iov, iovcnt, off, false);
}

int blk_pwritev_full(int fd, const struct iovec *iov, int iovcnt, uint64_t off)
{
	return rw_full(fd, iov, iovcnt, off, true);
}
